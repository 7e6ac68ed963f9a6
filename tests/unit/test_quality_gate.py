"""The quality gate's use of Great Expectations: what it reports on a failing frame, and that building each
expectation's configuration once per validation run (gate._configurations_kept) changes no result."""
import contextlib
import os
import subprocess
import sys

import pandas as pd
import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.refresh.quality import gate
from pipelines.refresh.quality.checks import Check, _between, _not_null, _unique

CHECK = Check(
    "raw.example", "a frame with one null, one repeated key and one value out of range", "-- frame given",
    (*_not_null("institute_id"), _unique("institute_id", "year"), _between("staff_total", 1)),
    ("source_file", "source_row"))
FRAME = pd.DataFrame({
    "institute_id": ["FJQI", "FJQI", None, "ZJSI"],
    "year": [2023, 2023, 2024, 2024],
    "staff_total": [120, 120, 80, 0],
    "source_file": ["staff.csv"] * 4,
    "source_row": [2, 3, 4, 5],
})


def failures_of(tmp_path, name):
    result = gate.run_gate("raw", (CHECK,), {CHECK.name: FRAME}, tmp_path / name)
    assert result.checks == 1 and result.expectations == 3 and (tmp_path / name / "index.html").is_file()
    return [(f.check, f.expectation, f.unexpected_count, f.sample) for f in result.failures]


def test_a_failing_frame_names_each_expectation_and_the_rows_behind_it(tmp_path):
    assert failures_of(tmp_path, "docs") == [
        ("raw.example", "expect_column_values_to_not_be_null", 1,
         [{"institute_id": None, "source_file": "staff.csv", "source_row": 4}]),
        ("raw.example", "expect_compound_columns_to_be_unique", 2,
         [{"institute_id": "FJQI", "year": 2023, "source_file": "staff.csv", "source_row": 2},
          {"institute_id": "FJQI", "year": 2023, "source_file": "staff.csv", "source_row": 3}]),
        ("raw.example", "expect_column_values_to_be_between", 1,
         [{"staff_total": 0, "source_file": "staff.csv", "source_row": 5}]),
    ]


def test_configurations_kept_for_a_run_give_the_results_gx_gives_alone(tmp_path, monkeypatch):
    from great_expectations.expectations.expectation import Expectation

    property_before = Expectation.__dict__["configuration"]
    kept = failures_of(tmp_path, "kept")
    assert Expectation.__dict__["configuration"] is property_before  # put back after each run
    monkeypatch.setattr(gate, "_configurations_kept", contextlib.nullcontext)
    assert failures_of(tmp_path, "alone") == kept


def test_a_kept_configuration_is_the_one_gx_builds(tmp_path):
    import great_expectations.expectations as gxe

    expectation = gxe.ExpectColumnValuesToBeBetween(column="staff_total", min_value=1)
    with gate._configurations_kept():
        first = expectation.configuration
        assert expectation.configuration is first
    assert first == expectation.configuration and expectation.configuration is not first


def test_a_new_gx_process_neither_imports_scipy_stats_nor_compiles_docs_templates_before_use(tmp_path):
    failures_of(tmp_path, "docs")  # compiles the Data Docs templates once, into Jinja's cache folder
    script = """
import sys, jinja2
from pipelines.refresh.quality import gate
gate._import_gx()
compiled = []
compile = jinja2.Environment.compile
jinja2.Environment.compile = lambda self, *a, **k: compiled.append(1) or compile(self, *a, **k)
sys.path.insert(0, "tests/unit")
from test_quality_gate import CHECK, FRAME
gate.run_gate("raw", (CHECK,), {CHECK.name: FRAME}, __import__("pathlib").Path(sys.argv[1]))
print("scipy.optimize" in sys.modules, len(compiled))
from scipy import stats
print(stats.norm.cdf(0.0))
"""
    shown = subprocess.run([sys.executable, "-c", script, str(tmp_path / "new")], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, check=True)
    # scipy.stats not loaded by GX's import nor by a gate, and whole when used; no template compiled again
    assert shown.stdout.split() == ["False", "0", "0.5"]


