"""The administrator's pages on the real Flask app in server mode (dashboards/server/admin.py): the audit
log of real logins, its filters (user, event, dates, checked), paging newest first, the CSV export (BOM,
neutralised cells, the same filters), the read-only accounts list; everyone else refused; development
mode without them."""
from __future__ import annotations

import csv
import html as markup
import io
import json
import re
import sqlite3
from dataclasses import replace
from datetime import date, timedelta

import pytest

from dashboards.accounts.store import AccountStore
from dashboards.server.admin import PAGE_SIZE
from dashboards.server.app import create_app
from pipelines.config import Settings
from tests.logins import ROLES, log_in, logged_in, server_app

FORMULA_NAME = '=HYPERLINK("http://x.invalid","y")'


@pytest.fixture
def settings(tmp_path) -> Settings:
    return replace(Settings.from_env(), data_dir=tmp_path, accounts_file=None, trusted_proxies=(), secret_key=None)


@pytest.fixture
def app(settings):
    return server_app(settings)


@pytest.fixture
def admin(app):
    """An admin's client, after real logins: analyst1 twice, a wrong password of leader_all, a login
    under a name that is a spreadsheet formula."""
    for _ in range(2):
        logged_in(app, "analyst1")
    log_in(app.server.test_client(), "leader_all", "not-the-password")
    log_in(app.server.test_client(), FORMULA_NAME, "not-the-password")
    return logged_in(app, "admin1")


def rows(html: str) -> list[list[str]]:
    """The audit table's cells (tags stripped)."""
    body = html.split('<table id="audit-table">', 1)[1].split("</table>", 1)[0] if "audit-table" in html else ""
    return [[markup.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[-1], re.S)]


def read_csv(response) -> list[list[str]]:
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese headers right
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def test_the_audit_log_shows_the_logins_newest_first_in_chinese_or_english(admin):
    page = admin.get("/admin/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "审计日志" in html and 'lang="zh-CN"' in html
    table = rows(html)
    users_events = [(r[1], r[2]) for r in table]
    assert users_events[0] == ("admin1", "登录")  # the latest first
    assert users_events.count(("analyst1", "登录")) == 2
    assert ("leader_all", "登录失败") in users_events
    failed = next(r for r in table if r[1] == "leader_all")
    assert failed[3] == "原因 密码错误" and failed[4] == "127.0.0.1"  # the detail in words
    times = [r[0] for r in table]
    assert times == sorted(times, reverse=True)
    english = admin.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "Audit log" in english and "reason wrong password" in english and "failed login" in english


def test_the_filters_narrow_the_log_and_a_bad_one_is_refused(admin):
    def shown(query: str) -> list[tuple[str, str]]:
        response = admin.get(f"/admin/audit?lang=en&{query}")
        assert response.status_code == 200, response.get_data(as_text=True)[-500:]
        return [(r[1], r[2]) for r in rows(response.get_data(as_text=True))]

    assert set(shown("user=analyst1")) == {("analyst1", "login"), ("analyst1", "user added")}
    assert shown("user=analyst1&event=login") == [("analyst1", "login")] * 2
    assert set(shown("event=login_failed")) == {("leader_all", "failed login"), (FORMULA_NAME, "failed login")}
    today = date.today()
    around_today = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    assert shown(f"user=analyst1&{around_today}") == shown("user=analyst1") and len(shown(around_today)) > 5
    assert shown(f"user=analyst1&from={today}&to={today}") == shown("user=analyst1")  # the day included
    tomorrow = admin.get(f"/admin/audit?lang=en&from={today + timedelta(days=1)}").get_data(as_text=True)
    assert rows(tomorrow) == [] and "No events match." in tomorrow
    assert shown(f"to={today - timedelta(days=1)}") == []
    for bad in ("from=2026-13-01", "to=20261207", f"from={today}&to={today - timedelta(days=1)}", "page=0",
                "page=x", "event=Login;drop", "user=" + "x" * 65):
        response = admin.get(f"/admin/audit?lang=en&{bad}")
        assert response.status_code == 400 and "Invalid filter" in response.get_data(as_text=True), bad
        assert admin.get(f"/admin/audit.csv?{bad}").status_code == 400, bad


def test_the_log_is_paged_newest_first(app, settings, admin):
    with AccountStore(settings) as store:
        for i in range(2 * PAGE_SIZE + 5):
            store.record_event("analyst1", "page_view", "10.0.0.1", page=f"/p{i}", query="")
    def page(n: int) -> tuple[list[list[str]], str]:
        html = admin.get(f"/admin/audit?lang=en&event=page_view&user=analyst1&page={n}").get_data(as_text=True)
        return rows(html), html

    first, html = page(1)
    assert len(first) == PAGE_SIZE and first[0][3] == f"page /p{2 * PAGE_SIZE + 4}"
    assert f"{2 * PAGE_SIZE + 5} events · page 1 of 3" in html and 'id="audit-older"' in html
    assert 'id="audit-newer"' not in html
    last, html = page(3)
    assert [r[3] for r in last] == [f"page /p{i}" for i in range(4, -1, -1)]
    assert 'id="audit-newer"' in html and 'id="audit-older"' not in html
    seen = [r[3] for n in (1, 2, 3) for r in page(n)[0]]
    assert len(set(seen)) == len(seen) == 2 * PAGE_SIZE + 5


def test_the_csv_export_has_a_bom_neutralised_cells_and_the_pages_filters(admin, settings):
    everything = read_csv(admin.get("/admin/audit.csv"))
    header, body = everything[0], everything[1:]
    assert header[0].startswith("时间") and header[1:4] == ["用户", "事件", "事件代码"]
    formula = [r for r in body if r[3] == "login_failed" and r[1] != "leader_all"]
    assert [r[1] for r in formula] == ["'" + FORMULA_NAME]  # Excel shows it as text, never runs it
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in body for cell in r)
    failed = read_csv(admin.get("/admin/audit.csv?event=login_failed&lang=en"))
    assert failed[0][:3] == [failed[0][0], "User", "Event"] and len(failed) == 3
    assert {r[1] for r in failed[1:]} == {"leader_all", "'" + FORMULA_NAME}
    assert json.loads(next(r for r in failed[1:] if r[1] == "leader_all")[5]) == {"reason": "wrong_password"}
    response = admin.get("/admin/audit.csv?user=analyst1&event=login")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="touyan-audit-')
    assert [r[1] for r in read_csv(response)[1:]] == ["analyst1", "analyst1"]
    # the export is itself audited, with its filters
    with sqlite3.connect(settings.accounts_db) as db:
        exports = [json.loads(d) for (d,) in db.execute("select detail from audit_events where event = 'export' "
                                                        "and username = 'admin1' order by id")]
    assert exports[-1] == {"what": "audit_log", "format": "csv", "query": "user=analyst1&event=login"}


