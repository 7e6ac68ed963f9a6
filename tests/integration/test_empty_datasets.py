"""A dataset folder without files still gets its raw table, typed and named as one with files would be."""
from __future__ import annotations

import shutil

from pipelines.config import PROJECT_ROOT
from pipelines.contracts import CONTRACTS
from tests.conftest import DataDir

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
    # every dataset but the institute register, then rejects, warnings, load_log
    assert {row[0] for row in empty.query(SCHEMA)} == {*CONTRACTS, "rejects", "warnings", "load_log"} - {"institutes"}
    for dataset in ("volunteer_hours", "units", "awards", "papers", "talent_titles"):
        assert empty.query(f"select count(*) from raw.{dataset}") == [(0,)]
    assert empty.query("select column_name from information_schema.columns where table_schema = 'raw' "
                       "and table_name = 'awards' and column_name in ('unit_code', 'for_ref', 'for_kind') "
                       "order by all") == [("for_kind",), ("for_ref",), ("unit_code",)]
