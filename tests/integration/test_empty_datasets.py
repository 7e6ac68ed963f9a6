"""A dataset folder without files still gets its raw table, typed and named as one with files would be, and
a data folder without the newer datasets (units register, awards, papers, talent titles) still builds."""
from __future__ import annotations

import shutil

import duckdb

from pipelines.config import PROJECT_ROOT
from pipelines.contracts import CONTRACTS
from pipelines.evaluation.rules import TABLES
from pipelines.refresh import refresh
from tests.conftest import DataDir, write_csv

# An ENUM's values are those of the files loaded (landing.text_type): its kind is what must match.
SCHEMA = ("select table_name, column_name, if(data_type like 'ENUM(%', 'ENUM', data_type), ordinal_position "
          "from information_schema.columns where table_schema = 'raw' and table_name <> 'institutes' order by all")


def test_tables_of_datasets_without_files_have_the_columns_of_loaded_ones(tmp_path):
    loaded = DataDir(tmp_path / "loaded")
    shutil.rmtree(loaded.raw)
    shutil.copytree(PROJECT_ROOT / "data" / "raw", loaded.raw)
    loaded.ingest()
    empty = DataDir(tmp_path / "empty")  # the register only
    empty.ingest()
    assert empty.query(SCHEMA) == loaded.query(SCHEMA)
    # every dataset but the institute register, then rejects, warnings, load_log, and the evaluation's
    # rules (no rules folder: no evaluation, the tables empty)
    assert {row[0] for row in empty.query(SCHEMA)} == {*CONTRACTS, "rejects", "warnings", "load_log", *TABLES} - {"institutes"}
    for table in TABLES:
        assert empty.query(f"select count(*) from raw.{table}") == [(0,)]
    for dataset in ("volunteer_hours", "units", "awards", "papers", "talent_titles"):
        assert empty.query(f"select count(*) from raw.{dataset}") == [(0,)]
    assert empty.query("select column_name from information_schema.columns where table_schema = 'raw' "
                       "and table_name = 'awards' and column_name in ('unit_code', 'for_ref', 'for_kind') "
                       "order by all") == [("for_kind",), ("for_ref",), ("unit_code",)]


def test_a_folder_without_units_awards_papers_or_talent_titles_builds_and_publishes(data):
    write_csv(data.raw / "staff" / "staff.csv", [["institute", "year", "staff_total"], ["FJQI", 2024, 200]])
    write_csv(data.raw / "project_counts" / "projects.csv",
              [["institute", "year", "level", "stage", "count"], ["FJQI", 2024, "省部级", "立项", 3]])
    version = refresh(data.settings, out=None).version
    con = duckdb.connect()
    rows = {mart: con.execute(f"select count(*) from '{version / mart}.parquet'").fetchone()[0]
            for mart in ("dim_units", "fct_unit_metric_year", "fct_awards", "fct_papers", "fct_talent_titles")}
    assert rows == dict.fromkeys(rows, 0)
    figures = dict(con.execute(f"select metric_id, value from '{version}/fct_institute_metric_year.parquet' "
                               "where metric_id in ('prj_initiated', 'awd_total', 'pap_total', 'tal_total')").fetchall())
    assert figures == {"prj_initiated": 3.0, "awd_total": None, "pap_total": None, "tal_total": None}  # not sent: not 0
