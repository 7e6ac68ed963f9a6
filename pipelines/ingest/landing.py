"""Landing a dataset's files: each file read (csv_reader.py, workbook_reader.py) into relations DuckDB
scans, the names shown with ID numbers masked, and one `landing` view over all of them with each row's
ordinal (file and sheet in its high bits, row in its low 32) and its provenance as ENUM-typed SQL."""
from __future__ import annotations

import mmap
from pathlib import Path

from pipelines.contracts import Contract
from pipelines.id_numbers import mask_ids
from pipelines.ingest.csv_reader import land_csv
from pipelines.ingest.files import LandedSheet, ReadFile, file_digest, sniff_format
from pipelines.ingest.portal import portal_file
from pipelines.ingest.prefetch import Prefetch
from pipelines.ingest.sql_functions import sql_str
from pipelines.ingest.workbook_reader import land_excel, read_workbook

PROVENANCE_TEXT = ("source_file", "source_sheet", "file_sha256")  # stored as ENUMs (text_type)


def land_files(con, contract: Contract, files: list[Path], raw_dir: Path, on_file=None,
               prefetched: Prefetch | None = None) -> list[tuple[str, ReadFile]]:
    digest = prefetched.digest if prefetched else file_digest
    workbook = prefetched.workbook if prefetched else read_workbook
    landed = []
    names = shown_names([path.relative_to(raw_dir).as_posix() for path in files])
    for i, (path, rel) in enumerate(zip(files, names, strict=True)):
        if on_file:
            on_file(rel)
        landed.append((rel, land_file(con, contract, path, rel, f"land_{contract.dataset}_{i}", digest, workbook)))
    return landed


def land_file(con, contract: Contract, path: Path, rel: str, table: str, digest=file_digest,
              workbook=read_workbook) -> ReadFile:
    """One file of a dataset, `rel` its name as shown (shown_names, over all the dataset's files), its
    sheets registered as relations named after `table`. The Spark ingest's tasks call it for their file."""
    file_format = sniff_format(path, rel)
    if file_format == "csv":
        read = land_csv(con, path, rel, contract, table, digest)
    else:
        read = land_excel(con, path, rel, contract, table, file_format, digest, workbook)
    for sheet, name in zip(read.sheets, shown_names([sheet.sheet for sheet in read.sheets]), strict=True):
        _show_sheet(sheet, name)
    read.notes = [mask_ids(note) for note in read.notes]
    return read


def shown_names(names: list[str]) -> list[str]:
    """File (or sheet) names as stored and shown: the name is provenance, written into every row, mart
    and report, so an ID number in it is masked (3301**********7899). Names that masking makes the same
    get " (2)", " (3)" … before the extension, in file order."""
    masked = [mask_ids(name) for name in names]
    taken = {name for name, shown in zip(names, masked, strict=True) if name == shown}
    out = []
    for name, shown in zip(names, masked, strict=True):
        if shown != name:
            stem, dot, suffix = shown.rpartition(".") if "." in shown.rpartition("/")[2] else (shown, "", "")
            k = 1
            while shown in taken:
                k += 1
                shown = f"{stem} ({k}){dot}{suffix}"
            taken.add(shown)
        out.append(shown)
    return out


def _show_sheet(sheet: LandedSheet, name: str) -> LandedSheet:
    """A landed sheet with the ID numbers in its name, headers and ignored columns masked (shown_names),
    as is the sheet its row-by-row reading gives, if it comes to that."""
    sheet.sheet = name
    sheet.headers = {column: mask_ids(header) for column, header in sheet.headers.items()}
    sheet.ignored_columns = [mask_ids(header) for header in sheet.ignored_columns]
    if sheet.read_exactly:
        read_exactly = sheet.read_exactly
        sheet.read_exactly = lambda: _show_sheet(read_exactly(), name)
    return sheet


def landing_view(con, contract: Contract, landed: list[tuple[str, ReadFile]], first: int = 0) -> str:
    """The `landing` view over the landed sheets, and the tables and provenance SQL of describe_sheets.
    `first`: the index of the first of `landed` among the dataset's files (a Spark task lands one file
    of many: its rows keep the ordinals the whole dataset's landing gives them)."""
    selects = []
    for i, (_, read) in enumerate(landed, first):
        for j, sheet in enumerate(read.sheets):
            cols = ", ".join(f'"{c.name}"' if c.name in sheet.headers else f'null::varchar as "{c.name}"'
                             for c in contract.columns)
            selects.append(f"select ({i}::bigint << 40) + ({j}::bigint << 32) + source_row as _ord, {cols} "
                           f"from {sheet.relation}")
    if not selects:
        cols = ", ".join(f'null::varchar as "{c.name}"' for c in contract.columns)
        selects = [f"select 0::bigint as _ord, {cols} where false"]
    con.execute(f"create or replace temp view landing as {' union all '.join(selects)}")
    return describe_sheets(con, contract.dataset, landed, first)


