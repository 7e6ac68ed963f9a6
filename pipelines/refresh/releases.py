"""The official releases (年报口径): which published version holds a reporting year's official figures,
marked by an analyst (`python -m pipelines release --year 2024`). One small JSON file in the marts
folder, data/marts/releases.json:

    {"releases": {"2024": {"run_id": "...", "by": "analyst", "at": "2025-03-01T09:00:00+08:00", "note": "..."}}}

written whole to a temporary file and renamed over the old one (a reader sees the old record or the new,
never half of one). A version named here is never pruned (publish.prune, which reads the record:
`read_releases`), so the run id printed on an
export stamp of an official view stays retrievable while its release is kept. The dashboard reads the
record itself (dashboards/views/store.py): this module is the writer and the pruning's reader."""
from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from pipelines.config import RELEASES_FILE
from pipelines.refresh.publish import NOT_SWITCHED_TO, current_version, read_releases

FIRST_YEAR, LAST_YEAR = 1990, 2100  # a reporting year outside these is a typing mistake


class ReleaseError(ValueError):
    """A release that cannot be marked or removed; the reason in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_en)

    def render(self) -> str:
        return f"{self.message_zh}\n{self.message_en}"


def published_runs(marts_dir: Path) -> list[str]:
    """The run ids of the published versions on disk, oldest first (a folder never switched to is not one)."""
    versions = marts_dir / "versions"
    if not versions.is_dir():
        return []
    return sorted(p.name for p in versions.iterdir() if not p.name.startswith(".")
                  and (p / "manifest.json").is_file() and not (p / NOT_SWITCHED_TO).exists())


def mark(marts_dir: Path, year: int, run_id: str | None, by: str, note: str = "") -> dict:
    """Mark `run_id` (default: the current version) as the official release of `year`, replacing the
    year's previous one (which may then be pruned like any other version). Returns the entry."""
    _check_year(year)
    if run_id is None:
        current = current_version(marts_dir)
        if current is None:
            raise ReleaseError("尚未发布任何版本，无法标记年报口径；请先运行 make refresh。",
                               "nothing is published yet, so there is nothing to release: run `make refresh` first.")
        run_id = current.name
    published = published_runs(marts_dir)
    if run_id not in published:
        raise ReleaseError(
            f"版本 {run_id!r} 不是已发布的版本，无法标记为 {year} 年报口径。现有版本：{'、'.join(published) or '无'}",
            f"{run_id!r} is not a published version, so it cannot be the official {year} release. "
            f"Published versions: {', '.join(published) or 'none'}")
    entry = {"run_id": run_id, "by": by, "at": datetime.now().astimezone().isoformat(timespec="seconds"),
             "note": note}
    _write(marts_dir, {**read_releases(marts_dir), year: entry})
    return entry


def remove(marts_dir: Path, year: int) -> dict:
    """Withdraw the year's official release (its version is pruned like any other from the next publish).
    Returns the entry removed."""
    releases = read_releases(marts_dir)
    if year not in releases:
        raise ReleaseError(f"{year} 年没有年报口径版本。", f"there is no official release for {year}.")
    entry = releases.pop(year)
    _write(marts_dir, releases)
    return entry


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ReleaseError(f"年份 {year} 不是有效的报告年度。", f"{year} is not a reporting year.")


def _write(marts_dir: Path, releases: dict[int, dict]) -> None:
    """The whole record to a temporary file, flushed, then renamed over the old one: atomic on POSIX."""
    path = marts_dir / RELEASES_FILE
    temporary = path.with_name(f".{RELEASES_FILE}.tmp")
    record = {"releases": {str(year): releases[year] for year in sorted(releases)}}
    with open(temporary, "w", encoding="utf-8") as file:
        json.dump(record, file, ensure_ascii=False, indent=2)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    fd = os.open(marts_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
