"""The server's own defences, on the real Flask app: security headers on every kind of response, failed
logins slowed down per client (never another client; the per-account lockout is test_dashboard_auth's), X-Forwarded-For believed only
from a configured proxy, callback requests that fit no callback refused with 400."""
from __future__ import annotations

import base64
import logging
import re
from dataclasses import replace

import pytest

from dashboards.server import security
from dashboards.server.app import create_app
from dashboards.server.security import (
    FIRST_DELAY_S,
    FREE_FAILURES,
    MAX_DELAY_S,
    WINDOW_S,
    LoginThrottle,
    delay_after,
)
from pipelines.config import Settings
from tests.logins import log_in, server_app

HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")
USER = "analyst"


def settings(data_dir, **changes) -> Settings:
    """The settings the environment gives (Settings.from_env: the login), over `data_dir`, without trusted
    proxies unless `changes` name some."""
    return replace(Settings.from_env(), data_dir=data_dir, **{"trusted_proxies": (), **changes})


def client(app, address: str):
    """A test client whose requests come from `address`."""
    web = app.server.test_client()
    web.environ_base["REMOTE_ADDR"] = address
    return web


@pytest.fixture
def open_app(tmp_path):
    """Development mode: no login (what the defences below do not depend on)."""
    return create_app(settings(tmp_path), dev=True)


@pytest.fixture
def locked_app(tmp_path):
    return server_app(settings(tmp_path), {USER: ("analyst", None, None)})


def write_state_request(search: str = "") -> dict:
    """The request the address-bar callback gets on a page without a page state (no data needed)."""
    return {"output": "..url.search...asof.children..",
            "outputs": [{"id": "url", "property": "search"}, {"id": "asof", "property": "children"}],
            "inputs": [[], {"id": "lang-toggle", "property": "n_clicks", "value": 0}],
            "state": [{"id": "url", "property": "search", "value": search},
                      {"id": "lang", "property": "data", "value": "zh"}],
            "changedPropIds": []}


def test_every_kind_of_response_carries_the_security_headers(open_app):
    web = client(open_app, "127.0.0.1")
    responses = {
        "page": web.get("/"),
        "asset": web.get("/assets/touyan.css"),
        "component script": web.get(f"/_dash-component-suites/dash/dcc/async-graph.js?v={__import__('dash').__version__}"),
        "callback": web.post("/_dash-update-component", json=write_state_request()),
        "refused callback": web.post("/_dash-update-component", json={"output": "nothing.here"}),
        "not found": web.get("/assets/no-such-file.css"),
    }
    assert {name: r.status_code for name, r in responses.items()} == {
        "page": 200, "asset": 200, "component script": 200, "callback": 200, "refused callback": 400, "not found": 404}
    for name, response in responses.items():
        assert all(response.headers.get(h) for h in HEADERS), (name, dict(response.headers))
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
    policy = dict(d.strip().split(" ", 1) for d in responses["page"].headers["Content-Security-Policy"].split(";"))
    scripts = policy["script-src"].split()
    # the app's own files and the inline scripts Dash writes into the page (by hash); nothing else
    assert scripts[0] == "'self'" and sorted(scripts[1:]) == sorted(open_app.csp_hashes())
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self'" and policy["object-src"] == "'none'"
    page = responses["page"].get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", page, re.S)
    assert inline and all(f"'sha256-{security_hash(script)}'" in scripts for script in inline)


def security_hash(script: str) -> str:
    import hashlib

    return base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def test_the_login_page_and_refusals_carry_the_headers_too(locked_app):
    web = client(locked_app, "127.0.0.1")
    for response in (web.get("/"), web.get("/login"), log_in(web, USER, "wrong-password"), web.get("/_dash-layout")):
        assert response.status_code in (302, 200, 401) and all(response.headers.get(h) for h in HEADERS)


def test_nothing_but_the_login_answers_a_client_that_has_not_logged_in(locked_app):
    web = client(locked_app, "127.0.0.1")
    assert web.post("/_dash-update-component", json={"output": "nothing.here"}).status_code == 401
    assert web.get("/reports/quality/raw/report.html").status_code == 302  # to the login
    assert log_in(web, USER).status_code == 302
    assert web.post("/_dash-update-component", json={"output": "nothing.here"}).status_code == 400


