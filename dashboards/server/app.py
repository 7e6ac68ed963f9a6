"""create_app(settings): the Dash app — the pages (dashboards.pages) in their shell, served with every
asset from the app itself (no CDN), compressed, behind the server's defences (security.py), and the
quality gates' reports beside them."""
from __future__ import annotations

from pathlib import Path

from dash import Dash

from dashboards.pages import downloads, evaluation, shell
from dashboards.pages.common import request_viewer
from dashboards.server import admin, auth, portal, review, rules_save, security
from dashboards.server.compression import cache_headers, compress
from dashboards.server.reports import serve_quality_reports, serve_yearbooks
from dashboards.views.store import MartStore
from dashboards.views.viewer import EVERYONE
from pipelines.config import Settings

ASSETS = Path(__file__).resolve().parent.parent / "assets"
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


def create_app(settings: Settings, dev: bool = False, watch_s: float | None = None) -> Dash:
    """The app over `settings.marts_dir` (the refresh's record and the quality reports from
    `settings.reports_dir`; the URL prefix, trusted proxies, the accounts and the export browser from
    settings). `dev`: development mode, no login (server/auth.py; only `make dashboard` asks for it);
    else every request needs an account's session.
    `watch_s`: how often a background thread looks for a newly published version, to load it before the
    next interaction asks (None: only when asked). It also loads the current one and renders every page
    once before returning. The server (`python -m dashboards`) watches; tests and scripts need not."""
    store = MartStore(settings.marts_dir, settings.reports_dir, settings.rules_dir)
    app = Dash(__name__, title="头雁 Touyan", assets_folder=str(ASSETS), suppress_callback_exceptions=True,
               serve_locally=True, update_title=None, assets_ignore=PLOTLY_JS, url_base_pathname=settings.url_prefix)
    prefix = app.config.requests_pathname_prefix
    app.index_string = INDEX.replace("{preloads}", "\n        ".join(
        [f'<link rel="preload" as="script" href="{prefix}{path}">' for path in PRELOAD]
        + [f'<link rel="preload" as="fetch" crossorigin href="{prefix}{path}">' for path in ("_dash-layout", "_dash-dependencies")]))
    def layout():
        try:
            viewer = request_viewer()
        except PermissionError:  # Dash's check of the layout on its first request, before that request's own
            return shell.shell(EVERYONE, store, None, "")  # checks: the frame only, nothing read, never sent
        return shell.shell(viewer, store, *shell.address())

    app.layout = layout
    compress(app)
    cache_headers(app)
    if watch_s:
        store.watch(watch_s, warm=lambda: [shell.shell(EVERYONE, store, page.PATH, "") for page in shell.PAGES])
    # each callback's rule: the page whose module registered it (the shell's and the downloads': any
    # viewer; a download checks its figure's page itself). One registered otherwise has none: refused.
    rules: dict[str, str] = {}
    registered(app, rules, auth.ANY_PAGE, lambda: shell.register(app, store))
    for page in shell.PAGES:
        registered(app, rules, page.PAGE, lambda page=page: page.register(app, store))
    registered(app, rules, auth.ANY_PAGE, lambda: downloads.register(app, store, settings.browser_path,
                                                                     settings.export_watermark))
    serve_quality_reports(app, settings.reports_dir)
    # first: nothing else answers a request before it is known whose it is
    if dev:
        auth.development_mode(app, settings, rules)
        serve_yearbooks(app, store, settings.browser_path)
    else:  # the admin, submission, review and tracker pages: server mode only (development mode has no accounts)
        accounts = auth.server_mode(app, settings, rules)
        serve_yearbooks(app, store, settings.browser_path, accounts)
        admin.register(app, accounts)
        # the evaluation page's save: an administrator's, so only where there are accounts
        registered(app, rules, evaluation.PAGE, lambda: rules_save.register(app, accounts, store))
        portal.register(app, accounts, settings, store)
        review.register(app, accounts, store, settings)
    app.callback_rules = rules  # for the tests that call every callback as every role
    security.refuse_bad_requests(app)
    security.trust_proxies(app.server, settings.trusted_proxies)
    # after every callback is registered: the clientside ones are inline scripts the policy allows by hash
    security.add_headers(app.server, security.content_security_policy(app.csp_hashes()))
    return app


def registered(app: Dash, rules: dict, rule: str, register) -> None:
    """Run `register()` and give each callback it added `rule`."""
    before = set(app.callback_map)
    register()
    rules.update(dict.fromkeys(set(app.callback_map) - before, rule))
