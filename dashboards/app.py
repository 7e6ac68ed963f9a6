"""create_app(): the Dash app. Layout: a navigation bar (pages, language), the data's as-of line, and
the page. The view's state is the URL (path + query, see state.py): the router renders a page from it,
each page reports its controls in a page-state store, and one callback writes that back to the
address bar — so a copied link reopens the same view. Every asset is served by the app (no CDN)."""
from __future__ import annotations

import functools
import json
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import dash_bootstrap_components as dbc
import flask
from dash import ALL, MATCH, Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboards import figures, security
from dashboards import state as url_state
from dashboards.components import FIGURE_FORMATS, TABLE_FORMATS
from dashboards.data import MartStore, NotPublished
from dashboards.i18n import DEFAULT_LANG, LANGS, fmt_number, pick, t
from dashboards.pages import compare, definitions, institute, overview, quality
from dashboards.pages.common import checked
from pipelines.config import REPORT_FILE

PAGES = (overview, institute, compare, quality, definitions)
TABLES = {name: build for page in PAGES for name, build in getattr(page, "TABLES", {}).items()}
FIGURES = {name: build for page in PAGES for name, build in getattr(page, "FIGURES", {}).items()}
ASSETS = Path(__file__).parent / "assets"


EXPORT_HEIGHT_PX = 700  # a downloaded figure's height (1200 px wide)
# plotly.js's cartesian bundle, served from assets/ but not a script of every page: dcc.Graph loads it
# when it first draws (assets/touyan-plotly.js tells it where)
PLOTLY_JS = "plotly-cartesian.min.js"
# what the page will ask for once the layout is in, fetched from the start: dcc's dropdown and graph
# code, plotly.js (parsed only where a graph is drawn)
PRELOAD = ("_dash-component-suites/dash/dcc/async-dropdown.js", "_dash-component-suites/dash/dcc/async-graph.js",
           f"assets/{PLOTLY_JS}")
