"""The report pack's own questions (the rest it asks the pages' modules): the group's row of each
metric for a year, and the files an institute's figures come from."""
from __future__ import annotations

import pandas as pd

from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer


def group_year(viewer: Viewer, store: MartStore, year: int) -> pd.DataFrame:
    """fct_group_metric_year for all institutes and the year, a row per metric."""
    return store._frame("select * from fct_group_metric_year where group_id = 'all' and year = ?", [year])


def institute_source_files(viewer: Viewer, store: MartStore, institute_id: str) -> pd.DataFrame:
    """The source files (`source_file`) of the institute's records in the record marts."""
    return store._frame(
        """select distinct source_file from (
               select institute_id, source_file from fct_project_counts union all
               select institute_id, source_file from fct_ip_items union all
               select institute_id, source_file from fct_standards union all
               select institute_id, source_file from fct_volunteer_records)
           where institute_id = ?""", [institute_id])
