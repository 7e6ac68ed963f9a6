"""The report pack's own questions (the rest it asks the pages' modules): the group's row of each
metric for a year, the source files, and those an institute's figures come from."""
from __future__ import annotations

import pandas as pd

from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer


def group_year(viewer: Viewer, store: MartStore, year: int) -> pd.DataFrame:
    """fct_group_metric_year for all institutes and the year, a row per metric (that the viewer may see)."""
    rows = store.group_metric_years(viewer, "all")
    return rows[rows["year"] == year].reset_index(drop=True)


def source_files(viewer: Viewer, store: MartStore) -> pd.DataFrame:
    """fct_source_files in file order: the files of the viewer's institutes (the pack's sources section;
    the data-quality page, not a leader's, reads them through dashboards.views.quality)."""
    return store._institute_rows(viewer, "fct_source_files", "order by source_file")


def institute_source_files(viewer: Viewer, store: MartStore, institute_id: str) -> pd.DataFrame:
    """The source files (`source_file`) of the institute's records in the record marts; Refused for an
    institute the viewer does not see."""
    store.check_institute(viewer, institute_id)
    return store._frame(
        viewer, """select distinct source_file from (
               select institute_id, source_file from fct_project_counts union all
               select institute_id, source_file from fct_ip_items union all
               select institute_id, source_file from fct_standards union all
               select institute_id, source_file from fct_volunteer_records)
           where institute_id = ? order by source_file""", [institute_id])
