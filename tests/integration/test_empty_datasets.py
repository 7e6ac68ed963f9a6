"""A dataset folder without files still gets its raw table, typed and named as one with files would be."""
from __future__ import annotations

import shutil

from pipelines.config import PROJECT_ROOT
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
    assert len({row[0] for row in empty.query(SCHEMA)}) == 9  # six datasets, rejects, warnings, load_log
    assert empty.query("select count(*) from raw.volunteer_hours") == [(0,)]
