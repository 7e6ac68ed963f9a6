"""The refresh on Spark (TOUYAN_ENGINE=spark): the same five stages as on DuckDB (stages.py), in this
process, on one Spark session — ingest (the files read by Spark tasks, raw tables as Parquet), the raw
gate (GX on Spark dataframes), dbt build (dbt-spark, the same project), the marts gate, publish (the
same version folder, Parquet files and manifest the dashboard reads). Stage by stage, not side by side
as on DuckDB: Spark spreads each stage's work over its cores itself."""
from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.config import Settings
from pipelines.errors import FileError
from pipelines.refresh.manifest import LOAD_LOG_SQL, build_manifest
from pipelines.refresh.publish import read_manifest
from pipelines.refresh.stages import (
    DBT_BUILD,
    RefreshResult,
    StageFailed,
    _dbt_outcome,
    _gate_outcome,
    _stop_if_emptied,
    new_run_id,
    publish_version,
    stage_heading,
)


def refresh_on_spark(settings: Settings, out, allow_empty: Collection[str]) -> RefreshResult:
    from pipelines.refresh.quality.spark_gate import run_spark_gate
    from pipelines.spark.session import SparkUnavailable, spark_session

    started, t_start = datetime.now(UTC), time.perf_counter()
    result = RefreshResult(new_run_id(started))
    say = (lambda line: print(line, file=out, flush=True)) if out else (lambda line: None)
    context: dict = {}

    def announce(name: str, note: str = "") -> None:
        say(stage_heading(name, note))

    def timed(name: str, work):
        """Runs `work`, recording its wall time and the CPU time of this thread (the Python side: the
        work Spark does is the JVM's and its workers')."""
        t0, cpu0 = time.perf_counter(), time.thread_time()
        value = work()
        seconds, cpu = time.perf_counter() - t0, time.thread_time() - cpu0
        result.timings[name], result.cpu[name] = round(seconds, 3), round(cpu, 3)
        say(f"    ✓ {name} in {seconds:.1f} s ({cpu:.1f} CPU-s in Python)")
        return value

    def stage(name: str, work):
        announce(name)
        return timed(name, work)

    say(f"Spark: starting the session ({settings.spark_remote or settings.spark_master}) …")
    t0 = time.perf_counter()
    try:
        spark = spark_session(settings)
    except SparkUnavailable as e:
        raise StageFailed("ingest", "the Spark engine cannot start / Spark 引擎无法启动", [f"  {e}"],
                          "Run `make setup-spark`, or refresh on DuckDB (TOUYAN_ENGINE=duckdb, the default).") from e
    result.timings["spark_start"] = round(time.perf_counter() - t0, 3)
    say(f"    ✓ Spark {spark.version} in {result.timings['spark_start']:.1f} s")

    ingested = stage("ingest", lambda: _ingest(settings, spark, out))
    result.ingest_totals = ingested.totals
    context["emptied"] = _stop_if_emptied(read_manifest(settings.marts_dir), ingested, allow_empty)
    reports = settings.reports_dir / "quality"
    # The raw gate and dbt side by side, as on DuckDB: both are many small Spark jobs that leave the
    # cores idle between them. dbt's work is only used if the gate passes.
    announce("gate_raw", " — beside the dbt build")
    with ThreadPoolExecutor(1, thread_name_prefix="gate-raw") as beside:
        gate_raw = beside.submit(timed, "gate_raw", lambda: run_spark_gate("raw", settings, spark, reports / "raw"))
        announce("dbt_build")
        built = timed("dbt_build", lambda: _run_dbt(settings))
        context["gate_raw"] = _gate_outcome("raw", gate_raw.result())
    context["dbt"] = _dbt_outcome(settings, built)
    context["gate_marts"] = stage("gate_marts", lambda: _gate_outcome(
        "marts", run_spark_gate("marts", settings, spark, reports / "marts")))
    files = [tuple(row) for row in spark.sql(LOAD_LOG_SQL).collect()]
    result.manifest = build_manifest(result, started, files, context, engine="spark")
    result.version = stage("publish", lambda: _publish(settings, spark, result, context["dbt"].record_marts))
    result.manifest = json.loads((result.version / "manifest.json").read_text(encoding="utf-8"))
    result.seconds = round(time.perf_counter() - t_start, 3)
    return result


def _ingest(settings: Settings, spark, out):
    from pipelines.spark.ingest import ingest_on_spark

    try:
        return ingest_on_spark(settings, spark, out)
    except FileError as e:
        raise StageFailed("ingest", "a file cannot be read / 有文件无法读取", e.render().splitlines(),
                          "Fix or remove the file named above, then run `make refresh` again.") from e


def _run_dbt(settings: Settings):
    from pipelines.refresh.transform import run_dbt

    return run_dbt(settings, *DBT_BUILD)


def _publish(settings: Settings, spark, result: RefreshResult, record_marts: list[str]) -> Path:
    """The marts as the DuckDB engine publishes them (publish.py: a version folder, one Parquet file per
    mart, the manifest, the atomic switch). The record marts that grow with the submissions
    (`record_marts`, materialized 'parquet_file') are written by Spark itself, one file each, streamed by
    one task — never collected into this process; the others (aggregates, small whatever the data size)
    come over as Arrow into a DuckDB in memory and are exported by the same code as on DuckDB, rows in the
    same fixed order."""
    tables = [r.tableName for r in spark.sql("show tables in marts").collect() if not r.isTemporary]
    written = {table: _write_with_spark(spark, table, settings.spark_dir / "exports")
               for table in tables if table in record_marts}
    con = duckdb.connect()
    try:
        con.execute("create schema marts")
        for table in tables:
            if table in written:  # publish.export_marts lists the marts' names from the schema
                con.execute(f"create view marts.{table} as select * from read_parquet('{written[table]}')")
            else:
                arrow = spark.table(f"marts.{table}").toArrow()  # noqa: F841 (DuckDB reads it by name)
                con.execute(f"create table marts.{table} as select * from arrow")
        return publish_version(con, settings, result.manifest, written)
    finally:
        con.close()


def _write_with_spark(spark, table: str, folder: Path) -> str:
    """marts.<table> as one zstd Parquet file written by Spark (one task streams it), moved out of
    Spark's output folder to <folder>/<table>.parquet; returns its path."""
    out = folder / table
    shutil.rmtree(out, ignore_errors=True)
    (spark.table(f"marts.{table}").coalesce(1).write.mode("overwrite")
     .option("compression", "zstd").parquet(out.as_posix()))
    [part] = sorted(out.glob("part-*.parquet"))
    target = folder / f"{table}.parquet"
    os.replace(part, target)
    shutil.rmtree(out, ignore_errors=True)
    return str(target)
