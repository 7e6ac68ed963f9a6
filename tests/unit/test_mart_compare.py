"""The engine comparison's own checks (tests/spark/compare.py), on crafted Arrow tables: it runs in the
default suite, without Java, so that the comparison that guards the Spark engine is itself known to catch
what it must (a row missing, a text changed, a double off by more than 1e-12 relative, a null for a NaN)
and to pass what it must (another row order, a double off in its last bits)."""
import json
import math
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.config import PROJECT_ROOT
from tests.spark.compare import compare_manifests, compare_published, compare_tables, declared_keys, same

KEY = ["institute_id", "year", "metric_id"]


def mart(**changes) -> pa.Table:
    """Three rows of a fct_institute_metric_year-like mart; `changes` replaces whole columns."""
    columns = {
        "institute_id": pa.array(["FJQI", "FJQI", "ZJQS"]),
        "year": pa.array([2023, 2024, 2024], pa.int32()),
        "metric_id": pa.array(["awards", "awards", "awards"]),
        "value": pa.array([Decimal("3.500000"), Decimal("4.000000"), None], pa.decimal128(38, 6)),
        "cagr_3y": pa.array([0.125, 1 / 3, math.nan], pa.float64()),
        "as_of": pa.array([date(2025, 6, 30)] * 3, pa.date32()),
    }
    return pa.table({**columns, **changes})


def test_equal_tables_agree():
    assert compare_tables("fct_x", mart(), mart(), KEY) == []


def test_another_row_order_agrees():
    assert compare_tables("fct_x", mart(), mart().take([2, 0, 1]), KEY) == []


def test_a_missing_row_is_named_with_its_key():
    problems = compare_tables("fct_x", mart(), mart().take([0, 2]), KEY)
    assert "fct_x: 3 rows on duckdb, 2 on spark" in problems
    assert "fct_x [institute_id='FJQI', year=2024, metric_id='awards']: 1 row(s) only on duckdb" in problems


def test_a_differing_text_names_mart_key_column_and_both_values():
    labelled = mart().append_column("label", pa.array(["一", "二", "三"]))
    changed = mart().append_column("label", pa.array(["一", "二", "叁"]))
    assert compare_tables("fct_x", labelled, changed, KEY) == [
        "fct_x [institute_id='ZJQS', year=2024, metric_id='awards'] label: duckdb='三', spark='叁'"]
    # a text of the key: that key is on one side only, the other key on the other
    rekeyed = mart(metric_id=pa.array(["awards", "awards", "papers"]))
    assert compare_tables("fct_x", mart(), rekeyed, KEY, names=("a", "b")) == [
        "fct_x [institute_id='ZJQS', year=2024, metric_id='awards']: 1 row(s) only on a",
        "fct_x [institute_id='ZJQS', year=2024, metric_id='papers']: 1 row(s) only on b"]


def test_a_double_off_by_1e_9_relative_fails_and_by_1e_13_passes():
    third = 1 / 3
    off = [mart(cagr_3y=pa.array([0.125, third * (1 + rel), math.nan])) for rel in (1e-9, 1e-13)]
    problems = compare_tables("fct_x", mart(), off[0], KEY)
    assert len(problems) == 1
    assert problems[0].startswith("fct_x [institute_id='FJQI', year=2024, metric_id='awards'] cagr_3y: duckdb=0.333")
    assert compare_tables("fct_x", mart(), off[1], KEY) == []


def test_a_decimal_must_be_exact():
    nudged = mart(value=pa.array([Decimal("3.500000"), Decimal("4.000001"), None], pa.decimal128(38, 6)))
    assert [p.split("]")[1] for p in compare_tables("fct_x", mart(), nudged, KEY)] == [
        " value: duckdb=Decimal('4.000000'), spark=Decimal('4.000001')"]


def test_nan_agrees_with_nan_and_null_with_null_but_not_with_each_other():
    assert compare_tables("fct_x", mart(), mart(), KEY) == []  # the third row: value null, cagr_3y NaN on both
    null_for_nan = mart(cagr_3y=pa.array([0.125, 1 / 3, None], pa.float64()))
    assert [p.split("] ")[1] for p in compare_tables("fct_x", mart(), null_for_nan, KEY)] == [
        "cagr_3y: duckdb=nan, spark=None"]
    assert not same(None, 0.0, True) and not same(math.nan, 0.0, True) and same(None, None, False)
    assert same(math.inf, math.inf, True) and not same(math.inf, 1e308, True) and not same(0.0, 1e-300, True)


