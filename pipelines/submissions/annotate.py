"""The annotated copy of an uploaded file: the upload check's findings marked where the office worker will
fix them — each cell at fault filled (errors light red, warnings light yellow) with a comment giving the
messages in Chinese and English — and a last sheet, "检查结果 Check report", listing them all.

An .xlsx is the worker's own workbook, opened by openpyxl and saved with what openpyxl keeps (values,
number formats, fonts, fills, widths, merged cells, dropdowns; formulas as written, never evaluated — it
drops images and charts). A CSV, .xls or .ods (openpyxl writes only .xlsx) becomes an .xlsx of its cells as
text, read by the ingest's own readers, so that the copy shows what the check read, row for row: a CSV
record sits on the line it starts on, as the ingest numbers it. So does an .xlsx too large for openpyxl
(OWN_WORKBOOK_CELLS), or one it cannot open. Where each finding goes: marks.py. A copy uploaded again is
marked afresh: the marks of the earlier check are cleared, its report replaced.

Text from the file and the findings is always written as a text cell, never a formula or a link: a text
cell is never run, so "=HYPERLINK(…)" shows as typed (cell_safety's leading apostrophe is for CSV files,
which have no cell types; in a workbook it would show)."""
from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import FileError
from pipelines.ingest.csv_reader import detect_encoding, leading_rows
from pipelines.ingest.workbook_limits import WorkbookLimits, WorkbookTooLarge, check_workbook
from pipelines.ingest.workbook_reader import read_workbook
from pipelines.submissions.marks import (
    ERROR,
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    FILLS,
    LABELS,
    MESSAGE_COLUMNS,
    REPORT_COLUMNS,
    WARNING,
    Cells,
    Finding,
    comment_height,
    comment_text,
    marked_cells,
    place,
    printable,
    report_rows,
)

__all__ = ["REPORT_SHEET", "Finding", "annotated_copy"]  # Finding is defined in marks.py

COMMENT_AUTHOR = "Touyan"
REPORT_SHEET = "检查结果 Check report"
# openpyxl holds a workbook in memory and took 13 s and 320 MB to load and save 500,000 cells on the
# development machine (2 cores); a larger .xlsx is copied as text (fastexcel, xlsxwriter) instead.
OWN_WORKBOOK_CELLS = 500_000


def annotated_copy(path: Path, file_format: str, findings: Sequence[Finding], header_rows: Mapping[str, int],
                   *, own_workbook_cells: int = OWN_WORKBOOK_CELLS) -> bytes:
    """The .xlsx to give back for the file at `path` (`file_format` as files.sniff_format says), its
    `findings` marked; `header_rows`: sheet name ("" for a CSV) → 1-based header row, where a finding's
    column is found by its header text. A workbook the readers cannot open raises their error."""
    if file_format == "xlsx":
        try:
            check_workbook(path, WorkbookLimits(cells=own_workbook_cells))
        except WorkbookTooLarge:
            pass
        else:
            own = _own_workbook(path, findings, header_rows)
            if own is not None:
                return own
    if file_format == "csv":
        sheets = [_csv_sheet(path)]
    elif file_format in ("xlsx", "xls", "ods"):
        sheets = _workbook_sheets(path)
    else:
        raise ValueError(f"not a format of the ingest: {file_format!r}")
    return _text_copy(sheets, findings, header_rows)


# ------------------------------------------------------------------------------------------------
# an .xlsx: the worker's own workbook
# ------------------------------------------------------------------------------------------------

