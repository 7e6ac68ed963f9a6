"""The portal's reads of published data: last year's figure of an institute for the cross-year check at
upload (pipelines/submissions/cross_year.py), the datasets an institute sent by file (the tracker), and
the units its published rows name (the check of a new units register, pipelines/submissions/register_use.py).
A figure is the dataset's headline figure (Contract.figure, which the upload check computes over a file's
accepted rows) over the published marts instead — so a figure that did not change reads the same on both
sides."""
from __future__ import annotations

from dashboards.views.store import MartStore, NotPublished
from dashboards.views.viewer import Viewer
from pipelines.submissions.register_use import UnitInUse

# dataset → SQL of its published figure for one institute-year (parameters: institute id, then year, which
# a register submitted whole has no use for); each the same aggregate as its contract's `figure` over the
# rows the refresh published
PUBLISHED_FIGURE = {
    "project_counts": "select sum(project_count) from fct_project_counts where institute_id = ? and year = ?",
    "ip_items": "select count(*) filter (where grant_date is not null) from fct_ip_items "
                "where institute_id = ? and year = ?",
    "standards": "select count(*) from fct_standards where institute_id = ? and year = ?",
    "volunteer_hours": "select sum(hours) from fct_volunteer_records where institute_id = ? and year = ?",
    # the staff register is published as the staff_total of every metric row of its institute-year
    "staff": "select max(staff_total) from fct_institute_metric_year where institute_id = ? and year = ?",
    **{dataset: f"select count(*) from {mart} where institute_id = ? and year = ?"
       for dataset, mart in (("awards", "fct_awards"), ("papers", "fct_papers"),
                             ("talent_titles", "fct_talent_titles"))},
    # the units register has no year: the published register's units, closed ones too (it is submitted whole)
    "units": "select nullif(count(*), 0) from dim_units where institute_id = ?",
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
    frame = store._frame(viewer, sql, [institute_id, year - 1][: sql.count("?")])
    value = frame.iloc[0, 0] if not frame.empty else None
    if value is None or value != value:  # NULL: no row that year
        return None
    return float(value)


# Published record marts whose rows name a unit (unit_id), by dataset.
RECORD_MARTS = {"project_counts": "fct_project_counts", "ip_items": "fct_ip_items", "standards": "fct_standards",
                "volunteer_hours": "fct_volunteer_records", "awards": "fct_awards", "papers": "fct_papers",
                "talent_titles": "fct_talent_titles"}

# dataset → SQL of the institutes with published rows for a year that came from files of the drop folder
# (e-mailed, not submitted online); parameter: the year. The staff register is published per
# institute-year without its file: any published staff total counts. The units register has no year: an
# institute whose register rows came from a drop-folder file (the file of that one institute) sent it by file.
PUBLISHED_BY_FILE = {
    **{dataset: f"select distinct institute_id from {mart} where year = ? and source_file not like '%/portal/%'"
       for dataset, mart in RECORD_MARTS.items()},
    "staff": "select distinct institute_id from fct_institute_metric_year where year = ? and staff_total is not null",
    "units": "select distinct institute_id from fct_source_files where dataset = 'units' and rows_accepted > 0 "
             "and source_file not like '%/portal/%' and institute_id is not null",
}


def sent_by_file(store: MartStore, viewer: Viewer, year: int) -> set[tuple[str, str]]:
    """(institute id, dataset) pairs of `year` whose published rows came by file rather than the portal —
    for the tracker, which shows them as sent that way, not as missing. Only the viewer's institutes."""
    try:
        visible = set(store.institutes(viewer)["institute_id"])
    except NotPublished:
        return set()
    return {(institute_id, dataset) for dataset, sql in PUBLISHED_BY_FILE.items()
            for institute_id in store._frame(viewer, sql, [year][: sql.count("?")]).iloc[:, 0]
            if institute_id in visible}


def units_in_use(store: MartStore, viewer: Viewer, institute_id: str) -> list[UnitInUse]:
    """The institute's published units that its published rows name, with how many rows name each: the
    record marts' rows, and a staff row per year (published as the unit's staff_total). Empty before
    anything is published; refused for an institute the viewer does not see."""
    try:
        store.check_institute(viewer, institute_id)
    except NotPublished:
        return []
    used = " union all ".join(f"select unit_id from {mart} where institute_id = $1 and unit_id is not null"
                              for mart in RECORD_MARTS.values())
    sql = f"""
        with used as (
            {used}
            union all
            select unit_id from (select distinct unit_id, year from fct_unit_metric_year
                                 where institute_id = $1 and staff_total is not null)
        )
        select u.unit_code, u.name_zh, u.name_en, u.aliases, count(*) as rows
        from used join dim_units u using (unit_id)
        group by all order by all
    """
    frame = store._frame(viewer, sql, [institute_id])
    return [UnitInUse(str(code), str(name), _text(name_en), _text(aliases), int(rows))
            for code, name, name_en, aliases, rows in frame.itertuples(index=False)]


def _text(value) -> str | None:
    return None if value is None or value != value else str(value)  # NULL reads as None or NaN
