"""The watermark of exports through the dashboard's own download callbacks over the published demo: a
logged-in user's figure (SVG text, PDF text layer) and XLSX (page header and footer) carry who and when;
development mode's exports, a CSV, and a server with TOUYAN_EXPORT_WATERMARK off carry none."""
from __future__ import annotations

import base64
import io
import re
import subprocess
from dataclasses import replace

import openpyxl
import pytest

from dashboards.server.app import create_app
from tests.integration.test_dashboard_requests import dependency, download
from tests.logins import logged_in, server_app

FIGURE_FORMATS = ("png", "svg", "pdf")
ADDRESS = "?institute=FJQI&metric=prj_initiated"
MARK = re.compile(r"analyst1 · \d{4}-\d\d-\d\d \d\d:\d\d")


@pytest.fixture(scope="module")
def settings(published_demo, tmp_path_factory):
    published, _ = published_demo
    return replace(published, accounts_file=tmp_path_factory.mktemp("accounts") / "app.db", trusted_proxies=(),
                   secret_key="test-only-key")


def exported(web, kind: str, name: str, fmt: str) -> bytes:
    formats = FIGURE_FORMATS if kind == "figure" else ("csv", "xlsx")
    response = web.post("/_dash-update-component",
                        json=download(kind, name, fmt, formats, [dependency("url", "search", ADDRESS)]))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    (file,) = [output["data"] for output in response.json["response"].values()]
    response.close()  # as a server does once it is sent: the audit is written then
    return base64.b64decode(file["content"])


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def xlsx_marks(data: bytes) -> tuple:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    return sheet.oddHeader.center.text, sheet.oddFooter.center.text, workbook.properties.creator


def test_a_logged_in_users_exports_carry_the_watermark(settings):
    web = logged_in(server_app(settings, {"analyst1": ("analyst", None, None)}), "analyst1")
    svg = exported(web, "figure", "trend", "svg").decode()
    assert len(MARK.findall(svg)) > 1 and "新立项项目数" in svg  # repeated, beside the figure's own text
    # pdftotext -raw drops the spaces of the turned marks: compared without any
    assert re.search(r"analyst1·\d{4}-\d\d-\d{4}:\d\d", re.sub(r"\s+", "", pdf_text(exported(web, "figure", "trend", "pdf"))))
    header, footer, creator = xlsx_marks(exported(web, "table", "records", "xlsx"))
    assert MARK.fullmatch(header) and footer == header and creator == "analyst1"
    csv = exported(web, "table", "records", "csv").decode("utf-8-sig")
    assert "analyst1" not in csv  # a CSV has no place for one


def test_development_mode_and_a_server_with_watermarks_off_mark_nothing(settings):
    dev = create_app(settings, dev=True).server.test_client()
    off = logged_in(server_app(settings, {"analyst1": ("analyst", None, None)}, export_watermark=False), "analyst1")
    for web, who in ((dev, "local"), (off, "analyst1")):
        svg = exported(web, "figure", "trend", "svg").decode()
        assert "新立项项目数" in svg and f"{who} ·" not in svg
        assert who not in pdf_text(exported(web, "figure", "trend", "pdf"))
        assert xlsx_marks(exported(web, "table", "records", "xlsx")) == (None, None, None)


def test_every_export_is_audited_with_what_format_and_filters(settings):
    import json
    import time

    from dashboards.accounts.store import AccountStore

    web = logged_in(server_app(settings, {"auditee": ("analyst", None, None)}), "auditee")
    exported(web, "figure", "trend", "svg")
    exported(web, "table", "records", "csv")
    for _ in range(50):  # written once each response is closed (after it is sent)
        with AccountStore(settings) as accounts:
            events = [json.loads(e.detail) for e in accounts.audit_events() if e.username == "auditee" and e.event == "export"]
        if len(events) == 2:
            break
        time.sleep(0.1)
    query = ADDRESS.lstrip("?")
    assert events == [{"what": "trend", "format": "svg", "query": query},
                      {"what": "records", "format": "csv", "query": query}]
