"""The browser side of bench.dashboard: Debian's Chromium through Playwright records the callback
requests each interaction sends, times the first page load and the PNG export. The replay of the
recorded requests over HTTP is bench/dashboard_http.py."""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.dashboard_http import DASH_POST, EXPORTS, INTERACTIONS, Server

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


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
            if lang:  # polled from here: wait_for_function evaluates a string, which the app's CSP forbids
                for _ in range(300):
                    if f"lang={lang}" in urlsplit(page.url).query:
                        break
                    page.wait_for_timeout(100)
                else:
                    raise TimeoutError(f"{name}: the address did not switch to lang={lang} within 30 s")
            watch.settle()
            if not bodies:
                raise SystemExit(f"{name}: the action sent no callback request")
            chains.append(list(bodies))
        recorded[name] = chains
        context.close()
    return recorded


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


