"""The frame around the pages: a navigation bar (pages, language), the data's as-of line, and the page.
The view's state is the URL (path + query, see state.py): the router renders a page from it, each page
reports its controls in a page-state store, and one callback writes that back to the address bar — so a
copied link reopens the same view. The first view comes rendered with the layout (no callback)."""
from __future__ import annotations

import functools
import json
from datetime import datetime
from urllib.parse import urlsplit

import dash_bootstrap_components as dbc
import flask
from dash import (
    ALL,
    Dash,
    Input,
    Output,
    State,
    ctx,
    dcc,
    get_relative_path,
    html,
    no_update,
    strip_relative_path,
)

from dashboards.i18n import DEFAULT_LANG, LANGS, fmt_number, release_label, t
from dashboards.pages import compare, definitions, evaluation, institute, overview, quality
from dashboards.pages import state as url_state
from dashboards.pages.common import checked, request_viewer
from dashboards.views.store import MartStore, NotPublished, NotReleased
from dashboards.views.viewer import Viewer

PAGES = (overview, institute, compare, evaluation, quality, definitions)
# the server-rendered pages each role is linked to from the account area (server mode only): label, path,
# the link's id, the roles
SERVER_PAGES = (
    ("submit", "submit", "portal-submit", ("institute",)),
    ("review", "review", "portal-review", ("analyst", "admin")),
    ("tracker", "tracker", "portal-tracker", ("institute", "leader", "analyst", "admin")),
    ("admin_audit", "admin/audit", "admin-audit", ("admin",)),
)


def address() -> tuple[str | None, str]:
    """The address the page was opened at: (path, query). The browser asks for the layout from that
    page, so it is the request's Referer; (None, "") without one (or outside a request)."""
    referrer = flask.request.referrer if flask.has_request_context() else None
    if not referrer:
        return None, ""
    opened = urlsplit(referrer)
    return opened.path, "?" + opened.query if opened.query else ""


def shell(viewer: Viewer, store: MartStore, pathname: str | None, search: str):
    """The whole layout, rendered for the address it is opened at: navigation, the as-of line and the
    page with its content — the first view needs no callback. Without an address the page is left to
    the router's first call."""
    state = url_state.parse(search)
    lang = state["lang"]
    page = page_for(pathname) if pathname is not None else None
    body, nav, brand, toggle = render(viewer, store, page, state) if page else (None, None, None, None)
    return html.Div([
        dcc.Location(id="url", refresh=False),
        dcc.Store(id="lang", data=lang),
        dcc.Store(id="rendered", data=_rendered(page, lang)),
        dcc.Store(id="wanted"),
        dbc.Navbar(dbc.Container([
            dbc.NavbarBrand(brand, id="brand", href=get_relative_path("/")),
            dbc.NavbarToggler(id="nav-toggler", n_clicks=0),
            # on a phone the pages, the language and the account fold under the toggler
            dbc.Collapse([
                dbc.Nav(nav, id="nav", navbar=True, className="me-auto"),
                dbc.Button(toggle, id="lang-toggle", color="light", size="sm", n_clicks=0, className="me-2"),
                account_area(lang),
            ], id="nav-collapse", navbar=True, is_open=False),
        ], fluid=True), color="primary", dark=True, expand="md", className="mb-2"),
        dbc.Container([html.Div(as_of(viewer, store, state) if page else None, id="asof", className="small text-muted mb-2"),
                       html.Div(body, id="page")], fluid=True),
    ])


def account_area(lang: str):
    """Who is signed in, with the logout button; in development mode, a badge saying there is no login.
    Rendered with the layout (the request knows its user: server/auth.py sets flask.g)."""
    if not flask.has_request_context():
        return None
    if flask.g.get("dev"):
        return dbc.Badge(t("dev_mode", lang), color="warning", text_color="dark", id="dev-mode", className="text-wrap")
    account = flask.g.get("account")
    if account is None:
        return None
    from flask_wtf.csrf import generate_csrf

    who = f"{account.display_name or account.username} · {t('role_' + account.role, lang)}"
    # the server-rendered pages (server/admin.py, portal.py, review.py): plain links, not the router's
    return html.Form([
        *[html.A(t(key, lang), href=get_relative_path(f"/{path}?lang={lang}"), id=link_id, className="text-white small me-2")
          for key, path, link_id, roles in SERVER_PAGES if account.role in roles],
        html.Span(who, id="signed-in", className="text-white small me-2"),
        dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
        html.Button(t("logout", lang), id="logout", type="submit", className="btn btn-outline-light btn-sm"),
    ], action=get_relative_path(f"/logout?lang={lang}"), method="post", className="d-flex align-items-center")


def page_for(pathname: str | None):
    """The page of an address (under the app's URL prefix, if it has one)."""
    relative = "/" + (strip_relative_path(pathname) or "") if pathname else pathname
    return next((p for p in PAGES if relative == p.PATH), overview)


def _rendered(page, lang: str) -> dict | None:
    """Which page, in which language, #page holds: the router renders again only when the address asks
    for another."""
    return {"page": page.PAGE, "lang": lang} if page else None


