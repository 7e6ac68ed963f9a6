"""`make refresh`: ingest → quality gate on the raw tables → dbt build → quality gate on the marts →
publish. Each stage is timed and printed. Any failure stops the run before publishing, so the marts
the dashboard reads stay exactly as they were; the caller gets a one-screen account of what failed and
what to do."""
from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import json
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.errors import FileError
from pipelines.lock import refresh_lock
from pipelines.publish import current_version, publish

STAGES = ("ingest", "gate_raw", "dbt_build", "gate_marts", "publish")
STAGE_TITLES = {
    "ingest": "导入 Ingest the submitted files",
    "gate_raw": "校验 Quality gate on the raw tables (Great Expectations)",
    "dbt_build": "建模 dbt build: marts, data tests, unit tests",
    "gate_marts": "校验 Quality gate on the marts (Great Expectations)",
    "publish": "发布 Publish the marts (Parquet + manifest, atomic switch)",
}
EXIT_CODES = {"ingest": 2, "gate_raw": 3, "dbt_build": 4, "gate_marts": 3, "publish": 5}


class StageFailed(Exception):
    def __init__(self, stage: str, what: str, details: list[str], action: str):
        super().__init__(what)
        self.stage, self.what, self.details, self.action = stage, what, details, action

    def __str__(self) -> str:
        return "\n".join([f"{self.stage}: {self.what}", *self.details])


@dataclass
class RefreshResult:
    run_id: str
    timings: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU-seconds of this process (all threads) per stage
    version: Path | None = None
    manifest: dict = field(default_factory=dict)
    ingest_totals: dict = field(default_factory=dict)


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ")


def refresh(settings: Settings, out=sys.stdout, wait: bool = False) -> RefreshResult:
    with refresh_lock(settings.data_dir, wait=wait):
        return _refresh(settings, out)


def _refresh(settings: Settings, out) -> RefreshResult:
    # dbt (~2 s) and Great Expectations (~3 s) import on a thread while the ingest runs in DuckDB.
    _import_in_background("dbt.cli.main", "dbt.adapters.duckdb", "pipelines.quality.gate:_import_gx")
    started = datetime.now(UTC)
    result = RefreshResult(new_run_id(started))
    say = (lambda line: print(line, file=out, flush=True)) if out else (lambda line: None)
    context: dict = {}

    def stage(name: str, work):
        say(f"\n[{STAGES.index(name) + 1}/{len(STAGES)}] {STAGE_TITLES[name]}")
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        value = work()
        result.timings[name] = round(time.perf_counter() - t0, 3)
        result.cpu[name] = round(_cpu_seconds() - cpu0, 3)
        say(f"    ✓ {name} in {result.timings[name]:.1f} s ({result.cpu[name]:.1f} CPU-s)")
        return value

    ingest_result = stage("ingest", lambda: _ingest(settings, out))
    result.ingest_totals = ingest_result.totals
    reports = settings.reports_dir / "quality"
    with duckdb.connect(str(settings.warehouse), config={"memory_limit": settings.duckdb_memory}) as con:
        context["gate_raw"] = stage("gate_raw", lambda: _gate(settings, "raw", con, reports / "raw"))
    context["dbt"] = stage("dbt_build", lambda: _dbt_build(settings))
    with duckdb.connect(str(settings.warehouse), config={"memory_limit": settings.duckdb_memory}) as con:
        context["gate_marts"] = stage("gate_marts", lambda: _gate(settings, "marts", con, reports / "marts"))
        result.manifest = _manifest(result, started, con, context)
        result.version = stage("publish", lambda: _publish(settings, con, result))
    result.manifest = json.loads((result.version / "manifest.json").read_text(encoding="utf-8"))
    return result


def _import_in_background(*targets: str) -> None:
    """Import modules (or call `module:function`) on a daemon thread. Failures are ignored here: the
    stage that needs the module imports it again and reports the error there."""
    def work():
        for target in targets:
            module, _, function = target.partition(":")
            with contextlib.suppress(Exception):
                imported = importlib.import_module(module)
                if function:
                    getattr(imported, function)()

    threading.Thread(target=work, name="preload", daemon=True).start()


def _ingest(settings: Settings, out):
    from pipelines.ingest import ingest

    try:
        return ingest(settings, out=out)
    except FileError as e:
        raise StageFailed("ingest", "a file cannot be read / 有文件无法读取", e.render().splitlines(),
                          "Fix or remove the file named above, then run `make refresh` again.") from e


