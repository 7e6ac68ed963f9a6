"""`make serve` (= `python -m dashboards serve`): the app under gunicorn, for a network. Always with
accounts (server/auth.py server mode); bound to Settings.dash_host:dash_port; Settings.server_workers
processes of Settings.server_threads threads each (gthread). Each worker builds its own app after the
fork (no preload: DuckDB connections and the version-watching thread do not survive a fork); the master
brings the accounts database to its schema first, so that workers never migrate it at once, and says
how to create the first administrator when there is none.

X-Forwarded-* headers are believed by the app itself, from Settings.trusted_proxies only
(server/security.py), so gunicorn's own trust of them (forwarded_allow_ips, 127.0.0.1 by default) is
turned off."""
from __future__ import annotations

import gc
import logging
import sys

from gunicorn.app.base import BaseApplication

from dashboards.accounts.store import AccountStore
from dashboards.accounts.submissions import SubmissionStore
from pipelines.config import Settings

WATCH_S = 0.5  # how often a worker looks for a newly published version (and loads it ahead of the next click)


class TouyanServer(BaseApplication):
    def __init__(self, settings: Settings):
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        for key, value in {
            "bind": [f"{s.dash_host}:{s.dash_port}"], "workers": s.server_workers, "threads": s.server_threads,
            "worker_class": "gthread", "forwarded_allow_ips": "", "proc_name": "touyan", "control_socket_disable": True,
            # an export draws in Chromium and a callback over 1e7 records takes a few seconds: not a hang
            "timeout": 120, "graceful_timeout": 30,
            # idle connections kept longer than a reader thinks between clicks (gunicorn's 5 s closed them
            # just as the next click reused them: connection errors under load)
            "keepalive": 75,
            "errorlog": "-", "loglevel": "info",
        }.items():
            self.cfg.set(key, value)

    def load(self):
        from dashboards.server.app import create_app

        log_to_stderr()
        app = create_app(self.settings, watch_s=WATCH_S)
        gc.freeze()  # what is loaded by now stays out of the collector's full passes (see dashboards/__main__.py)
        return app.server


def log_to_stderr() -> None:
    """Refused requests, failed logins and the first-administrator hint, with the client's address."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("touyan")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def serve(settings: Settings) -> int:
    with AccountStore(settings) as accounts:  # the schema, before any worker opens it
        if not accounts.has_accounts():
            print("还没有任何账户：先创建第一个管理员 / No account yet: create the first administrator with\n"
                  "    .venv/bin/python -m dashboards users add <name> --role admin\n"
                  f"(accounts: {settings.accounts_db})", file=sys.stderr, flush=True)
    with SubmissionStore(settings) as submissions:  # an acceptance whose writing died with the last server
        submissions.write_portal()
    print(f"Touyan server on http://{settings.dash_host}:{settings.dash_port}{settings.url_prefix} "
          f"({settings.server_workers} workers × {settings.server_threads} threads; "
          f"data: {settings.marts_dir / 'current'})", flush=True)
    TouyanServer(settings).run()
    return 0
