"""The quality gates on Spark (spark_gate.py: GX's Spark datasource on Spark dataframes) against the same
gates on DuckDB (gate.run_gate on pandas frames), on the demo's tables: each check's query gives the same
frame on both engines, both gates pass with the same checks and expectations, and bad rows planted in
the tables fail the same expectations on both, with the same offending rows located.

The tables on Spark are the DuckDB warehouse's, copied as Parquet and registered (from_duckdb.py), so
both engines read the same rows. One Spark session for
the module, in a data folder of its own."""
from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.config import REPORT_FILE
from pipelines.refresh.quality.checks import mart_checks, raw_checks
from pipelines.refresh.quality.gate import SAMPLE_ROWS, check_frames, run_gate
from pipelines.refresh.quality.spark_gate import run_spark_gate
from pipelines.spark.raw_tables import raw_dir, register_raw_tables
from pipelines.spark.session import spark_session, stop_session
from tests.spark.from_duckdb import export_schema, register_marts


@pytest.fixture(scope="module")
def engines(published_demo, tmp_path_factory):
    """(settings, spark, on_spark): the demo's settings in a Spark data folder of this module, its
    session, and `on_spark(warehouse)`, which puts a DuckDB warehouse's raw tables and marts on Spark
    (again only when another warehouse was put there since)."""
    demo, _ = published_demo
    settings = dataclasses.replace(demo, data_dir=tmp_path_factory.mktemp("spark-gates") / "data", engine="spark")
    spark = spark_session(settings)
    current: list[Path] = []

    def on_spark(warehouse: Path) -> Path:
        if current != [warehouse]:
            export_schema(warehouse, "raw", raw_dir(settings))
            register_raw_tables(spark, raw_dir(settings))
            register_marts(spark, warehouse, settings.spark_dir / "marts")
            current[:] = [warehouse]
        return warehouse

    yield settings, spark, on_spark
    stop_session()


def checks_of(gate: str, today: date):
    return raw_checks(today) if gate == "raw" else mart_checks()


def duckdb_gate(gate: str, warehouse: Path, today: date, docs: Path):
    checks = checks_of(gate, today)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frames = check_frames(checks, con)
    return run_gate(gate, checks, frames, docs)


def rows(frame) -> list[tuple]:
    """A frame's rows in a fixed order, each cell as a plain value: numbers as floats (DuckDB's frames
    hold decimals as floats, Spark's as Decimal), dates as dates (DuckDB's as timestamps), empty cells
    as None."""
    def plain(value):
        if pd.isna(value):  # None, NaN, NaT
            return None
        value = value.item() if hasattr(value, "item") else value
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            return float(value)
        return value
    return sorted((tuple(plain(v) for v in row) for row in frame.itertuples(index=False)),
                  key=lambda row: [(v is not None, v) for v in row])


def test_each_checks_query_gives_the_same_frame_on_both_engines(engines, published_demo):
    settings, spark, on_spark = engines
    warehouse = on_spark(published_demo[0].warehouse)
    checks = raw_checks(settings.today) + mart_checks()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        on_duckdb = check_frames(checks, con)
    assert sum(c.spark_sql is not None for c in checks) == 2  # the reconciliations: unnest / explode
    for check in checks:
        on_spark_frame = spark.sql(check.sql_on("spark")).toPandas()
        assert list(on_spark_frame.columns) == list(on_duckdb[check.name].columns), check.name
        assert len(on_duckdb[check.name]) > 0, check.name
        assert rows(on_spark_frame) == rows(on_duckdb[check.name]), check.name


@pytest.mark.parametrize("gate", ["raw", "marts"])
def test_both_gates_pass_on_spark_with_the_checks_and_expectations_of_duckdb(engines, published_demo, gate,
                                                                              tmp_path):
    settings, spark, on_spark = engines
    warehouse = on_spark(published_demo[0].warehouse)
    on_duckdb = duckdb_gate(gate, warehouse, settings.today, tmp_path / "duckdb")
    result = run_spark_gate(gate, settings, spark, tmp_path / "spark")
    assert on_duckdb.passed and result.passed, [f.render() for f in result.failures]
    assert (result.checks, result.expectations) == (on_duckdb.checks, on_duckdb.expectations)
    assert result.checks == len(checks_of(gate, settings.today)) and result.expectations > result.checks
    assert (tmp_path / "spark" / "index.html").is_file() and result.docs_index == tmp_path / "spark" / REPORT_FILE
    page = result.docs_index.read_text(encoding="utf-8")
    assert "通过 PASSED" in page and all(check.name in page for check in checks_of(gate, settings.today))
    # nothing left cached on the session: GX persisted each frame, the gate let them go
    assert not spark.sparkContext._jsc.getPersistentRDDs().values()


def summary(result) -> list[tuple]:
    """A gate's failures as compared across engines: check, expectation, offending rows and, when GX
    sampled them all, the rows located (in any order: neither engine orders a frame)."""
    return sorted((f.check, f.expectation, json.dumps(f.arguments, sort_keys=True, default=str), f.unexpected_count,
                   sorted(json.dumps(row, sort_keys=True) for row in f.sample) if f.unexpected_count <= SAMPLE_ROWS
                   else len(f.sample))
                  for f in result.failures)


def test_planted_bad_rows_fail_the_same_expectations_on_both_engines_with_the_same_rows(engines, published_demo,
                                                                                        tmp_path):
    """A negative staff total in raw.staff and a repeated file row in marts.fct_talent_titles."""
    settings, spark, on_spark = engines
    planted = tmp_path / "planted.duckdb"
    shutil.copyfile(published_demo[0].warehouse, planted)
    with duckdb.connect(str(planted)) as con:
        file, row, staff = con.execute("select source_file::string, source_row, staff_total from raw.staff "
                                   "order by all limit 1").fetchone()
        con.execute("update raw.staff set staff_total = -staff_total where source_file = ? and source_row = ?",
                    [file, row])
        title = con.execute("select source_file::string, source_sheet, source_row from marts.fct_talent_titles "
                        "order by all limit 1").fetchone()
        con.execute("insert into marts.fct_talent_titles select * from marts.fct_talent_titles "
                    "where source_file = ? and source_sheet = ? and source_row = ?", list(title))
    on_spark(planted)
    for gate in ("raw", "marts"):
        on_duckdb = duckdb_gate(gate, planted, settings.today, tmp_path / f"{gate}-duckdb")
        result = run_spark_gate(gate, settings, spark, tmp_path / f"{gate}-spark")
        assert not result.passed and summary(result) == summary(on_duckdb)
        assert (tmp_path / f"{gate}-spark" / "index.html").is_file()
        page = result.docs_index.read_text(encoding="utf-8")
        assert "未通过 FAILED" in page and all(f"<code>{f.expectation}</code>" in page for f in result.failures)
        failed = {(f.check, f.expectation): f for f in result.failures}
        if gate == "raw":
            negative = failed["raw.staff", "expect_column_values_to_be_between"]
            assert negative.unexpected_count == 1
            assert negative.sample == [{"staff_total": -staff, "source_file": file, "source_row": row}]
        else:
            repeated = failed["marts.fct_talent_titles", "expect_compound_columns_to_be_unique"]
            located = dict(zip(("source_file", "source_sheet", "source_row"), title, strict=True))
            assert repeated.unexpected_count == 2 and repeated.sample == [located, located]
            # the repeated title counts twice in the records behind its institute's figures
            assert ("marts.records_reconcile", "expect_column_pair_values_to_be_equal") in failed
