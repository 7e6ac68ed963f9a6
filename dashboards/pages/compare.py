"""对比 Compare: a metric and two years → institutes side by side with the group average, YoY %
ranked, the rank heat map institute × year, and count against intensity (size vs performance)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, html

from dashboards import figures
from dashboards.components import figure_card
from dashboards.data import MartStore
from dashboards.i18n import t
from dashboards.pages.common import (
    checked,
    control,
    dropdown,
    figure_builders,
    group_options,
    institute_names,
    metric_meta,
    metric_options,
    state_store,
    year_options,
)

PATH = "/compare"
PAGE = "compare"
FIGURE_NAMES = ("side_by_side", "yoy_ranked", "count_vs_intensity", "rank_heatmap")


def defaults(store: MartStore, state: dict) -> dict:
    metrics = store.metrics()["metric_id"].tolist()
    years = store.years()
    year_a = state.get("year_a") if state.get("year_a") in years else years[-1]
    year_b = state.get("year_b") if state.get("year_b") in years else (year_a - 1 if year_a - 1 in years else year_a)
    return {"metric": state.get("metric") if state.get("metric") in metrics else metrics[0],
            "year_a": year_a, "year_b": year_b, "group": state.get("group", "all")}


def layout(store: MartStore, state: dict):
    """The page with its content for the state (no callback needed to fill it)."""
    lang = state["lang"]
    d = defaults(store, state)
    side_by_side, yoy, intensity, heatmap, page_state = content(store, d, lang)
    return html.Div([
        state_store(PAGE, page_state),
        dbc.Row([control(t("metric", lang), dropdown("compare-metric", metric_options(store, lang), d["metric"])),
                 control(t("year_a", lang), dropdown("compare-year-a", year_options(store), d["year_a"])),
                 control(t("year_b", lang), dropdown("compare-year-b", year_options(store), d["year_b"])),
                 control(t("group", lang), dropdown("compare-group", group_options(store, lang), d["group"]))],
                className="mb-3"),
        figure_card("side_by_side", lang, side_by_side),
        dbc.Row([dbc.Col(figure_card("yoy_ranked", lang, yoy), lg=6),
                 dbc.Col(figure_card("count_vs_intensity", lang, intensity), lg=6)]),
        figure_card("rank_heatmap", lang, heatmap),
    ])


def frames(store: MartStore, d: dict, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = store.institute_metric_years(metric_id=d["metric"], group_id=d["group"])
    rows["institute"] = rows["institute_id"].map(institute_names(store, lang))
    if d["group"] != "all":
        rows["group_rank"], rows["group_n"] = rows["peer_rank"], rows["peer_n"]
    return rows, rows[rows["year"] == d["year_a"]]


def pair(rows: pd.DataFrame, year_a: int, year_b: int) -> pd.DataFrame:
    """One row per institute with its value in year a and in year b (the side-by-side figure's frame)."""
    institutes = sorted(rows["institute"].unique())

    def values(year: int) -> np.ndarray:
        return rows[rows["year"] == year].set_index("institute")["value"].reindex(institutes).to_numpy()
    return pd.DataFrame({"institute": institutes, "value_a": values(year_a), "value_b": values(year_b)})


def content(store: MartStore, d: dict, lang: str) -> tuple:
    """The four figures (FIGURE_NAMES' order) and the page's URL state."""
    metric = metric_meta(store, d["metric"])
    rows, this_year = frames(store, d, lang)
    return (figures.side_by_side(pair(rows, d["year_a"], d["year_b"]), metric, lang, d["year_a"], d["year_b"]),
            figures.yoy_ranked(this_year, lang), figures.count_vs_intensity(this_year, metric, lang),
            figures.rank_heatmap(rows, lang), {"lang": lang, **d})


# name → builder(store, state): a figure as the page draws it for a view state (the figure downloads)
FIGURES = figure_builders(FIGURE_NAMES, lambda store, state: content(store, defaults(store, state), state["lang"]))


def register(app, store: MartStore) -> None:
    # not on the first render: the layout comes filled (a new language re-renders the page)
    @app.callback(*[Output({"type": "figure", "figure": name}, "figure") for name in FIGURE_NAMES],
                  Output({"type": "page-state", "page": PAGE}, "data"),
                  Input("compare-metric", "value"), Input("compare-year-a", "value"), Input("compare-year-b", "value"),
                  Input("compare-group", "value"), State("lang", "data"), prevent_initial_call=True)
    def update(metric_id, year_a, year_b, group_id, lang):
        checked(store, lang=lang, metric=metric_id, year_a=year_a, year_b=year_b, group=group_id)
        return content(store, {"metric": metric_id, "year_a": year_a, "year_b": year_b, "group": group_id}, lang)
