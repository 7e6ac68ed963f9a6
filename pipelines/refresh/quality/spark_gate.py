"""The quality gates on Spark: each check's frame a Spark dataframe (`spark.sql` of the check's query,
checks.py), validated through Great Expectations' Spark datasource — the same suites, summary of
offending rows, Data Docs and report as on DuckDB (gate.validate). Nothing is collected into pandas but
what GX itself collects: its metrics, and the few sample rows of a failing expectation."""
from __future__ import annotations

from pathlib import Path

from pipelines.config import Settings
from pipelines.refresh.quality.gate import GateResult


def run_spark_gate(gate: str, settings: Settings, spark, docs_dir: Path) -> GateResult:
    """Gate `gate` (raw or marts) on the tables of `spark`'s catalog (raw.*, marts.*)."""
    from pipelines.refresh.quality.checks import mart_checks, raw_checks
    from pipelines.refresh.quality.gate import validate

    checks = raw_checks(settings.today) if gate == "raw" else mart_checks()
    frames = {check.name: spark.sql(check.sql_on("spark")) for check in checks}
    try:
        # GX persists each frame it validates (persist=True, its default), so a check's expectations — and
        # a failing check's second run for its summary — read the query's result, not the tables again.
        return validate(gate, checks, frames, docs_dir, lambda context: _spark_datasource(context, gate, spark))
    finally:
        for frame in frames.values():
            frame.unpersist()


def _spark_datasource(context, name: str, spark):
    """GX's Spark datasource on `spark`, the refresh's session. Left to itself, GX looks a session up
    (a Spark Connect one first, when grpcio is installed, then the classic one: getOrCreate) for the first
    batch; handed the session, its execution engine uses this one, whichever kind it is."""
    source = context.data_sources.add_spark(name, persist=True)
    source._spark = spark  # GX 1.x's own slot for the session it looked up (SparkDatasource.get_spark)
    return source
