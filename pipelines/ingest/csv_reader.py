"""CSV — UTF-8 (with or without BOM) or GBK / GB18030 — streamed to DuckDB by Arrow's multi-threaded
reader in batches, so memory stays flat whatever the file's size. Arrow (like DuckDB) skips blank lines
and cannot number rows across a quoted line break; the file's line count tells when that happened,
and such a file is read again with Python's csv module, which knows every record's line."""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from functools import partial
from pathlib import Path

import duckdb

from pipelines.contracts import Contract
from pipelines.errors import FileError
from pipelines.ingest.files import CHUNK_BYTES, CsvStream, LandedSheet, ReadFile, file_digest, land_arrow
from pipelines.ingest.headers import HEADER_SEARCH_ROWS, find_header

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", "\t", ";", "|")


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
    return land_arrow(con, table, "", header_line, headers, columns, source_rows, ignored)
