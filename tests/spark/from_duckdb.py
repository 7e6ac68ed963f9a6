"""Test scaffolding: a DuckDB warehouse's tables of one schema (raw, marts) as Parquet folders, one
file each, for Spark to read — so that a Spark stage can be tested on exactly the rows DuckDB has."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb


def export_schema(warehouse: Path, schema: str, folder: Path) -> list[str]:
    """Each table or view of `schema` copied to `folder/<table>/part-0.parquet`; returns the names."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = ? order by 1", [schema]).fetchall()]
        for table in tables:
            (folder / table).mkdir()
            con.execute(f"copy {schema}.{table} to '{folder / table / 'part-0.parquet'}' (format parquet)")
    finally:
        con.close()
    return tables


def register_marts(spark, warehouse: Path, folder: Path) -> list[str]:
    """The warehouse's marts as Spark tables marts.<mart> over their copies in `folder`."""
    marts = export_schema(warehouse, "marts", folder)
    spark.sql("create database if not exists marts")
    for mart in marts:
        spark.sql(f"drop table if exists marts.{mart}")
        spark.sql(f"create table marts.{mart} using parquet location '{(folder / mart).as_posix()}'")
    return marts
