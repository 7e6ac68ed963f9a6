"""`python -m dashboards` (make dashboard): the development server — this machine only (127.0.0.1), no
login, every request the local analyst's, and the pages say so.
`python -m dashboards serve` (make serve): the server for a network — gunicorn, accounts required
(dashboards/server/serve.py).
`python -m dashboards users add|list|disable|reset-password …`: manage the accounts (dashboards/accounts/cli.py).
The environment is read by pipelines.config.Settings."""
from __future__ import annotations

import argparse
import gc
import ipaddress
import sys
from dataclasses import replace

from dashboards.accounts import cli as accounts_cli
from pipelines.config import Settings


def main(argv: list[str] | None = None) -> int | None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m dashboards")
    parser.add_argument("--host", default=settings.dash_host)
    parser.add_argument("--port", type=int, default=settings.dash_port)
    sub = parser.add_subparsers(dest="command")  # none: the development server
    sub.add_parser("serve", help="the server for a network: gunicorn, accounts required (make serve)")
    accounts_cli.add_parser(sub)
    args = parser.parse_args(argv)
    settings = replace(settings, dash_host=args.host, dash_port=args.port)
    if args.command == "users":
        return accounts_cli.run(args, settings)
    if args.command == "serve":
        from dashboards.server.serve import serve

        return serve(settings)
    if not _loopback(args.host):
        print(f"开发模式不登录，只能在本机（127.0.0.1）使用，不能绑定 {args.host}。在网络上提供服务请用 make serve（需要账户）。\n"
              f"Development mode has no login: it serves this machine (127.0.0.1) only, not {args.host}. "
              "To serve a network, use `make serve` (accounts required).", file=sys.stderr)
        return 2
    # imported here: managing accounts does not load Dash and the app (a second or so)
    from dashboards.server.app import create_app
    from dashboards.server.serve import WATCH_S, log_to_stderr

    log_to_stderr()
    app = create_app(settings, dev=True, watch_s=WATCH_S)
    # What is loaded by now (the libraries, the current version, every page rendered once: ~140,000
    # objects) stays out of the garbage collector's full passes, which otherwise added 50–70 ms to a
    # request every few requests at 200 institutes.
    gc.freeze()
    print(f"Touyan dashboard (development mode: local analyst, no login) on http://{args.host}:{args.port}/ "
          f"(data: {settings.marts_dir / 'current'})", flush=True)
    app.run(host=args.host, port=args.port, debug=False)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


if __name__ == "__main__":
    sys.exit(main())
