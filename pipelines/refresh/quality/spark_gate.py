"""The quality gates on Spark: each check's frame a Spark dataframe, validated by Great Expectations'
Spark datasource.

INTERIM (replaced by GX's Spark datasource): the frames are collected to pandas and validated as on DuckDB."""
from __future__ import annotations

from pathlib import Path

from pipelines.config import Settings
from pipelines.refresh.quality.gate import GateResult


def run_spark_gate(gate: str, settings: Settings, spark, docs_dir: Path) -> GateResult:
    from pipelines.refresh.quality.checks import mart_checks, raw_checks
    from pipelines.refresh.quality.gate import run_gate

    checks = raw_checks(settings.today) if gate == "raw" else mart_checks()
    frames = {check.name: spark.sql(check.sql).toArrow().to_pandas() for check in checks}
    return run_gate(gate, checks, frames, docs_dir)
