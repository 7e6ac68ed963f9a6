"""The yearbook's questions (《考评风采录》, dashboards/report/yearbook.py): an institute's own result among
institutes, its evaluated units ranked, and per unit what earned its score — its items with the most
points, its awards of the year and the standards it led that year. All from the evaluation marts
(fct_evaluation_scores, fct_evaluation_items) and the record marts; the scores are dbt's, read as published.

Access, as the evaluation page's (the interface of issue 24): every read checks the institute first
(`check_institute`: an institute viewer its own, a leader those of its scope). Of the institutes' ranking
each read returns the one institute's own row only — score, rank n/N, tier and last year's — never another
institute's; its units (scope unit) are its own, read in full. The yearbook holds no item of the
institutes' scope: a peer median or rank points could give other institutes' values away.

Also the yearbook's address (`yearbook_path`): the server's download route and the pages' link are both
built from it, and the pages may not import the server."""
from __future__ import annotations

import pandas as pd

from dashboards.views.evaluation import MARTS
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer

TIER_CODES = "eval_tier"  # dim_code_labels' code_type of the tiers (advanced 先进 … improve 待改进)
TOP_ITEMS = 3  # a unit's highlights: its items with the most points
# the download route (dashboards/server/reports.py), under the app's URL prefix
ROUTE = "yearbook/<int:year>/<institute_id>.pdf"

SCORE_COLUMNS = MARTS["fct_evaluation_scores"]


def yearbook_path(year: int, institute_id: str, lang: str) -> str:
    """The download's address relative to the app's URL prefix (ROUTE filled in), e.g.
    "yearbook/2024/FJQI.pdf?lang=zh"; a page puts its prefix before it."""
    return f"yearbook/{int(year)}/{institute_id}.pdf?lang={lang}"


def evaluated(viewer: Viewer, store: MartStore) -> bool:
    """Whether the version the viewer reads has the evaluation marts (one published before them has not)."""
    have = {m["mart"] for m in store.version(viewer).manifest["marts"]}
    return set(MARTS) <= have


def rules_versions(viewer: Viewer, store: MartStore, year: int) -> pd.DataFrame:
    """The rules version(s) the year's published scores were computed with — rules_version (the file's number)
    and rules_file (relative to the data folder): one row, unless the marts are odd."""
    if not evaluated(viewer, store):
        return pd.DataFrame(columns=["rules_version", "rules_file"])
    return store._frame(viewer, "select distinct rules_version, rules_file from fct_evaluation_scores "
                                "where year = ? order by rules_version", [year])


def institute_result(viewer: Viewer, store: MartStore, institute_id: str, year: int) -> pd.DataFrame:
    """The institute's own row of the institutes' ranking (scope institute) in the year: no row when it was
    not evaluated. Refused for an institute the viewer does not see."""
    store.check_institute(viewer, institute_id)
    if not evaluated(viewer, store):
        return pd.DataFrame(columns=SCORE_COLUMNS)
    return store._frame(viewer, f"""select {', '.join(SCORE_COLUMNS)} from fct_evaluation_scores
                                    where scope = 'institute' and entity_id = ? and year = ?""", [institute_id, year])


def unit_results(viewer: Viewer, store: MartStore, institute_id: str, year: int) -> pd.DataFrame:
    """The institute's evaluated units in the year (scope unit), each with its names, path and type
    (dim_units): by group (one ranking per unit type), then rank, then unit code. Refused for an institute the
    viewer does not see."""
    store.check_institute(viewer, institute_id)
    if not evaluated(viewer, store):
        return pd.DataFrame(columns=[*SCORE_COLUMNS, "unit_code", "name_zh", "name_en", "path_zh", "path_en",
                                     "unit_type"])
    return store._frame(viewer, f"""
        select {', '.join('s.' + c for c in SCORE_COLUMNS)}, u.unit_code, u.name_zh, u.name_en, u.path_zh,
               u.path_en, u.unit_type
        from fct_evaluation_scores s join dim_units u on u.unit_id = s.unit_id
        where s.scope = 'unit' and s.institute_id = ? and s.year = ?
        order by s.group_id, s.rank, u.unit_code""", [institute_id, year])


