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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import duckdb

from pipelines.config import METRIC_CATALOG, Settings
from pipelines.contracts import CONTRACTS
from pipelines.errors import FileError, shown
from pipelines.evaluation.load import load_rules
from pipelines.ingest.issue_report import write_issue_report
from pipelines.ingest.landing import land_files
from pipelines.ingest.load import FileStats, create_issue_tables, load_dataset
from pipelines.ingest.prefetch import Prefetch
from pipelines.ingest.sql_functions import register_functions
from pipelines.ingest.workbook_limits import WorkbookLimits

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


def discover(raw_dir: Path, on_link: Callable[[str], None] | None = None) -> dict[str, list[Path]]:
    """Files per dataset folder, in a stable order. Anything outside a known folder is an error.

    Links are followed, and each one is reported to `on_link`. A dataset folder may link anywhere (analysts
    link a folder on a shared drive); a link below one is followed only while it stays inside data/raw/ —
    or inside the folder the dataset folder links to — so that a link planted among the submissions cannot
    make the ingest read, and quote in its messages, a file from elsewhere on the machine."""
    found: dict[str, list[Path]] = {name: [] for name in CONTRACTS}
    if not raw_dir.is_dir():
        raise FileError(str(raw_dir), "原始数据文件夹不存在", "the raw data folder does not exist",
                        "运行 make demo 生成演示数据，或创建该文件夹并放入各单位报送的文件",
                        "run `make demo` for the demo data, or create it and put the institutes' files in it")
    for entry in _entries(raw_dir, raw_dir):
        linked = entry.is_symlink()
        if linked and entry.name in found:
            target = _followed_link(entry, raw_dir, Path("/"), None)  # anywhere, if it leads somewhere
            if on_link:
                on_link(f"{shown(entry.name)}/ is a link to {target}: its files are read "
                        f"(数据集文件夹是链接，读取其指向的文件夹)")
        if entry.is_dir():
            root = Path(os.path.realpath(entry if linked else raw_dir))
            files = list(_walk(entry, raw_dir, root, entry.name if linked else None, on_link,
                               {Path(os.path.realpath(entry))}))
            if files and entry.name not in found:
                _not_in_a_dataset_folder(files[0].relative_to(raw_dir), entry.name)
            found.get(entry.name, []).extend(files)
        elif not _ignored(entry):
            _not_in_a_dataset_folder(entry.relative_to(raw_dir), None)
    return found


def dataset_files(raw_dir: Path, dataset: str) -> list[Path]:
    """The files of one dataset folder, as discover lists them (for the upload check, which needs the
    register but must not fail on a misplaced file elsewhere in data/raw/)."""
    folder = raw_dir / dataset
    if not folder.is_dir():
        return []
    root = Path(os.path.realpath(folder if folder.is_symlink() else raw_dir))
    return list(_walk(folder, raw_dir, root, dataset if folder.is_symlink() else None, None,
                      {Path(os.path.realpath(folder))}))


def _walk(folder: Path, raw_dir: Path, root: Path, linked_folder: str | None, on_link,
          ancestors: set[Path]) -> Iterator[Path]:
    """The files below `folder`, depth first in name order (the order of sorted paths)."""
    for path in _entries(folder, raw_dir):
        if _ignored(path):
            continue
        rel = path.relative_to(raw_dir).as_posix()
        if path.is_symlink():
            target = _followed_link(path, raw_dir, root, linked_folder)
            if on_link:
                on_link(f"{shown(rel)} is a link to {target}: followed (链接，已跟随)")
        if path.is_dir():
            real = Path(os.path.realpath(path))
            if real not in ancestors:  # a link back up the tree would list its files again, without end
                yield from _walk(path, raw_dir, root, linked_folder, on_link, ancestors | {real})
        elif not path.is_file():
            raise FileError(rel, "这不是普通文件（而是设备、管道或套接字）", "it is not a regular file (a device, pipe or socket)",
                            "请将其移出 data/raw/", "move it out of data/raw/")
        elif not _utf8(rel):
            raise FileError(rel, "文件名不是 UTF-8 编码（常见于在 Linux 上解压的 Windows 压缩包）",
                            "the file name is not UTF-8 (as in a Windows zip archive unpacked on Linux)",
                            "请重命名该文件（或用 unzip -O GBK 重新解压）", "rename the file (or unpack it again with unzip -O GBK)")
        else:
            yield path


