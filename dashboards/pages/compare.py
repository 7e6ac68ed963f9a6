"""对比 Compare: a metric and two years → institutes side by side with the group average, YoY %
ranked, the rank heat map institute × year, count against intensity (size vs performance), and the peer
benchmarks (同类对标): each institute's value against its peer group's median and its percentile there,
and a second metric beside the first."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html

from dashboards import figures
from dashboards.i18n import pick, t
from dashboards.pages.common import checked, control, dropdown, figure_builders, request_viewer, state_store
from dashboards.pages.components import figure_card, table, table_card
from dashboards.views import compare as views
from dashboards.views.common import group_options, metric_meta, metric_options, year_options
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer

PATH = "/compare"
PAGE = "compare"
FIGURE_NAMES = ("side_by_side", "yoy_ranked", "count_vs_intensity", "rank_heatmap", "peer_pair")


def layout(viewer: Viewer, store: MartStore, state: dict):
    """The page with its content for the state (no callback needed to fill it)."""
    lang = state["lang"]
    d = views.defaults(viewer, store, state)
    side_by_side, yoy, intensity, heatmap, pair, peer_table, peer_note, page_state = content(viewer, store, d, lang)
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
        html.H5(t("peer_benchmarks", lang), id="peer-benchmarks", className="mt-4 mb-2"),
        dbc.Row([control(t("metric_b", lang),
                         dropdown("compare-metric-b", metric_options(viewer, store, lang), d["metric_b"]))],
                className="mb-2"),
        html.Div(peer_note, id="compare-peer-note", className="small text-muted mb-2"),
        dbc.Row([dbc.Col(figure_card("peer_pair", lang, pair), lg=6),
                 dbc.Col(table_card("peer_benchmarks", lang, t("peer_benchmarks", lang), peer_table), lg=6)]),
    ])


def content(viewer: Viewer, store: MartStore, d: dict, lang: str) -> tuple:
    """The five figures (FIGURE_NAMES' order), the peer benchmarks' table and note, and the page's URL state."""
    rows, this_year = views.frames(viewer, store, d, lang)
    return (*compare_figures(viewer, store, d, lang, rows, this_year), *peer_section(viewer, store, d, lang, this_year),
            {"lang": lang, **d})


def compare_figures(viewer: Viewer, store: MartStore, d: dict, lang: str, rows: pd.DataFrame,
                    this_year: pd.DataFrame) -> tuple:
    """The four figures of metric A (side by side, YoY ranked, count against intensity, rank heat map)."""
    metric = metric_meta(viewer, store, d["metric"])
    return (figures.side_by_side(views.pair(rows, d["year_a"], d["year_b"]), metric, lang, d["year_a"], d["year_b"],
                                 views.group_mean(viewer, store, d)),
            figures.yoy_ranked(this_year, lang), figures.count_vs_intensity(this_year, metric, lang),
            figures.rank_heatmap(rows, lang))


def peer_section(viewer: Viewer, store: MartStore, d: dict, lang: str, this_year: pd.DataFrame) -> tuple:
    """The peer benchmarks of year a: the two-metric figure, the table and the note above them."""
    metric, metric_b = metric_meta(viewer, store, d["metric"]), metric_meta(viewer, store, d["metric_b"])
    return (figures.peer_pair(views.benchmark_pair(viewer, store, d, this_year), metric, metric_b, lang),
            table(views.benchmark_rows(viewer, store, this_year, lang), lang),
            peer_note(this_year, metric, d["year_a"], lang))


def peer_note(this_year: pd.DataFrame, metric: dict, year: int, lang: str) -> list:
    """What the benchmarks are, then the caveat where a percentile rests on fewer than SMALL_PEER_GROUP
    peers, or — where the viewer's figures are there but none of the benchmarks — that the access rule
    leaves them out (it says no more: how many peers report is itself what it hides)."""
    lines = [html.Div(t("peer_about", lang).format(year=year, metric=pick(metric, "name", lang)))]
    fewest = views.smallest_peer_group(this_year)
    if fewest is not None and fewest < views.SMALL_PEER_GROUP:
        lines.append(html.Div(t("peer_small", lang).format(n=fewest), className="peer-caveat text-warning-emphasis"))
    elif fewest is None and this_year["value"].notna().any():
        lines.append(html.Div(t("peer_hidden", lang), className="peer-caveat text-warning-emphasis"))
    return lines


# name → builder(viewer, store, state): a figure as the page draws it for a view state (the figure downloads)
FIGURES = figure_builders(FIGURE_NAMES, lambda viewer, store, state: content(
    viewer, store, views.defaults(viewer, store, state), state["lang"]))
# name → builder(viewer, store, state): a table as the page shows it for a view state (the table downloads)
TABLES = {"peer_benchmarks": views.benchmark_table}
# metric B is the peer figure's alone; year b is not the peer figure's (it is of year a)
UNUSED_FILTERS = {**{name: ("metric_b",) for name in FIGURE_NAMES if name != "peer_pair"}, "peer_pair": ("year_b",)}


def register(app, store: MartStore) -> None:
    # Two callbacks, so that metric B redraws only the peer section and metric A or a year does not wait
    # for it: both write the page's URL state (every control's value), the peer one as a duplicate output.
    # Not on the first render: the layout comes filled (a new language re-renders the page).
    def view_state(viewer: Viewer, lang, metric_id, metric_b, year_a, year_b, group_id) -> dict:
        checked(viewer, store, lang=lang, metric=metric_id, metric_b=metric_b, year_a=year_a, year_b=year_b,
                group=group_id)
        return {"metric": metric_id, "metric_b": metric_b, "year_a": year_a, "year_b": year_b, "group": group_id}

    @app.callback(*[Output({"type": "figure", "figure": name}, "figure") for name in FIGURE_NAMES[:-1]],
                  Output({"type": "page-state", "page": PAGE}, "data"),
                  Input("compare-metric", "value"), Input("compare-year-a", "value"), Input("compare-year-b", "value"),
                  Input("compare-group", "value"), State("compare-metric-b", "value"), State("lang", "data"),
                  prevent_initial_call=True)
    def update(metric_id, year_a, year_b, group_id, metric_b, lang):
        viewer = request_viewer()
        d = view_state(viewer, lang, metric_id, metric_b, year_a, year_b, group_id)
        rows, this_year = views.frames(viewer, store, d, lang)
        return *compare_figures(viewer, store, d, lang, rows, this_year), {"lang": lang, **d}

    @app.callback(Output({"type": "figure", "figure": "peer_pair"}, "figure"),
                  Output({"type": "table", "table": "peer_benchmarks"}, "children"),
                  Output("compare-peer-note", "children"),
                  Output({"type": "page-state", "page": PAGE}, "data", allow_duplicate=True),
                  Input("compare-metric", "value"), Input("compare-metric-b", "value"),
                  Input("compare-year-a", "value"), Input("compare-group", "value"),
                  State("compare-year-b", "value"), State("lang", "data"), prevent_initial_call=True)
    def update_peers(metric_id, metric_b, year_a, group_id, year_b, lang):
        viewer = request_viewer()
        d = view_state(viewer, lang, metric_id, metric_b, year_a, year_b, group_id)
        _, this_year = views.frames(viewer, store, d, lang)
        return *peer_section(viewer, store, d, lang, this_year), {"lang": lang, **d}