def test_a_type_or_column_difference_is_said():
    as_int64 = mart(year=pa.array([2023, 2024, 2024], pa.int64()))
    assert compare_tables("fct_x", mart(), as_int64, KEY) == ["fct_x.year: type int32 on duckdb, int64 on spark"]
    assert compare_tables("fct_x", mart(), mart().drop_columns(["as_of"]), KEY) == [
        "fct_x: columns only on duckdb: ['as_of']"]
    reordered = mart().select(["year", "institute_id", "metric_id", "value", "cagr_3y", "as_of"])
    assert compare_tables("fct_x", mart(), reordered, KEY)[0].startswith("fct_x: columns in another order")


def test_rows_sharing_a_provenance_are_paired_whatever_their_order():
    """A record mart without a declared key (fct_row_warnings: several warnings on one source row) is
    keyed by its provenance; the rows of one key are paired in sorted order."""
    warnings = pa.table({"source_file": ["a.csv"] * 3, "source_sheet": [None] * 3, "source_row": [2, 2, 3],
                         "warning": ["w1", "w2", "w1"], "hours": [1.5, 2.5, 0.5]})
    assert compare_tables("fct_row_warnings", warnings, warnings.take([1, 2, 0])) == []
    changed = warnings.set_column(3, "warning", pa.array(["w1", "w3", "w1"]))
    assert compare_tables("fct_row_warnings", warnings, changed) == [
        "fct_row_warnings [source_file='a.csv', source_sheet=None, source_row=2] warning: duckdb='w2', spark='w3'"]


def test_many_differences_are_counted_beyond_a_few_examples():
    n = 20
    left = pa.table({"id": list(range(n)), "name": [f"n{i}" for i in range(n)]})
    right = pa.table({"id": list(range(n)), "name": [f"m{i}" for i in range(n)]})
    problems = compare_tables("dim_x", left, right, ["id"])
    assert len(problems) == 4 and problems[-1] == "dim_x.name: … and 17 more row(s) differ"


def test_manifests_agree_on_files_counts_and_marts_not_on_times():
    files = [{"file": "awards/a.csv", "dataset": "awards", "sha256": "ab", "rows_read": 3, "accepted": 3,
              "quarantined": 0, "warnings": 1}]
    duck = {"run_id": "1", "engine": "duckdb", "source_files": files, "totals": {"files": 1, "rows_read": 3},
            "emptied_datasets": [], "marts": [{"mart": "fct_awards", "rows": 3, "sha256": "x"}]}
    spark = duck | {"run_id": "2", "engine": "spark", "marts": [{"mart": "fct_awards", "rows": 3, "sha256": "y"}]}
    assert compare_manifests(duck, spark) == []
    fewer = spark | {"source_files": [files[0] | {"accepted": 2, "quarantined": 1}]}
    assert compare_manifests(duck, fewer) == [
        "manifest source file awards/a.csv accepted: duckdb=3, spark=2",
        "manifest source file awards/a.csv quarantined: duckdb=0, spark=1"]
    assert compare_manifests(duck, spark | {"source_files": []}) == ["source files only on duckdb: ['awards/a.csv']"]


def test_published_folders_are_compared_mart_by_mart(tmp_path):
    folders = []
    for name, table in (("duckdb", mart()), ("spark", mart().take([0, 1]))):
        folder = tmp_path / name
        folder.mkdir()
        pq.write_table(table, folder / "fct_x.parquet")
        pq.write_table(mart(), folder / f"only_{name}.parquet")
        marts = [{"mart": "fct_x", "rows": table.num_rows}, {"mart": f"only_{name}", "rows": 3}]
        (folder / "manifest.json").write_text(json.dumps({"source_files": [], "marts": marts}), encoding="utf-8")
        folders.append(folder)
    problems = compare_published(*folders, {"fct_x": KEY})
    assert "manifest fct_x rows: duckdb=3, spark=2" in problems
    assert "marts published only on duckdb: ['only_duckdb']" in problems
    assert "marts published only on spark: ['only_spark']" in problems
    assert "fct_x [institute_id='ZJQS', year=2024, metric_id='awards']: 1 row(s) only on duckdb" in problems


@pytest.mark.parametrize(("model", "key"), [
    ("fct_institute_metric_year", ["institute_id", "year", "metric_id"]),  # unique on an expression
    ("fct_evaluation_items", ["year", "scope", "entity_id", "item_id"]),  # unique_combination_of_columns
    ("dim_institutes", ["institute_id"]),  # a column's unique test
])
def test_the_keys_are_the_ones_the_dbt_tests_declare(model, key):
    assert declared_keys(PROJECT_ROOT / "dbt_project" / "models" / "marts")[model] == key
