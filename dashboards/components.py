"""Building blocks shared by the pages: a figure card and a table card with their download buttons,
and the table renderer."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboards.i18n import t

FIGURE_FORMATS = ("png", "svg", "pdf")
TABLE_FORMATS = ("csv", "xlsx")


def figure_card(name: str, lang: str, figure=None, note: str | None = None) -> dbc.Card:
    buttons = [dbc.Button(fmt.upper(), id={"type": "figure-download", "figure": name, "fmt": fmt}, size="sm",
                          color="light", className="ms-1") for fmt in FIGURE_FORMATS]
    return dbc.Card([
        dbc.CardBody([
            html.Div([html.Span(t("download", lang), className="text-muted small"), *buttons],
                     className="d-flex justify-content-end align-items-center"),
            dcc.Loading(dcc.Graph(id={"type": "figure", "figure": name}, figure=figure or {},
                                  config={"displaylogo": False, "displayModeBar": False})),
            html.Div(note, className="text-muted small") if note else None,
            dcc.Download(id={"type": "figure-file", "figure": name}),
        ]),
    ], className="mb-3 shadow-sm")


def table_card(name: str, lang: str, title: str, body=None) -> dbc.Card:
    buttons = [dbc.Button(fmt.upper(), id={"type": "table-download", "table": name, "fmt": fmt}, size="sm",
                          color="light", className="ms-1") for fmt in TABLE_FORMATS]
    return dbc.Card([
        dbc.CardHeader(html.Div([html.Strong(title), html.Div([html.Span(t("download", lang), className="text-muted small"),
                                                              *buttons])],
                                className="d-flex justify-content-between align-items-center")),
        dbc.CardBody(html.Div(body, id={"type": "table", "table": name}), className="p-0 table-wrap"),
        dcc.Download(id={"type": "table-file", "table": name}),
    ], className="mb-3 shadow-sm")


def table(frame: pd.DataFrame, max_rows: int = 500) -> html.Table | html.Div:
    if frame.empty:
        return html.Div("—", className="p-3 text-muted")
    head = html.Thead(html.Tr([html.Th(str(c)) for c in frame.columns]))
    body = html.Tbody([html.Tr([html.Td("" if pd.isna(v) else str(v)) for v in row])
                       for row in frame.head(max_rows).itertuples(index=False)])
    return dbc.Table([head, body], striped=True, hover=True, size="sm", className="mb-0")
