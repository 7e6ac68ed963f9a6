"""The administrator's pages, server-rendered (Jinja, like the login page) in server mode only —
development mode has no accounts to administer:

- `<prefix>admin/audit`: the audit trail (dashboards.accounts: logins, page views, exports, account
  changes), newest first, PAGE_SIZE a page, filtered by user, event and a date range (query parameters,
  checked), each event's detail in words; `<prefix>admin/audit.csv`: the same filters, every matching
  event as CSV for Excel (UTF-8 with a BOM, formula-like cells neutralised), streamed.
- `<prefix>admin/users`: the accounts, read-only (they are managed with `python -m dashboards users`),
  each with its latest login from the trail.

Anyone but an administrator is refused as every refusal is (auth.py: 403). Viewing a page and exporting
the log are audited like any other page view and export."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qsl

import flask
from dash import Dash

from dashboards.accounts.models import AuditEvent
from dashboards.accounts.store import AccountStore, AuditFilter
from dashboards.i18n import t, t_or
from dashboards.render.tables import stream_csv
from dashboards.server.html_pages import local_time, page_lang, render_page, zone_label

PAGE_SIZE = 100
EVENT = re.compile(r"[a-z_]{1,64}")
MAX_USER = 64  # the audit's username column


class InvalidFilter(ValueError):
    def __init__(self, field: str, value: str):
        self.field, self.value = field, value
        super().__init__(f"{field}: {value!r}")


@dataclass(frozen=True)
class Filters:
    """The audit log's filters as the address gives them (dates in the server's time zone)."""
    user: str = ""
    event: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @classmethod
    def parse(cls, args) -> Filters:
        """From the query parameters user, event, from, to (YYYY-MM-DD), page; InvalidFilter if one is not
        what the form sends."""
        user = args.get("user", "").strip()
        if len(user) > MAX_USER:
            raise InvalidFilter("user", user)
        event = args.get("event", "").strip()
        if event and not EVENT.fullmatch(event):
            raise InvalidFilter("event", event)
        dates = {}
        for field in ("from", "to"):
            text = args.get(field, "").strip()
            try:  # the date input's form only (fromisoformat alone takes 20261207 or 2026-W49 too)
                dates[field] = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
            except ValueError:  # 2026-02-30
                dates[field] = None
            if text and dates[field] is None:
                raise InvalidFilter(field, text)
        if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
            raise InvalidFilter("to", args.get("to"))
        page_text = args.get("page", "1").strip()
        if not re.fullmatch(r"[1-9]\d{0,6}", page_text):
            raise InvalidFilter("page", page_text)
        return cls(user, event, dates["from"], dates["to"], int(page_text))

    def audit_filter(self) -> AuditFilter:
        """For the store: the dates as the UTC times of their local midnights, the last day included."""
        return AuditFilter(username=self.user or None, event=self.event or None,
                           since=_utc(self.date_from) if self.date_from else None,
                           until=_utc(self.date_to + timedelta(days=1)) if self.date_to else None)

    def query(self, **changes) -> dict[str, str]:
        """The filters as query parameters (only those set), with `changes`."""
        values = {"user": self.user, "event": self.event,
                  "from": self.date_from.isoformat() if self.date_from else "",
                  "to": self.date_to.isoformat() if self.date_to else "",
                  "page": str(self.page) if self.page > 1 else ""} | changes
        return {key: value for key, value in values.items() if value}


def register(app: Dash, accounts: AccountStore) -> None:
    """The admin routes on the app's server (after auth.server_mode: every request is already known)."""
    server = app.server
    prefix = app.config.requests_pathname_prefix

    @server.route(prefix + "admin/audit")
    def audit_log():
        lang = _admin_lang()
        try:
            filters = Filters.parse(flask.request.args)
        except InvalidFilter as invalid:
            return _page("audit", 400, lang, prefix, filters=Filters(), events=[], total=0, pages=1,
                         error=f"{t('admin_bad_filter', lang)}: {invalid.field} = {invalid.value}",
                         event_names=accounts.audit_event_names())
        where = filters.audit_filter()
        total = accounts.count_audit_events(where)
        events = accounts.audit_events(where, (filters.page - 1) * PAGE_SIZE, PAGE_SIZE, newest_first=True)
        _audit(accounts, "page_view", page=flask.request.path, query=flask.request.query_string.decode())
        return _page("audit", 200, lang, prefix, filters=filters, total=total,
                     pages=max(1, -(-total // PAGE_SIZE)), events=[_row(e, lang) for e in events],
                     event_names=accounts.audit_event_names(), error=None)

    @server.route(prefix + "admin/audit.csv")
    def audit_csv():
        lang = _admin_lang()
        try:
            filters = Filters.parse(flask.request.args)
        except InvalidFilter as invalid:
            return flask.jsonify(error=f"筛选条件无效 / invalid filter: {invalid.field} = {invalid.value!r}"), 400
        header = [f"{t('admin_time', lang)} ({zone_label()})", t("admin_user", lang), t("admin_event", lang),
                  t("admin_event_code", lang), t("admin_detail", lang), t("admin_detail_json", lang),
                  t("admin_client", lang)]
        rows = ((r["at"], r["username"], r["event"], r["code"], r["detail"], r["detail_json"], r["client"])
                for r in map(lambda e: _row(e, lang), accounts.each_audit_event(filters.audit_filter())))
        _audit(accounts, "export", what="audit_log", format="csv", query=flask.request.query_string.decode())
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        return flask.Response(flask.stream_with_context(stream_csv(header, rows)), mimetype="text/csv",
                              headers={"Content-Disposition": f'attachment; filename="touyan-audit-{stamp}.csv"',
                                       "Cache-Control": "no-store"})

    @server.route(prefix + "admin/users")
    def users():
        lang = _admin_lang()
        last = accounts.last_logins()
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = [{"username": a.username, "name": a.display_name, "role": t_or(f"role_{a.role}", lang, a.role),
                 "institute": a.institute_id or "", "scope": a.scope or "",
                 "disabled": t("admin_yes", lang) if a.disabled else "",
                 "locked": local_time(a.locked_until) if a.locked_until and a.locked_until > now else "",
                 "last_login": local_time(last[a.username]) if a.username in last else "",
                 "created": local_time(a.created_at)} for a in accounts.list()]
        _audit(accounts, "page_view", page=flask.request.path, query=flask.request.query_string.decode())
        return _page("users", 200, lang, prefix, users=rows)


def _admin_lang() -> str:
    """The page's language, once the request is known to be an administrator's (else PermissionError:
    auth.py answers 403)."""
    account = flask.g.get("account")
    if account is None or account.role != "admin":
        raise PermissionError("the admin pages are for administrators")
    return page_lang()


def _page(current: str, status: int, lang: str, prefix: str, **context) -> flask.Response:
    """The page `current` (audit, users: its template) in `lang`."""
    return render_page(current, status, lang, prefix, event_label=lambda name: t_or(f"event_{name}", lang, name),
                       **context)


def _audit(accounts: AccountStore, name: str, **detail) -> None:
    """The admin's page view or export, recorded at once (an export streamed to its end may never be
    closed by a client that leaves: recorded when asked for, like a download callback's)."""
    accounts.record_event(flask.g.username, name, flask.request.remote_addr, **detail)


def _row(event: AuditEvent, lang: str) -> dict:
    """An event as shown and exported (an AuditEvent, or a row of its columns from each_audit_event)."""
    try:
        detail = json.loads(event.detail or "{}")
    except ValueError:  # written by another tool: shown as it is
        detail = event.detail
    return {"at": local_time(event.at), "username": event.username or "", "code": event.event,
            "event": t_or(f"event_{event.event}", lang, event.event), "detail": describe(detail, lang),
            "detail_json": event.detail or "", "client": event.client_address or ""}


def describe(detail, lang: str) -> str:
    """An event's detail in words: "页面 /compare · 筛选 metric=prj_initiated, year=2024"."""
    if not isinstance(detail, dict):
        return str(detail)
    parts = []
    for key, value in detail.items():
        if value in (None, ""):
            continue
        if key == "query" and isinstance(value, str):
            value = ", ".join(f"{k}={v}" for k, v in parse_qsl(value, keep_blank_values=True))
        elif key == "reason":
            value = t_or(f"reason_{value}", lang, str(value))
        elif not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        parts.append(f"{t_or(f'detail_{key}', lang, key)} {value}")
    return " · ".join(parts)


def _utc(day: date) -> datetime:
    """The local midnight starting `day`, as the database's naive UTC."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC).replace(tzinfo=None)
