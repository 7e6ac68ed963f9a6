"""Tables as files: CSV and XLSX that Excel opens without running anything (the dashboard's table
downloads, the report pack's KPI tables)."""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import xlsxwriter

from dashboards.render.stamp import display_width
from dashboards.render.watermark import Watermark, xlsx_header_footer, xlsx_properties
from pipelines.cell_safety import excel_safe


def export_table_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM (Excel then reads the Chinese right); text cells Excel would run as a formula
    get a leading apostrophe; numbers are written as numbers. The index is not written."""
    safe = df.rename(columns=excel_safe)
    for i in range(safe.shape[1]):
        column = safe.iloc[:, i]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column)):
            safe.isetitem(i, column.map(excel_safe))
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def stream_csv(header: Iterable[str], rows: Iterable[Iterable], chunk_bytes: int = 65536) -> Iterator[bytes]:
    """The cells as `export_table_csv` writes them (UTF-8 with a BOM, CRLF, text Excel would run as a
    formula with a leading apostrophe, None as empty), in chunks of about `chunk_bytes`: for a table too
    long to hold in memory at once (the audit log's export)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([excel_safe(str(name)) for name in header])
    for row in rows:
        writer.writerow(["" if _is_missing(cell) else excel_safe(cell) for cell in row])
        if buffer.tell() >= chunk_bytes:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def export_table_xlsx(df: pd.DataFrame, sheet: str = "data", title: str | None = None,
                      watermark: Watermark | None = None) -> bytes:
    """One sheet: an optional title row, a bold header, the rows. Text is always a text cell (never a
    formula or a link), numbers are number cells, dates are date cells. The index is not written.
    A `watermark` goes into the page header and footer and the document properties (watermark.py)."""
    return export_tables_xlsx({sheet: df}, {sheet: title} if title else None, watermark)


def export_tables_xlsx(sheets: dict[str, pd.DataFrame], titles: dict[str, str] | None = None,
                       watermark: Watermark | None = None) -> bytes:
    """One workbook, a sheet per frame (in order), each written as `export_table_xlsx` writes its one."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "nan_inf_to_errors": True, "remove_timezone": True,
    })
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 13}),
        "header": workbook.add_format({"bold": True, "bg_color": "#F0F2F4", "bottom": 1}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    if watermark:
        workbook.set_properties(xlsx_properties(watermark))
    for sheet, df in sheets.items():
        worksheet = workbook.add_worksheet(sheet_name(sheet))
        _write_sheet(worksheet, df, (titles or {}).get(sheet), formats)
        if watermark:
            worksheet.set_header(xlsx_header_footer(watermark))
            worksheet.set_footer(xlsx_header_footer(watermark))
    workbook.close()
    return buffer.getvalue()


def _write_sheet(worksheet, df: pd.DataFrame, title: str | None, formats: dict) -> None:
    header_row = 0
    if title:
        worksheet.write_string(0, 0, title, formats["title"])
        header_row = 1
    for c, name in enumerate(df.columns):
        worksheet.write_string(header_row, c, str(name), formats["header"])
        values = df.iloc[:, c].tolist()
        for r, value in enumerate(values, start=header_row + 1):
            _write_cell(worksheet, r, c, value, formats)
        sample = [str(name)] + [_cell_text(v) for v in values[:2000]]
        worksheet.set_column(c, c, min(max(display_width(s) for s in sample) + 2, 60))
    if len(df.columns):
        worksheet.freeze_panes(header_row + 1, 0)
        worksheet.autofilter(header_row, 0, header_row + len(df), len(df.columns) - 1)


def sheet_name(name: str) -> str:
    """A name Excel accepts: no []:*?/\\, not starting or ending with ', at most 31 characters."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")[:31]
    return cleaned or "data"


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _write_cell(worksheet, row: int, col: int, value: object, formats: dict) -> None:
    if _is_missing(value):
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        worksheet.write_number(row, col, value)
    elif isinstance(value, Decimal):
        worksheet.write_number(row, col, float(value))
    elif isinstance(value, datetime):
        worksheet.write_datetime(row, col, value, formats["datetime"])
    elif isinstance(value, date):
        worksheet.write_datetime(row, col, value, formats["date"])
    else:
        worksheet.write_string(row, col, str(value))


def _cell_text(value: object) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, datetime):
        return "yyyy-mm-dd hh:mm:ss"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
