"""An .xlsx without ID numbers, the person's own workbook kept: its zip parts are edited where an ID
number is and copied otherwise, so formats, formulas, column widths, dropdowns, comments, charts and
hidden sheets all stay as they were. Loading and saving a 200,000-row workbook with openpyxl takes ~27 s
and ~600 MB (and drops its charts and images); this takes ~0.9 CPU-s to find none, 1.2-4 CPU-s to replace
them (4 when each row is another person's), 160-280 MB (600 MB for a sheet of inline strings, as
programs write them, which is twice as large).

Every XML part is searched (id_cells.CANDIDATE over its text), hidden sheets, comments and caches alike:
- a cell's value (shared string, inline string, a formula's cached text, a number of 15 digits) by the
  cell rule (id_cells.cell_without_ids); a number becomes a text cell (a formula's result: text); a rich
  string (runs of several formats) as the one text it is, which an ID number may run across;
- anything else (a formula, a sheet name, a comment, a chart's or pivot table's cached values, the
  document's properties) masked (id_cells.text_without_ids).
Binary parts (an embedded object, a macro project) are copied as they are: nothing reads them."""
from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from pipelines.id_numbers import id_number
from pipelines.submissions.id_cells import CANDIDATE, cells_without_ids, text_without_ids

# A number written in exponent form by some writers, 3.30106770707789E+14: a 15-digit integer too.
_EXPONENT_15 = re.compile(r"(?<=>)[1-9]\.[0-9]{1,14}[eE]\+?14(?=<)")
_OPEN_CELL = re.compile(r"<(\w+:)?c(?=[\s>])")
_OPEN_SHARED = re.compile(r"<(\w+:)?si(?=[\s>/])")
_TEXT = re.compile(r"<(\w+:)?t(?:\s[^>]*)?>(.*?)</\1?t>", re.S)
_PHONETIC = re.compile(r"<(\w+:)?rPh\b.*?</\1?rPh>", re.S)
_ATTRIBUTE = re.compile(r"""\s([\w:]+)=("[^"]*"|'[^']*')""")
_FORMULA = re.compile(r"<(\w+:)?f\b[^>]*?(?:/>|>(.*?)</\1?f>)", re.S)
_VALUE = re.compile(r"<(\w+:)?v>(.*?)</\1?v>", re.S)
_RUN = re.compile(r"<(\w+:)?r>")  # a run of a rich string (part of a cell's text in a format of its own)
_INLINE = re.compile(r"<(\w+:)?is>.*?</\1?is>", re.S)
# An integer too long for a double, written whole by a program (openpyxl writes what it is given): Excel
# would have kept 15 digits of it, a reader keeps the double's and shows 3.30106E+17
# (ingest/workbook_numbers.py), and the ingest quarantines it (number_lost_digits). Of an ID number so
# written, the copy keeps what the ingest reads.
_LONG_INTEGER = re.compile("[0-9]{16,}")
_SPECIAL = re.compile("[&<>\"']")
WINDOW = 64 * 1024  # no cell or shared string of a real workbook is longer


def xlsx_without_ids(path: Path, salt: str) -> tuple[bytes, int] | None:
    """The workbook's bytes with its ID numbers replaced, and how many; None when it holds none."""
    with zipfile.ZipFile(path) as z:
        infos = [info for info in z.infolist() if not info.is_dir()]
        edited: dict[str, bytes] = {}
        cell = cells_without_ids(salt)
        replaced = 0
        for info in infos:
            data = z.read(info)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue  # not XML: an image, a printer's settings, an embedded object
            if not CANDIDATE.search(text) and not _EXPONENT_15.search(text) and not _has_runs(text):
                continue
            new, count = _part_without_ids(info.filename, text, cell)
            if count:
                edited[info.filename], replaced = new.encode("utf-8"), replaced + count
        if not edited:
            return None
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as copy:
            for info in infos:
                copy.writestr(info, edited.get(info.filename) or z.read(info), compress_type=info.compress_type,
                              compresslevel=1)  # level 6 takes ~4 times as long for ~15 % less
    return out.getvalue(), replaced


