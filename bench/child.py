"""One measured run, in its own process so that its peak RSS is its own:

    python -m bench.child touyan  <data_dir>          Touyan's ingest of <data_dir>/raw
    python -m bench.child duckdb  <csv> <db_file>     DuckDB's read of the CSV into a new database
    python -m bench.child fastexcel <xlsx>            fastexcel's read of the first sheet to Arrow
    python -m bench.child refresh <data_dir> <json>   `python -m pipelines refresh` on <data_dir>; exit code and
                                                      stage times to <json>
    python -m bench.child pandas  <raw_dir> <out_dir> the plain-pandas baseline (bench/pandas_baseline.py)

Imports are inside each branch so that a floor does not pay for libraries it does not use. Printed as
JSON on stdout: the time of the operation alone (no interpreter start, no imports) and the process's
peak RSS, VmHWM. (The ru_maxrss that wait4() reports is no good here: it counts the memory the child
shared with the benchmark process between fork and exec, and the benchmark holds the generated data.)"""
import json
import sys
import time
from pathlib import Path


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
        import os

        os.environ["TOUYAN_DATA_DIR"] = args[0]
        os.environ.setdefault("TOUYAN_TODAY", "2025-06-30")
        t0 = time.perf_counter()
        import pipelines.refresh
        from pipelines.__main__ import main as pipelines_main

        results, errors = [], io.StringIO()

        class Kept(pipelines.refresh.RefreshResult):  # its stage times survive a failed stage
            def __init__(self, *a, **k):
                super().__init__(*a, **k)
                self.started = time.perf_counter()
                results.append(self)

        class Tee(io.TextIOBase):
            def write(self, text):
                errors.write(text)
                return sys.__stderr__.write(text)

        pipelines.refresh.RefreshResult, sys.stderr = Kept, Tee()
        code = pipelines_main(["refresh"])
        sys.stderr = sys.__stderr__
        # a failed refresh is a result too: exit 0, and say how it ended beside the stage times; the time
        # after the last stage that finished is (nearly all) the failed stage's
        timings = results[0].timings if results else {}
        after = time.perf_counter() - results[0].started - sum(timings.values()) if results else None
        Path(args[1]).write_text(json.dumps({"exit_code": code, "stage_seconds": timings, "seconds_after_last_stage": after,
                                             "stderr": errors.getvalue()[-4000:] if code else ""}))
    elif tool == "pandas":
        t0 = time.perf_counter()
        from bench.pandas_baseline import run

        run(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(f"unknown tool {tool}")
    seconds = time.perf_counter() - t0
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    print(json.dumps({"op_seconds": seconds, "vmhwm_kib": int(status["VmHWM"].split()[0])}))


if __name__ == "__main__":
    main(*sys.argv[1:])