def _entries(folder: Path, raw_dir: Path) -> list[Path]:
    try:
        return [folder / name for name in sorted(os.listdir(folder))]
    except OSError as e:
        rel = folder.relative_to(raw_dir).as_posix() + "/" if folder != raw_dir else str(raw_dir)
        raise FileError(rel, f"文件夹无法读取（{e.strerror}）", f"the folder cannot be read ({e.strerror})",
                        "请检查该文件夹的访问权限，以及共享盘是否已挂载", "check its permissions, and that a shared drive is mounted") from None


def _ignored(path: Path) -> bool:
    """Files that are not submissions. A folder is never ignored (checked last: it costs a stat)."""
    return (path.name.startswith(IGNORED_NAMES) or path.suffix.lower() in IGNORED_SUFFIXES) and not path.is_dir()


def _followed_link(path: Path, raw_dir: Path, root: Path, linked_folder: str | None) -> str:
    """What the link at `path` says (escaped for printing), once it is known to lead to something inside
    `root`: data/raw/, or the folder that `linked_folder` (a dataset folder that is a link) links to.
    Otherwise a FileError naming the link."""
    target = shown(os.readlink(path))
    real = Path(os.path.realpath(path))
    rel = path.relative_to(raw_dir).as_posix() + ("/" if path.is_dir() else "")
    if not real.exists():
        raise FileError(rel, f"这是指向 {target} 的链接，但目标不存在或无法访问",
                        f"it is a link to {target}, which does not exist or cannot be reached",
                        "请修复或删除该链接（若指向共享盘，请确认共享盘已挂载）",
                        "fix or remove the link (if it points to a shared drive, check that the drive is mounted)")
    if not real.is_relative_to(root):
        inside = (f"{linked_folder}/ 所链接的文件夹", f"the folder {linked_folder}/ links to") if linked_folder \
            else ("data/raw/ ", "data/raw/")
        raise FileError(rel, f"这是指向 {inside[0]}以外的链接（{target}），不予读取",
                        f"it is a link to {target}, outside {inside[1]}: it is not read",
                        "请把文件本身复制进来；若整个数据集在共享盘上，可让数据集文件夹本身成为链接（data/raw/<数据集> → 共享文件夹）",
                        "copy the file itself in; for a dataset kept on a shared drive, make the dataset folder itself "
                        "the link (data/raw/<dataset> -> the shared folder)")
    return target


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:  # os.fsdecode's stand-ins for the bytes of another encoding
        return False


def _not_in_a_dataset_folder(rel: Path, folder: str | None) -> NoReturn:
    known = ", ".join(CONTRACTS)
    raise FileError(rel.as_posix(), f"文件不在已知的数据集文件夹中（{shown(folder) if folder else 'data/raw 根目录'}）",
                    f"the file is not in a known dataset folder ({shown(folder) if folder else 'the top of data/raw'})",
                    f"请把它移到以下文件夹之一：{known}", f"move it into one of: {known}")


def announce_files(settings: Settings, out) -> tuple[dict[str, list[Path]], Callable[[str], None]]:
    """The files to ingest (discover), announced with the links followed; and the ingest's `say`. Both
    engines start so."""
    links: list[str] = []
    files = discover(settings.raw_dir, links.append)
    say = (lambda line: print(line, file=out, flush=True)) if out else (lambda line: None)
    say(f"Ingesting {sum(len(v) for v in files.values())} files from {shown(str(settings.raw_dir))}")
    for link in links:
        say(f"  {link}")
    return files, say


