"""Readers: one submitted file → one relation per sheet that DuckDB scans, every cell as text,
columns renamed to the contract's names, with the row number a person sees in the file.

CSV — UTF-8 (with or without BOM) or GBK / GB18030 — is streamed to DuckDB by Arrow's multi-threaded
reader in batches, so memory stays flat whatever the file's size. Arrow (like DuckDB) skips blank lines
and cannot number rows across a quoted line break; the file's line count tells when that happened,
and such a file is read again with Python's csv module, which knows every record's line. Workbooks —
Excel (.xlsx, .xls) and OpenDocument (.ods) — are read by fastexcel (calamine), every cell as text, a
number as it was typed (see numbers_as_typed), once their size is known to fit (see check_workbook).
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import re
import struct
import threading
import unicodedata
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines.contracts import Contract
from pipelines.errors import FileError
from pipelines.identifiers import patent_check_char

HEADER_SEARCH_ROWS = 30
SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 8 * 1024 * 1024
DELIMITERS = (",", "\t", ";", "|")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


@dataclass
class LandedSheet:
    relation: str  # what DuckDB scans: source_row and the cells as text, columns named as in the contract
    sheet: str  # sheet name; "" for CSV
    header_row: int  # 1-based row of the header
    headers: dict[str, str]  # contract column → header text as written in the file
    ignored_columns: list[str] = field(default_factory=list)
    stream: CsvStream | None = None  # a CSV streamed by Arrow (registered anew for every scan)
    read_exactly: Callable[[], LandedSheet] | None = None  # its row-by-row reading, when it is not plain


@dataclass
class ReadFile:
    path: Path
    file_format: str  # csv | xlsx | xls | ods
    sha256: str
    size: int
    encoding: str | None = None
    sheets: list[LandedSheet] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # warnings about the file as a whole


def normalize_header(text: object) -> str:
    """Header text compared width-, case- and space-insensitively, units in brackets dropped."""
    s = unicodedata.normalize("NFKC", str(text or "")).lower()
    s = re.sub(r"\(.*?\)|\[.*?\]", "", s)
    return re.sub(r"[\s_\-*:：]+", "", s)


def alias_index(contract: Contract) -> dict[str, str]:
    return {normalize_header(a): c.name for c in contract.columns for a in (c.name, *c.aliases)}


def match_header(cells: list[str | None], index: dict[str, str]) -> tuple[dict[int, str], list[str]]:
    """Column positions that name a contract column (`index`: its `alias_index`), and the header texts
    that name none."""
    matched: dict[int, str] = {}
    ignored = []
    for pos, cell in enumerate(cells):
        name = index.get(normalize_header(cell))
        if name and name not in matched.values():
            matched[pos] = name
        elif cell not in (None, ""):
            ignored.append(str(cell))
    return matched, ignored


def find_header(rows: list[list[str | None]], contract: Contract, file: str, where: str = ""):
    """The row (0-based) naming most contract columns among the first rows. Rows above it are titles."""
    best, best_pos = None, -1
    index = alias_index(contract)
    for pos, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        matched, ignored = match_header(cells, index)
        if best is None or len(matched) > len(best[0]):
            best, best_pos = (matched, ignored), pos
    matched, ignored = best or ({}, [])
    missing = [c for c in contract.required if c.name not in matched.values()]
    if missing:
        seen_zh, seen_en = _header_seen(rows[best_pos] if matched else [])
        need = "; ".join(f"{c.name}: {' / '.join(c.aliases)}" for c in missing)
        raise FileError(
            file,
            f"{where}缺少必需的列：{'、'.join(c.aliases[0] for c in missing)}。{seen_zh}",
            f"{where}missing required column(s) {', '.join(c.name for c in missing)}; {seen_en}",
            f"请在表头加入这些列（可用列名：{need}），或确认文件放在了正确的文件夹 data/raw/{contract.dataset}/",
            f"add the column(s) to the header (accepted names: {need}) or check that the file belongs in "
            f"data/raw/{contract.dataset}/",
        )
    return best_pos, matched, ignored


HEADER_CELLS_SHOWN, HEADER_CELL_CHARS = 30, 24  # of the header row quoted in a message


def _header_seen(cells: list) -> tuple[str, str]:
    """The header row as a message quotes it: only a row that names a column of the contract (not the
    first line of whatever file was put in the folder), at most 30 cells, each cut to 24 characters."""
    shown = [str(c) if len(str(c)) <= HEADER_CELL_CHARS else str(c)[:HEADER_CELL_CHARS] + "…"
             for c in cells if c not in (None, "")]
    if not shown:
        return (f"前 {HEADER_SEARCH_ROWS} 行中没有一行含有本数据集的列名",
                f"none of the first {HEADER_SEARCH_ROWS} rows names a column of this dataset")
    more = len(shown) - HEADER_CELLS_SHOWN
    found = "、".join(shown[:HEADER_CELLS_SHOWN]) + (f" 等 {len(shown)} 列" if more > 0 else "")
    return f"找到的表头：{found}", f"header seen: {found}" + (f" ({len(shown)} columns)" if more > 0 else "")


def sniff_format(path: Path, rel: str) -> str:
    with open(path, "rb") as f:
        head = f.read(8)
    if not head.strip():
        raise FileError(rel, "文件是空的", "the file is empty",
                        "请向报送单位索取完整文件，或将其移出 data/raw/", "ask the institute for the complete file, or move it out of data/raw/")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
        except zipfile.BadZipFile:
            names = set()
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names and mimetype.strip() == ODS_MIMETYPE:
            return "ods"
        kind = "Word 文档 / a Word document" if "word/document.xml" in names else "不是 Excel 工作簿 / not an Excel workbook"
        raise FileError(rel, f"文件是 zip 格式但{kind.split(' / ')[0]}，无法按 Excel 读取",
                        f"the file is a zip archive but {kind.split(' / ')[1]}, so it cannot be read as Excel",
                        "请打开原文件另存为 .xlsx 或 .csv 后再放入", "open the original and save it as .xlsx or .csv")
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm", ".ods"):
        raise FileError(rel, f"扩展名为 {path.suffix} 但内容不是 Excel 工作簿（文件可能已损坏）",
                        f"named {path.suffix} but the content is not an Excel workbook (the file may be corrupt)",
                        "请向报送单位重新索取文件，或用 Excel 打开后另存为 .xlsx",
                        "ask the institute to send the file again, or open it in Excel and save it as .xlsx")
    return "csv"


def file_digest(path: Path) -> tuple[str, int, int, bool]:
    """sha256, size, number of line feeds, and whether the file ends with one — in one pass."""
    h, size, newlines, last = hashlib.sha256(), 0, 0, b""
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            h.update(chunk)
            size += len(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return h.hexdigest(), size, newlines, last == b"\n"


class Prefetch:
    """What can be read of a run's files before their turn, on a background thread from the start, in
    file order: every file's digest, and the sheets of every workbook. Hashing a 600 MB CSV takes most
    of a second and reading a 2e5-row workbook over half of one; the single-threaded work before their
    turn (opening the warehouse, the smaller datasets) leaves a core free for it. File reading, hashing
    and fastexcel release the GIL. `digest` and `workbook` wait for a file's result (or compute one not
    asked for); an error is raised there, when the file's turn comes, as if it were read then."""

    def __init__(self, paths: list[Path], limits: WorkbookLimits | None = None):
        threading.Thread(target=_import_pandas, name="import-pandas", daemon=True).start()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
        self._read = partial(read_workbook, limits=limits or WorkbookLimits())
        self._digests = {path: self._pool.submit(file_digest, path) for path in paths}
        self._workbooks = {path: self._pool.submit(self._read, path) for path in paths
                           if _looks_like_workbook(path)}

    def digest(self, path: Path) -> tuple[str, int, int, bool]:
        future = self._digests.get(path)
        return future.result() if future else file_digest(path)

    def workbook(self, path: Path) -> list[tuple[str, str, pa.RecordBatch | None]] | Exception:
        future = self._workbooks.get(path)
        return future.result() if future else self._read(path)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _import_pandas() -> None:
    """DuckDB's Python API imports pandas (0.3-0.4 s) the first time it is handed a Python object — an
    Arrow stream, a query parameter — although the ingest uses no pandas. Imported here, on a thread of
    its own at the start, the import overlaps opening the warehouse instead of following it."""
    with contextlib.suppress(ImportError):
        import pandas  # noqa: F401


