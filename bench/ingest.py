"""Ingest benchmark: Touyan's ingest of volunteer-hour files against the floor of each format.

    python -m bench.ingest [--sizes 1e6,1e7] [--xlsx-rows 2e5] [--repeat 3] [--out bench/out]

Inputs are generated once (deterministic seed) into <out>/inputs/ and reused. Every measurement runs
in its own process (bench/child.py): wall time is taken around the process, peak RSS is the child's
own high-water mark (VmHWM). The table gives the median wall time and the largest peak RSS of the
runs; the ratio is to the floor of the same input (DuckDB's read_csv into a new database file for
CSV, fastexcel's read to Arrow for xlsx), and the CPU time of each run is recorded beside it. When
other processes used the CPUs during the runs, a warning says so (`other_cpus_busy` in the JSON).
Targets are reported as PASS/MISS; the exit code is 0 either way — a benchmark reports, it does not
gate."""
from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
SEED = 20250630
GENERATOR = 1  # bump when the generated data changes, so that stored inputs are made again
REGISTER = [  # the register of tests/conftest.py
    ["机构代码", "单位名称", "英文名称", "简称", "省份代码", "机构类型", "成立年份"],
    ["FJQI", "福建省产品质量检验研究院", "Fujian Institute of Product Quality Inspection", "福建省质检院、福建质检院", "35", "质检院", "1958"],
    ["FJSI", "福建省标准化研究院", "Fujian Institute of Standardization", "福建省标准化院", "35", "标准化院", "1984"],
    ["ZJQS", "浙江省质量科学研究院", "Zhejiang Institute of Quality Sciences", "浙江省质科院", "33", "质科院", "1979"],
]
INSTITUTES = ["FJQI", "FJSI", "ZJQS"]
THEMES = ["社区计量义务检定", "质量开放日讲解", "标准化知识进校园", "消费品安全宣传", "3·15咨询服务"]
VOLUNTEERS = 100_000
ACTIVITIES_PER_BLOCK = 50  # 50 activities per 1e5 rows
PLANTED = 300  # rows repeating an earlier key, and rows with hours > 24: each quarantined
FIRST_DAY, DAYS = date(2015, 1, 1), (date(2024, 12, 31) - date(2015, 1, 1)).days + 1
CSV_TARGET, CSV_PEAK_MIB, XLSX_TARGET = 1.5, 2048, 2.0


# ---------------------------------------------------------------- inputs

def volunteer_rows(n: int) -> pa.Table:
    """n rows of institute, activity, date, volunteer_id, hours. Row i gets volunteer p % V and an
    activity in block p // V, for p a permutation of 0..n-1: a distinct (volunteer, activity) pair per
    row, so keys are unique except for the PLANTED repeats."""
    rng = np.random.default_rng(SEED)
    pair = rng.permutation(n)
    volunteer = pair % VOLUNTEERS
    activity = pair // VOLUNTEERS * ACTIVITIES_PER_BLOCK + rng.integers(0, ACTIVITIES_PER_BLOCK, n)
    institute = rng.integers(0, len(INSTITUTES), n)
    day = rng.integers(0, DAYS, n)
    tenths = rng.integers(5, 81, n)  # 0.5 … 8.0 hours
    k = min(PLANTED, n // 10)
    picked = rng.choice(n, 3 * k, replace=False)
    first, repeat = np.minimum(picked[:k], picked[k:2 * k]), np.maximum(picked[:k], picked[k:2 * k])
    for column in (volunteer, activity, institute, day):
        column[repeat] = column[first]
    tenths[picked[2 * k:]] = rng.integers(241, 481, k)  # 24.1 … 48.0 hours

    def text(values: list[str], index: np.ndarray) -> pa.Array:
        return pa.array(values).take(pa.array(index))

    activities = [f"{THEMES[i % len(THEMES)]}第{i // len(THEMES) + 1}期" for i in range(int(activity.max()) + 1)]
    return pa.table({
        "institute": text(INSTITUTES, institute),
        "activity": text(activities, activity),
        "date": pa.array((day + (FIRST_DAY - date(1970, 1, 1)).days).astype(np.int32), pa.date32()),
        "volunteer_id": text([f"V{i:06d}" for i in range(VOLUNTEERS)], volunteer),
        "hours": text([f"{t / 10:.1f}" for t in range(481)], tenths),
    })


def write_csv(path: Path, n: int) -> None:
    table = volunteer_rows(n)
    table = table.set_column(2, "date", table["date"].cast(pa.string()))
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none", quoting_header="none"))


def write_xlsx(path: Path, n: int) -> None:
    """Dates as date cells and hours as numbers, as a workbook filled in by hand would have them."""
    import xlsxwriter

    table = volunteer_rows(n)
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("志愿服务")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, table.column_names)
    columns = [table[name].to_pylist() for name in table.column_names]
    for r, (institute, activity, day, volunteer, hours) in enumerate(zip(*columns, strict=True), start=1):
        sheet.write_string(r, 0, institute)
        sheet.write_string(r, 1, activity)
        sheet.write_datetime(r, 2, day, date_format)
        sheet.write_string(r, 3, volunteer)
        sheet.write_number(r, 4, float(hours))
    workbook.close()


