"""The institute's side of online submission, server-rendered (Jinja, like the admin pages) in server
mode only — a submission belongs to an account:

- `<prefix>submit`: the datasets an institute submits (check.SUBMITTED) for a reporting year, each with
  its template (`<prefix>submit/template/<dataset>.xlsx`, the institute's name filled in), the upload
  form and the institute's own versions. Analysts and administrators are sent to the review list
  (`<prefix>review`); leaders are refused.
- `POST <prefix>submit/upload`: the file streamed into a private temporary file (never more than
  Settings.upload_max_bytes: 413; its name is only shown, never a path), the version begun in the store
  (one check at a time per institute-dataset-year: the second is told, 409), and the check run in a
  thread of its own so that the answer comes at once: the submission's page, which refreshes itself
  (a meta refresh: the pages' policy allows no inline script) showing the stage until the report is in.
- `<prefix>submit/<id>`: the check report, errors first, each finding in the page's language with the
  other beside it; explanations and the Submit button for a draft without errors
  (`POST <prefix>submit/<id>/send`); the review form for an analyst when it was sent.
- `<prefix>submit/<id>/annotated.xlsx`: the file given back with its findings marked.

An institute sees its own institute's submissions only; every refusal is auth.py's 403. Page views and
downloads are audited here, uploads and submits by the store."""
from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
import unicodedata
from pathlib import Path

import flask
from dash import Dash
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import RequestEntityTooLarge

from dashboards.accounts.store import Account, AccountStore
from dashboards.accounts.submissions import (
    FILE_EXPLANATION,
    SubmissionError,
    SubmissionRecord,
    SubmissionStore,
)
from dashboards.i18n import fmt_number, t, t_or
from dashboards.server.html_pages import check_csrf, local_time, other_lang, page_lang, render_page
from dashboards.views.store import MartStore
from dashboards.views.submissions import last_year_figure, units_in_use
from dashboards.views.viewer import Viewer
from pipelines.config import Settings
from pipelines.contracts import CONTRACTS
from pipelines.errors import FileError
from pipelines.ingest.workbook_limits import WorkbookLimits
from pipelines.submissions.annotate import annotated_copy
from pipelines.submissions.check import SUBMITTED, SUFFIXES, check_submission
from pipelines.submissions.cross_year import year_on_year
from pipelines.submissions.sanitize import prepare
from pipelines.templates import write_template

log = logging.getLogger("touyan.dashboard")

CHUNK = 1 << 20
FORM_SLACK = 64 * 1024  # the multipart form's own bytes (boundaries, the other fields) around the file
FIRST_YEAR = 1990
REVIEWERS = ("analyst", "admin")


class Progress:
    """The stage of each check running in this process (submission id → stage), for its page. Another
    worker process serving the page knows only that it is being checked (the store's status)."""

    def __init__(self):
        self._stages: dict[int, str] = {}
        self._lock = threading.Lock()

    def set(self, submission_id: int, stage: str) -> None:
        with self._lock:
            self._stages[submission_id] = stage

    def get(self, submission_id: int) -> str | None:
        with self._lock:
            return self._stages.get(submission_id)

    def done(self, submission_id: int) -> None:
        with self._lock:
            self._stages.pop(submission_id, None)


FINDINGS_SHOWN = 500  # findings listed on a submission's page; all of them are in the annotated copy


