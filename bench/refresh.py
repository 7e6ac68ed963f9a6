"""Refresh benchmark (issue 3): `python -m pipelines refresh` end to end against a plain-pandas script
computing the same volunteer metrics from the same files.

    python -m bench.refresh [--sizes demo,1e6,1e7] [--repeat 3] [--out bench/out]

Each size is a data folder of its own under <out>/refresh/: `demo` is data/raw/ as shipped (every file
hard-linked); `1e6` and `1e7` are the same plus the generated volunteer-hour CSV of bench.ingest
(hard-linked into raw/volunteer_hours/; its institutes FJQI, FJSI, ZJQS are in the demo register).
Before the measured runs each folder gets one unmeasured refresh of the demo files, so that dbt's
partial parse is warm as it is for every refresh after the first in a data folder (the first one
parses the project from scratch; its stage times are kept in the JSON as `priming`). Touyan and pandas
runs alternate; each runs in its own process (bench/child.py), wall time around the process, peak RSS
its own VmHWM. The stage times are the refresh's own (RefreshResult.timings). Targets are
reported as PASS/MISS; the exit code is 0 either way."""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import sys
from pathlib import Path

import duckdb

from bench.child import resident_cpu_s
from bench.ingest import ROOT, code_digest, ensure_input, floor_run, label, report, run_child
from pipelines.runtime.resident import stop_all

STAGES = ("ingest", "gate_raw", "dbt_build", "gate_marts", "publish")
GATES = ("gate_raw", "gate_marts")
DEMO_TARGET_S, BIG_TARGET_S, BIG_PEAK_MIB, GATE_SHARE = 10.0, 25.0, 2048, 0.20
BIG = 10**7


def build_raw(data: Path, extra: Path | None) -> None:
    """<data>/raw = hard links to every file of data/raw/ (and to `extra` in raw/volunteer_hours/). Not
    symlinks: the ingest refuses a file that links outside data/raw/ (only a dataset folder may be a
    link), and a hard link is the file itself, without a copy of the 600 MB input."""
    raw = data / "raw"
    shutil.rmtree(raw, ignore_errors=True)
    demo = ROOT / "data" / "raw"
    files = [(path, raw / path.relative_to(demo)) for path in sorted(demo.rglob("*")) if path.is_file()]
    if extra:
        files.append((extra.resolve(), raw / "volunteer_hours" / extra.name))
    for source, target in files:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:  # another file system
            shutil.copy2(source, target)


# "touyan": every refresh starts its own dbt and GX workers (TOUYAN_WORKER_IDLE=0), as every refresh
# does by default; "touyan warm": they are resident, kept from the refresh before (opted in with
# TOUYAN_WORKER_IDLE=900: pipelines/runtime/resident.py). The resident workers' CPU is counted with the
# run (they are not the child's children once the refresh that started them has exited) and their memory
# with its peak.
MODES = {"touyan": {"TOUYAN_WORKER_IDLE": "0"}, "touyan warm": {"TOUYAN_WORKER_IDLE": "900"}}


def refresh_run(data: Path, mode: str = "touyan") -> dict:
    """One refresh. A failed one is recorded (its wall time is the time to the failure), not raised."""
    outcome = data.parent / "refresh_outcome.json"
    outcome.unlink(missing_ok=True)
    runtime = str(data.parent / "run")
    resident_before = resident_cpu_s(runtime)
    run = run_child("refresh", str(data), str(outcome), env={**MODES[mode], "TOUYAN_RUNTIME_DIR": runtime})
    resident = resident_cpu_s(runtime) - resident_before
    run["cpu_s"] += resident
    run["other_cpu_s"] = max(0.0, run["other_cpu_s"] - resident)
    ended = json.loads(outcome.read_text())
    run["stage_seconds"] = ended["stage_seconds"]
    if ended["exit_code"]:
        failed = re.search(r"REFRESH FAILED at stage '(\w+)'", ended["stderr"])
        run["failed"] = {"exit_code": ended["exit_code"], "stage": failed[1] if failed else None,
                         "stderr": ended["stderr"]}
        if failed and ended["seconds_after_last_stage"] is not None:  # the failed stage ran until it failed
            run["stage_seconds"][failed[1]] = round(ended["seconds_after_last_stage"], 3)
    # The refresh's own start-to-published time (the raw gate overlaps the dbt build, so the stages add up
    # to more); for a failed run, the stages that ran. Validation = the gates' own work (see
    # RefreshResult.validation), not their waits for GX's import beside the ingest.
    run["refresh_s"] = ended["refresh_seconds"] or sum(run["stage_seconds"].values())
    run["validation_s"] = ended["validation_seconds"]
    run["gate_share"] = sum(run["validation_s"].get(g, 0.0) for g in GATES) / run["refresh_s"]
    # The same as a share of the work: the gates' CPU (their frames here, their validation in the GX worker)
    # of all the run's CPU. The raw gate runs beside dbt, so its wall time also counts its waits for the
    # cores dbt holds; its CPU does not.
    run["gate_cpu_share"] = sum(ended["stage_cpu_seconds"].get(g, 0.0) for g in GATES) / run["cpu_s"]
    if not (data / "warehouse.duckdb").exists():  # the ingest failed before writing one
        run["totals"] = {"files": 0, "rows_read": 0, "accepted": 0, "quarantined": 0, "warnings": 0}
        return run
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        run["totals"] = dict(zip(("files", "rows_read", "accepted", "quarantined", "warnings"), con.execute(
            "select count(*), sum(rows_read), sum(accepted), sum(rejected), sum(warnings) from raw.load_log"
        ).fetchone(), strict=True))
    return run


