"""The server mode's accounts and sessions on the real Flask app (dashboards/server/auth.py): nothing but
the login page answers before a login; the login form (CSRF, per-account lockout, every attempt
audited), where it sends you after it, the session cookie's flags, the idle and absolute timeouts, a
password reset or a disabled account ending a session, logout; and the development mode, which has no
login and serves this machine only."""
from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from dashboards.__main__ import main as dashboards_main
from dashboards.accounts.store import AccountStore
from dashboards.server.app import create_app
from pipelines.config import Settings
from tests.logins import PASSWORD, csrf_token, log_in, logged_in, server_app


@pytest.fixture
def settings(tmp_path) -> Settings:
    return replace(Settings.from_env(), data_dir=tmp_path, accounts_file=None, trusted_proxies=(), secret_key=None)


@pytest.fixture
def app(settings):
    return server_app(settings, {"ana": ("analyst", None, None), "lea": ("leader", None, "province:33")})


def events(settings: Settings) -> list[tuple]:
    with sqlite3.connect(settings.accounts_db) as db:
        return [(u, e, json.loads(d)) for u, e, d in db.execute("select username, event, detail from audit_events "
                                                                "where event like 'log%' order by id")]


def test_nothing_but_the_login_page_answers_before_a_login(app):
    web = app.server.test_client()
    page = web.get("/compare?lang=en")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=%2Fcompare%3Flang%3Den&lang=en"
    for response in (web.get("/_dash-layout"), web.get("/_dash-dependencies"),
                     web.post("/_dash-update-component", json={"output": "url.search"})):
        assert response.status_code == 401 and response.json == {"error": "login required / 请登录"}
    assert web.get("/reports/quality/raw/report.html").status_code == 302
    login = web.get("/login?lang=en")
    assert login.status_code == 200 and "User name" in login.get_data(as_text=True)
    assert "用户名" in web.get("/login").get_data(as_text=True)  # Chinese by default


def test_a_login_sends_you_where_you_were_going_with_a_cookie_scripts_cannot_read(app):
    web = app.server.test_client()
    response = log_in(web, "ana", next_path="/compare%3Flang%3Den")
    assert response.status_code == 302 and response.headers["Location"] == "/compare?lang=en"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("touyan_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over HTTPS it is (next test)
    layout = web.get("/_dash-layout", headers={"Referer": "http://localhost/compare?lang=en"})
    assert layout.status_code == 200 and "ana · analyst" in json.dumps(layout.json, ensure_ascii=False)


def test_the_cookie_is_secure_when_the_request_came_over_https(settings):
    direct = server_app(settings, {"ana": ("analyst", None, None)}).server.test_client()
    assert "Secure" in log_in(direct, "ana", base_url="https://localhost").headers["Set-Cookie"]
    # behind a trusted proxy that terminated TLS, as its X-Forwarded-Proto says
    proxied = server_app(settings, {}, trusted_proxies=("127.0.0.1",)).server.test_client()
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.1.2.3"}
    assert "Secure" in log_in(proxied, "ana", headers=https).headers["Set-Cookie"]
    # from anyone else the header is the client's own words: not believed
    untrusted = server_app(settings, {}).server.test_client()
    assert "Secure" not in log_in(untrusted, "ana", headers=https).headers["Set-Cookie"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
                                    "evil.example", "/\t/evil.example", "/\n/evil.example", "/ /evil.example"])
def test_after_the_login_you_are_never_sent_to_another_site(app, target):
    from urllib.parse import quote

    response = log_in(app.server.test_client(), "ana", next_path=quote(target, safe=""))
    assert response.status_code == 302 and response.headers["Location"] == "/?lang=zh"


def test_a_login_form_without_its_csrf_token_is_refused(app):
    web = app.server.test_client()
    web.get("/login")
    response = web.post("/login", data={"username": "ana", "password": PASSWORD})
    assert response.status_code == 400 and web.get("/_dash-layout").status_code == 401


