"""The manifest a published version carries: the run, the code and tool versions, every source file with
its counts, what dbt built, what the gates checked, and each stage's time. Both engines write the same one."""
from __future__ import annotations

import importlib.metadata
import subprocess
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pipelines.config import PROJECT_ROOT

if TYPE_CHECKING:
    from pipelines.refresh.stages import RefreshResult

LOAD_LOG_SQL = """select source_file, dataset, file_sha256, rows_read, accepted, rejected, warnings
                  from raw.load_log order by source_file"""


def load_log_rows(con) -> list[tuple]:
    """The ingest's per-file counts, for the manifest."""
    return con.execute(LOAD_LOG_SQL).fetchall()


def build_manifest(result: RefreshResult, started: datetime, files: list[tuple], context: dict,
                   engine: str = "duckdb") -> dict:
    dbt = context["dbt"]
    return {
        "run_id": result.run_id,
        "started_at": started.isoformat(timespec="seconds"),
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": code_version(),
        "engine": engine,
        "tools": {p: _version(p) for p in ("duckdb", "dbt-core", "dbt-duckdb", "great-expectations", "pandas",
                                           *(("dbt-spark", "pyspark") if engine == "spark" else ()))},
        "source_files": [dict(zip(("file", "dataset", "sha256", "rows_read", "accepted", "quarantined", "warnings"),
                                  row, strict=True)) for row in files],
        "emptied_datasets": context["emptied"],  # had rows in the version before, allowed to have none
        "totals": {"files": len(files), **{k: sum(r[i] for r in files)
                                          for i, k in ((3, "rows_read"), (4, "accepted"), (5, "quarantined"),
                                                       (6, "warnings"))}},
        "dbt": {"models": dbt.counts.get("model", 0), "data_tests": dbt.counts.get("test", 0),
                "unit_tests": dbt.counts.get("unit_test", 0), "seeds": dbt.counts.get("seed", 0)},
        "quality_gates": {name: {"checks": g.checks, "expectations": g.expectations}
                          for name, g in (("raw", context["gate_raw"]), ("marts", context["gate_marts"]))},
        "stage_seconds": dict(result.timings),
        "stage_cpu_seconds": dict(result.cpu),
        "validation_seconds": dict(result.validation),
    }


def code_version() -> str:
    """`git describe` of the checkout; in an installed bundle (no .git), the VERSION file it carries."""
    try:
        sha = subprocess.run(["git", "-C", str(PROJECT_ROOT), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        if sha:
            return sha
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return (PROJECT_ROOT / "VERSION").read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        return "unknown"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
