"""The quality gates' reports, served beside the pages (the quality page links to them)."""
from __future__ import annotations

from pathlib import Path

import flask
from dash import Dash

from pipelines.config import REPORT_FILE

QUALITY_GATES = ("raw", "marts")


def serve_quality_reports(app: Dash, reports_dir: Path) -> None:
    """Each quality gate's report: one static page that loads nothing (pipelines/refresh/quality/report.py).
    Nothing else of the reports folder is served — GX's own Data Docs beside it load their scripts and
    styles from CDNs."""
    quality_dir = (reports_dir / "quality").resolve()

    @app.server.route(f"{app.config.requests_pathname_prefix}reports/quality/<gate>/{REPORT_FILE}")
    def quality_report(gate: str):
        if gate not in QUALITY_GATES:
            flask.abort(404)
        return flask.send_from_directory(quality_dir / gate, REPORT_FILE)