def test_two_hundred_wrong_passwords_slow_their_client_down_and_no_other(locked_app, caplog):
    attacker, neighbour = client(locked_app, "127.0.0.7"), client(locked_app, "127.0.0.8")
    with caplog.at_level(logging.WARNING, logger="touyan.dashboard"):
        answers = [log_in(attacker, f"guess{i}", f"guess-{i}-password") for i in range(200)]
        other = log_in(neighbour, USER, "typo-password")
        neighbour_in = log_in(neighbour, USER)
    statuses = {r.status_code for r in answers}
    assert statuses <= {401, 429}  # every attempt answered, none let in, none an error
    checked = [r for r in answers if r.status_code == 401]
    refused = [r for r in answers if r.status_code == 429]
    # the first failures are free; from then on every checked failure tells the client how long it waits
    assert [r.headers.get("Retry-After") for r in checked[:FREE_FAILURES]] == [None] * FREE_FAILURES
    assert [int(r.headers["Retry-After"]) for r in checked[FREE_FAILURES:]] == [
        -(-delay_after(n) // 1) for n in range(FREE_FAILURES + 1, len(checked) + 1)]
    # attempts sent while waiting are answered at once, unchecked: most of the 200 were never checked
    assert refused and len(checked) < 50
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    # each checked failure logged with the client's address, its wait growing; never the password
    lines = [r.getMessage() for r in caplog.records if "failed login" in r.getMessage()]
    assert all("127.0.0.7" in line for line in lines[:-1]) and "127.0.0.8" in lines[-1]
    waits = [float(re.search(r"checked after ([\d.]+) s", line).group(1)) for line in lines[:-1]]
    assert waits == [delay_after(n) for n in range(1, len(checked) + 1)]
    assert waits[-1] >= FIRST_DELAY_S and not any("guess-" in r.getMessage() for r in caplog.records)
    # a different client is not delayed by the attacker: its first mistake is free, its login works
    assert other.status_code == 401 and "Retry-After" not in other.headers
    assert neighbour_in.status_code == 302


def test_a_client_waits_longer_after_each_failure_and_then_may_try_again():
    throttle, me, other = LoginThrottle(), "127.0.0.7", "127.0.0.8"
    now = 1000.0
    for n in range(1, FREE_FAILURES + 1):
        assert throttle.admit(me, now) == 0
        assert throttle.failed(me, now) == (0.0, n, 0)
    waits = []
    for _ in range(8):
        assert throttle.admit(me, now) == 0
        wait, _, _ = throttle.failed(me, now)
        waits.append(wait)
        assert throttle.admit(me, now + wait / 2) == pytest.approx(wait / 2)  # refused, unchecked
        assert throttle.admit(other, now) == 0  # nobody else waits
        now += wait
    assert waits == [0.5, 1, 2, 4, 8, 8, 8, 8] and max(waits) == MAX_DELAY_S
    # the attempts refused while it waited are counted, and reported (logged) with its next failure
    assert throttle.failed(me, now)[2] == 1 and throttle.failed(me, now)[2] == 0
    # two attempts at once: one is checked, the other waits as if the first had failed
    assert throttle.admit(me, now + MAX_DELAY_S) == 0 and throttle.admit(me, now + MAX_DELAY_S) > 0
    # a success forgets the failures; so does a quiet window
    throttle.succeeded(me)
    assert throttle.admit(me, now) == 0
    for _ in range(FREE_FAILURES + 2):
        throttle.failed(other, now)
    assert throttle.admit(other, now + WINDOW_S + 1) == 0
    assert throttle.failed(other, now + WINDOW_S + 1)[1] == 1


def refused_from(app, caplog, peer: str, forwarded: str | None) -> str:
    """The client address the server logs for a refused request from `peer` carrying `forwarded`."""
    caplog.clear()
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with caplog.at_level(logging.WARNING, logger="touyan.dashboard"):
        assert client(app, peer).post("/_dash-update-component", json={"output": "x.y"}, headers=headers).status_code == 400
    return re.search(r"from (\S+) to", caplog.records[-1].getMessage()).group(1)


def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(tmp_path, caplog):
    direct = create_app(settings(tmp_path), dev=True)
    assert refused_from(direct, caplog, "127.0.0.1", "127.0.0.2") == "127.0.0.1"  # a client wrote it: ignored
    proxied = create_app(settings(tmp_path, trusted_proxies=("127.0.0.1",)), dev=True)
    assert refused_from(proxied, caplog, "127.0.0.1", "127.0.0.2") == "127.0.0.2"
    # the address the proxy appended is the one believed, not one the client put before it
    assert refused_from(proxied, caplog, "127.0.0.1", "127.0.0.66, 127.0.0.3") == "127.0.0.3"
    assert refused_from(proxied, caplog, "127.0.0.1", None) == "127.0.0.1"
    # a request that does not come from the proxy: its header is ignored
    assert refused_from(proxied, caplog, "127.0.0.5", "127.0.0.2") == "127.0.0.5"
    networks = create_app(settings(tmp_path, trusted_proxies=("127.0.0.0/30",)), dev=True)
    assert refused_from(networks, caplog, "127.0.0.2", "127.0.0.9") == "127.0.0.9"


def test_failed_logins_count_against_the_forwarded_client_behind_a_proxy(tmp_path, caplog):
    app = server_app(settings(tmp_path), {USER: ("analyst", None, None)}, trusted_proxies=("127.0.0.1",))
    proxy = client(app, "127.0.0.1")
    with caplog.at_level(logging.WARNING, logger="touyan.dashboard"):
        failures = [log_in(proxy, USER, "wrong-password", headers={"X-Forwarded-For": "127.0.0.2"})
                    for _ in range(FREE_FAILURES + 1)]
    assert failures[-1].status_code == 401 and failures[-1].headers["Retry-After"] == "1"  # 127.0.0.2 waits
    assert all("failed login from 127.0.0.2" in r.getMessage() for r in caplog.records if "login" in r.getMessage())
    behind_same_proxy = log_in(proxy, USER, headers={"X-Forwarded-For": "127.0.0.3"})
    assert behind_same_proxy.status_code == 302  # another client behind the proxy is not slowed down


def test_trusted_proxies_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("TOUYAN_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 ::1")
    assert Settings.from_env().trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    monkeypatch.delenv("TOUYAN_TRUSTED_PROXIES")
    assert Settings.from_env().trusted_proxies == ()
    monkeypatch.setenv("TOUYAN_TRUSTED_PROXIES", "127.0.0.1,proxy.intranet")
    with pytest.raises(ValueError, match="TOUYAN_TRUSTED_PROXIES.*'proxy.intranet'"):
        Settings.from_env()


@pytest.mark.parametrize(("label", "body"), [
    ("not JSON", None),
    ("no such callback", {"output": "nothing.here", "inputs": [], "state": []}),
    ("inputs of another callback", {**write_state_request(), "inputs": [{"id": "x", "property": "value"}]}),
    ("a state too many", {**write_state_request(), "state": write_state_request()["state"] * 2}),
    ("outputs missing", {**write_state_request(), "outputs": None}),
    ("a malformed trigger", {**write_state_request(), "changedPropIds": ['{"figure":.n_clicks']}),
    ("an address that is not text", write_state_request(search={"lang": "en"})),
])
def test_a_callback_request_no_page_sends_is_answered_400(open_app, caplog, label, body):
    web = client(open_app, "127.0.0.1")
    with caplog.at_level(logging.WARNING, logger="touyan.dashboard"):
        response = (web.post("/_dash-update-component", data="{not json", content_type="application/json")
                    if body is None else web.post("/_dash-update-component", json=body))
    assert response.status_code == 400, label
    assert response.is_json and response.json["error"]
    assert any("refused a request from 127.0.0.1" in r.getMessage() for r in caplog.records)
    assert security.log.name == "touyan.dashboard"


def test_fingerprinted_assets_are_kept_a_year_and_a_user_s_data_never(open_app):
    web = client(open_app, "127.0.0.1")
    page = web.get("/")
    css = re.search(r'href="(/assets/touyan\.css\?m=[^"]+)"', page.get_data(as_text=True)).group(1)
    assert web.get(css).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert web.get("/assets/touyan.css").headers["Cache-Control"] != "public, max-age=31536000, immutable"
    for response in (page, web.get("/_dash-layout"), web.post("/_dash-update-component", json=write_state_request())):
        assert response.headers["Cache-Control"] == "no-store"