def _has_runs(text: str) -> bool:
    return "<r>" in text or (":r>" in text and _RUN.search(text) is not None)  # a string search first


def _part_without_ids(name: str, text: str, cell: Callable[[str], tuple[str, int]]) -> tuple[str, int]:
    """The part's text with its ID numbers replaced, each where it is found: a worksheet's cells, the
    shared strings, or a text or attribute value of any other part."""
    sheet = name.startswith("xl/worksheets/") or name.startswith("xl/dialogsheets/")
    shared = name == "xl/sharedStrings.xml" or name.endswith("/sharedStrings.xml")
    # the namespace prefix its elements are written with, if any (<x:c>: some .NET writers)
    root = re.search(r"<(\w+:)?(?:sheetData|sst)\b", text) if sheet or shared else None
    prefix = root.group(1) or "" if root else ""
    found = [m.start() for m in CANDIDATE.finditer(text)] + [m.start() for m in _EXPONENT_15.finditer(text)]
    if sheet or shared:  # a rich string's runs are one cell's text: an ID number may be cut between two
        found += [m.start() for m in re.finditer(f"<{prefix}r>", text)]
    found.sort()
    edits: list[tuple[int, int, str]] = []
    replaced = 0
    for at in found:
        if edits and at < edits[-1][1]:
            continue  # inside what was just looked at
        if simple := _plain_string_at(text, at, prefix, sheet, shared):
            start, end = simple
            new, count = cell(html.unescape(text[start:end]))
            new = _escape(new)
        elif span := (_element_at(text, at, f"{prefix}c") if sheet else
                      _element_at(text, at, f"{prefix}si") if shared else None):
            start, end = span
            new, count = (_cell if sheet else _shared_string)(text[start:end], cell)
        else:
            start, end = _text_around(text, at)
            new, count = text_without_ids(html.unescape(text[start:end]))
            new = _escape(new)
        if edits and start < edits[-1][1]:
            continue  # in what was looked at (a span that could not be told): left as it is
        edits.append((start, max(end, at + 1), new if count else text[start:max(end, at + 1)]))
        replaced += count
    parts, last = [], 0
    for start, end, new in edits:
        parts += [text[last:start], new]
        last = end
    return "".join(parts) + text[last:], replaced


def _plain_string_at(text: str, at: int, prefix: str, sheet: bool, shared: bool) -> tuple[int, int] | None:
    """The span of the text `at` is in when it is a whole string of one run, <is><t>…</t></is> in a
    sheet or <si><t>…</t></si> in the shared strings — nearly every cell that holds an ID number: its
    text is replaced where it is, without reading the element."""
    start, end = text.rfind(">", max(0, at - WINDOW), at) + 1, text.find("<", at)
    if start <= 0 or end < 0:
        return None
    outer = "is" if sheet else "si" if shared else None
    if outer is None:
        return None
    opened = text.rfind("<", 0, start)
    if (text.startswith(f"<{prefix}t>", opened) or text.startswith(f'<{prefix}t xml:space="preserve">', opened)) and \
            text.endswith(f"<{prefix}{outer}>", 0, opened) and text.startswith(f"</{prefix}t></{prefix}{outer}>", end):
        return start, end
    return None


def _element_at(text: str, at: int, tag: str) -> tuple[int, int] | None:
    """The span of the <c> (or <si>) element, written `tag` with its namespace prefix, that `at` is in,
    or None when it is in none."""
    window = max(0, at - WINDOW)  # not the whole text back: an element never found would cost a scan of it
    start = text.rfind(f"<{tag}", window, at)
    while start >= 0 and text[start + len(tag) + 1] not in " \t\r\n>":  # <cfRule, <col
        start = text.rfind(f"<{tag}", window, start)
    if start < 0:
        return None
    close = f"</{tag}>"
    open_end = text.find(">", start)
    if open_end < 0 or text[open_end - 1] == "/":  # <c r="A1"/> holds nothing
        return None
    end = text.find(close, open_end)
    if end < 0 or end + len(close) <= at:
        return None
    return start, end + len(close)


