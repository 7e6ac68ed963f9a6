"""Cells safe to open in a spreadsheet: text that Excel (or LibreOffice) would run as a formula — one
starting with = + - @, a tab or a carriage return — is written with a leading apostrophe. Used by every
writer of a file meant for Excel: the ingest's issue reports and the dashboard's CSV / XLSX exports."""
from __future__ import annotations

EXCEL_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is run by Excel as a formula


def excel_safe(value: object) -> object:
    """A cell Excel would run as a formula (= + - @, tab, CR) is written with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(EXCEL_FORMULA_STARTS):
        return "'" + value
    return value


def excel_safe_sql(column: str) -> str:
    """excel_safe in SQL, for a text column."""
    starts = ", ".join(f"'{c}'" for c in EXCEL_FORMULA_STARTS)  # none of them is a quote
    return f"case when left({column}, 1) in ({starts}) then '''' || {column} else {column} end"
