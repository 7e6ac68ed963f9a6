"""总览 Overview: KPI cards for the headline metrics of a scope and year (value, YoY, sparkline,
target), a leaderboard of institutes × headline metrics with rank n / N, a page of institutes at a time."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, ctx, html, no_update

from dashboards import figures
from dashboards.components import table, table_card
from dashboards.data import MartStore
from dashboards.i18n import fmt_pct, fmt_rank, fmt_value, pick, t
from dashboards.pages.common import (
    checked,
    control,
    dropdown,
    group_options,
    institute_names,
    state_store,
    year_options,
)
from dashboards.state import InvalidState

PATH = "/"
PAGE = "overview"
# Institutes per page of the leaderboard. A provincial group (7 institutes in the demo) fits on one and
# shows no pager; a national one of 200 opens with 20 rows instead of 2,600 cells to send and lay out.
# Its downloads (CSV, XLSX) keep every institute.
LEADERBOARD_ROWS = 20


def defaults(store: MartStore, state: dict) -> dict:
    years = store.years()
    return {"year": state.get("year") if state.get("year") in years else years[-1], "group": state.get("group", "all")}


def layout(store: MartStore, state: dict):
    """The page with its content for the state (no callback needed to fill it)."""
    lang = state["lang"]
    d = defaults(store, state)
    cards, leaders, pages, page_state = content(store, d["year"], d["group"], lang)
    return html.Div([
        state_store(PAGE, page_state),
        dbc.Row([control(t("year", lang), dropdown("overview-year", year_options(store), d["year"])),
                 control(t("group", lang), dropdown("overview-group", group_options(store, lang), d["group"]))],
                className="mb-3"),
        html.Div(cards, id="overview-cards"),
        table_card("leaderboard", lang, t("leaderboard", lang), leaders,
                   footer=dbc.Pagination(id="leaderboard-pager", active_page=1, max_value=pages, size="sm",
                                         first_last=True, previous_next=True, className="my-2 me-2",
                                         style=_shown(pages))),
    ])


def content(store: MartStore, year: int, group_id: str, lang: str) -> tuple:
    """KPI cards, the leaderboard's first page, its number of pages and the page's URL state — what the
    layout shows and the callback returns."""
    state = {"lang": lang, "year": year, "group": group_id}
    leaders = leaderboard(store, state)
    return kpi_cards(store, year, group_id, lang), table(leaderboard_page(leaders, 1), lang), pages_of(leaders), state


def pages_of(leaders: pd.DataFrame) -> int:
    return max(1, -(-len(leaders) // LEADERBOARD_ROWS))


def leaderboard_page(leaders: pd.DataFrame, page: int) -> pd.DataFrame:
    """The rows of page `page` (from 1; one past the last gives the last)."""
    page = min(max(1, int(page or 1)), pages_of(leaders))
    return leaders.iloc[(page - 1) * LEADERBOARD_ROWS:page * LEADERBOARD_ROWS]


def _shown(pages: int) -> dict:
    return {} if pages > 1 else {"display": "none"}


def kpi_card_data(store: MartStore, year: int, group_id: str, lang: str) -> list[dict]:
    """What each headline KPI card shows, as data (the cards here, the report pack's overview figures):
    the metric, its series over the years, the year's row, the value and YoY in words, the target."""
    metrics = store.metrics()
    headline = metrics[metrics["is_headline"]]
    series = store.group_metric_years(group_id)
    by_metric = dict(iter(series.sort_values(["metric_id", "year"]).groupby("metric_id", sort=False)))
    targets = _targets(store.institute_metric_years(years=[year], group_id=group_id))
    cards = []
    for _, m in headline.iterrows():
        rows = by_metric.get(m["metric_id"], series.iloc[:0])
        now = rows[rows["year"] == year]
        unit = pick(m, "unit", lang)
        if now.empty:
            value_text, delta = "—", ""
        else:
            r = now.iloc[0]
            value_text = fmt_value(r["value"], r["qualifier"], unit, lang)
            delta = f"{t('yoy', lang)} {fmt_value(r['yoy_abs'], None, '', lang) if pd.notna(r['yoy_abs']) else '—'}" \
                    f" ({fmt_pct(r['yoy_pct'], lang)})" + (f" · {t('small_base', lang)}" if r["yoy_small_base"] else "")
        target_text, ratio = None, None
        if m["metric_id"] in targets.index:
            tr = targets.loc[m["metric_id"]]
            ratio = tr["value_with_target"] / tr["target"] if tr["target"] else None
            target_text = (f"{t('target', lang)} {fmt_value(tr['target'], None, unit, lang)} · "
                           f"{t('attainment', lang)} {fmt_pct(ratio, lang, signed=False)}")
        cards.append({"metric": m, "rows": rows, "now": now, "value_text": value_text, "delta": delta,
                      "target_text": target_text, "ratio": ratio})
    return cards


def _targets(rows: pd.DataFrame) -> pd.DataFrame:
    """Per metric, the sum of the targets set for the year and the sum of the values of the institutes
    that have one (sums over nothing stay empty, as in SQL)."""
    with_target = rows.loc[rows["target"].notna(), ["metric_id", "target", "value"]]
    return with_target.groupby("metric_id").sum(min_count=1).rename(columns={"value": "value_with_target"})


def kpi_cards(store: MartStore, year: int, group_id: str, lang: str) -> list:
    cards = []
    for card in kpi_card_data(store, year, group_id, lang):
        m, rows, now, ratio = card["metric"], card["rows"], card["now"], card["ratio"]
        body = [html.Div(pick(m, "name", lang), className="kpi-name", title=pick(m, "description", lang)),
                html.Div(card["value_text"], className="kpi-value"),
                html.Div(card["delta"], className="kpi-delta " + _delta_class(now)),
                html.Img(src=figures.sparkline_svg(rows["year"].tolist(), rows["value"].tolist()), alt="",
                         className="kpi-spark")]
        if card["target_text"] is not None:
            body.append(html.Div([html.Div(card["target_text"], className="small text-muted"),
                                  dbc.Progress(value=min(100, (ratio or 0) * 100), className="kpi-target",
                                               color="success" if (ratio or 0) >= 1 else "warning")]))
        cards.append(dbc.Col(dbc.Card(dbc.CardBody(body), className="kpi-card shadow-sm h-100",
                                      id={"type": "kpi", "metric": m["metric_id"]}), lg=4, md=6, className="mb-3"))
    return [dbc.Row(cards)]


def _delta_class(now: pd.DataFrame) -> str:
    if now.empty or pd.isna(now.iloc[0]["yoy_abs"]):
        return "text-muted"
    return "text-success" if now.iloc[0]["yoy_abs"] >= 0 else "text-danger"


def leaderboard(store: MartStore, state: dict) -> pd.DataFrame:
    """Institutes × headline metrics: the year's value and rank n / N of each, one row per institute
    (in the facts' order). Each cell formatted once and put in place by position."""
    lang = state["lang"]
    d = defaults(store, state)
    metrics = store.metrics()
    headline = metrics[metrics["is_headline"]]
    rows = store.institute_metric_years(years=[d["year"]], group_id=d["group"])
    rows = rows[rows["metric_id"].isin(headline["metric_id"])]
    if rows.empty:
        return pd.DataFrame()
    rank_col, n_col = ("group_rank", "group_n") if d["group"] == "all" else ("peer_rank", "peer_n")
    not_reported = t("not_reported", lang)
    # .tolist() first: iterating an Arrow-backed column calls back into pandas per element (~3× slower)
    values = [fmt_value(v, q, "", lang) if reported else not_reported
              for v, q, reported in zip(rows["value"].tolist(), rows["qualifier"].tolist(),
                                        rows["is_reported"].tolist(), strict=True)]
    ranks = [fmt_rank(r, n, lang) for r, n in zip(rows[rank_col].tolist(), rows[n_col].tolist(), strict=True)]
    # one row per institute (in the rows' order), one column per headline metric that has rows
    row_of, institutes = pd.factorize(rows["institute_id"])
    with_rows = set(rows["metric_id"].tolist())  # once, not per metric
    present = [m for m in headline.to_dict("records") if m["metric_id"] in with_rows]
    column_of = rows["metric_id"].map({m["metric_id"]: i for i, m in enumerate(present)}).to_numpy()
    value_cells = np.full((len(institutes), len(present)), None, dtype=object)
    rank_cells = value_cells.copy()
    value_cells[row_of, column_of] = values
    rank_cells[row_of, column_of] = ranks
    names = institute_names(store, lang)
    columns = {t("institute", lang): [names.get(i, i) for i in institutes]}
    for i, m in enumerate(present):
        label = pick(m, "name", lang)
        columns[label] = value_cells[:, i]
        columns[f"{label} {t('rank', lang)}"] = rank_cells[:, i]
    return pd.DataFrame(columns)


TABLES = {"leaderboard": leaderboard}


def register(app, store: MartStore) -> None:
    # not on the first render: the layout comes filled (a new language re-renders the page)
    @app.callback(Output("overview-cards", "children"), Output({"type": "table", "table": "leaderboard"}, "children"),
                  Output({"type": "page-state", "page": PAGE}, "data"),
                  Output("leaderboard-pager", "max_value"), Output("leaderboard-pager", "active_page"),
                  Output("leaderboard-pager", "style"),
                  Input("overview-year", "value"), Input("overview-group", "value"),
                  Input("leaderboard-pager", "active_page"), State("lang", "data"), prevent_initial_call=True)
    def update(year, group_id, page, lang):
        checked(store, lang=lang, year=year, group=group_id)
        if page is not None and (not isinstance(page, int) or isinstance(page, bool) or page < 1):
            raise InvalidState("page", page)
        if ctx.triggered_id == "leaderboard-pager":  # another page of the same table: only the table changes
            leaders = leaderboard(store, {"lang": lang, "year": year, "group": group_id})
            return no_update, table(leaderboard_page(leaders, page), lang), no_update, no_update, no_update, no_update
        cards, leaders, pages, state = content(store, year, group_id, lang)  # a new year or group: page 1
        return cards, leaders, state, pages, 1, _shown(pages)
