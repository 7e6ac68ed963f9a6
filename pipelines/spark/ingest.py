"""The Spark engine's ingest: the submitted files → the raw tables as Parquet where Spark reads them
(data/spark/raw/<table>/, Hive-partitioned by dataset and file), registered as raw.<table>.

Files are discovered as the DuckDB ingest discovers them (run.discover). Each file is one Spark task
(ingest_task.py: the ingest's readers and the contract's parsing pass, in a Python worker), one
partition of a Spark range per file, so the files are read and checked in parallel and no process
reads them all. The registers go first (institutes, then units: a job each), as every later dataset's
checks resolve against them; then one job for the files of every other dataset.

The checks that need all of a dataset's rows — what the portal supersedes, restatements, duplicates
across files, alias conflicts, a unit's parent, the warnings and each file's counts — are the DuckDB
ingest's own (load.load_dataset), run on the driver in a DuckDB over the tasks' Parquet: that phase
reads every parsed row of a dataset in one process (the driver), as does the write of the raw tables
that follows it. The evaluation's rules tables and the issue reports are made there too."""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from pipelines.config import Settings
from pipelines.contracts import CONTRACTS
from pipelines.errors import shown
from pipelines.ingest.issue_report import write_issue_report
from pipelines.ingest.landing import PROVENANCE_TEXT, describe_sheets, shown_names
from pipelines.ingest.load import load_dataset
from pipelines.ingest.registers import INSTITUTE_TYPE
from pipelines.ingest.run import IngestResult, announce_files, open_ingest_db, say_loaded
from pipelines.ingest.sql_functions import sql_str
from pipelines.ingest.workbook_limits import WorkbookLimits
from pipelines.spark.ingest_task import (
    PARQUET_NAME,
    FileTask,
    TaskInputs,
    read_from_json,
    run_task,
    task_error,
)
from pipelines.spark.raw_tables import raw_dir, register_raw_tables

REGISTERS = ("institutes", "units")  # each one job, in this order, before the other datasets
PARTITIONED = {"rejects": "dataset, file", "warnings": "dataset, file", "load_log": "dataset"}


@dataclass
class SparkIngestResult(IngestResult):
    tasks: list[dict] = field(default_factory=list)  # each file's task: where it ran (pid, partition), seconds
    task_seconds: float = 0.0  # the Spark jobs' wall time, driver's view


def ingest_on_spark(settings: Settings, spark, out=sys.stdout) -> SparkIngestResult:
    """The ingest on Spark: the same IngestResult, progress lines, raw tables and reports as run.ingest.
    Raises the FileError of the first file (in discover's order) that cannot be read, as it does."""
    started = time.perf_counter()
    files, say = announce_files(settings, out)
    total_files = sum(len(v) for v in files.values())
    tasks = {ds: [FileTask(ds, k, str(path), rel) for k, (path, rel) in
                  enumerate(zip(paths, shown_names([p.relative_to(settings.raw_dir).as_posix() for p in paths]),
                                strict=True))]
             for ds, paths in files.items()}
    landing = settings.spark_dir / "landing"
    shutil.rmtree(landing, ignore_errors=True)
    (settings.spark_dir / "tmp").mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix="touyan-ingest-", dir=settings.spark_dir / "tmp"))
    con = open_ingest_db(tmp_dir / "ingest.duckdb", settings, tmp_dir)
    result, seen = SparkIngestResult(), 0
    try:
        for datasets in [*([ds] for ds in REGISTERS), [ds for ds in files if ds not in REGISTERS]]:
            t0 = time.perf_counter()
            found = _run_tasks(spark, [t for ds in datasets for t in tasks[ds]],
                               _task_inputs(con, settings, landing, tmp_dir))
            result.task_seconds += time.perf_counter() - t0
            if found:
                say(f"  {len(found)} files read by as many Spark tasks in {time.perf_counter() - t0:.1f} s "
                    f"(每个文件一个 Spark 任务)")
            for ds in datasets:
                t0 = time.perf_counter()
                for task in tasks[ds]:
                    seen += 1
                    say(f"  [{seen}/{total_files}] reading {shown(task.rel)}")
                    if "error" in found[(ds, task.index)]:
                        raise task_error(found[(ds, task.index)])
                landed = [(t.rel, read_from_json(found[(ds, t.index)]["read"])) for t in tasks[ds]]
                if landed:
                    say(f"  checking and loading {ds} …")
                hashed = any(found[(ds, t.index)]["hashed"] for t in tasks[ds])
                stats = load_dataset(con, CONTRACTS[ds], landed, settings.id_salt, settings.today,
                                     partial(_staged_from_tasks, con, landing / ds, landed, hashed))
                result.files += stats
                say_loaded(say, ds, len(landed), stats, time.perf_counter() - t0)
            result.tasks += [found[(t.dataset, t.index)] for ds in datasets for t in tasks[ds]]
        reports = settings.reports_dir / "ingest"
        result.rejects_report = reports / "rejects.csv"
        result.warnings_report = reports / "warnings.csv"
        write_issue_report(con, "rejects", result.rejects_report)
        write_issue_report(con, "warnings", result.warnings_report)
        folder = raw_dir(settings)
        building = folder.with_name(folder.name + ".building")
        _write_raw_tables(con, building, tasks, settings.duckdb_memory)
        shutil.rmtree(folder, ignore_errors=True)
        building.rename(folder)
    finally:
        con.close()
        shutil.rmtree(tmp_dir, ignore_errors=True)
        shutil.rmtree(landing, ignore_errors=True)
    register_raw_tables(spark, folder)
    result.seconds = time.perf_counter() - started
    return result