def _looks_like_workbook(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(8).startswith((b"PK", b"\xd0\xcf\x11\xe0"))
    except OSError:
        return False


def read_workbook(path: Path, limits: WorkbookLimits | None = None) -> list[tuple[str, str, pa.RecordBatch | None]] | Exception:
    """Every sheet of a workbook as (name, visibility, its cells as text — None for a hidden sheet); or,
    returned rather than raised, the error of a workbook that cannot be opened or is too large to be
    (see land_excel)."""
    import fastexcel

    try:
        check_workbook(path, limits or WorkbookLimits())
    except Exception as e:  # too large, or too damaged to be measured: not for calamine either
        return e
    try:
        workbook = fastexcel.read_excel(path)
        sheet_names = workbook.sheet_names
    except Exception as e:  # fastexcel raises its own error types for damaged workbooks
        return e
    sheets = []
    for index, name in enumerate(sheet_names):
        sheet = workbook.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
        if sheet.visible != "visible":
            sheets.append((name, sheet.visible, None))
            continue
        number_cells = partial(_number_cells, workbook, index)
        sheets.append((name, sheet.visible, numbers_as_typed(sheet.to_arrow(), number_cells)))
    return sheets


# Numbers in workbooks. A spreadsheet keeps what is typed into a cell as a number when it looks like
# one (a patent application number 201420563965.7, an ID number), as a double; calamine hands that on
# and fastexcel writes it as text with 9 decimals, trailing zeros cut. Below 2**23 that is the number
# as typed (for up to 9 decimals: the double is within half a unit of the 9th decimal of it); from
# 2**23 on it may show the double's binary noise, 201420563965.700012207, while the 9-decimal text
# still reads back as the very same double, so its shortest round-trip form is what was typed
# (Excel and LibreOffice keep 15 significant digits of what is typed). An integer from 2**53 on cannot
# hold what was typed at all (an 18-digit ID number typed into a number cell: Excel shows 3.30106E+17,
# the last digits are gone); such a cell is given as Excel shows it, which validate.py quarantines in an
# identifier column (number_lost_digits). Whether a long digit string was a number cell or a text cell
# (an ID number typed as text, as it should be) only a second reading of the sheet tells (_number_cells,
# which takes as long as the first): it is made for the columns that hold such strings, and only then
# (a 2e5-row sheet of ID numbers typed as text reads in ~0.95 CPU-s instead of ~0.5).
_LONG_NUMBER = r"^-?[1-9][0-9]{6,}(?:\.[0-9]{0,8}[1-9])?$"  # fastexcel's text of a number from 1e6 on
EXACT_INTEGERS = 2**53  # doubles hold every integer below this, and no integer typed from it on


def numbers_as_typed(batch: pa.RecordBatch, number_cells: Callable[[list[str]], list[pa.Array]]) -> pa.RecordBatch:
    """The sheet's cells (as fastexcel writes them) with each number as typed: fractions in their shortest
    round-trip form, integers too long for a double as Excel shows them. `number_cells` tells, for some
    columns (named as in `batch`), which cells hold numbers (non-null) rather than text. Vectorised: a
    column costs a length check, and one regular expression over its cells of 9 characters or more."""
    import pyarrow.compute as pc  # not at the top: its import (0.06-0.09 s) stays off the main thread

    columns = list(batch.columns)
    long_integers: dict[int, pa.Array] = {}
    for i, column in enumerate(columns):
        wide = pc.fill_null(pc.greater_equal(pc.binary_length(column), 9), False)
        if not pc.any(wide).as_py():
            continue  # nothing of 9 characters or more: no number that needs another form
        long = pc.match_substring_regex(column.filter(wide), _LONG_NUMBER)  # the wide cells alone: a
        if not pc.any(long).as_py():  # column's header, not its 1e5 short values
            continue
        long = pc.replace_with_mask(pc.and_(wide, False), wide, long)
        fraction = pc.and_(long, pc.match_substring(column, "."))
        if pc.any(fraction).as_py():
            columns[i] = _fractions_as_typed(column, fraction)
        magnitude = pc.abs(pc.cast(pc.if_else(pc.and_not(long, fraction), column, None), pa.float64()))
        long = pc.fill_null(pc.greater_equal(magnitude, float(EXACT_INTEGERS)), False)
        if pc.any(long).as_py():
            long_integers[i] = long
    if long_integers:
        named = [batch.schema.names[i] for i in long_integers]
        for (i, long), numbers in zip(long_integers.items(), number_cells(named), strict=True):
            lost = pc.and_(long, pc.is_valid(numbers))
            if pc.any(lost).as_py():
                columns[i] = pc.replace_with_mask(columns[i], lost, _as_excel_shows(columns[i].filter(lost)))
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def _fractions_as_typed(column: pa.Array, noisy: pa.Array) -> pa.Array:
    """The `noisy` cells, the 9-decimal text of a double from 1e6 on, in the double's shortest round-trip
    form (Python's repr): 201420563965.700012207 → 201420563965.7. Arrow writes the shortest digits,
    from 1e10 on as 2.014205639657e+11; these are put back in positional form, per exponent (a fraction
    below 2**52 has more digits than its exponent, so the point falls inside them). A text cell of this
    exact form — more than 16 significant digits, no trailing zero — would be shortened alike; no one
    types such a text."""
    import pyarrow.compute as pc  # not at the top: its import (0.06-0.09 s) stays off the main thread

    shortest = pc.cast(pc.cast(column.filter(noisy), pa.float64()), pa.string())
    parts = pc.extract_regex(shortest, r"^(?P<sign>-?)(?P<lead>[0-9])\.(?P<rest>[0-9]+)e\+(?P<exp>[0-9]+)$")
    exponent = pc.cast(pc.struct_field(parts, "exp"), pa.int32())
    for e in pc.unique(exponent).drop_null().to_pylist():
        at = pc.fill_null(pc.equal(exponent, e), False)
        sign, lead, rest = (pc.struct_field(parts, f).filter(at) for f in ("sign", "lead", "rest"))
        positional = pc.binary_join_element_wise(sign, lead, pc.utf8_slice_codeunits(rest, 0, e), ".",
                                                 pc.utf8_slice_codeunits(rest, e), "")
        shortest = pc.replace_with_mask(shortest, at, positional)
    return pc.replace_with_mask(column, noisy, shortest)


def _as_excel_shows(cells: pa.Array) -> pa.Array:
    """Integers past 2**53 as Excel's General format shows them in a column of standard width: 3.30106E+17.
    Only cells that lost digits get here (their rows are quarantined), so a loop costs nothing that matters."""
    shown = (re.sub(r"\.?0+E", "E", f"{float(text):.5E}") for text in cells.to_pylist())
    return pa.array(shown, pa.string())


def _number_cells(workbook, index: int, columns: list[str]) -> list[pa.Array]:
    """Per column (named as fastexcel names it, __UNNAMED__<n>) of sheet `index`, its cells read as
    booleans: fastexcel gives a number or boolean cell a value and a text cell none (a number is true
    unless 0), so non-null marks a number. The sheet is read as the first time: the same rows."""
    batch = workbook.load_sheet(index, header_row=None, skip_rows=0, use_columns=columns, dtypes="boolean",
                                eager=True)
    return [batch.column(name) for name in columns]


# Limits. calamine builds each sheet as a grid of 32-byte cells from the top left to its last cell: a
# single cell at XFD1048576 beside one at A1 asks for 549 GB and aborts the process (no Python error to
# catch). An xlsx or ods is a zip whose XML is inflated as it is read: 11 MB can hold 1 GB. A workbook is
# therefore measured before calamine opens it, from what it declares and without inflating it: its zip
# directory (the inflated size of every part), and each sheet's extent — an xlsx sheet's <dimension>, at
# the top of its XML (its cells are scanned only when it has none), the rows and columns an ods table
# repeats (scanned, as an ods declares no extent), an xls sheet's DIMENSIONS record and cells (the
# record alone makes calamine reserve rows × columns on opening the file). A file hand-made to declare
# less than it holds is not caught: that takes inflating and scanning every workbook in full, about as
# long as reading it.
@dataclass(frozen=True)
class WorkbookLimits:
    cells: int = 10_000_000  # all sheets, each from A1 to its last cell (~32 bytes a cell in calamine)
    inflated_bytes: int = 500_000_000  # the parts of an xlsx / ods inflated; an xls's size


class WorkbookTooLarge(Exception):
    def __init__(self, problem_zh: str, problem_en: str):
        super().__init__(problem_en)
        self.problem_zh, self.problem_en = problem_zh, problem_en


def check_workbook(path: Path, limits: WorkbookLimits) -> None:
    """Raise WorkbookTooLarge when the workbook at `path` exceeds `limits` (see above)."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"PK"):
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            inflated, packed = sum(i.file_size for i in infos), sum(i.compress_size for i in infos)
            if inflated > limits.inflated_bytes:
                raise WorkbookTooLarge(
                    f"工作簿解压后有 {_mb(inflated)}（文件 {_mb(packed)}，压缩比 {inflated / max(packed, 1):,.0f} 倍），"
                    f"超过上限 {_mb(limits.inflated_bytes)}",
                    f"it inflates to {_mb(inflated)} ({_mb(packed)} in the file, {inflated / max(packed, 1):,.0f} times "
                    f"as much), over the limit of {_mb(limits.inflated_bytes)}")
            names = {i.filename for i in infos}
            extents = (_xlsx_extents(z, names) if "xl/workbook.xml" in names
                       else _ods_extents(z) if "content.xml" in names else [])
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        size = path.stat().st_size
        if size > limits.inflated_bytes:
            raise WorkbookTooLarge(f"文件有 {_mb(size)}，超过上限 {_mb(limits.inflated_bytes)}",
                                   f"the file is {_mb(size)}, over the limit of {_mb(limits.inflated_bytes)}")
        extents = _xls_extents(path)
    else:
        return
    cells = sum(rows * columns for _, rows, columns in extents)
    if cells > limits.cells:
        sheet, rows, columns = max(extents, key=lambda e: e[1] * e[2])
        last = f"{_column_letters(columns)}{rows}"
        raise WorkbookTooLarge(
            f"工作表「{sheet}」从 A1 到最后一个单元格 {last} 共 {rows:,} 行 × {columns:,} 列，工作簿共 {cells:,} 个单元格，"
            f"超过上限 {limits.cells:,} 个（远处可能有误填的单元格）",
            f"sheet '{sheet}' spans A1:{last}, {rows:,} rows × {columns:,} columns; the workbook has {cells:,} cells, "
            f"over the limit of {limits.cells:,} (a stray cell far from the data?)")


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_position(ref: bytes) -> tuple[int, int]:
    """'XFD1048576' → (1048576, 16384): row and column, 1-based."""
    letters, digits = re.fullmatch(rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,9})", ref).groups()
    column = 0
    for letter in letters.upper():
        column = column * 26 + letter - 64
    return int(digits), column


HEAD_BYTES = 64 * 1024  # an xlsx sheet's <dimension> comes before its cells, in the first few hundred bytes
SCAN_BYTES = 1024 * 1024


def _xlsx_extents(z: zipfile.ZipFile, names: set[str]) -> list[tuple[str, int, int]]:
    """(sheet, rows, columns) of every worksheet: its <dimension>, or its cells when it has none."""
    extents = []
    for sheet, part in _xlsx_sheet_parts(z, names):
        with z.open(part) as f:
            head = f.read(HEAD_BYTES)
        top = head.split(b"sheetData", 1)[0]
        declared = re.search(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([^\"]+)\"", top)
        if declared and len(top) < len(head):
            rows, columns = _cell_position(declared.group(1).split(b":")[-1])
        else:
            rows, columns = _scanned_extent(z, part)
        extents.append((sheet, rows, columns))
    return extents


def _xlsx_sheet_parts(z: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(sheet name, zip entry) of every worksheet, found as calamine finds them (workbook.xml's sheets and
    their relationships); any other xl/worksheets/ entry too, named by its file."""
    def attributes(element: bytes) -> dict[bytes, bytes]:
        return dict(re.findall(rb"([\w:]+)=\"([^\"]*)\"", element))

    def read(name: str) -> bytes:
        with z.open(name) as f:
            return f.read(SCAN_BYTES)  # a few KB in any real workbook

    targets = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for element in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", read("xl/_rels/workbook.xml.rels")):
            a = attributes(element)
            target = a.get(b"Target", b"").decode("utf-8", "replace")
            targets[a.get(b"Id", b"")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    parts = []
    for element in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", read("xl/workbook.xml")):
        a = attributes(element)
        part = targets.get(a.get(b"r:id", b""))
        if part in names:
            parts.append((a.get(b"name", b"").decode("utf-8", "replace"), part))
    listed = {part for _, part in parts}
    parts += [(name.rsplit("/", 1)[-1], name) for name in sorted(names)
              if name.startswith("xl/worksheets/") and name.endswith(".xml") and name not in listed]
    return parts


def _scanned_extent(z: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """The last row and column of the cells of a sheet that declares no extent, its XML streamed."""
    rows = columns = 0
    carry = b""
    with z.open(part) as f:
        while chunk := f.read(SCAN_BYTES):
            text = carry + chunk
            for ref in re.findall(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Za-z]{1,3}[0-9]{1,9})\"", text):
                row, column = _cell_position(ref)
                rows, columns = max(rows, row), max(columns, column)
            carry = text[text.rfind(b"<"):] if b"<" in text[-256:] else b""
    return rows, columns


_ODS_TOKEN = re.compile(rb"<table:table(?=[\s>])([^>]*)>|</table:table>|<table:table-row(?=[\s/>])([^>]*?)(/?)>|"
                        rb"<table:(?:covered-)?table-cell(?=[\s/>])([^>]*?)(/?)>")


def _ods_extents(z: zipfile.ZipFile) -> list[tuple[str, int, int]]:
    """(table, rows, columns) of every table of an ods: rows up to the last that holds a cell, columns up
    to the last cell held, counting what rows and cells repeat (number-rows-repeated, ...-columns-repeated:
    calamine writes every repeat out). A cell holds something when it has a value type or content;
    empty rows and cells, which LibreOffice repeats to the sheet's end, do not count."""
    extents = []
    name, rows, last_row, columns, row_repeat, column, row_last = "", 0, 0, 0, 1, 0, 0
    carry = b""
    with z.open("content.xml") as f:
        while chunk := f.read(SCAN_BYTES):
            text = carry + chunk
            end = text.rfind(b">") + 1
            text, carry = text[:end], text[end:]
            for m in _ODS_TOKEN.finditer(text):
                table, row, row_closed, cell, cell_closed = m.groups()
                if table is not None:
                    name, rows, last_row, columns = _attribute(table, b"table:name") or "", 0, 0, 0
                elif row is not None:
                    if row_last:  # the previous row, unclosed (a row's end is not a token)
                        last_row, columns = rows, max(columns, row_last)
                    row_repeat, column, row_last = int(_attribute(row, b"table:number-rows-repeated") or 1), 0, 0
                    rows += row_repeat
                elif cell is not None:
                    column += int(_attribute(cell, b"table:number-columns-repeated") or 1)
                    if not cell_closed or b"value-type=" in cell:
                        row_last = column
                else:  # </table:table>
                    if row_last:
                        last_row, columns = rows, max(columns, row_last)
                    extents.append((name, last_row, columns))
                    row_last = 0
    return extents


def _attribute(attributes: bytes, name: bytes) -> str | None:
    found = re.search(rb"\b" + re.escape(name) + rb"=\"([^\"]*)\"", attributes)
    return found.group(1).decode("utf-8", "replace") if found else None


_XLS_CELLS = {0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x00BD, 0x0006, 0x0201, 0x00BE}


def _xls_extents(path: Path) -> list[tuple[str, int, int]]:
    """(sheet, rows, columns) of every sheet of an xls (BIFF): the larger of what its DIMENSIONS record
    declares and where its cells are (a cell record starts with its row and column)."""
    import olefile

    with olefile.OleFileIO(str(path)) as ole:
        stream_name = "Workbook" if ole.exists("Workbook") else "Book"
        stream = ole.openstream(stream_name).read()
    names, extents = {}, []
    pos, sheet, rows, columns = 0, None, 0, 0
    record = struct.Struct("<HHHH").unpack_from  # kind, size, and a cell's row and column
    end, stream = len(stream), stream + bytes(8)
    while pos + 4 <= end:  # one pass over every record: the loop is kept lean
        kind, size, row, column = record(stream, pos)
        if kind in _XLS_CELLS:
            if kind in (0x00BD, 0x00BE):  # MULRK, MULBLANK: a run of cells, the last column at the end
                column = struct.unpack_from("<H", stream, pos + 2 + size)[0]
            if row >= rows:
                rows = row + 1
            if column >= columns:
                columns = column + 1
        elif kind == 0x0085 and size >= 8:  # BOUNDSHEET: where a sheet starts, and its name
            data = stream[pos + 4: pos + 4 + size]
            wide = data[7] & 1
            names[struct.unpack_from("<I", data)[0]] = data[8: 8 + data[6] * (1 + wide)].decode(
                "utf-16-le" if wide else "latin-1", "replace")
        elif kind == 0x0809:  # BOF: a sheet (or the workbook globals, or a chart) begins
            sheet, rows, columns = names.get(pos, f"#{len(extents) + 1}"), 0, 0
        elif kind == 0x0200 and size in (10, 14):  # DIMENSIONS: last row + 1, last column + 1
            last_row, last_column = struct.unpack_from("<4xI2xH" if size == 14 else "<2xH2xH", stream, pos + 4)
            rows, columns = max(rows, last_row), max(columns, last_column)
        elif kind == 0x000A and sheet is not None:  # EOF
            extents.append((sheet, rows, columns))
            sheet = None
        pos += 4 + size
    return extents


def detect_encoding(path: Path, rel: str) -> str:
    """UTF-8 (with or without BOM) or GB18030 (a superset of GBK), judged on whole lines: a sample cut
    in the middle of a multi-byte character would look like neither."""
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if len(sample) == SAMPLE_BYTES and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    raise FileError(rel, "无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030）",
                    "cannot tell the text encoding (neither UTF-8 nor GBK/GB18030)",
                    "请用 Excel 打开后另存为“CSV UTF-8”或 .xlsx", "open it in Excel and save as 'CSV UTF-8' or .xlsx")


def leading_rows(path: Path, encoding: str) -> tuple[list[list[str]], list[int], str]:
    """The first records of a CSV, the line each ends on, and the delimiter."""
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        text = f.read(SAMPLE_BYTES)
    lines = text.splitlines(keepends=True)[: HEADER_SEARCH_ROWS * 2]
    head = "".join(lines)
    delimiter = max(DELIMITERS, key=lambda d: max((ln.count(d) for ln in lines[:HEADER_SEARCH_ROWS]), default=0))
    reader = csv.reader(io.StringIO(head), delimiter=delimiter)
    rows, ends = [], []
    try:
        for row in reader:
            rows.append(row)
            ends.append(reader.line_num)
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return rows, ends, delimiter


def land_csv(con: duckdb.DuckDBPyConnection, path: Path, rel: str, contract: Contract, table: str,
             digest: Callable[[Path], tuple[str, int, int, bool]] = file_digest) -> ReadFile:
    sha, size, newlines, ends_with_newline = digest(path)
    encoding = detect_encoding(path, rel)
    rows, ends, delimiter = leading_rows(path, encoding)
    header_pos, matched, ignored = find_header(rows, contract, rel)
    header_line = ends[header_pos]
    headers = {name: rows[header_pos][pos] for pos, name in matched.items()}
    result = ReadFile(path, "csv", sha, size, encoding=encoding.replace("-sig", " BOM"))
    # "\n" is one byte in UTF-8 and GBK alike (never inside a multi-byte character), so the byte count
    # gives the file's lines, and so the rows a plain reading must yield.
    expected = newlines + (0 if ends_with_newline else 1) - header_line
    exact = partial(_land_csv_exactly, con, path, rel, table, encoding, delimiter, header_line, matched, headers,
                    ignored)
    if expected <= 0:
        result.sheets.append(exact())
    else:
        stream = CsvStream(path, encoding, delimiter, header_line, matched, expected)
        result.sheets.append(LandedSheet(table, "", header_line, headers, ignored, stream=stream, read_exactly=exact))
    return result


@dataclass
class CsvStream:
    """A CSV streamed to DuckDB in Arrow batches by Arrow's multi-threaded reader, numbered as it goes,
    so a file of any size is validated without being held in memory. Arrow (like DuckDB) skips blank
    lines and stops at a quoted line break or a ragged row; `plain` says afterwards whether the file
    read as one record per line, i.e. whether the row numbers given were true."""

    path: Path
    encoding: str
    delimiter: str
    header_line: int
    matched: dict[int, str]
    expected_rows: int
    rows_seen: int = 0
    failed: bool = False

    @property
    def plain(self) -> bool:
        return not self.failed and self.rows_seen == self.expected_rows

    def batches(self) -> pa.RecordBatchReader:
        names = [f"f{pos}" for pos in self.matched]  # Arrow's generated column names
        schema = pa.schema([*(pa.field(self.matched[pos], pa.string()) for pos in self.matched),
                            pa.field("source_row", pa.int64())])
        self.rows_seen, self.failed = 0, False

        def numbered():
            try:
                reader = pacsv.open_csv(
                    self.path,
                    read_options=pacsv.ReadOptions(skip_rows=self.header_line, autogenerate_column_names=True,
                                                   encoding="utf8" if self.encoding.startswith("utf-8") else self.encoding),
                    parse_options=pacsv.ParseOptions(delimiter=self.delimiter, newlines_in_values=False),
                    convert_options=pacsv.ConvertOptions(include_columns=names, strings_can_be_null=True,
                                                         column_types=dict.fromkeys(names, pa.string())))
                for batch in reader:
                    first = self.header_line + 1 + self.rows_seen
                    numbers = pa.array(np.arange(first, first + batch.num_rows), pa.int64())
                    self.rows_seen += batch.num_rows
                    yield pa.RecordBatch.from_arrays([*(batch.column(n) for n in names), numbers], schema=schema)
            except (pa.ArrowInvalid, UnicodeDecodeError):
                self.failed = True
                raise

        return pa.RecordBatchReader.from_batches(schema, numbered())


def _undecodable(path: Path, rel: str, encoding: str) -> FileError:
    """The error for a CSV that does not decode, naming the first bad byte's line and position. The
    readers' own errors cannot: Python's text reader counts from the start of the chunk it decodes,
    and Arrow's error names no position."""
    where = first_undecodable(path, encoding)
    if where is None:  # the readers saw what a decoder of the whole file does not: say what they said
        at_zh, at_en = "", ""
    else:
        line, offset, bad = where
        at_zh = f"（第 {line:,} 行，距文件开头 {offset:,} 字节处：{bad.hex(' ').upper()}）"
        at_en = f" at line {line:,} (byte offset {offset:,} from the start of the file: {bad.hex(' ').upper()})"
    return FileError(rel, f"文件中有无法按 {encoding} 解码的字节{at_zh}，编码混杂或文件损坏",
                     f"bytes that are not valid {encoding}{at_en}: mixed encodings or a damaged file",
                     "请用 Excel 打开后另存为“CSV UTF-8”或 .xlsx", "open it in Excel and save as 'CSV UTF-8' or .xlsx")


def first_undecodable(path: Path, encoding: str) -> tuple[int, int, bytes] | None:
    """The line (1-based), byte offset (0-based) and bytes of the first sequence of `path` that is not
    valid `encoding`; None if there is none. The file is streamed through an incremental decoder; a
    multi-byte character cut by a chunk's end waits in the decoder (its bytes hold no line feed)."""
    decoder = codecs.getincrementaldecoder(encoding.replace("-sig", ""))()  # a BOM decodes as U+FEFF
    read = newlines = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:  # e.start counts from the pending bytes
                at = e.start - pending
                return newlines + chunk.count(b"\n", 0, max(at, 0)) + 1, read + at, e.object[e.start:e.end]
            read += len(chunk)
            newlines += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as e:  # the file ends inside a character
        return newlines + 1, read - len(e.object) + e.start, e.object[e.start:e.end]
    return None


def _land_csv_exactly(con, path, rel, table, encoding, delimiter, header_line, matched, headers, ignored):
    """Every record with the line it starts on: blank lines, quoted line breaks and ragged rows all
    keep their true row numbers. Slower than the fast path; used only when that one cannot be."""
    columns: dict[str, list] = {name: [] for name in matched.values()}
    source_rows = []
    try:
        with open(path, encoding=encoding, newline="") as f:
            reader = csv.reader(f, delimiter=delimiter)
            previous_end = 0
            for record in reader:
                start, previous_end = previous_end + 1, reader.line_num
                if start <= header_line:
                    continue
                source_rows.append(start)
                for pos, name in matched.items():
                    columns[name].append(record[pos] if pos < len(record) else None)
    except UnicodeDecodeError as e:
        raise _undecodable(path, rel, encoding) from e
    except csv.Error as e:
        raise FileError(rel, f"第 {reader.line_num} 行附近 CSV 格式错误：{e}", f"malformed CSV near line {reader.line_num}: {e}",
                        "请检查该行的引号是否成对，或另存为 .xlsx", "check that quotes on that line are balanced, or save as .xlsx") from e
    return _land_arrow(con, table, "", header_line, headers, columns, source_rows, ignored)


def _land_arrow(con, table, sheet, header_row, headers, columns, source_rows, ignored) -> LandedSheet:
    arrays = {name: pa.array(values, pa.string()) for name, values in columns.items()}
    arrays["source_row"] = pa.array(source_rows, pa.int64())
    return _register(con, table, pa.table(arrays), sheet, header_row, headers, ignored)


def _register(con, table, frame: pa.Table, sheet, header_row, headers, ignored) -> LandedSheet:
    """The sheet becomes a relation DuckDB scans in place (no copy), kept until the run ends."""
    con.register(table, frame)
    return LandedSheet(table, sheet, header_row, headers, ignored)


def _with_check_zero(cells: pa.Array) -> pa.Array:
    """A patent application number typed with its check character 0, 201820875714.0, is a number to a
    spreadsheet, which keeps and shows it as 201820875714: the ".0" is lost in any workbook. There, a bare
    12- or 8-digit number (a number cell or not: the sender sees no difference) whose check character
    is 0 is read with it; one whose check character would be another is left to be quarantined as
    missing it. Patent columns are short; the loop runs over their bare numbers only."""
    import pyarrow.compute as pc  # not at the top: its import (0.06-0.09 s) stays off the main thread

    bare = pc.fill_null(pc.match_substring_regex(cells, r"^(?:[0-9]{12}|[0-9]{8})$"), False)
    if not pc.any(bare).as_py():
        return cells
    restored = [body + ".0" if patent_check_char(body) == "0" else body for body in cells.filter(bare).to_pylist()]
    return pc.replace_with_mask(cells, bare, pa.array(restored, pa.string()))


def land_excel(con: duckdb.DuckDBPyConnection, path: Path, rel: str, contract: Contract, table: str,
               file_format: str, digest: Callable[[Path], tuple[str, int, int, bool]] = file_digest,
               workbook: Callable[[Path], list | Exception] = read_workbook) -> ReadFile:
    sha, size, _, _ = digest(path)
    result = ReadFile(path, file_format, sha, size)
    sheets = workbook(path)
    if isinstance(sheets, WorkbookTooLarge):
        raise FileError(rel, f"工作簿过大，未读取：{sheets.problem_zh}", f"the workbook is too large to read: {sheets.problem_en}",
                        "请删除远离数据的多余单元格（Ctrl+End 可定位最后一个单元格）或拆分文件后重新保存；确需读取时，"
                        "管理员可调高 TOUYAN_MAX_WORKBOOK_CELLS / TOUYAN_MAX_WORKBOOK_INFLATED",
                        "delete stray cells far from the data (Ctrl+End goes to the last one) or split the file, and "
                        "save it again; an administrator can raise TOUYAN_MAX_WORKBOOK_CELLS / "
                        "TOUYAN_MAX_WORKBOOK_INFLATED") from sheets
    if isinstance(sheets, Exception):
        raise FileError(rel, f"Excel 文件无法打开（可能已损坏）：{sheets}", f"the workbook cannot be opened (damaged?): {sheets}",
                        "请用 Excel 打开检查后重新保存，或向报送单位重新索取",
                        "open it in Excel and save it again, or ask the institute to resend it") from sheets
    first_error = None
    for index, (name, visible, batch) in enumerate(sheets):
        if visible != "visible":
            result.notes.append(f"hidden sheet {name} not read")
            continue
        if batch.num_rows == 0:
            continue
        head = [list(r.values()) for r in batch.slice(0, HEADER_SEARCH_ROWS).to_pylist()]
        try:
            header_pos, matched, ignored = find_header(head, contract, rel, where=f"工作表 {name}: ")
        except FileError as e:
            first_error = first_error or e
            result.notes.append(f"sheet {name} skipped: no header with the columns of {contract.dataset}")
            continue
        headers = {col: head[header_pos][pos] for pos, col in matched.items()}
        body = batch.slice(header_pos + 1)
        columns = {col: body.column(pos) for pos, col in matched.items()}
        for column in contract.columns:
            if column.kind == "ip_number" and column.name in columns:
                columns[column.name] = _with_check_zero(columns[column.name])
        source_rows = np.arange(header_pos + 2, header_pos + 2 + body.num_rows)
        result.sheets.append(_land_arrow(con, f"{table}_s{index}", name, header_pos + 1, headers, columns,
                                         source_rows, ignored))
    if not result.sheets:
        raise first_error or FileError(rel, "工作簿中没有数据", "the workbook has no data",
                                       "请确认文件内容", "check the file's content")
    return result
