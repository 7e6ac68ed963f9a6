"""The compare page's questions (also the report pack's compare figures): a metric's rows over the
years for a group, with short institute names, the pair of years side by side, and the peer benchmarks
(dbt's peer_median / peer_ratio / peer_percentile, blank where the viewer may not see its peer group's
aggregates) of metric A and metric B."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboards.i18n import column, fmt_number, fmt_value, t
from dashboards.views.common import institute_names
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer


def defaults(viewer: Viewer, store: MartStore, state: dict) -> dict:
    metrics = store.metrics(viewer)["metric_id"].tolist()
    years = store.years(viewer)
    year_a = state.get("year_a") if state.get("year_a") in years else years[-1]
    year_b = state.get("year_b") if state.get("year_b") in years else (year_a - 1 if year_a - 1 in years else year_a)
    metric = state.get("metric") if state.get("metric") in metrics else metrics[0]
    # metric B of the peer benchmarks: by default the catalog's first other metric
    metric_b = state.get("metric_b") if state.get("metric_b") in metrics else next((m for m in metrics if m != metric), metric)
    return {"metric": metric, "metric_b": metric_b, "year_a": year_a, "year_b": year_b,
            "group": state.get("group", "all")}


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


# a percentile among fewer peers moves in steps of more than 10 points: the page says it is coarse
SMALL_PEER_GROUP = 10


def benchmark_pair(viewer: Viewer, store: MartStore, d: dict, this_year: pd.DataFrame) -> pd.DataFrame:
    """One row per institute of the group in year a: institute, ratio_a (metric A's value / its peer
    median, from `frames`' rows of the year) and ratio_b (metric B's) — the two-metric figure's frame."""
    other = store.institute_metric_years(viewer, metric_id=d["metric_b"], years=[d["year_a"]], group_id=d["group"])
    ratio_b = other.set_index("institute_id")["peer_ratio"]
    return pd.DataFrame({"institute": this_year["institute"].to_numpy(),
                         "ratio_a": this_year["peer_ratio"].to_numpy(dtype=float),
                         "ratio_b": this_year["institute_id"].map(ratio_b).to_numpy(dtype=float)})


def smallest_peer_group(this_year: pd.DataFrame) -> int | None:
    """The fewest peers behind a percentile shown (peer_n where peer_percentile is not blank); None when
    no percentile is shown."""
    shown = this_year.loc[this_year["peer_percentile"].notna(), "peer_n"]
    return None if shown.empty else int(shown.min())


def benchmark_rows(viewer: Viewer, store: MartStore, this_year: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Metric A's peer benchmarks in year a as the table shows them (and its download): per institute of
    the group, its peer group, value, peer median, value / median, percentile and number of peers, each
    cell formatted once; best percentile first, the unreported and the blank last."""
    if this_year.empty:
        return pd.DataFrame()
    rows = this_year.sort_values(["peer_percentile", "value"], ascending=False, na_position="last", kind="stable")
    groups = store.snapshot(viewer.release).groups  # names only: a peer group's name is no figure
    group_names = dict(zip(groups["group_id"], groups[column("name", lang)], strict=True))
    not_reported = t("not_reported", lang)
    return pd.DataFrame({
        t("institute", lang): rows["institute"].to_numpy(),
        t("peer_group", lang): [group_names.get(g, g) for g in rows["peer_group_id"].tolist()],
        t("value", lang): [fmt_value(v, q, "", lang) if reported else not_reported for v, q, reported
                           in zip(rows["value"].tolist(), rows["qualifier"].tolist(), rows["is_reported"].tolist(),
                                  strict=True)],
        t("peer_median", lang): [fmt_number(v, lang) for v in rows["peer_median"].tolist()],
        t("peer_ratio", lang): [fmt_number(v, lang, 2) for v in rows["peer_ratio"].tolist()],
        t("peer_percentile", lang): [fmt_number(v, lang, 1) for v in rows["peer_percentile"].tolist()],
        t("peer_n", lang): [fmt_number(v, lang, 0) for v in rows["peer_n"].tolist()],
    })


def benchmark_table(viewer: Viewer, store: MartStore, state: dict) -> pd.DataFrame:
    """The peer benchmarks' table for a view state (the table download)."""
    d = defaults(viewer, store, state)
    _, this_year = frames(viewer, store, d, state["lang"])
    return benchmark_rows(viewer, store, this_year, state["lang"])
