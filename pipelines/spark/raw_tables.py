"""The raw tables where Spark reads them: Parquet under data/spark/raw/<table>/, each registered in the
metastore as raw.<table> (an external table over its folder), the `raw` source of the dbt project."""
from __future__ import annotations

from pathlib import Path

from pipelines.config import Settings

RAW_DATABASE = "raw"


def raw_dir(settings: Settings) -> Path:
    return settings.spark_dir / "raw"


def register_raw_tables(spark, folder: Path) -> list[str]:
    """raw.<table> over each folder `folder/<table>/` (Parquet, Hive-style partition folders allowed:
    their columns are discovered). Replaces the tables a previous refresh registered; returns the names."""
    spark.sql(f"create database if not exists {RAW_DATABASE}")
    managed = spark.conf.get("spark.sql.hive.manageFilesourcePartitions", "true").lower() == "true"
    names = []
    for table_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        name = f"{RAW_DATABASE}.{table_dir.name}"
        spark.sql(f"drop table if exists {name}")
        spark.sql(f"create table {name} using parquet location '{table_dir.as_posix()}'")
        # partitions kept in the metastore (a cluster's default) are registered; otherwise Spark lists the
        # partition folders when it reads the table (the local session: session.py)
        if managed and any(p.is_dir() and "=" in p.name for p in table_dir.iterdir()):
            spark.sql(f"msck repair table {name}")
        names.append(name)
    return names
