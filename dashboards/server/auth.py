"""Who is asking, and whether they may. Two modes, never mixed in one process:

- server mode (`make serve`, create_app's default): every request but the login page needs a session of
  an account (dashboards.accounts): Flask-Login keeps it in Flask's signed session cookie (HttpOnly,
  SameSite=Lax, Secure when the request came over HTTPS), Flask-WTF puts a CSRF token in the login and
  logout forms. A session ends after Settings.session_idle_minutes without a request, after
  session_max_hours in any case, and at once when its account is disabled or its password reset.
- development mode (`make dashboard`): no login; every request is the local analyst's, bound to
  127.0.0.1 (dashboards/__main__.py refuses another address), and the pages say so.

In both, `flask.g.viewer` is the request's dashboards.views Viewer (the read layer decides what it sees)
and each callback request is checked against its rule: the page it belongs to (`rules`, built by
create_app from what each page registered), which the viewer must be allowed — a callback without a
rule is refused, so a new one cannot be forgotten. Logins, page views and exports are audited in the
accounts database (after the response is sent)."""
from __future__ import annotations

import json
import math
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import flask
import flask_login
from flask.sessions import SecureCookieSessionInterface
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from dashboards.accounts.store import Account, AccountStore, LockoutPolicy
from dashboards.i18n import DEFAULT_LANG, LANGS, t
from dashboards.server.security import WINDOW_S, LoginThrottle, log
from dashboards.views.viewer import Viewer
from pipelines.config import Settings

ANY_PAGE = "*"  # the rule of the shell's and the downloads' callbacks: any viewer (downloads check their page)
DEV_USER = "local"


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=1024)])


class SessionUser(flask_login.UserMixin):
    """The account behind a session. Its id carries when the password was last set: a reset ends the
    sessions made with the old one."""

    def __init__(self, account: Account):
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.username}|{self.account.password_changed_at.isoformat()}"


