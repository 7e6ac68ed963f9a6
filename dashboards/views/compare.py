"""The compare page's questions (also the report pack's compare figures): a metric's rows over the
years for a group, with short institute names, and the pair of years side by side."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboards.views.common import institute_names
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer


def defaults(viewer: Viewer, store: MartStore, state: dict) -> dict:
    metrics = store.metrics(viewer)["metric_id"].tolist()
    years = store.years(viewer)
    year_a = state.get("year_a") if state.get("year_a") in years else years[-1]
    year_b = state.get("year_b") if state.get("year_b") in years else (year_a - 1 if year_a - 1 in years else year_a)
    return {"metric": state.get("metric") if state.get("metric") in metrics else metrics[0],
            "year_a": year_a, "year_b": year_b, "group": state.get("group", "all")}


def frames(viewer: Viewer, store: MartStore, d: dict, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The metric's rows for the group over every year (ranked within the group), and year a's."""
    rows = store.institute_metric_years(viewer, metric_id=d["metric"], group_id=d["group"])
    rows["institute"] = rows["institute_id"].map(institute_names(viewer, store, lang))
    if d["group"] != "all":
        rows["group_rank"], rows["group_n"] = rows["peer_rank"], rows["peer_n"]
    return rows, rows[rows["year"] == d["year_a"]]


def pair(rows: pd.DataFrame, year_a: int, year_b: int) -> pd.DataFrame:
    """One row per institute with its value in year a and in year b (the side-by-side figure's frame),
    from `frames`' rows (already read for the viewer: no store here)."""
    institutes = sorted(rows["institute"].unique())

    def values(year: int) -> np.ndarray:
        return rows[rows["year"] == year].set_index("institute")["value"].reindex(institutes).to_numpy()
    return pd.DataFrame({"institute": institutes, "value_a": values(year_a), "value_b": values(year_b)})


def group_mean(viewer: Viewer, store: MartStore, d: dict) -> float | None:
    """The group's institute average of the metric in year a as published (fct_group_metric_year), when
    the viewer may see that group's figures; None otherwise."""
    rows = store.group_metric_years(viewer, d["group"], d["metric"])
    row = rows.loc[rows["year"] == d["year_a"], "institute_mean"]
    return None if row.empty or pd.isna(row.iloc[0]) else float(row.iloc[0])