def test_wrong_passwords_lock_the_account_and_every_attempt_is_audited(app, settings):
    def client(n: int):  # each attempt from its own address: the per-client slow-down stays out of the way
        web = app.server.test_client()
        web.environ_base["REMOTE_ADDR"] = f"127.0.1.{n}"
        return web

    answers = [log_in(client(i), "ana", f"wrong-password-{i}").status_code for i in range(settings.lockout_failures)]
    assert answers == [401] * settings.lockout_failures
    # locked: now even the right password is refused, with the same words as a wrong one
    refused = log_in(client(100), "ana", next_path="%2F%3Flang%3Den")
    wrong = log_in(client(101), "ana", "wrong-password-x", next_path="%2F%3Flang%3Den")
    assert refused.status_code == wrong.status_code == 401
    def page(response) -> str:  # the page without its form's token (each form has its own)
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", response.get_data(as_text=True))
    assert page(refused) == page(wrong) and "暂时锁定" in page(wrong)
    assert log_in(client(102), "nobody").status_code == 401
    trail = events(settings)
    assert [e[2]["reason"] for e in trail] == ["wrong_password"] * settings.lockout_failures + ["locked"] * 2 + ["unknown_user"]
    assert "locked_until" in trail[settings.lockout_failures - 1][2] and trail[-1][0] == "nobody"
    assert not any(PASSWORD in json.dumps(e) or "wrong-password" in json.dumps(e) for e in trail)
    # the lockout ends with its time…
    with sqlite3.connect(settings.accounts_db) as db:
        db.execute("update users set locked_until = ? where username = 'ana'",
                   [(datetime.now() - timedelta(minutes=1)).isoformat(" ")])
    fresh = app.server.test_client()
    fresh.environ_base["REMOTE_ADDR"] = "127.0.0.9"  # another client: the per-client slow-down is not in the way
    assert log_in(fresh, "ana").status_code == 302 and events(settings)[-1][1] == "login"
    # …or with a password reset
    for i in range(settings.lockout_failures):
        log_in(client(10 + i), "ana", f"wrong-password-{i}")
    with AccountStore(settings) as accounts:
        assert accounts.get("ana").locked_until is not None
        accounts.reset_password("ana", PASSWORD + "-new")
    again = app.server.test_client()
    again.environ_base["REMOTE_ADDR"] = "127.0.0.10"
    assert log_in(again, "ana", PASSWORD + "-new").status_code == 302


def test_a_disabled_account_cannot_log_in_and_its_session_ends(app, settings):
    web = logged_in(app, "ana")
    assert web.get("/_dash-layout").status_code == 200
    with AccountStore(settings) as accounts:
        accounts.disable("ana")
    assert web.get("/_dash-layout").status_code == 401
    assert log_in(app.server.test_client(), "ana").status_code == 401
    assert events(settings)[-1][2] == {"reason": "disabled"}


def test_a_password_reset_ends_the_sessions_made_with_the_old_password(app, settings):
    web = logged_in(app, "ana")
    with AccountStore(settings) as accounts:
        accounts.reset_password("ana", PASSWORD + "-2")
    assert web.get("/_dash-layout").status_code == 401


def test_a_session_ends_when_idle_and_in_any_case_after_its_hours(app):
    web = logged_in(app, "ana")
    app.server.permanent_session_lifetime = timedelta(seconds=2)  # the signature's age counts in whole seconds
    assert web.get("/_dash-layout").status_code == 200
    for _ in range(3):  # each request within the idle time renews it: 3.3 s in all
        time.sleep(1.1)
        assert web.get("/_dash-layout").status_code == 200
    time.sleep(3.1)
    assert web.get("/_dash-layout").status_code == 401
    app.server.permanent_session_lifetime = timedelta(minutes=30)
    web = logged_in(app, "ana")
    with web.session_transaction() as session:
        session["login_at"] = time.time() - 13 * 3600  # logged in 13 hours ago, active all along
    assert web.get("/_dash-layout").status_code == 401