def _gate(settings: Settings, gate: str, con, docs_dir: Path):
    from pipelines.quality.checks import mart_checks, raw_checks
    from pipelines.quality.gate import run_gate

    checks = raw_checks(settings.today) if gate == "raw" else mart_checks()
    outcome = run_gate(gate, checks, con, docs_dir)
    if not outcome.passed:
        details = [f.render() for f in outcome.failures]
        details.append(f"  Great Expectations report: {outcome.docs_index}")
        action = ("Correct the rows named above in their files (or confirm them with the institute), "
                  "then run `make refresh` again." if gate == "raw" else
                  "The marts disagree with themselves: a model change is wrong. Run `make test` and "
                  "check the models named above.")
        raise StageFailed("gate_raw" if gate == "raw" else "gate_marts",
                          f"{len(outcome.failures)} expectation(s) failed / 数据质量校验未通过", details, action)
    return outcome


def _dbt_build(settings: Settings):
    from pipelines.transform import run_dbt

    # Unit tests check the model logic on fixed rows, not the data: `make test` runs them, a refresh need not.
    # --no-write-json: the results come back in-process; serialising manifest.json and run_results.json
    # costs ~0.5 CPU-s per run (`make docs` writes them when wanted).
    outcome = run_dbt(settings, "build", "--exclude-resource-type", "unit_test", "--no-write-json")
    if not outcome.success:
        details = [f.render() for f in outcome.failures] or [f"  {outcome.error}"]
        details.append(f"  dbt log: {settings.data_dir / 'dbt' / 'logs' / 'dbt.log'}")
        raise StageFailed("dbt_build", f"dbt build failed ({len(outcome.failures)} node(s)) / 建模或测试失败",
                          details, "A failed data test names the rows that break it (fix them in their files); "
                                   "a failed model or unit test is a code problem: run `make test`.")
    return outcome


def _publish(settings: Settings, con, result: RefreshResult) -> Path:
    try:
        return publish(con, settings.marts_dir, result.manifest)
    except OSError as e:
        raise StageFailed("publish", f"publishing failed: {e}", [],
                          "Check free disk space and permissions on data/marts/, then refresh again.") from e


def _manifest(result: RefreshResult, started: datetime, con, context: dict) -> dict:
    files = con.execute("""select source_file, dataset, file_sha256, rows_read, accepted, rejected, warnings
                           from raw.load_log order by source_file""").fetchall()
    dbt = context["dbt"]
    return {
        "run_id": result.run_id,
        "started_at": started.isoformat(timespec="seconds"),
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": code_version(),
        "tools": {p: _version(p) for p in ("duckdb", "dbt-core", "dbt-duckdb", "great-expectations", "pandas")},
        "source_files": [dict(zip(("file", "dataset", "sha256", "rows_read", "accepted", "quarantined", "warnings"),
                                  row, strict=True)) for row in files],
        "totals": {"files": len(files), **{k: sum(r[i] for r in files)
                                          for i, k in ((3, "rows_read"), (4, "accepted"), (5, "quarantined"),
                                                       (6, "warnings"))}},
        "dbt": {"models": dbt.counts.get("model", 0), "data_tests": dbt.counts.get("test", 0),
                "unit_tests": dbt.counts.get("unit_test", 0), "seeds": dbt.counts.get("seed", 0)},
        "quality_gates": {name: {"checks": g.checks, "expectations": g.expectations}
                          for name, g in (("raw", context["gate_raw"]), ("marts", context["gate_marts"]))},
        "stage_seconds": dict(result.timings),
        "stage_cpu_seconds": dict(result.cpu),
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def code_version() -> str:
    try:
        sha = subprocess.run(["git", "-C", str(PROJECT_ROOT), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        return sha or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def failure_summary(error: StageFailed, settings: Settings, timings: dict[str, float] | None = None) -> str:
    version = current_version(settings.marts_dir)
    kept = (f"The published marts are unchanged: {settings.marts_dir / 'current'} → {version.name}"
            if version else "Nothing has been published yet (data/marts/current does not exist).")
    lines = [
        "",
        "=" * 78,
        f"REFRESH FAILED at stage '{error.stage}' — {STAGE_TITLES[error.stage]}",
        f"刷新失败：{error.what}",
        "-" * 78,
        *error.details[:30],
        *(["  …"] if len(error.details) > 30 else []),
        "-" * 78,
        f"What to do: {error.action}",
        kept,
        "已发布的数据保持不变。",
        "=" * 78,
    ]
    return "\n".join(lines)