def register(app: Dash, accounts: AccountStore, settings: Settings, marts: MartStore) -> None:
    """The portal's routes on the app's server (after auth.server_mode: every request is already known)."""
    server = app.server
    prefix = app.config.requests_pathname_prefix
    store = SubmissionStore(settings)
    progress = Progress()
    incoming = settings.submissions_dir / ".incoming"  # beside the kept files: finish() moves, not copies

    def audit(name: str, **detail) -> None:
        accounts.record_event(flask.g.username, name, flask.request.remote_addr, **detail)

    def submit_page(account: Account, lang: str, status: int = 200, error: SubmissionError | None = None,
                    year: int | None = None, dataset: str | None = None) -> flask.Response:
        this_year = settings.current().today.year
        year = year or _year(flask.request.args.get("year"), this_year) or this_year - 1
        mine = store.list({account.institute_id})
        sent = {(r.dataset, r.year): r for r in reversed(mine) if r.status not in ("replaced", "failed")}
        datasets = [{"name": d, "label": t(f"portal_dataset_{d}", lang),
                     "status": _status(sent[(d, year)], lang) if (d, year) in sent else t("tracker_missing", lang)}
                    for d in SUBMITTED]
        rows = [{"id": r.id, "dataset": t(f"portal_dataset_{r.dataset}", lang), "year": r.year, "version": r.version,
                 "status": _status(r, lang), "uploaded_at": local_time(r.uploaded_at), "original_name": r.original_name,
                 "comment": r.review_comment or ""} for r in mine]  # a returned version's reason stays once replaced
        return _page("portal_submit", status, lang, prefix, account, datasets=datasets, submissions=rows, year=year,
                     years=list(range(this_year, FIRST_YEAR - 1, -1)), deadline=settings.deadline(year).isoformat(),
                     chosen_dataset=dataset, csrf_token=generate_csrf(), error=_said(error, lang),
                     upload_hint=t("portal_upload_hint", lang).format(mb=_mb(settings.upload_max_bytes)))

    def submission_page(account: Account, record: SubmissionRecord, lang: str, status: int = 200,
                        error: SubmissionError | None = None, given: dict | None = None) -> flask.Response:
        findings = store.findings(record.id)
        shown = sorted(({"index": i, "severity": f.severity, "kind": t(f"portal_{f.severity}", lang),
                         "sheet": f.sheet, "row": f.row or t("portal_whole_file", lang), "header": f.header or "",
                         "value": f.value or "", "message": f.zh if lang == "zh" else f.en,
                         "other": f.en if lang == "zh" else f.zh} for i, f in enumerate(findings)),
                       key=lambda f: f["severity"] != "error")  # errors first, each kind in file order
        # a file of thousands of problems would make a page of megabytes: the first ones, and the rest in the
        # annotated copy's report sheet (warnings beyond them are explained once for the whole file)
        more = max(0, len(shown) - FINDINGS_SHOWN)
        shown = shown[:FINDINGS_SHOWN]
        stage = progress.get(record.id) or "queued"
        checking = record.status == "checking" and t("portal_checking", lang).format(
            stage=t_or(f"portal_stage_{stage}", lang, stage))
        figure = record.figure is not None and record.last_year_figure is not None and t("portal_figure", lang).format(
            this=fmt_number(record.figure, lang), last=fmt_number(record.last_year_figure, lang))
        info = {"dataset_label": t(f"portal_dataset_{record.dataset}", lang), "status_label": _status(record, lang),
                "uploaded_at": local_time(record.uploaded_at), "submitted_at": local_time(record.submitted_at),
                "reviewed": record.reviewed_by and t("portal_reviewed", lang).format(
                    who=record.reviewed_by, when=local_time(record.reviewed_at))}
        explanations = [(t("portal_whole_file", lang) if key == FILE_EXPLANATION else f"#{int(key) + 1}", text)
                        for key, text in record.explanations.items()]
        return _page("portal_submission", status, lang, prefix, account, record=_Shown(record, info), findings=shown,
                     more=more and t("portal_more_findings", lang).format(shown=FINDINGS_SHOWN, total=len(findings)),
                     checking=checking, figure=figure, error=_said(error, lang), error_other=_said(error, other_lang(lang)),
                     rows_with_errors=len({(f.sheet, f.row) for f in findings if f.severity == "error" and f.row}),
                     seconds=t("portal_check_seconds", lang).format(s=f"{record.check_seconds or 0:.1f}"),
                     annotated=bool(record.stored_name and record.file_format and findings),
                     may_send=account.role == "institute" and record.status == "draft" and not record.errors,
                     may_review=account.role in REVIEWERS and record.status == "submitted",
                     explanations=explanations, given=given or {}, csrf_token=generate_csrf())

    def visible(account: Account, submission_id: int) -> SubmissionRecord:
        """The submission, when this account may see it (else 403; none such: 404)."""
        if account.role not in (*REVIEWERS, "institute"):
            raise PermissionError("leaders see the tracker, not submissions")
        try:
            record = store.get(submission_id)
        except SubmissionError:
            flask.abort(404)
        if account.role == "institute" and record.institute_id != account.institute_id:
            raise PermissionError("another institute's submission")
        return record

    @server.route(prefix + "submit")
    def submit():
        account, lang = _account(), page_lang()
        if account.role in REVIEWERS:
            return flask.redirect(f"{prefix}review?lang={lang}")
        _institute(account)
        audit("page_view", page=flask.request.path, query=flask.request.query_string.decode())
        return submit_page(account, lang)

    @server.route(prefix + "submit/template/<dataset>.xlsx")
    def template(dataset: str):
        account = _account()
        if account.role not in (*REVIEWERS, "institute"):
            raise PermissionError("templates are for the institutes and analysts")
        if dataset not in SUBMITTED:
            flask.abort(404)
        body = write_template(dataset, settings, account.institute_id if account.role == "institute" else None)
        audit("export", what=f"template:{dataset}", format="xlsx")
        return _download(body, f"touyan-{dataset}-template.xlsx")

    @server.route(prefix + "submit/upload", methods=["POST"])
    def upload():
        account, lang = _institute(_account()), page_lang()
        # the body as a whole is refused beyond this (413, before it is read); the file itself below
        flask.request.max_content_length = settings.upload_max_bytes + FORM_SLACK
        check_csrf()
        form, file = flask.request.form, flask.request.files.get("file")
        dataset, year = form.get("dataset", ""), _year(form.get("year"), settings.current().today.year)
        if dataset not in SUBMITTED or year is None or file is None or not file.filename:
            return submit_page(account, lang, 400, SubmissionError(t("portal_bad_form", "zh"), t("portal_bad_form", "en")))
        original = display_name(file.filename)
        path = _receive(file.stream, incoming, _suffix(original), settings.upload_max_bytes)
        try:
            submission_id = store.begin(account, dataset, year, original, flask.request.remote_addr)
        except SubmissionError as refused:
            path.unlink(missing_ok=True)
            return submit_page(account, lang, 409, refused, year, dataset)
        progress.set(submission_id, "queued")
        viewer: Viewer = flask.g.viewer
        threading.Thread(target=_check, name=f"check-{submission_id}", daemon=True,
                         args=(settings.current(), store, marts, viewer, progress, submission_id, dataset, year, path)).start()
        return flask.redirect(f"{prefix}submit/{submission_id}?lang={lang}", 303)

    @server.route(prefix + "submit/<int:submission_id>")
    def submission(submission_id: int):
        account, lang = _account(), page_lang()
        record = visible(account, submission_id)
        audit("page_view", page=flask.request.path, query=flask.request.query_string.decode())
        return submission_page(account, record, lang)

    @server.route(prefix + "submit/<int:submission_id>/send", methods=["POST"])
    def send(submission_id: int):
        account, lang = _institute(_account()), page_lang()
        check_csrf()
        record = visible(account, submission_id)
        given = {key.removeprefix("explain_"): text for key, text in flask.request.form.items()
                 if key.startswith("explain_")}
        try:
            store.submit(record.id, account, given, flask.request.remote_addr)
        except SubmissionError as refused:
            return submission_page(account, store.get(record.id), lang, 409, refused, given)
        return flask.redirect(f"{prefix}submit/{record.id}?lang={lang}", 303)

    @server.route(prefix + "submit/<int:submission_id>/annotated.xlsx")
    def annotated(submission_id: int):
        account, lang = _account(), page_lang()
        record = visible(account, submission_id)
        if not record.stored_name or not record.file_format:
            flask.abort(404)  # being checked, or the check broke: nothing to annotate
        try:
            body = annotated_copy(store.stored_file(record), record.file_format, store.findings(record.id),
                                  store.header_rows(record.id))
        except FileError as e:
            return _page("portal_error", 422, lang, prefix, account,
                         error=t("portal_annotated_failed", lang) + (e.problem_zh if lang == "zh" else e.problem_en),
                         error_other=e.problem_en if lang == "zh" else e.problem_zh)
        audit("export", what=f"annotated:{record.id}", format="xlsx")
        return _download(body, f"touyan-{record.dataset}-{record.year}-v{record.version}-annotated.xlsx")

    @server.errorhandler(RequestEntityTooLarge)
    def too_large(_error):
        lang, mb = page_lang(), _mb(settings.upload_max_bytes)
        return _page("portal_error", 413, lang, prefix, flask.g.get("account"),
                     error=t("portal_too_large", lang).format(mb=mb), error_other=t("portal_too_large", other_lang(lang)).format(mb=mb))