INDEX = """<!DOCTYPE html>
<html>
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        {preloads}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def create_app(marts_dir: Path, reports_dir: Path | None = None, watch_s: float | None = None,
               trusted_proxies: Collection[str] = ()) -> Dash:
    """`watch_s`: how often a background thread looks for a newly published version, to load it before
    the next interaction asks (None: only when asked). It also loads the current one and renders every
    page once before returning. The server (`python -m dashboards`) watches; tests and scripts need not.
    `trusted_proxies`: the addresses of reverse proxies whose X-Forwarded-For is believed (security.py)."""
    store = MartStore(marts_dir, reports_dir)
    app = Dash(__name__, title="头雁 Touyan", assets_folder=str(ASSETS), suppress_callback_exceptions=True,
               serve_locally=True, update_title=None, assets_ignore=PLOTLY_JS)
    prefix = app.config.requests_pathname_prefix
    app.index_string = INDEX.replace("{preloads}", "\n        ".join(
        [f'<link rel="preload" as="script" href="{prefix}{path}">' for path in PRELOAD]
        + [f'<link rel="preload" as="fetch" crossorigin href="{prefix}{path}">' for path in ("_dash-layout", "_dash-dependencies")]))
    app.layout = lambda: shell(store, *_address())
    _compress(app)
    if watch_s:
        store.watch(watch_s, warm=lambda: [shell(store, page.PATH, "") for page in PAGES])
    _register_shell(app, store)
    for page in PAGES:
        page.register(app, store)
    _register_downloads(app, store)
    if reports_dir is not None:
        _serve_reports(app, reports_dir)
    security.basic_auth(app.server)  # first: nothing else answers a client that has not logged in
    security.refuse_bad_requests(app)
    security.trust_proxies(app.server, trusted_proxies)
    # after every callback is registered: the clientside ones are inline scripts the policy allows by hash
    security.add_headers(app.server, security.content_security_policy(app.csp_hashes()))
    return app


STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")


def _compress(app: Dash) -> None:
    """Responses compressed for browsers that accept it (zstd, br or gzip): the scripts are 6.5 MiB as
    they are (plotly.min.js alone 4.6 MiB). Dash's scripts are compressed once per process (they do not
    change while it runs); the files of assets/ (sent as file streams) and the callback responses anew
    each time (~10 ms for plotly.js's bundle, a few ms for the largest callback response)."""
    import flask_compress

    app.server.config.update(COMPRESS_CACHE_BACKEND=_StaticCache,
                             COMPRESS_CACHE_KEY=lambda request: request.full_path
                             if request.method == "GET" and request.path.startswith(STATIC_PREFIXES) else "")
    flask_compress.Compress(app.server)


class _StaticCache:
    """flask-compress's cache, keyed "<algorithm>;<path>": keeps the static files' only (the key of
    anything else ends with ";")."""

    def __init__(self):
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(";"):
            self._data[key] = value


def _address() -> tuple[str | None, str]:
    """The address the page was opened at: (path, query). The browser asks for the layout from that
    page, so it is the request's Referer; (None, "") without one (or outside a request)."""
    referrer = flask.request.referrer if flask.has_request_context() else None
    if not referrer:
        return None, ""
    address = urlsplit(referrer)
    return address.path, "?" + address.query if address.query else ""


def shell(store: MartStore, pathname: str | None, search: str):
    """The whole layout, rendered for the address it is opened at: navigation, the as-of line and the
    page with its content — the first view needs no callback. Without an address the page is left to
    the router's first call."""
    state = url_state.parse(search)
    lang = state["lang"]
    page = page_for(pathname) if pathname is not None else None
    body, nav, brand, toggle = render(store, page, state) if page else (None, None, None, None)
    return html.Div([
        dcc.Location(id="url", refresh=False),
        dcc.Store(id="lang", data=lang),
        dcc.Store(id="rendered", data=_rendered(page, lang)),
        dcc.Store(id="wanted"),
        dbc.Navbar(dbc.Container([
            dbc.NavbarBrand(brand, id="brand", href="/"),
            dbc.Nav(nav, id="nav", navbar=True),
            dbc.Button(toggle, id="lang-toggle", color="light", size="sm", n_clicks=0),
        ], fluid=True), color="primary", dark=True, className="mb-2"),
        dbc.Container([html.Div(as_of(store, lang) if page else None, id="asof", className="small text-muted mb-2"),
                       html.Div(body, id="page")], fluid=True),
    ])


def page_for(pathname: str | None):
    return next((p for p in PAGES if pathname == p.PATH), overview)


def _rendered(page, lang: str) -> dict | None:
    """Which page, in which language, #page holds: the router renders again only when the address asks
    for another."""
    return {"page": page.PAGE, "lang": lang} if page else None


def render(store: MartStore, page, state: dict) -> tuple:
    """The page's body for the state, the navigation, the brand and the language button."""
    lang = state["lang"]
    nav = [dbc.NavItem(dbc.NavLink(t(p.PAGE, lang), href=p.PATH + url_state.build({"lang": lang}),
                                   active=p is page, id=f"nav-{p.PAGE}")) for p in PAGES]
    try:
        body = page.layout(store, state)
    except NotPublished:
        body = dbc.Alert(t("not_published", lang), color="warning")
    return body, nav, t("app_title", lang), t("language", lang)


def _register_shell(app: Dash, store: MartStore) -> None:
    # Which page in which language the address asks for, in the browser: a change only when it is not
    # the one #page holds (a link, the language button, a first load the layout could not render), so
    # the address bar following the controls costs no request.
    constants = {"PAGES": {p.PATH: p.PAGE for p in PAGES}, "LANGS": LANGS, "DEFAULT_PAGE": overview.PAGE,
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
        return *render(store, page, state), state["lang"], _rendered(page, state["lang"])

    @app.callback(Output("url", "search"), Output("asof", "children"),
                  Input({"type": "page-state", "page": ALL}, "data"), Input("lang-toggle", "n_clicks"),
                  State("url", "search"), State("lang", "data"))
    def write_state(page_states, toggles, search, lang):
        checked(store, lang=lang)
        for page_state in filter(None, page_states):  # each page writes its own (one at a time is shown)
            if not isinstance(page_state, dict):
                raise url_state.InvalidState("page state", page_state)
            checked(store, **page_state)
        if ctx.triggered_id == "lang-toggle":
            state = {**url_state.parse(search), "lang": "en" if lang == "zh" else "zh"}
        else:
            state = next((s for s in page_states if s), None) or url_state.parse(search)
        new_search = url_state.build(state)
        return (no_update if new_search == (search or "") else new_search), as_of(store, state.get("lang", lang))


def as_of(store: MartStore, lang: str):
    try:
        manifest = store.version().manifest
    except NotPublished:
        return t("not_published", lang)
    published = datetime.fromisoformat(manifest["published_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    totals = manifest["totals"]
    return [f"{t('as_of', lang)} {published} · {t('run', lang)} {manifest['run_id']} · "
            f"{totals['files']} {t('files', lang)} · {fmt_number(totals['quarantined'], lang)} {t('quarantined', lang)} (",
            dcc.Link(t("see_quality", lang), href=f"/quality?lang={lang}"), ")"]


def _register_downloads(app: Dash, store: MartStore) -> None:
    # A figure is exported as the server draws it for the address's state (the page's parameters,
    # checked as the page checks them), never from a figure or markup the browser sends: a figure is a
    # document for the renderer, and one from a client could make it fetch any address.
    @app.callback(Output({"type": "figure-file", "figure": MATCH}, "data"),
                  Input({"type": "figure-download", "figure": MATCH, "fmt": ALL}, "n_clicks"),
                  State("url", "search"), prevent_initial_call=True)
    def download_figure(clicks, search):
        if not any(clicks):
            return no_update
        import plotly.graph_objects as go

        from dashboards.exports import export_figure

        name, fmt = _clicked("figure", FIGURES, FIGURE_FORMATS)
        state = url_state.parse(search)
        figure = FIGURES[name](store, state).to_dict()
        printable = figures.legible(figure, EXPORT_HEIGHT_PX)
        data = export_figure(go.Figure(printable), fmt, stamp(store, state, figure), height=EXPORT_HEIGHT_PX)
        return dcc.send_bytes(data, f"touyan-{name}-{_slug(state)}.{fmt}")

    @app.callback(Output({"type": "table-file", "table": MATCH}, "data"),
                  Input({"type": "table-download", "table": MATCH, "fmt": ALL}, "n_clicks"),
                  State("url", "search"), prevent_initial_call=True)
    def download_table(clicks, search):
        if not any(clicks):
            return no_update
        from dashboards.exports import export_table_csv, export_table_xlsx

        name, fmt = _clicked("table", TABLES, TABLE_FORMATS)
        state = url_state.parse(search)
        frame = TABLES[name](store, state)
        data = export_table_csv(frame) if fmt == "csv" else export_table_xlsx(frame, sheet=name)
        return dcc.send_bytes(data, f"touyan-{name}-{_slug(state)}.{fmt}")


def _clicked(kind: str, names, formats) -> tuple[str, str]:
    """The name and format of the download button clicked (from the callback's trigger), each one the
    app offers."""
    button = ctx.triggered_id if isinstance(ctx.triggered_id, dict) else {}
    valid = url_state.check({kind: button.get(kind), "fmt": button.get("fmt")}, {kind: names, "fmt": formats})
    return valid[kind], valid["fmt"]


def stamp(store: MartStore, state: dict, figure: dict):
    """Title, filters, data as-of and source printed on an exported figure."""
    from dashboards.exports import Stamp

    lang = state["lang"]
    manifest = store.version().manifest
    title = ((figure.get("layout") or {}).get("title") or {}).get("text") or "Touyan"
    filters = describe_filters(store, state)
    definition = ""
    if state.get("metric"):
        metrics = store.metrics().set_index("metric_id")
        if state["metric"] in metrics.index:
            definition = metrics.loc[state["metric"], "description_en" if lang == "en" else "description_zh"]
    published = datetime.fromisoformat(manifest["published_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    return Stamp(title=title, filters=filters,
                 as_of=f"{t('as_of', lang)} {published} ({t('run', lang)} {manifest['run_id']})",
                 source=f"{t('source', lang)}: {manifest['totals']['files']} {t('files', lang)} · Touyan",
                 definition=definition)


FILTER_LABELS = {"group": "group", "year": "year", "institute": "institute", "metric": "metric", "year_a": "year_a",
                 "year_b": "year_b", "record_year": "year"}


def describe_filters(store: MartStore, state: dict) -> str:
    """The view's filters in words: 机构 福建省产品质量检验研究院 · 指标 新立项项目数 · 年度 2024."""
    lang = state["lang"]
    names = {
        "institute": {r["institute_id"]: pick(r, "name", lang) for _, r in store.institutes().iterrows()},
        "metric": {r["metric_id"]: pick(r, "name", lang) for _, r in store.metrics().iterrows()},
        "group": {r["group_id"]: pick(r, "name", lang) for _, r in store.groups().iterrows()},
    }
    parts = [f"{t(FILTER_LABELS[key], lang)} {names.get(key, {}).get(value, value)}"
             for key, value in state.items() if key in FILTER_LABELS]
    return " · ".join(parts)


def _slug(state: dict) -> str:
    return "-".join(str(state[k]) for k in ("institute", "metric", "year", "year_a", "group") if state.get(k)) or "all"


QUALITY_GATES = ("raw", "marts")


def _serve_reports(app: Dash, reports_dir: Path) -> None:
    """Each quality gate's report: one static page that loads nothing (pipelines/quality/report.py).
    Nothing else of the reports folder is served — GX's own Data Docs beside it load their scripts and
    styles from CDNs."""
    quality_dir = (reports_dir / "quality").resolve()

    @app.server.route(f"/reports/quality/<gate>/{REPORT_FILE}")
    def quality_report(gate: str):
        if gate not in QUALITY_GATES:
            flask.abort(404)
        return flask.send_from_directory(quality_dir / gate, REPORT_FILE)
