"""总览 Overview: KPI cards for the headline metrics of a scope and year (value, YoY, sparkline,
target), a leaderboard of institutes × headline metrics with rank n / N."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, dcc, html

from dashboards import figures
from dashboards.components import table, table_card
from dashboards.data import MartStore
from dashboards.i18n import fmt_pct, fmt_rank, fmt_value, pick, t
from dashboards.pages.common import (
    control,
    dropdown,
    group_options,
    institute_names,
    state_store,
    year_options,
)

PATH = "/"
PAGE = "overview"


def layout(store: MartStore, state: dict):
    lang = state["lang"]
    years = store.years()
    year = state.get("year") if state.get("year") in years else years[-1]
    return html.Div([
        state_store(PAGE),
        dbc.Row([control(t("year", lang), dropdown("overview-year", year_options(store), year)),
                 control(t("group", lang), dropdown("overview-group", group_options(store, lang),
                                                    state.get("group", "all")))], className="mb-3"),
        html.Div(id="overview-cards"),
        table_card("leaderboard", lang, t("leaderboard", lang)),
    ])


def kpi_card_data(store: MartStore, year: int, group_id: str, lang: str) -> list[dict]:
    """What each headline KPI card shows, as data (the cards here, the report pack's overview figures):
    the metric, its series over the years, the year's row, the value and YoY in words, the target."""
    metrics = store.metrics()
    headline = metrics[metrics["is_headline"]]
    series = store.group_metric_years(group_id)
    targets = store.frame("""select f.metric_id, sum(f.target) as target, sum(f.value) as value_with_target
                             from fct_institute_metric_year f
                             where f.year = ? and f.target is not null and (? = 'all' or f.peer_group_id = ?)
                             group by f.metric_id""", [year, group_id, group_id]).set_index("metric_id")
    cards = []
    for _, m in headline.iterrows():
        rows = series[series["metric_id"] == m["metric_id"]].sort_values("year")
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


def kpi_cards(store: MartStore, year: int, group_id: str, lang: str) -> list:
    cards = []
    for card in kpi_card_data(store, year, group_id, lang):
        m, rows, now, ratio = card["metric"], card["rows"], card["now"], card["ratio"]
        body = [html.Div(pick(m, "name", lang), className="kpi-name", title=pick(m, "description", lang)),
                html.Div(card["value_text"], className="kpi-value"),
                html.Div(card["delta"], className="kpi-delta " + _delta_class(now)),
                dcc.Graph(figure=figures.sparkline(rows["year"].tolist(), rows["value"].tolist()),
                          config={"displayModeBar": False, "staticPlot": True}, className="kpi-spark")]
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
    lang = state["lang"]
    years = store.years()
    year = state.get("year") if state.get("year") in years else years[-1]
    group_id = state.get("group", "all")
    metrics = store.metrics()
    headline = metrics[metrics["is_headline"]]
    rows = store.institute_metric_years(years=[year], group_id=group_id)
    rows = rows[rows["metric_id"].isin(headline["metric_id"])]
    names = institute_names(store, lang)
    rank_col, n_col = ("group_rank", "group_n") if group_id == "all" else ("peer_rank", "peer_n")
    table_rows = []
    for institute_id, part in rows.groupby("institute_id", sort=False):
        record = {t("institute", lang): names.get(institute_id, institute_id)}
        by_metric = part.set_index("metric_id")
        for _, m in headline.iterrows():
            label = pick(m, "name", lang)
            if m["metric_id"] in by_metric.index:
                r = by_metric.loc[m["metric_id"]]
                record[label] = fmt_value(r["value"], r["qualifier"], "", lang) if r["is_reported"] else t("not_reported", lang)
                record[f"{label} {t('rank', lang)}"] = fmt_rank(r[rank_col], r[n_col], lang)
        table_rows.append(record)
    return pd.DataFrame(table_rows)


TABLES = {"leaderboard": leaderboard}


def register(app, store: MartStore) -> None:
    @app.callback(Output("overview-cards", "children"), Output({"type": "table", "table": "leaderboard"}, "children"),
                  Output({"type": "page-state", "page": PAGE}, "data"),
                  Input("overview-year", "value"), Input("overview-group", "value"), Input("lang", "data"))
    def update(year, group_id, lang):
        state = {"lang": lang, "year": year, "group": group_id}
        return kpi_cards(store, year, group_id, lang), table(leaderboard(store, state)), state
