"""The only writer of the raw tables: runs the contract's checks in DuckDB over a dataset's landed
files (landing.py), and writes raw.<dataset> (accepted rows with provenance), raw.rejects (quarantined
rows with their reason), raw.warnings and raw.load_log. For every file, rows read = accepted + rejected."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from pipelines.contracts import Contract
from pipelines.ingest.files import ReadFile
from pipelines.ingest.landing import landing_view, nul_sql, provenance_sql
from pipelines.ingest.portal import FOLDER as PORTAL
from pipelines.ingest.portal import coverage, latest, portal_file
from pipelines.ingest.registers import (
    INSTITUTE_TYPE,
    build_institute_lookup,
    build_unit_lookup,
    create_lookups,
    flag_alias_conflicts,
    resolve_parents,
    unit_register,
    with_ord,
)
from pipelines.ingest.sql_functions import ID_HASHED_WARNING, IDS_HASHED, sql_str
from pipelines.ingest.validate import FIRST_LATER_STATUS, FIRST_PROBLEM, STATUS_BLANK, STATUS_TOTAL, Compiled

PROVENANCE = ["source_file", "source_sheet", "source_row", "file_sha256"]
# Statuses set after the parsing pass (validate.py sets the others: blank, total row, a problem).
STATUS_DUPLICATE = FIRST_LATER_STATUS + 2
ROW_READ = f"_status is null or _status >= {FIRST_PROBLEM}"  # a data row: neither blank nor a total row
ISSUE_COLUMNS = ("dataset varchar, source_file varchar, source_sheet varchar, source_row bigint, "
                 "source_column varchar, reason_code varchar, message_zh varchar, message_en varchar, "
                 "original_values varchar, file_sha256 varchar")
DDL = f"""
create schema if not exists raw;
create or replace table raw.rejects ({ISSUE_COLUMNS});
create or replace table raw.warnings ({ISSUE_COLUMNS});
create or replace table raw.load_log (
    source_file varchar primary key, dataset varchar, file_sha256 varchar, file_format varchar,
    encoding varchar, file_bytes bigint, sheets varchar, header_rows varchar, rows_read bigint,
    accepted bigint, rejected bigint, warnings bigint, blank_rows bigint, total_rows bigint,
    ignored_columns varchar, notes varchar
);
"""


@dataclass
class FileStats:
    source_file: str
    dataset: str
    file_format: str
    encoding: str | None
    rows_read: int
    accepted: int
    rejected: int
    warnings: int
    blank_rows: int
    total_rows: int
    # rows of the drop folder set aside: their institute-year is a portal file's (portal.py), as
    # "<count> rows of <institute> <year>: <portal file>"
    superseded: list[str] = field(default_factory=list)


class CountMismatch(AssertionError):
    pass


def create_issue_tables(con: duckdb.DuckDBPyConnection, metric_catalog: Path) -> None:
    con.execute(DDL)
    # the path written into the SQL, not bound as a parameter: binding one makes DuckDB import pandas
    # (see prefetch._import_pandas), which is better left to the thread importing it meanwhile
    con.execute(f"create or replace temp table metric_catalog as select * from read_csv({sql_str(str(metric_catalog))}, "
                "all_varchar=true)")
    create_lookups(con)


def compile_dataset(con, contract: Contract, salt: str, today) -> Compiled:
    """The contract compiled against the registers loaded so far (tables institute_lookup, unit_lookup)."""
    institutes = {k: (i, p) for k, i, p in con.execute("select key, institute_id, province_code from institute_lookup").fetchall()}
    units = unit_register(con) if any(c.kind == "unit" for c in contract.columns) else None
    return Compiled(contract, salt, today, institutes, f"raw.{INSTITUTE_TYPE}" if institutes else None, units)


def load_dataset(con, contract: Contract, landed: list[tuple[str, ReadFile]], salt: str, today,
                 parsed: Callable[[Compiled, str], tuple[str, bool]] | None = None) -> list[FileStats]:
    """A dataset's landed files → raw.<dataset> and its issues: the parsing pass, file by file (parse_files),
    then the checks that need all the dataset's rows (portal, restated, duplicates, aliases, parents, warnings).
    `parsed(compiled, staged)`, if given, stands for the parsing pass (the Spark ingest's tasks ran it): it
    fills `staged`, returns the provenance SQL (describe_sheets) and whether an ID number was hashed."""
    ds = contract.dataset
    compiled = compile_dataset(con, contract, salt, today)
    # Parsed rows go straight into raw.<dataset>, problems and all, each with a one-byte status; the few
    # problem rows are described in a second pass, quarantined rows are copied to raw.rejects and
    # deleted, and the working columns dropped.
    staged = f"raw.{ds}"
    if not landed:
        _create_empty(con, compiled, staged)
        return []
    if parsed is None:
        hashed_before = IDS_HASHED.count
        provenance = parse_files(con, compiled, landed, staged)
        hashed = IDS_HASHED.count > hashed_before  # an ID number was replaced in a text cell
    else:
        provenance, hashed = parsed(compiled, staged)
    superseded = _set_aside_superseded(con, contract, staged, [rel for rel, _ in landed])
    for rel, notes in _set_aside_restated(con, contract, staged).items():
        superseded.setdefault(rel, []).extend(notes)
    _describe_problems(con, compiled, staged, provenance)
    if ds == "institutes":
        flag_alias_conflicts(con, staged)
    elif ds == "units":
        flag_alias_conflicts(con, staged, "unit_code", within="institute")
    _flag_duplicates(con, contract, compiled, staged)
    if ds == "units":
        resolve_parents(con, compiled, staged)
    _write_issues(con, contract, compiled, staged, hashed, set(superseded))
    stats = _file_stats(con, contract, landed, staged, superseded)
    con.execute(f"delete from {staged} where _status is not null")
    keep = [*compiled.outputs, *PROVENANCE]
    for (column,) in con.execute(f"select column_name from (describe {staged})").fetchall():
        if column not in keep:
            con.execute(f'alter table {staged} drop column "{column}"')
    for old, new in compiled.renames.items():
        con.execute(f'alter table {staged} rename column "{old}" to "{new}"')
    [(loaded,)] = con.execute(f"select count(*) from {staged}").fetchall()
    if loaded != sum(s.accepted for s in stats):
        raise CountMismatch(f"{ds}: {loaded} rows in raw.{ds}, {sum(s.accepted for s in stats)} accepted")
    if ds == "institutes":
        build_institute_lookup(con)
    elif ds == "units":
        build_unit_lookup(con)
    return stats


def _create_empty(con, compiled: Compiled, staged: str) -> None:
    """A dataset without files: its table, typed as the parsing pass would make it, with no rows, and
    none of the passes that find nothing in no rows (they cost a small xlsx run a third of a second)."""
    nothing = ", ".join(f'null::varchar as "{c.name}"' for c in compiled.contract.columns)
    landing = f"(select 0::bigint as _ord, {nothing} where false)"  # inline: no temp view, no DDL to commit
    columns = ", ".join(f'"{c}" as "{compiled.renames.get(c, c)}"' for c in [*compiled.outputs, *PROVENANCE])
    provenance = provenance_sql(con, compiled.contract.dataset, [])
    con.execute(f"create or replace table {staged} as select {columns} "
                f"from ({compiled.status_query(landing, provenance, PROVENANCE)})")


def _set_aside_superseded(con, contract: Contract, staged: str, rels: list[str]) -> dict[str, list[str]]:
    """Rows of drop-folder files whose institute-year is a portal file's are deleted from `staged` before
    anything else looks at them (not counted as read, not checked for duplicates: the portal file is the
    whole of that institute-year). Returns, per file that lost rows, what was set aside and why."""
    if contract.whole_register:
        return _set_aside_older_registers(con, contract, staged, rels)
    covered = coverage(rels)
    if not covered or not contract.reporting_year:
        return {}
    institute, year = f'cast("{contract.institute_column}" as varchar)', contract.reporting_year[1]
    years = ", ".join(sorted({str(y) for _, y in covered}))
    pairs = ", ".join(sql_str(f"{i}|{y}") for i, y in covered)
    where = (f"(_status is null or _status >= {FIRST_PROBLEM}) and ({year}) in ({years}) "
             f"and not starts_with(cast(source_file as varchar), {sql_str(contract.dataset + '/' + PORTAL + '/')}) "
             f"and concat({institute}, '|', {year}) in ({pairs})")
    counts = con.execute(f"select cast(source_file as varchar), {institute}, {year}, count(*) from {staged} "
                         f"where {where} group by all order by all").fetchall()
    con.execute(f"delete from {staged} where {where}")
    superseded: dict[str, list[str]] = {}
    for rel, inst, yr, n in counts:
        superseded.setdefault(rel, []).append(f"{n} rows of {inst} {yr}: {covered[(inst, yr)]}")
    return superseded


def _set_aside_older_registers(con, contract: Contract, staged: str, rels: list[str]) -> dict[str, list[str]]:
    """A register submitted whole (Contract.whole_register): an institute's latest-year portal file is the
    whole of its register, so its rows in every other file — the drop folder's, its own earlier portal
    files — are set aside, as is every row of an earlier portal file (superseded as a whole), before anything
    else looks at them. Returns, per file that lost rows, what was set aside and which file replaces it."""
    current = latest(rels)
    if not current:
        return {}
    institute = f'cast("{contract.institute_column}" as varchar)'
    older = [rel for rel in coverage(rels).values() if rel not in current.values()]
    where = (f"({ROW_READ}) and cast(source_file as varchar) not in ({_sql_tuple(current.values())}) "
             f"and ({institute} in ({_sql_tuple(current)}) or cast(source_file as varchar) in ({_sql_tuple(older)}))")
    counts = con.execute(f"select cast(source_file as varchar), {institute}, count(*) from {staged} "
                         f"where {where} group by all order by all").fetchall()
    con.execute(f"delete from {staged} where {where}")
    superseded: dict[str, list[str]] = {}
    for rel, inst, n in counts:
        replaced_by = current[portal_file(rel).institute_id] if rel in older else current[inst]
        superseded.setdefault(rel, []).append(f"{n} rows of {inst}: {replaced_by}")
    return superseded


def _sql_tuple(texts) -> str:
    """Texts as the items of a SQL IN list (one null when there are none: IN () is not SQL)."""
    return ", ".join(sql_str(t) for t in sorted(texts)) or "null"


def _set_aside_restated(con, contract: Contract, staged: str) -> dict[str, list[str]]:
    """A record an institute submits again in a later year's portal file (a patent filed in one year and
    granted in the next, listed by both years' submissions) is that later year's: its row in the earlier
    file is set aside, so that the later state counts and is not quarantined as a duplicate of the older."""
    portal = f"starts_with(cast(source_file as varchar), {sql_str(contract.dataset + '/' + PORTAL + '/')})"
    key = ", ".join(f'"{k}"' for k in contract.key)
    year = "cast(regexp_extract(cast(source_file as varchar), '/([0-9]{4})\\.[a-z]+$', 1) as integer)"
    con.execute(f"""
        create or replace temp table restated as
        select r, source_file, later from (
            select rowid as r, cast(source_file as varchar) as source_file, {year} as y,
                   max({year}) over (partition by {key}) as latest,
                   max_by(cast(source_file as varchar), {year}) over (partition by {key}) as later
            from {staged} where _status is null and {portal}
        ) where y < latest
    """)
    counts = con.execute("select source_file, later, count(*) from restated group by all order by all").fetchall()
    if counts:
        con.execute(f"delete from {staged} where rowid in (select r from restated)")
    restated: dict[str, list[str]] = {}
    for rel, later, n in counts:
        restated.setdefault(rel, []).append(f"{n} rows submitted again in {later}")
    return restated


def parse_files(con, compiled: Compiled, landed: list[tuple[str, ReadFile]], staged: str, first: int = 0) -> str:
    """The parsing pass over every sheet of `landed` into `staged`: a dataset's files, or a Spark task's one
    (`first`: its index among them). A streamed CSV that turned out not to be one record per line (blank
    lines, quoted line breaks, ragged rows) is switched to the row-by-row reader, and the pass run again."""
    while True:
        streamed = [(read, j) for _, read in landed for j, sheet in enumerate(read.sheets) if sheet.stream]
        for read, j in streamed:
            con.register(read.sheets[j].relation, read.sheets[j].stream.batches())
        # Row order in a table carries no meaning (readers sort by source_file, source_row); letting
        # DuckDB write rows in any order saves a quarter of this statement's time (docs/benchmarks-history.md).
        provenance = landing_view(con, compiled.contract, landed, first)
        con.execute("set preserve_insertion_order = false")
        try:
            con.execute(f"create or replace table {staged} as "
                        f"{compiled.status_query('landing', provenance, PROVENANCE, nul_sql(landed, first))}")
        except duckdb.Error:
            if not any(read.sheets[j].stream.failed for read, j in streamed):
                raise
        finally:
            con.execute("set preserve_insertion_order = true")
        not_plain = [(read, j) for read, j in streamed if not read.sheets[j].stream.plain]
        if not not_plain:
            return provenance
        for read, j in not_plain:
            read.sheets[j] = read.sheets[j].read_exactly()


def _describe_problems(con, compiled: Compiled, staged: str, provenance: str) -> None:
    """The second pass: the landed cells of the rows in which the parsing pass found a problem, checked
    again by the full query, which names the problem and keeps the cells as submitted. The same SQL over
    the same cells finds the same first problem; the per-file counts check that every row was described.
    Table `found` collects every quarantined row of the dataset with its ordinal and messages."""
    con.execute(f"create or replace temp table bad_rows as {compiled.landed_again(staged)}")
    con.execute(f"""
        create or replace temp table found as
        select _ord, source_file, source_sheet, source_row, file_sha256, _problem.code as code,
               _problem.column as "column", _problem.zh as zh, _problem.en as en, _original as original,
               null::bigint as _rowid
        from ({compiled.checked_query('bad_rows', provenance, status=True)})
        where _problem.code is not null
    """)


def _flag_duplicates(con, contract: Contract, compiled: Compiled, staged: str) -> None:
    """Rows repeating the key of an earlier good row are quarantined, naming that row. Finding the
    64-bit key hashes that repeat first keeps this cheap; the real keys are compared only there.
    A duplicate's values are recorded as loaded (normalised): its key is that of the row it repeats, and
    reading the file again for its raw cells would cost a second pass over the largest files."""
    key = ", ".join(f'"{k}"' for k in contract.key)
    columns = ", ".join(f'"{c.name}"' for c in contract.columns)
    _register_repeated_hashes(con, staged, key)
    repeated = f"_status is null and hash({key}) in (select h from repeated_hashes)"
    con.execute(f"""
        create or replace temp table dups as
        select * from (
            select _rowid, _ord, source_file, source_sheet, source_row, file_sha256, {columns},
                   row_number() over w as rn, first_value(source_file) over w as first_file,
                   first_value(source_sheet) over w as first_sheet, first_value(source_row) over w as first_row
            from ({with_ord(staged, repeated)})
            window w as (partition by {key} order by _ord)
        ) where rn > 1
    """)
    con.execute(f"""
        insert into found
        select d._ord, d.source_file, d.source_sheet, d.source_row, d.file_sha256, 'duplicate', {sql_str(contract.key[-1])},
               concat('与 ', d.first_file, if(d.first_sheet <> '', concat(' 工作表 ', d.first_sheet), ''),
                      ' 第 ', d.first_row, ' 行重复（', {sql_str('、'.join(contract.column(k).aliases[0] for k in contract.key))}, ' 相同），保留第一次出现的记录'),
               concat('repeats row ', d.first_row, ' of ', d.first_file,
                      if(d.first_sheet <> '', concat(' sheet ', d.first_sheet), ''),
                      ' (same ', {sql_str(', '.join(contract.key))}, '); the first occurrence is kept'),
               {compiled.original_json('d."{}"', 'd."{}"', 'd.source_sheet', mask=False)}, d._rowid
        from dups d
    """)
    con.execute(f"update {staged} set _status = {STATUS_DUPLICATE} where rowid in (select _rowid from dups)")
    con.unregister("repeated_hashes")


def _register_repeated_hashes(con, staged: str, key: str) -> None:
    """The key hashes more than one good row has, as relation `repeated_hashes`. Found by sorting the
    hashes in numpy: DuckDB's GROUP BY … HAVING count(*) > 1 builds a hash table of every distinct key
    and took 3.5 s at 1e7 rows, fetching and sorting takes 1.5 s (docs/benchmarks-history.md)."""
    hashes = np.sort(con.execute(f"select hash({key}) as h from {staged} where _status is null").fetchnumpy()["h"])
    repeated = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    con.register("repeated_hashes", pa.table({"h": pa.array(repeated, pa.uint64())}))


def _write_issues(con, contract: Contract, compiled: Compiled, staged: str, hashed: bool = True,
                  partial: set[str] = frozenset()) -> None:
    """Quarantined rows and warnings. `partial`: files some of whose rows were set aside (superseded):
    their 合计 rows are not checked against the rows left."""
    ds = contract.dataset
    con.execute(f"""
        insert into raw.rejects
        select {sql_str(ds)}, c.source_file, c.source_sheet, c.source_row, coalesce(h.header, c."column"),
               c.code, replace(c.zh, '{{header}}', coalesce(h.header, c."column")),
               replace(c.en, '{{header}}', coalesce(h.header, c."column")),
               c.original, c.file_sha256
        from found c
        left join headers h on h.source_file = c.source_file and h.source_sheet = c.source_sheet
                           and h.column_name = c."column"
        order by c._ord
    """)
    con.execute(f"create or replace temp view accepted as {with_ord(staged, '_status is null')}")
    for rule, query in compiled.warning_queries("accepted"):
        if rule.code == ID_HASHED_WARNING and not hashed:
            continue
        con.execute(f"""
            insert into raw.warnings
            select {sql_str(ds)}, w.source_file, w.source_sheet, w.source_row, coalesce(h.header, {sql_str(rule.column)}),
                   {sql_str(rule.code)}, w.zh, w.en, null, w.file_sha256
            from ({query}) w
            left join headers h on h.source_file = w.source_file and h.source_sheet = w.source_sheet
                               and h.column_name = {sql_str(rule.column)}
            order by w._ord
        """)
    for column in contract.total_columns:
        con.execute(f"""
            insert into raw.warnings
            with details as (
                select source_file, source_sheet, sum("{column}") as total from {staged}
                where {ROW_READ} group by all
            )
            select {sql_str(ds)}, t.source_file, t.source_sheet, t.source_row, coalesce(h.header, {sql_str(column)}),
                   'total_mismatch',
                   concat('合计行的「', coalesce(h.header, {sql_str(column)}), '」为 ', t."{column}", '，明细之和为 ', coalesce(d.total, 0)),
                   concat('total row gives ', t."{column}", ' for ', coalesce(h.header, {sql_str(column)}),
                          ' but the rows above sum to ', coalesce(d.total, 0)),
                   null, t.file_sha256
            from {staged} t left join details d using (source_file, source_sheet)
            left join headers h on h.source_file = t.source_file and h.source_sheet = t.source_sheet
                               and h.column_name = {sql_str(column)}
            where t._status = {STATUS_TOTAL} and t."{column}" is not null and t."{column}" is distinct from coalesce(d.total, 0)
              and cast(t.source_file as varchar) not in (select unnest({_sql_list(partial)}::varchar[]))
        """)


def _sql_list(texts) -> str:
    return "[" + ", ".join(sql_str(t) for t in sorted(texts)) + "]"


def _file_stats(con, contract: Contract, landed: list[tuple[str, ReadFile]], staged: str,
                superseded: dict[str, list[str]]) -> list[FileStats]:
    ds = contract.dataset
    counts = {row[0]: row[1:] for row in con.execute(f"""
        select source_file,
               count(*) filter ({ROW_READ}),
               count(*) filter (_status = {STATUS_BLANK}), count(*) filter (_status = {STATUS_TOTAL}),
               count(*) filter (_status is null),
               (select count(*) from raw.rejects r where r.dataset = {sql_str(ds)} and r.source_file = c.source_file),
               (select count(*) from raw.warnings w where w.dataset = {sql_str(ds)} and w.source_file = c.source_file)
        from {staged} c group by source_file
    """).fetchall()}
    stats = []
    for rel, read in landed:
        rows_read, blank, totals, accepted, rejected, warnings = counts.get(rel, (0, 0, 0, 0, 0, 0))
        if rows_read != accepted + rejected:
            raise CountMismatch(f"{rel}: rows read {rows_read} != accepted {accepted} + rejected {rejected}")
        notes = list(read.notes)
        set_aside = superseded.get(rel, [])
        if set_aside:
            whole = "the whole of that institute's register" if contract.whole_register else "the whole of that institute-year"
            notes.append(f"set aside, the portal submission is {whole}: " + "; ".join(set_aside))
        if rows_read == 0 and not set_aside:
            notes.append("no data rows below the header")
        con.execute(
            "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [rel, ds, read.sha256, read.file_format, read.encoding, read.size,
             "; ".join(s.sheet for s in read.sheets), "; ".join(str(s.header_row) for s in read.sheets),
             rows_read, accepted, rejected, warnings, blank, totals,
             "; ".join(c for s in read.sheets for c in s.ignored_columns), "; ".join(notes)],
        )
        stats.append(FileStats(rel, ds, read.file_format, read.encoding, rows_read, accepted, rejected, warnings,
                               blank, totals, set_aside))
    return stats
