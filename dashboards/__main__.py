"""`python -m dashboards [--host 127.0.0.1] [--port 8050]`: serve the dashboard over the published marts.
Binding to another address is opt-in (TOUYAN_DASH_HOST or --host); so is basic authentication
(TOUYAN_DASH_USER + TOUYAN_DASH_PASSWORD), and believing X-Forwarded-For from a reverse proxy
(TOUYAN_TRUSTED_PROXIES)."""
from __future__ import annotations

import argparse
import gc
import logging
import os

from dashboards.app import create_app
from pipelines.config import Settings

WATCH_S = 0.5  # how often the server looks for a newly published version (and loads it ahead of the next click)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboards")
    parser.add_argument("--host", default=os.environ.get("TOUYAN_DASH_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("TOUYAN_DASH_PORT", "8050")))
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    handler = logging.StreamHandler()  # refused requests and failed logins, with the client's address
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("touyan").addHandler(handler)
    app = create_app(settings.marts_dir, settings.reports_dir, watch_s=WATCH_S,
                     trusted_proxies=settings.trusted_proxies)
    # What is loaded by now (the libraries, the current version, every page rendered once: ~140,000
    # objects) stays out of the garbage collector's full passes, which otherwise added 50–70 ms to a
    # request every few requests at 200 institutes.
    gc.freeze()
    print(f"Touyan dashboard on http://{args.host}:{args.port}/ (data: {settings.marts_dir / 'current'})", flush=True)
    app.run(host=args.host, port=args.port, debug=False)


if __name__ == "__main__":
    main()
