"""The refresh's stages: ingest → quality gate on the raw tables → dbt build → quality gate on the marts →
publish. Each stage is timed and printed. Any failure stops the run before publishing, so the marts
the dashboard reads stay exactly as they were; the caller gets a one-screen account of what failed and
what to do."""
from __future__ import annotations

import json
import resource
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import wait
from pathlib import Path

import duckdb

from pipelines.config import LAST_RUN_FILE, Settings
from pipelines.errors import FileError
from pipelines.refresh.manifest import build_manifest, load_log_rows
from pipelines.refresh.publish import current_version, publish, read_manifest
from pipelines.runtime.pool import workers
from pipelines.runtime.workers import Worker, WorkerError

STAGES = ("ingest", "gate_raw", "dbt_build", "gate_marts", "publish")
STAGE_TITLES = {
    "ingest": "导入 Ingest the submitted files",
    "gate_raw": "校验 Quality gate on the raw tables (Great Expectations)",
    "dbt_build": "建模 dbt build: marts and their data tests",
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
    cpu: dict[str, float] = field(default_factory=dict)  # CPU-seconds per stage, of the process that ran it
    version: Path | None = None
    manifest: dict = field(default_factory=dict)
    ingest_totals: dict = field(default_factory=dict)
    seconds: float = 0.0  # start to published; less than the sum of the stages, as two overlap
    # Per gate, the time spent validating: its frames built here plus the GX worker's own time on the
    # call. A gate's stage time also counts any wait for GX's import, which runs beside the ingest.
    validation: dict[str, float] = field(default_factory=dict)
    workers: dict[str, str] = field(default_factory=dict)  # per worker: "kept" (warm), "new" (resident), "own"


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ")


RECORDED_DETAILS = 8


def record_run(settings: Settings, started: datetime, result: RefreshResult | None = None,
               error: Exception | None = None) -> None:
    """The latest refresh's outcome in data/reports/last_run.json — when it ran, and either the run it
    published or the stage it stopped at, what failed and what to do — so the dashboard can say that a
    refresh failed while it shows the last published version. A fault in Touyan keeps its traceback
    out of it (it is in the command's output), as do paths on this machine. Written whole (a rename);
    a record that cannot be written does not fail the refresh."""
    record = {"started_at": started.isoformat(timespec="seconds"),
              "finished_at": datetime.now(UTC).isoformat(timespec="seconds")}
    if error is None:
        record.update(status="published", run_id=result.run_id)
    elif isinstance(error, StageFailed):
        # A fault in Touyan: its details are a traceback. Lines naming a path on this machine (the GX
        # report, dbt's log) mean nothing in a browser.
        fault = isinstance(error.__cause__, WorkerError)
        details = [line for line in error.details if str(settings.data_dir) not in line]
        record.update(status="failed", stage=error.stage, stage_title=STAGE_TITLES[error.stage], what=error.what,
                      details=[] if fault else details[:RECORDED_DETAILS], action=error.action)
    else:
        record.update(status="failed", stage=None, stage_title=None, what=f"{type(error).__name__}", details=[],
                      action="This is a fault in Touyan or its environment: see the refresh's output.")
    path = settings.reports_dir / LAST_RUN_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass


def run_on_duckdb(settings: Settings, out, allow_empty: Collection[str]) -> RefreshResult:
    # dbt and Great Expectations import in worker processes while the ingest runs here; the raw gate
    # then validates in its worker while dbt builds in the other (see pipelines/runtime/workers.py). The
    # GX worker imports niced: on two cores its import (~2.5 CPU-s) has until the end of the ingest,
    # whereas the ingest and dbt's import are on the critical path; its gates then run at normal priority.
    # Opted in (TOUYAN_WORKER_IDLE), both stay for the next refresh (resident workers,
    # pipelines/runtime/resident.py): it then skips their imports and first-run costs.
    with workers(settings.worker_idle_seconds, settings.runtime_dir,
                 dbt=(("dbt.cli.main", "dbt.adapters.duckdb"), 0),
                 gx=(("pipelines.refresh.quality.gate:_import_gx",), 15)) as pool:
        # dbt's first run in a process pays ~1–2 CPU-s once (project validation schemas, serialiser code
        # generation, the project's parse); a parse while the ingest runs moves that off the critical path.
        pool["dbt"].submit("pipelines.refresh.transform:run_dbt", settings, *DBT_PARSE)
        try:
            result = _run_stages(settings, out, pool["dbt"], pool["gx"], allow_empty)
        except StageFailed as failed:
            if failed.stage == "ingest" and pool["dbt"].resident and not pool["dbt"].finish(0):
                # An unreadable file, found while dbt parses: the parse writes only dbt's own target
                # folder, so let it end (a worker left mid-call ends itself) and keep the workers warm
                # for the refresh after the file is fixed.
                if out:
                    print("    (a few seconds: dbt finishes reading the project, kept for the next refresh)",
                          file=out, flush=True)
                pool["dbt"].finish(PARSE_GRACE_S)
            raise
        result.workers = {name: "kept" if w.warm else "new" if w.resident else "own" for name, w in pool.items()}
        return result


def _run_stages(settings: Settings, out, dbt: Worker, gx: Worker, allow_empty: Collection[str]) -> RefreshResult:
    started, t_start = datetime.now(UTC), time.perf_counter()
    result = RefreshResult(new_run_id(started))
    say = (lambda line: print(line, file=out, flush=True)) if out else (lambda line: None)
    context: dict = {}

    def announce(name: str, note: str = "") -> None:
        say(stage_heading(name, note))

    def done(name: str, seconds: float, cpu: float) -> None:
        result.timings[name], result.cpu[name] = round(seconds, 3), round(cpu, 3)
        say(f"    ✓ {name} in {seconds:.1f} s ({cpu:.1f} CPU-s)")

    def gate_done(name: str, frames_seconds: float, frames_cpu: float, sent: float, reply) -> None:
        done(name, frames_seconds + time.perf_counter() - sent, frames_cpu + reply.cpu_seconds)
        result.validation[name] = round(frames_seconds + reply.wall_seconds, 3)

    def here(name: str, work):
        announce(name)
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        value = work()
        done(name, time.perf_counter() - t0, _cpu_seconds() - cpu0)
        return value

    def frames(gate: str) -> tuple[tuple, dict, float, float]:
        from pipelines.refresh.quality.checks import mart_checks, raw_checks
        from pipelines.refresh.quality.gate import check_frames

        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        checks = raw_checks(settings.today) if gate == "raw" else mart_checks()
        with _warehouse(settings) as con:
            built = check_frames(checks, con)
        return checks, built, time.perf_counter() - t0, _cpu_seconds() - cpu0

    reports = settings.reports_dir / "quality"
    ingested = here("ingest", lambda: _ingest(settings, out))
    result.ingest_totals = ingested.totals
    context["emptied"] = _stop_if_emptied(read_manifest(settings.marts_dir), ingested, allow_empty)

    # The raw gate and dbt run side by side; dbt's work is only used if the gate passes.
    announce("gate_raw", " — beside the dbt build")
    checks, built, seconds, cpu = frames("raw")
    # A stage's time runs from its submission to its reply: it includes any wait for the worker's imports.
    gx.submit("pipelines.refresh.quality.gate:run_gate", "raw", checks, built, reports / "raw")
    gate_sent = time.perf_counter()
    announce("dbt_build")
    dbt_sent = time.perf_counter()  # the stage includes any wait for the parse submitted at the start
    _reply(dbt, "dbt_build")  # a parse that failed fails again in the build, which says why
    dbt.submit("pipelines.refresh.transform:run_dbt", settings, *DBT_BUILD)
    replies = _both((gx, "gate_raw"), (dbt, "dbt_build"), on_reply={
        gx: lambda r: gate_done("gate_raw", seconds, cpu, gate_sent, r),
        dbt: lambda r: done("dbt_build", time.perf_counter() - dbt_sent, r.cpu_seconds)})
    context["gate_raw"] = _gate_outcome("raw", replies[gx].value)
    context["dbt"] = _dbt_outcome(settings, replies[dbt].value)

    announce("gate_marts")
    checks, built, seconds, cpu = frames("marts")
    gate_sent = time.perf_counter()
    gx.submit("pipelines.refresh.quality.gate:run_gate", "marts", checks, built, reports / "marts")
    reply = _reply(gx, "gate_marts")
    gate_done("gate_marts", seconds, cpu, gate_sent, reply)
    context["gate_marts"] = _gate_outcome("marts", reply.value)
    for worker in (dbt, gx):  # done with them: short-lived ones exit, resident ones wait for the next refresh
        worker.close()

    with _warehouse(settings) as con:
        result.manifest = build_manifest(result, started, load_log_rows(con), context)
        result.version = here("publish", lambda: _publish(settings, con, result, context))
    result.manifest = json.loads((result.version / "manifest.json").read_text(encoding="utf-8"))
    result.seconds = round(time.perf_counter() - t_start, 3)
    return result


def _both(first: tuple[Worker, str], second: tuple[Worker, str], on_reply: dict) -> dict:
    """Wait for the calls submitted to two workers (the raw gate first), handling each reply as it
    arrives. A failed gate is reported as soon as it is known (the other worker is then killed with the
    pool), so the analyst is not kept waiting for a dbt build whose result cannot be used."""
    stages = dict((first, second))
    replies: dict = {}
    while len(replies) < 2:
        waiting = {w.connection: w for w in stages if w not in replies}
        for connection in wait(list(waiting)):
            worker = waiting[connection]
            replies[worker] = _reply(worker, stages[worker])
            on_reply[worker](replies[worker])
            if worker is first[0]:
                _gate_outcome("raw", replies[worker].value)
    return replies


def _reply(worker: Worker, stage: str):
    try:
        return worker.result()
    except WorkerError as e:
        raise StageFailed(stage, f"the {stage} step stopped with an error / 该步骤异常中止",
                          ["  " + line for line in str(e).strip().splitlines()[-15:]],
                          "This is a fault in Touyan or its environment, not in the data: run `make test` "
                          "and report the lines above.") from e


def _warehouse(settings: Settings):
    return duckdb.connect(str(settings.warehouse), config={"memory_limit": settings.duckdb_memory})


def _ingest(settings: Settings, out):
    from pipelines.ingest import ingest

    try:
        return ingest(settings, out=out)
    except FileError as e:
        raise StageFailed("ingest", "a file cannot be read / 有文件无法读取", e.render().splitlines(),
                          "Fix or remove the file named above, then run `make refresh` again.") from e


def _stop_if_emptied(published: dict | None, ingested, allow_empty: Collection[str]) -> list[str]:
    """A dataset with rows in the published version and none now is far more often a folder gone missing
    (a shared drive not mounted, a link broken, files moved away) than data withdrawn: publishing would
    empty its metrics on the dashboard while every gate passes. Stop, unless the caller allows it for that
    dataset; return the datasets allowed to go empty (recorded in the manifest)."""
    if not published:
        return []
    before, now, files = Counter(), Counter(), Counter()
    for f in published["source_files"]:
        before[f["dataset"]] += f["accepted"]
    for f in ingested.files:
        now[f.dataset] += f.accepted
        files[f.dataset] += 1
    emptied = [d for d in before if before[d] and not now[d]]
    stopped = [d for d in emptied if d not in allow_empty]
    if not stopped:
        return emptied
    details = []
    for d in stopped:
        why_en, why_zh = ((f"{files[d]} file(s), every row quarantined", f"{files[d]} 个文件的所有行均被隔离") if files[d]
                          else (f"no files in data/raw/{d}/", f"data/raw/{d}/ 中没有文件"))
        details += [f"  {d}: {before[d]:,} rows in the published version {published['run_id']}, none now ({why_en})",
                    f"  {d}：已发布版本中有 {before[d]:,} 行，本次为 0 行（{why_zh}）"]
    flag = f"--allow-empty {','.join(stopped)}"
    details += ["  若确为有意清空，请运行 / if the data is meant to be withdrawn, run:",
                f"    python -m pipelines refresh {flag}"]
    raise StageFailed("ingest", f"{len(stopped)} published dataset(s) would be emptied / 已发布的数据集本次没有数据",
                      details, "If the files are missing by mistake (a shared drive not mounted, a link broken, files "
                               f"moved away), put them back and refresh again; if the data is meant to be withdrawn, "
                               f"`python -m pipelines refresh {flag}` publishes it empty.")


def _gate_outcome(gate: str, outcome):
    if not outcome.passed:
        details = [f.render() for f in outcome.failures]
        details.append(f"  Quality report (readable offline): {outcome.docs_index}")
        action = ("Correct the rows named above in their files (or confirm them with the institute), "
                  "then run `make refresh` again." if gate == "raw" else
                  "The marts disagree with themselves: a model change is wrong. Run `make test` and "
                  "check the models named above.")
        raise StageFailed("gate_raw" if gate == "raw" else "gate_marts",
                          f"{len(outcome.failures)} expectation(s) failed / 数据质量校验未通过", details, action)
    return outcome


# Unit tests check the model logic on fixed rows, not the data: `make test` runs them, a refresh need not.
# --no-write-json: the results come back in-process; serialising manifest.json and run_results.json
# costs ~0.5 CPU-s per run (`make docs` writes them when wanted).
DBT_BUILD = ("build", "--exclude-resource-type", "unit_test", "--no-write-json")
DBT_PARSE = ("parse", "--no-write-json")
PARSE_GRACE_S = 15.0


def _dbt_outcome(settings: Settings, outcome):
    if not outcome.success:
        details = [f.render() for f in outcome.failures] or [f"  {outcome.error}"]
        details.append(f"  dbt log: {settings.data_dir / 'dbt' / 'logs' / 'dbt.log'}")
        raise StageFailed("dbt_build", f"dbt build failed ({len(outcome.failures)} node(s)) / 建模或测试失败",
                          details, "A failed data test names the rows that break it (fix them in their files); "
                                   "a failed model or unit test is a code problem: run `make test`.")
    return outcome


def stage_heading(name: str, note: str = "") -> str:
    """The line that starts a stage in the refresh's output: "[n/5] title", either engine."""
    return f"\n[{STAGES.index(name) + 1}/{len(STAGES)}] {STAGE_TITLES[name]}{note}"


def publish_version(con, settings: Settings, manifest: dict, written: dict[str, str] | None = None) -> Path:
    """publish.publish, its failure (a full disk, permissions) told as the publish stage's."""
    try:
        return publish(con, settings.marts_dir, manifest, written)
    except OSError as e:
        raise StageFailed("publish", f"publishing failed: {e}", [],
                          "Check free disk space and permissions on data/marts/, then refresh again.") from e


def _publish(settings: Settings, con, result: RefreshResult, context: dict) -> Path:
    return publish_version(con, settings, result.manifest, context["dbt"].parquet_files)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def failure_summary(error: StageFailed, settings: Settings, timings: dict[str, float] | None = None) -> str:
    version, current = current_version(settings.marts_dir), settings.marts_dir / "current"
    kept = ((f"The published marts are unchanged: {current} → {version.name}", "已发布的数据保持不变。") if version
            else (f"Nothing has been published yet ({current} does not exist).", "尚无已发布的数据。"))
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
        *kept,
        "=" * 78,
    ]
    return "\n".join(lines)
