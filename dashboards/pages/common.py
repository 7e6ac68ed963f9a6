"""Helpers the pages share: the viewer a callback answers, the check of the values a callback receives,
and the controls' building blocks. What the pages read is in dashboards.views."""
from __future__ import annotations

from urllib.parse import urlsplit

import dash_bootstrap_components as dbc
import flask
from dash import dcc, html

from dashboards.pages import state as url_state
from dashboards.views.common import choices
from dashboards.views.store import MartStore
from dashboards.views.viewer import EVERYONE, Viewer


def request_viewer() -> Viewer:
    """Who the request being answered comes from: the viewer the server's check of the request found
    (server/auth.py: the session's account, or development mode's local analyst). A request it did not
    see has no viewer and is refused (PermissionError, answered 403). Outside a request (warming the
    pages, scripts): everyone. Every callback and the page shell ask here.

    The version it reads is the address's: `?release=2024` is the official 2024 release, none the latest.
    The address is the request's Referer — the page the browser shows sends the layout request and every
    callback, and the address bar follows the view (pushState), with the Referrer-Policy same-origin
    (server/security.py) — or the request's own query when it has no Referer. So no callback needs an
    input for it: every read and every download of the page reads the same version. Changing the release
    is a link (a new page load), never a callback."""
    if not flask.has_request_context():
        return EVERYONE
    viewer = flask.g.get("viewer")
    if viewer is None:
        raise PermissionError("no viewer for this request")
    referrer = flask.request.referrer
    query = urlsplit(referrer).query if referrer else flask.request.query_string.decode("latin-1")
    return viewer.reading(url_state.parse(query).get("release"))


def checked(viewer: Viewer, store: MartStore, **values) -> dict:
    """The values a callback received from the page's controls, as a state dict, when the published
    version offers each to the viewer (a year key any of the years, metric_b any metric, a release one of
    the official releases; with a `scope`, the evaluation page's, a group one of the evaluation's groups);
    else url_state.InvalidState (answered 400)."""
    offered = choices(viewer, store)
    if "scope" in values and "evaluation_group" in offered:
        # the evaluation page's group: all, a peer group, or an institute's units of a type (FJQI:team)
        offered = {**offered, "group": offered["evaluation_group"]}
    if "year" in offered:
        offered = {**offered, **dict.fromkeys(url_state.INT_KEYS, offered["year"])}
    if "metric" in offered:
        offered = {**offered, "metric_b": offered["metric"]}  # the compare page's second metric
    offered = {**offered, "release": frozenset(store.releases(viewer))}  # the years with an official release
    return url_state.check(values, offered)


def figure_builders(names: tuple[str, ...], build_all) -> dict:
    """name → builder(viewer, store, state) of one figure, from `build_all(viewer, store, state)`, which
    draws the page's figures in `names`' order (as its callback does; the others are drawn too, a few ms
    beside an export)."""
    return {name: (lambda viewer, store, state, i=i: build_all(viewer, store, state)[i]) for i, name in enumerate(names)}


def control(label: str, component) -> dbc.Col:
    return dbc.Col([html.Label(label, className="form-label small text-muted mb-1"), component], md=3, sm=6)


def dropdown(id_: str, options: list[dict], value, clearable: bool = False) -> dcc.Dropdown:
    return dcc.Dropdown(id=id_, options=options, value=value, clearable=clearable)


def state_store(page: str, state: dict | None = None) -> dcc.Store:
    """The page's part of the URL state; one callback of the shell (pages/shell.py) writes it into the
    address bar."""
    return dcc.Store(id={"type": "page-state", "page": page}, data=state)