class _CookieSessions(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        """Secure exactly when this request came over HTTPS (directly, or as a trusted proxy says)."""
        return flask.request.is_secure


def secret_key(settings: Settings) -> str:
    """Settings.secret_key, else the key kept in Settings.secret_key_file, made (0600) by the first process
    that needs it — the server's workers all read the same one."""
    if settings.secret_key:
        return settings.secret_key
    path: Path = settings.secret_key_file
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker may be writing it this instant
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty: delete it and start again") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(key)
    return key


def development_mode(app, settings: Settings, rules: dict) -> None:
    """No login: each request is the local analyst's (see the module's docstring)."""
    viewer = Viewer.everyone()
    server = app.server

    @server.before_request
    def local_analyst():
        flask.g.viewer, flask.g.username, flask.g.dev = viewer, DEV_USER, True
        return _check_rules(app, rules)

    _refusals(server)


def server_mode(app, settings: Settings, rules: dict) -> AccountStore:
    """Accounts and sessions on the app's Flask server (see the module's docstring). Returns the store."""
    server: flask.Flask = app.server
    prefix = app.config.requests_pathname_prefix
    accounts = AccountStore(settings)
    policy = LockoutPolicy(settings.lockout_failures, settings.lockout_minutes)
    throttle = LoginThrottle()
    server.secret_key = secret_key(settings)
    server.session_interface = _CookieSessions()
    server.config.update(
        SESSION_COOKIE_NAME="touyan_session", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH=prefix, PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_idle_minutes),
        SESSION_REFRESH_EACH_REQUEST=True, WTF_CSRF_TIME_LIMIT=None)  # the token lives as long as the session
    manager = flask_login.LoginManager(server)

    @manager.user_loader
    def load(user_id: str) -> SessionUser | None:
        username, _, changed_at = user_id.partition("|")
        account = accounts.active(username)
        if account is None or account.password_changed_at.isoformat() != changed_at:
            return None
        return SessionUser(account)

    login_path, logout_path = prefix + "login", prefix + "logout"
    open_paths = {login_path, prefix + "_favicon.ico"}

    @server.before_request
    def signed_in():
        if flask.request.path in open_paths:
            return None
        user = flask_login.current_user
        if user.is_authenticated and time.time() - flask.session.get("login_at", 0) > settings.session_max_hours * 3600:
            flask_login.logout_user()
            user = flask_login.current_user
        if not user.is_authenticated:
            return _login_required(prefix, login_path)
        account: Account = user.account
        flask.g.viewer = Viewer.for_account(account, settings.min_group_others)
        flask.g.username, flask.g.dev = account.username, False
        flask.g.account = account
        return _check_rules(app, rules)

    @server.route(login_path, methods=["GET", "POST"])
    def login():
        lang = _lang()
        form = LoginForm()
        error = None
        if flask.request.method == "POST":
            client = flask.request.remote_addr or "?"
            wait = throttle.admit(client, time.monotonic())
            if wait > 0:
                error = t("login_wait", lang).format(seconds=math.ceil(wait))
                return _login_page(form, lang, error, accounts, 429, {"Retry-After": str(math.ceil(wait))})
            if not form.validate_on_submit():
                return _login_page(form, lang, t("login_form_expired", lang), accounts, 400)
            account = accounts.log_in(form.username.data, form.password.data, client, policy)
            if account is None:
                delay, failures, refused = throttle.failed(client, time.monotonic())
                log.warning("failed login from %s: %d in the last %d min%s; its next attempt is checked after %g s",
                            client, failures, WINDOW_S // 60, f", {refused} refused while it waited" if refused else "",
                            delay)
                return _login_page(form, lang, t("login_failed", lang), accounts, 401,
                                   {"Retry-After": str(math.ceil(delay))} if delay else {})
            throttle.succeeded(client)
            flask.session.clear()
            flask_login.login_user(SessionUser(account))
            flask.session.permanent = True
            flask.session["login_at"] = time.time()
            # the logout form's CSRF secret, made now: made later by the layout it would be in that one
            # response's cookie only, and a request sent beside it (Dash asks for the layout and the
            # dependencies at once) would write back the session without it — logout then refused
            flask.g.pop("csrf_token", None)  # Flask-WTF keeps the request's token here: a new one for the new session
            generate_csrf()
            return flask.redirect(_safe_next(flask.request.args.get("next"), prefix, lang))
        return _login_page(form, lang, None, accounts, 200)

    @server.route(logout_path, methods=["POST"])
    def logout():
        try:
            validate_csrf(flask.request.form.get("csrf_token"))
        except Exception:  # a form from another site, or a stale page: nothing to end from here
            flask.abort(400)
        username = flask.g.get("username")
        flask_login.logout_user()
        flask.session.clear()
        accounts.record_event(username, "logout", flask.request.remote_addr)
        return flask.redirect(f"{login_path}?lang={_lang()}")

    @server.errorhandler(CSRFError)
    def csrf_error(error):
        return flask.jsonify(error="CSRF token missing or invalid"), 400

    _refusals(server)
    _audit_views(app, accounts)
    if not accounts.has_accounts():
        log.warning("no account yet: create the first administrator with\n"
                    "    .venv/bin/python -m dashboards users add <name> --role admin\n"
                    "(as the user the server runs as, with the same TOUYAN_DATA_DIR / TOUYAN_ACCOUNTS_DB)")
    return accounts


def _lang() -> str:
    lang = flask.request.args.get("lang") or flask.request.form.get("lang")
    return lang if lang in LANGS else DEFAULT_LANG


def _login_required(prefix: str, login_path: str):
    """A page is sent to the login (to come back after it); anything else is told 401."""
    request = flask.request
    dash_internal = request.path.startswith((prefix + "_dash", prefix + "_reload", prefix + "assets/"))
    if request.method == "GET" and not dash_internal:
        query = {"next": request.full_path.rstrip("?")}
        if request.args.get("lang") in LANGS:
            query["lang"] = request.args["lang"]
        return flask.redirect(f"{login_path}?{urlencode(query)}")
    return flask.jsonify(error="login required / 请登录"), 401