def describe_sheets(con, dataset: str, landed: list[tuple[str, ReadFile]], first: int = 0) -> str:
    """What the checks after the parsing pass know of the landed sheets: tables `headers` (each column's
    header as written) and `sheet_keys` (each sheet's key in the row ordinals), and the provenance SQL
    (provenance_sql). Needs the sheets' names and headers only, not their relations."""
    headers, sheets = [], []
    for i, (rel, read) in enumerate(landed, first):
        for j, sheet in enumerate(read.sheets):
            sheets.append(((i << 8) + j, rel, sheet.sheet, read.sha256))
            headers += [(rel, sheet.sheet, name, text) for name, text in sheet.headers.items()]
    con.execute("create or replace temp table headers (source_file varchar, source_sheet varchar, column_name varchar, header varchar)")
    if headers:
        con.executemany("insert into headers values (?, ?, ?, ?)", headers)
    # Stored rows keep no ordinal (a column of 1e7 distinct numbers costs seconds to write): the few
    # rows that need file order (duplicates, issues) get it back from their sheet's key and their row.
    con.execute("create or replace temp table sheet_keys (source_file varchar, source_sheet varchar, sheet_key bigint)")
    if sheets:
        con.executemany("insert into sheet_keys values (?, ?, ?)", [(rel, sheet, key) for key, rel, sheet, _ in sheets])
    return provenance_sql(con, dataset, sheets)


def text_type(con, name: str, values) -> str:
    """An ENUM type raw.<name> of the distinct `values`, in text order (so that ENUM order is text order).
    Columns with a few distinct texts in millions of rows — file, sheet, file hash, institute id — are
    stored as ENUMs: a byte a row instead of text to analyse, compress and keep statistics for, ~3 of the
    ~16 CPU-s of a 1e7-row load (docs/benchmarks-history.md). They read as text; dbt's staging casts them."""
    listed = ", ".join(sql_str(v) for v in sorted({v for v in values if v is not None}))
    con.execute(f"create or replace type raw.{name} as enum ({listed})")
    return f"raw.{name}"


def provenance_sql(con, dataset: str, sheets: list[tuple[int, str, str, str]]) -> str:
    """File, sheet, row and file hash as expressions of the row ordinal _ord (file and sheet in its high
    bits, row in its low 32), each of an ENUM type of the dataset's values (created here): constants, or
    CASE projections when a dataset has several sheets."""
    def pick(field: int) -> str:
        values = {row[field + 1] for row in sheets}
        typed = "::" + text_type(con, f"{dataset}__{PROVENANCE_TEXT[field]}", values)
        if len(values) == 1:  # one value: a constant, stored almost for free
            return sql_str(next(iter(values))) + typed
        cases = " ".join(f"when {key} then {sql_str(row[field])}{typed}" for key, *row in sheets)
        return f"case l._ord >> 32 {cases} end" if cases else f"null{typed}"
    return (f"{pick(0)} as source_file, {pick(1)} as source_sheet, l._ord & 4294967295 as source_row, "
            f"{pick(2)} as file_sha256, {_portal_sql(sheets)}")


def _portal_sql(sheets: list[tuple[int, str, str, str]]) -> str:
    """The institute and year a row's file stands for when it is a portal file (portal.py), as SQL over
    the row: nulls (constants, which cost nothing) for the files of the drop folder."""
    stands_for = {key: portal_file(rel) for key, rel, *_ in sheets}
    if not any(stands_for.values()):
        return "null::varchar as _portal_institute, null::integer as _portal_year"
    if len(set(stands_for.values())) == 1:
        found = next(iter(stands_for.values()))
        return f"{sql_str(found.institute_id)} as _portal_institute, {found.year} as _portal_year"
    institutes = " ".join(f"when {key} then {sql_str(p.institute_id)}" for key, p in stands_for.items() if p)
    years = " ".join(f"when {key} then {p.year}" for key, p in stands_for.items() if p)
    return (f"case l._ord >> 32 {institutes} end as _portal_institute, "
            f"(case l._ord >> 32 {years} end)::integer as _portal_year")


def nul_sql(landed: list[tuple[str, ReadFile]], first: int = 0) -> str:
    """Whether a landed row's sheet may hold a NUL character, as SQL over the row (l._ord): a constant
    when all sheets agree, as they do unless a NUL is about. A CSV file holds one only if it has a zero
    byte (UTF-8 and GB18030 write no other character with one), found at memory speed; a workbook's
    cells are always looked at."""
    flags = {(i << 8) + j: read.file_format != "csv" or _has_zero_byte(read.path)
             for i, (_, read) in enumerate(landed, first) for j in range(len(read.sheets))}
    if len(set(flags.values())) <= 1:
        return "true" if any(flags.values()) else "false"
    return f"(l._ord >> 32) in ({', '.join(str(key) for key, flag in flags.items() if flag)})"


def _has_zero_byte(path: Path, window: int = 64 * 2**20) -> bool:
    """Searched in the page cache (the file was just read for its digest), a window at a time: the pages
    of a mapping count in the process's resident memory while mapped, so a whole 800 MB file mapped at
    once would add as much to its peak."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        for offset in range(0, size, window):
            with mmap.mmap(f.fileno(), min(window, size - offset), offset=offset, access=mmap.ACCESS_READ) as data:
                if data.find(b"\0") >= 0:
                    return True
    return False
