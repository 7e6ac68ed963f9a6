"""`make refresh`: ingest → quality gate on the raw tables → dbt build → quality gate on the marts →
publish, all or nothing. `run.py` picks the engine; `stages.py` runs the stages on DuckDB (in worker processes:
pipelines/runtime/), `spark_stages.py` on Spark,
`transform.py` runs dbt, `quality/` the Great Expectations gates, `publish.py` switches the published
marts. This package's face is what the command line and callers in code use."""
from pipelines.refresh.run import refresh
from pipelines.refresh.stages import (
    EXIT_CODES,
    STAGE_TITLES,
    STAGES,
    RefreshResult,
    StageFailed,
    failure_summary,
)

__all__ = ["EXIT_CODES", "STAGES", "STAGE_TITLES", "RefreshResult", "StageFailed", "failure_summary", "refresh"]