def test_a_gate_without_a_usable_template_cache_folder_still_writes_its_report(tmp_path):
    (tmp_path / f"_jinja2-cache-{os.getuid()}").write_text("a file where Jinja wants its folder")
    script = """
import sys
sys.path.insert(0, "tests/unit")
from test_quality_gate import CHECK, FRAME, gate
gate._import_gx()
result = gate.run_gate("raw", (CHECK,), {CHECK.name: FRAME}, __import__("pathlib").Path(sys.argv[1]))
print(len(result.failures), result.docs_index.is_file())
"""
    shown = subprocess.run([sys.executable, "-c", script, str(tmp_path / "docs")], cwd=PROJECT_ROOT,
                           env={**os.environ, "TMPDIR": str(tmp_path)}, capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["3", "True"]


def test_sample_cells_read_as_a_person_reads_them():
    from decimal import Decimal

    import numpy as np

    # a decimal as Spark's sample rows hold it reads as pandas' float on DuckDB's path
    assert [gate._plain(v) for v in (np.float64(10.25462962962963), float("nan"), np.int64(800), "FJSI", 2.5,
                                     Decimal("0.12345678"))] == [10.2546, None, 800, "FJSI", 2.5, 0.123457]
    assert type(gate._plain(np.int64(800))) is int


@pytest.fixture(autouse=True, scope="module")
def _gx():
    gate._import_gx()


def test_the_gate_report_is_one_static_page_with_every_outcome_and_the_rows_behind_a_failure(tmp_path):
    """What the dashboard serves of a gate: a page that loads nothing (no script, no stylesheet, no
    image, no other host: readable offline), each expectation's outcome, a failure's located rows, and
    the frame's text escaped."""
    import re

    frame = FRAME.assign(source_file=["staff.csv", "staff.csv", "<script>alert(1)</script>.csv", "staff.csv"])
    passing = Check("raw.fine", "a frame that meets its expectation", "-- frame given", _not_null("year"))
    gate.run_gate("raw", (passing, CHECK), {CHECK.name: frame, passing.name: FRAME}, tmp_path / "docs")
    page = (tmp_path / "docs" / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and not re.search(r"\b(src|href)=|@import|url\(", page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.csv" in page
    assert "未通过 FAILED</strong> · 3 / 4" in page and "1 / 2 项检查" in page
    # the failing check first, each failure with its rows located by file and row
    assert page.index("raw.example") < page.index("raw.fine")
    for expectation in ("expect_column_values_to_not_be_null", "expect_compound_columns_to_be_unique",
                        "expect_column_values_to_be_between"):
        assert f"<code>{expectation}</code>" in page
    assert re.search(r"<td>✗ 未通过</td><td><code>expect_column_values_to_be_between</code>.*?"
                     r"<td>1 / 4 行 rows</td>.*?<td>0</td><td>staff.csv</td><td>5</td>", page)
    assert re.search(r"<td>✓ 通过</td><td><code>expect_column_values_to_not_be_null</code><br><code>column='year'"
                     r"</code></td><td>0 / 4 行 rows</td>", page)


def test_the_unit_climb_of_the_marts_gate_goes_as_far_up_as_dbt_climbs():
    """checks._unit_climb is written out step by step (Spark plans no recursive CTE): as many steps as
    dbt's int_unit_closure climbs."""
    import yaml

    from pipelines.refresh.quality.checks import UNIT_CLIMB_STEPS, _unit_climb

    project = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["vars"]["max_unit_depth"] == UNIT_CLIMB_STEPS
    assert f"up_{UNIT_CLIMB_STEPS} as" in _unit_climb() and f"up_{UNIT_CLIMB_STEPS + 1} as" not in _unit_climb()