def test_the_accounts_page_lists_them_read_only_with_their_last_login(app, settings, admin):
    with AccountStore(settings) as store:
        store.disable("leader_zj")
    html = admin.get("/admin/users?lang=en").get_data(as_text=True)
    table = html.split('<table id="users-table">', 1)[1]
    cells = {r[0]: r for r in ([re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                               for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S))}
    assert set(cells) == set(ROLES)
    assert cells["fjqi"][2:5] == ["institute", "FJQI", ""] and cells["leader_std"][4] == "group:standardization"
    assert cells["leader_zj"][5] == "yes" and cells["analyst1"][5] == ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", cells["analyst1"][7])  # logged in above
    assert cells["leader_std"][7] == ""  # never logged in
    assert "<form" not in html  # nothing to change here: accounts are managed on the command line


@pytest.mark.parametrize("username", [u for u, (role, *_rest) in ROLES.items() if role != "admin"])
def test_everyone_but_an_admin_is_refused(app, username):
    web = logged_in(app, username)
    for path in ("/admin/audit", "/admin/audit.csv", "/admin/users", "/admin/audit?lang=en&user=admin1"):
        response = web.get(path)
        assert response.status_code == 403 and response.json == {"error": "not allowed / 无权访问"}, path
    layout = json.dumps(web.get("/_dash-layout", headers={"Referer": "http://localhost/"}).json, ensure_ascii=False)
    assert "admin-audit" not in layout


def test_before_a_login_the_admin_pages_send_you_to_it(app):
    web = app.server.test_client()
    for path in ("/admin/audit", "/admin/audit.csv", "/admin/users"):
        response = web.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), path


def test_an_admin_has_the_link_in_the_navigation_bar(admin):
    layout = json.dumps(admin.get("/_dash-layout", headers={"Referer": "http://localhost/?lang=en"}).json,
                        ensure_ascii=False)
    assert '"href": "/admin/audit?lang=en"' in layout and "Audit log" in layout


def test_the_admin_pages_follow_the_url_prefix(settings):
    app = server_app(settings, url_prefix="/touyan/")
    web = logged_in(app, "admin1")
    assert web.get("/touyan/admin/audit").status_code == 200
    assert 'href="/touyan/admin/users?lang=zh"' in web.get("/touyan/admin/audit").get_data(as_text=True)


def test_development_mode_has_no_admin_pages(settings):
    app = create_app(settings, dev=True)
    web = app.server.test_client()
    for path in ("/admin/audit", "/admin/users"):
        html = web.get(path).get_data(as_text=True)
        assert "audit-table" not in html and "users-table" not in html and "_dash-renderer" in html  # the dashboard
    assert web.get("/admin/audit.csv").data[:3] != b"\xef\xbb\xbf"
    layout = json.dumps(web.get("/_dash-layout", headers={"Referer": "http://localhost/"}).json)
    assert "admin-audit" not in layout
