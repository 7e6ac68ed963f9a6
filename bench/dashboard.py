"""Dashboard benchmark (issue 4): server-side callback latency of the main interactions, idle and while a
refresh runs; first page load in Chromium; warm PNG export.

    python -m bench.dashboard [--sizes demo,200x20] [--repeat 50] [--loads 5] [--exports 5] [--out bench/out]

Data, one folder per size under <out>/dashboard/<size>/data: `demo` = pipelines.demo.generate(raw) and
`200x20` = bench/group_generator.py (200 institutes × 20 years), each published by a real `python -m
pipelines refresh` (TOUYAN_TODAY=2025-06-30). A folder is reused while its generator and pipelines/ are
unchanged (a stamp file says which), since the refresh itself is measured by bench.refresh.

The app runs as `python -m dashboards --port N` (Flask's threaded server, as `make dashboard`). Debian's
Chromium (Playwright) opens each page, performs each interaction once and records the
`/_dash-update-component` POST bodies it sends — the callback that the control triggers and the ones
that follow from it (the URL-state writer, the router after a language switch). Those bodies are then
replayed with urllib, one request at a time, `--repeat` times per interaction, with the control's
value varied every time (another institute, metric, year or group) so that nothing is answered twice
from a warm path. Latency = the request's round trip on localhost, i.e. the server's time plus a
fraction of a millisecond; the browser's rendering is not in it. Per interaction: p50/p95 of each
callback, of the slowest callback of the chain, and of the chain's sum (the server's share of what a
user waits). One unmeasured pass first (imports, first DuckDB connection).

"During refresh": the same replay while `python -m pipelines refresh` runs in a loop on the same data
folder (it competes for the 2 CPUs and publishes new versions the app switches to); only requests that
started and ended while a refresh process was alive are counted.

First page load: a fresh browser context (empty cache) per run, `goto('/')`; the time to the first
`.kpi-card` in the DOM and to the end of the last response (the page's Resource Timing, after
networkidle — without networkidle's 500 ms quiet window). Median of `--loads`.

Warm PNG export: on /institute (trend) and /compare (rank heat map), one unmeasured export (starts the
shared figure renderer's Chromium), then `--exports` clicks on the PNG button, each timed until the download has
completed; beside it the server callback alone (its recorded POST replayed). Medians.

Targets (PASS/MISS; the exit code is 0 either way): callback p95 ≤ 100 ms idle, ≤ 300 ms during a
refresh; first load ≤ 2 s; PNG export ≤ 2 s warm. Raw results: <out>/dashboard.json.

This module prepares the data, runs the phases and reports; the app process, the replay and the refresh
loop are bench/dashboard_http.py, the Chromium side bench/dashboard_browser.py."""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from bench.dashboard_browser import CHROMIUM, FLAGS, exports, first_loads, record
from bench.dashboard_http import RefreshLoop, Server, Usage, env_for, outputs_of, replay, summarise
from bench.ingest import ROOT, code_digest, process_seconds

IDLE_P95_MS, REFRESH_P95_MS, LOAD_S, EXPORT_S = 100.0, 300.0, 2.0, 2.0


# ---------------------------------------------------------------- data

def prepare(size: str, work: Path) -> tuple[Path, dict]:
    """The size's data folder, published (generated and refreshed unless the stamp still matches)."""
    from bench import group_generator

    data = work / size / "data"
    want = {"size": size, "generator": group_generator.GENERATOR, "pipelines": code_digest()}
    stamp = data / "bench_stamp.json"
    had = json.loads(stamp.read_text()) if stamp.exists() else {}
    if (data / "marts" / "current" / "manifest.json").exists() and had == want | {
            k: v for k, v in had.items() if k not in want}:
        print(f"  {size}: reusing {data} (same generator and pipelines/)", flush=True)
        return data, had
    if had:
        print(f"  {size}: generating again ({'pipelines/ changed' if had.get('pipelines') != want['pipelines'] else 'new generator'})")
    shutil.rmtree(data, ignore_errors=True)
    t0 = time.perf_counter()
    if size == "demo":
        from pipelines.demo import generate

        generate(data / "raw")
        rows = None
    else:
        institutes, years = (int(x) for x in size.split("x"))
        rows = group_generator.generate(data / "raw", institutes, years)
    generated = time.perf_counter() - t0
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pipelines", "refresh"], cwd=ROOT, env=env_for(data),
                         capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"the refresh of {size} failed (exit {run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-6000:]}")
    info = want | {"generated_s": round(generated, 1), "refresh_s": round(time.perf_counter() - t0, 1), "rows": rows}
    stamp.write_text(json.dumps(info))
    print(f"  {size}: generated in {generated:.1f} s, refreshed in {info['refresh_s']:.1f} s", flush=True)
    return data, info


