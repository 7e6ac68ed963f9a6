"""What each quality gate checks. Declarative and free of GX imports, so it reads as a list of rules.

Every check is a frame — a query over the raw tables or the marts — and expectations on that frame,
written as (GX expectation class, arguments). One query serves both engines, DuckDB and Spark SQL,
where one spelling works on both (`group by all`, `any_value`, `cast(… as string)`); where none does,
the check also has its Spark spelling (`spark_sql`, made from the same text: `_records_reconcile`).
`identify_by` names the columns that locate an offending row for a person (file and row, or institute
and year), shown in the failure summary. Frames stay small whatever the data size: tables that grow
with the submissions (volunteer records) are checked as aggregates per institute, year and file, never
pulled whole into pandas (on DuckDB) or cached whole (on Spark).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipelines.contracts import CONTRACTS, awards, papers, talent_titles, units

Expectation = tuple[str, dict]


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    sql: str
    expectations: tuple[Expectation, ...]
    identify_by: tuple[str, ...] = ()
    # The query in Spark SQL, where it cannot be spelled as on DuckDB (None: `sql` on both engines).
    spark_sql: str | None = None

    def sql_on(self, engine: str) -> str:
        """The frame's query on `engine` (Settings.engine: duckdb or spark)."""
        return self.spark_sql or self.sql if engine == "spark" else self.sql


def _not_null(*columns: str) -> tuple[Expectation, ...]:
    return tuple(("ExpectColumnValuesToNotBeNull", {"column": c}) for c in columns)


def _unique(*columns: str) -> Expectation:
    if len(columns) == 1:
        return ("ExpectColumnValuesToBeUnique", {"column": columns[0]})
    return ("ExpectCompoundColumnsToBeUnique", {"column_list": list(columns)})


def _between(column: str, low=None, high=None) -> Expectation:
    return ("ExpectColumnValuesToBeBetween", {"column": column, "min_value": low, "max_value": high})


def _in_set(column: str, values) -> Expectation:
    return ("ExpectColumnValuesToBeInSet", {"column": column, "value_set": sorted(values)})


def _equal(a: str, b: str) -> Expectation:
    return ("ExpectColumnPairValuesToBeEqual", {"column_A": a, "column_B": b, "ignore_row_if": "neither"})


def _at_least(a: str, b: str) -> Expectation:
    return ("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": a, "column_B": b, "or_equal": True,
                                                        "ignore_row_if": "either_value_is_missing"})


# A staff total that more than doubles or halves in one year is almost always a typo (1200 for 120)
# and would distort every per-100-staff figure of that institute; the analyst confirms or fixes it.
STAFF_JUMP = (0.5, 2.0)
PROVENANCE = ("source_file", "source_row")
SHARE_MAX = 1 + 1e-9  # a share of exactly 1 computed from double sums can land a hair above it


# One row per id of a record's comma-separated metric_ids: DuckDB unnests a list, Spark explodes an array.
_EACH_METRIC_ID = {"duckdb": "unnest(string_split(metric_ids, ','))", "spark": "explode(split(metric_ids, ','))"}
# How far up the units register a climb goes: dbt's var max_unit_depth (int_unit_closure.sql stops there,
# and its test reports a unit deeper down; tests/unit/test_quality_gate.py keeps the two equal).
UNIT_CLIMB_STEPS = 10


def _unit_climb(steps: int = UNIT_CLIMB_STEPS) -> str:
    """Each unit of dim_units with itself and every unit above it (its parent, the parent's parent …), as
    `climb(unit_id, ancestor_unit_id)`: written out one step a CTE (up_1 climbs from up_0 …), as Spark 4.0
    plans no recursive CTE."""
    up = ["up_0 as (select unit_id, unit_id as ancestor_unit_id, parent_unit_id as next_unit_id from marts.dim_units)"]
    up += [f"up_{n} as (select up.unit_id, u.unit_id as ancestor_unit_id, u.parent_unit_id as next_unit_id "
           f"from up_{n - 1} up "
           f"join marts.dim_units u on u.unit_id = up.next_unit_id)" for n in range(1, steps + 1)]
    return ",\n    ".join(up) + ",\n    climb as (" + " union all ".join(
        f"select unit_id, ancestor_unit_id from up_{n}" for n in range(steps + 1)) + ")"


