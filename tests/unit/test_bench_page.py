"""docs/benchmarks.md is generated from bench/out/*.json by bench.page: a missing result keeps its section,
marked "not run"; a result gives its table, its targets' verdicts and, on a shared machine, the warning."""
import json

from bench.page import render

MACHINE = {"commit": "abc1234", "pipelines_edited": False, "nproc": 2, "cpu": "AMD EPYC", "memory_gib": 23.5,
           "python": "3.11.7", "duckdb": "2.0.1", "pyarrow": "26.0.1", "fastexcel": "0.21.0",
           "pipelines_sha256": "0123456789abcdef"}


def ingest_result(other_cpus_busy: float) -> dict:
    floor = {"input": "volunteer_hours_10000000.csv", "format": "csv", "rows": 10**7, "tool": "duckdb",
             "median_wall_s": 7.0, "median_cpu_s": 10.3, "peak_rss_mib": 900.0, "ratio": 1.0, "runs": []}
    touyan = floor | {"tool": "touyan", "median_wall_s": 9.1, "median_cpu_s": 17.2, "peak_rss_mib": 756.0,
                      "ratio": 1.3, "accepted": 9_999_400, "quarantined": 600}
    return {"command": "/x/.venv/bin/python -m bench.ingest --sizes 1e7", "machine": MACHINE, "repeat": 3,
            "ended": "2026-12-07 07:00 UTC", "seconds": 240, "other_cpus_busy": other_cpus_busy,
            "results": [floor, touyan],
            "targets": [{"target": "CSV ingest ≤ 1.5× DuckDB read_csv at 1e7 rows", "value": "1.30×", "pass": True},
                        {"target": "made-up target", "value": "3", "pass": False}]}


def test_every_section_says_not_run_without_results(tmp_path):
    page = render(tmp_path)
    headings = ("## Ingest", "## Refresh", "## Spark", "## Dashboard", "## Load (Locust)", "## Report pack", "## Online submission",
                "## Annotated copy", "## Evaluation")
    for heading in headings:
        assert heading in page
    assert page.count("**Not run**") == len(headings)
    assert len(page.splitlines()) < 200


def test_a_result_gives_its_table_command_machine_and_verdicts(tmp_path):
    (tmp_path / "ingest.json").write_text(json.dumps(ingest_result(0.05)), encoding="utf-8")
    page = render(tmp_path)
    ingest = page.split("## Ingest", 1)[1].split("## Refresh", 1)[0]
    assert "`python -m bench.ingest --sizes 1e7`" in ingest
    assert "2026-12-07 07:00 UTC, took 4 min" in ingest
    assert "2 CPUs (AMD EPYC), 23.5 GiB, Python 3.11.7, DuckDB 2.0.1" in ingest and "commit abc1234" in ingest
    assert "| volunteer_hours_10000000.csv | 10,000,000 | touyan | 9.10 | 1.30 | 17.2 | 756 | 9,999,400 / 600 |" in ingest
    assert "| CSV ingest ≤ 1.5× DuckDB read_csv at 1e7 rows | 1.30× | **PASS** |" in ingest
    assert "| made-up target | 3 | **MISS** |" in ingest
    assert "Machine busy" not in ingest
    assert page.count("**Not run**") == 8  # the other sections


def test_a_busy_machine_is_said(tmp_path):
    (tmp_path / "ingest.json").write_text(json.dumps(ingest_result(1.4)), encoding="utf-8")
    assert "**Machine busy**: other processes kept 1.4 of the 2 CPUs busy" in render(tmp_path)


def test_the_annotated_copy_gives_its_copy_time_per_input(tmp_path):
    result = {"input": "xlsx", "rows": 10_000, "findings": 1000, "tool": "touyan", "runs": [], "median_copy_s": 1.96,
              "median_wall_s": 2.63, "median_cpu_s": 1.92, "peak_rss_mib": 118.0, "copy_mib": 0.4}
    found = {"command": "python -m bench.annotate", "machine": MACHINE, "repeat": 3, "ended": "2026-12-07 11:30 UTC",
             "seconds": 20, "other_cpus_busy": 0.0, "results": [result],
             "targets": [{"target": "annotated copy of a 1e4-row xlsx with 1,000 errors ≤ 3 s", "value": "1.96 s",
                          "pass": True}]}
    (tmp_path / "annotate.json").write_text(json.dumps(found), encoding="utf-8")
    section = render(tmp_path).split("## Annotated copy", 1)[1]
    assert "| xlsx | 10,000 | 1,000 | 1.96 | 2.63 | 1.92 | 118 | 0.4 |" in section
    assert "| annotated copy of a 1e4-row xlsx with 1,000 errors ≤ 3 s | 1.96 s | **PASS** |" in section