def dimensions(data: Path) -> dict:
    current = data / "marts" / "current"
    con = duckdb.connect()

    def column(sql: str) -> list:
        return [r[0] for r in con.execute(sql.replace("{m}", str(current))).fetchall()]

    dims = {"institute": column("select institute_id from '{m}/dim_institutes.parquet' order by 1"),
            "metric": column("select metric_id from '{m}/dim_metrics.parquet' order by sort_order"),
            "group": column("select group_id from '{m}/dim_groups.parquet' order by 1"),
            "year": column("select distinct year from '{m}/fct_institute_metric_year.parquet' order by 1")}
    dims["rows"] = con.execute(f"select count(*) from '{current}/fct_institute_metric_year.parquet'").fetchone()[0]
    return dims


# ---------------------------------------------------------------- measuring

def measure(size: str, work: Path, repeat: int, loads: int, n_exports: int, browser) -> dict:
    data, info = prepare(size, work)
    dims = dimensions(data)
    print(f"  {size}: {len(dims['institute'])} institutes × {len(dims['year'])} years × {len(dims['metric'])} metrics "
          f"= {dims['rows']:,} rows in fct_institute_metric_year", flush=True)
    server = Server(data)
    result = {"size": size, "data": info, "institutes": len(dims["institute"]), "years": len(dims["year"]),
              "metric_rows": dims["rows"]}
    try:
        recorded = record(browser, server.base)
        result["recorded"] = {name: [[outputs_of(b) for _, b in chain] for chain in chains]
                              for name, chains in recorded.items()}
        for phase in ("idle", "refresh"):
            usage = Usage(server)
            loop = RefreshLoop(data) if phase == "refresh" else None
            time.sleep(2.0 if loop else 0)  # let the refresh get past its start-up into real work
            raw = replay(server, recorded, dims, repeat, loop)
            if loop:
                loop.stop()
            result[phase] = {"usage": usage.end(), "interactions": summarise(raw["samples"]),
                             "errors": raw["errors"], "dropped_chains": raw["dropped_chains"],
                             "samples_ms": {n: s["slowest"] for n, s in raw["samples"].items()}}
            if loop:
                result[phase]["refresh_runs"] = loop.runs
            worst = max(result[phase]["interactions"].items(), key=lambda kv: kv[1]["slowest_p95_ms"])
            print(f"  {size} {phase}: {repeat} rounds in {result[phase]['usage']['wall_s']:.0f} s; worst p95 "
                  f"{worst[1]['slowest_p95_ms']:.0f} ms ({worst[0]}); errors {len(raw['errors'])}"
                  + (f"; refreshes {len(loop.runs)}" if loop else ""), flush=True)
        usage = Usage(server)
        result["first_load"] = {"runs": first_loads(browser, server.base, loads), "usage": usage.end()}
        runs = result["first_load"]["runs"]
        result["first_load"] |= {"median_loaded_s": statistics.median(r["loaded_s"] for r in runs),
                                 "median_kpi_visible_s": statistics.median(r["kpi_visible_s"] for r in runs)}
        print(f"  {size} first load: {result['first_load']['median_loaded_s']:.2f} s (KPI cards "
              f"{result['first_load']['median_kpi_visible_s']:.2f} s)", flush=True)
        usage = Usage(server)
        result["export_png"] = exports(browser, server, n_exports)
        result["export_usage"] = usage.end()
        for name, e in result["export_png"].items():
            print(f"  {size} PNG {name}: click→file {e['median_click_s']:.2f} s, callback {e['median_callback_s']:.2f} s "
                  f"(cold {e['cold_click_s']:.1f} s)", flush=True)
    finally:
        server.stop()
    return result


# ---------------------------------------------------------------- reporting

