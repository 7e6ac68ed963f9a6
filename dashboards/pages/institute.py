"""机构 Institute: one institute's metric over the years (counts beside per 100 staff, target marks,
the group average), its share of the group, target attainment, and the records behind a year's
number with the file and row each came from."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html

from dashboards import figures
from dashboards.i18n import fmt_pct, fmt_rank, fmt_value, t
from dashboards.pages import state as url_state
from dashboards.pages.common import checked, control, dropdown, figure_builders, request_viewer, state_store
from dashboards.pages.components import figure_card, table, table_card
from dashboards.pages.state import InvalidState
from dashboards.views import institute as views
from dashboards.views import units as unit_views
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
    trend, share, summary_row, profile = figure_content(viewer, store, {**state, **d})
    records_table, units_table, page_state = records_content(viewer, store, {**state, **d})
    return html.Div([
        state_store(PAGE, page_state),
        dbc.Row([control(t("institute", lang), dropdown("institute-id", institute_options(viewer, store, lang), d["institute"])),
                 control(t("unit_control", lang),
                         dropdown("institute-unit", unit_views.unit_options(viewer, store, d["institute"], lang),
                                  d["unit"] or unit_views.WHOLE)),
                 control(t("metric", lang), dropdown("institute-metric", metric_options(viewer, store, lang), d["metric"])),
                 control(t("year", lang) + " · " + t("records", lang),
                         dropdown("institute-record-year", year_options(viewer, store), d["record_year"]))],
                className="mb-3"),
        html.Div(summary_row, id="institute-summary", className="mb-2"),
        figure_card("trend", lang, trend, note=t("records_hint", lang)),
        figure_card("profile", lang, profile),
        table_card("units", lang, t("units", lang), units_table),
        figure_card("share", lang, share),
        table_card("records", lang, t("records", lang), records_table),
    ])


def view_state(viewer: Viewer, store: MartStore, lang, institute_id, unit_id, metric_id, record_year) -> dict:
    """The controls' values as a view state, each checked (InvalidState, answered 400, for one the page
    does not offer the viewer — a unit, too, that is not one of the institute's)."""
    checked(viewer, store, lang=lang, institute=institute_id, unit=unit_id, metric=metric_id, record_year=record_year)
    unit = unit_views.unit_of(viewer, store, institute_id, unit_id)
    if unit is None and unit_id != unit_views.WHOLE:
        raise InvalidState("unit", unit_id)
    return {"lang": lang, "institute": institute_id, "unit": unit, "metric": metric_id, "record_year": record_year}


def figure_content(viewer: Viewer, store: MartStore, state: dict) -> tuple:
    """The trend, share and profile figures and the summary row: the unit's when one is chosen, else
    the institute's."""
    lang = state["lang"]
    d = views.defaults(viewer, store, state)
    metric = metric_meta(viewer, store, d["metric"])
    name = institute_name(viewer, store, d["institute"], lang)
    profile = unit_views.profile(viewer, store, d["institute"], d["unit"])
    if d["unit"] is None:
        rows = views.series(viewer, store, d["institute"], d["metric"])
        return (figures.trend(rows, metric, lang, name), figures.share(rows, lang),
                summary(rows, metric, lang, d["record_year"]), figures.profile(profile, lang, name))
    name = f"{name} / {unit_views.unit_path(viewer, store, d['unit'], lang)}"
    rows = unit_views.unit_series(viewer, store, d["unit"], d["metric"])
    return (figures.trend(rows, metric, lang, name),
            figures.share(rows, lang, column="institute_share", title=t("share_of_institute", lang)),
            summary(rows, metric, lang, d["record_year"], unit=True), figures.profile(profile, lang, name))


def summary(rows: pd.DataFrame, metric: dict, lang: str, year: int, unit: bool = False):
    """The year's value, YoY, rank and share: an institute's among its group (with per 100 staff and the
    target's attainment), a unit's among the institute's units of its level and of the institute."""
    now = rows[rows["year"] == year]
    if now.empty:
        return html.Div(t("no_data", lang), className="text-muted")
    r = now.iloc[0]
    measure = metric["unit_zh" if lang == "zh" else "unit_en"]
    items = [(t("value", lang) + f" {year}", fmt_value(r["value"], r["qualifier"], measure, lang)
              if r["is_reported"] else t("not_reported", lang)),
             (t("yoy", lang), fmt_pct(r["yoy_pct"], lang))]
    if unit:
        items += [(t("rank_in_level", lang), fmt_rank(r["level_rank"], r["level_n"], lang)),
                  (t("share_of_institute", lang), fmt_pct(r["institute_share"], lang, signed=False))]
    else:
        items += [(t("rank", lang), fmt_rank(r["group_rank"], r["group_n"], lang)),
                  (t("share", lang), fmt_pct(r["group_share"], lang, signed=False)),
                  (t("per_100_staff", lang), fmt_value(r["per_100_staff"], None, "", lang)),
                  (t("attainment", lang), fmt_pct(r["target_attainment"], lang, signed=False)
                   if pd.notna(r["target"]) else "—")]
    return dbc.Row([dbc.Col(html.Div([html.Div(k, className="small text-muted"), html.Div(v, className="fw-bold")]),
                            className="summary-item") for k, v in items])