def test_the_evaluation_gives_the_models_own_time_and_the_what_if_percentiles(tmp_path):
    dbt = [{"wall_s": 6.0, "cpu_s": 5.0, "other_cpu_s": 0.1, "models_s": s, "models": {"fct_evaluation_scores": 0.05}}
           for s in (0.31, 0.29)]
    calls = [{"year": 2024, "scope": "unit", "group": "FJQI:team", "n": 27, "items": 6, "calls": 200, "errors": 0,
              "p50_ms": 21.5, "p95_ms": 30.25, "max_ms": 44.0, "wall_s": 5.0, "other_cpu_s": 0.2}]
    found = {"command": "python -m bench.evaluation", "machine": MACHINE, "repeat": 2, "ended": "2026-12-07 18:00 UTC",
             "seconds": 60, "other_cpus_busy": 0.02, "results": [{"what": "dbt", "runs": dbt}, {"what": "what-if", "runs": calls}],
             "targets": [{"target": "what-if callback p95 ≤ 100 ms", "value": "30.2 ms", "pass": True}]}
    (tmp_path / "evaluation.json").write_text(json.dumps(found), encoding="utf-8")
    section = render(tmp_path).split("## Evaluation", 1)[1]
    assert "| evaluation models' own time, s (runs) | 0.310, 0.290 |" in section
    assert "| · fct_evaluation_scores (last run) | 0.050 s |" in section
    assert "| 2024 unit FJQI:team | 27 × 6 | 200 | 21.5 | 30.2 | 44.0 | 0 |" in section
    assert "| what-if callback p95 ≤ 100 ms | 30.2 ms | **PASS** |" in section


def test_spark_gives_each_engine_its_stages_peak_memory_per_row_and_fixed_cost(tmp_path):
    def result(size, rows, engine, wall, stages, **more):
        runs = [{"wall_s": wall, "stage_seconds": stages}]
        return {"input": size, "rows": rows, "engine": engine, "runs": runs, "failed_runs": 0, "median_wall_s": wall,
                "median_cpu_s": wall / 2, "peak_rss_mib": 1500.0, "median_stage_s": stages, **more}

    spark_stages = {"spark_start": 12.0, "ingest": 20.0, "gate_raw": 5.0, "dbt_build": 60.0, "gate_marts": 4.0, "publish": 2.0}
    results = [result("1e6", 1_025_000, "duckdb", 14.0, {"ingest": 3.0}),
               result("1e6", 1_025_000, "spark", 103.0, spark_stages),
               result("1e7", 10_025_000, "duckdb", 30.2, {"ingest": 9.0}, per_million_s=1.8, fixed_s=12.155),
               result("1e7", 10_025_000, "spark", 190.0, spark_stages | {"spark_start": 14.0}, per_million_s=9.667,
                      fixed_s=93.1)]
    found = {"command": "python -m bench.spark", "machine": MACHINE | {"pyspark": "4.0.1"}, "repeat": 1,
             "ended": "2026-12-08 10:00 UTC", "seconds": 600, "other_cpus_busy": 0.0, "results": results,
             "targets": [{"target": "1e7: Spark read the same files to the same counts as DuckDB, same marts and rows",
                          "value": "agree", "pass": True}]}
    (tmp_path / "spark.json").write_text(json.dumps(found), encoding="utf-8")
    section = render(tmp_path).split("## Spark", 1)[1].split("## Dashboard", 1)[0]
    assert "PySpark 4.0.1" in section
    assert "| 1e7 | 10,025,000 | spark | 190.0 | 95.0 | 1,500 | 14.0 | 20.0 | 5.0 | 60.0 | 4.0 | 2.0 |" in section
    assert "| 1e6 | 1,025,000 | duckdb | 14.0 | 7.0 | 1,500 |  | 3.0 |" in section
    assert "- spark: 9.67 s per million rows added, fixed cost 93.1 s (1e6 → 1e7, median wall)." in section
    assert "- duckdb: 1.80 s per million rows added, fixed cost 12.2 s" in section
    assert "Spark's session start (Java, Spark, the metastore): median 13.0 s of 2 runs." in section
    assert "| 1e7: Spark read the same files to the same counts as DuckDB, same marts and rows | agree | **PASS** |" in section
