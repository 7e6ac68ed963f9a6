"""Accounts and logins for the tests of the server mode: an app over a data folder with the accounts it
is given, and a client logged in through the real login form (CSRF token and all)."""
from __future__ import annotations

import re
from dataclasses import replace

from dashboards.accounts.store import AccountStore
from dashboards.server.app import create_app
from pipelines.config import Settings

PASSWORD = "correct-horse-battery"
# username → (role, institute_id, scope)
ROLES = {
    "admin1": ("admin", None, None),
    "analyst1": ("analyst", None, None),
    "leader_all": ("leader", None, "all"),
    "leader_zj": ("leader", None, "province:33"),
    "leader_std": ("leader", None, "group:standardization"),
    "fjqi": ("institute", "FJQI", None),
}


def with_accounts(settings: Settings, accounts: dict | None = None) -> Settings:
    """`settings` with its accounts database made and holding `accounts` (username → (role, institute, scope);
    ROLES by default), each with PASSWORD."""
    with AccountStore(settings) as store:
        existing = {a.username for a in store.list()}
        for username, (role, institute, scope) in (ROLES if accounts is None else accounts).items():
            if username not in existing:
                store.add(username, PASSWORD, role, institute_id=institute, scope=scope)
    return settings


def server_app(settings: Settings, accounts: dict | None = None, **changes):
    """The app in server mode (accounts required) over `settings` with `accounts`."""
    settings = replace(settings, **{"trusted_proxies": (), **changes})
    return create_app(with_accounts(settings, accounts))


def csrf_token(page_html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page_html).group(1)


def log_in(web, username: str, password: str = PASSWORD, prefix: str = "/", next_path: str | None = None, **kwargs):
    """Post the login form as a browser would (its CSRF token from the form just served); the response."""
    query = f"?next={next_path}" if next_path else ""
    form = web.get(f"{prefix}login{query}", **kwargs)
    return web.post(f"{prefix}login{query}", data={"csrf_token": csrf_token(form.get_data(as_text=True)),
                                                   "username": username, "password": password}, **kwargs)


def logged_in(app, username: str, address: str = "127.0.0.1"):
    """A test client of `app` logged in as `username`."""
    web = app.server.test_client()
    web.environ_base["REMOTE_ADDR"] = address
    response = log_in(web, username, prefix=app.config.requests_pathname_prefix)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return web
