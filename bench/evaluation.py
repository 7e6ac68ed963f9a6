"""Evaluation benchmark (issue 24): the evaluation's dbt models' own time, and the evaluation page's what-if
callback over HTTP.

    python -m bench.evaluation [--calls 200] [--dbt-runs 3] [--out bench/out]

Data: the bundled demo with its rules (pipelines.demo.generate with the rules folder), published by one
unmeasured `python -m pipelines refresh` (<out>/evaluation/data, kept while pipelines/, dashboards/ and
dbt_project/ are unchanged).

dbt: the refresh builds without writing run_results.json (it costs ~0.5 CPU-s a run), so the models
tagged `evaluation` are run again with dbt's own command line on the refreshed warehouse, `--dbt-runs`
times (`dbt run --select tag:evaluation`, their parents already built). Their own time = the sum of
their `execution_time` in run_results.json (dbt's timing of each model, not the process's start-up nor
its parse); median over the runs. Target ≤ 1 s.

What-if: `python -m dashboards --port N` (as `make dashboard`), then the what-if callback's POST as the
page sends it — the weights of every metric item, the year, scope, group, entity — `--calls` times per
group, for the institutes' ranking of the latest year and for the largest units' group, each call with
other weights (a random whole number 0–40 each: nothing is answered twice from a warm path). One
unmeasured call per group first. Latency = the round trip on localhost. Target p95 ≤ 100 ms.

Raw results: <out>/evaluation.json; `python -m bench.page` puts them in docs/benchmarks.md."""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from bench.dashboard_http import Server, pct
from bench.ingest import ROOT, machine_busy_s, report
from bench.report import TODAY, code_stamp

DBT_TARGET_S, WHAT_IF_P95_MS = 1.0, 100.0
DASH_POST = "/_dash-update-component"


def published_demo(work: Path) -> Path:
    """<work>/data: the demo and its rules, published (made again when the code changed)."""
    from pipelines.config import Settings
    from pipelines.demo import generate

    data, stamp = work / "data", work / "data.stamp"
    code = code_stamp()
    if stamp.exists() and stamp.read_text() == code and (data / "marts" / "current" / "manifest.json").exists():
        return data
    shutil.rmtree(data, ignore_errors=True)
    settings = Settings(data_dir=data)
    generate(settings.raw_dir, settings.rules_dir)
    print("publishing the demo (unmeasured refresh) …", flush=True)
    subprocess.run([sys.executable, "-m", "pipelines", "refresh"], cwd=ROOT, check=True, capture_output=True,
                   env=os.environ | {"TOUYAN_DATA_DIR": str(data), "TOUYAN_TODAY": TODAY, "TOUYAN_WORKER_IDLE": "0"})
    stamp.write_text(code)
    return data


