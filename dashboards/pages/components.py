"""Building blocks shared by the pages: a figure card and a table card with their download buttons,
and the table renderer."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboards.i18n import fmt_number, t

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


def table_card(name: str, lang: str, title: str, body=None, footer=None) -> dbc.Card:
    buttons = [dbc.Button(fmt.upper(), id={"type": "table-download", "table": name, "fmt": fmt}, size="sm",
                          color="light", className="ms-1") for fmt in TABLE_FORMATS]
    return dbc.Card([
        dbc.CardHeader(html.Div([html.Strong(title), html.Div([html.Span(t("download", lang), className="text-muted small"),
                                                              *buttons])],
                                className="d-flex justify-content-between align-items-center")),
        dbc.CardBody(html.Div(body, id={"type": "table", "table": name}), className="p-0 table-wrap"),
        *([html.Div(footer, className="d-flex justify-content-end")] if footer is not None else []),
        dcc.Download(id={"type": "table-file", "table": name}),
    ], className="mb-3 shadow-sm")


def table(frame: pd.DataFrame, lang: str, max_rows: int = 500, total: int | None = None) -> dbc.Table | html.Div:
    """The frame as an HTML table, its first `max_rows` rows; beyond that a line says how many there are
    (`total` when the frame is already cut to the rows shown) and that the download has them all. The
    rows and cells are written in Dash's wire format (what `html.Td(...).to_plotly_json()` gives) rather
    than as component objects: a 200-row leaderboard is 2,600 cells, ~70 ms to build and serialise as
    objects, a few ms as dicts."""
    if frame.empty:
        return html.Div("—", className="p-3 text-muted")
    head = _html("Thead", _html("Tr", [_html("Th", str(c)) for c in frame.columns]))
    shown = frame.head(max_rows)
    rows = zip(*(_cells(shown[c]) for c in shown.columns), strict=True)
    body = _html("Tbody", [_html("Tr", [_html("Td", "" if pd.isna(v) else str(v)) for v in row]) for row in rows])
    shown_table = dbc.Table([head, body], striped=True, hover=True, size="sm", className="mb-0")
    total = len(frame) if total is None else total
    if total <= len(shown):
        return shown_table
    note = t("rows_shown", lang).format(shown=fmt_number(len(shown), lang, 0), total=fmt_number(total, lang, 0))
    return html.Div([shown_table, html.Div(note, className="small text-muted p-2 rows-shown")])


def _cells(column: pd.Series) -> list:
    """A column's values as a list (no per-cell call into Arrow-backed columns); dates without a time of
    day as dates (DuckDB's DATE arrives in pandas as a timestamp: 2020-10-12, not 2020-10-12 00:00:00)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = column.dropna()
        if (stamps == stamps.dt.normalize()).all():
            return [None if pd.isna(v) else v.date().isoformat() for v in column]
    return column.tolist()


def _html(tag: str, children) -> dict:
    """html.<tag>(children) as the browser receives it."""
    return {"type": tag, "namespace": "dash_html_components", "props": {"children": children}}
