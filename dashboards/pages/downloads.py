"""The pages' download buttons: a figure as PNG / SVG / PDF with its stamp, a table as CSV / XLSX, each
made on the server for the address's view state; made by a logged-in user, with the watermark of who
and when (render/watermark.py)."""
from __future__ import annotations

import flask
from dash import ALL, MATCH, Dash, Input, Output, State, ctx, dcc, no_update

from dashboards import figures
from dashboards.pages import state as url_state
from dashboards.pages.common import checked, request_viewer
from dashboards.pages.components import FIGURE_FORMATS, TABLE_FORMATS
from dashboards.pages.shell import PAGES
from dashboards.views.store import MartStore

# name → builder(viewer, store, state) of every page's tables and figures
TABLES = {name: build for page in PAGES for name, build in getattr(page, "TABLES", {}).items()}
FIGURES = {name: build for page in PAGES for name, build in getattr(page, "FIGURES", {}).items()}
# figure → the view state's keys it does not depend on: left out of its stamp (a page's UNUSED_FILTERS)
UNUSED_FILTERS = {name: keys for page in PAGES for name, keys in getattr(page, "UNUSED_FILTERS", {}).items()}
# the page each table or figure is on: a viewer downloads only what a page it may see offers
PAGE_OF = {name: page.PAGE for page in PAGES for name in (*getattr(page, "TABLES", {}), *getattr(page, "FIGURES", {}))}
EXPORT_HEIGHT_PX = 700  # a downloaded figure's height (1200 px wide)


def register(app: Dash, store: MartStore, browser_path: str | None = None, watermark: bool = True) -> None:
    """`browser_path`: the Chromium that draws the figures (Settings.browser_path; None: chromium on PATH).
    `watermark`: whether a logged-in user's exports carry one (Settings.export_watermark)."""
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

        from dashboards.render.export import export_figure
        from dashboards.render.stamp import stamp

        name, fmt = _clicked("figure", FIGURES, FIGURE_FORMATS)
        viewer = _allowed(name)
        state = _state(viewer, store, search)
        figure = FIGURES[name](viewer, store, state).to_dict()
        printable = figures.legible(figure, EXPORT_HEIGHT_PX)
        shown = {k: v for k, v in state.items() if k not in UNUSED_FILTERS.get(name, ())}
        data = export_figure(go.Figure(printable), fmt, stamp(viewer, store, shown, figure), height=EXPORT_HEIGHT_PX,
                             browser_path=browser_path, watermark=_watermark(watermark))
        return dcc.send_bytes(data, f"touyan-{name}-{_slug(state)}.{fmt}")

    @app.callback(Output({"type": "table-file", "table": MATCH}, "data"),
                  Input({"type": "table-download", "table": MATCH, "fmt": ALL}, "n_clicks"),
                  State("url", "search"), prevent_initial_call=True)
    def download_table(clicks, search):
        if not any(clicks):
            return no_update
        from dashboards.render.tables import export_table_csv, export_table_xlsx

        name, fmt = _clicked("table", TABLES, TABLE_FORMATS)
        viewer = _allowed(name)
        state = _state(viewer, store, search)
        frame = TABLES[name](viewer, store, state)
        # a CSV carries no watermark: any line or column added would be read as data
        data = export_table_csv(frame) if fmt == "csv" else export_table_xlsx(frame, sheet=name,
                                                                              watermark=_watermark(watermark))
        return dcc.send_bytes(data, f"touyan-{name}-{_slug(state)}.{fmt}")


def _state(viewer, store: MartStore, search) -> dict:
    """The address's view state, each value one the page offers the viewer (else InvalidState: 400) — the
    file's name repeats them."""
    state = url_state.parse(search)
    checked(viewer, store, **state)
    return state


def _allowed(name: str):
    """The request's viewer, when it may see the page the table or figure `name` is on; else PermissionError
    (answered 403)."""
    viewer = request_viewer()
    if not viewer.may_see_page(PAGE_OF[name]):
        raise PermissionError(f"{name} is on a page this viewer may not see")
    return viewer


def _watermark(enabled: bool):
    """The watermark of an export made now by the request's user: none in development mode (no user)."""
    from dashboards.render.watermark import watermark_for

    return watermark_for(None if flask.g.get("dev") else flask.g.get("username"), enabled)


def _clicked(kind: str, names, formats) -> tuple[str, str]:
    """The name and format of the download button clicked (from the callback's trigger), each one the
    app offers."""
    button = ctx.triggered_id if isinstance(ctx.triggered_id, dict) else {}
    valid = url_state.check({kind: button.get(kind), "fmt": button.get("fmt")}, {kind: names, "fmt": formats})
    return valid[kind], valid["fmt"]


def _slug(state: dict) -> str:
    # a unit by its code (the institute precedes it; a unit id's colon is no file name's)
    parts = {**state, "unit": state["unit"].rsplit(":", 1)[-1] if state.get("unit") else None}
    return "-".join(str(parts[k]) for k in ("institute", "unit", "metric", "metric_b", "year", "year_a", "group") if parts.get(k)) or "all"
