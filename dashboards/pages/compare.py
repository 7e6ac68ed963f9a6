"""对比 Compare: a metric and two years → institutes side by side with the group average, YoY %
ranked, the rank heat map institute × year, and count against intensity (size vs performance)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from dashboards import figures
from dashboards.i18n import t
from dashboards.pages.common import checked, control, dropdown, figure_builders, request_viewer, state_store
from dashboards.pages.components import figure_card
from dashboards.views import compare as views
from dashboards.views.common import group_options, metric_meta, metric_options, year_options
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer

PATH = "/compare"
PAGE = "compare"
FIGURE_NAMES = ("side_by_side", "yoy_ranked", "count_vs_intensity", "rank_heatmap")


def layout(viewer: Viewer, store: MartStore, state: dict):
    """The page with its content for the state (no callback needed to fill it)."""
    lang = state["lang"]
    d = views.defaults(viewer, store, state)
    side_by_side, yoy, intensity, heatmap, page_state = content(viewer, store, d, lang)
    return html.Div([
        state_store(PAGE, page_state),
        dbc.Row([control(t("metric", lang), dropdown("compare-metric", metric_options(viewer, store, lang), d["metric"])),
                 control(t("year_a", lang), dropdown("compare-year-a", year_options(viewer, store), d["year_a"])),
                 control(t("year_b", lang), dropdown("compare-year-b", year_options(viewer, store), d["year_b"])),
                 control(t("group", lang), dropdown("compare-group", group_options(viewer, store, lang), d["group"]))],
                className="mb-3"),
        figure_card("side_by_side", lang, side_by_side),
        dbc.Row([dbc.Col(figure_card("yoy_ranked", lang, yoy), lg=6),
                 dbc.Col(figure_card("count_vs_intensity", lang, intensity), lg=6)]),
        figure_card("rank_heatmap", lang, heatmap),
    ])


def content(viewer: Viewer, store: MartStore, d: dict, lang: str) -> tuple:
    """The four figures (FIGURE_NAMES' order) and the page's URL state."""
    metric = metric_meta(viewer, store, d["metric"])
    rows, this_year = views.frames(viewer, store, d, lang)
    return (figures.side_by_side(views.pair(rows, d["year_a"], d["year_b"]), metric, lang, d["year_a"], d["year_b"],
                                 views.group_mean(viewer, store, d)),
            figures.yoy_ranked(this_year, lang), figures.count_vs_intensity(this_year, metric, lang),
            figures.rank_heatmap(rows, lang), {"lang": lang, **d})


# name → builder(viewer, store, state): a figure as the page draws it for a view state (the figure downloads)
FIGURES = figure_builders(FIGURE_NAMES, lambda viewer, store, state: content(
    viewer, store, views.defaults(viewer, store, state), state["lang"]))


def register(app, store: MartStore) -> None:
    # not on the first render: the layout comes filled (a new language re-renders the page)
    @app.callback(*[Output({"type": "figure", "figure": name}, "figure") for name in FIGURE_NAMES],
                  Output({"type": "page-state", "page": PAGE}, "data"),
                  Input("compare-metric", "value"), Input("compare-year-a", "value"), Input("compare-year-b", "value"),
                  Input("compare-group", "value"), State("lang", "data"), prevent_initial_call=True)
    def update(metric_id, year_a, year_b, group_id, lang):
        viewer = request_viewer()
        checked(viewer, store, lang=lang, metric=metric_id, year_a=year_a, year_b=year_b, group=group_id)
        return content(viewer, store, {"metric": metric_id, "year_a": year_a, "year_b": year_b, "group": group_id}, lang)
