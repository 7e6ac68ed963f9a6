"""What the server does to be put on a network: security headers on every response, with a
Content-Security-Policy the pages pass; failed logins slowing their client down (the login itself is
auth.py's); client addresses from X-Forwarded-For only when the request comes from a configured proxy;
and callback requests the app's own pages cannot send answered 400, logged.

The headers are set by an `after_request` of a few lines rather than by flask-talisman: the policy is
fixed for the life of the process (Dash's inline scripts are allowed by their hashes, no per-response
nonce), and talisman's defaults (HTTPS redirect, HSTS) are for a server that terminates
TLS, which this one does not (it listens on 127.0.0.1, or sits behind the intranet's proxy)."""
from __future__ import annotations

import ipaddress
import json
import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass

import flask
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboards.pages.state import InvalidState

log = logging.getLogger("touyan.dashboard")


# ---- headers -----------------------------------------------------------------------------------


def content_security_policy(script_hashes: Collection[str]) -> str:
    """Everything from the app's own origin. Scripts: its files, and Dash's inline scripts (the
    renderer's start, the clientside callbacks) by their hashes — no other inline script, no eval
    (neither Dash's renderer nor plotly.js's cartesian bundle needs it). Styles: its files, and inline
    styles, which React, Dash's components and plotly.js set on elements and inject as <style> (a style
    cannot run code). Images: its own and data: URIs (the KPI cards' sparklines). Never framed."""
    return "; ".join([
        "default-src 'self'",
        " ".join(["script-src 'self'", *script_hashes]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def add_headers(server: flask.Flask, policy: str) -> None:
    """The security headers on every response: pages, assets, callbacks, errors."""
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        # the page's address goes with its own requests only: the layout is rendered for the address it
        # is asked from (pages/shell.py `address`), so same-origin requests keep it; no other site gets it
        "Referrer-Policy": "same-origin",
    }

    @server.after_request
    def secure(response: flask.Response) -> flask.Response:
        response.headers.update(headers)
        return response


# ---- client addresses --------------------------------------------------------------------------


def trust_proxies(server: flask.Flask, proxies: Collection[str]) -> None:
    """Behind a reverse proxy every request comes from the proxy's address. With `proxies` (addresses or
    networks), a request whose immediate peer is one of them is taken to come from the address the proxy
    appended to X-Forwarded-For (and with its X-Forwarded-Proto); from any other peer those headers are
    ignored — a client could write them itself. werkzeug's ProxyFix trusts by count, not by address, so
    it is applied only to the requests of a listed peer."""
    if not proxies:
        return
    networks = [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]
    direct = server.wsgi_app
    proxied = ProxyFix(direct, x_for=1, x_proto=1)

    def app(environ, start_response):
        return (proxied if _listed(environ.get("REMOTE_ADDR"), networks) else direct)(environ, start_response)

    server.wsgi_app = app


def _listed(address: str | None, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


# ---- failed logins slowed down -------------------------------------------

FREE_FAILURES = 3  # failed logins a client makes before it waits (a mistyped password or two)
FIRST_DELAY_S = 0.5  # then its next attempt is checked only after this, doubling with each failure…
MAX_DELAY_S = 8.0  # …up to this
WINDOW_S = 15 * 60  # a client's failures are forgotten this long after its last one
MAX_CLIENTS = 10_000  # clients remembered at once (stale ones are forgotten first)


def delay_after(failures: int) -> float:
    """How long a client waits after its `failures`-th failed login in the window."""
    if failures <= FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (failures - FREE_FAILURES - 1))


@dataclass
class _Client:
    failures: int = 0
    last_failure: float = 0.0
    not_before: float = 0.0  # no credentials of this client are checked before then
    refused: int = 0  # attempts refused since its last failure


class LoginThrottle:
    """Failed logins per client address, each making the client wait longer before its next attempt is
    checked. A waiting client's attempts are answered at once (429, Retry-After) without being checked:
    no thread sleeps, other clients are not slowed, and however many attempts a client sends at once,
    one is checked per wait. Not a lockout: the shared account stays usable from every other address,
    and from this one after at most MAX_DELAY_S. Thread-safe; `now` is a time.monotonic() reading."""

    def __init__(self):
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()

    def admit(self, client: str, now: float) -> float:
        """0 when the client's credentials may be checked now (the check is then booked: attempts sent
        alongside it wait as if it failed); else the seconds it must still wait."""
        with self._lock:
            record = self._clients.get(client)
            if record is None:
                return 0.0
            if now - record.last_failure > WINDOW_S:
                del self._clients[client]
                return 0.0
            if now < record.not_before:
                record.refused += 1
                return record.not_before - now
            record.not_before = now + delay_after(record.failures + 1)
            return 0.0

    def failed(self, client: str, now: float) -> tuple[float, int, int]:
        """Record a failed login: (the wait before the client's next check, its failures in the window,
        its attempts refused since its previous failure)."""
        with self._lock:
            record = self._clients.get(client)
            if record is None or now - record.last_failure > WINDOW_S:
                self._make_room(now)
                record = self._clients[client] = _Client()
            record.failures += 1
            record.last_failure = now
            delay = delay_after(record.failures)
            record.not_before = now + delay
            refused, record.refused = record.refused, 0
            return delay, record.failures, refused

    def succeeded(self, client: str) -> None:
        if client in self._clients:
            with self._lock:
                self._clients.pop(client, None)

    def _make_room(self, now: float) -> None:
        if len(self._clients) < MAX_CLIENTS:
            return
        for client in [c for c, r in self._clients.items() if now - r.last_failure > WINDOW_S]:
            del self._clients[client]
        while len(self._clients) >= MAX_CLIENTS:  # the earliest remembered first
            del self._clients[next(iter(self._clients))]


# ---- requests the pages cannot send ------------------------------------------------------------


def refuse_bad_requests(app) -> None:
    """A callback request that does not fit the callback it names (no such callback, other inputs, a
    malformed trigger), or that carries a value the page does not offer (url_state.InvalidState, raised
    by the callbacks), is answered 400 with a short message, and logged with the client's address."""
    server = app.server
    dispatch = app.config.requests_pathname_prefix + "_dash-update-component"

    def refuse(message: str):
        log.warning("refused a request from %s to %s: %s", flask.request.remote_addr, flask.request.path, message)
        return flask.jsonify(error=message), 400

    @server.before_request
    def fits_a_callback():
        if flask.request.path != dispatch or flask.request.method != "POST":
            return None
        problem = callback_problem(app.callback_map, flask.request.get_json(silent=True))
        return refuse(problem) if problem else None

    @server.errorhandler(InvalidState)
    def invalid_state(error: InvalidState):
        return refuse(str(error))


def callback_problem(callbacks: dict, body) -> str | None:
    """What makes `body` a request no page of the app sends: None when it names a callback and carries
    as many inputs and states as that callback has, each an {id, property} (or a list of them for a
    wildcard), and its changed properties are named as Dash names them."""
    if not isinstance(body, dict):
        return "not a callback request"
    callback = callbacks.get(body.get("output")) if isinstance(body.get("output"), str) else None
    if callback is None:
        return "no such callback"
    output = body["output"]
    declared = {"inputs": len(callback["inputs"]), "state": len(callback["state"]),
                # a multi-output callback is named "..a.children...b.figure..", each output sent in a list
                "outputs": len(output[2:-2].split("...")) if output.startswith("..") else None}
    for key, count in declared.items():
        sent = body.get(key, [])
        if count is None:  # one output: itself (a list for a wildcard)
            sent, count = [sent], 1
        if not isinstance(sent, list) or len(sent) != count or not all(map(_dependencies, sent)):
            return f"its {key} are not the callback's"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(map(_prop_id, changed)):
        return "malformed changedPropIds"
    return None


def _dependencies(entry) -> bool:
    """One {id, property}, or a list of them (a wildcard's)."""
    return _dependency(entry) or (isinstance(entry, list) and all(map(_dependency, entry)))


def _dependency(entry) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("id"), str | dict) and isinstance(entry.get("property"), str)


def _prop_id(prop_id) -> bool:
    """'component.property', the component a pattern-matching id as JSON ('{"figure":"trend",…}.n_clicks')."""
    if not isinstance(prop_id, str) or "." not in prop_id:
        return False
    component = prop_id.rsplit(".", 1)[0]
    if not component.startswith("{"):
        return True
    try:
        return isinstance(json.loads(component), dict)
    except ValueError:
        return False
