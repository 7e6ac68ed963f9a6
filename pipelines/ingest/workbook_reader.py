"""Workbooks — Excel (.xlsx, .xls) and OpenDocument (.ods) — read by fastexcel (calamine), every cell
as text, a number as it was typed (workbook_numbers.py), once their size is known to fit
(workbook_limits.py); each visible sheet with a header becomes a relation DuckDB scans."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from pipelines.contracts import Contract
from pipelines.errors import FileError
from pipelines.identifiers import patent_check_char
from pipelines.ingest.files import ReadFile, file_digest, land_arrow
from pipelines.ingest.headers import HEADER_SEARCH_ROWS, find_header
from pipelines.ingest.workbook_limits import WorkbookLimits, WorkbookTooLarge, check_workbook
from pipelines.ingest.workbook_numbers import numbers_as_typed


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
        sheets.append((name, sheet.visible, cells_as_text(workbook, index, sheet)))
    return sheets


def cells_as_text(workbook, index: int, sheet) -> pa.RecordBatch:
    """The cells of sheet `index` (loaded with dtypes="string", as read_workbook loads it) as text, each
    number as typed. Also what a stored upload is kept as when its format cannot be written back
    (pipelines/submissions/sanitize.py)."""
    return numbers_as_typed(sheet.to_arrow(), partial(_number_cells, workbook, index))


def _number_cells(workbook, index: int, columns: list[str]) -> list[pa.Array]:
    """Per column (named as fastexcel names it, __UNNAMED__<n>) of sheet `index`, its cells read as
    booleans: fastexcel gives a number or boolean cell a value and a text cell none (a number is true
    unless 0), so non-null marks a number. The sheet is read as the first time: the same rows."""
    batch = workbook.load_sheet(index, header_row=None, skip_rows=0, use_columns=columns, dtypes="boolean",
                                eager=True)
    return [batch.column(name) for name in columns]


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
        result.sheets.append(land_arrow(con, f"{table}_s{index}", name, header_pos + 1, headers, columns,
                                         source_rows, ignored))
    if not result.sheets:
        raise first_error or FileError(rel, "工作簿中没有数据", "the workbook has no data",
                                       "请确认文件内容", "check the file's content")
    return result
