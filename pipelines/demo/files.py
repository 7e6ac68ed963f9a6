"""How the demo's files are written: the shapes real submissions have.

CSVs end their lines the Windows way and come in the encoding each office uses (GBK, UTF-8 with or
without a BOM); workbooks keep numbers as numbers and dates as date cells, with an optional merged
title row. The workbook's creation time is fixed (XLSX_CREATED), so the .xlsx bytes are the same on
every run. Both writers return the row a person sees the first data row on, so a planted row can be
reported as `PlantedIssue` with its row number in Excel or a text editor."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

XLSX_CREATED = datetime(2025, 1, 1)
CSV_LINE_END = "\r\n"  # all CSVs pretend to come from Windows offices


@dataclass(frozen=True)
class PlantedIssue:
    dataset: str
    file_name: str
    source_row: int  # as seen in Excel / a text editor: 1-based, title and header rows counted
    reason_code: str


_FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)} | {0x20: 0x3000}


def full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def hours_text(hours: float) -> str:
    return str(int(hours)) if hours == int(hours) else str(hours)


def cn_date(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def iso_date(d: date | None) -> str:
    return d.isoformat() if d else ""


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str) -> int:
    """Write a CSV; return the source row of the first data row (always 2: header on line 1)."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator=CSV_LINE_END)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return 2


def write_xlsx(
    path: Path,
    sheet: str,
    header: list[str],
    rows: list[list[object]],
    *,
    title: str | None = None,
    blank_rows_after_title: int = 0,
    date_format: str = "yyyy-mm-dd",
    widths: list[int] | None = None,
) -> int:
    """Write one sheet (numbers as numbers, dates as date cells, text as text); return the source
    row (1-based) of the first data row."""
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"created": XLSX_CREATED, "author": "Touyan demo", "company": ""})
    ws = wb.add_worksheet(sheet)
    head_fmt = wb.add_format({"bold": True, "align": "center", "border": 1, "bg_color": "#DDEBF7"})
    date_fmt = wb.add_format({"num_format": date_format})
    r = 0
    if title:
        title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        ws.merge_range(0, 0, 0, len(header) - 1, title, title_fmt)
        ws.set_row(0, 24)
        r = 1 + blank_rows_after_title
    for c, h in enumerate(header):
        ws.write_string(r, c, h, head_fmt)
    header_row = r
    for row in rows:
        r += 1
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, date):
                ws.write_datetime(r, c, datetime(v.year, v.month, v.day), date_fmt)
            elif isinstance(v, int | float):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
    for c, w in enumerate(widths or []):
        ws.set_column(c, c, w)
    ws.freeze_panes(header_row + 1, 0)
    wb.close()
    return header_row + 2
