"""The demo refreshed on DuckDB and on Spark publishes the same marts (`make test-spark`, CI).

Two data folders get the same demo (pipelines.demo.generate once, copied), each is refreshed end to end
by `refresh()` with its engine — the Spark one in this process, on one session for the module — and every
published mart is compared by tests/spark/compare.py: the same marts, columns and types, rows and keys;
text, integers, decimals and dates exact, doubles within 1e-12 relative. The manifests must name the same
source files read to the same counts. A green dbt build on Spark is not enough: some engine differences
pass every dbt test, so the published files are what is compared."""
from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.demo import generate
from pipelines.refresh import refresh
from pipelines.refresh.publish import read_manifest
from tests.conftest import TODAY
from tests.spark.compare import compare_published, declared_keys

ENGINES = ("duckdb", "spark")
# The marts issue 25 names beside the institute metrics: each must be compared with rows in it.
NAMED = ("dim_units", "fct_unit_metric_year", "fct_awards", "fct_papers", "fct_talent_titles",
         "fct_evaluation_items", "fct_evaluation_scores", "fct_institute_metric_year", "fct_volunteer_records")
KEYS = declared_keys(PROJECT_ROOT / "dbt_project" / "models" / "marts")


def publish_demo(root: Path, engine: str, demo: Settings) -> Settings:
    """A data folder of its own under `root` with the demo's files and rules, refreshed on `engine`."""
    settings = Settings(data_dir=root / engine, id_salt="test-salt", today=TODAY, engine=engine)
    shutil.copytree(demo.raw_dir, settings.raw_dir)
    shutil.copytree(demo.rules_dir, settings.rules_dir)
    refresh(settings, out=None)
    return settings


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """engine → the settings of its data folder, refreshed and published."""
    root = tmp_path_factory.mktemp("engines")
    demo = Settings(data_dir=root / "demo", today=TODAY)
    generate(demo.raw_dir, demo.rules_dir)
    try:
        yield {engine: publish_demo(root, engine, demo) for engine in ENGINES}
    finally:
        from pipelines.spark.session import stop_session

        stop_session()


def test_each_engine_published_the_demo_with_rows_in_every_named_mart(published):
    for engine, settings in published.items():
        manifest = read_manifest(settings.marts_dir)
        assert manifest["engine"] == engine
        rows = {m["mart"]: m["rows"] for m in manifest["marts"]}
        assert all(rows.get(mart, 0) > 0 for mart in NAMED), {mart: rows.get(mart) for mart in NAMED}


def test_every_published_mart_and_the_manifests_agree(published):
    duckdb, spark = (settings.marts_dir / "current" for settings in published.values())
    problems = compare_published(duckdb.resolve(), spark.resolve(), KEYS, names=ENGINES)
    assert not problems, f"{len(problems)} difference(s) between the engines' marts:\n" + "\n".join(problems)


def test_the_declared_keys_are_keys_of_the_published_marts(published):
    """The comparison pairs rows by these keys: each must be unique, or a difference could hide."""
    current = published["duckdb"].marts_dir / "current"
    assert KEYS, "no mart key found in the dbt YAML"
    for mart, key in KEYS.items():
        table = pq.read_table(current / f"{mart}.parquet", columns=key)
        counts = table.group_by(key).aggregate([([], "count_all")])
        assert pc.max(counts["count_all"]).as_py() in (None, 1), f"{mart}: {key} is not unique"
