"""The institute page's questions (also the report pack's institute figures): one institute's metric
over the years beside the group's average, and the records behind a year's number — the rows of the
record mart with the file and row each came from; with a unit chosen, the records of the unit and the
units under it (the units' own questions are in dashboards.views.units)."""
from __future__ import annotations

import pandas as pd

from dashboards.views import units as unit_views
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer


def defaults(viewer: Viewer, store: MartStore, state: dict) -> dict:
    """The state's institute, metric and records' year when the viewer may see them, else the first ones
    it may: a link copied by someone who sees more opens on the viewer's own first institute (the
    callbacks refuse a value not offered, 400; the reads below check the institute again)."""
    institutes = store.institutes(viewer)["institute_id"].tolist()
    metrics = store.metrics(viewer)["metric_id"].tolist()
    years = store.years(viewer)
    institute = state.get("institute") if state.get("institute") in institutes else institutes[0]
    return {
        "institute": institute,
        "metric": state.get("metric") if state.get("metric") in metrics else metrics[0],
        "record_year": state.get("record_year") if state.get("record_year") in years else years[-1],
        "unit": unit_views.unit_of(viewer, store, institute, state.get("unit")),  # None: the whole institute
    }


def series(viewer: Viewer, store: MartStore, institute_id: str, metric_id: str) -> pd.DataFrame:
    """The institute's rows of the metric, by year, with the group's institute average (group_mean, where
    the viewer may see it)."""
    store.check_institute(viewer, institute_id)
    rows = store.institute_metric_years(viewer, metric_id=metric_id, institute_id=institute_id)
    group = store.group_metric_years(viewer, "all", metric_id)[["year", "institute_mean"]].rename(
        columns={"institute_mean": "group_mean"})
    return rows.merge(group, on="year", how="left").sort_values("year")


def records(viewer: Viewer, store: MartStore, state: dict) -> pd.DataFrame:
    """Every record behind the view state's figure (the records table's download)."""
    d = defaults(viewer, store, state)
    return record_rows(viewer, store, d["metric"], d["institute"], d["record_year"], unit_id=d["unit"])


def record_rows(viewer: Viewer, store: MartStore, metric_id: str, institute_id: str, year: int,
                limit: int | None = None, unit_id: str | None = None) -> pd.DataFrame:
    """The rows behind one figure, with the file and row each came from, in file order; the first
    `limit` of them if given (the page shows 500; a 1e7-row volunteer mart has 335,440 behind one
    figure, and fetching them all to show 500 took most of a second); with `unit_id`, those of the unit
    and the units under it (its figure's). Refused for an institute or unit the viewer does not see."""
    return _records(viewer, store, "select * exclude (metric_ids, file_sha256)", metric_id, institute_id, year,
                    unit_id, "order by source_file, source_sheet, source_row" + (f" limit {int(limit)}" if limit else ""))


def record_count(viewer: Viewer, store: MartStore, metric_id: str, institute_id: str, year: int,
                 unit_id: str | None = None) -> int:
    counted = _records(viewer, store, "select count(*) as n", metric_id, institute_id, year, unit_id)
    return int(counted["n"].iloc[0]) if not counted.empty else 0


def _records(viewer: Viewer, store: MartStore, select: str, metric_id: str, institute_id: str, year: int,
             unit_id: str | None = None, rest: str = "") -> pd.DataFrame:
    store.check_institute(viewer, institute_id)  # whatever the caller checked
    snapshot = store.snapshot(viewer.release)  # the metric's record mart and its rows from one version
    mart = snapshot.metrics.loc[snapshot.metrics["metric_id"] == metric_id, "record_mart"]
    if mart.empty:
        return pd.DataFrame()
    params: list = [institute_id, year, metric_id]
    unit_filter = ""
    if unit_id is not None:
        below = unit_views.descendants(viewer, store, unit_id)  # refused for a unit the viewer does not see
        unit_filter, params = "and list_contains(?, unit_id)", [*params, below]
    return snapshot._frame(f"""{select} from {mart.iloc[0]}
                               where institute_id = ? and year = ?
                                 and list_contains(string_split(metric_ids, ','), ?)
                                 {unit_filter}
                               {rest}""", params)


def units_table(viewer: Viewer, store: MartStore, state: dict) -> pd.DataFrame:
    """The institute's units for the view state's metric and records' year (the units table's download):
    path name, type, value, YoY, rank among its level, share of the institute."""
    d = defaults(viewer, store, state)
    rows = unit_views.unit_rows(viewer, store, d["institute"], d["metric"], d["record_year"], state["lang"])
    return rows.drop(columns=["unit_id", "depth"])
