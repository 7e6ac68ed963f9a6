"""总览 Overview: KPI cards for the headline metrics of a scope and year (value, YoY, sparkline,
target), a leaderboard of institutes × headline metrics with rank n / N, a page of institutes at a time."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, html, no_update

from dashboards import figures
from dashboards.i18n import pick, t
from dashboards.pages.common import checked, control, dropdown, request_viewer, state_store
from dashboards.pages.components import table, table_card
from dashboards.pages.state import InvalidState
from dashboards.views import overview as views
from dashboards.views.common import group_options, year_options
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer

PATH = "/"
PAGE = "overview"
# Institutes per page of the leaderboard. A provincial group (7 institutes in the demo) fits on one and
# shows no pager; a national one of 200 opens with 20 rows instead of 2,600 cells to send and lay out.
# Its downloads (CSV, XLSX) keep every institute.
LEADERBOARD_ROWS = 20


def layout(viewer: Viewer, store: MartStore, state: dict):
    """The page with its content for the state (no callback needed to fill it)."""
    lang = state["lang"]
    d = views.defaults(viewer, store, state)
    cards, leaders, pages, page_state = content(viewer, store, d["year"], d["group"], lang)
    return html.Div([
        state_store(PAGE, page_state),
        dbc.Row([control(t("year", lang), dropdown("overview-year", year_options(viewer, store), d["year"])),
                 control(t("group", lang), dropdown("overview-group", group_options(viewer, store, lang), d["group"]))],
                className="mb-3"),
        html.Div(cards, id="overview-cards"),
        table_card("leaderboard", lang, t("leaderboard", lang), leaders,
                   footer=dbc.Pagination(id="leaderboard-pager", active_page=1, max_value=pages, size="sm",
                                         first_last=True, previous_next=True, className="my-2 me-2",
                                         style=_shown(pages))),
    ])


def content(viewer: Viewer, store: MartStore, year: int, group_id: str, lang: str) -> tuple:
    """KPI cards, the leaderboard's first page, its number of pages and the page's URL state — what the
    layout shows and the callback returns."""
    state = {"lang": lang, "year": year, "group": group_id}
    leaders = views.leaderboard(viewer, store, state)
    return (kpi_cards(viewer, store, year, group_id, lang), table(leaderboard_page(leaders, 1), lang),
            pages_of(leaders), state)


def pages_of(leaders: pd.DataFrame) -> int:
    return max(1, -(-len(leaders) // LEADERBOARD_ROWS))


def leaderboard_page(leaders: pd.DataFrame, page: int) -> pd.DataFrame:
    """The rows of page `page` (from 1; one past the last gives the last)."""
    page = min(max(1, int(page or 1)), pages_of(leaders))
    return leaders.iloc[(page - 1) * LEADERBOARD_ROWS:page * LEADERBOARD_ROWS]


def _shown(pages: int) -> dict:
    return {} if pages > 1 else {"display": "none"}


def kpi_cards(viewer: Viewer, store: MartStore, year: int, group_id: str, lang: str) -> list:
    cards = []
    for card in views.kpi_card_data(viewer, store, year, group_id, lang):
        m, rows, now, ratio = card["metric"], card["rows"], card["now"], card["ratio"]
        body = [html.Div(pick(m, "name", lang), className="kpi-name", title=pick(m, "description", lang)),
                html.Div(card["value_text"], className="kpi-value"),
                html.Div(card["delta"], className="kpi-delta " + _delta_class(now)),
                *([html.Div([dbc.Badge(t("revised", lang), color="warning", text_color="dark", className="me-1"),
                             card["revised_text"]], className="kpi-revised small")] if card["revised_text"] else []),
                html.Img(src=figures.sparkline_svg(rows["year"].tolist(), rows["value"].tolist()), alt="",
                         className="kpi-spark")]
        if card["target_text"] is not None:
            body.append(html.Div([html.Div(card["target_text"], className="small text-muted"),
                                  dbc.Progress(value=min(100, (ratio or 0) * 100), className="kpi-target",
                                               color="success" if (ratio or 0) >= 1 else "warning")]))
        cards.append(dbc.Col(dbc.Card(dbc.CardBody(body), className="kpi-card shadow-sm h-100",
                                      id={"type": "kpi", "metric": m["metric_id"]}), lg=4, md=6, className="mb-3"))
    return [dbc.Row(cards)]


def _delta_class(now: pd.DataFrame) -> str:
    if now.empty or pd.isna(now.iloc[0]["yoy_abs"]):
        return "text-muted"
    return "text-success" if now.iloc[0]["yoy_abs"] >= 0 else "text-danger"


# name → builder(viewer, store, state): a table as the page shows it for a view state (the table downloads)
TABLES = {"leaderboard": views.leaderboard}


def register(app, store: MartStore) -> None:
    # not on the first render: the layout comes filled (a new language re-renders the page)
    @app.callback(Output("overview-cards", "children"), Output({"type": "table", "table": "leaderboard"}, "children"),
                  Output({"type": "page-state", "page": PAGE}, "data"),
                  Output("leaderboard-pager", "max_value"), Output("leaderboard-pager", "active_page"),
                  Output("leaderboard-pager", "style"),
                  Input("overview-year", "value"), Input("overview-group", "value"),
                  Input("leaderboard-pager", "active_page"), State("lang", "data"), prevent_initial_call=True)
    def update(year, group_id, page, lang):
        viewer = request_viewer()
        checked(viewer, store, lang=lang, year=year, group=group_id)
        if page is not None and (not isinstance(page, int) or isinstance(page, bool) or page < 1):
            raise InvalidState("page", page)
        if ctx.triggered_id == "leaderboard-pager":  # another page of the same table: only the table changes
            leaders = views.leaderboard(viewer, store, {"lang": lang, "year": year, "group": group_id})
            return no_update, table(leaderboard_page(leaders, page), lang), no_update, no_update, no_update, no_update
        cards, leaders, pages, state = content(viewer, store, year, group_id, lang)  # a new year or group: page 1
        return cards, leaders, state, pages, 1, _shown(pages)
