"""The simulated users of bench.load (Locust), and the Locust run itself, in a process of its own:

    python -m bench.locustfile PLAN.json OUT.json

PLAN (written by bench/load.py): the server's address, the accounts, the callback requests Chromium
sent for each page's first load, each interaction and each navigation link (recorded in development
mode), the values each kind of account may vary them with, and the steps (users; seconds measured).

Each user logs in as one of the accounts of its kind (its own session: the login form's CSRF token, the
POST, the cookie), opens the overview as a browser does after the login (the page, `_dash-layout` with
the page as Referer, `_dash-dependencies`, the callbacks the layout fires), then, 3–5 s apart, does one
thing on the page it is on: an interaction (a control set to another value, the language switch) or a
click on the next page's link, which takes it there. Every request is named after what it is for
("institute: metric → institute-figures.children", "first load: GET _dash-layout").

Steps: `users[0]` users are started (`spawn_rate` a second), measured for `measure_s` once all have
started, then more are added up to `users[1]`, and so on — until a step misses (a named request's
p95 over `limit_ms`, or an error) or the list ends. With `hold_file`, the one step lasts until that file
exists (bench.load runs refreshes meanwhile). Every request is written to OUT with its start (epoch
seconds), its time and its error, and each step with its times and this process's CPU seconds
(user + system) over its measured window: the figures are made by bench/load.py."""
from __future__ import annotations

import itertools
import json
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

from bench.dashboard_http import vary