def _check(settings: Settings, store: SubmissionStore, marts: MartStore, viewer: Viewer, progress: Progress,
           submission_id: int, dataset: str, year: int, path: Path) -> None:
    """The upload's check, in its own thread: the findings, the cross-year warning against last year's
    published figure (and for a register submitted whole, about the units the published rows name that it no
    longer has), the version finished as a draft. A failure that is not the file's (the file's own
    are findings) frees the slot: the version is marked failed and the institute uploads again."""
    try:
        progress.set(submission_id, "ids")
        prepared = prepare(path, settings.id_salt, WorkbookLimits(settings.max_workbook_cells,
                                                                   settings.max_workbook_inflated_bytes))
        path = prepared.path
        try:  # a register submitted whole is checked against the units the published rows name
            in_use = units_in_use(marts, viewer, viewer.institute_id) if CONTRACTS[dataset].whole_register else None
        except PermissionError:  # an institute not published yet: nothing in use
            in_use = None
        result = check_submission(settings, dataset, viewer.institute_id, year, path,
                                  on_stage=lambda stage: progress.set(submission_id, stage), in_use=in_use)
        if prepared.unreadable:
            if not result.refused:  # read by the check but not by the search for ID numbers: keep nothing
                raise RuntimeError(f"{path.name}: the search for ID numbers failed on a file the check reads")
            path.write_bytes(b"")  # refused: the record is kept, not bytes that could not be searched
        try:
            last = None if result.refused else last_year_figure(marts, viewer, dataset, viewer.institute_id, year)
        except PermissionError:  # an institute not published yet: no base to compare with
            last = None
        change = year_on_year(result, last, settings.change_share, settings.change_min_base)
        if change is not None:
            result.findings.append(change)
        store.finish(submission_id, path, result.suffix or ".bin", result, last, prepared.replaced)
    except Exception:
        log.exception("the check of submission %s broke", submission_id)
        with contextlib.suppress(SubmissionError):
            store.fail(submission_id)
        path.unlink(missing_ok=True)
    finally:
        progress.done(submission_id)


