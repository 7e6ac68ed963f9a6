"""The app under test, driven over HTTP, for bench.dashboard: `python -m dashboards` as a process, the
interactions it is asked for, the replay of the callback requests Chromium recorded (idle, or while
`python -m pipelines refresh` runs in a loop on the same data), and the CPU accounting of a phase.
The browser side is bench/dashboard_browser.py; the run and its report, bench/dashboard.py."""
from __future__ import annotations

import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.ingest import ROOT, machine_busy_s

TODAY = "2025-06-30"
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


def env_for(data: Path) -> dict:
    # Each refresh starts its own dbt and GX workers: all of its work is then in the refresh processes the
    # CPU accounting sees, and the app competes with the heavier, cold refresh (resident workers would
    # make the refreshes lighter and leave processes behind).
    return {**os.environ, "TOUYAN_DATA_DIR": str(data), "TOUYAN_TODAY": TODAY, "TOUYAN_WORKER_IDLE": "0"}


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
            t0, started_at = time.perf_counter(), time.time()
            self.process = subprocess.Popen([sys.executable, "-m", "pipelines", "refresh"], cwd=ROOT,
                                            env=env_for(self.data), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            err = self.process.communicate()[1]
            self.runs.append({"wall_s": round(time.perf_counter() - t0, 2), "exit_code": self.process.returncode,
                              "started_at": started_at, "ended_at": time.time(),  # epoch: bench.load's windows
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