def ingest(settings: Settings, out=sys.stdout) -> IngestResult:
    started = time.perf_counter()
    files, say = announce_files(settings, out)
    total_files = sum(len(v) for v in files.values())

    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    building = settings.warehouse.with_name(settings.warehouse.name + ".building")
    building.unlink(missing_ok=True)
    building.with_name(building.name + ".wal").unlink(missing_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix="touyan-ingest-"))
    result = IngestResult()
    seen = 0
    prefetched = Prefetch([path for paths in files.values() for path in paths],
                          WorkbookLimits(settings.max_workbook_cells, settings.max_workbook_inflated_bytes))
    con = None
    try:
        con = open_ingest_db(building, settings, tmp_dir)
        for dataset, paths in files.items():
            contract = CONTRACTS[dataset]
            t0 = time.perf_counter()

            def on_file(rel):
                nonlocal seen
                seen += 1
                say(f"  [{seen}/{total_files}] reading {shown(rel)}")

            landed = land_files(con, contract, paths, settings.raw_dir, on_file, prefetched)
            if paths:
                say(f"  checking and loading {dataset} …")
            stats = load_dataset(con, contract, landed, settings.id_salt, settings.today)
            result.files += stats
            say_loaded(say, dataset, len(paths), stats, time.perf_counter() - t0)
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
        # Closed on failure too: DuckDB keeps one database per path and process, so a connection left open
        # by a failed ingest (its frame held by the error's traceback) would be the next ingest's, functions
        # and all ('th_ip already exists').
        if con is not None:
            con.close()
        prefetched.close()
        building.unlink(missing_ok=True)
        shutil.rmtree(tmp_dir, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def open_ingest_db(path: Path, settings: Settings, tmp_dir: Path) -> duckdb.DuckDBPyConnection:
    """The ingest's database at `path`, with the ingest's SQL functions, the issue tables and the
    evaluation's rules tables (the Spark ingest's driver opens one too, for the checks across files)."""
    # DuckDB 2.0 writes its newest storage format by default (1.5 needed storage_compatibility_version
    # 'latest': ~4 CPU-s less at 1e7 rows than its 0.10-compatible default). Only the DuckDB of uv.lock
    # (dbt's too) opens the warehouse; readers get Parquet.
    # No fsync: the warehouse is a working file that every ingest rebuilds from data/raw/ and renames
    # into place, so it needs no protection against an operating-system crash (a killed process loses
    # nothing: the written pages are the kernel's). Syncing the 1e7-row file kept the CPUs idle for
    # 0.6-0.8 s. What is published is synced by pipelines/refresh/publish.py.
    con = duckdb.connect(str(path), config={"fsync_mode": "none"})
    try:
        _prepare(con, settings, tmp_dir)
    except BaseException:
        # DuckDB keeps one database per path and process: left open, it would be the next ingest's (see ingest)
        con.close()
        raise
    return con


def _prepare(con, settings: Settings, tmp_dir: Path) -> None:
    con.execute(f"set temp_directory = '{tmp_dir}'")
    con.execute("set preserve_insertion_order = true")
    con.execute(f"set memory_limit = '{settings.ingest_memory}'")
    # Free text (activity names, volunteer ids) is stored uncompressed: compressing it (DICT_FSST) cost
    # ~2 of the ~19 CPU-s of a 1e7-row ingest, ~0.8 s, and dbt reads it no slower. The warehouse, a
    # working file rebuilt by every ingest, is ~4x larger (540 MB at 1e7 rows, not 125 MB); what is
    # published stays Parquet. The lower memory limit above keeps the peak where it was (docs/benchmarks-history.md).
    con.execute("set disabled_compression_methods = 'dict_fsst'")
    register_functions(con)
    create_issue_tables(con, METRIC_CATALOG)
    load_rules(con, settings.rules_dir, settings.data_dir)


def say_loaded(say, dataset: str, files: int, stats: list[FileStats], seconds: float) -> None:
    """The progress lines of a loaded dataset: each file's counts, what was set aside, the dataset's total."""
    for s in stats:
        say(f"      {shown(s.source_file)}: {s.rows_read:,} rows → {s.accepted:,} accepted, "
            f"{s.rejected:,} quarantined, {s.warnings:,} warnings")
        for line in s.superseded:
            say(f"        set aside {line} (replaced by the portal submission / 已由在线报送的版本取代)")
    say(f"  {dataset}: {files} files, {sum(s.accepted for s in stats):,} rows loaded in {seconds:.1f} s")


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
    rows = [(shown(f.source_file), f.file_format + (f" {f.encoding}" if f.encoding else ""), f"{f.rows_read:,}",
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
