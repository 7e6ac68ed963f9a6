"""The reports served beside the pages: the quality gates' reports (the quality page links to them) and
each institute's evaluation yearbook (《考评风采录》, dashboards/report/yearbook.py) as a download."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import flask
from dash import Dash

from dashboards.accounts.store import AccountStore
from dashboards.i18n import DEFAULT_LANG, LANGS
from dashboards.report.yearbook import NoEvaluation, yearbook_pdf
from dashboards.views import yearbook as yearbook_views
from dashboards.views.store import MartStore
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


def yearbook_url(prefix: str, year: int, institute_id: str, lang: str = DEFAULT_LANG) -> str:
    """The yearbook download's address under the app's URL prefix, e.g. "/yearbook/2024/FJQI.pdf?lang=zh"
    (a page, which may not import the server, builds it with dashboards.views.yearbook.yearbook_path)."""
    return prefix + yearbook_views.yearbook_path(year, institute_id, lang)


def serve_yearbooks(app: Dash, store: MartStore, browser_path: str | None,
                    accounts: AccountStore | None = None) -> None:
    """`<prefix>yearbook/<year>/<institute>.pdf[?lang=en]`: the institute's yearbook as the request's viewer
    sees it, made on request from the published version by the shared renderer (about a second). An
    institute the viewer may not see is refused (403, by the read layer: an institute's user gets its own
    only); a year without published scores is 404. In server mode the download is audited ("export",
    what "yearbook")."""

    @app.server.route(app.config.requests_pathname_prefix + yearbook_views.ROUTE)
    def yearbook(year: int, institute_id: str):
        lang = flask.request.args.get("lang", DEFAULT_LANG)
        if lang not in LANGS:
            flask.abort(400)
        viewer = flask.g.viewer
        try:
            data = yearbook_pdf(store, viewer, year, institute_id, lang, browser_path)
        except NoEvaluation as e:
            return flask.Response(f"{e.message_zh}\n{e.message_en}\n", 404, mimetype="text/plain")
        if accounts is not None:
            username, client = flask.g.username, flask.request.remote_addr
            accounts.record_event(username, "export", client, what="yearbook", format="pdf", year=year,
                                  institute=institute_id, lang=lang)
        name = f"{institute_id}-{year}-{lang}-yearbook.pdf"
        return flask.Response(data, mimetype="application/pdf", headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Cache-Control": "private, no-store"})
