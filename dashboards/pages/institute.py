"""机构 Institute: one institute's metric over the years (counts beside per 100 staff, target marks,
the group average), its share of the group, target attainment, and the records behind a year's
number with the file and row each came from."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html

from dashboards import figures
from dashboards.i18n import fmt_pct, fmt_rank, fmt_value, t
from dashboards.pages.common import checked, control, dropdown, figure_builders, request_viewer, state_store
from dashboards.pages.components import figure_card, table, table_card
from dashboards.pages.state import InvalidState
from dashboards.views import institute as views
from dashboards.views.common import (
    institute_name,
    institute_options,
    metric_meta,
    metric_options,
    year_options,
)
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer

PATH = "/institute"
PAGE = "institute"


def layout(viewer: Viewer, store: MartStore, state: dict):
    """The page with its content for the state (no callback needed to fill it)."""
    lang = state["lang"]
    d = views.defaults(viewer, store, state)
    trend, share, summary_row = figure_content(viewer, store, d["institute"], d["metric"], d["record_year"], lang)
    records_table, page_state = records_content(viewer, store, d["institute"], d["metric"], d["record_year"], lang)
    return html.Div([
        state_store(PAGE, page_state),
        dbc.Row([control(t("institute", lang), dropdown("institute-id", institute_options(viewer, store, lang), d["institute"])),
                 control(t("metric", lang), dropdown("institute-metric", metric_options(viewer, store, lang), d["metric"])),
                 control(t("year", lang) + " · " + t("records", lang),
                         dropdown("institute-record-year", year_options(viewer, store), d["record_year"]))],
                className="mb-3"),
        html.Div(summary_row, id="institute-summary", className="mb-2"),
        figure_card("trend", lang, trend, note=t("records_hint", lang)),
        figure_card("share", lang, share),
        table_card("records", lang, t("records", lang), records_table),
    ])


def figure_content(viewer: Viewer, store: MartStore, institute_id: str, metric_id: str, record_year: int,
                   lang: str) -> tuple:
    """The trend and share figures and the summary row."""
    metric = metric_meta(viewer, store, metric_id)
    rows = views.series(viewer, store, institute_id, metric_id)
    name = institute_name(viewer, store, institute_id, lang)
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


def records_content(viewer: Viewer, store: MartStore, institute_id: str, metric_id: str, record_year: int,
                    lang: str) -> tuple:
    """The records table (the first RECORDS_SHOWN; the download has them all) and the page's URL state."""
    state = {"lang": lang, "institute": institute_id, "metric": metric_id, "record_year": record_year}
    d = views.defaults(viewer, store, state)
    shown = views.record_rows(viewer, store, d["metric"], d["institute"], d["record_year"], limit=RECORDS_SHOWN)
    total = (views.record_count(viewer, store, d["metric"], d["institute"], d["record_year"])
             if len(shown) == RECORDS_SHOWN else len(shown))
    return table(shown, lang, max_rows=RECORDS_SHOWN, total=total), state


# name → builder(viewer, store, state): a table as the page shows it for a view state (the table downloads)
TABLES = {"records": views.records}


def _figures(viewer: Viewer, store: MartStore, state: dict) -> tuple:
    d = views.defaults(viewer, store, state)
    return figure_content(viewer, store, d["institute"], d["metric"], d["record_year"], state["lang"])


# name → builder(viewer, store, state): a figure as the page draws it for a view state (the figure downloads)
FIGURES = figure_builders(("trend", "share"), _figures)


def register(app, store: MartStore) -> None:
    # not on the first render: the layout comes filled (a new language re-renders the page)
    controls = (Input("institute-id", "value"), Input("institute-metric", "value"),
                Input("institute-record-year", "value"), State("lang", "data"))

    @app.callback(Output({"type": "figure", "figure": "trend"}, "figure"),
                  Output({"type": "figure", "figure": "share"}, "figure"),
                  Output("institute-summary", "children"), *controls, prevent_initial_call=True)
    def update_figures(institute_id, metric_id, record_year, lang):
        viewer = request_viewer()
        checked(viewer, store, lang=lang, institute=institute_id, metric=metric_id, record_year=record_year)
        return figure_content(viewer, store, institute_id, metric_id, record_year, lang)

    @app.callback(Output("institute-record-year", "value"), Input({"type": "figure", "figure": "trend"}, "clickData"),
                  prevent_initial_call=True)
    def pick_year(click):
        try:
            year = int(click["points"][0]["x"])
        except (TypeError, KeyError, IndexError, ValueError):
            raise InvalidState("clickData", click) from None
        return checked(request_viewer(), store, record_year=year)["record_year"]

    @app.callback(Output({"type": "table", "table": "records"}, "children"),
                  Output({"type": "page-state", "page": PAGE}, "data"), *controls, prevent_initial_call=True)
    def update_records(institute_id, metric_id, record_year, lang):
        viewer = request_viewer()
        checked(viewer, store, lang=lang, institute=institute_id, metric=metric_id, record_year=record_year)
        return records_content(viewer, store, institute_id, metric_id, record_year, lang)