def _records_reconcile(engine: str, by: str) -> str:
    """The records behind each figure of fct_institute_metric_year (`by` institute_id) or of
    fct_unit_metric_year (`by` unit_id: a record counts for its unit and every unit it is inside, climbed
    here from dim_units' parents, independently of the closure dbt built), beside the figure. Records of
    units are few, except volunteer records, whose unit is null in most data: those rows are skipped
    before they are grouped."""
    each = _EACH_METRIC_ID[engine]
    of_units = by == "unit_id"
    where = " where unit_id is not null" if of_units else ""
    listed = f"{where} and" if of_units else " where"
    records = f"""
        select {by}, year, {each} as metric_id, cast(project_count as double) as n
        from marts.fct_project_counts{where}""" + "".join(f"""
        union all
        select {by}, year, {each}, 1.0
        from marts.{mart}{listed} metric_ids is not null"""
        for mart in ("fct_ip_items", "fct_standards", "fct_awards", "fct_papers", "fct_talent_titles")) + f"""
        union all
        select {by}, year, 'vol_person_times', count(*)
        from marts.fct_volunteer_records{where} group by all
        union all
        -- exact decimals, as int_volunteer_totals adds hours up
        select {by}, year, 'vol_hours', sum(cast(hours as decimal(18, 6)))
        from marts.fct_volunteer_records{where} group by all"""
    if of_units:
        climb = _unit_climb() + ","
        behind = """select climb.ancestor_unit_id as unit_id, records.year, records.metric_id,
               sum(records.n) as from_records
        from records join climb using (unit_id)
        group by all"""
    else:
        climb, behind = "", "select institute_id, year, metric_id, sum(n) as from_records from records group by all"
    return f"""
    with {climb}
    records as ({records}),
    behind as (
        {behind})
    select f.{by}, f.year, f.metric_id, round(f.value, 6) as value,
           round(coalesce(b.from_records, 0), 6) as from_records
    from marts.{"fct_unit_metric_year" if of_units else "fct_institute_metric_year"} f
    left join behind b using ({by}, year, metric_id)
    where f.is_reported and f.metric_id <> 'vol_volunteers'"""


def _records_reconcile_check(name: str, description: str, by: str) -> Check:
    """A reconciliation (`_records_reconcile`): DuckDB's spelling and Spark's of the same query."""
    return Check(name, description, _records_reconcile("duckdb", by), (_equal("value", "from_records"),),
                 (by, "year", "metric_id"), spark_sql=_records_reconcile("spark", by))


def _values(enum: dict[str, str]) -> set[str]:
    """The codes a contract's enum column is stored as."""
    return set(enum.values())


# The datasets with a unit column: every unit code they hold is a unit of the row's institute.
UNIT_DATASETS = tuple(name for name, contract in CONTRACTS.items() if any(c.kind == "unit" for c in contract.columns))