def _safe_next(target: str | None, prefix: str, lang: str) -> str:
    """Where to go after the login: the page asked for, when it is a path of this app (never another
    site: no scheme, no host, no '//', backslash or whitespace tricks — browsers drop a tab or newline
    from "/\t/evil.example", leaving "//evil.example"); else the overview."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith(prefix) and "\\" not in target \
                and not target.startswith("//") and not any(c.isspace() or ord(c) < 32 for c in target):
            return target
    return f"{prefix}?lang={lang}"


def _login_page(form: LoginForm, lang: str, error: str | None, accounts: AccountStore, status: int,
                headers: dict | None = None):
    other = "en" if lang == "zh" else "zh"
    body = flask.render_template(
        "login.html", form=form, lang=lang, error=error, t=lambda key: t(key, lang),
        other_lang=other, other_label=t("language", lang), no_accounts=not accounts.has_accounts(),
        next=flask.request.args.get("next", ""))
    return flask.Response(body, status, headers or {}, mimetype="text/html")


def _check_rules(app, rules: dict):
    """A callback request is answered only for a viewer its page allows (None: go on)."""
    request = flask.request
    if request.path != app.config.requests_pathname_prefix + "_dash-update-component":
        if request.path.startswith(app.config.requests_pathname_prefix + "reports/") and \
                not flask.g.viewer.may_see_gate_reports:
            return _refused()
        return None
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str):
        return None  # refused as malformed by security.refuse_bad_requests
    if output not in app.callback_map:
        return None  # no such callback: refused as such by security.refuse_bad_requests
    rule = rules.get(output)
    if rule is None or (rule != ANY_PAGE and not flask.g.viewer.may_see_page(rule)):
        return _refused()
    return None


def _refused():
    log.warning("refused %s %s to %s", flask.request.method, flask.request.path, flask.g.get("username"))
    return flask.jsonify(error="not allowed / 无权访问"), 403


def _refusals(server: flask.Flask) -> None:
    """What the read layer refuses (a record of an institute the viewer may not see, say) is a 403."""
    @server.errorhandler(PermissionError)
    def refused(_error):
        return _refused()


def _audit_views(app, accounts: AccountStore) -> None:
    """Page views (the layout, a navigation) and exports (a download callback), recorded once the
    response is sent: who, what, with which filters (the address's query)."""
    prefix = app.config.requests_pathname_prefix
    dispatch, layout = prefix + "_dash-update-component", prefix + "_dash-layout"

    @app.server.after_request
    def audit(response: flask.Response) -> flask.Response:
        request = flask.request
        if response.status_code != 200 or not flask.g.get("username"):
            return response
        event = None
        if request.path == layout:
            referrer = urlsplit(request.referrer or "")
            event = ("page_view", {"page": referrer.path, "query": referrer.query})
        elif request.path == dispatch:
            event = _callback_event(request.get_json(silent=True) or {})
        if event:
            name, detail = event
            username, client = flask.g.username, request.remote_addr
            response.call_on_close(lambda: accounts.record_event(username, name, client, **detail))
        return response


def _callback_event(body: dict) -> tuple[str, dict] | None:
    """("page_view", …) for the router's callback, ("export", …) for a download; None for the others."""
    output = body.get("output", "")
    states = {f"{s.get('id')}.{s.get('property')}": s.get("value") for s in body.get("state", []) if isinstance(s, dict)}
    query = (states.get("url.search") or "").lstrip("?")
    if output.startswith("..page.children..."):
        return "page_view", {"page": states.get("url.pathname"), "query": query}
    if output.endswith('-file"}.data'):  # the downloads' outputs: {"figure":["MATCH"],"type":"figure-file"}.data
        trigger = next(iter(body.get("changedPropIds", [])), "")
        try:
            button = json.loads(trigger.rsplit(".", 1)[0])
        except ValueError:
            button = {}
        return "export", {"what": button.get("figure") or button.get("table"), "format": button.get("fmt"),
                          "query": query}
    return None