def _text_around(text: str, at: int) -> tuple[int, int]:
    """The span of the text node or attribute value `at` is in."""
    tag_open, tag_close = text.rfind("<", 0, at), text.rfind(">", 0, at)
    if tag_close > tag_open:  # between elements: a text node
        end = text.find("<", at)
        return tag_close + 1, len(text) if end < 0 else end
    quote = max(text.rfind('"', tag_open, at), text.rfind("'", tag_open, at))
    end = text.find(text[quote], at) if quote >= 0 else -1
    return (quote + 1, end) if quote >= 0 and end >= 0 else (at, at)


def _escape(text: str) -> str:
    if not _SPECIAL.search(text):
        return text  # a person key, and nearly every text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&apos;")


def _text_of(element: str) -> str:
    """The text of a rich or plain string (<si> or <is>) as a reader gives it: its runs joined, the
    phonetic guides (<rPh>, furigana) left out."""
    return "".join(html.unescape(m.group(2)) for m in _TEXT.finditer(_PHONETIC.sub("", element)))


def _shared_string(element: str, cell: Callable[[str], tuple[str, int]]) -> tuple[str, int]:
    new, count = cell(_text_of(element))
    if not count:
        return element, 0
    prefix = _OPEN_SHARED.match(element).group(1) or ""
    return f'<{prefix}si><{prefix}t xml:space="preserve">{_escape(new)}</{prefix}t></{prefix}si>', count


def _cell(element: str, cell: Callable[[str], tuple[str, int]]) -> tuple[str, int]:
    """A worksheet cell with its value as kept: text stays text, a number that was an ID number becomes
    text (a formula's result: a formula's text result). Its formula, if any, is masked."""
    prefix = _OPEN_CELL.match(element).group(1) or ""
    open_end = element.index(">") + 1
    attributes = dict(m.groups() for m in _ATTRIBUTE.finditer(element[:open_end]))
    kind = attributes.pop("t", '"n"').strip("\"'")
    formula, value = _FORMULA.search(element), _VALUE.search(element)
    new, count = "", 0
    if kind == "inlineStr" and (inline := _INLINE.search(element)):
        new, count = cell(_text_of(inline.group()))
    elif kind == "str" and value:
        new, count = cell(html.unescape(value.group(2)))
    elif kind == "n" and value and _LONG_INTEGER.fullmatch(value.group(2)):
        if id_number(value.group(2)):  # a reader takes the double, and shows it as Excel does: 3.30106E+17
            shown = re.sub(r"\.?0+E", "E", f"{float(value.group(2)):.5E}")
            return element[:value.start(2)] + shown + element[value.end(2):], 1
    elif kind == "n" and value:
        new, count = cell(_as_typed(value.group(2)))
    f_text, f_count = formula.group() if formula else "", 0
    if formula and formula.group(2):
        masked, f_count = text_without_ids(html.unescape(formula.group(2)))
        if f_count:
            f_text = element[formula.start():formula.start(2)] + _escape(masked) + element[formula.end(2):formula.end()]
    if not count:  # the formula alone, if anything
        return (element.replace(formula.group(), f_text, 1), f_count) if f_count else (element, 0)
    kept = "".join(f" {k}={v}" for k, v in attributes.items())
    if formula:
        return f'<{prefix}c{kept} t="str">{f_text}<{prefix}v>{_escape(new)}</{prefix}v></{prefix}c>', count + f_count
    body = f'<{prefix}is><{prefix}t xml:space="preserve">{_escape(new)}</{prefix}t></{prefix}is>'
    return f'<{prefix}c{kept} t="inlineStr">{body}</{prefix}c>', count


def _as_typed(number: str) -> str:
    """A number cell's value as a spreadsheet shows it: 3.30106770707789E+14 and 330106770707789.0 are
    330106770707789 (the integers a double holds exactly are the only ones typed whole)."""
    try:
        value = float(number)
    except ValueError:
        return number
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else number
