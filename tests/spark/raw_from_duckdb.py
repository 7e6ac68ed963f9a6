"""Test scaffolding: a DuckDB warehouse's raw tables as Parquet folders (one file each), for dbt-spark
to build on while the Spark ingest is developed."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb


def export_raw(warehouse: Path, folder: Path) -> list[str]:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'raw' order by 1").fetchall()]
        for table in tables:
            (folder / table).mkdir()
            con.execute(f"copy raw.{table} to '{folder / table / 'part-0.parquet'}' (format parquet)")
    finally:
        con.close()
    return tables
