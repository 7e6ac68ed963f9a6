"""One measured run, in its own process so that its peak RSS is its own:

    python -m bench.child touyan  <data_dir>          Touyan's ingest of <data_dir>/raw
    python -m bench.child duckdb  <csv> <db_file>     DuckDB's read of the CSV into a new database
    python -m bench.child fastexcel <xlsx>            fastexcel's read of the first sheet to Arrow
    python -m bench.child refresh <data_dir> <json>   `python -m pipelines refresh` on <data_dir>; exit code and
                                                      stage times to <json>
    python -m bench.child pandas  <raw_dir> <out_dir> the plain-pandas baseline (bench/pandas_baseline.py)
    python -m bench.child annotate <file> <json> <out> the annotated copy of <file> with the findings of <json>

Imports are inside each branch so that a floor does not pay for libraries it does not use. Printed as
JSON on stdout: the time of the operation alone (no interpreter start, no imports) and the process's
peak RSS, VmHWM — for the refresh, whose dbt and GX workers are processes of their own, the peak of the
sum of the RSS of it, its descendants and its resident workers, sampled every 50 ms, when that is larger. (The ru_maxrss that wait4() reports is no good here: it counts the memory the child
shared with the benchmark process between fork and exec, and the benchmark holds the generated data.)"""
import json
import os
import sys
import threading
import time
from pathlib import Path


class TreeRss:
    """Samples the summed RSS of this process and its descendants; `peak_kib` is the largest sum seen."""

    def __init__(self, every_s: float = 0.05):
        self.peak_kib, self._every, self._stop = 0, every_s, threading.Event()
        self.residents = os.environ.get("TOUYAN_WORKER_IDLE", "0") != "0"  # idle ones from other runs do not count
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kib

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            pids = set(_tree(os.getpid())) | (set(resident_pids(os.environ.get("TOUYAN_RUNTIME_DIR")))
                                              if self.residents else set())
            self.peak_kib = max(self.peak_kib, sum(_rss_kib(pid) for pid in pids))


def resident_pids(folder: str | None) -> list[int]:
    """The refresh's resident dbt and GX workers (pipelines/runtime/resident.py) in their runtime folder: not its
    descendants once the refresh that started them has exited, but their memory and CPU are the
    refresh's all the same."""
    pids = []
    for pid_file in Path(folder).glob("*.pid") if folder else []:
        try:
            pids.append(int(pid_file.read_text()))
        except (OSError, ValueError):
            continue
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def resident_cpu_s(folder: str) -> float:
    """CPU seconds (user + system, all threads) the resident workers have used so far."""
    total = 0.0
    for pid in resident_pids(folder):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _tree(root: int) -> list[int]:
    """root and its descendants, from the kernel's per-thread lists of children."""
    found, frontier = [], [root]
    while frontier:
        found += frontier
        children = []
        for pid in frontier:
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    children += map(int, Path(f"/proc/{pid}/task/{task}/children").read_text().split())
            except OSError:
                continue
        frontier = children
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(tool: str, *args: str) -> None:
    if tool == "touyan":
        from datetime import date

        from pipelines.config import Settings
        from pipelines.ingest import ingest

        t0 = time.perf_counter()
        ingest(Settings(data_dir=Path(args[0]), today=date(2025, 6, 30)), out=None)
    elif tool == "duckdb":
        import duckdb

        t0 = time.perf_counter()
        with duckdb.connect(args[1]) as con:
            con.execute("create table t as select * from read_csv(?)", [args[0]])
    elif tool == "fastexcel":
        import fastexcel

        t0 = time.perf_counter()
        fastexcel.read_excel(args[0]).load_sheet(0).to_arrow()
    elif tool == "refresh":  # the command line itself: its imports are timed, as a user waits for them
        import io

        tree = TreeRss()

        os.environ["TOUYAN_DATA_DIR"] = args[0]
        os.environ.setdefault("TOUYAN_TODAY", "2025-06-30")
        t0 = time.perf_counter()
        import pipelines.refresh.stages
        from pipelines.__main__ import main as pipelines_main

        results, errors = [], io.StringIO()

        class Kept(pipelines.refresh.stages.RefreshResult):  # its stage times survive a failed stage
            def __init__(self, *a, **k):
                super().__init__(*a, **k)
                self.started = time.perf_counter()
                results.append(self)

        class Tee(io.TextIOBase):
            def write(self, text):
                errors.write(text)
                return sys.__stderr__.write(text)

        pipelines.refresh.stages.RefreshResult, sys.stderr = Kept, Tee()
        code = pipelines_main(["refresh"])
        sys.stderr = sys.__stderr__
        tree_peak_kib = tree.stop()
        # a failed refresh is a result too: exit 0, and say how it ended beside the stage times; the time
        # after the last stage that finished is (nearly all) the failed stage's
        timings = results[0].timings if results else {}
        after = time.perf_counter() - results[0].started - sum(timings.values()) if results else None
        Path(args[1]).write_text(json.dumps({"exit_code": code, "stage_seconds": timings, "seconds_after_last_stage": after,
                                             "refresh_seconds": results[0].seconds if results else 0.0,
                                             "validation_seconds": results[0].validation if results else {},
                                             "stage_cpu_seconds": results[0].cpu if results else {},
                                             "stderr": errors.getvalue()[-4000:] if code else ""}))
    elif tool == "annotate":  # the findings of <json> marked on a copy of <file>, written to <out>
        import fastexcel  # noqa: F401  (imported beforehand, as in a server that has made a copy before)
        import openpyxl  # noqa: F401
        import xlsxwriter  # noqa: F401

        from pipelines.submissions.annotate import Finding, annotated_copy

        spec = json.loads(Path(args[1]).read_text(encoding="utf-8"))
        findings = [Finding(**f) for f in spec["findings"]]
        t0 = time.perf_counter()
        content = annotated_copy(Path(args[0]), spec["format"], findings, spec["header_rows"])
        seconds = time.perf_counter() - t0
        Path(args[2]).write_bytes(content)
    elif tool == "pandas":
        t0 = time.perf_counter()
        from bench.pandas_baseline import run

        run(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(f"unknown tool {tool}")
    if tool != "annotate":  # its copy's writing to disk not timed: a server sends it
        seconds = time.perf_counter() - t0
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    vmhwm_kib = int(status["VmHWM"].split()[0])
    peak_kib = max(vmhwm_kib, tree_peak_kib) if tool == "refresh" else vmhwm_kib
    print(json.dumps({"op_seconds": seconds, "vmhwm_kib": peak_kib}))


if __name__ == "__main__":
    main(*sys.argv[1:])