def table(results: list[dict]) -> str:
    lines = ["| size | interaction | idle p50 | idle p95 | refresh p50 | refresh p95 | chain p95 idle / refresh | "
             "slowest callback (idle p95) |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        for name, idle in r["idle"]["interactions"].items():
            busy = r["refresh"]["interactions"][name]
            slow_cb, slow = max(idle["callbacks"].items(), key=lambda kv: kv[1]["p95_ms"])
            lines.append(f"| {r['size']} | {name} | {idle['slowest_p50_ms']:.0f} | {idle['slowest_p95_ms']:.0f} | "
                         f"{busy['slowest_p50_ms']:.0f} | {busy['slowest_p95_ms']:.0f} | "
                         f"{idle['chain_p95_ms']:.0f} / {busy['chain_p95_ms']:.0f} | "
                         f"{slow_cb} {slow['p95_ms']:.0f} ms, {slow['median_kib']:.0f} KiB |")
    return "\n".join(lines)


def targets(results: list[dict]) -> list[dict]:
    found = []
    for r in results:
        for phase, limit in (("idle", IDLE_P95_MS), ("refresh", REFRESH_P95_MS)):
            inter = r[phase]["interactions"]
            worst = max(inter, key=lambda n: inter[n]["slowest_p95_ms"])
            missed = [n for n in inter if inter[n]["slowest_p95_ms"] > limit]
            found.append({"target": f"{r['size']}: callback p95 ≤ {limit:g} ms {'idle' if phase == 'idle' else 'during a refresh'}",
                          "value": f"worst {inter[worst]['slowest_p95_ms']:.0f} ms ({worst}); "
                                   f"{len(inter) - len(missed)}/{len(inter)} interactions within"
                                   + (f"; over: {', '.join(missed)}" if missed else ""),
                          "pass": not missed and not r[phase]["errors"]})
        found.append({"target": f"{r['size']}: first page load ≤ {LOAD_S:g} s",
                      "value": f"{r['first_load']['median_loaded_s']:.2f} s (median of {len(r['first_load']['runs'])})",
                      "pass": r["first_load"]["median_loaded_s"] <= LOAD_S})
        for name, e in r["export_png"].items():
            found.append({"target": f"{r['size']}: PNG export ≤ {EXPORT_S:g} s warm ({name})",
                          "value": f"{e['median_click_s']:.2f} s click → file", "pass": e["median_click_s"] <= EXPORT_S})
    return found


def machine() -> dict:
    from importlib.metadata import version

    from bench.ingest import machine as base

    info = base()
    info.pop("fastexcel", None)
    return info | {name: version(name) for name in ("dash", "plotly", "playwright")} | {
        "chromium": subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip(),
        "dashboards_edited": bool(subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--", "dashboards"],
                                                 cwd=ROOT, capture_output=True, text=True).stdout.strip())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="demo,200x20", help="demo and/or <institutes>x<years> (default demo,200x20)")
    parser.add_argument("--repeat", type=int, default=50, help="replays of each interaction per phase (default 50)")
    parser.add_argument("--loads", type=int, default=5, help="first page loads (default 5)")
    parser.add_argument("--exports", type=int, default=5, help="warm PNG exports per figure (default 5)")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="output folder (default bench/out)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    command = shlex.join(sys.orig_argv)
    work = args.out.resolve() / "dashboard"
    started = {"load_1min": os.getloadavg(), "at": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    print(f"load average {started['load_1min'][0]:.2f} (1 min) at the start", flush=True)
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
                results.append(measure(size, work, args.repeat, args.loads, args.exports, browser))
        finally:
            browser.close()
    checks = targets(results)
    print()
    print(table(results))
    print()
    for c in checks:
        print(f"{'PASS' if c['pass'] else 'MISS'}  {c['target']}: {c['value']}")
    for r in results:
        for phase in ("idle", "refresh"):
            for e in r[phase]["errors"][:5]:
                print(f"ERROR {r['size']} {phase}: {e}")
    found = {"command": command, "machine": machine() | {"pipelines_sha256": code_digest()}, "started": started,
             "ended": {"load_1min": os.getloadavg(), "at": time.strftime("%Y-%m-%d %H:%M:%S %Z")},
             "seconds": round(process_seconds()),
             "repeat": args.repeat, "results": results, "targets": checks}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dashboard.json").write_text(json.dumps(found, ensure_ascii=False, indent=2))
    print(f"\nresults: {args.out / 'dashboard.json'}\ncommand: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
