"""One task of the Spark ingest, run by a Spark Python worker: one submitted file read by the ingest's
own readers (landing.land_file) and parsed by its contract's pass (load.parse_files), in a DuckDB in
the worker's memory compiled against the registers the driver loaded. The parsed rows — statuses,
problem rows' cells and all, as the DuckDB ingest stages them — are written as Parquet into the
dataset's landing folder, file=<k>/; what the task returns is small: how the file was read (format,
digest, sheets, headers) or the FileError that stops the ingest, as JSON.

No pyspark here: the worker calls run_task with plain values (the driver's side: ingest.py)."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipelines.config import METRIC_CATALOG
from pipelines.contracts import CONTRACTS
from pipelines.errors import FileError
from pipelines.ingest.files import LandedSheet, ReadFile
from pipelines.ingest.landing import land_file, text_type
from pipelines.ingest.load import compile_dataset, create_issue_tables, parse_files
from pipelines.ingest.prefetch import Prefetch
from pipelines.ingest.registers import INSTITUTE_TYPE
from pipelines.ingest.sql_functions import IDS_HASHED, register_functions
from pipelines.ingest.workbook_limits import WorkbookLimits

PARQUET_NAME = "part-0.parquet"


@dataclass(frozen=True)
class FileTask:
    dataset: str
    index: int  # the file's index among its dataset's files (discover's order): its rows' ordinals, file=<k>
    path: str
    rel: str  # its name as stored and shown (landing.shown_names over the dataset's files)


@dataclass(frozen=True)
class TaskInputs:
    """What every task of a Spark job is given: the settings the checks use and the registers' lookups."""

    salt: str
    today: date
    limits: WorkbookLimits
    memory: str  # DuckDB's memory limit in the task
    landing: str  # the landing folder: <landing>/<dataset>/file=<k>/
    tmp_root: str
    institute_lookup: list[tuple] = ()
    unit_lookup: list[tuple] = ()
    institute_ids: list[str] = ()


def landed_folder(landing: str | Path, dataset: str, index: int) -> Path:
    return Path(landing) / dataset / f"file={index}"


def run_task(task: FileTask, inputs: TaskInputs) -> dict:
    """The file of `task` parsed into its landing folder. Returns {"read": …, "hashed": …, "rows": …} or
    {"error": FileError's fields}; and where it ran (process id, seconds)."""
    started = time.perf_counter()
    # the driver's scratch folder where the task's machine sees it (local mode, a shared disk); else the machine's own
    tmp_dir = tempfile.mkdtemp(prefix="touyan-task-", dir=inputs.tmp_root if os.path.isdir(inputs.tmp_root) else None)
    con = duckdb.connect(config={"memory_limit": inputs.memory, "temp_directory": tmp_dir})
    prefetched = Prefetch([Path(task.path)], inputs.limits)
    try:
        register_functions(con)
        create_issue_tables(con, METRIC_CATALOG)  # the lookups, and the metric catalog a target names
        if inputs.institute_lookup:
            con.executemany("insert into institute_lookup values (?, ?, ?)", inputs.institute_lookup)
        if inputs.unit_lookup:
            con.executemany("insert into unit_lookup values (?, ?, ?, ?, ?)", inputs.unit_lookup)
        if inputs.institute_ids:
            text_type(con, INSTITUTE_TYPE, inputs.institute_ids)
        contract = CONTRACTS[task.dataset]
        compiled = compile_dataset(con, contract, inputs.salt, inputs.today)
        staged = f"raw.{task.dataset}"
        try:
            read = land_file(con, contract, Path(task.path), task.rel, f"land_{task.dataset}_{task.index}",
                             prefetched.digest, prefetched.workbook)
            hashed_before = IDS_HASHED.count
            parse_files(con, compiled, [(task.rel, read)], staged, task.index)
            hashed = IDS_HASHED.count > hashed_before
        except FileError as e:
            return {"error": [e.file, e.problem_zh, e.problem_en, e.action_zh, e.action_en], "pid": os.getpid()}
        folder = landed_folder(inputs.landing, task.dataset, task.index)
        shutil.rmtree(folder, ignore_errors=True)  # a task run again (Spark retries one that failed)
        folder.mkdir(parents=True)
        [(rows,)] = con.execute(f"copy {staged} to '{folder / PARQUET_NAME}' (format parquet)").fetchall()
        return {"read": read_as_json(read), "hashed": hashed, "rows": rows, "pid": os.getpid(),
                "seconds": round(time.perf_counter() - started, 3)}
    finally:
        con.close()
        prefetched.close()
        shutil.rmtree(tmp_dir, ignore_errors=True)


def read_as_json(read: ReadFile) -> dict:
    """What the checks across files need of a read file (not its relations)."""
    return {"path": str(read.path), "file_format": read.file_format, "sha256": read.sha256, "size": read.size,
            "encoding": read.encoding, "notes": list(read.notes),
            "sheets": [{"sheet": s.sheet, "header_row": s.header_row, "headers": s.headers,
                        "ignored_columns": list(s.ignored_columns)} for s in read.sheets]}


def read_from_json(found: dict) -> ReadFile:
    sheets = [LandedSheet("", s["sheet"], s["header_row"], s["headers"], s["ignored_columns"]) for s in found["sheets"]]
    return ReadFile(Path(found["path"]), found["file_format"], found["sha256"], found["size"], found["encoding"],
                    sheets, found["notes"])


def task_error(found: dict) -> FileError:
    return FileError(*found["error"])