def _own_workbook(path: Path, findings: Sequence[Finding], header_rows: Mapping[str, int]) -> bytes | None:
    """The copy; None when openpyxl cannot open a workbook the ingest could read (it is copied as text)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    try:
        book = openpyxl.load_workbook(path)  # formulas kept as written; openpyxl evaluates nothing
    except Exception:  # openpyxl's errors for what it does not understand are of many types
        return None
    if REPORT_SHEET in book.sheetnames:  # a copy of ours sent back: its report is replaced
        del book[REPORT_SHEET]
        book.active = next((i for i, ws in enumerate(book.worksheets) if ws.sheet_state == "visible"), 0)
    _clear_marks(book.worksheets)
    worksheets = {ws.title: ws for ws in sorted(book.worksheets, key=lambda ws: ws.sheet_state != "visible")}

    marks = place(findings, {name: _filled_cells(ws) for name, ws in worksheets.items()}, header_rows)
    fills, comments = marked_cells(marks)
    patterns = {severity: PatternFill("solid", fgColor=colour) for severity, colour in FILLS.items()}
    for (sheet, row, column), severity in fills.items():
        worksheets[sheet].cell(row, column).fill = patterns[severity]
    for (sheet, row, column), found in comments.items():
        cell = worksheets[sheet].cell(row, column)
        theirs = cell.comment.text.rstrip() + "\n\n" if cell.comment and cell.comment.text.strip() else ""
        text = theirs + comment_text(found)
        cell.comment = Comment(text, COMMENT_AUTHOR, width=320, height=comment_height(text))
    _openpyxl_report(book.create_sheet(REPORT_SHEET), report_rows(marks, book.sheetnames, {}), patterns)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _filled_cells(ws) -> Cells:
    """Row r's filled cells, from an index of the cells the sheet holds made on the first call
    (ws.iter_rows would make a cell in every gap, up to a stray cell at column XFD)."""
    rows: dict[int, list[tuple[int, object]]] = {}

    def row(r: int) -> list[tuple[int, object]]:
        if not rows:
            for (r_, c), cell in sorted(ws._cells.items()):
                if cell.value not in (None, ""):
                    rows.setdefault(r_, []).append((c, cell.value))
            rows.setdefault(0, [])  # indexed, even when empty
        return rows.get(r, [])

    return row


def _clear_marks(worksheets) -> None:
    """The fills and comments an earlier check left on a copy sent back; the worker's own comment kept
    (ours begin at the first "错误：" or "警告：" line of a comment)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    starts = re.compile(rf"^(?:{'|'.join(zh for zh, _ in LABELS.values())})：", re.MULTILINE)
    for ws in worksheets:
        for cell in list(ws._cells.values()):  # the cells the sheet holds (see _filled_cells)
            if cell.has_style and cell.fill.fill_type == "solid" and str(cell.fill.fgColor.rgb)[-6:] in FILLS.values():
                cell.fill = PatternFill()
            if cell.comment is not None and cell.comment.author == COMMENT_AUTHOR:
                found = starts.search(cell.comment.text)
                theirs = cell.comment.text[: found.start()].strip() if found else cell.comment.text
                cell.comment = None
                if theirs:
                    cell.comment = Comment(theirs, COMMENT_AUTHOR)


def _openpyxl_report(ws, rows: list[list], patterns) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, grey = Font(bold=True), PatternFill("solid", fgColor="F0F2F4")
    wrap = Alignment(wrap_text=True, vertical="top")
    for c, (title, width) in enumerate(REPORT_COLUMNS, start=1):
        cell = ws.cell(1, c, title)
        cell.font, cell.fill = bold, grey
        ws.column_dimensions[get_column_letter(c)].width = width
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c)
            if isinstance(value, str):
                cell.value = printable(value)
                cell.data_type = "s"  # openpyxl would take "=…" for a formula
            else:
                cell.value = value
            if c - 1 in MESSAGE_COLUMNS:
                cell.alignment = wrap
        ws.cell(r, 1).fill = patterns[ERROR if row[0].startswith(LABELS[ERROR][0]) else WARNING]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(REPORT_COLUMNS))}{len(rows) + 1}"


# ------------------------------------------------------------------------------------------------
# a CSV, .xls or .ods (or a very large .xlsx): a copy of its cells as text
# ------------------------------------------------------------------------------------------------

@dataclass
class TextSheet:
    name: str  # as the findings name it ("" for a CSV)
    title: str  # in the copy
    rows: list[list[str | None]]  # rows[i]: row i + 1
    first_column: int = 1  # the column of rows[i][0] (a workbook's read starts at its first filled column)


def _csv_sheet(path: Path) -> TextSheet:
    """The CSV as the ingest reads it (its encoding and delimiter), each record on the line it starts on;
    undecodable bytes shown as � (in a file of mixed encodings, which the ingest refuses, read as GB18030),
    and the copy ends where a record cannot be parsed."""
    try:
        encoding = detect_encoding(path, path.name)
    except FileError:
        encoding = "gb18030"
    _, _, delimiter = leading_rows(path, encoding)
    rows: list[list[str | None]] = []
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        end = 0
        try:
            for record in reader:
                start, end = end + 1, reader.line_num
                rows.extend([] for _ in range(start - 1 - len(rows)))
                rows.append(record)
                if len(rows) >= EXCEL_ROWS:
                    break
        except csv.Error:
            pass
    return TextSheet("", _sheet_title(path.stem, set()), rows)


def _workbook_sheets(path: Path) -> list[TextSheet]:
    """The visible sheets as workbook_reader.read_workbook reads them (cells as text, numbers as typed)."""
    import fastexcel

    sheets = read_workbook(path)
    if isinstance(sheets, Exception):
        raise sheets
    book, taken, copied = fastexcel.read_excel(path), {REPORT_SHEET}, []
    for index, (name, _, batch) in enumerate(sheets):
        if batch is None or name == REPORT_SHEET:  # hidden (not read), or the report of an earlier copy
            continue
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        # calamine starts a sheet at its first filled column: where that is, so that columns keep their letters
        first = book.load_sheet(index, header_row=None, n_rows=1).available_columns()
        title = _sheet_title(name, taken)
        taken.add(title)
        copied.append(TextSheet(name, title, [list(row) for row in zip(*columns, strict=True)],
                                first[0].absolute_index + 1 if first else 1))
    return copied