def raw_checks(today: date) -> tuple[Check, ...]:
    """Gate 1, on the tables the ingest wrote, before dbt reads them."""
    years = (1949, today.year)
    return (
        Check("raw.institutes", "the institute register", "select * from raw.institutes",
              (*_not_null("institute_id", "name_zh", "institute_type"), _unique("institute_id"),
               _in_set("institute_type", {"quality_inspection", "standardization", "metrology", "quality_science",
                                          "other"}),
               ("ExpectColumnValuesToMatchRegex", {"column": "province_code", "regex": r"^\d{2}$"})),
              PROVENANCE),
        Check("raw.staff", "staff figures, one per institute, unit (or none) and year",
              "select *, coalesce(unit_code, '') as unit_key from raw.staff",
              (*_not_null("institute_id", "year", "staff_total"), _unique("institute_id", "unit_key", "year"),
               _between("staff_total", 1), _between("year", *years)),
              PROVENANCE),
        Check("raw.staff_year_on_year", "staff totals that more than double or halve from one year to the next",
              """select institute_id, year, staff_total, prior_staff_total, source_file, source_row,
                        staff_total / prior_staff_total as change_ratio
                 from (select *,
                              lag(staff_total) over (partition by institute_id, unit_code order by year) as prior_staff_total,
                              lag(year) over (partition by institute_id, unit_code order by year) as prior_year
                       from raw.staff)
                 where prior_year = year - 1""",
              (_between("change_ratio", *STAFF_JUMP),),
              ("institute_id", "unit_code", "year", "staff_total", "prior_staff_total", *PROVENANCE)),
        Check("raw.project_counts", "project counts", "select * from raw.project_counts",
              (*_not_null("institute_id", "year", "level", "stage", "count"), _between("count", 0),
               _between("year", *years), _in_set("stage", {"initiated", "ongoing", "accepted"})),
              PROVENANCE),
        Check("raw.ip_items", "patents and software copyrights", "select * from raw.ip_items",
              (*_not_null("institute_id", "number", "ip_kind", "status"), _unique("institute_id", "number"),
               _in_set("ip_kind", {"invention", "utility", "design", "software"})),
              PROVENANCE),
        Check("raw.standards", "standards drafted", "select * from raw.standards",
              (*_not_null("institute_id", "std_no", "std_level"), _unique("institute_id", "std_no"),
               _in_set("std_level", {"national", "industry", "local", "group", "metrology_national",
                                     "metrology_local"})),
              PROVENANCE),
        Check("raw.units", "the units register", "select * from raw.units",
              (*_not_null("institute_id", "unit_code", "name_zh", "unit_type"), _unique("institute_id", "unit_code"),
               _in_set("unit_type", _values(units.UNIT_TYPES)), _between("valid_from", *years),
               _between("valid_to", *years)),
              PROVENANCE),
        Check("raw.unit_parents", "every unit's parent is another unit of its institute",
              """select u.institute_id, u.unit_code, u.parent, p.unit_code as parent_found,
                        u.parent = u.unit_code as own_parent, u.source_file, u.source_row
                 from raw.units u left join raw.units p on p.institute_id = u.institute_id and p.unit_code = u.parent
                 where u.parent is not null""",
              (*_not_null("parent_found"), _in_set("own_parent", {False})),
              ("institute_id", "unit_code", *PROVENANCE)),
        Check("raw.awards", "awards", "select * from raw.awards",
              (*_not_null("institute_id", "award_name", "level", "role", "year"),
               _unique("institute_id", "year", "award_name", "grade", "for_title", "for_ref"),
               _in_set("level", _values(awards.LEVELS)), _in_set("grade", _values(awards.GRADES)),
               _in_set("role", _values(awards.ROLES)), _in_set("for_kind", {"standard", "patent", "software"}),
               _between("year", *years)),
              PROVENANCE),
        Check("raw.papers", "papers", "select * from raw.papers",
              (*_not_null("institute_id", "title", "journal", "indexed", "year"), _unique("institute_id", "title", "year"),
               _in_set("indexed", _values(papers.INDEXES)), _between("year", *years),
               ("ExpectColumnValuesToMatchRegex", {"column": "doi", "regex": r"^10\.[0-9]{4,9}/[^A-Z\s]+$"})),
              PROVENANCE),
        Check("raw.talent_titles", "talent titles", "select * from raw.talent_titles",
              (*_not_null("institute_id", "person", "title", "level", "year"),
               _unique("institute_id", "person", "title", "year"),
               _in_set("level", _values(talent_titles.LEVELS)), _between("year", *years)),
              PROVENANCE),
        Check("raw.unit_codes", "every unit a row names is a unit of the row's institute in the units register",
              """select d.dataset, d.institute_id, d.unit_code, u.unit_code as unit_found, d.source_file, d.rows
                 from (""" + " union all ".join(
                  f"select '{t}' as dataset, cast(institute_id as string) as institute_id, unit_code, "
                  f"cast(source_file as string) as source_file, count(*) as rows from raw.{t} "
                  "where unit_code is not null group by all" for t in UNIT_DATASETS) + """) d
                 left join raw.units u on cast(u.institute_id as string) = d.institute_id and u.unit_code = d.unit_code""",
              (*_not_null("unit_found"),),
              ("dataset", "institute_id", "unit_code", "source_file")),
        Check("raw.volunteer_hours", "volunteer records, checked per institute, year and file",
              """select institute_id, year(date) as year, source_file, count(*) as records,
                        min(hours) as min_hours, max(hours) as max_hours,
                        count(*) - count(volunteer_id) as missing_volunteer_ids,
                        count(*) - count(date) as missing_dates
                 from raw.volunteer_hours group by all""",
              (*_not_null("institute_id", "year"),
               ("ExpectColumnValuesToBeBetween", {"column": "min_hours", "min_value": 0, "strict_min": True}),
               _between("max_hours", None, 24), _between("missing_volunteer_ids", 0, 0),
               _between("missing_dates", 0, 0), _between("year", *years)),
              ("institute_id", "year", "source_file")),
        Check("raw.load_log", "rows loaded per dataset agree with the load log",
              """with logged as (select dataset, sum(accepted) as accepted_in_log from raw.load_log group by dataset),
                 loaded as (""" + " union all ".join(
                  f"select '{t}' as dataset, count(*) as rows_in_table from raw.{t}"
                  for t in CONTRACTS) + """)
                 select loaded.dataset, coalesce(accepted_in_log, 0) as accepted_in_log, rows_in_table
                 from loaded left join logged using (dataset)""",
              (_equal("accepted_in_log", "rows_in_table"),),
              ("dataset",)),
    )