def test_logout_needs_the_page_s_token_and_ends_the_session(app, settings):
    web = logged_in(app, "ana")
    assert web.post("/logout").status_code == 400  # a form from another site carries no token
    assert web.get("/_dash-layout").status_code == 200
    layout = web.get("/_dash-layout", headers={"Referer": "http://localhost/"}).get_data(as_text=True)
    token = json.loads(layout)
    form_token = _find_value(token, "csrf_token")
    response = web.post("/logout", data={"csrf_token": form_token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert web.get("/_dash-layout").status_code == 401
    assert events(settings)[-1][:2] == ("ana", "logout")


def _find_value(node, name: str):
    """The value of the component named `name` in a layout's JSON."""
    if isinstance(node, dict):
        if node.get("props", {}).get("name") == name:
            return node["props"]["value"]
        return next((v for v in map(lambda n: _find_value(n, name), node.values()) if v), None)
    if isinstance(node, list):
        return next((v for v in map(lambda n: _find_value(n, name), node) if v), None)
    return None


def test_a_leader_is_refused_the_quality_page_its_callbacks_and_the_gate_reports(app):
    web = logged_in(app, "lea")
    layout = web.get("/_dash-layout", headers={"Referer": "http://localhost/quality"}).get_data(as_text=True)
    assert '"not-allowed"' in layout and '"nav-quality"' not in layout and '"nav-compare"' in layout
    assert web.get("/reports/quality/raw/report.html").status_code == 403


def test_the_first_start_without_accounts_says_how_to_make_an_administrator(settings):
    page = server_app(settings, {}).server.test_client().get("/login?lang=en").get_data(as_text=True)
    assert "No account yet" in page and "python -m dashboards users add &lt;name&gt; --role admin" in page
    with_one = server_app(settings, {"ana": ("analyst", None, None)}).server.test_client()
    assert "No account yet" not in with_one.get("/login?lang=en").get_data(as_text=True)


def test_the_session_key_is_made_once_and_kept_private(settings):
    server_app(settings, {})
    key_file = settings.secret_key_file
    assert oct(key_file.stat().st_mode & 0o777) == "0o600" and len(key_file.read_text()) == 64
    first = key_file.read_text()
    server_app(settings, {})
    assert key_file.read_text() == first  # a second worker reads the same key


def test_development_mode_has_no_login_and_says_so(settings):
    web = create_app(settings, dev=True).server.test_client()
    layout = web.get("/_dash-layout", headers={"Referer": "http://localhost/?lang=en"})
    assert layout.status_code == 200 and "Development mode: local analyst, no login" in layout.get_data(as_text=True)
    assert "login-form" not in web.get("/login").get_data(as_text=True)  # no login page: /login is just an address


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_development_mode_refuses_any_address_but_this_machine(host, capsys):
    assert dashboards_main(["--host", host]) == 2
    err = capsys.readouterr().err
    assert "make serve" in err and "127.0.0.1" in err and host in err


def test_a_login_form_page_carries_a_token_bound_to_its_session(app):
    first, second = app.server.test_client(), app.server.test_client()
    token = csrf_token(first.get("/login").get_data(as_text=True))
    second.get("/login")
    stolen = second.post("/login", data={"csrf_token": token, "username": "ana", "password": PASSWORD})
    assert stolen.status_code == 400


def test_behind_a_proxy_under_a_path_every_address_carries_the_prefix(settings):
    app = server_app(settings, {"ana": ("analyst", None, None)}, url_prefix="/touyan/")
    web = app.server.test_client()
    first = web.get("/touyan/compare?lang=en")
    assert first.status_code == 302 and first.headers["Location"] == "/touyan/login?next=%2Ftouyan%2Fcompare%3Flang%3Den&lang=en"
    assert web.get("/touyan/login").status_code == 200
    response = log_in(web, "ana", prefix="/touyan/", next_path="%2Ftouyan%2Fcompare")
    assert response.status_code == 302 and response.headers["Location"] == "/touyan/compare"
    assert "Path=/touyan/" in response.headers["Set-Cookie"]
    layout = web.get("/touyan/_dash-layout", headers={"Referer": "http://localhost/touyan/compare?lang=en"})
    text = json.dumps(layout.json, ensure_ascii=False)
    assert layout.status_code == 200 and '"/touyan/institute?lang=en"' in text and '"/touyan/logout?lang=en"' in text
    assert '{"page": "compare", "lang": "en"}' in text  # the page the address names, under its prefix
    assert "/touyan/" in web.get("/touyan/").get_data(as_text=True)  # Dash's own requests go under it too
    outside = web.get("/compare")  # the cookie's path is the prefix: outside it there is no session
    assert outside.status_code == 302 and outside.headers["Location"].startswith("/touyan/login")


def test_logout_works_whichever_of_the_page_s_first_requests_answers_last(app):
    """Dash asks for the layout and its dependencies at once, both with the cookie of the login; the
    answer that arrives last sets the browser's cookie. The logout form's token (in the layout) must hold
    with either cookie."""
    web = logged_in(app, "ana")
    after_login = web.get_cookie("touyan_session").value
    layout = web.get("/_dash-layout", headers={"Referer": "http://localhost/"}).json
    web.set_cookie("touyan_session", after_login)  # the dependencies' answer, sent with the login's cookie,
    assert web.get("/_dash-dependencies").status_code == 200  # arrives last and sets its cookie
    response = web.post("/logout", data={"csrf_token": _find_value(layout, "csrf_token")})
    assert response.status_code == 302 and web.get("/_dash-layout").status_code == 401