PLAN: dict = json.loads(Path(sys.argv[1]).read_text()) if __name__ == "__main__" else {}
END_ID = re.compile(r'"end_id":\s*"([^"]+)"')
# Chromium's, less zstd (geventhttpclient cannot read it): the server answers br, as flask-compress's next choice
ACCEPT_ENCODING = "gzip, deflate, br"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Reader(FastHttpUser):
    """A person reading the dashboard; its kind's accounts are PLAN["accounts"][kind], shared in turn."""

    abstract = True
    kind = ""
    wait_time = between(3, 5)
    _turn: dict = {}

    def on_start(self) -> None:
        accounts = PLAN["accounts"][self.kind]
        n = Reader._turn[self.kind] = Reader._turn.get(self.kind, -1) + 1
        self.account = accounts[n % len(accounts)]
        self.pool = PLAN["pools"][self.account["pool"]]
        self.rng = random.Random(f"{self.kind}{n}")
        self.page, self.toggles, self.end_id = "overview", itertools.count(), None
        form = self.get("login: GET form", "/login", (200,))
        token = CSRF.search(form.text).group(1) if form is not None and form.status_code == 200 else ""
        with self.client.request("POST", "/login", name="login: POST", data={
                "csrf_token": token, "username": self.account["username"], "password": PLAN["password"]},
                allow_redirects=False, catch_response=True) as r:
            ok = r.status_code == 302 and "/login" not in r.headers.get("Location", "/login")
            r.success() if ok else r.failure(f"HTTP {r.status_code} (not 302 to a page)")
            target = r.headers.get("Location", "/") if ok else "/"
        page = self.get("first load: GET page", target, (200,))
        found = END_ID.search(page.text) if page is not None and page.status_code == 200 else None
        self.end_id = found.group(1) if found else None
        referer = {"Referer": PLAN["host"] + target}
        self.get("first load: GET _dash-layout", "/_dash-layout", (200,), referer)
        self.get("first load: GET _dash-dependencies", "/_dash-dependencies", (200,))
        self.chain("first load", PLAN["pages"]["overview"]["first_load"], None, None, None)

    def get(self, name: str, path: str, expect: tuple, headers: dict | None = None):
        with self.client.request("GET", path, name=name, allow_redirects=False, catch_response=True,
                                 headers={"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}) as r:
            r.success() if r.status_code in expect else r.failure(f"HTTP {r.status_code}")
            return r

    def chain(self, label: str, chain: list, control: str | None, key: str | None, value) -> None:
        """The callback requests of one action, in order, as the browser sends them (the next one after
        the answer to the one before)."""
        for name, path, body in chain:
            body = vary(self.pinned(body), control, key, value) if control else json.dumps(self.pinned(body)).encode()
            if self.end_id and "endId=" in path:
                path = path.split("?", 1)[0] + "?endId=" + self.end_id
            with self.client.request("POST", path, name=f"{label} → {name}", data=body, allow_redirects=False,
                                     catch_response=True, headers={"Content-Type": "application/json",
                                                                   "Accept-Encoding": ACCEPT_ENCODING}) as r:
                r.success() if r.status_code in (200, 204) else r.failure(f"HTTP {r.status_code}")

    def pinned(self, body: dict) -> dict:
        """The body with the institute the account is bound to (institute accounts, province leaders) in the
        page's state: a recording made as an analyst opens the first institute of all."""
        institute = self.pool.get("pin_institute")
        return json.loads(vary(body, "institute-id", "institute", institute)) if institute else body

    @task
    def act(self) -> None:
        here = PLAN["pages"][self.page]
        choices = [(name, i) for name, i in here["interactions"].items()] + [("navigate", None)]
        name, interaction = self.rng.choices(choices, weights=[i["weight"] for _, i in choices[:-1]] + [1.0])[0]
        if name == "navigate":
            self.chain(f"{self.page}: go to {here['next']}", here["navigate"], None, None, None)
            self.page = here["next"]
            return
        chains = interaction["chains"]
        if interaction["key"] is None:  # the language switch: zh → en, then en → zh
            self.chain(name, chains[next(self.toggles) % len(chains)], None, None, None)
            return
        values = self.pool["values"].get(interaction["values"]) or [None]
        self.chain(name, chains[0], interaction["control"], interaction["key"], self.rng.choice(values))


class Analyst(Reader):
    kind, weight = "analyst", 1


class Leader(Reader):
    kind, weight = "leader", 2


class InstituteReader(Reader):
    kind, weight = "institute", 2


def quantile(values: list[float], q: float) -> float:
    """Linear between the closest ranks (as bench.dashboard_http.pct)."""
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1] if len(values) > 1 else values[0]


def verdict(samples: list, since: float, ramped: float, until: float) -> tuple[bool, str]:
    """A step keeps the target when every named request measured in it (but PLAN["untargeted"]) has p95
    ≤ PLAN["limit_ms"] and none failed: the callbacks sent once all users had started, the logins and
    first loads from the step's start."""
    by_name: dict[str, list[float]] = {}
    errors = 0
    for start, ms, name, error in samples:
        first = name.startswith(("login", "first load"))
        if (since if first else ramped) <= start and start + ms / 1000 <= until:
            by_name.setdefault(name, []).append(ms)
            errors += error is not None
    targeted = [n for n in by_name if n not in PLAN["untargeted"]]
    worst = max(targeted, key=lambda n: quantile(by_name[n], 0.95), default=None)
    p95 = quantile(by_name[worst], 0.95) if worst else float("nan")
    return (worst is not None and p95 <= PLAN["limit_ms"] and not errors,
            f"worst p95 {p95:.0f} ms ({worst}), {sum(map(len, by_name.values()))} requests, {errors} errors")


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(out: Path) -> None:
    env = Environment(user_classes=[Analyst, Leader, InstituteReader], events=events, host=PLAN["host"])
    samples: list = []

    @env.events.request.add_listener
    def _record(name, response_time, start_time, exception=None, **_kw):
        samples.append((start_time, response_time, name, None if exception is None else str(exception)[:200]))

    runner = env.create_local_runner()
    steps, t0, cpu0 = [], time.time(), cpu_s()
    hold = Path(PLAN["hold_file"]) if PLAN.get("hold_file") else None
    try:
        for users in PLAN["steps"]:
            since = time.time()
            runner.start(users, spawn_rate=PLAN["spawn_rate"])
            runner.spawning_greenlet.join()
            ramped, cpu_ramped = time.time(), cpu_s()
            print(f"ramped {users}", flush=True)  # bench.load waits for this line
            if hold:
                while not hold.exists():
                    gevent.sleep(0.2)
            else:
                gevent.sleep(PLAN["measure_s"])
            until = time.time()
            kept, summary = verdict(samples, since, ramped, until)
            steps.append({"users": users, "since": since, "ramped": ramped, "until": until,
                          "locust_cpu_s": cpu_s() - cpu_ramped, "kept": kept})
            print(f"  {users} users: {'keeps' if kept else 'misses'} the target — {summary}", flush=True)
            if not kept and not hold:
                break
    finally:
        runner.quit()
        out.write_text(json.dumps({"steps": steps, "samples": samples, "wall_s": time.time() - t0,
                                   "cpu_s": cpu_s() - cpu0}))


if __name__ == "__main__":
    main(Path(sys.argv[2]))
