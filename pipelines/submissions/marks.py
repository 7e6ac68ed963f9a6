"""Where the upload check's findings go in the annotated copy (annotate.py): each finding's cell, found
by its sheet, its row as a person sees it and its column's header text as the ingest compares headers;
the fill each marked cell gets, the comment it carries and the check report's rows. Independent of the
library that writes the copy."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pipelines.ingest.headers import normalize_header


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" (the refresh would quarantine the row / refuse the file) | "warning"
    sheet: str  # sheet name as in the workbook; "" for a CSV
    row: int | None  # 1-based row number as a person sees it in the file; None: about the file or sheet
    header: str | None  # the column as headed in the file (the header cell's text); None: the whole row
    value: str | None  # the cell as submitted (may be None)
    code: str  # reason code, e.g. "bad_date"
    zh: str  # message in Chinese
    en: str  # message in English


ERROR, WARNING = "error", "warning"
# Light red and light yellow, a shade off Excel's "Bad" and "Neutral" cell styles (FFC7CE, FFEB9C): the
# marks of an earlier check are recognised by their colour, and a worker's own use of those styles is not.
FILLS = {ERROR: "FFCDD2", WARNING: "FFF59D"}
LABELS = {ERROR: ("错误", "error"), WARNING: ("警告", "warning")}
REPORT_COLUMNS = (("严重程度 severity", 16), ("工作表 sheet", 16), ("行 row", 8), ("列 column", 18),
                  ("值 value", 24), ("说明", 50), ("message", 60), ("原因代码 reason", 20))
MESSAGE_COLUMNS = (5, 6)  # 0-based: wrapped
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an .xlsx cannot hold (XML 1.0)

Cells = Callable[[int], list[tuple[int, object]]]  # a sheet's row r → (column, value) of its filled cells


@dataclass(frozen=True)
class Mark:
    finding: Finding
    sheet: str | None  # the sheet marked (as the findings name it); None: the copy has no cell for it
    row: int
    column: int  # the cell commented
    filled: tuple[int, ...]  # the cells filled in that row: the commented one, or the row's across the table


def severity(finding: Finding) -> str:
    """An error, or a warning (what is not an error does not block a submission)."""
    return ERROR if finding.severity == ERROR else WARNING


def place(findings: Sequence[Finding], sheets: Mapping[str, Cells], header_rows: Mapping[str, int]) -> list[Mark]:
    """Each finding's cell: its row under its column's header (headers compared as the ingest compares
    them); the row's cells across the table when it names no column (or one the header row lacks); the
    header cell when it names no row; the first sheet when its sheet is not in the copy."""
    first = next(iter(sheets), None)
    headers: dict[str, tuple[dict[str, int], list[int]]] = {}
    marks = []
    for f in findings:
        sheet = f.sheet if f.sheet in sheets else first
        if sheet is None or (f.row or 1) > EXCEL_ROWS:
            marks.append(Mark(f, None, 0, 0, ()))
            continue
        header_row = header_rows.get(sheet) or 1
        if sheet not in headers:
            cells = sheets[sheet](header_row)
            named = {}
            for column, text in reversed(cells):  # the first of two equal headers wins, as in the ingest
                named[normalize_header(text)] = column
            headers[sheet] = named, [column for column, _ in cells]
        named, header_columns = headers[sheet]
        column = named.get(normalize_header(f.header)) if f.header is not None else None
        if f.row is None:
            column = column or (header_columns[0] if header_columns else 1)
            marks.append(Mark(f, sheet, header_row, column, (column,)))
        elif column is not None:
            marks.append(Mark(f, sheet, f.row, column, (column,)))
        else:
            used = [c for c, _ in sheets[sheet](f.row)]
            span = header_columns or used or [1]
            filled = tuple(range(min([span[0], *used[:1]]), max([span[-1], *used[-1:]]) + 1))
            marks.append(Mark(f, sheet, f.row, used[0] if used else filled[0], filled))
    return marks


def marked_cells(marks: Iterable[Mark]) -> tuple[dict[tuple, str], dict[tuple, list[Finding]]]:
    """(sheet, row, column) → the fill's severity (an error's wins), and → the findings of its comment."""
    fills: dict[tuple, str] = {}
    comments: dict[tuple, list[Finding]] = {}
    for m in marks:
        if m.sheet is None:
            continue
        for column in m.filled:
            if fills.get((m.sheet, m.row, column)) != ERROR:
                fills[m.sheet, m.row, column] = severity(m.finding)
        comments.setdefault((m.sheet, m.row, m.column), []).append(m.finding)
    return fills, comments


def comment_text(findings: Sequence[Finding]) -> str:
    """"错误：<zh>\\n<en>" (or 警告) per finding, errors first, a blank line between."""
    ordered = sorted(findings, key=lambda f: severity(f) != ERROR)
    return printable("\n\n".join(f"{LABELS[severity(f)][0]}：{f.zh}\n{f.en}" for f in ordered))


def comment_height(text: str) -> int:
    """Points for a comment box 320 points wide to show `text` (~24 Chinese characters a line)."""
    return min(400, 20 + 16 * sum(1 + len(line) // 24 for line in text.split("\n")))


def report_rows(marks: Sequence[Mark], sheet_order: Sequence[str], titles: Mapping[str, str]) -> list[list]:
    """The check report's rows (REPORT_COLUMNS): errors then warnings, each in sheet, row and column
    order; a sheet named by its title in the copy (`titles`, when it differs)."""
    order = {name: i for i, name in enumerate(sheet_order)}

    def key(m: Mark):
        return severity(m.finding) != ERROR, order.get(m.finding.sheet, -1), m.finding.row or 0, m.column

    return [[" ".join(LABELS[severity(f)]), titles.get(f.sheet, f.sheet), f.row, f.header or "", f.value or "",
             f.zh, f.en, f.code] for f in (m.finding for m in sorted(marks, key=key))]


def printable(text: str) -> str:
    """`text` without the control characters an .xlsx cannot hold (each shown as �)."""
    return NOT_IN_XML.sub("\ufffd", text)
