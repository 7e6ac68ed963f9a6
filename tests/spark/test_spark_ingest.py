"""The ingest on Spark (pipelines/spark/ingest.py) lands the same raw tables as the DuckDB ingest: the
demo's files and a few hostile ones (a duplicate across two files, one of them GBK; an xlsx with a
quarantined row), every raw table compared row for row as Spark reads it; the same progress lines and
issue reports; each file read by a Spark task of its own; and a file that cannot be read stops it with
the DuckDB ingest's FileError. One Spark session for the module (real Spark, real DuckDB)."""
from __future__ import annotations

import io
import os
from datetime import date

import duckdb
import pyarrow as pa
import pytest

from pipelines.config import Settings
from pipelines.demo import generate
from pipelines.errors import FileError
from pipelines.ingest import ingest
from pipelines.spark.ingest import ingest_on_spark
from pipelines.spark.raw_tables import raw_dir
from pipelines.spark.session import spark_session
from tests.conftest import REGISTER, TODAY, write_csv, write_xlsx

VOL_HEADER = ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"]
PARTITION_COLUMNS = {"file"}  # added by the partition folders (file=<k>); `dataset` is a column of its own


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("session") / "data", engine="spark")
    return spark_session(settings)


@pytest.fixture(scope="module")
def both(tmp_path_factory, spark):
    """The demo plus hostile files, ingested by DuckDB and then by Spark in one data folder: (settings,
    DuckDB's result, its printed lines, its reports; Spark's result, its printed lines)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("ingest") / "data", id_salt="test-salt", today=TODAY,
                        engine="spark")
    generate(settings.raw_dir, settings.rules_dir)
    volunteer = settings.raw_dir / "volunteer_hours"
    write_csv(volunteer / "zz_a.csv", [VOL_HEADER, ["FJQI", "计量日", "2023-05-20", "V-9001", "2"]])
    write_csv(volunteer / "zz_b.csv", [VOL_HEADER, ["福建省质检院", "计量日", "2023年5月20日", "V-9001", "3"],
                                       ["FJQI", "计量日", "2023-05-21", "V-9002", "４"]], "gbk")
    write_xlsx(volunteer / "zz_c.xlsx", [VOL_HEADER, ["FJQI", "开放日", date(2023, 6, 1), "V-9003", 30],
                                         ["FJQI", "开放日", date(2023, 6, 1), "V-9004", 1.5]], start_row=1)
    duck_out = io.StringIO()
    duck = ingest(settings, out=duck_out)
    reports = {name: _lines(settings.reports_dir / "ingest" / f"{name}.csv") for name in ("rejects", "warnings")}
    spark_out = io.StringIO()
    found = ingest_on_spark(settings, spark, out=spark_out)
    return settings, duck, duck_out.getvalue(), reports, found, spark_out.getvalue()


def _lines(path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8-sig").splitlines())


def _rows(table: pa.Table) -> list[tuple]:
    """Rows as Python values, ENUM (dictionary) columns as their text, in a stable order."""
    columns = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return sorted(zip(*(c.to_pylist() for c in columns), strict=True), key=repr)


def test_every_raw_table_equals_the_duckdb_ingests(both, spark):
    settings, duck, *_ = both
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'raw' order by 1").fetchall()]
        expected = {t: con.sql(f"select * from raw.{t}").to_arrow_table() for t in tables}
    landed = sorted(p.name for p in raw_dir(settings).iterdir())
    assert landed == tables
    assert {"volunteer_hours", "rejects", "warnings", "load_log", "evaluation_rules"} <= set(tables)
    for table, want in expected.items():
        got = spark.table(f"raw.{table}").toArrow()
        assert set(got.column_names) - PARTITION_COLUMNS == set(want.column_names), table
        got = got.select(want.column_names)
        assert got.num_rows == want.num_rows, table
        assert _rows(got) == _rows(want), table
    # the hostile files did what they are there for
    rejects = {(r[0], r[1]) for r in _rows(expected["rejects"].select(["source_file", "reason_code"]))}
    assert {("volunteer_hours/zz_b.csv", "duplicate"), ("volunteer_hours/zz_c.xlsx", "hours_out_of_range")} <= rejects
    log = {r[0]: r[1] for r in _rows(expected["load_log"].select(["source_file", "encoding"]))}
    assert log["volunteer_hours/zz_b.csv"] == "gb18030"


def test_partitioned_by_dataset_and_file(both, spark):
    settings, duck, *_ = both
    files = {f.source_file for f in duck.files if f.dataset == "volunteer_hours" and f.accepted}
    folders = sorted(p.name for p in (raw_dir(settings) / "volunteer_hours").iterdir())
    assert folders == [f"file={k}" for k in range(len(folders))] and len(folders) == len(files)
    by_file = spark.sql("select file, count(distinct source_file) as n from raw.volunteer_hours group by file").collect()
    assert len(by_file) == len(files) and all(row.n == 1 for row in by_file)
    datasets = {p.name for p in (raw_dir(settings) / "rejects").iterdir()}
    assert datasets == {f"dataset={r.dataset}" for r in spark.sql("select distinct dataset from raw.rejects").collect()}


def test_same_progress_lines_and_reports(both):
    settings, duck, duck_lines, reports, found, spark_lines = both

    def progress(text: str) -> list[str]:  # the lines that carry no timing
        return [ln for ln in text.splitlines() if ln.startswith(("  [", "      ", "        set aside", "  checking"))]

    assert progress(spark_lines) == progress(duck_lines) and len(progress(duck_lines)) > len(duck.files)
    assert found.totals == duck.totals
    for name, lines in reports.items():
        assert _lines(settings.reports_dir / "ingest" / f"{name}.csv") == lines, name


def test_each_file_is_read_by_a_task_of_its_own(both):
    settings, duck, _, _, found, _ = both
    assert [t["read"]["path"] for t in found.tasks] == [str(settings.raw_dir / f.source_file) for f in duck.files]
    assert all(t["pid"] != os.getpid() for t in found.tasks)  # in Spark's Python workers, not the driver
    later = [t["partition"] for t in found.tasks if not t["read"]["path"].split("/raw/")[1].startswith(("institutes/", "units/"))]
    assert sorted(later) == list(range(len(later)))  # one job for the later datasets: a partition per file


def test_a_bad_file_stops_it_with_the_duckdb_ingests_error(tmp_path, spark):
    settings = Settings(data_dir=tmp_path / "data", id_salt="test-salt", today=TODAY, engine="spark")
    write_csv(settings.raw_dir / "institutes" / "register.csv", REGISTER, "utf-8-sig")
    good = [VOL_HEADER] + [["FJQI", f"活动{i}", "2023-05-05", f"V{i:05d}", "1.5"] for i in range(9000)]
    path = write_csv(settings.raw_dir / "volunteer_hours" / "v.csv", good)
    path.write_bytes(path.read_bytes() + "FJQI,坏,2023-05-05,V-X,".encode() + b"\xff\xfe1\r\n")  # past the sniffed head
    with pytest.raises(FileError) as on_duckdb:
        ingest(settings, out=None)
    with pytest.raises(FileError) as on_spark:
        ingest_on_spark(settings, spark, out=None)
    assert on_spark.value.render() == on_duckdb.value.render()
    assert "v.csv" in on_spark.value.render() and f"{len(good) + 1:,}" in on_spark.value.render()  # file, line
