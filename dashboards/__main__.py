"""`python -m dashboards [--host 127.0.0.1] [--port 8050]`: serve the dashboard over the published marts.
`python -m dashboards users add|list|disable|reset-password …`: manage its accounts (dashboards/accounts/cli.py).
Binding to another address is opt-in (TOUYAN_DASH_HOST or --host); so is basic authentication
(TOUYAN_DASH_USER + TOUYAN_DASH_PASSWORD), and believing X-Forwarded-For from a reverse proxy
(TOUYAN_TRUSTED_PROXIES). The environment is read by pipelines.config.Settings."""
from __future__ import annotations

import argparse
import gc
import logging
import sys

from dashboards.accounts import cli as accounts_cli
from pipelines.config import Settings

WATCH_S = 0.5  # how often the server looks for a newly published version (and loads it ahead of the next click)


def main(argv: list[str] | None = None) -> int | None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m dashboards")
    parser.add_argument("--host", default=settings.dash_host)
    parser.add_argument("--port", type=int, default=settings.dash_port)
    sub = parser.add_subparsers(dest="command")  # none: serve the app
    accounts_cli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "users":
        return accounts_cli.run(args, settings)
    # imported here: managing accounts does not load Dash and the app (a second or so)
    from dashboards.server.app import create_app

    handler = logging.StreamHandler()  # refused requests and failed logins, with the client's address
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("touyan").addHandler(handler)
    app = create_app(settings, watch_s=WATCH_S)
    # What is loaded by now (the libraries, the current version, every page rendered once: ~140,000
    # objects) stays out of the garbage collector's full passes, which otherwise added 50–70 ms to a
    # request every few requests at 200 institutes.
    gc.freeze()
    print(f"Touyan dashboard on http://{args.host}:{args.port}/ (data: {settings.marts_dir / 'current'})", flush=True)
    app.run(host=args.host, port=args.port, debug=False)


if __name__ == "__main__":
    sys.exit(main())
