"""`make refresh` on the engine of the settings: DuckDB (stages.py, the default) or Spark
(spark_stages.py). Either holds the data folder's write lock and records its outcome for the dashboard."""
from __future__ import annotations

import sys
from collections.abc import Collection
from datetime import UTC, datetime

from pipelines.config import Settings
from pipelines.lock import write_lock
from pipelines.refresh.stages import RefreshResult, record_run, run_on_duckdb


def refresh(settings: Settings, out=sys.stdout, wait: bool = False, allow_empty: Collection[str] = ()) -> RefreshResult:
    """`allow_empty`: datasets that may be published empty although the published version has rows of
    them (see stages._stop_if_emptied)."""
    with write_lock(settings.data_dir, "refresh", wait=wait):
        started = datetime.now(UTC)
        try:
            if settings.engine == "spark":
                from pipelines.refresh.spark_stages import refresh_on_spark

                result = refresh_on_spark(settings, out, allow_empty)
            else:
                result = run_on_duckdb(settings, out, allow_empty)
        except Exception as error:
            record_run(settings, started, error=error)
            raise
        record_run(settings, started, result=result)
        return result
