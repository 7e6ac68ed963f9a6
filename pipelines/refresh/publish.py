"""Publish the marts: export every table of the `marts` schema to Parquet in a new version folder with
manifest.json, then switch `data/marts/current` to it with one atomic rename of a symlink. Readers
resolve `current` once per read and see a whole version, old or new, never a mix. Old versions are
pruned to the newest few published ones (a reader still on an old one has minutes, not milliseconds, to
finish); a version folder never switched to (a run killed between its rename and the switch) is not one.

    data/marts/current -> versions/<run_id>
    data/marts/versions/<run_id>/{manifest.json, dim_*.parquet, fct_*.parquet}
    data/marts/releases.json   the official release of each reporting year (releases.py): never pruned

Marts exported here are written in a fixed row order (`row_order`), so the same data gives the same
bytes. Marts dbt writes to Parquet itself (materialized='parquet_file': the record marts that grow with
the submissions) are linked in as dbt wrote them, rows in the order of the warehouse's scan — file order
in practice, not guaranteed. Sorting 1e7 volunteer records costs ~12 CPU-s, more than the rest of their
publishing; readers sort what they show (dashboards/views/store.py). The manifest says which is which
(`fixed_order`).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb

from pipelines.config import RELEASES_FILE

KEEP_VERSIONS = 3
INCOMING = ".incoming-"
# In a version folder until `current` has pointed to it: a folder that still has it once `current` points
# elsewhere was never published (its run was killed between renaming it into place and the switch).
NOT_SWITCHED_TO = ".not-switched-to"


def current_version(marts_dir: Path) -> Path | None:
    link = marts_dir / "current"
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if (target / "manifest.json").is_file() else None


def read_manifest(marts_dir: Path) -> dict | None:
    version = current_version(marts_dir)
    return json.loads((version / "manifest.json").read_text(encoding="utf-8")) if version else None


def read_releases(marts_dir: Path) -> dict[int, dict]:
    """The official releases (releases.py writes them): year → {run_id, by, at, note}; empty when nothing
    was ever released. Here because prune keeps their versions."""
    path = marts_dir / RELEASES_FILE
    if not path.is_file():
        return {}
    record = json.loads(path.read_text(encoding="utf-8"))
    return {int(year): entry for year, entry in record.get("releases", {}).items()}


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
    ).fetchall()]


PROVENANCE_ORDER = ("source_file", "source_sheet", "source_row")


def row_order(columns: list[str]) -> str:
    """A total order on a mart's rows, so that the same data gives the same file. Record marts come in
    file order (file, sheet, row); rows that share a provenance (several warnings on one row, say) are
    ordered by a hash of their other columns, which only identical rows share — and for those the order
    does not change the file. One 64-bit tie-breaker instead of every column as a sort key: at 1e7
    volunteer records the sort takes ~18 CPU-s where ordering by every column took ~27 and
    `order by all` ~41."""
    if not set(PROVENANCE_ORDER) <= set(columns):
        return "all"
    others = ", ".join(f'"{c}"' for c in columns if c not in PROVENANCE_ORDER)
    return ", ".join([*(f'"{c}"' for c in PROVENANCE_ORDER), *([f"hash({others})"] if others else [])])


def export_marts(con: duckdb.DuckDBPyConnection, folder: Path, written: dict[str, str] | None = None) -> list[dict]:
    """Each mart as one Parquet file: the file dbt wrote for it if it wrote one (`written`, mart -> file;
    linked, not copied), otherwise exported here with its rows in a fixed order (`row_order`)."""
    folder.mkdir(parents=True)
    written = written or {}
    files = []
    for table in mart_tables(con):
        path = folder / f"{table}.parquet"
        if table in written:
            _link_or_copy(Path(written[table]), path)
            [(rows,)] = con.execute(f"select count(*) from read_parquet('{path}')").fetchall()
        else:
            columns = [row[0] for row in con.execute(f"describe marts.{table}").fetchall()]
            [(rows,)] = con.execute(f"copy (select * from marts.{table} order by {row_order(columns)}) to '{path}' "
                                    "(format parquet, compression zstd)").fetchall()  # COPY returns the rows written
        files.append({"mart": table, "file": path.name, "rows": rows, "bytes": path.stat().st_size,
                      "sha256": _sha256(path), "fixed_order": table not in written})
    return files


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link costs nothing and is safe: dbt writes its next file under a temporary name and renames
    it over this one, so the published link keeps the old file. Across file systems: a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def publish(con: duckdb.DuckDBPyConnection, marts_dir: Path, manifest: dict,
            written: dict[str, str] | None = None) -> Path:
    versions = marts_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    prune(marts_dir)  # what killed runs left: the current version may be one switched to just before a kill
    run_id = manifest["run_id"]
    incoming = versions / f"{INCOMING}{run_id}"
    shutil.rmtree(incoming, ignore_errors=True)
    manifest = {**manifest, "marts": export_marts(con, incoming, written)}
    (incoming / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    (incoming / NOT_SWITCHED_TO).touch()
    _fsync_tree(incoming)
    final = versions / run_id
    os.rename(incoming, final)
    _fsync(versions)
    link = marts_dir / f".current-{run_id}"
    link.unlink(missing_ok=True)
    os.symlink(Path("versions") / run_id, link)
    os.replace(link, marts_dir / "current")  # the switch: atomic on POSIX
    _fsync(marts_dir)
    prune(marts_dir)
    return final


def prune(marts_dir: Path, keep: int = KEEP_VERSIONS) -> None:
    """Keep the newest `keep` published versions — the current one and those it replaced — and drop older
    ones, versions never switched to and leftovers of killed runs. Never the current one, and never a
    version that is a year's official release (releases.py): its run id is printed on exports."""
    versions = marts_dir / "versions"
    current = current_version(marts_dir)
    if current:
        (current / NOT_SWITCHED_TO).unlink(missing_ok=True)  # it is published now
    finished = sorted((p for p in versions.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)
    published = [p for p in finished if not (p / NOT_SWITCHED_TO).exists()]
    released = {entry["run_id"] for entry in read_releases(marts_dir).values()}
    for old in finished:
        if old not in published[-keep:] and not (current and old.name == current.name) and old.name not in released:
            shutil.rmtree(old, ignore_errors=True)
    for leftover in versions.glob(f"{INCOMING}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for link in marts_dir.glob(".current-*"):
        link.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        _fsync(path)
    _fsync(folder)
