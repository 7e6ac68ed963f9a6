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
refresh; first load ≤ 2 s; PNG export ≤ 2 s warm. Raw results: <out>/dashboard.json."""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from bench.ingest import ROOT, code_digest, machine_busy_s

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
TODAY = "2025-06-30"
IDLE_P95_MS, REFRESH_P95_MS, LOAD_S, EXPORT_S = 100.0, 300.0, 2.0, 2.0
DASH_POST = "/_dash-update-component"
ACCEPT_ENCODING = "gzip, deflate, br, zstd"  # Chromium's

# name: (page, control, URL-state key). The value of `control` is varied on every replay.
INTERACTIONS = {
    "overview: year": ("/", "overview-year", "year"),
    "overview: group": ("/", "overview-group", "group"),
    "institute: institute": ("/institute", "institute-id", "institute"),
    "institute: metric": ("/institute", "institute-metric", "metric"),
    "institute: year": ("/institute", "institute-record-year", "record_year"),
    "compare: metric": ("/compare", "compare-metric", "metric"),
    "compare: year": ("/compare", "compare-year-a", "year_a"),
    "language: overview": ("/", "lang-toggle", None),
    "language: institute": ("/institute", "lang-toggle", None),
    "language: compare": ("/compare", "lang-toggle", None),
}
EXPORTS = {"institute: trend": ("/institute", "trend"), "compare: rank_heatmap": ("/compare", "rank_heatmap")}


# ---------------------------------------------------------------- data

def env_for(data: Path) -> dict:
    # Each refresh starts its own dbt and GX workers: all of its work is then in the refresh processes the
    # CPU accounting sees, and the app competes with the heavier, cold refresh (resident workers would
    # make the refreshes lighter and leave processes behind).
    return {**os.environ, "TOUYAN_DATA_DIR": str(data), "TOUYAN_TODAY": TODAY, "TOUYAN_WORKER_IDLE": "0"}


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


# ---------------------------------------------------------------- the app

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "dashboards", "--port", str(self.port)], cwd=ROOT,
                                        env=env_for(data), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.log: list[str] = []
        threading.Thread(target=lambda: self.log.extend(self.process.stdout), daemon=True).start()
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base, timeout=2).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise SystemExit("the dashboard did not start:\n" + "".join(self.log[-50:]))

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines())
        return int(status["VmRSS"].split()[0]) / 1024

    def post(self, path: str, body: bytes) -> tuple[float, int, int]:
        """(seconds, HTTP status, response bytes as sent) of one callback request. It accepts the encodings
        Chromium accepts, so the server compresses as it does for the browser (the time includes it)."""
        request = urllib.request.Request(self.base + path, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "Accept-Encoding": ACCEPT_ENCODING})
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                size = len(response.read())
                status = response.status
        except urllib.error.HTTPError as e:
            size, status = len(e.read()), e.code
        return time.perf_counter() - t0, status, size

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---------------------------------------------------------------- the browser

class Watch:
    """The page's requests: the callback requests it sends (path with Dash 4's signed `endId` query, and
    JSON body) and how many requests are in flight. `settle()` returns once nothing has been in flight
    for `quiet_s` — Playwright's networkidle is a load state, reached once per document, so it says
    nothing about callbacks sent after an action."""

    def __init__(self, page):
        self.page, self.bodies, self.inflight, self.last = page, [], 0, time.perf_counter()
        page.on("request", self._sent)
        page.on("requestfinished", self._done)
        page.on("requestfailed", self._done)

    def _sent(self, request) -> None:
        self.inflight, self.last = self.inflight + 1, time.perf_counter()
        url = urlsplit(request.url)
        if request.method == "POST" and url.path == DASH_POST:
            self.bodies.append((url.path + ("?" + url.query if url.query else ""), json.loads(request.post_data)))

    def _done(self, _request) -> None:
        self.inflight, self.last = self.inflight - 1, time.perf_counter()

    def settle(self, quiet_s: float = 1.0, timeout_s: float = 120) -> None:
        end = time.perf_counter() + timeout_s
        while self.inflight > 0 or time.perf_counter() - self.last < quiet_s:
            if time.perf_counter() > end:
                raise TimeoutError(f"requests still in flight after {timeout_s} s")
            self.page.wait_for_timeout(50)  # lets Playwright deliver the events


def choose_second_option(page, control: str) -> None:
    page.locator("#asof").click(position={"x": 2, "y": 2})  # a focused dropdown ignores the next click
    page.click(f"#{control}")
    page.get_by_role("option").nth(1).click()


def record(browser, base: str) -> dict[str, list[list[tuple[str, dict]]]]:
    """interaction → chains (the POST bodies one action sent, in order). A language switch is recorded
    both ways (zh → en, en → zh); the replay alternates them."""
    recorded: dict[str, list[list[dict]]] = {}
    for name, (path, control, _) in INTERACTIONS.items():
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        watch = Watch(page)
        bodies = watch.bodies
        page.goto(base + path)
        watch.settle()
        chains = []
        for lang in (("en", "zh") if control == "lang-toggle" else (None,)):
            bodies.clear()
            for _attempt in range(3):  # a click that lands while the page is still wiring up is lost: again
                if control == "lang-toggle":
                    page.click("#lang-toggle")
                else:
                    choose_second_option(page, control)
                for _ in range(50):
                    if bodies:
                        break
                    page.wait_for_timeout(100)
                if bodies:
                    break
            if lang:
                page.wait_for_function(f"location.search.includes('lang={lang}')", timeout=30_000)
            watch.settle()
            if not bodies:
                raise SystemExit(f"{name}: the action sent no callback request")
            chains.append(list(bodies))
        recorded[name] = chains
        context.close()
    return recorded


def outputs_of(body: dict) -> str:
    """A short name for the callback: its outputs, without the pattern-matching noise."""
    names = []
    for out in body.get("outputs") if isinstance(body.get("outputs"), list) else [body.get("outputs")]:
        out_id = out["id"]
        if isinstance(out_id, dict):
            out_id = out_id.get("figure") or out_id.get("table") or out_id.get("page") or out_id.get("type")
        names.append(f"{out_id}.{out['property']}")
    return ",".join(names)


def vary(body: dict, control: str, key: str | None, value) -> bytes:
    """The body with `control`'s value (and the URL-state key it feeds) set to `value`."""
    if key is None:
        return json.dumps(body).encode()
    body = json.loads(json.dumps(body))

    def walk(entries):
        for entry in entries or []:
            if isinstance(entry, list):
                walk(entry)
            elif entry.get("id") == control:
                entry["value"] = value
            elif isinstance(entry.get("id"), dict) and entry["id"].get("type") == "page-state" \
                    and isinstance(entry.get("value"), dict) and key in entry["value"]:
                entry["value"][key] = value

    walk(body.get("inputs"))
    walk(body.get("state"))
    return json.dumps(body).encode()


