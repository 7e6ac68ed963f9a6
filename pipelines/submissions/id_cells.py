"""What a stored upload keeps of an ID number: the rule for one cell, shared by every file format.

A cell the ingest reads is given what the ingest would store of it, so that the refresh of the kept copy
stores exactly what the refresh of the original would: a cell that is an ID number however typed becomes
its person key (as person_key gives it — "身份证：330106…" or "330106 19770707 7899" become pid_… alone), an ID
number inside longer text is replaced by its key (hash_ids). Everything else in a file that holds one (a
sheet name, a formula, a comment, a chart's cached values) is masked as mask_ids does, with "＊": the
ingest masks sheet names so, and a mask keeps the text's length (a sheet name's 31 characters) and is
the same wherever the text is repeated (a sheet name in a formula that refers to it).

A number typed into a workbook cell holds at most 15 digits: an 18-character ID number so typed is
already lost (the ingest quarantines it as number_lost_digits), but a 15-digit legacy one is whole, and
its text as typed is treated as any other cell. An 18-character number of the ID number's shape whose
check character or birth date is wrong is no ID number to find_id_numbers and is kept as typed, as the
ingest keeps it in a text column (in a person column the ingest hashes it all the same).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from pipelines.id_numbers import (
    ID_CANDIDATE_PATTERN,
    find_id_numbers,
    hash_ids,
    hash_person_id,
    id_number,
    mask_id,
)

# What may hold an ID number (a digit and 14 more digits or separators): the cheap test before the
# search of find_id_numbers, for a whole file's text as for one cell.
CANDIDATE = re.compile(ID_CANDIDATE_PATTERN)
MASK = "＊"  # see text_without_ids


def cell_without_ids(text: str, salt: str) -> tuple[str, int]:
    """A cell as it is kept, and how many ID numbers were replaced in it."""
    if len(text) < 15 or not CANDIDATE.search(text):
        return text, 0
    if number := id_number(text):  # person_key(text) is the key of its 18-character form: one reading
        return hash_person_id(number, salt), 1
    found = len(find_id_numbers(text))
    return (hash_ids(text, salt), found) if found else (text, 0)


def cells_without_ids(salt: str) -> Callable[[str], tuple[str, int]]:
    """cell_without_ids for the cells of one file, each distinct cell worked out once (a volunteer's ID
    number is on each of their rows). The memo is the file's: no ID number outlives it in the process."""
    memo: dict[str, tuple[str, int]] = {}

    def kept(text: str) -> tuple[str, int]:
        if (done := memo.get(text)) is None:
            done = memo[text] = cell_without_ids(text, salt)
        return done
    return kept


def text_without_ids(text: str) -> tuple[str, int]:
    """Text that no ingest reads as a cell (a sheet name, a formula, a comment) with its ID numbers masked,
    3301＊＊＊＊＊＊＊＊＊＊7899: a full-width asterisk, as a sheet's name cannot hold "*" (the ingest
    shows the sheet's name of the original as 3301**********7899)."""
    if len(text) < 15 or not CANDIDATE.search(text):
        return text, 0
    found = find_id_numbers(text)
    parts, last = [], 0
    for start, end, digits, _ in found:
        parts += [text[last:start], mask_id(digits).replace("*", MASK)]
        last = end
    return "".join(parts) + text[last:], len(found)
