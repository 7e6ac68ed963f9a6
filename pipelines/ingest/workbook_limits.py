"""Workbook limits: a workbook too large for calamine to open safely is refused before it is read,
measured from what it declares (see the comment at WorkbookLimits)."""
from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path


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