def pandas_run(data: Path) -> dict:
    out = data / "pandas"
    shutil.rmtree(out, ignore_errors=True)
    return run_child("pandas", str(data / "raw"), str(out))


def agreement(data: Path) -> dict:
    """How far the baseline's volunteer metrics are from Touyan's (the marts in the warehouse, which dbt
    built even if a later gate stopped the publish). They differ by design: the baseline keeps the rows
    Touyan quarantines, parses hours less leniently and spans only the volunteer years."""
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("""
            select metric_id, count(*), count(t.value), count(p.value), sum(t.value), sum(p.value)
            from (select * from marts.fct_institute_metric_year where metric_id like 'vol\\_%' escape '\\') as t
            full join read_parquet(?) as p using (institute_id, year, metric_id)
            group by metric_id order by metric_id""",
            [str(data / "pandas" / "institute_metric_year.parquet")]).fetchall()
    return {m: {"rows": n, "touyan_values": nt, "pandas_values": np_, "touyan_sum": st, "pandas_sum": sp}
            for m, n, nt, np_, st, sp in rows}


def measure(case: str, extra: Path | None, repeat: int, work: Path) -> list[dict]:
    data = work / case / "data"
    shutil.rmtree(data.parent, ignore_errors=True)
    build_raw(data, None)
    priming = refresh_run(data, "touyan warm")  # also starts the resident workers for the warm runs
    print(f"  {case}: priming refresh (demo files, cold dbt parse) {priming['wall_s']:.1f} s", flush=True)
    if "failed" in priming:  # the demo files themselves do not refresh: nothing below can be measured
        raise SystemExit(f"{case}: the priming refresh of the demo files failed:\n{priming['failed']['stderr']}")
    if extra:
        build_raw(data, extra)
    runs: dict[str, list[dict]] = {"touyan": [], "touyan warm": [], "pandas": []}
    for i in range(repeat):
        for tool in runs:
            runs[tool].append(pandas_run(data) if tool == "pandas" else refresh_run(data, tool))
            r = runs[tool][-1]
            stages = ", ".join(f"{k} {v:.1f}" for k, v in r.get("stage_seconds", {}).items())
            failed = f" FAILED at {r['failed']['stage']} (exit {r['failed']['exit_code']})" if "failed" in r else ""
            print(f"  {case} {tool} run {i + 1}/{repeat}: {r['wall_s']:.2f} s, {r['peak_rss_mib']:,.0f} MiB"
                  + (f" ({stages})" if stages else "") + failed, flush=True)
    check = agreement(data)
    # The speed of this (shared) machine varies from day to day: DuckDB's own read of the generated CSV,
    # the ingest benchmark's floor, is kept beside the results as a reference.
    floor = floor_run(extra, data.parent) if extra else None
    if floor:
        print(f"  {case} reference: DuckDB read_csv of the generated CSV alone {floor['wall_s']:.2f} s", flush=True)
    stop_all(data.parent / "run")
    shutil.rmtree(data.parent)
    results = []
    for tool, r in runs.items():
        result = {"input": case, "rows": r[0]["totals"]["rows_read"] if tool == "touyan" else None,
                  "tool": tool, "runs": r,
                  "median_wall_s": statistics.median(x["wall_s"] for x in r),
                  "median_cpu_s": statistics.median(x["cpu_s"] for x in r),
                  "peak_rss_mib": max(x["peak_rss_mib"] for x in r)}
        if tool.startswith("touyan"):
            result |= {"priming": priming, "totals": r[-1]["totals"], "floor_read_csv": floor,
                       "failed_runs": sum("failed" in x for x in r),
                       "median_stage_s": {s: statistics.median(x["stage_seconds"][s] for x in r if s in x["stage_seconds"])
                                          for s in STAGES if any(s in x["stage_seconds"] for x in r)},
                       "median_refresh_s": statistics.median(x["refresh_s"] for x in r),
                       "median_gate_share": statistics.median(x["gate_share"] for x in r),
                       "median_gate_cpu_share": statistics.median(x["gate_cpu_share"] for x in r)}
        else:
            result |= {"agreement": check}
        results.append(result)
    for result in results[1:]:
        result["rows"] = results[0]["rows"]
    return results


