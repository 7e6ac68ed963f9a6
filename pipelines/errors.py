"""File-level errors: a file that cannot be read at all stops the run before anything is written."""
from __future__ import annotations

import unicodedata

from pipelines.id_numbers import mask_ids


class FileError(Exception):
    """A whole file cannot be ingested. The message names the file, what is wrong and what to do."""

    def __init__(self, file: str, problem_zh: str, problem_en: str, action_zh: str, action_en: str):
        self.file = file
        # a problem may quote a sheet name or a header cell: an ID number in one is shown masked
        self.problem_zh, self.problem_en = mask_ids(problem_zh), mask_ids(problem_en)
        self.action_zh, self.action_en = action_zh, action_en
        super().__init__(f"{shown(file)}: {self.problem_en} — {action_en}")

    def render(self) -> str:
        return (
            f"文件 / file: {shown(self.file)}\n"
            f"  问题: {self.problem_zh}\n  problem: {self.problem_en}\n"
            f"  处理: {self.action_zh}\n  action: {self.action_en}"
        )


def shown(name: str) -> str:
    """A file name as it may be written to a terminal or a message: an ID number in it masked
    (3301**********7899: id_numbers.mask_ids), and control and format characters (an escape sequence
    that colours or clears the screen, a carriage return or line break that forges a line, a right-to-left
    override) as Python writes them — \\x1b, \\r, \\n, \\u202e — and a byte that is not UTF-8 as \\xff.
    Letters of every script and spaces stay as they are: Chinese names read as they are."""
    name = mask_ids(name)
    return name if name.isprintable() else "".join(map(_escaped, name))


def _escaped(ch: str) -> str:
    if ch.isprintable() or unicodedata.category(ch) == "Zs":  # an ideographic space is a space
        return ch
    if "\udc80" <= ch <= "\udcff":  # a byte the file system's name did not decode (os.fsdecode)
        return f"\\x{ord(ch) - 0xDC00:02x}"
    return ch.encode("unicode_escape").decode("ascii")
