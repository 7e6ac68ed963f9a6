"""The phases of bench.load, run against the server: the Locust process (bench/locustfile.py) with the
plan it follows, the CPU accounting of its windows, the steps of users, the users while refreshes run,
and the figures of each named request. The data, the recording and the report: bench/load.py."""
from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.dashboard_http import RefreshLoop, env_for, pct
from bench.ingest import ROOT, machine_busy_s
from bench.load_app import Gunicorn

# ---------------------------------------------------------------- running Locust

class Sampler:
    """Every second: the time, the server's CPU seconds and the machine's busy seconds, so that any window
    can be accounted for afterwards."""

    def __init__(self, server: Gunicorn):
        self.server, self.rows, self.stopping = server, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            self.rows.append((time.time(), self.server.cpu_s(), machine_busy_s(), self.server.rss_mib()))
            if self.stopping.wait(1.0):
                return

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()

    def window(self, since: float, until: float) -> dict:
        inside = [r for r in self.rows if since <= r[0] <= until] or self.rows[-1:]
        first, last = inside[0], inside[-1]
        wall = max(last[0] - first[0], 1e-9)
        return {"machine_cpus_busy": round((last[2] - first[2]) / wall, 2),
                "server_cpus": round((last[1] - first[1]) / wall, 2),
                "server_rss_mib": round(max(r[3] for r in inside))}


class Locust:
    """`python -m bench.locustfile` in a session of its own, its lines echoed; `ramped` is set once its
    (first) step has started every user."""

    def __init__(self, plan: dict, work: Path, name: str):
        work.mkdir(parents=True, exist_ok=True)
        self.plan_file, self.out = work / f"{name}-plan.json", work / f"{name}-samples.json"
        self.plan_file.write_text(json.dumps(plan, ensure_ascii=False))
        self.out.unlink(missing_ok=True)
        self.ramped = threading.Event()
        self.process = subprocess.Popen([sys.executable, "-m", "bench.locustfile", str(self.plan_file), str(self.out)],
                                        cwd=ROOT, env=env_for(work), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith("ramped"):
                self.ramped.set()
            elif line.startswith("  "):
                print(line, end="", flush=True)

    def wait(self) -> dict:
        self.process.wait()
        self.reader.join()
        if self.process.returncode or not self.out.exists():
            raise SystemExit(f"Locust failed (exit {self.process.returncode}):\n" + "".join(self.lines[-40:]))
        return json.loads(self.out.read_text())

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 9)
            self.process.wait()


def summary(samples: list, keep) -> dict:
    """Per named request (sorted by name): n, p50, p95, max in ms, errors (and the first few) — of the
    samples `keep(start, end, name)` counts."""
    by_name: dict[str, dict] = {}
    for start, ms, name, error in samples:
        if not keep(start, start + ms / 1000, name):
            continue
        s = by_name.setdefault(name, {"ms": [], "errors": []})
        s["ms"].append(ms)
        if error is not None:
            s["errors"].append(error)
    return {name: {"n": len(s["ms"]), "p50_ms": round(pct(s["ms"], 0.5), 1), "p95_ms": round(pct(s["ms"], 0.95), 1),
                   "max_ms": round(max(s["ms"]), 1), "errors": len(s["errors"]), "error_examples": s["errors"][:3]}
            for name, s in sorted(by_name.items())}


def worst_p95(requests: dict, untargeted: list[str]) -> float:
    return max(r["p95_ms"] for name, r in requests.items() if name not in untargeted)


def first(name: str) -> bool:
    return name.startswith(("login", "first load"))


def account_cpu(sampler: Sampler, since: float, until: float, locust_cpus: float, refresh_cpus: float = 0.0) -> dict:
    """The window's CPUs: the machine's busy ones, the server's, Locust's (its share of the machine's
    CPUs), the refreshes', and the rest (other processes of the machine)."""
    usage = sampler.window(since, until)
    return usage | {"wall_s": round(until - since, 1), "locust_cpus": round(locust_cpus, 2),
                    "locust_share": round(locust_cpus / len(os.sched_getaffinity(0)), 3),
                    "refresh_cpus": round(refresh_cpus, 2),
                    "other_cpus": round(max(0.0, usage["machine_cpus_busy"] - usage["server_cpus"] - locust_cpus
                                            - refresh_cpus), 2)}


def steps_phase(plan: dict, server: Gunicorn, work: Path, steps: list[int], measure_s: float) -> list[dict]:
    sampler = Sampler(server)
    locust = Locust(plan | {"steps": steps, "measure_s": measure_s}, work, "steps")
    try:
        found = locust.wait()
    finally:
        locust.kill()
        sampler.stop()
    out = []
    for step in found["steps"]:
        since, ramped, until = step["since"], step["ramped"], step["until"]
        requests = summary(found["samples"], lambda s, e, n, since=since, ramped=ramped, until=until:
                           (since if first(n) else ramped) <= s and e <= until)
        out.append({"users": step["users"], "ramp_s": round(ramped - since, 1), "requests": requests,
                    "errors": sum(r["errors"] for r in requests.values()),
                    "worst_p95_ms": worst_p95(requests, plan["untargeted"]),
                    "requests_per_s": round(sum(r["n"] for n, r in requests.items() if not first(n)) / (until - ramped), 1),
                    "kept": step["kept"],
                    "usage": account_cpu(sampler, ramped, until, step["locust_cpu_s"] / (until - ramped))})
    return out


def refresh_phase(plan: dict, data: Path, work: Path, users: int, refresh_s: float) -> dict:
    """`users` users while refreshes run one after the other on `data`, which the server serves."""
    hold = work / "refresh-stop"
    hold.unlink(missing_ok=True)
    server = Gunicorn(data)
    sampler, locust, loop = Sampler(server), None, None
    try:
        locust = Locust(plan | {"host": server.base, "steps": [users], "hold_file": str(hold)}, work, "refresh")
        while not locust.ramped.wait(1.0):
            if locust.process.poll() is not None:
                return locust.wait()  # raises with its output
        time.sleep(5.0)  # the last users' first loads
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        loop = RefreshLoop(data)
        time.sleep(refresh_s)
        loop.stop()  # the refresh under way ends first
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        hold.touch()
        found = locust.wait()
    finally:
        if loop:
            loop.stop()
        if locust:
            hold.touch()
            locust.kill()
        sampler.stop()
        server.stop()
    runs = loop.runs

    def during(start: float, end: float, name: str) -> bool:
        return not first(name) and any(r["started_at"] <= start and end <= r["ended_at"] for r in runs)

    requests = summary(found["samples"], during)
    since, until = runs[0]["started_at"], runs[-1]["ended_at"]
    window = sum(r["ended_at"] - r["started_at"] for r in runs)
    step = found["steps"][0]
    refresh_cpu_s = children1.ru_utime + children1.ru_stime - children0.ru_utime - children0.ru_stime
    usage = account_cpu(sampler, since, until, step["locust_cpu_s"] / (step["until"] - step["ramped"]),
                        refresh_cpu_s / (until - since))
    return {"users": users, "runs": runs, "window_s": round(window, 1), "requests": requests,
            "errors": sum(r["errors"] for r in requests.values()),
            "worst_p95_ms": worst_p95(requests, plan["untargeted"]), "usage": usage}