def _text_copy(sheets: list[TextSheet], findings: Sequence[Finding], header_rows: Mapping[str, int]) -> bytes:
    """The sheets' cells as text cells, written row by row (xlsxwriter's constant memory mode)."""
    import xlsxwriter

    def cells(sheet: TextSheet) -> Cells:
        def row(r: int):
            values = sheet.rows[r - 1] if 0 < r <= len(sheet.rows) else []
            return [(c, v) for c, v in enumerate(values, start=sheet.first_column) if v not in (None, "")]
        return row

    marks = place(findings, {s.name: cells(s) for s in sheets}, header_rows)
    fills, comments = marked_cells(marks)
    with tempfile.TemporaryDirectory(prefix="touyan-annotate-") as work:
        out = Path(work) / "copy.xlsx"
        book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
        formats = {s: book.add_format({"bg_color": "#" + colour}) for s, colour in FILLS.items()}
        for sheet in sheets:
            ws = book.add_worksheet(sheet.title)
            by_row: dict[int, dict[int, str]] = {}
            for (name, r, c), severity in fills.items():
                if name == sheet.name:
                    by_row.setdefault(r, {})[c] = severity
            for (name, r, c), found in comments.items():
                if name == sheet.name and c <= EXCEL_COLUMNS:
                    text = comment_text(found)
                    ws.write_comment(r - 1, c - 1, text, {"author": COMMENT_AUTHOR, "x_scale": 2.5,
                                                          "y_scale": comment_height(text) / 79})
            header_row = header_rows.get(sheet.name, 0)
            _set_widths(ws, sheet, header_row)
            if 0 < header_row < len(sheet.rows):
                ws.freeze_panes(header_row, 0)
            for r in sorted(set(range(1, len(sheet.rows) + 1)) | by_row.keys()):
                marked = by_row.get(r, {})
                values = sheet.rows[r - 1] if r <= len(sheet.rows) else []
                for c, value in enumerate(values, start=sheet.first_column):
                    if c <= EXCEL_COLUMNS and (value not in (None, "") or c in marked):
                        ws.write_string(r - 1, c - 1, printable(value or ""), formats.get(marked.get(c)))
                for c in marked.keys() - range(sheet.first_column, sheet.first_column + len(values)):
                    if c <= EXCEL_COLUMNS:
                        ws.write_blank(r - 1, c - 1, None, formats[marked[c]])
        _xlsxwriter_report(book, report_rows(marks, [s.name for s in sheets], {s.name: s.title for s in sheets}),
                           formats)
        book.close()
        return out.read_bytes()


def _xlsxwriter_report(book, rows: list[list], formats) -> None:
    ws = book.add_worksheet(REPORT_SHEET)
    header = book.add_format({"bold": True, "bg_color": "#F0F2F4"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for c, (title, width) in enumerate(REPORT_COLUMNS):
        ws.set_column(c, c, width, wrap if c in MESSAGE_COLUMNS else None)
        ws.write_string(0, c, title, header)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), len(REPORT_COLUMNS) - 1)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, int):
                ws.write_number(r, c, value)
            elif value is not None:
                cell_format = formats[ERROR if value.startswith(LABELS[ERROR][0]) else WARNING] if c == 0 else \
                    wrap if c in MESSAGE_COLUMNS else None
                ws.write_string(r, c, printable(value), cell_format)


def _set_widths(ws, sheet: TextSheet, header_row: int) -> None:
    """Each column as wide as its widest text among the header and the rows below it (at most 40)."""
    sample = sheet.rows[max(header_row - 1, 0): header_row + 200]
    widths: dict[int, int] = {}
    for values in sample:
        for c, value in enumerate(values, start=sheet.first_column):
            if value and c <= EXCEL_COLUMNS:
                widths[c] = max(widths.get(c, 0), sum(2 if ord(ch) > 0x2E7F else 1 for ch in value))
    for c, width in widths.items():
        ws.set_column(c - 1, c - 1, min(width + 2, 40))


def _sheet_title(name: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (no []:*?/\\, not starting or ending with ', at most 31 characters),
    not one of `taken`."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in printable(name)).strip("'")[:31] or "data"
    title, n = base, 1
    while title.lower() in {t.lower() for t in taken}:
        n += 1
        title = f"{base[: 31 - len(str(n)) - 1]}_{n}"
    return title