def ensure_input(inputs: Path, kind: str, n: int) -> Path:
    """The input file, generated unless one made by this generator with n rows is already there."""
    path = inputs / f"volunteer_hours_{n}.{kind}"
    stamp = path.with_name(path.name + ".json")
    want = {"rows": n, "seed": SEED, "generator": GENERATOR}
    if path.exists() and stamp.exists() and json.loads(stamp.read_text()) == want | {"bytes": path.stat().st_size}:
        return path
    inputs.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    (write_csv if kind == "csv" else write_xlsx)(partial, n)
    os.replace(partial, path)
    stamp.write_text(json.dumps(want | {"bytes": path.stat().st_size}))
    print(f"generated {path} ({path.stat().st_size / 2**20:,.0f} MiB) in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


# ---------------------------------------------------------------- measuring

def run_child(*args: str, env: dict | None = None) -> dict:
    """Run `python -m bench.child ARGS`: its wall time, the time of the operation alone, its CPU time
    (user + system, all threads), its peak RSS, and the load average before it started. Other work on
    a shared machine stretches the wall time; the CPU time is much less sensitive to it."""
    load = os.getloadavg()[0]
    before, busy_before = resource.getrusage(resource.RUSAGE_CHILDREN), machine_busy_s()
    t0 = time.perf_counter()
    child = subprocess.run([sys.executable, "-m", "bench.child", *args], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t0
    after, busy_after = resource.getrusage(resource.RUSAGE_CHILDREN), machine_busy_s()
    if child.returncode:
        raise RuntimeError(f"bench.child {' '.join(args)} failed ({child.returncode}):\n{child.stderr}")
    report = json.loads(child.stdout.strip().splitlines()[-1])
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"wall_s": wall, "op_s": report["op_seconds"], "cpu_s": cpu, "peak_rss_mib": report["vmhwm_kib"] / 1024,
            "other_cpu_s": max(0.0, busy_after - busy_before - cpu), "load_1min": load}


def machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy (/proc/stat, steal included): what the child did
    not use of it during a run went to other processes or the hypervisor, and competed with the run."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def touyan_run(path: Path, work: Path) -> dict:
    """A data dir holding only the register and this file; ingest it; what raw.load_log says."""
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    (data / "raw" / "institutes").mkdir(parents=True)
    (data / "raw" / "volunteer_hours").mkdir(parents=True)
    with open(data / "raw" / "institutes" / "register.csv", "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(REGISTER)
    os.link(path, data / "raw" / "volunteer_hours" / path.name)  # a hard link: no 350 MB copy
    run = run_child("touyan", str(data))
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        run["rows_read"], run["accepted"], run["quarantined"], run["warnings"] = con.execute(
            "select rows_read, accepted, rejected, warnings from raw.load_log where dataset = 'volunteer_hours'").fetchone()
        run["reasons"] = dict(con.execute(
            "select reason_code, count(*) from raw.rejects where dataset = 'volunteer_hours' group by all order by all"
        ).fetchall())
    shutil.rmtree(data)
    return run


def floor_run(path: Path, work: Path) -> dict:
    if path.suffix == ".xlsx":
        return run_child("fastexcel", str(path))
    db = work / "floor.duckdb"
    db.unlink(missing_ok=True)
    run = run_child("duckdb", str(path), str(db))
    db.unlink()
    return run


def measure(path: Path, rows: int, repeat: int, work: Path) -> list[dict]:
    """Floor and Touyan runs alternate, so that both see the same state of a shared machine."""
    tools = {"duckdb" if path.suffix == ".csv" else "fastexcel": floor_run, "touyan": touyan_run}
    runs: dict[str, list[dict]] = {tool: [] for tool in tools}
    for i in range(repeat):
        for tool, run in tools.items():
            runs[tool].append(run(path, work))
            print(f"  {path.name} {tool} run {i + 1}/{repeat}: {runs[tool][-1]['wall_s']:.2f} s, "
                  f"{runs[tool][-1]['peak_rss_mib']:,.0f} MiB", flush=True)
    floor, touyan = ({"input": path.name, "format": path.suffix[1:], "rows": rows, "tool": tool, "runs": r,
                      "median_wall_s": statistics.median(x["wall_s"] for x in r),
                      "median_op_s": statistics.median(x["op_s"] for x in r),
                      "median_cpu_s": statistics.median(x["cpu_s"] for x in r),
                      "peak_rss_mib": max(x["peak_rss_mib"] for x in r)} for tool, r in runs.items())
    touyan["ratio"] = touyan["median_wall_s"] / floor["median_wall_s"]
    floor["ratio"] = 1.0
    last = touyan["runs"][-1]
    touyan |= {k: last[k] for k in ("rows_read", "accepted", "quarantined", "warnings", "reasons")}
    return [floor, touyan]


# ---------------------------------------------------------------- reporting

def code_digest() -> str:
    """A digest of pipelines/*.py: which code was measured, even outside a git checkout."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "pipelines").rglob("*.py")):
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def process_seconds() -> float:
    """How long this process has run (its start time in /proc, in clock ticks since boot): the whole
    benchmark's duration, inputs and set-up included, for the page to say what a run costs."""
    ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - ticks / os.sysconf("SC_CLK_TCK")


def label(n: int) -> str:
    mantissa, exponent = f"{n:e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def machine() -> dict:
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import fastexcel

    try:  # the Spark engine's group (make setup-spark) may not be installed
        pyspark = importlib.metadata.version("pyspark")
    except importlib.metadata.PackageNotFoundError:
        pyspark = None

    def git(*args: str) -> str:  # read-only queries: which code was measured
        run = subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True, text=True)
        return run.stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD") or None,
            "pipelines_edited": bool(git("status", "--porcelain", "--", "pipelines")),
            "nproc": len(os.sched_getaffinity(0)), "cpu": cpu,
            "memory_gib": round(int(meminfo["MemTotal"].split()[0]) / 2**20, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__, "pyarrow": pa.__version__,
            "fastexcel": fastexcel.__version__, "pyspark": pyspark, "os": platform.platform()}


def table(results: list[dict]) -> str:
    header = ("input", "rows", "tool", "median wall s", "peak RSS MiB", "× floor", "median CPU s",
              "accepted / quarantined")
    rows = [(r["input"], label(r["rows"]), r["tool"], f"{r['median_wall_s']:.2f}", f"{r['peak_rss_mib']:,.0f}",
             f"{r['ratio']:.2f}", f"{r['median_cpu_s']:.1f}",
             f"{r['accepted']:,} / {r['quarantined']:,}" if "accepted" in r else "")
            for r in results]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(row):  # text columns left-aligned, numbers right-aligned
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, rows)])