RECORDS_SHOWN = 500


def records_content(viewer: Viewer, store: MartStore, state: dict) -> tuple:
    """The records table (the first RECORDS_SHOWN; the download has them all), the units table and the
    page's URL state."""
    lang = state["lang"]
    d = views.defaults(viewer, store, state)
    shown = views.record_rows(viewer, store, d["metric"], d["institute"], d["record_year"], limit=RECORDS_SHOWN,
                              unit_id=d["unit"])
    total = (views.record_count(viewer, store, d["metric"], d["institute"], d["record_year"], unit_id=d["unit"])
             if len(shown) == RECORDS_SHOWN else len(shown))
    page_state = {"lang": lang, "institute": d["institute"], "metric": d["metric"], "record_year": d["record_year"],
                  **({"unit": d["unit"]} if d["unit"] else {})}
    rows = unit_views.unit_rows(viewer, store, d["institute"], d["metric"], d["record_year"], lang)
    return (table(shown, lang, max_rows=RECORDS_SHOWN, total=total),
            units_table(rows, {**page_state, "release": viewer.release}, d["unit"], lang), page_state)


def units_table(rows: pd.DataFrame, state: dict, chosen: str | None, lang: str):
    """The institute's units as a table whose names are links to the unit's view (the address with its
    `unit`: a copied or opened-in-a-tab link shows the same), indented by depth; the chosen unit's row
    marked."""
    if rows.empty:
        return html.Div("—", className="p-3 text-muted")
    shown = [c for c in rows.columns if c not in ("unit_id", "depth")]
    name = shown[0]
    body = []
    for r in rows.to_dict("records"):
        # a query alone: this page's address (under any URL prefix) with the unit's view state
        link = html.A(r[name], href=url_state.build({**state, "unit": r["unit_id"]}), className="unit-link",
                      style={"paddingLeft": f"{(int(r['depth']) - 1) * 1.5}em"})
        body.append(html.Tr([html.Td(link), *[html.Td(r[c]) for c in shown[1:]]],
                            className="table-active fw-bold" if r["unit_id"] == chosen else None))
    return html.Div([dbc.Table([html.Thead(html.Tr([html.Th(c) for c in shown])), html.Tbody(body)],
                               striped=True, hover=True, size="sm", className="mb-0"),
                     html.Div(t("units_hint", lang), className="small text-muted p-2")])


# name → builder(viewer, store, state): a table as the page shows it for a view state (the table downloads)
TABLES = {"records": views.records, "units": views.units_table}


def _figures(viewer: Viewer, store: MartStore, state: dict) -> tuple:
    trend, share, _, profile = figure_content(viewer, store, state)
    return trend, share, profile


# name → builder(viewer, store, state): a figure as the page draws it for a view state (the figure downloads)
FIGURES = figure_builders(("trend", "share", "profile"), _figures)
# the profile draws five metrics over every year: the metric and records' year chosen are not its filters
UNUSED_FILTERS = {"profile": ("metric", "record_year")}


def register(app, store: MartStore) -> None:
    # not on the first render: the layout comes filled (a new language re-renders the page)
    @app.callback(Output("institute-unit", "options"), Output("institute-unit", "value"),
                  Input("institute-id", "value"), State("lang", "data"), prevent_initial_call=True)
    def update_units(institute_id, lang):
        """Another institute: its units, and the whole institute chosen."""
        viewer = request_viewer()
        checked(viewer, store, lang=lang, institute=institute_id)
        return unit_views.unit_options(viewer, store, institute_id, lang), unit_views.WHOLE

    controls = (Input("institute-id", "value"), Input("institute-unit", "value"), Input("institute-metric", "value"),
                Input("institute-record-year", "value"), State("lang", "data"))

    @app.callback(Output({"type": "figure", "figure": "trend"}, "figure"),
                  Output({"type": "figure", "figure": "share"}, "figure"),
                  Output("institute-summary", "children"),
                  Output({"type": "figure", "figure": "profile"}, "figure"), *controls, prevent_initial_call=True)
    def update_figures(institute_id, unit_id, metric_id, record_year, lang):
        viewer = request_viewer()
        state = view_state(viewer, store, lang, institute_id, unit_id, metric_id, record_year)
        return figure_content(viewer, store, state)

    @app.callback(Output("institute-record-year", "value"), Input({"type": "figure", "figure": "trend"}, "clickData"),
                  prevent_initial_call=True)
    def pick_year(click):
        try:
            year = int(click["points"][0]["x"])
        except (TypeError, KeyError, IndexError, ValueError):
            raise InvalidState("clickData", click) from None
        return checked(request_viewer(), store, record_year=year)["record_year"]

    @app.callback(Output({"type": "table", "table": "records"}, "children"),
                  Output({"type": "table", "table": "units"}, "children"),
                  Output({"type": "page-state", "page": PAGE}, "data"), *controls, prevent_initial_call=True)
    def update_records(institute_id, unit_id, metric_id, record_year, lang):
        viewer = request_viewer()
        state = view_state(viewer, store, lang, institute_id, unit_id, metric_id, record_year)
        return records_content(viewer, store, state)
