"""The quarantine and warning reports (data/reports/ingest/rejects.csv, warnings.csv): raw.rejects and
raw.warnings as CSV files an analyst opens in Excel."""
from __future__ import annotations

from pathlib import Path

from pipelines.cell_safety import excel_safe_sql
from pipelines.ingest.sql_functions import sql_str

ISSUE_REPORT_HEADERS = {
    "dataset": "数据集 dataset", "source_file": "文件 file", "source_sheet": "工作表 sheet", "source_row": "行 row",
    "source_column": "列 column", "reason_code": "原因代码 reason", "message_zh": "说明", "message_en": "message",
    "original_values": "原始值 original values",
}


def write_issue_report(con, table: str, path: Path) -> int:
    """raw.<table> as a CSV for Excel: UTF-8 with a byte-order mark (Excel then reads the Chinese), headers
    in both languages, cells that Excel would run as formulas neutralised, in file order. Written by DuckDB:
    a file sent twice quarantines every row of the copy, and a million rows took ~17 s through Python's csv
    module. The byte-order mark is the first header's first character, the first bytes of the file."""
    columns = ", ".join(
        f'{name if name == "source_row" else excel_safe_sql(name)} as "{chr(0xFEFF) if i == 0 else ""}{header}"'
        for i, (name, header) in enumerate(ISSUE_REPORT_HEADERS.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    [(rows,)] = con.execute(f"copy (select {columns} from raw.{table} order by dataset, source_file, source_sheet, "
                            f"source_row) to {sql_str(str(path))} (header true)").fetchall()
    return rows
