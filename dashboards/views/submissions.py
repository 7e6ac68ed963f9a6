"""The portal's read of published data: last year's figure of an institute for the cross-year check at
upload (pipelines/submissions/cross_year.py). It is the dataset's headline figure (Contract.figure, which
the upload check computes over a file's accepted rows) over the published record mart instead — so a
figure that did not change reads the same on both sides."""
from __future__ import annotations

from dashboards.views.store import MartStore, NotPublished
from dashboards.views.viewer import Viewer

# dataset → SQL of its published figure for one institute-year (parameters: institute id, year); each the
# same aggregate as its contract's `figure` over the rows the refresh published
PUBLISHED_FIGURE = {
    "project_counts": "select sum(project_count) from fct_project_counts where institute_id = ? and year = ?",
    "ip_items": "select count(*) filter (where grant_date is not null) from fct_ip_items "
                "where institute_id = ? and year = ?",
    "standards": "select count(*) from fct_standards where institute_id = ? and year = ?",
    "volunteer_hours": "select sum(hours) from fct_volunteer_records where institute_id = ? and year = ?",
    # the staff register is published as the staff_total of every metric row of its institute-year
    "staff": "select max(staff_total) from fct_institute_metric_year where institute_id = ? and year = ?",
}


def last_year_figure(store: MartStore, viewer: Viewer, dataset: str, institute_id: str, year: int) -> float | None:
    """The published figure of (institute_id, dataset) for `year - 1`; None when nothing is published
    yet or the institute published nothing that year (no base: no cross-year warning). Refused for an
    institute the viewer does not see."""
    sql = PUBLISHED_FIGURE.get(dataset)
    if sql is None:
        return None
    try:
        store.check_institute(viewer, institute_id)
    except NotPublished:
        return None
    frame = store._frame(viewer, sql, [institute_id, year - 1])
    value = frame.iloc[0, 0] if not frame.empty else None
    if value is None or value != value:  # NULL: no row that year
        return None
    return float(value)


# dataset → SQL of the institutes with published rows for a year that came from files of the drop folder
# (e-mailed, not submitted online); parameter: the year. The staff register is published per
# institute-year without its file: any published staff total counts.
PUBLISHED_BY_FILE = {
    **{dataset: f"select distinct institute_id from {mart} where year = ? and source_file not like '%/portal/%'"
       for dataset, mart in (("project_counts", "fct_project_counts"), ("ip_items", "fct_ip_items"),
                             ("standards", "fct_standards"), ("volunteer_hours", "fct_volunteer_records"))},
    "staff": "select distinct institute_id from fct_institute_metric_year where year = ? and staff_total is not null",
}


def sent_by_file(store: MartStore, viewer: Viewer, year: int) -> set[tuple[str, str]]:
    """(institute id, dataset) pairs of `year` whose published rows came by file rather than the portal —
    for the tracker, which shows them as sent that way, not as missing. Only the viewer's institutes."""
    try:
        visible = set(store.institutes(viewer)["institute_id"])
    except NotPublished:
        return set()
    return {(institute_id, dataset) for dataset, sql in PUBLISHED_BY_FILE.items()
            for institute_id in store._frame(viewer, sql, [year]).iloc[:, 0] if institute_id in visible}
