"""What the browser tests share: Debian's headless Chromium, driven by Playwright (executable_path: no
browser download), and the server mode as deployed (`python -m dashboards serve`: gunicorn)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from pipelines.config import PROJECT_ROOT, Settings

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@contextmanager
def serving(settings: Settings, port: int, log: Path):
    """`python -m dashboards serve` over `settings`' data folder and accounts (one worker, four threads),
    started in a session of its own; yields its base URL once it answers, and ends it with its workers."""
    env = {**os.environ, "TOUYAN_DATA_DIR": str(settings.data_dir), "TOUYAN_TODAY": settings.today.isoformat(),
           "TOUYAN_ID_SALT": settings.id_salt, "TOUYAN_ACCOUNTS_DB": str(settings.accounts_db),
           "TOUYAN_DASH_PORT": str(port), "TOUYAN_SECRET_KEY": "e2e-secret", "TOUYAN_SERVER_WORKERS": "1",
           "TOUYAN_SERVER_THREADS": "4"}
    process = subprocess.Popen([sys.executable, "-m", "dashboards", "serve"], cwd=PROJECT_ROOT, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=5)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the server did not start: " + log.read_text())
            time.sleep(0.3)
    try:
        yield base
    finally:
        os.killpg(process.pid, 15)  # gunicorn's master and its workers
        process.wait(timeout=30)
