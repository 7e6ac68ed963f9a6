"""A refresh and the evaluation rules: each year's highest version is landed (with its file, hash and who
saved it); a version with an error stops `python -m pipelines refresh` at the ingest stage naming the
file and the line, and leaves the published marts as they were; the portal's upload check does not read
the rules at all."""
from __future__ import annotations

import hashlib

import duckdb
import pytest

from pipelines.demo import evaluation_rules
from pipelines.evaluation.store import latest
from pipelines.refresh import refresh
from pipelines.submissions.check import check_submission
from tests.conftest import DataDir, write_csv
from tests.integration.test_refresh_arithmetic import write_submission
from tests.integration.test_refresh_failures import cli, snapshot
from tests.unit.test_evaluation_rules import BASE, edited, line_of


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A small submission and the demo's rules, refreshed once (published)."""
    data = DataDir(tmp_path_factory.mktemp("rules") / "data")
    write_submission(data)
    evaluation_rules.write(data.settings.rules_dir)
    refresh(data.settings, out=None)
    return data


def test_each_years_highest_version_is_landed_with_its_file_hash_and_sidecar(data):
    current = latest(data.settings.rules_dir)
    with duckdb.connect(str(data.settings.warehouse), read_only=True) as con:
        landed = con.execute("select distinct year, rules_file, rules_version, rules_sha256, saved_by, saved_at "
                             "from raw.evaluation_scopes order by year").fetchall()
        lines = con.execute("select count(*) from raw.evaluation_rules where source_line is null").fetchone()
    assert landed == [(year, f"rules/evaluation/{year}/{v.name}.yaml", v.version,
                       hashlib.sha256(v.path.read_bytes()).hexdigest(), v.saved_by, v.saved_at)
                      for year, v in sorted(current.items())]
    assert lines == (0,)


def test_a_rules_file_with_a_typo_stops_the_refresh_at_ingest_naming_the_line(data):
    broken = edited("metric: std_led", "metric: std_lde")
    path = data.settings.rules_dir / "2024" / "v003.yaml"
    path.write_text(broken, encoding="utf-8")
    before = snapshot(data.settings.marts_dir)
    warehouse = hashlib.sha256(data.settings.warehouse.read_bytes()).hexdigest()
    try:
        process = cli(data)
        _, err = process.communicate(timeout=300)
    finally:
        path.unlink()
    line = line_of(broken, "std_lde")
    assert line == line_of(BASE, "metric: std_led")
    assert process.returncode == 2, err[-3000:]
    assert "REFRESH FAILED at stage 'ingest'" in err and "rules/evaluation/2024/v003.yaml" in err
    assert f"第 {line} 行" in err and f"line {line}: unknown metric 'std_lde' (did you mean 'std_led'?)" in err
    assert "The published marts are unchanged" in err
    assert snapshot(data.settings.marts_dir) == before
    assert hashlib.sha256(data.settings.warehouse.read_bytes()).hexdigest() == warehouse


def test_the_portal_upload_check_does_not_read_the_rules(data, tmp_path):
    """A broken rules file is the refresh's to report, not a reason to refuse an institute's upload."""
    path = data.settings.rules_dir / "2024" / "v003.yaml"
    path.write_text("year: [2024\n", encoding="utf-8")
    source = write_csv(tmp_path / "p.csv", [["institute", "year", "level", "stage", "count"],
                                            ["FJQI", "2024", "国家级", "立项", "6"]])
    try:
        result = check_submission(data.settings, "project_counts", "FJQI", 2024, source)
    finally:
        path.unlink()
    assert (result.refused, result.errors, result.accepted) == (False, [], 1)