def _receive(stream, folder: Path, suffix: str, limit: int) -> Path:
    """The uploaded bytes in a new private file of `folder` named by tempfile (0600); RequestEntityTooLarge
    (and nothing kept) beyond `limit` bytes. (The record's sha256 is the kept file's: store.finish.)"""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=folder, prefix="upload-", suffix=suffix)
    path, size = Path(name), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise RequestEntityTooLarge()
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def display_name(filename: str) -> str:
    """The client's file name as shown and recorded (original_name), never as a path: its last part,
    without control or format characters, at most 255 characters."""
    name = re.split(r"[\\/]", filename)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:255] or "upload"


def _suffix(name: str) -> str:
    """The temporary file's suffix: the name's, when it is one of the ingest's formats (the check sniffs
    the bytes anyway; the suffix only words its message about a file named .xlsx that is not one)."""
    suffix = Path(name).suffix.lower()
    return suffix if suffix in SUFFIXES.values() else ""


def _year(text: str | None, this_year: int) -> int | None:
    return int(text) if text and re.fullmatch(r"\d{4}", text) and FIRST_YEAR <= int(text) <= this_year else None


def _account() -> Account:
    account = flask.g.get("account")
    if account is None:
        raise PermissionError("the portal needs an account")
    return account


def _institute(account: Account) -> Account:
    if account.role != "institute" or not account.institute_id:
        raise PermissionError("only an institute's account submits")
    return account


def _said(error: SubmissionError | None, lang: str) -> str | None:
    if error is None:
        return None
    return getattr(error, "message_zh" if lang == "zh" else "message_en", None) or str(error)


def _status(record: SubmissionRecord, lang: str) -> str:
    return t_or(f"portal_status_{record.status}", lang, record.status)


def _mb(size: int) -> str:
    return f"{size / 10**6:g}"


def _download(body: bytes, filename: str) -> flask.Response:
    return flask.Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                   "Cache-Control": "no-store"})


class _Shown:
    """A record as the page shows it: its fields, with the shown ones (labels, local times) over them."""

    def __init__(self, record: SubmissionRecord, shown: dict):
        self._record, self._shown = record, shown

    def __getattr__(self, name: str):
        return self._shown[name] if name in self._shown else getattr(self._record, name)


def _page(current: str, status: int, lang: str, prefix: str, account: Account | None, **context) -> flask.Response:
    """The page `current` (its template) in `lang`."""
    return render_page(current, status, lang, prefix, account=account, **context)