def table(results: list[dict]) -> str:
    header = ("input", "rows", "tool", "median wall s", "peak RSS MiB", "median CPU s", *STAGES, "gates %", "gates CPU %")
    rows = []
    for r in results:
        stages = r.get("median_stage_s")
        tool = r["tool"] + (f" ({r['failed_runs']}/{len(r['runs'])} failed)" if r.get("failed_runs") else "")
        rows.append((r["input"], f"{r['rows']:,}", tool, f"{r['median_wall_s']:.2f}", f"{r['peak_rss_mib']:,.0f}",
                     f"{r['median_cpu_s']:.1f}", *(f"{stages[s]:.2f}" if stages and s in stages else "" for s in STAGES),
                     f"{r['median_gate_share']:.0%}" if stages else "",
                     f"{r['median_gate_cpu_share']:.0%}" if stages else ""))
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(row):
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, rows), *per_million(results)])


def per_million(results: list[dict]) -> list[str]:
    """Each tool's time per million rows added, from the 1e6 to the 1e7 input: what the rows cost
    without the fixed start-up (imports, worker start, dbt's parse) that both inputs pay."""
    by = {(r["input"], r["tool"]): r for r in results}
    small, big = label(10**6), label(BIG)
    lines = []
    for tool in (*MODES, "pandas"):
        if (small, tool) in by and (big, tool) in by:
            a, b = by[small, tool], by[big, tool]
            seconds = (b["median_wall_s"] - a["median_wall_s"]) / ((b["rows"] - a["rows"]) / 1e6)
            lines.append(f"{tool}: {seconds:.2f} s per million rows added (median wall, {small} → {big})")
    return ["", *lines] if lines else []


def targets(results: list[dict]) -> list[dict]:
    found = []
    by = {(r["input"], r["tool"]): r for r in results}
    for r in results:
        if r.get("failed_runs"):
            stages = sorted({x["failed"]["stage"] or "?" for x in r["runs"] if "failed" in x})
            found.append({"target": f"{r['input']}: the refresh completes", "pass": False,
                          "value": f"{r['failed_runs']} of {len(r['runs'])} runs failed at {', '.join(stages)} "
                                   "(their wall time is the time to the failure)"})
    for mode in MODES:
        if demo := by.get(("demo", mode)):
            found.append({"target": f"demo refresh ≤ {DEMO_TARGET_S:g} s ({mode})", "value": f"{demo['median_wall_s']:.1f} s",
                          "pass": demo["median_wall_s"] <= DEMO_TARGET_S})
        big = by.get((label(BIG), mode))
        if big:
            found.append({"target": f"1e7 refresh ≤ {BIG_TARGET_S:g} s ({mode})", "value": f"{big['median_wall_s']:.1f} s",
                          "pass": big["median_wall_s"] <= BIG_TARGET_S})
            found.append({"target": f"1e7 refresh peak RSS ≤ 2 GiB ({mode})", "value": f"{big['peak_rss_mib']:,.0f} MiB",
                          "pass": big["peak_rss_mib"] <= BIG_PEAK_MIB})
            base = by[label(BIG), "pandas"]
            found.append({"target": f"1e7 refresh faster than the pandas baseline ({mode})",
                          "value": f"{big['median_wall_s']:.1f} s vs {base['median_wall_s']:.1f} s",
                          "pass": big["median_wall_s"] < base["median_wall_s"]})
    for r in results:
        if r["tool"].startswith("touyan"):
            found.append({"target": f"{r['input']}: validation (the two gates' own time) ≤ {GATE_SHARE:.0%} of refresh ({r['tool']})",
                          "value": f"{r['median_gate_share']:.0%}", "pass": r["median_gate_share"] <= GATE_SHARE})
    return found


def size_arguments(parser: argparse.ArgumentParser, repeat: int, repeat_help: str) -> None:
    """--sizes (what build_raw makes), --repeat and --out: the options of the refresh benchmarks."""
    parser.add_argument("--sizes", default="demo,1e6,1e7", type=lambda text: [s.strip() for s in text.split(",") if s.strip()],
                        help="demo and/or generated volunteer-hour rows added to it, comma-separated (default demo,1e6,1e7)")
    parser.add_argument("--repeat", type=int, default=repeat, help=f"{repeat_help} (default {repeat})")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="output folder (default bench/out)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.refresh", description=__doc__.split("\n\n")[0])
    size_arguments(parser, 3, "runs per measurement")
    args = parser.parse_args(argv)
    sizes = args.sizes
    command = shlex.join(sys.orig_argv)
    work = args.out.resolve() / "refresh"
    code = code_digest()
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at the start", flush=True)

    results = []
    try:
        for size in sizes:
            extra = None if size == "demo" else ensure_input(args.out / "inputs", "csv", int(float(size)))
            results += measure(size if size == "demo" else label(int(float(size))), extra, args.repeat, work)
    finally:  # a run that stopped half-way leaves no resident workers idling for 15 minutes
        for run in work.glob("*/run"):
            stop_all(run)
    shutil.rmtree(work, ignore_errors=True)
    if code_digest() != code:
        print("\nWARNING: pipelines/ changed during the run; the runs may have measured different code")

    loads = [x["load_1min"] for r in results for x in r["runs"]]
    print(f"\nload average (1 min) before the runs: {min(loads):.2f} … {max(loads):.2f}")
    report(args.out / "refresh.json", command, code, args.repeat, results, targets(results), table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