# ---------------------------------------------------------------- measuring

class RefreshLoop:
    """`python -m pipelines refresh` on the data folder, again and again until stopped."""

    def __init__(self, data: Path):
        self.data, self.stopping, self.runs = data, threading.Event(), []
        self.process: subprocess.Popen | None = None
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        while self.process is None:
            time.sleep(0.05)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            t0 = time.perf_counter()
            self.process = subprocess.Popen([sys.executable, "-m", "pipelines", "refresh"], cwd=ROOT,
                                            env=env_for(self.data), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            err = self.process.communicate()[1]
            self.runs.append({"wall_s": round(time.perf_counter() - t0, 2), "exit_code": self.process.returncode,
                              "stderr": err.decode(errors="replace")[-2000:] if self.process.returncode else ""})

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


def replay(server: Server, recorded: dict, dims: dict, repeat: int, loop: RefreshLoop | None = None) -> dict:
    """Interactions interleaved (each round replays every interaction once), so that a change in the
    machine's load touches all of them alike. Returns per interaction the samples of each callback."""
    rng = random.Random(20250630)
    values = {}
    for name, (_, _control, key) in INTERACTIONS.items():
        if key:
            pool = list(dims["year" if "year" in key else key])
            rng.shuffle(pool)
            values[name] = pool
    samples = {name: {"callbacks": {}, "slowest": [], "chain": []} for name in recorded}
    errors: list[str] = []
    dropped = 0
    for round_ in range(-1, repeat):  # round -1: unmeasured warm-up
        for name, chains in recorded.items():
            _, control, key = INTERACTIONS[name]
            chain = chains[round_ % len(chains)]
            value = values[name][round_ % len(values[name])] if key else None
            times, counted = [], True
            for path, body in chain:
                during = loop is None or loop.running()
                seconds, status, size = server.post(path, vary(body, control, key, value))
                during = during and (loop is None or loop.running())
                counted = counted and during
                if status not in (200, 204):
                    errors.append(f"{name} {outputs_of(body)} value={value!r}: HTTP {status}")
                times.append((outputs_of(body), seconds, size))
            if round_ < 0:
                continue
            if not counted:
                dropped += 1
                continue
            s = samples[name]
            for callback, seconds, size in times:
                s["callbacks"].setdefault(callback, {"ms": [], "bytes": []})
                s["callbacks"][callback]["ms"].append(seconds * 1000)
                s["callbacks"][callback]["bytes"].append(size)
            s["slowest"].append(max(t[1] for t in times) * 1000)
            s["chain"].append(sum(t[1] for t in times) * 1000)
        if loop is not None and round_ >= 0 and not loop.running():
            # keep the loop's between-runs gap out: wait for the next refresh process to start
            for _ in range(100):
                if loop.running():
                    break
                time.sleep(0.05)
    return {"samples": samples, "errors": errors, "dropped_chains": dropped}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarise(samples: dict) -> dict:
    out = {}
    for name, s in samples.items():
        out[name] = {
            "n": len(s["slowest"]),
            "slowest_p50_ms": pct(s["slowest"], 0.5), "slowest_p95_ms": pct(s["slowest"], 0.95),
            "chain_p50_ms": pct(s["chain"], 0.5), "chain_p95_ms": pct(s["chain"], 0.95),
            "callbacks": {cb: {"p50_ms": pct(v["ms"], 0.5), "p95_ms": pct(v["ms"], 0.95), "max_ms": max(v["ms"]),
                               "median_kib": statistics.median(v["bytes"]) / 1024, "n": len(v["ms"])}
                          for cb, v in s["callbacks"].items()},
        }
    return out


class Usage:
    """Load average and CPU use over a phase: the machine's, the app server's, this process's."""

    def __init__(self, server: Server):
        self.server = server
        self.t0, self.load0 = time.perf_counter(), os.getloadavg()[0]
        self.busy0, self.server0 = machine_busy_s(), server.cpu_s()
        self.self0, self.children0 = self._rusage(resource.RUSAGE_SELF), self._rusage(resource.RUSAGE_CHILDREN)

    @staticmethod
    def _rusage(who) -> float:
        r = resource.getrusage(who)
        return r.ru_utime + r.ru_stime

    def end(self) -> dict:
        wall = time.perf_counter() - self.t0
        busy = machine_busy_s() - self.busy0
        server = self.server.cpu_s() - self.server0
        own = self._rusage(resource.RUSAGE_SELF) - self.self0
        refresh = self._rusage(resource.RUSAGE_CHILDREN) - self.children0  # the refresh runs that ended
        return {"wall_s": round(wall, 1), "load_1min_start": round(self.load0, 2),
                "load_1min_end": round(os.getloadavg()[0], 2),
                "machine_cpus_busy": round(busy / wall, 2), "server_cpus": round(server / wall, 2),
                "bench_cpus": round(own / wall, 2), "refresh_cpus": round(refresh / wall, 2),
                "other_cpus": round(max(0.0, busy - server - own - refresh) / wall, 2),
                "server_rss_mib": round(self.server.rss_mib())}


def first_loads(browser, base: str, runs: int) -> list[dict]:
    out = []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        watch = Watch(page)
        t0 = time.perf_counter()
        page.goto(base + "/")
        page.wait_for_selector(".kpi-card", timeout=60_000)
        kpi_ms = page.evaluate("performance.now()")
        kpi_wall = time.perf_counter() - t0
        watch.settle()
        timing = page.evaluate("""() => {
            const entries = performance.getEntriesByType('resource');
            const nav = performance.getEntriesByType('navigation')[0];
            return {last_response_ms: Math.max(nav.responseEnd, ...entries.map(e => e.responseEnd)),
                    requests: entries.length + 1,
                    callbacks: entries.filter(e => e.name.includes('/_dash-update-component')).length,
                    kib: (nav.transferSize + entries.reduce((a, e) => a + (e.transferSize || 0), 0)) / 1024,
                    dom_content_loaded_ms: nav.domContentLoadedEventEnd};
        }""")
        out.append({"kpi_visible_s": kpi_ms / 1000, "loaded_s": max(timing["last_response_ms"], kpi_ms) / 1000,
                    "kpi_visible_wall_s": kpi_wall, "requests": timing["requests"], "callbacks": timing["callbacks"],
                    "transfer_kib": round(timing["kib"]), "dom_content_loaded_s": timing["dom_content_loaded_ms"] / 1000})
        context.close()
    return out


def exports(browser, server: Server, runs: int) -> dict:
    out = {}
    for name, (path, figure) in EXPORTS.items():
        context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        page = context.new_page()
        watch = Watch(page)
        bodies = watch.bodies
        page.goto(server.base + path)
        watch.settle()
        button = f"[id*='\"figure\":\"{figure}\"'][id*='\"fmt\":\"png\"']"
        clicks, sizes = [], []
        for i in range(runs + 1):  # the first one starts the renderer's browser: not counted
            bodies.clear()
            t0 = time.perf_counter()
            with page.expect_download(timeout=120_000) as download:
                page.click(button)
            file = Path(download.value.path())
            seconds = time.perf_counter() - t0
            if i == 0:
                cold = seconds
                continue
            clicks.append(seconds)
            sizes.append(file.stat().st_size)
        export_path, export_body = next((p, b) for p, b in bodies if "figure-file" in json.dumps(b.get("outputs")))
        direct = [server.post(export_path, json.dumps(export_body).encode()) for _ in range(runs)]
        context.close()
        out[name] = {"cold_click_s": cold, "click_s": clicks, "median_click_s": statistics.median(clicks),
                     "callback_s": [d[0] for d in direct], "median_callback_s": statistics.median(d[0] for d in direct),
                     "request_kib": round(len(json.dumps(export_body)) / 1024), "png_kib": round(statistics.median(sizes) / 1024)}
    return out


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
             "repeat": args.repeat, "results": results, "targets": checks}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dashboard.json").write_text(json.dumps(found, ensure_ascii=False, indent=2))
    print(f"\nresults: {args.out / 'dashboard.json'}\ncommand: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
