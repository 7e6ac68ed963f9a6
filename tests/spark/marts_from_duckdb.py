"""Test scaffolding: a DuckDB warehouse's marts as Spark tables marts.<mart> (Parquet, one file each),
for the marts gate on Spark while dbt-spark's build of them is developed and compared elsewhere."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

MARTS_DATABASE = "marts"


def register_marts(spark, warehouse: Path, folder: Path) -> list[str]:
    """Each mart (table or view) of `warehouse` copied to `folder/<mart>/part-0.parquet` and registered
    as marts.<mart> over its folder; returns the names."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        marts = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'marts' order by 1").fetchall()]
        for mart in marts:
            (folder / mart).mkdir()
            con.execute(f"copy marts.{mart} to '{folder / mart / 'part-0.parquet'}' (format parquet)")
    finally:
        con.close()
    spark.sql(f"create database if not exists {MARTS_DATABASE}")
    for mart in marts:
        spark.sql(f"drop table if exists {MARTS_DATABASE}.{mart}")
        spark.sql(f"create table {MARTS_DATABASE}.{mart} using parquet location '{(folder / mart).as_posix()}'")
    return [f"{MARTS_DATABASE}.{mart}" for mart in marts]
