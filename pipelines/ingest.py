"""Ingest: every file under data/raw/<dataset>/ → the DuckDB warehouse, built in a new file and
swapped in only when every file was read. A file that cannot be read stops the run and the previous
warehouse stays as it was."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.config import METRIC_CATALOG, Settings
from pipelines.contracts import CONTRACTS
from pipelines.errors import FileError
from pipelines.load import FileStats, create_issue_tables, land_files, load_dataset, write_issue_report
from pipelines.readers import Prefetch, WorkbookLimits
from pipelines.validate import register_functions

IGNORED_NAMES = (".", "~$")  # hidden files and Excel's lock files
IGNORED_SUFFIXES = (".md", ".tmp")  # a README beside the files, an editor's temporary file


@dataclass
class IngestResult:
    files: list[FileStats] = field(default_factory=list)
    rejects_report: Path | None = None
    warnings_report: Path | None = None
    seconds: float = 0.0

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(getattr(f, k) for f in self.files) for k in ("rows_read", "accepted", "rejected", "warnings")}


def discover(raw_dir: Path) -> dict[str, list[Path]]:
    """Files per dataset folder, in a stable order. Anything outside a known folder is an error."""
    found: dict[str, list[Path]] = {name: [] for name in CONTRACTS}
    if not raw_dir.is_dir():
        raise FileError(str(raw_dir), "原始数据文件夹不存在", "the raw data folder does not exist",
                        "运行 make demo 生成演示数据，或创建该文件夹并放入各单位报送的文件",
                        "run `make demo` for the demo data, or create it and put the institutes' files in it")
    for path in sorted(raw_dir.rglob("*")):
        if path.is_dir() or path.name.startswith(IGNORED_NAMES) or path.suffix.lower() in IGNORED_SUFFIXES:
            continue
        rel = path.relative_to(raw_dir)
        folder = rel.parts[0] if len(rel.parts) > 1 else None
        if folder not in found:
            known = ", ".join(CONTRACTS)
            raise FileError(rel.as_posix(), f"文件不在已知的数据集文件夹中（{folder or 'data/raw 根目录'}）",
                            f"the file is not in a known dataset folder ({folder or 'the top of data/raw'})",
                            f"请把它移到以下文件夹之一：{known}", f"move it into one of: {known}")
        found[folder].append(path)
    return found


def ingest(settings: Settings, out=sys.stdout) -> IngestResult:
    started = time.perf_counter()
    files = discover(settings.raw_dir)
    total_files = sum(len(v) for v in files.values())
    say = (lambda line: print(line, file=out, flush=True)) if out else (lambda line: None)
    say(f"Ingesting {total_files} files from {settings.raw_dir}")

    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    building = settings.warehouse.with_name(settings.warehouse.name + ".building")
    building.unlink(missing_ok=True)
    building.with_name(building.name + ".wal").unlink(missing_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix="touyan-ingest-"))
    result = IngestResult()
    seen = 0
    prefetched = Prefetch([path for paths in files.values() for path in paths],
                          WorkbookLimits(settings.max_workbook_cells, settings.max_workbook_inflated_bytes))
    try:
        # DuckDB 2.0 writes its newest storage format by default (1.5 needed storage_compatibility_version
        # 'latest': ~4 CPU-s less at 1e7 rows than its 0.10-compatible default). Only the DuckDB of uv.lock
        # (dbt's too) opens the warehouse; readers get Parquet.
        # No fsync: the warehouse is a working file that every ingest rebuilds from data/raw/ and renames
        # into place, so it needs no protection against an operating-system crash (a killed process loses
        # nothing: the written pages are the kernel's). Syncing the 1e7-row file kept the CPUs idle for
        # 0.6-0.8 s. What is published is synced by pipelines/publish.py.
        con = duckdb.connect(str(building), config={"fsync_mode": "none"})
        con.execute(f"set temp_directory = '{tmp_dir}'")
        con.execute("set preserve_insertion_order = true")
        con.execute(f"set memory_limit = '{settings.ingest_memory}'")
        # Free text (activity names, volunteer ids) is stored uncompressed: compressing it (DICT_FSST) cost
        # ~2 of the ~19 CPU-s of a 1e7-row ingest, ~0.8 s, and dbt reads it no slower. The warehouse, a
        # working file rebuilt by every ingest, is ~4x larger (540 MB at 1e7 rows, not 125 MB); what is
        # published stays Parquet. The lower memory limit above keeps the peak where it was (docs/benchmarks.md).
        con.execute("set disabled_compression_methods = 'dict_fsst'")
        register_functions(con)
        create_issue_tables(con, METRIC_CATALOG)
        for dataset, paths in files.items():
            contract = CONTRACTS[dataset]
            t0 = time.perf_counter()

            def on_file(rel):
                nonlocal seen
                seen += 1
                say(f"  [{seen}/{total_files}] reading {rel}")

            landed = land_files(con, contract, paths, settings.raw_dir, on_file, prefetched)
            if paths:
                say(f"  checking and loading {dataset} …")
            stats = load_dataset(con, contract, landed, settings.id_salt, settings.today)
            result.files += stats
            for s in stats:
                say(f"      {s.source_file}: {s.rows_read:,} rows → {s.accepted:,} accepted, "
                    f"{s.rejected:,} quarantined, {s.warnings:,} warnings")
            say(f"  {dataset}: {len(paths)} files, {sum(s.accepted for s in stats):,} rows loaded "
                f"in {time.perf_counter() - t0:.1f} s")
        reports = settings.reports_dir / "ingest"
        result.rejects_report = reports / "rejects.csv"
        result.warnings_report = reports / "warnings.csv"
        write_issue_report(con, "rejects", result.rejects_report)
        write_issue_report(con, "warnings", result.warnings_report)
        con.close()
        # A run killed while it had the old warehouse open leaves its write-ahead log beside it; DuckDB
        # would replay that log onto the new file and fail. It belongs to the file being replaced.
        settings.warehouse.with_name(settings.warehouse.name + ".wal").unlink(missing_ok=True)
        _swap_in(building, settings.warehouse)
    finally:
        prefetched.close()
        building.unlink(missing_ok=True)
        shutil.rmtree(tmp_dir, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _swap_in(building: Path, warehouse: Path) -> None:
    """`building` becomes the warehouse in one rename; the old file is deleted by a thread. Freeing a
    file of hundreds of MB waits for the disk (the file system frees and discards its blocks: 0.3-0.65 s
    for the 1e7-row warehouse), and the refresh's next stage need not wait for that."""
    old = warehouse.with_name(warehouse.name + ".old")
    old.unlink(missing_ok=True)  # left by a run killed while deleting it
    try:
        os.link(warehouse, old)  # so that the rename below does not free the old file's blocks
    except OSError:  # no warehouse yet, or a file system without hard links: the rename frees them
        old = None
    os.replace(building, warehouse)
    if old:
        threading.Thread(target=old.unlink, name="delete-old-warehouse").start()


def summary_table(result: IngestResult) -> str:
    header = ("file", "format", "read", "accepted", "quarantined", "warnings")
    rows = [(f.source_file, f.file_format + (f" {f.encoding}" if f.encoding else ""), f"{f.rows_read:,}",
             f"{f.accepted:,}", f"{f.rejected:,}", f"{f.warnings:,}") for f in result.files]
    t = result.totals
    rows.append(("TOTAL", "", f"{t['rows_read']:,}", f"{t['accepted']:,}", f"{t['rejected']:,}", f"{t['warnings']:,}"))
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(r):
        return "  ".join(c + " " * (w - _width(c)) if i == 0 else " " * (w - _width(c)) + c
                         for i, (c, w) in enumerate(zip(r, widths, strict=True)))

    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, rows)])


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