def dbt_run(data: Path) -> dict:
    """`dbt run --select tag:evaluation` on the data folder's warehouse: the models' own seconds."""
    from pipelines.config import Settings
    from pipelines.refresh.transform import dbt_args, target_dir

    settings = Settings(data_dir=data)
    args = [arg for arg in dbt_args(settings, "run", "--select", "tag:evaluation") if arg != "--quiet"]
    before, busy, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), machine_busy_s(), time.perf_counter()
    child = subprocess.run([str(Path(sys.executable).parent / "dbt"), *args], cwd=ROOT, capture_output=True, text=True,
                           env=os.environ | {"TOUYAN_DATA_DIR": str(data)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if child.returncode:
        raise SystemExit(f"dbt failed:\n{child.stdout[-3000:]}\n{child.stderr[-2000:]}")
    target = target_dir(settings)
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    models = {r["unique_id"]: r["execution_time"] for r in results
              if "evaluation" in nodes.get(r["unique_id"], {}).get("tags", [])}
    if not models:
        raise SystemExit("no model tagged `evaluation` ran")
    return {"wall_s": wall, "cpu_s": cpu, "other_cpu_s": max(0.0, machine_busy_s() - busy - cpu),
            "models_s": sum(models.values()),
            "models": {uid.rsplit(".", 1)[-1]: round(s, 4) for uid, s in sorted(models.items())}}


def groups(data: Path) -> list[dict]:
    """The groups asked about: the latest year's institutes' ranking and its largest group of units, each
    with its metric items' published weights and its first entity."""
    current = data / "marts" / "current"
    with duckdb.connect() as con:
        year = con.execute(f"select max(year) from '{current}/fct_evaluation_scores.parquet'").fetchone()[0]
        chosen = con.execute(f"""
            select * from (select scope, group_id, min(entity_id) as entity_id, count(*) as n,
                                  row_number() over (partition by scope order by count(*) desc, group_id) as k
                           from '{current}/fct_evaluation_scores.parquet' where year = ? group by scope, group_id)
            where k = 1 order by scope""", [year]).fetchall()
        out = []
        for scope, group_id, entity_id, n, _ in chosen:
            items = con.execute(f"""select item_id, weight from '{current}/dim_evaluation_rules.parquet'
                                    where year = ? and scope = ? and item_kind = 'metric' order by sort_order""",
                                [year, scope]).fetchall()
            out.append({"year": year, "scope": scope, "group": group_id, "entity": entity_id, "n": n,
                        "weights": {item: float(w) for item, w in items}})
    return out


def body(group: dict, weights: dict) -> bytes:
    """The what-if callback's request as Dash's renderer sends it (tests/callbacks.py `what_if`)."""
    ids = [{"type": "what-if-weight", "item": item} for item in weights]
    key = lambda i: json.dumps(i, sort_keys=True, separators=(",", ":"))  # noqa: E731
    return json.dumps({
        "output": "..what-if-result.children...what-if-sum.children..",
        "outputs": [{"id": "what-if-result", "property": "children"}, {"id": "what-if-sum", "property": "children"}],
        "inputs": [[{"id": i, "property": "value", "value": w} for i, w in zip(ids, weights.values(), strict=True)]],
        "state": [[{"id": i, "property": "id", "value": i} for i in ids],
                  {"id": "evaluation-year", "property": "value", "value": group["year"]},
                  {"id": "evaluation-scope", "property": "value", "value": group["scope"]},
                  {"id": "evaluation-group", "property": "value", "value": group["group"]},
                  {"id": "evaluation-entity", "property": "value", "value": group["entity"]},
                  {"id": "lang", "property": "data", "value": "zh"}],
        "changedPropIds": [f"{key(ids[0])}.value"]}).encode()


def what_if_calls(data: Path, calls: int) -> list[dict]:
    server = Server(data)
    rng = random.Random(20250630)
    try:
        out = []
        for group in groups(data):
            seconds, status, _ = server.post(DASH_POST, body(group, group["weights"]))  # unmeasured
            if status != 200:
                raise SystemExit(f"what-if {group['scope']} {group['group']}: HTTP {status}\n" + "".join(server.log[-30:]))
            busy, cpu, own, t0 = machine_busy_s(), server.cpu_s(), time.process_time(), time.perf_counter()
            ms, errors = [], 0
            for _ in range(calls):
                weights = {item: rng.randint(0, 40) for item in group["weights"]}
                seconds, status, _ = server.post(DASH_POST, body(group, weights))
                ms.append(seconds * 1000)
                errors += status != 200
            wall = time.perf_counter() - t0
            server_cpu, own = server.cpu_s() - cpu, time.process_time() - own
            out.append({**{k: group[k] for k in ("year", "scope", "group", "n")}, "items": len(group["weights"]),
                        "calls": calls, "errors": errors, "p50_ms": pct(ms, 0.5), "p95_ms": pct(ms, 0.95),
                        "max_ms": max(ms), "wall_s": wall, "server_cpu_s": server_cpu,
                        "other_cpu_s": max(0.0, machine_busy_s() - busy - server_cpu - own)})
            print(f"  what-if {group['scope']} {group['group']} ({group['n']} entities): p50 {out[-1]['p50_ms']:.1f} ms, "
                  f"p95 {out[-1]['p95_ms']:.1f} ms, {errors} errors", flush=True)
        return out
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.evaluation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="what-if calls per group (default 200)")
    parser.add_argument("--dbt-runs", type=int, default=3, help="dbt runs of the evaluation models (default 3)")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="output folder (default bench/out)")
    args = parser.parse_args(argv)
    data = published_demo(args.out.resolve() / "evaluation")
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at the start; TOUYAN_TODAY {TODAY}", flush=True)
    dbt_runs = []
    for _ in range(args.dbt_runs):
        dbt_runs.append(dbt_run(data))
        print(f"  dbt: evaluation models {dbt_runs[-1]['models_s']:.3f} s own time "
              f"({dbt_runs[-1]['wall_s']:.1f} s the whole dbt process)", flush=True)
    calls = what_if_calls(data, args.calls)
    models_s = statistics.median(r["models_s"] for r in dbt_runs)
    worst = max(calls, key=lambda c: c["p95_ms"])
    text = (f"evaluation models' own time (dbt run_results, median of {len(dbt_runs)}): {models_s:.3f} s; "
            + "; ".join(f"what-if {c['scope']} {c['group']} ({c['n']} entities × {c['items']} items): "
                        f"p50 {c['p50_ms']:.1f} ms, p95 {c['p95_ms']:.1f} ms over {c['calls']} calls" for c in calls))
    checks = [{"target": f"evaluation models' own time ≤ {DBT_TARGET_S:.0f} s", "value": f"{models_s:.3f} s",
               "pass": models_s <= DBT_TARGET_S},
              {"target": f"what-if callback p95 ≤ {WHAT_IF_P95_MS:.0f} ms", "value": f"{worst['p95_ms']:.1f} ms",
               "pass": worst["p95_ms"] <= WHAT_IF_P95_MS},
              {"target": "every what-if call answered (HTTP 200)", "value": f"{sum(c['errors'] for c in calls)} errors",
               "pass": not any(c["errors"] for c in calls)}]
    report(args.out / "evaluation.json", shlex.join(sys.orig_argv), code_stamp(), args.dbt_runs,
           [{"what": "dbt", "runs": dbt_runs}, {"what": "what-if", "runs": calls}], checks, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
