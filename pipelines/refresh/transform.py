"""Run `dbt build` (seeds, models, data tests, unit tests) in-process on the warehouse, and report what
failed in words a person can act on.

dbt gets the data folder's settings as `--vars` on its command line (dbt_args), not through this
process's environment: the warehouse and its memory limit in dbt_project/profiles.yml (dbt renders
profiles with the command line's vars), and the Parquet folder in the parquet_file materialization. The
run stays a pure function of its Settings, and a process running dbt twice for two data folders (tests,
a resident worker) cannot carry one folder's settings into the other's run.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.config import PROJECT_ROOT, Settings

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


@dataclass
class DbtFailure:
    node: str
    kind: str
    status: str
    message: str
    path: str = ""

    def render(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"  ✗ {self.kind} {self.node}{where}: {self.status}\n      {self.message.strip()}"


@dataclass
class DbtOutcome:
    command: str
    success: bool
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[DbtFailure] = field(default_factory=list)
    error: str = ""
    # models dbt wrote to Parquet itself (materialized='parquet_file'): mart name -> file (DuckDB); on
    # Spark such a model is a table, which the publish writes with Spark (`record_marts`)
    parquet_files: dict[str, str] = field(default_factory=dict)
    record_marts: list[str] = field(default_factory=list)


def dbt_args(settings: Settings, command: str, *extra: str) -> list[str]:
    return [*command.split(), "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
            "--target-path", str(target_dir(settings)), "--log-path", str(settings.data_dir / "dbt" / "logs"),
            "--log-level-file", "info", "--quiet", "--no-send-anonymous-usage-stats",
            "--vars", json.dumps(dbt_vars(settings)), *(["--target", "spark"] if settings.engine == "spark" else []),
            *extra]


def dbt_vars(settings: Settings) -> dict[str, str]:
    """What the dbt project reads with var(): profiles.yml (the warehouse, its memory limit) and the
    parquet_file materialization (where it writes). The same for every run of a data folder, so dbt's
    partial parse is kept (vars that change make dbt parse the whole project again)."""
    return {"touyan_warehouse": str(settings.warehouse), "touyan_duckdb_memory": settings.duckdb_memory,
            "touyan_export_dir": str(export_dir(settings))}


def target_dir(settings: Settings) -> Path:
    """dbt's target folder of the data folder and engine: its saved parse, compiled SQL, docs."""
    return settings.data_dir / "dbt" / ("target" if settings.engine == "duckdb" else f"target-{settings.engine}")


def export_dir(settings: Settings) -> Path:
    """Where models materialized as 'parquet_file' are written (dbt_project/macros/materializations)."""
    return settings.data_dir / "dbt" / "exports"


def run_dbt(settings: Settings, command: str = "build", *extra: str) -> DbtOutcome:
    """dbt in this process (no second Python start-up; partial parsing kept per data folder)."""
    from dbt.cli.main import dbtRunner

    export_dir(settings).mkdir(parents=True, exist_ok=True)
    for partial in export_dir(settings).glob("tmp_*"):  # DuckDB's temporary file of a killed run
        partial.unlink(missing_ok=True)
    _forget_parse_of_another_project(target_dir(settings))
    try:
        result = dbtRunner().invoke(dbt_args(settings, command, *extra))
    finally:
        if settings.engine == "duckdb":
            _release_warehouse()
    outcome = DbtOutcome(command, bool(result.success))
    if result.exception is not None:
        outcome.error = str(result.exception)
    for node_result in getattr(result.result, "results", None) or []:
        node = node_result.node
        kind = str(node.resource_type).split(".")[-1]
        outcome.counts[kind] = outcome.counts.get(kind, 0) + 1
        status = str(node_result.status).split(".")[-1].lower()
        if status == "success" and node.config.materialized == "parquet_file":
            outcome.record_marts.append(node.alias)
            if settings.engine == "duckdb":
                outcome.parquet_files[node.alias] = str(export_dir(settings) / f"{node.alias}.parquet")
        if status in ("error", "fail", "runtime error"):
            outcome.failures.append(DbtFailure(node.name, kind, status, node_result.message or "",
                                               getattr(node, "original_file_path", "")))
    return outcome


def _forget_parse_of_another_project(target: Path) -> None:
    """dbt's saved parse (partial_parse.msgpack) holds the project's absolute paths — dbt-duckdb loads the
    seeds from them — and dbt does not notice when the project folder has moved: after the Touyan folder
    was moved or renamed, every seed failed with "No files found that match the pattern <old path>". A
    parse saved by a project in another folder is dropped, and dbt parses afresh once (~6 s)."""
    made_by = target / "parsed_project.txt"
    if made_by.exists() and made_by.read_text(encoding="utf-8") == str(DBT_PROJECT):
        return
    (target / "partial_parse.msgpack").unlink(missing_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    made_by.write_text(str(DBT_PROJECT), encoding="utf-8")


def _release_warehouse() -> None:
    """dbt-duckdb keeps its DuckDB connection open in a class attribute after a run (handle count 0, but
    not closed). Close it: the gates and the publish step open the file next, and the next refresh
    replaces the file — a cached handle would point at the old one."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager._ENV = None