def render(viewer: Viewer, store: MartStore, page, state: dict) -> tuple:
    """The page's body for the state, the navigation, the brand and the language button."""
    lang = state["lang"]
    kept = {"lang": lang, "release": state.get("release")}  # a link to another page keeps the release read
    nav = [dbc.NavItem(dbc.NavLink(t(p.PAGE, lang), href=get_relative_path(p.PATH) + url_state.build(kept),
                                   active=p is page, id=f"nav-{p.PAGE}")) for p in PAGES if viewer.may_see_page(p.PAGE)]
    try:
        if viewer.may_see_page(page.PAGE):
            # the same address renders the same page for viewers who see the same, until a new version
            body = (store.recent(viewer, ("layout", page.PAGE, json.dumps(state, sort_keys=True, default=str)),
                                 lambda: page.layout(viewer, store, state)) if getattr(page, "CACHED", True)
                    else page.layout(viewer, store, state))
        else:
            body = dbc.Alert(t("not_allowed", lang), color="danger", id="not-allowed")
    except NotReleased as e:
        body = dbc.Alert(e.message_zh if lang == "zh" else e.message_en, color="warning", id="not-released")
    except NotPublished:
        body = dbc.Alert(t("not_published", lang), color="warning")
    return body, nav, t("app_title", lang), t("language", lang)


def register(app: Dash, store: MartStore) -> None:
    # Which page in which language the address asks for, in the browser: a change only when it is not
    # the one #page holds (a link, the language button, a first load the layout could not render), so
    # the address bar following the controls costs no request.
    app.clientside_callback("function(n, open) { return n ? !open : open; }", Output("nav-collapse", "is_open"),
                            Input("nav-toggler", "n_clicks"), State("nav-collapse", "is_open"), prevent_initial_call=True)
    prefix = app.config.requests_pathname_prefix.rstrip("/")
    constants = {"PAGES": {prefix + p.PATH: p.PAGE for p in PAGES} | ({prefix: overview.PAGE} if prefix else {}), "LANGS": LANGS, "DEFAULT_PAGE": overview.PAGE,
                 "DEFAULT_LANG": DEFAULT_LANG}
    app.clientside_callback(
        functools.reduce(lambda js, kv: js.replace(kv[0], json.dumps(kv[1])), constants.items(), """
        function(pathname, search, rendered) {
            const lang = new URLSearchParams(search || "").get("lang");
            const wanted = {page: PAGES[pathname] || DEFAULT_PAGE, lang: LANGS.includes(lang) ? lang : DEFAULT_LANG};
            const same = rendered && rendered.page === wanted.page && rendered.lang === wanted.lang;
            return same ? window.dash_clientside.no_update : wanted;
        }"""),
        Output("wanted", "data"), Input("url", "pathname"), Input("url", "search"), State("rendered", "data"))

    @app.callback(Output("page", "children"), Output("nav", "children"), Output("brand", "children"),
                  Output("lang-toggle", "children"), Output("lang", "data"), Output("rendered", "data"),
                  Input("wanted", "data"), State("url", "pathname"), State("url", "search"), prevent_initial_call=True)
    def route(wanted, pathname, search):
        state = url_state.parse(search)
        page = page_for(pathname)
        return *render(request_viewer(), store, page, state), state["lang"], _rendered(page, state["lang"])

    @app.callback(Output("url", "search"), Output("asof", "children"),
                  Input({"type": "page-state", "page": ALL}, "data"), Input("lang-toggle", "n_clicks"),
                  State("url", "search"), State("lang", "data"))
    def write_state(page_states, toggles, search, lang):
        viewer = request_viewer()
        checked(viewer, store, lang=lang)
        for page_state in filter(None, page_states):  # each page writes its own (one at a time is shown)
            if not isinstance(page_state, dict):
                raise url_state.InvalidState("page state", page_state)
            checked(viewer, store, **page_state)
        if ctx.triggered_id == "lang-toggle":
            state = {**url_state.parse(search), "lang": "en" if lang == "zh" else "zh"}
        else:
            state = next((s for s in page_states if s), None) or url_state.parse(search)
        # the release read is the address's (pages/common.py request_viewer), not a page's control
        state = {**state, "release": viewer.release}
        new_search = url_state.build(state)
        return (no_update if new_search == (search or "") else new_search), \
            as_of(viewer, store, {**state, "lang": state.get("lang", lang)})


def as_of(viewer: Viewer, store: MartStore, state: dict):
    """The data's as-of line: which version (latest or a year's official release), when published, its
    run and files; then the choice of version when a release exists."""
    lang = state["lang"]
    try:
        manifest = store.version(viewer).manifest
    except NotReleased as e:
        return [e.message_zh if lang == "zh" else e.message_en, release_choice(viewer, store, state)]
    except NotPublished:
        return t("not_published", lang)
    published = datetime.fromisoformat(manifest["published_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    totals = manifest["totals"]
    line = (f"{release_label(viewer.release, lang)} · {t('as_of', lang)} {published} · {t('run', lang)} {manifest['run_id']} · "
            f"{totals['files']} {t('files', lang)} · {fmt_number(totals['quarantined'], lang)} {t('quarantined', lang)}")
    choice = release_choice(viewer, store, state)
    if not viewer.may_see_page(quality.PAGE):
        return [line, choice]
    return [line + " (", dcc.Link(t("see_quality", lang), href=get_relative_path(f"/quality?lang={lang}")), ")", choice]


def release_choice(viewer: Viewer, store: MartStore, state: dict):
    """最新 / Latest and each year's official release (年报口径), as links to this view read from that
    version: a new page load, so that every read and download of the page reads it (pages/common.py
    request_viewer). Nothing when no release exists."""
    years = sorted(store.releases(viewer), reverse=True)
    if not years:
        return None
    lang = state["lang"]
    links = [html.A(release_label(year, lang), href=url_state.build({**state, "release": year}) or "?",
                    id={"type": "release-choice", "release": year or 0},
                    className="ms-2" + (" fw-bold text-body" if year == viewer.release else ""))
             for year in (None, *years)]
    return html.Span([html.Span(f" · {t('release_choice', lang)}:", className="ms-2"), *links], id="release-choice")
