"""The app side of bench.load: `python -m dashboards serve` (gunicorn, as `make serve` runs it) as a
process group of its own, the accounts the simulated users log in with, the callback requests Chromium
sends (recorded in development mode: the same callbacks, no login in the way), and the in-process
measure of what the session and role checks add to a request.

The Locust users are bench/locustfile.py; the phases and the report, bench/load.py."""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bench.dashboard_browser import Watch
from bench.dashboard_http import env_for, free_port
from bench.ingest import ROOT

PASSWORD = "bench-load-password"  # the bench's own accounts, in the bench's own data folder
PAGES = {"overview": "/", "institute": "/institute", "compare": "/compare"}
# the navigation a user follows between the pages: the link of the next page in the bar
NAVIGATION = {"overview": "institute", "institute": "compare", "compare": "overview"}
# how many accounts of each kind; several simulated users share one (each logs in: a session of its own)
ANALYSTS, LEADERS_ALL, LEADERS_PROVINCE = 4, 4, 4
PROVINCE = "33"


class Gunicorn:
    """`python -m dashboards serve` on a free port of 127.0.0.1 with the default workers and threads, in a
    session of its own so that stop() ends the master and every worker at once."""

    def __init__(self, data: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # the defaults of workers and threads; the accounts and the key of the data folder
        env = {k: v for k, v in env_for(data).items() if k not in (
            "TOUYAN_SERVER_WORKERS", "TOUYAN_SERVER_THREADS", "TOUYAN_ACCOUNTS_DB", "TOUYAN_SECRET_KEY", "TOUYAN_URL_PREFIX")}
        env |= {"TOUYAN_DASH_HOST": "127.0.0.1", "TOUYAN_DASH_PORT": str(self.port)}
        self.process = subprocess.Popen([sys.executable, "-m", "dashboards", "serve"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.log: list[str] = []
        threading.Thread(target=lambda: self.log.extend(self.process.stdout), daemon=True).start()
        try:
            self._ready()
        except BaseException:
            self.stop()
            raise

    def _ready(self, timeout_s: float = 180) -> None:
        """Up when the login page answers and the workers have stopped loading (each builds the app and
        renders every page once before it accepts: the first to be ready answers while the other loads)."""
        end = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None or time.monotonic() > end:
                raise SystemExit("the server did not start:\n" + "".join(self.log[-50:]))
            try:
                urllib.request.urlopen(self.base + "/login", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        while time.monotonic() < end:
            cpu0 = self.cpu_s()
            time.sleep(1.0)
            if len(self.pids()) > 2 and self.cpu_s() - cpu0 < 0.1:
                return
        raise SystemExit("the server's workers did not settle:\n" + "".join(self.log[-50:]))

    def pids(self) -> list[int]:
        """The master and its workers."""
        found = [self.process.pid]
        try:
            for task in os.listdir(f"/proc/{self.process.pid}/task"):
                found += map(int, Path(f"/proc/{self.process.pid}/task/{task}/children").read_text().split())
        except OSError:
            pass
        return found

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the master and its live workers have used."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        return total / 1024

    def stop(self) -> None:
        for sig, wait_s in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait_s)
                return
            except subprocess.TimeoutExpired:
                continue


def settings_for(data: Path):
    """The settings the server runs with over `data` (its accounts database and key in that folder)."""
    from dataclasses import replace

    from pipelines.config import Settings

    return replace(Settings.from_env(), data_dir=data, accounts_file=None, secret_key=None, trusted_proxies=())


def ensure_accounts(data: Path, institutes: dict[str, str]) -> dict[str, list[dict]]:
    """The bench's accounts in the data folder's accounts database (made once; argon2 makes each add take
    a moment): analysts, leaders of the whole system and of province 33, one institute account per
    institute. `institutes`: institute id → province code. Returns kind → [{username, institute}]."""
    from dashboards.accounts.store import AccountStore

    wanted = {"analyst": [(f"analyst{i}", "analyst", None, None) for i in range(ANALYSTS)],
              "leader": [(f"leader_all{i}", "leader", None, "all") for i in range(LEADERS_ALL)]
              + [(f"leader_{PROVINCE}_{i}", "leader", None, f"province:{PROVINCE}") for i in range(LEADERS_PROVINCE)],
              "institute": [(f"inst_{i.lower()}", "institute", i, None) for i in sorted(institutes)]}
    with AccountStore(settings_for(data)) as store:
        existing = {a.username for a in store.list()}
        for accounts in wanted.values():
            for username, role, institute, scope in accounts:
                if username not in existing:
                    store.add(username, PASSWORD, role, institute_id=institute, scope=scope)
    return {kind: [{"username": u, "institute": i, "scope": s} for u, _, i, s in accounts]
            for kind, accounts in wanted.items()}


def record_pages(browser, base: str) -> dict:
    """What each page sends when it is first opened (the callbacks its layout fires), and what a click on
    the navigation bar's next page sends: page → {"first_load": [(path, body)], "navigate": [(path, body)]}."""
    out = {}
    for page, path in PAGES.items():
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        tab = context.new_page()
        watch = Watch(tab)
        tab.goto(base + path)
        watch.settle()
        first = list(watch.bodies)
        watch.bodies.clear()
        for _attempt in range(3):  # a click while the page is still wiring up is lost
            tab.click(f"#nav-{NAVIGATION[page]}")
            for _ in range(50):
                if watch.bodies:
                    break
                tab.wait_for_timeout(100)
            if watch.bodies:
                break
        watch.settle()
        if not watch.bodies:
            raise SystemExit(f"{page}: the navigation link sent no callback request")
        out[page] = {"first_load": first, "navigate": list(watch.bodies)}
        context.close()
    return out


def session_overhead(data: Path, bodies: list[tuple[str, str, dict]], username: str, repeat: int) -> dict:
    """What the session and role checks add to a request, in this process without HTTP: the app in
    development mode (no login) and in server mode (the request carries a logged-in session: the cookie
    is read and signed again, the account looked up, the callback's rule checked, the audit hook run)
    over the same data, each request of `bodies` ([name, path, body]; no body: a GET, the overview's
    `_dash-layout`, say, a page view the audit records) sent to one and then the
    other, `repeat` times (plus one unmeasured pass). Returns per name the two medians and their difference."""
    from dashboards.server.app import create_app

    settings = settings_for(data)
    dev = create_app(settings, dev=True).server.test_client()
    server = create_app(settings).server.test_client()
    form = server.get("/login").get_data(as_text=True)
    token = form.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    login = server.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    if login.status_code != 302:
        raise SystemExit(f"session_overhead: the login as {username} answered {login.status_code}")
    times: dict[str, dict[str, list[float]]] = {}
    for i in range(repeat + 1):
        for name, path, body in bodies:
            payload = json.dumps(body)
            for mode, client in (("development", dev), ("server", server)):
                t0 = time.perf_counter()
                response = client.get(path, headers={"Referer": "http://localhost/"}) if body is None else \
                    client.post(path, data=payload, content_type="application/json")
                answered = time.perf_counter()
                response.close()  # the audit's write, once the response is sent (the user no longer waits)
                closed = time.perf_counter()
                if response.status_code not in (200, 204):
                    raise SystemExit(f"session_overhead: {mode} answered {response.status_code} to {name}")
                if i:
                    times.setdefault(name, {}).setdefault(mode, []).append((answered - t0) * 1000)
                    times[name].setdefault(mode + " after", []).append((closed - answered) * 1000)
    return {name: {"development_p50_ms": statistics.median(t["development"]),
                     "server_p50_ms": statistics.median(t["server"]),
                     "added_ms": statistics.median(t["server"]) - statistics.median(t["development"]),
                     "after_response_ms": statistics.median(t["server after"]) - statistics.median(t["development after"]),
                     "n": len(t["server"])} for name, t in times.items()}
