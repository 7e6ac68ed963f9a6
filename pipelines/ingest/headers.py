"""Finding a sheet's header: the row, among the first rows, that names most of the dataset's columns
(by a contract column's name or any of its aliases, compared width-, case- and space-insensitively).
Rows above it are titles. A file without the required columns is refused with the header it has."""
from __future__ import annotations

import re
import unicodedata

from pipelines.contracts import Contract
from pipelines.errors import FileError

HEADER_SEARCH_ROWS = 30


def normalize_header(text: object) -> str:
    """Header text compared width-, case- and space-insensitively, units in brackets dropped."""
    s = unicodedata.normalize("NFKC", str(text or "")).lower()
    s = re.sub(r"\(.*?\)|\[.*?\]", "", s)
    return re.sub(r"[\s_\-*:：]+", "", s)


def alias_index(contract: Contract) -> dict[str, str]:
    return {normalize_header(a): c.name for c in contract.columns for a in (c.name, *c.aliases)}


def match_header(cells: list[str | None], index: dict[str, str]) -> tuple[dict[int, str], list[str]]:
    """Column positions that name a contract column (`index`: its `alias_index`), and the header texts
    that name none."""
    matched: dict[int, str] = {}
    ignored = []
    for pos, cell in enumerate(cells):
        name = index.get(normalize_header(cell))
        if name and name not in matched.values():
            matched[pos] = name
        elif cell not in (None, ""):
            ignored.append(str(cell))
    return matched, ignored


def find_header(rows: list[list[str | None]], contract: Contract, file: str, where: str = ""):
    """The row (0-based) naming most contract columns among the first rows. Rows above it are titles."""
    best, best_pos = None, -1
    index = alias_index(contract)
    for pos, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        matched, ignored = match_header(cells, index)
        if best is None or len(matched) > len(best[0]):
            best, best_pos = (matched, ignored), pos
    matched, ignored = best or ({}, [])
    missing = [c for c in contract.required if c.name not in matched.values()]
    if missing:
        seen_zh, seen_en = _header_seen(rows[best_pos] if matched else [])
        need = "; ".join(f"{c.name}: {' / '.join(c.aliases)}" for c in missing)
        raise FileError(
            file,
            f"{where}缺少必需的列：{'、'.join(c.aliases[0] for c in missing)}。{seen_zh}",
            f"{where}missing required column(s) {', '.join(c.name for c in missing)}; {seen_en}",
            f"请在表头加入这些列（可用列名：{need}），或确认文件放在了正确的文件夹 data/raw/{contract.dataset}/",
            f"add the column(s) to the header (accepted names: {need}) or check that the file belongs in "
            f"data/raw/{contract.dataset}/",
        )
    return best_pos, matched, ignored


HEADER_CELLS_SHOWN, HEADER_CELL_CHARS = 30, 24  # of the header row quoted in a message


def _header_seen(cells: list) -> tuple[str, str]:
    """The header row as a message quotes it: only a row that names a column of the contract (not the
    first line of whatever file was put in the folder), at most 30 cells, each cut to 24 characters."""
    shown = [str(c) if len(str(c)) <= HEADER_CELL_CHARS else str(c)[:HEADER_CELL_CHARS] + "…"
             for c in cells if c not in (None, "")]
    if not shown:
        return (f"前 {HEADER_SEARCH_ROWS} 行中没有一行含有本数据集的列名",
                f"none of the first {HEADER_SEARCH_ROWS} rows names a column of this dataset")
    more = len(shown) - HEADER_CELLS_SHOWN
    found = "、".join(shown[:HEADER_CELLS_SHOWN]) + (f" 等 {len(shown)} 列" if more > 0 else "")
    return f"找到的表头：{found}", f"header seen: {found}" + (f" ({len(shown)} columns)" if more > 0 else "")