def _task_inputs(con, settings: Settings, landing: Path, tmp_dir: Path) -> TaskInputs:
    """The tasks' settings and the registers as loaded so far (empty before the institutes are)."""
    loaded = {t for (t,) in con.execute("select table_name from information_schema.tables "
                                        "where table_schema = 'raw'").fetchall()}
    return TaskInputs(
        settings.id_salt, settings.today,
        WorkbookLimits(settings.max_workbook_cells, settings.max_workbook_inflated_bytes),
        settings.ingest_memory, str(landing), str(tmp_dir),
        con.execute("select * from institute_lookup").fetchall(),
        con.execute("select * from unit_lookup").fetchall(),
        [i for (i,) in con.execute("select cast(institute_id as varchar) from raw.institutes").fetchall()]
        if "institutes" in loaded else [],
    )


def _run_tasks(spark, tasks: list[FileTask], inputs: TaskInputs) -> dict[tuple[str, int], dict]:
    """One Spark task per file — a range of len(tasks) numbers in as many partitions, each number the
    task's file — on classic Spark and Spark Connect alike. Returns each file's result by (dataset, index)."""
    if not tasks:
        return {}

    def work(batches):
        import pyarrow as pa
        from pyspark import TaskContext

        for batch in batches:
            for number in batch.column(0).to_pylist():
                found = run_task(tasks[number], inputs)
                found["partition"] = TaskContext.get().partitionId()
                yield pa.RecordBatch.from_pydict({"task": [number], "result": [json.dumps(found)]})

    rows = spark.range(0, len(tasks), 1, len(tasks)).mapInArrow(work, "task long, result string").collect()
    return {(tasks[row.task].dataset, tasks[row.task].index): json.loads(row.result) for row in rows}


def _staged_from_tasks(con, folder: Path, landed, hashed: bool, compiled, staged: str) -> tuple[str, bool]:
    """load_dataset's parsing pass, done by the tasks: their Parquet as `staged`, with the types the
    DuckDB ingest's pass gives (provenance and institute ids as ENUMs, which Parquet keeps as text)."""
    ds = compiled.contract.dataset
    provenance = describe_sheets(con, ds, landed)
    types = {c: f"raw.{ds}__{c}" for c in PROVENANCE_TEXT}
    if compiled.institute_type:
        types.update({c.name: f"raw.{INSTITUTE_TYPE}" for c in compiled.contract.columns if c.kind == "institute"})
    typed = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in types.items())
    parquet = sql_str(str(folder / "file=*" / PARQUET_NAME))
    con.execute(f"create or replace table {staged} as select * replace ({typed}) "
                f"from read_parquet({parquet}, hive_partitioning = false)")
    return provenance, hashed


def _write_raw_tables(con, folder: Path, tasks: dict[str, list[FileTask]], memory: str) -> None:
    """Every raw table as Parquet under `folder`/<table>/: a dataset's rows by file (file=<k>, its index
    in the dataset), the issues by dataset and file, the load log by dataset, the small rest in one file.
    An empty table is one file with every column (Spark cannot read the columns of no files)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    # A partitioned copy keeps a buffer per open partition, and the ingest's low memory limit (which keeps
    # its reading lean) is too little for it at 1e7 rows; rows need no order here (readers sort).
    con.execute("set preserve_insertion_order = false")
    con.execute(f"set memory_limit = '{memory}'")
    con.execute("create or replace temp table ingest_files (dataset varchar, source_file varchar, file integer)")
    rows = [(ds, t.rel, t.index) for ds, found in tasks.items() for t in found]
    if rows:
        con.executemany("insert into ingest_files values (?, ?, ?)", rows)
    tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                        "where table_schema = 'raw' order by 1").fetchall()]
    for table in tables:
        [(count,)] = con.execute(f"select count(*) from raw.{table}").fetchall()
        target = sql_str(str(folder / table))
        if count and (table in CONTRACTS or table in ("rejects", "warnings")):
            dataset = sql_str(table) if table in CONTRACTS else "t.dataset"
            by = "file" if table in CONTRACTS else PARTITIONED[table]
            [(written,)] = con.execute(
                f"copy (select t.*, f.file from raw.{table} t join ingest_files f "
                f"on f.dataset = {dataset} and f.source_file = cast(t.source_file as varchar)) "
                f"to {target} (format parquet, partition_by ({by}))").fetchall()
            if written != count:
                raise AssertionError(f"raw.{table}: {written} rows written, {count} in the table")
        elif count and table in PARTITIONED:
            con.execute(f"copy raw.{table} to {target} (format parquet, partition_by ({PARTITIONED[table]}))")
        else:
            (folder / table).mkdir()
            con.execute(f"copy raw.{table} to {sql_str(str(folder / table / PARQUET_NAME))} (format parquet)")
