"""No raw ID number in a stored upload: the copy of an uploaded file that is kept (under data/submissions/
and, once accepted, where the refresh reads it), with every ID number replaced as the ingest would store
it (id_cells.py), so that the refresh of the copy stores exactly what the refresh of the original would.
The upload is sanitized before it is checked, and the copy is what is checked and kept.

- CSV: read with the ingest's own encoding and delimiter detection, written back as UTF-8 with a BOM,
  same delimiter, record for record (a quoted line break stays one, a blank line stays one).
- xlsx: the person's own workbook, edited where an ID number is (xlsx_ids.py).
- xls, ods: cannot be written; the copy is an .xlsx of every sheet's cells as text, as the ingest reads
  them (a number as typed), hidden sheets hidden.
A file that holds no ID number is kept as it is: the check of that costs a search of its text (a
200,000-row CSV: ~0.1 CPU-s; replacing 200,000 ID numbers: 0.5-3 CPU-s, as many are one person's or each
another's)."""
from __future__ import annotations

import codecs
import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.id_numbers import ID_CANDIDATE_PATTERN, find_id_numbers, hash_ids
from pipelines.ingest.csv_reader import detect_encoding, leading_rows
from pipelines.ingest.files import sniff_format
from pipelines.ingest.workbook_limits import WorkbookLimits, check_workbook
from pipelines.ingest.workbook_reader import cells_as_text
from pipelines.submissions.id_cells import CANDIDATE, cells_without_ids, text_without_ids
from pipelines.submissions.xlsx_ids import xlsx_without_ids


@dataclass(frozen=True)
class Sanitized:
    data: bytes  # the file to keep
    suffix: str  # ".csv" or ".xlsx": the format of `data` (an xls or ods is kept as an .xlsx)
    replaced: int  # how many ID numbers were replaced


def without_id_numbers(path: Path, file_format: str, salt: str,
                       limits: WorkbookLimits | None = None) -> Sanitized | None:
    """The copy of the file at `path` to keep, or None when it holds no ID number (keep it as it is).
    `file_format` as ingest.files.sniff_format gives it. A file the ingest could not read raises the
    ingest's own error (FileError for a CSV of neither encoding, WorkbookTooLarge for a workbook over
    `limits`, fastexcel's for a damaged one): its check refuses it too, and its bytes are not to be kept."""
    if file_format == "csv":
        return _csv(path, salt)
    if file_format == "xlsx":
        check_workbook(path, limits or WorkbookLimits())
        edited = xlsx_without_ids(path, salt)
        return Sanitized(edited[0], ".xlsx", edited[1]) if edited else None
    if file_format in ("xls", "ods"):
        return _rewritten(path, salt, limits or WorkbookLimits())
    raise ValueError(f"unknown file format {file_format!r}")


def _csv(path: Path, salt: str) -> Sanitized | None:
    encoding = detect_encoding(path, path.name)
    # A byte that does not decode is kept as it is (surrogateescape): the copy is refused as the original is.
    text = path.read_bytes().decode(encoding, errors="surrogateescape")
    if not CANDIDATE.search(text):
        return None
    _, _, delimiter = leading_rows(path, encoding)
    crlf = "\n" not in text or text[: text.index("\n")].endswith("\r")  # as its first line ends
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    replaced, kept_cell = 0, cells_without_ids(salt)
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            for i, cell in enumerate(record):
                if len(cell) >= 15 and CANDIDATE.search(cell):
                    record[i], count = kept_cell(cell)
                    replaced += count
            writer.writerow(record)
        kept = out.getvalue()
    except csv.Error:  # records the csv module cannot read (Arrow's reading may): the text, cells unknown
        kept, replaced = hash_ids(text, salt), len(find_id_numbers(text))
    if not replaced:
        return None
    return Sanitized(codecs.BOM_UTF8 + kept.encode("utf-8", errors="surrogateescape"), ".csv", replaced)


def _rewritten(path: Path, salt: str, limits: WorkbookLimits) -> Sanitized | None:
    """An xls or ods: every sheet's cells as text (as the ingest reads them), ID numbers replaced, written
    as an .xlsx, each cell a text cell where it was; None when no cell or sheet name holds an ID number."""
    import fastexcel
    import pyarrow.compute as pc

    check_workbook(path, limits)
    workbook = fastexcel.read_excel(path)
    sheets, replaced, kept_cell = [], 0, cells_without_ids(salt)
    for index, name in enumerate(workbook.sheet_names):
        sheet = workbook.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
        batch = cells_as_text(workbook, index, sheet)
        columns = []
        for column in batch.columns:
            cells = column.to_pylist()
            maybe = pc.fill_null(pc.match_substring_regex(column, ID_CANDIDATE_PATTERN), False)
            for i in pc.indices_nonzero(maybe).to_pylist():
                cells[i], count = kept_cell(cells[i])
                replaced += count
            columns.append(cells)
        name, count = text_without_ids(name)
        replaced += count
        sheets.append((name, sheet.visible, columns))
    if not replaced:
        return None
    return Sanitized(_xlsx_of_text(sheets), ".xlsx", replaced)


def _xlsx_of_text(sheets: list[tuple[str, str, list[list[str | None]]]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    used: set[str] = set()
    for name, visible, columns in sheets:
        worksheet = workbook.add_worksheet(_sheet_name(name, used))
        if visible == "hidden":
            worksheet.hide()
        elif visible == "veryhidden":
            worksheet.very_hidden()
        for c, cells in enumerate(columns):
            for r, cell in enumerate(cells):
                if cell:
                    worksheet.write_string(r, c, cell)
    workbook.close()
    return out.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    """The sheet's name, or, where an .xlsx cannot hold it (an ods allows longer names and more
    characters), the nearest it can: 31 characters, no []:*?/\\, none used twice."""
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")[:31] or "Sheet"
    candidate, k = name, 1
    while candidate.lower() in used:
        k += 1
        candidate = f"{name[:31 - len(str(k)) - 1]}~{k}"
    used.add(candidate.lower())
    return candidate


@dataclass(frozen=True)
class Prepared:
    """An upload made ready to be checked and kept (`prepare`)."""
    path: Path  # the file to check and keep: the ID-free copy, or the upload itself when it holds none
    replaced: int  # ID numbers replaced
    unreadable: bool  # not readable here: the check must refuse it, and its bytes are not kept


def prepare(path: Path, salt: str, limits: WorkbookLimits | None = None) -> Prepared:
    """The upload at `path` (a private temporary file) as it may be kept: when it holds ID numbers, replaced
    in its folder by its ID-free copy (the upload itself is deleted; an xls or ods becomes an .xlsx). A file
    that cannot be read here is left for the check to refuse, with its own reason; the caller keeps none
    of its bytes, and must treat a check that reads it after all as a failure of this one."""
    try:
        copy = without_id_numbers(path, sniff_format(path, path.name), salt, limits)
    except Exception:  # noqa: BLE001 — the ingest's readers raise their own types; the check names the reason
        return Prepared(path, 0, True)
    if copy is None:
        return Prepared(path, 0, False)
    kept = path.with_name(f"{path.stem}.kept{copy.suffix}")
    fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(copy.data)
    path.unlink()
    return Prepared(kept, copy.replaced, False)
