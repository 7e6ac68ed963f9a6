"""The Spark engine's ingest: the submitted files → the raw tables as Parquet where Spark reads them
(data/spark/raw/<table>/), registered as raw.<table>.

INTERIM (replaced by the per-file Spark tasks): the DuckDB ingest builds the warehouse, and its raw
tables are written out as Parquet partitioned by dataset and file."""
from __future__ import annotations

import shutil

import duckdb

from pipelines.config import Settings
from pipelines.spark.raw_tables import raw_dir, register_raw_tables


def ingest_on_spark(settings: Settings, spark, out):
    """Returns the DuckDB ingest's IngestResult (files, reports). Raises FileError as it does."""
    from pipelines.ingest import ingest

    result = ingest(settings, out=out)
    folder = raw_dir(settings)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'raw' order by 1").fetchall()]
        for table in tables:
            (folder / table).mkdir()
            con.execute(f"copy raw.{table} to '{folder / table / 'part-0.parquet'}' (format parquet)")
    finally:
        con.close()
    register_raw_tables(spark, folder)
    return result
