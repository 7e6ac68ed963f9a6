"""Spark benchmark (issue 25): the refresh on local Spark beside the same refresh on DuckDB, at the demo
and with 1e6 / 1e7 generated volunteer-hour rows added, in one run.

    python -m bench.spark [--sizes demo,1e6,1e7] [--repeat 1] [--out bench/out]

The data folders are bench.refresh's (`build_raw`: the demo's files hard-linked, bench.ingest's generated
CSV added), one per engine for the whole run. Each first gets one unmeasured refresh of the demo files
(dbt's first parse; on Spark also the metastore's creation); then at each size the engines alternate,
each refresh a process of its own (bench/child.py `refresh`, TOUYAN_ENGINE set, workers not kept). Peak
memory is the whole process tree's — the Python driver, Spark's JVM (its child) and the Python workers
the JVM starts; on DuckDB the dbt and GX workers — summed RSS sampled every 50 ms (not RUSAGE_CHILDREN's
maxrss, which is the largest child's alone). Stage times are the refresh's own; Spark's session start
(Java, Spark, the metastore) is a stage of its own, `spark_start`. From the 1e6 and 1e7 runs: the cost
per million rows (the slope of the median wall time) and the fixed cost (that line at zero rows). The
manifests of the two engines must name the same files read to the same counts. A benchmark reports,
it does not gate: the exit code is 0 either way."""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import sys
from pathlib import Path

from bench.ingest import code_digest, ensure_input, label, report, run_child
from bench.refresh import STAGES, build_raw, size_arguments
from pipelines.refresh.publish import read_manifest
from tests.spark.compare import compare_manifests

ENGINES = ("duckdb", "spark")
COLUMNS = ("spark_start", *STAGES)


def engine_run(data: Path, engine: str) -> dict:
    """One refresh of `data` on `engine`. A failed one is recorded (its wall time is the time to the
    failure), not raised."""
    outcome = data.parent / "refresh_outcome.json"
    outcome.unlink(missing_ok=True)
    try:
        run = run_child("refresh", str(data), str(outcome),
                        env={"TOUYAN_ENGINE": engine, "TOUYAN_WORKER_IDLE": "0", "TOUYAN_RUNTIME_DIR": str(data.parent / "run")})
    except RuntimeError as e:  # the command itself crashed (not a refresh that stopped at a stage): no figures
        return {"engine": engine, "wall_s": 0.0, "cpu_s": 0.0, "other_cpu_s": 0.0, "peak_rss_mib": 0.0,
                "load_1min": os.getloadavg()[0], "stage_seconds": {}, "refresh_s": 0.0,
                "failed": {"exit_code": "crashed", "stderr": str(e)[-1500:]}}
    ended = json.loads(outcome.read_text())
    run |= {"engine": engine, "stage_seconds": ended["stage_seconds"], "refresh_s": ended["refresh_seconds"]}
    if ended["exit_code"]:
        run["failed"] = {"exit_code": ended["exit_code"], "stderr": ended["stderr"][-1500:]}
        return run
    manifest = read_manifest(data / "marts")
    run["totals"] = manifest["totals"]
    run["manifest"] = {field: manifest[field] for field in ("source_files", "totals", "emptied_datasets", "marts")}
    return run


def say(size: str, what: str, run: dict) -> None:
    stages = ", ".join(f"{k} {v:.1f}" for k, v in run["stage_seconds"].items())
    failed = f" FAILED (exit {run['failed']['exit_code']})" if "failed" in run else ""
    print(f"  {size} {what}: {run['wall_s']:.1f} s, {run['peak_rss_mib']:,.0f} MiB ({stages}){failed}", flush=True)