def targets(results: list[dict]) -> list[dict]:
    found = []
    touyan = {(r["format"], r["rows"]): r for r in results if r["tool"] == "touyan"}
    csv_rows = max((n for f, n in touyan if f == "csv"), default=None)
    xlsx_rows = max((n for f, n in touyan if f == "xlsx"), default=None)
    if csv_rows:
        r, note = touyan["csv", csv_rows], "" if csv_rows == 10**7 else " (target is set at 1e7; largest size run)"
        found.append({"target": f"CSV ingest ≤ {CSV_TARGET}× DuckDB read_csv at {label(csv_rows)} rows{note}",
                      "value": f"{r['ratio']:.2f}×", "pass": r["ratio"] <= CSV_TARGET})
        found.append({"target": f"CSV ingest peak RSS ≤ 2 GiB at {label(csv_rows)} rows{note}",
                      "value": f"{r['peak_rss_mib']:,.0f} MiB", "pass": r["peak_rss_mib"] <= CSV_PEAK_MIB})
    if xlsx_rows:
        r = touyan["xlsx", xlsx_rows]
        found.append({"target": f"xlsx ingest ≤ {XLSX_TARGET}× fastexcel at {label(xlsx_rows)} rows",
                      "value": f"{r['ratio']:.2f}×", "pass": r["ratio"] <= XLSX_TARGET})
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e6,1e7", help="CSV sizes in rows, comma-separated (default 1e6,1e7)")
    parser.add_argument("--xlsx-rows", default="2e5", help="rows of the xlsx input; 0 for none (default 2e5)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="output folder (default bench/out)")
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    xlsx_rows = int(float(args.xlsx_rows))
    command = shlex.join(sys.orig_argv)
    work = args.out.resolve() / "work"
    work.mkdir(parents=True, exist_ok=True)
    code = code_digest()

    inputs = [(ensure_input(args.out / "inputs", "csv", n), n) for n in sizes]
    if xlsx_rows:
        inputs.append((ensure_input(args.out / "inputs", "xlsx", xlsx_rows), xlsx_rows))
    results = []
    for path, n in inputs:
        results += measure(path.resolve(), n, args.repeat, work)
    shutil.rmtree(work, ignore_errors=True)
    if code_digest() != code:
        print("\nWARNING: pipelines/ changed during the run; the runs may have measured different code")

    report(args.out / "ingest.json", command, code, args.repeat, results, targets(results), table(results))
    return 0


def report(path: Path, command: str, code: str, repeat: int, results: list[dict], checks: list[dict],
           text: str) -> None:
    """Print the table and the verdicts, warn if other processes used the CPUs, write the JSON."""
    print()
    print(text)
    print()
    for c in checks:
        print(f"{'PASS' if c['pass'] else 'MISS'}  {c['target']}: {c['value']}")
    runs = [x for r in results for x in r["runs"]]
    other = sum(x["other_cpu_s"] for x in runs) / sum(x["wall_s"] for x in runs)
    if other > 0.1:
        print(f"\nWARNING: other processes kept {other:.1f} of the {machine()['nproc']} CPUs busy during the runs; "
              "the wall times are stretched (CPU times much less so). Run again on a quiet machine.")
    found = {"command": command, "machine": machine() | {"pipelines_sha256": code}, "repeat": repeat,
             "ended": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "seconds": round(process_seconds()),
             "other_cpus_busy": round(other, 2), "results": results, "targets": checks}
    path.write_text(json.dumps(found, ensure_ascii=False, indent=2))
    print(f"\nresults: {path}")
    print(f"command: {command}")

if __name__ == "__main__":
    sys.exit(main())