def unit_top_items(viewer: Viewer, store: MartStore, institute_id: str, year: int,
                   top: int = TOP_ITEMS) -> pd.DataFrame:
    """Per evaluated unit of the institute, its `top` items (metric, bonus) with the most points in the year,
    points > 0, most first (then by the rules' order): item_id, kind, labels, metric, basis, value, sub_score,
    weight, points."""
    store.check_institute(viewer, institute_id)
    columns = ["unit_id", "item_id", "item_kind", "sort_order", "label_zh", "label_en", "metric_id", "method",
               "basis", "value", "sub_score", "weight", "points"]
    if not evaluated(viewer, store):
        return pd.DataFrame(columns=columns)
    return store._frame(viewer, f"""
        select {', '.join(columns)} from (
            select *, row_number() over (partition by unit_id order by points desc, sort_order) as place
            from fct_evaluation_items
            where scope = 'unit' and institute_id = ? and year = ? and points > 0)
        where place <= ? order by unit_id, place""", [institute_id, year, top])


def unit_awards(viewer: Viewer, store: MartStore, institute_id: str, year: int) -> pd.DataFrame:
    """Per evaluated unit of the institute, its awards of the year — its own and its sub-units' (a 中心's
    include its 室's, as the award bonus counts them) — highest level and grade first."""
    store.check_institute(viewer, institute_id)
    if not evaluated(viewer, store):
        return pd.DataFrame(columns=["unit_id", "award_name", "level", "grade", "role", "for_title"])
    return store._frame(viewer, f"""{_CLOSURE}
        select c.top_id as unit_id, a.award_name, a.level, a.grade, a.role, a.for_title
        from fct_awards a
        join closure c on c.unit_id = a.unit_id
        join (select distinct unit_id from fct_evaluation_scores
              where scope = 'unit' and institute_id = ? and year = ?) e on e.unit_id = c.top_id
        left join dim_code_labels l on l.code_type = 'award_level' and l.code = a.level
        left join dim_code_labels g on g.code_type = 'award_grade' and g.code = a.grade
        left join dim_code_labels r on r.code_type = 'award_role' and r.code = a.role
        where a.institute_id = ? and a.year = ?
        order by c.top_id, l.sort_order nulls last, g.sort_order nulls last, r.sort_order nulls last,
                 a.award_name""", [institute_id, institute_id, year, institute_id, year])


def unit_standards_led(viewer: Viewer, store: MartStore, institute_id: str, year: int) -> pd.DataFrame:
    """Per evaluated unit of the institute, the standards it (or a unit inside it) led — role `lead` —
    published in the year (fct_standards' year), by number."""
    store.check_institute(viewer, institute_id)
    if not evaluated(viewer, store):
        return pd.DataFrame(columns=["unit_id", "std_no", "title", "std_level"])
    return store._frame(viewer, f"""{_CLOSURE}
        select distinct c.top_id as unit_id, s.std_no, s.title, s.std_level
        from fct_standards s
        join closure c on c.unit_id = s.unit_id
        join (select distinct unit_id from fct_evaluation_scores
              where scope = 'unit' and institute_id = ? and year = ?) e on e.unit_id = c.top_id
        where s.institute_id = ? and s.year = ? and s.role = 'lead'
        order by unit_id, s.std_no""", [institute_id, institute_id, year, institute_id, year])


# each unit of the institute (the first parameter) with itself and every unit inside it, at any depth
_CLOSURE = """with recursive closure(top_id, unit_id) as (
        select unit_id, unit_id from dim_units where institute_id = ?
        union all
        select c.top_id, u.unit_id from closure c join dim_units u on u.parent_unit_id = c.unit_id)"""
