"""机构 Institute: one institute's metric over the years (counts beside per 100 staff, target marks,
the group average), its share of the group, target attainment, and the records behind a year's
number with the file and row each came from."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html

from dashboards import figures
from dashboards.components import figure_card, table, table_card
from dashboards.data import MartStore
from dashboards.i18n import fmt_pct, fmt_rank, fmt_value, t
from dashboards.pages.common import (
    checked,
    control,
    dropdown,
    figure_builders,
    institute_name,
    institute_options,
    metric_meta,
    metric_options,
    state_store,
    year_options,
)
from dashboards.state import InvalidState

PATH = "/institute"
PAGE = "institute"


def defaults(store: MartStore, state: dict) -> dict:
    institutes = store.institutes()["institute_id"].tolist()
    metrics = store.metrics()["metric_id"].tolist()
    years = store.years()
    return {
        "institute": state.get("institute") if state.get("institute") in institutes else institutes[0],
        "metric": state.get("metric") if state.get("metric") in metrics else metrics[0],
        "record_year": state.get("record_year") if state.get("record_year") in years else years[-1],
    }


def layout(store: MartStore, state: dict):
    """The page with its content for the state (no callback needed to fill it)."""
    lang = state["lang"]
    d = defaults(store, state)
    trend, share, summary_row = figure_content(store, d["institute"], d["metric"], d["record_year"], lang)
    records_table, page_state = records_content(store, d["institute"], d["metric"], d["record_year"], lang)
    return html.Div([
        state_store(PAGE, page_state),
        dbc.Row([control(t("institute", lang), dropdown("institute-id", institute_options(store, lang), d["institute"])),
                 control(t("metric", lang), dropdown("institute-metric", metric_options(store, lang), d["metric"])),
                 control(t("year", lang) + " · " + t("records", lang),
                         dropdown("institute-record-year", year_options(store), d["record_year"]))],
                className="mb-3"),
        html.Div(summary_row, id="institute-summary", className="mb-2"),
        figure_card("trend", lang, trend, note=t("records_hint", lang)),
        figure_card("share", lang, share),
        table_card("records", lang, t("records", lang), records_table),
    ])


def series(store: MartStore, institute_id: str, metric_id: str) -> pd.DataFrame:
    rows = store.institute_metric_years(metric_id=metric_id, institute_id=institute_id)
    group = store.group_metric_years("all", metric_id)[["year", "institute_mean"]].rename(
        columns={"institute_mean": "group_mean"})
    return rows.merge(group, on="year", how="left").sort_values("year")


def figure_content(store: MartStore, institute_id: str, metric_id: str, record_year: int, lang: str) -> tuple:
    """The trend and share figures and the summary row."""
    metric = metric_meta(store, metric_id)
    rows = series(store, institute_id, metric_id)
    name = institute_name(store, institute_id, lang)
    return figures.trend(rows, metric, lang, name), figures.share(rows, lang), summary(rows, metric, lang, record_year)


def summary(rows: pd.DataFrame, metric: dict, lang: str, year: int):
    now = rows[rows["year"] == year]
    if now.empty:
        return html.Div(t("no_data", lang), className="text-muted")
    r = now.iloc[0]
    unit = metric["unit_zh" if lang == "zh" else "unit_en"]
    items = [(t("value", lang) + f" {year}", fmt_value(r["value"], r["qualifier"], unit, lang)
              if r["is_reported"] else t("not_reported", lang)),
             (t("yoy", lang), fmt_pct(r["yoy_pct"], lang)),
             (t("rank", lang), fmt_rank(r["group_rank"], r["group_n"], lang)),
             (t("share", lang), fmt_pct(r["group_share"], lang, signed=False)),
             (t("per_100_staff", lang), fmt_value(r["per_100_staff"], None, "", lang)),
             (t("attainment", lang), fmt_pct(r["target_attainment"], lang, signed=False)
              if pd.notna(r["target"]) else "—")]
    return dbc.Row([dbc.Col(html.Div([html.Div(k, className="small text-muted"), html.Div(v, className="fw-bold")]),
                            className="summary-item") for k, v in items])


RECORDS_SHOWN = 500


def records(store: MartStore, state: dict) -> pd.DataFrame:
    d = defaults(store, state)
    return store.records(d["metric"], d["institute"], d["record_year"])


def records_content(store: MartStore, institute_id: str, metric_id: str, record_year: int, lang: str) -> tuple:
    """The records table (the first RECORDS_SHOWN; the download has them all) and the page's URL state."""
    state = {"lang": lang, "institute": institute_id, "metric": metric_id, "record_year": record_year}
    d = defaults(store, state)
    shown = store.records(d["metric"], d["institute"], d["record_year"], limit=RECORDS_SHOWN)
    total = store.record_count(d["metric"], d["institute"], d["record_year"]) if len(shown) == RECORDS_SHOWN else len(shown)
    return table(shown, lang, max_rows=RECORDS_SHOWN, total=total), state


TABLES = {"records": records}


def _figures(store: MartStore, state: dict) -> tuple:
    d = defaults(store, state)
    return figure_content(store, d["institute"], d["metric"], d["record_year"], state["lang"])


# name → builder(store, state): a figure as the page draws it for a view state (the figure downloads)
FIGURES = figure_builders(("trend", "share"), _figures)


def register(app, store: MartStore) -> None:
    # not on the first render: the layout comes filled (a new language re-renders the page)
    controls = (Input("institute-id", "value"), Input("institute-metric", "value"),
                Input("institute-record-year", "value"), State("lang", "data"))

    @app.callback(Output({"type": "figure", "figure": "trend"}, "figure"),
                  Output({"type": "figure", "figure": "share"}, "figure"),
                  Output("institute-summary", "children"), *controls, prevent_initial_call=True)
    def update_figures(institute_id, metric_id, record_year, lang):
        checked(store, lang=lang, institute=institute_id, metric=metric_id, record_year=record_year)
        return figure_content(store, institute_id, metric_id, record_year, lang)

    @app.callback(Output("institute-record-year", "value"), Input({"type": "figure", "figure": "trend"}, "clickData"),
                  prevent_initial_call=True)
    def pick_year(click):
        try:
            year = int(click["points"][0]["x"])
        except (TypeError, KeyError, IndexError, ValueError):
            raise InvalidState("clickData", click) from None
        return checked(store, record_year=year)["record_year"]

    @app.callback(Output({"type": "table", "table": "records"}, "children"),
                  Output({"type": "page-state", "page": PAGE}, "data"), *controls, prevent_initial_call=True)
    def update_records(institute_id, metric_id, record_year, lang):
        checked(store, lang=lang, institute=institute_id, metric=metric_id, record_year=record_year)
        return records_content(store, institute_id, metric_id, record_year, lang)
