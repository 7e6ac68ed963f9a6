"""Dashboard callbacks timed in-process (issue 4): the work behind each interaction — the page
function a callback calls plus the JSON serialisation Dash does — without HTTP, threads or a browser.
Beside the wall time it takes the thread's CPU time, which another process on the machine does not
inflate: on a shared machine that is the figure to compare.

    python -m bench.dashboard_pages [--sizes demo,200x20] [--repeat 15] [--out bench/out]

Data: the folders bench.dashboard prepares (<out>/dashboard/<size>/data; run it once first). Each
callback body runs once unmeasured, then `--repeat` times with the control's value varied (years,
institutes, metrics, groups in turn). Medians, in ms. Raw: <out>/dashboard_pages.json."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from plotly.io.json import to_json_plotly


def cases(store) -> dict:
    """name → function(i) doing the i-th variant of the callback's work, as the server does it."""
    from dashboards.pages import compare, institute, overview, shell
    from dashboards.views import compare as compare_views
    from dashboards.views.viewer import EVERYONE as viewer

    years = store.years(viewer)
    institutes = store.institutes(viewer)["institute_id"].tolist()
    metrics = store.metrics(viewer)["metric_id"].tolist()
    groups = store.groups(viewer)["group_id"].tolist()

    def pick(values: list, i: int):
        return values[(i * 7) % len(values)]

    def compare_state(i: int) -> dict:
        year = pick(years, i)
        return {"metric": pick(metrics, i), "metric_b": pick(metrics, i + 1), "year_a": year, "year_b": year - 1,
                "group": pick(groups, i)}

    def compare_callback(i: int, section) -> tuple:
        """One of the compare page's two callbacks: its four figures, or its peer benchmarks."""
        d = compare_state(i)
        rows, this_year = compare_views.frames(viewer, store, d, "zh")
        if section == "figures":
            return compare.compare_figures(viewer, store, d, "zh", rows, this_year)
        return compare.peer_section(viewer, store, d, "zh", this_year)

    return {
        "overview: year / group": lambda i: overview.content(viewer, store, pick(years, i), pick(groups, i), "zh"),
        "institute: figures": lambda i: institute.figure_content(viewer, store, {
            "lang": "zh", "institute": pick(institutes, i), "metric": pick(metrics, i), "record_year": years[-1]}),
        "institute: records": lambda i: institute.records_content(viewer, store, {
            "lang": "zh", "institute": pick(institutes, i), "metric": pick(metrics, i), "record_year": pick(years, i)}),
        "compare: 4 figures": lambda i: compare_callback(i, "figures"),
        "compare: peer benchmarks": lambda i: compare_callback(i, "peers"),
        "language → overview (router)": lambda i: shell.render(viewer, store, overview, {"lang": ("en", "zh")[i % 2]}),
        "language → institute (router)": lambda i: shell.render(viewer, store, institute,
                                                                {"lang": ("en", "zh")[i % 2]}),
        "language → compare (router)": lambda i: shell.render(viewer, store, compare, {"lang": ("en", "zh")[i % 2]}),
        "first load: layout of /": lambda i: shell.shell(viewer, store, "/", ""),
        "URL writer: as-of line": lambda i: shell.as_of(viewer, store, "zh"),
    }


def measure(size: str, work: Path, repeat: int) -> dict:
    from dashboards.views.store import MartStore

    marts = work / size / "data" / "marts"
    if not (marts / "current").exists():
        raise SystemExit(f"{marts}: nothing published — run `python -m bench.dashboard --sizes {size}` first")
    store = MartStore(marts)
    t0 = time.perf_counter()
    store.snapshot()
    out = {"snapshot_load_ms": (time.perf_counter() - t0) * 1000, "callbacks": {}}
    for name, work_of in cases(store).items():
        to_json_plotly(work_of(0))  # first use
        wall, cpu, size_b = [], [], 0
        for i in range(1, repeat + 1):
            w0, c0 = time.perf_counter(), time.thread_time()
            size_b = len(to_json_plotly(work_of(i)))
            wall.append((time.perf_counter() - w0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
        out["callbacks"][name] = {"wall_ms_median": statistics.median(wall), "cpu_ms_median": statistics.median(cpu),
                                  "cpu_ms_max": max(cpu), "kib": size_b / 1024, "wall_ms": wall, "cpu_ms": cpu}
        print(f"  {size:7s} {name:32s} wall {statistics.median(wall):6.1f} ms  cpu {statistics.median(cpu):6.1f} ms"
              f" (max {max(cpu):5.1f})  {size_b / 1024:6.0f} KiB", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard_pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="demo,200x20")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} (1 min) at the start", flush=True)
    results = {size: measure(size.strip(), args.out.resolve() / "dashboard", args.repeat)
               for size in args.sizes.split(",") if size.strip()}
    found = {"command": " ".join(sys.orig_argv), "load_1min_start": load, "load_1min_end": os.getloadavg()[0],
             "at": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "results": results}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dashboard_pages.json").write_text(json.dumps(found, ensure_ascii=False, indent=2))
    print(f"load average {found['load_1min_end']:.2f} at the end; results: {args.out / 'dashboard_pages.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
