"""An administrator saves the evaluation page's what-if weights as a new version of the year's rules
(server mode only: development mode has no administrator). The latest version's text with the weight
lines' numbers changed (pipelines.evaluation.store.with_weights: comments and layout kept), checked as a
refresh would check it, written as the next version — never over one; the published scores change at
the next refresh, which scores each year by its latest version.

Like the other admin actions (server/admin.py): anyone but an administrator is refused (403), the
request must carry the session's CSRF token (the page renders it for the administrator; a callback has
no form, so the token is one of its values: 400 without it), and the save is recorded in the audit
trail (who, the year, scope, version, the weights and the note). A rules error (weights that do not add
up to 100) saves nothing and says why in both languages."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import flask
from dash import ALL, Dash, Input, Output, State, no_update
from flask_wtf.csrf import validate_csrf

from dashboards.accounts.store import AccountStore
from dashboards.i18n import t
from dashboards.pages import evaluation
from dashboards.pages.common import checked, request_viewer
from dashboards.pages.state import InvalidState
from dashboards.views.store import MartStore
from pipelines.errors import FileError
from pipelines.evaluation import store as rules_store

NOTE_CHARS = 500


def register(app: Dash, accounts: AccountStore, store: MartStore) -> None:
    @app.callback(Output("rules-save-message", "children"), Input("rules-save", "n_clicks"),
                  State({"type": evaluation.WEIGHT, "item": ALL}, "value"), State({"type": evaluation.WEIGHT, "item": ALL}, "id"),
                  State("evaluation-year", "value"), State("evaluation-scope", "value"),
                  State("rules-save-note-zh", "value"), State("rules-save-note-en", "value"), State("rules-save-csrf", "value"),
                  State("lang", "data"), prevent_initial_call=True)
    def save(clicks, values, ids, year, scope, note_zh, note_en, token, lang):
        viewer = request_viewer()
        if viewer.role != "admin":
            raise PermissionError("only an administrator saves a rules version")
        try:
            validate_csrf(token if isinstance(token, str) else None)
        except Exception:  # a request from another site, or a page older than the session: 400
            raise InvalidState("csrf_token", token) from None
        if not clicks:
            return no_update
        checked(viewer, store, lang=lang, year=year, scope=scope)
        for note in (note_zh, note_en):
            if note is not None and (not isinstance(note, str) or len(note) > NOTE_CHARS):
                raise InvalidState("note", note)
        note_zh, note_en = (note_zh or "").strip(), (note_en or "").strip()
        if not note_zh and not note_en:
            return _failed(t("rules_save_need_note", lang), lang)
        weights = evaluation.parse_weights(values, ids)
        if weights is None:
            return _failed(t("what_if_bad_weight", lang), lang)
        latest = rules_store.latest(store.rules_dir).get(year)
        if latest is None:
            raise InvalidState("year", year)
        text = rules_store.read_version(store.rules_dir, year, latest.version)
        try:
            saved = rules_store.save_version(
                store.rules_dir, year, rules_store.with_weights(text, {(scope, item): w for item, w in weights.items()}),
                saved_by=viewer.username, note_zh=note_zh or note_en, note_en=note_en or note_zh)
        except (FileError, KeyError, ValueError) as error:  # weights not adding to 100, an item not in the file
            problem = (error.problem_zh if lang == "zh" else error.problem_en) if isinstance(error, FileError) else str(error)
            return _failed(problem, lang)
        accounts.record_event(viewer.username, "rules_saved", flask.request.remote_addr, year=year, scope=scope,
                              version=saved.version, based_on=latest.version,
                              weights={item: str(w) for item, w in weights.items()}, note=note_zh or note_en)
        return _message(t("rules_saved", lang).format(version=saved.version), "success")


def _failed(problem: str, lang: str) -> dbc.Alert:
    return _message(t("rules_save_failed", lang) + problem, "danger")


def _message(text: str, color: str) -> dbc.Alert:
    return dbc.Alert(text, color=color, className="py-1 mb-0", id="rules-save-result")
