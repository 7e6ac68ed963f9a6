"""The analyst's and the leader's side of online submission (server mode only; the institute's upload and
check report pages are server/portal.py's, at <prefix>submit and <prefix>submit/<id>):

- <prefix>review (analyst, admin): the submissions, those waiting for review first; POST
  <prefix>review/<id> accepts or returns one (the check report page's form); "refresh now" at
  <prefix>review/refresh (refresh_now.py) with its progress;
- <prefix>tracker (analyst, admin: every institute of the published register; leader: its scope,
  read-only; institute: its own row): institutes × submitted datasets for a year, each cell's status and
  date, the year's deadline and the days left; <prefix>tracker/missing.xlsx: what is still missing, for a
  reminder letter.

Which institutes a viewer sees is the read layer's answer (MartStore.institutes), as on every page. Page
views and exports are audited as the admin pages do; each review step is audited by the store."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import flask
import pandas as pd
from dash import Dash
from flask_wtf.csrf import generate_csrf

from dashboards.accounts.store import AccountStore
from dashboards.accounts.submissions import (
    TRACKED,
    NoSuchSubmission,
    SubmissionError,
    SubmissionRecord,
    SubmissionStore,
)
from dashboards.i18n import t, t_or
from dashboards.render.tables import export_table_xlsx
from dashboards.render.watermark import watermark_for
from dashboards.server.html_pages import check_csrf, local_time, page_lang, render_page
from dashboards.server.refresh_now import RefreshNow
from dashboards.views.store import MartStore, NotPublished
from dashboards.views.submissions import sent_by_file
from dashboards.views.viewer import Viewer
from pipelines.config import Settings
from pipelines.contracts import CONTRACTS
from pipelines.submissions.check import SUBMITTED

REVIEWERS = ("analyst", "admin")
STATUSES = ("checking", "draft", "submitted", "returned", "accepted", "replaced", "failed")
NOT_SENT = "missing"  # a tracker cell without a version sent
BY_FILE = "by_file"  # not sent online, but its published rows came by file (e-mail, the drop folder)
YEARS_OFFERED = 6  # the tracker's year choice: the last reporting year and the ones before it
POLL_S = 2  # the refresh page reloads itself this often while the refresh runs


@dataclass(frozen=True)
class Cell:
    status: str  # NOT_SENT, BY_FILE or one of TRACKED
    on: str  # the date of that status ("" when not sent)
    submission_id: int | None


def register(app: Dash, accounts: AccountStore, store: MartStore, settings: Settings) -> None:
    """The routes on the app's server (after auth.server_mode: every request is already an account's)."""
    server = app.server
    prefix = app.config.requests_pathname_prefix
    submissions = SubmissionStore(settings)
    refresher = RefreshNow(settings)

    @server.route(prefix + "review")
    def review_list():
        lang = page_lang()
        _require(REVIEWERS)
        args = flask.request.args
        status = args.get("status", "")
        dataset = args.get("dataset", "")
        institute = args.get("institute", "").strip()
        year = _year(args.get("year", ""), settings)
        if status not in ("", "all", *STATUSES) or dataset not in ("", *SUBMITTED) or len(institute) > 64 \
                or year is False:
            return _page("review_list", 400, lang, prefix, error=t("admin_bad_filter", lang), rows=[],
                         filters={}, statuses=STATUSES, datasets=_datasets(lang), years=_years(settings),
                         csrf=generate_csrf())
        records = submissions.list(status=status if status in STATUSES else None, dataset=dataset or None,
                                   year=year or None, institute_ids={institute} if institute else None)
        if not status:  # by default what was sent (a draft is the institute's own until then)
            records = [r for r in records if r.status in TRACKED]
        # waiting for review first, the longest waiting first; then the others, newest first
        waiting = sorted((r for r in records if r.status == "submitted"), key=lambda r: r.submitted_at or r.uploaded_at)
        records = waiting + [r for r in records if r.status != "submitted"]
        names = _names(store, flask.g.viewer, lang)
        _audit(accounts, "page_view")
        return _page("review_list", 200, lang, prefix, error=None, filters=args, statuses=STATUSES,
                     datasets=_datasets(lang), years=_years(settings), waiting=len(waiting),
                     rows=[_row(r, names, lang) for r in records], csrf=generate_csrf())

    @server.route(prefix + "review/<int:submission_id>", methods=["POST"])
    def review_decide(submission_id: int):
        lang = page_lang()
        _require(REVIEWERS)
        check_csrf()
        decision = flask.request.form.get("decision", "")
        comment = flask.request.form.get("comment", "")
        if decision not in ("accept", "return"):
            return _refusal(lang, prefix, submission_id, 400, "无效的审核决定。", "the decision is accept or return.")
        try:
            submissions.review(submission_id, flask.g.account, decision == "accept", comment,
                               flask.request.remote_addr)
        except SubmissionError as refused:
            status = 400 if decision == "return" and not comment.strip() else \
                404 if isinstance(refused, NoSuchSubmission) else 409
            return _refusal(lang, prefix, submission_id, status, refused.message_zh, refused.message_en)
        return flask.redirect(f"{prefix}submit/{submission_id}?lang={lang}", 303)

    @server.route(prefix + "review/refresh", methods=["GET", "POST"])
    def review_refresh():
        lang = page_lang()
        _require(REVIEWERS)
        refused = None
        if flask.request.method == "POST":
            check_csrf()
            refused = refresher.start(flask.g.username)
            if refused is None:
                accounts.record_event(flask.g.username, "refresh_started", flask.request.remote_addr)
                return flask.redirect(f"{prefix}review/refresh?lang={lang}", 303)
        status = refresher.status()
        _audit(accounts, "page_view")
        return _page("review_refresh", 409 if refused else 200, lang, prefix, refresh=status, refused=refused,
                     poll=POLL_S if status.state == "running" else None, csrf=generate_csrf())

    @server.route(prefix + "tracker")
    def tracker():
        lang = page_lang()
        year = _year(flask.request.args.get("year", ""), settings)
        if year is False:
            return _page("tracker", 400, lang, prefix, error=t("admin_bad_filter", lang), year=None, rows=[],
                         datasets=[], counts={}, years=_years(settings))
        year = year or settings.current().today.year - 1
        grid = _grid(store, submissions, flask.g.viewer, year, lang)
        deadline = settings.deadline(year)
        days_left = (deadline - settings.current().today).days
        counts = {s: sum(cell.status == s for row in grid for cell in row["cells"])
                  for s in (NOT_SENT, BY_FILE, *TRACKED)}
        _audit(accounts, "page_view")
        return _page("tracker", 200, lang, prefix, error=None, year=year, years=_years(settings), rows=grid,
                     datasets=_datasets(lang), counts=counts, deadline=deadline, days_left=days_left,
                     linked=flask.g.account.role != "leader")

    @server.route(prefix + "tracker/missing.xlsx")
    def tracker_missing():
        lang = page_lang()
        year = _year(flask.request.args.get("year", ""), settings)
        if year is False:
            return flask.jsonify(error="年度无效 / invalid year"), 400
        year = year or settings.current().today.year - 1
        deadline = settings.deadline(year)
        days_left = (deadline - settings.current().today).days
        lines = [{t("tracker_institute_id", lang): row["institute_id"], t("tracker_institute", lang): row["name"],
                  t("tracker_dataset", lang): CONTRACTS[dataset].title_zh, t("year", lang): year,
                  t("tracker_deadline", lang): deadline, t("tracker_days_left", lang): days_left,
                  t("tracker_status", lang): t(f"tracker_{cell.status}", lang)}
                 for row in _grid(store, submissions, flask.g.viewer, year, lang)
                 for dataset, cell in zip(SUBMITTED, row["cells"], strict=True) if cell.status in (NOT_SENT, "returned")]
        frame = pd.DataFrame(lines, columns=[t(k, lang) for k in ("tracker_institute_id", "tracker_institute")]
                             + [t("tracker_dataset", lang), t("year", lang)]
                             + [t(k, lang) for k in ("tracker_deadline", "tracker_days_left", "tracker_status")])
        body = export_table_xlsx(frame, sheet=t("tracker_missing_sheet", lang),
                                 title=t("tracker_missing_title", lang).format(year=year),
                                 watermark=watermark_for(flask.g.username, settings.export_watermark))
        _audit(accounts, "export", what="tracker_missing", format="xlsx")
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        return flask.Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              headers={"Content-Disposition": f'attachment; filename="touyan-missing-{year}-{stamp}.xlsx"',
                                       "Cache-Control": "no-store"})


def _grid(store: MartStore, submissions: SubmissionStore, viewer: Viewer, year: int, lang: str) -> list[dict]:
    """The tracker's rows: each institute the viewer sees in the published register, with a cell per
    submitted dataset (its latest version sent for `year`)."""
    try:
        institutes = store.institutes(viewer)
    except NotPublished:
        return []
    ids = list(institutes["institute_id"])
    names = dict(zip(ids, institutes["name_en" if lang == "en" else "name_zh"], strict=True))
    sent = submissions.tracked(set(ids))
    by_file = sent_by_file(store, viewer, year)
    rows = []
    for institute_id in ids:
        cells = []
        for dataset in SUBMITTED:
            record = sent.get((institute_id, dataset, year))
            if record is None:
                cells.append(Cell(BY_FILE if (institute_id, dataset) in by_file else NOT_SENT, "", None))
            else:
                on = record.reviewed_at if record.status in ("accepted", "returned") else record.submitted_at
                cells.append(Cell(record.status, _day(on), record.id))
        rows.append({"institute_id": institute_id, "name": names[institute_id], "cells": cells})
    return rows


def _names(store: MartStore, viewer: Viewer, lang: str) -> dict[str, str]:
    try:
        institutes = store.institutes(viewer)
    except NotPublished:
        return {}
    return dict(zip(institutes["institute_id"], institutes["name_en" if lang == "en" else "name_zh"], strict=True))


def _row(record: SubmissionRecord, names: dict[str, str], lang: str) -> dict:
    return {"id": record.id, "institute_id": record.institute_id, "institute": names.get(record.institute_id, ""),
            "dataset": _dataset_label(record.dataset, lang), "year": record.year, "version": record.version,
            "status": record.status, "status_label": t_or(f"tracker_{record.status}", lang, record.status),
            "rows": record.rows_read, "accepted": record.rows_accepted, "errors": record.errors,
            "warnings": record.warnings, "uploaded_by": record.uploaded_by, "uploaded_at": local_time(record.uploaded_at, seconds=False),
            "submitted_at": local_time(record.submitted_at, seconds=False), "comment": record.review_comment or ""}


def _datasets(lang: str) -> list[tuple[str, str]]:
    return [(name, _dataset_label(name, lang)) for name in SUBMITTED]


def _dataset_label(name: str, lang: str) -> str:
    """The dataset as the tracker names it: the contract's title in Chinese, the portal's label in English."""
    return CONTRACTS[name].title_zh if lang == "zh" else t(f"portal_dataset_{name}", lang)


def _years(settings: Settings) -> list[int]:
    last = settings.current().today.year - 1
    return list(range(last, last - YEARS_OFFERED, -1))


def _year(text: str, settings: Settings) -> int | None | bool:
    """The year asked for: None when none is, False when not a reporting year."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1990 <= int(text) <= settings.current().today.year:
        return False
    return int(text)


def _require(roles: tuple[str, ...]) -> None:
    """PermissionError (auth.py answers 403) unless the request's account has one of `roles`."""
    account = flask.g.get("account")
    if account is None or account.role not in roles:
        raise PermissionError("this page is for analysts")


def _refusal(lang: str, prefix: str, submission_id: int, status: int, zh: str, en: str) -> flask.Response:
    return _page("review_error", status, lang, prefix, message_zh=zh, message_en=en, submission_id=submission_id)


def _page(current: str, status: int, lang: str, prefix: str, **context) -> flask.Response:
    """The page `current` (its template) in `lang`, in the admin pages' frame with this side's links."""
    return render_page(current, status, lang, prefix, role=flask.g.account.role, **context)


def _audit(accounts: AccountStore, name: str, **detail) -> None:
    """A page view or an export, recorded when asked for (as the admin pages do)."""
    accounts.record_event(flask.g.username, name, flask.request.remote_addr, page=flask.request.path,
                          query=flask.request.query_string.decode(), **detail)


def _day(at: datetime | None) -> str:
    return local_time(at)[:10]
