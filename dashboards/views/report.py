"""The report pack's own questions (the rest it asks the pages' modules): the group's row of each
metric for a year, the source files, and those an institute's figures come from; an institute's units
with their figures of the year, its awards and talent titles of the year (the units section)."""
from __future__ import annotations

import pandas as pd

from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer

RECORD_MARTS = ("fct_project_counts", "fct_ip_items", "fct_standards", "fct_volunteer_records", "fct_awards",
                "fct_papers", "fct_talent_titles")  # the marts of records, each row with its source file


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
    marts = [m for m in RECORD_MARTS if _published(viewer, store, m)]  # a release may predate some
    union = " union all ".join(f"select institute_id, source_file from {m}" for m in marts)
    return store._frame(viewer, f"""select distinct source_file from ({union})
                                    where institute_id = ? order by source_file""", [institute_id])


# ---- an institute's units and honours of the year (the combined PDF's units section) -------------


def unit_year(viewer: Viewer, store: MartStore, institute_id: str, year: int, metric_ids: list[str]) -> pd.DataFrame:
    """The institute's units valid in the year (dim_units), each with its rows of fct_unit_metric_year
    for `metric_ids` (value, qualifier, prior_value, yoy_abs, yoy_pct, yoy_small_base): one row per unit ×
    metric, in the register's tree order (a unit, then the units inside it, by code). Empty for an
    institute without a units register, or a version published before the unit marts. Refused for an
    institute the viewer does not see — a unit is seen iff its institute is."""
    store.check_institute(viewer, institute_id)
    if not _published(viewer, store, "dim_units", "fct_unit_metric_year"):
        return pd.DataFrame(columns=["unit_id", "unit_code", "name_zh", "name_en", "unit_type", "parent_unit_id",
                                     "depth", "metric_id", "value", "qualifier", "prior_value", "yoy_abs",
                                     "yoy_pct", "yoy_small_base"])
    rows = store._frame(viewer, """
        select u.unit_id, u.unit_code, u.name_zh, u.name_en, u.unit_type, u.parent_unit_id, u.depth,
               f.metric_id, f.value, f.qualifier, f.prior_value, f.yoy_abs, f.yoy_pct, f.yoy_small_base
        from dim_units u join fct_unit_metric_year f on f.unit_id = u.unit_id
        where u.institute_id = ? and f.institute_id = ? and f.year = ? and list_contains(?, f.metric_id)""",
                        [institute_id, institute_id, year, list(metric_ids)])
    return rows.iloc[_tree_order(rows)].reset_index(drop=True)


def _tree_order(rows: pd.DataFrame) -> list[int]:
    """Positions of `rows` so that each unit follows its parent, siblings by code: the sort key is the
    chain of codes from the top unit down."""
    parent = dict(zip(rows["unit_id"], rows["parent_unit_id"], strict=False))
    code = dict(zip(rows["unit_id"], rows["unit_code"], strict=False))

    def chain(unit_id) -> tuple:
        codes = []
        while isinstance(unit_id, str) and unit_id in code and len(codes) < 16:  # 16: a cycle cannot hang it
            codes.append(code[unit_id])
            unit_id = parent[unit_id]
        return tuple(reversed(codes))

    keys = [chain(u) for u in rows["unit_id"]]
    return sorted(range(len(rows)), key=lambda i: keys[i])


def awards_of_year(viewer: Viewer, store: MartStore, institute_id: str, year: int) -> pd.DataFrame:
    """The institute's awards of the year (fct_awards), each with its unit's names (none: the institute
    as a whole) and the sort orders of its level, grade and role, highest level and grade first."""
    store.check_institute(viewer, institute_id)
    if not _published(viewer, store, "fct_awards", "dim_units"):
        return pd.DataFrame(columns=["award_name", "awarding_body", "level", "grade", "role", "for_title",
                                     "unit_zh", "unit_en"])
    return store._frame(viewer, """
        select a.award_name, a.awarding_body, a.level, a.grade, a.role, a.for_title,
               u.name_zh as unit_zh, u.name_en as unit_en
        from fct_awards a
        left join dim_units u on u.unit_id = a.unit_id
        left join dim_code_labels l on l.code_type = 'award_level' and l.code = a.level
        left join dim_code_labels g on g.code_type = 'award_grade' and g.code = a.grade
        left join dim_code_labels r on r.code_type = 'award_role' and r.code = a.role
        where a.institute_id = ? and a.year = ?
        order by l.sort_order nulls last, g.sort_order nulls last, r.sort_order nulls last, a.award_name,
                 a.for_title""", [institute_id, year])


def talent_titles_of_year(viewer: Viewer, store: MartStore, institute_id: str, year: int) -> pd.DataFrame:
    """The institute's talent titles conferred in the year (fct_talent_titles), counted by level, title
    and conferring body (`people`: one per record), highest level first. Counts, not names: a title
    names a person."""
    store.check_institute(viewer, institute_id)
    if not _published(viewer, store, "fct_talent_titles"):
        return pd.DataFrame(columns=["level", "title", "conferred_by", "people"])
    return store._frame(viewer, """
        select t.level, t.title, t.conferred_by, count(*) as people
        from fct_talent_titles t
        left join dim_code_labels l on l.code_type = 'talent_level' and l.code = t.level
        where t.institute_id = ? and t.year = ?
        group by t.level, t.title, t.conferred_by, l.sort_order
        order by l.sort_order nulls last, people desc, t.title""", [institute_id, year])


def _published(viewer: Viewer, store: MartStore, *marts: str) -> bool:
    """Whether the version the viewer reads has these marts (an official release may predate them)."""
    have = {m["mart"] for m in store.version(viewer).manifest["marts"]}
    return set(marts) <= have
