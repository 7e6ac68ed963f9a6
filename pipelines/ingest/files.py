"""A submitted file as the readers land it: its format (sniffed from its bytes, not its name), its
digest, and one relation per sheet that DuckDB scans — every cell as text, columns renamed to the
contract's names, with the row number a person sees in the file (a CSV's: a CsvStream of Arrow batches,
numbered as they come). The readers: csv_reader.py (CSV in UTF-8 or GBK / GB18030) and
workbook_reader.py (Excel .xlsx / .xls and OpenDocument .ods)."""
from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines.errors import FileError

CHUNK_BYTES = 8 * 1024 * 1024
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


@dataclass
class ReadFile:
    path: Path
    file_format: str  # csv | xlsx | xls | ods
    sha256: str
    size: int
    encoding: str | None = None
    sheets: list[LandedSheet] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # warnings about the file as a whole


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


def land_arrow(con, table, sheet, header_row, headers, columns, source_rows, ignored) -> LandedSheet:
    arrays = {name: pa.array(values, pa.string()) for name, values in columns.items()}
    arrays["source_row"] = pa.array(source_rows, pa.int64())
    return register_sheet(con, table, pa.table(arrays), sheet, header_row, headers, ignored)


def register_sheet(con, table, frame: pa.Table, sheet, header_row, headers, ignored) -> LandedSheet:
    """The sheet becomes a relation DuckDB scans in place (no copy), kept until the run ends."""
    con.register(table, frame)
    return LandedSheet(table, sheet, header_row, headers, ignored)