def mart_checks() -> tuple[Check, ...]:
    """Gate 2, on the marts dbt built, before they are published."""
    return (
        Check("marts.fct_institute_metric_year", "one row per institute, year and metric",
              "select * from marts.fct_institute_metric_year",
              (*_not_null("institute_id", "year", "metric_id", "is_reported"),
               _unique("institute_id", "year", "metric_id"), _between("value", 0),
               _between("group_share", 0, SHARE_MAX), _between("peer_share", 0, SHARE_MAX),
               _between("peer_percentile", 0, 100), _between("peer_ratio", 0),
               _at_least("group_n", "group_rank"), _at_least("peer_n", "peer_rank"), _at_least("group_n", "peer_n")),
              ("institute_id", "year", "metric_id")),
        Check("marts.metrics_complete", "every metric of the catalog for every institute-year",
              """select f.institute_id, f.year, count(distinct f.metric_id) as metrics,
                        (select count(*) from marts.dim_metrics) as metrics_in_catalog
                 from marts.fct_institute_metric_year f group by all""",
              (_equal("metrics", "metrics_in_catalog"),),
              ("institute_id", "year")),
        Check("marts.group_totals", "group totals lie between the largest institute and the sum of all",
              # rounded: hours are summed as doubles in different orders and differ in the last bits
              """select g.group_id, g.year, g.metric_id, round(g.value, 6) as group_total,
                        round(sum(f.value), 6) as sum_of_institutes, round(max(f.value), 6) as largest_institute
                 from marts.fct_group_metric_year g
                 join marts.fct_institute_metric_year f
                   on f.year = g.year and f.metric_id = g.metric_id
                  and (g.group_id = 'all' or f.peer_group_id = g.group_id)
                 where g.value is not null
                 group by all""",
              (_at_least("sum_of_institutes", "group_total"), _at_least("group_total", "largest_institute")),
              ("group_id", "year", "metric_id")),
        _records_reconcile_check("marts.records_reconcile", "the records behind each count add up to the figure shown",
                                 "institute_id"),
        Check("marts.dim_units", "one row per unit, each at a depth under its institute", "select * from marts.dim_units",
              (*_not_null("unit_id", "institute_id", "unit_code", "name_zh", "unit_type", "depth"), _unique("unit_id"),
               _unique("institute_id", "unit_code"), _between("depth", 1)),
              ("unit_id",)),
        Check("marts.fct_unit_metric_year", "one row per unit, year and metric; shares of the institute in 0–1",
              "select * from marts.fct_unit_metric_year",
              (*_not_null("institute_id", "unit_id", "depth", "year", "metric_id", "is_reported"),
               _unique("unit_id", "year", "metric_id"), _between("value", 0), _between("institute_share", 0, SHARE_MAX),
               _at_least("institute_value", "value"), _at_least("level_n", "level_rank")),
              ("unit_id", "year", "metric_id")),
        Check("marts.unit_levels", "the units of one depth add up to at most their institute (a record has one unit)",
              # volunteers excepted: one who served with two units is one of each, and one of the institute
              """select u.institute_id, u.depth, u.year, u.metric_id, round(sum(u.value), 6) as sum_of_units,
                        round(any_value(u.institute_value), 6) as institute_value
                 from marts.fct_unit_metric_year u
                 where u.is_reported and u.metric_id <> 'vol_volunteers'
                 group by all""",
              (_at_least("institute_value", "sum_of_units"),),
              ("institute_id", "depth", "year", "metric_id")),
        _records_reconcile_check("marts.unit_records_reconcile",
                                 "the records of a unit and of the units inside it add up to the unit's figure",
                                 "unit_id"),
        *(Check(f"marts.{mart}", f"{what}: one row per file row, each counted", f"select * from marts.{mart}",
                (*_not_null("institute_id", "year", "metric_ids", *PROVENANCE),
                 _unique("source_file", "source_sheet", "source_row")),
                PROVENANCE)
          for mart, what in (("fct_awards", "awards"), ("fct_papers", "papers"), ("fct_talent_titles", "talent titles"))),
        Check("marts.dim_metrics", "every metric named and defined in both languages", "select * from marts.dim_metrics",
              (*_not_null("metric_id", "name_zh", "name_en", "unit_zh", "unit_en", "description_zh",
                          "description_en"), _unique("metric_id")),
              ("metric_id",)),
        # the evaluation: compared exactly (decimals), the difference as a number a failure can show
        Check("marts.fct_evaluation_scores", "one row per year, scope and entity; 1 <= rank <= n; the score is "
              "the sum of its items' points",
              """select s.year, s.scope, s.entity_id, s.rank, s.n, s.tier, s.score,
                        cast(s.score - coalesce(i.points, 0) as double) as score_minus_items
                 from marts.fct_evaluation_scores s
                 left join (select year, scope, entity_id, sum(points) as points
                            from marts.fct_evaluation_items group by all) i using (year, scope, entity_id)""",
              (*_not_null("year", "scope", "entity_id", "score", "rank", "n"), _unique("year", "scope", "entity_id"),
               _between("rank", 1), _at_least("n", "rank"), _between("score_minus_items", 0, 0)),
              ("year", "scope", "entity_id")),
        Check("marts.fct_evaluation_items", "every evaluated entity has every item of its scope's rules, once",
              """with rules as (select year, scope, count(*) as rules from marts.dim_evaluation_rules group by all)
                 select s.year, s.scope, s.entity_id, any_value(rules.rules) as rules, count(i.item_id) as items,
                        count(distinct r.item_id) as items_in_rules
                 from marts.fct_evaluation_scores s
                 join rules using (year, scope)
                 left join marts.fct_evaluation_items i using (year, scope, entity_id)
                 left join marts.dim_evaluation_rules r
                   on r.year = i.year and r.scope = i.scope and r.item_id = i.item_id
                 group by all""",
              (_equal("rules", "items"), _equal("rules", "items_in_rules")),
              ("year", "scope", "entity_id")),
    )