def measure(sizes: list[str], repeat: int, out: Path) -> tuple[list[dict], list[dict], list[dict]]:
    work = out.resolve() / "spark"
    folders = {engine: work / engine / "data" for engine in ENGINES}
    primings = []
    for engine, data in folders.items():
        shutil.rmtree(data.parent, ignore_errors=True)
        build_raw(data, None)
        primings.append(engine_run(data, engine))
        say("demo", f"{engine} priming (cold dbt parse)", primings[-1])
    results, checks = [], []
    for size in sizes:
        extra = None if size == "demo" else ensure_input(out / "inputs", "csv", int(float(size)))
        name = size if size == "demo" else label(int(float(size)))
        for data in folders.values():
            build_raw(data, extra)
        runs: dict[str, list[dict]] = {engine: [] for engine in ENGINES}
        for i in range(repeat):
            for engine, data in folders.items():
                runs[engine].append(engine_run(data, engine))
                say(name, f"{engine} run {i + 1}/{repeat}", runs[engine][-1])
        for engine, r in runs.items():
            done = [x for x in r if "failed" not in x] or r
            results.append({"input": name, "engine": engine, "runs": r,
                            "rows": (done[-1].get("totals") or {}).get("rows_read"),
                            "failed_runs": sum("failed" in x for x in r),
                            "median_wall_s": statistics.median(x["wall_s"] for x in done),
                            "median_cpu_s": statistics.median(x["cpu_s"] for x in done),
                            "peak_rss_mib": max(x["peak_rss_mib"] for x in r),
                            "median_refresh_s": statistics.median(x["refresh_s"] for x in done),
                            "median_stage_s": {s: statistics.median(x["stage_seconds"][s] for x in done
                                                                    if s in x["stage_seconds"])
                                               for s in COLUMNS if any(s in x["stage_seconds"] for x in done)}})
        last = {engine: r[-1] for engine, r in runs.items()}
        if all("manifest" in run for run in last.values()):
            differ = compare_manifests(*(last[e]["manifest"] for e in ENGINES), names=ENGINES)
            checks.append({"target": f"{name}: Spark read the same files to the same counts as DuckDB, same marts and rows",
                           "value": "agree" if not differ else f"{len(differ)} difference(s): {differ[0]}",
                           "pass": not differ})
    shutil.rmtree(work, ignore_errors=True)
    for run in [*primings, *(x for r in results for x in r["runs"])]:
        run.pop("manifest", None)  # compared above; the JSON keeps the totals
    return results, primings, checks


def fit(results: list[dict]) -> None:
    """Each engine's cost per million rows (the slope from 1e6 to 1e7, median wall) and its fixed cost
    (the line at zero rows), kept on its 1e7 result."""
    by = {(r["input"], r["engine"]): r for r in results}
    for engine in ENGINES:
        small, big = by.get((label(10**6), engine)), by.get((label(10**7), engine))
        if not (small and big and small["rows"] and big["rows"]) or small["failed_runs"] or big["failed_runs"]:
            continue
        per_million = (big["median_wall_s"] - small["median_wall_s"]) / ((big["rows"] - small["rows"]) / 1e6)
        big["per_million_s"] = round(per_million, 3)
        big["fixed_s"] = round(small["median_wall_s"] - per_million * small["rows"] / 1e6, 3)


def targets(results: list[dict], checks: list[dict]) -> list[dict]:
    found = [{"target": f"{r['input']}: the refresh completes on {r['engine']}", "pass": False,
              "value": f"{r['failed_runs']} of {len(r['runs'])} runs failed (exit "
                       f"{', '.join(sorted({str(x['failed']['exit_code']) for x in r['runs'] if 'failed' in x}))})"}
             for r in results if r["failed_runs"]]
    return found + checks


def table(results: list[dict]) -> str:
    header = ("input", "rows", "engine", "median wall s", "CPU s", "peak RSS MiB", *COLUMNS)
    rows = []
    for r in results:
        stages = r["median_stage_s"]
        engine = r["engine"] + (f" ({r['failed_runs']}/{len(r['runs'])} failed)" if r["failed_runs"] else "")
        rows.append((r["input"], f"{r['rows']:,}" if r["rows"] else "?", engine, f"{r['median_wall_s']:.1f}",
                     f"{r['median_cpu_s']:.1f}", f"{r['peak_rss_mib']:,.0f}",
                     *(f"{stages[s]:.1f}" if s in stages else "" for s in COLUMNS)))
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(row):
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    lines = [f"{r['engine']}: {r['per_million_s']:.2f} s per million rows, fixed cost {r['fixed_s']:.1f} s"
             for r in results if "per_million_s" in r]
    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, rows), *([""] + lines if lines else [])])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.spark", description=__doc__.split("\n\n")[0])
    size_arguments(parser, 1, "runs per engine and size (Spark at 1e7 takes minutes)")
    args = parser.parse_args(argv)
    sizes = args.sizes
    command, code = shlex.join(sys.orig_argv), code_digest()
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at the start", flush=True)
    results, primings, checks = measure(sizes, args.repeat, args.out)
    if results:
        results[0]["primings"] = primings
    fit(results)
    if code_digest() != code:
        print("\nWARNING: pipelines/ changed during the run; the runs may have measured different code")
    report(args.out / "spark.json", command, code, args.repeat, results, targets(results, checks), table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
