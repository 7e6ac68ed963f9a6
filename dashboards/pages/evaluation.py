"""考评 Evaluation: a year's ranking of a group with its tiers (先进 / 良好 / 合格 / 待改进), the waterfall of
one institute's or unit's score by rule, what changed since the year before and which rules moved it,
a what-if panel (other weights → the ranking recomputed from the published sub-scores, never saved), and
the saved versions of the year's rules. An administrator also saves the what-if's weights as a new
version (dashboards/server/rules_save.py: its callback, server mode only); the scores change at the next
refresh, as the rules file says.

Rendered afresh for each request (CACHED False): an administrator's page carries the session's CSRF
token for the save, and an analyst shares an administrator's access key."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

import dash_bootstrap_components as dbc
import flask
import pandas as pd
from dash import ALL, Input, Output, State, dcc, get_relative_path, html

from dashboards import figures
from dashboards.i18n import fmt_number, t
from dashboards.pages.common import checked, control, dropdown, figure_builders, request_viewer, state_store
from dashboards.pages.components import figure_card, table_card
from dashboards.pages.state import InvalidState
from dashboards.views import evaluation as views
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer
from dashboards.views.yearbook import yearbook_path

PATH = "/evaluation"
PAGE = "evaluation"
CACHED = False
WEIGHT = "what-if-weight"  # the what-if inputs' id type: {"type": WEIGHT, "item": <item_id>}


def layout(viewer: Viewer, store: MartStore, state: dict):
    """The page with its content for the state (no callback needed to fill it)."""
    lang = state["lang"]
    d = views.defaults(viewer, store, state)
    if d["year"] is None:
        return html.Div([state_store(PAGE, {"lang": lang}), dbc.Alert(t("evaluation_none", lang), color="info",
                                                                       id="evaluation-none")])
    years = [{"label": str(y), "value": y} for y in views.years(viewer, store)]
    scopes = [{"label": views.code_name(viewer, store, "eval_scope", s, lang), "value": s} for s in views.SCOPES]
    return html.Div([
        state_store(PAGE, {"lang": lang, **d}),
        dbc.Row([control(t("year", lang), dropdown("evaluation-year", years, d["year"])),
                 control(t("evaluation_scope", lang), dropdown("evaluation-scope", scopes, d["scope"])),
                 control(t("evaluation_group", lang),
                         dropdown("evaluation-group", views.group_options(viewer, store, d["year"], d["scope"], lang),
                                  d["group"])),
                 control(t("evaluation_entity", lang),
                         dropdown("evaluation-entity",
                                  views.entity_options(viewer, store, d["year"], d["scope"], d["group"], lang), d["entity"]))],
                className="mb-3"),
        html.Div(body(viewer, store, d, lang), id="evaluation-body"),
    ])


def body(viewer: Viewer, store: MartStore, d: dict, lang: str) -> list:
    """Everything under the controls for a year, scope, group and entity."""
    ranking_figure, waterfall_figure = figure_content(viewer, store, d, lang)
    rows = views.ranking(viewer, store, d["year"], d["scope"], d["group"], lang)
    own_only = viewer.role == "institute" and d["scope"] == "institute"
    shown = views.items_visible(viewer, store, d["year"], d["scope"], d["entity"])
    hidden = t("evaluation_items_hidden", lang).format(k=viewer.min_group_others)
    return [
        dbc.Alert(t("evaluation_own_only", lang), color="light", className="small") if own_only else None,
        dbc.Row([dbc.Col(figure_card("evaluation_ranking", lang, ranking_figure), lg=6),
                 dbc.Col(figure_card("evaluation_waterfall", lang, waterfall_figure) if shown
                         else dbc.Alert(hidden, color="secondary", id="evaluation-items-hidden"), lg=6)]),
        table_card("evaluation_table", lang, t("evaluation_ranking", lang), ranking_table(viewer, store, rows, d, lang)),
        changed_card(viewer, store, d, lang) if shown else None,
        what_if_card(viewer, store, d, lang) if shown else None,
        versions_card(viewer, store, d["year"], lang),
        yearbook_link(viewer, store, d, lang),
    ]


def yearbook_link(viewer: Viewer, store: MartStore, d: dict, lang: str):
    """The yearbook (《…年度考评风采录》) of the institute in view: the units' group's institute, or the
    institute explained. The server's route checks the viewer again (another institute's is 403)."""
    institute = d["group"].split(":", 1)[0] if d["scope"] == "unit" else d["entity"]
    if not institute:
        return None
    name = views.entity_names(viewer, store, lang).get(institute, (institute,))[0]
    return html.Div(html.A(t("evaluation_yearbook", lang).format(year=d["year"], institute=name),
                           href=get_relative_path("/" + yearbook_path(d["year"], institute, lang)),
                           id="evaluation-yearbook", className="btn btn-outline-primary btn-sm"),
                    className="mb-4")


def figure_content(viewer: Viewer, store: MartStore, d: dict, lang: str) -> tuple:
    """The ranking and the waterfall (an empty figure where the viewer may not see the items)."""
    rows = views.ranking(viewer, store, d["year"], d["scope"], d["group"], lang)
    group = views.group_label(viewer, store, d["scope"], d["group"], lang)
    tier_names = {tier: views.code_name(viewer, store, "eval_tier", tier, lang) for tier in figures.TIER_COLORS}
    ranking = figures.evaluation_ranking(rows, lang, f"{t('evaluation_ranking', lang)} · {group} · {d['year']}",
                                         tier_names, d["entity"])
    if not views.items_visible(viewer, store, d["year"], d["scope"], d["entity"]):
        return ranking, figures.empty(t("no_data", lang))
    name = views.entity_names(viewer, store, lang).get(d["entity"], (d["entity"],))[0]
    items = views.items(viewer, store, d["year"], d["scope"], d["entity"])
    return ranking, figures.waterfall(items, lang, f"{t('evaluation_waterfall', lang)} · {name} · {d['year']}")


def _badge(viewer: Viewer, store: MartStore, tier, lang: str):
    if tier is None or (isinstance(tier, float) and pd.isna(tier)):
        return "—"
    return dbc.Badge(views.code_name(viewer, store, "eval_tier", tier, lang),
                     color=figures.TIER_COLORS.get(tier, figures.COLORS["muted"]), className="tier-badge")


def _rank(rank, n) -> str:
    return "—" if rank is None or pd.isna(rank) else f"{int(rank)} / {int(n)}"


def _signed(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    return ("+" if value > 0 else "") + fmt_number(float(value), lang, 2)


def ranking_table(viewer: Viewer, store: MartStore, rows: pd.DataFrame, d: dict, lang: str):
    """Rank n / N, name (a unit's path), tier badge, score to 2 decimals, its change and last year's rank;
    the chosen entity's row marked."""
    if rows.empty:
        return html.Div("—", className="p-3 text-muted")
    head = [t(k, lang) for k in ("evaluation_rank", "evaluation_name", "evaluation_tier", "evaluation_score",
                                 "evaluation_change", "evaluation_prior_rank")]
    body = [html.Tr([html.Td(_rank(r["rank"], r["n"])), html.Td(r["name"]), html.Td(_badge(viewer, store, r["tier"], lang)),
                     html.Td(fmt_number(float(r["score"]), lang, 2)), html.Td(_signed(r["score_change"], lang)),
                     html.Td(_rank(r["prior_rank"], r["prior_n"]))],
                    className="table-active fw-bold" if r["entity_id"] == d["entity"] else None)
            for r in rows.to_dict("records")]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)], striped=True, hover=True,
                     size="sm", className="mb-0", id="evaluation-ranking-table")


def ranking_frame(viewer: Viewer, store: MartStore, state: dict) -> pd.DataFrame:
    """The ranking table as its download has it (the address's year, scope and group)."""
    lang = state["lang"]
    d = views.defaults(viewer, store, state)
    rows = views.ranking(viewer, store, d["year"], d["scope"], d["group"], lang) if d["year"] else pd.DataFrame()
    if rows.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        t("evaluation_rank", lang): [_rank(r, n) for r, n in zip(rows["rank"], rows["n"], strict=True)],
        t("evaluation_name", lang): rows["name"],
        t("evaluation_tier", lang): [views.code_name(viewer, store, "eval_tier", x, lang) for x in rows["tier"]],
        t("evaluation_score", lang): [float(s) for s in rows["score"]],
        t("evaluation_change", lang): [None if c is None or pd.isna(c) else float(c) for c in rows["score_change"]],
        t("evaluation_prior_rank", lang): [_rank(r, n) for r, n in zip(rows["prior_rank"], rows["prior_n"], strict=True)],
    })


def changed_card(viewer: Viewer, store: MartStore, d: dict, lang: str) -> dbc.Card:
    """The entity's items by how much they moved its score, and the rules that differ from last year's."""
    label = "label_zh" if lang == "zh" else "label_en"
    rows = views.what_changed(viewer, store, d["year"], d["scope"], d["entity"])
    has_prior = views.scores(viewer, store).pipe(lambda s: s[(s["year"] == d["year"] - 1) & (s["scope"] == d["scope"])
                                                             & (s["entity_id"] == d["entity"])]).shape[0] > 0
    if not has_prior:
        moved = html.Div(t("evaluation_no_prior", lang), className="text-muted small")
    elif rows.empty:
        moved = html.Div(t("evaluation_no_change", lang), className="text-muted small")
    else:
        moved = dbc.Table([html.Thead(html.Tr([html.Th(t(k, lang)) for k in ("evaluation_item", "evaluation_prior_points",
                                                                             "evaluation_points", "evaluation_change")])),
                           html.Tbody([html.Tr([html.Td(r[label]), html.Td(_signed(r["prior_points"], lang).lstrip("+")),
                                                html.Td(_signed(r["points"], lang).lstrip("+")),
                                                html.Td(_signed(r["change"], lang))]) for r in rows.to_dict("records")])],
                          size="sm", className="mb-2", id="evaluation-changed-items")
    changes = views.rule_changes(viewer, store, d["year"], d["scope"])
    if changes.empty:
        rules = html.Div(t("evaluation_rules_same", lang), className="text-muted small")
    else:
        def shown(value, field):
            if value is None or (isinstance(value, float) and pd.isna(value)):
                return "—"
            if field in ("method", "basis"):
                return views.code_name(viewer, store, f"eval_{field}", value, lang)
            return f"{Decimal(str(value)).normalize():f}"  # 25, not 25.0000
        rules = dbc.Table([html.Thead(html.Tr([html.Th(t(k, lang)) for k in ("evaluation_item", "evaluation_field",
                                                                             "evaluation_before", "evaluation_after")])),
                           html.Tbody([html.Tr([html.Td(r[label]), html.Td(t(f"field_{r['field']}", lang)),
                                                html.Td(shown(r["before"], r["field"]) if r["before"] is not None
                                                        else t("evaluation_added", lang)),
                                                html.Td(shown(r["after"], r["field"]) if r["after"] is not None
                                                        else t("evaluation_dropped", lang))])
                                       for r in changes.to_dict("records")])],
                          size="sm", className="mb-0", id="evaluation-rules-changed")
    return dbc.Card([dbc.CardHeader(html.Strong(t("evaluation_changed", lang))),
                     dbc.CardBody([html.H6(t("evaluation_changed_items", lang)), moved,
                                   html.H6(t("evaluation_rules_changed", lang), className="mt-3"), rules])],
                    className="mb-3 shadow-sm")


def what_if_card(viewer: Viewer, store: MartStore, d: dict, lang: str) -> dbc.Card:
    """One input per metric item (its published weight to begin with), the weights' sum, the ranking with
    those weights; for an administrator, the save."""
    weights = views.published_weights(viewer, store, d["year"], d["scope"])
    rules = views.rules(viewer, store, d["year"], d["scope"]).set_index("item_id")
    label = "label_zh" if lang == "zh" else "label_en"
    inputs = [dbc.Col([html.Label(rules.loc[item, label], className="form-label small text-muted mb-1"),
                       dcc.Input(id={"type": WEIGHT, "item": item}, type="number", min=0, step=0.01, value=float(w),
                                 debounce=True, className="form-control form-control-sm")], md=2, sm=4)
              for item, w in weights.items()]
    result, total = what_if_content(viewer, store, d, weights, lang)
    return dbc.Card([
        dbc.CardHeader(html.Strong(t("what_if", lang))),
        dbc.CardBody([html.Div(t("what_if_hint", lang), className="small text-muted mb-2"),
                      dbc.Row(inputs, className="g-2 mb-2"),
                      html.Div(total, id="what-if-sum", className="small mb-2"),
                      html.Div(result, id="what-if-result"),
                      save_form(viewer, lang)]),
    ], className="mb-3 shadow-sm")


def what_if_content(viewer: Viewer, store: MartStore, d: dict, weights: dict, lang: str) -> tuple:
    """The what-if's ranking table and the line with the weights' sum."""
    total = sum(weights.values(), Decimal(0))
    line = [t("what_if_sum", lang), " ", html.Strong(fmt_number(float(total), lang, 2), id="what-if-total")]
    if total != 100:
        line.append(html.Span(" " + t("what_if_sum_off", lang), className="text-danger"))
    rows = views.what_if(viewer, store, d["year"], d["scope"], d["group"], weights)
    names = views.entity_names(viewer, store, lang)
    head = [t(k, lang) for k in ("what_if_new_rank", "what_if_rank_change", "evaluation_name", "what_if_new_score",
                                 "evaluation_tier", "evaluation_score")]
    tiers = {tier: views.code_name(viewer, store, "eval_tier", tier, lang) for tier in set(rows["tier"].dropna())}
    # rows written in Dash's wire format, as components.table does: the callback answers every keystroke
    # of a weight, and 27 rows of component objects took a third of its time to build and serialise
    body = [_wire("Tr", [_wire("Td", _rank(r["rank"], r["n"])), _wire("Td", _moved(r["rank_change"])),
                         _wire("Td", names.get(r["entity_id"], (r["entity_id"],))[0]),
                         _wire("Td", fmt_number(float(r["score"]), lang, 2)),
                         _wire("Td", _wire("Span", tiers.get(r["tier"], "—"), className="badge tier-badge",
                                           style={"backgroundColor": figures.TIER_COLORS.get(r["tier"], figures.COLORS["muted"])})),
                         _wire("Td", fmt_number(float(r["published_score"]), lang, 2))],
                  **({"className": "table-active fw-bold"} if r["entity_id"] == d["entity"] else {}))
            for r in rows.to_dict("records")]
    table = dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), _wire("Tbody", body)], striped=True, size="sm",
                      className="mb-2", id="what-if-table")
    return table, line


def _wire(tag: str, children, **props) -> dict:
    """html.<tag>(children, **props) as the browser receives it."""
    return {"type": tag, "namespace": "dash_html_components", "props": {"children": children, **props}}


def _moved(change: int) -> str:
    return f"↑{change}" if change > 0 else f"↓{-change}" if change < 0 else "—"


def save_form(viewer: Viewer, lang: str):
    """An administrator's save (server/rules_save.py answers it): a note in each language and the button,
    with the session's CSRF token. Nothing for anyone else."""
    if viewer.role != "admin" or not flask.has_request_context() or flask.g.get("dev"):
        return None
    from flask_wtf.csrf import generate_csrf

    return html.Div([
        dbc.Row([dbc.Col(dcc.Input(id="rules-save-note-zh", placeholder=t("rules_save_note_zh", lang), type="text",
                                   maxLength=500, className="form-control form-control-sm"), md=4),
                 dbc.Col(dcc.Input(id="rules-save-note-en", placeholder=t("rules_save_note_en", lang), type="text",
                                   maxLength=500, className="form-control form-control-sm"), md=4),
                 dbc.Col(dbc.Button(t("rules_save", lang), id="rules-save", color="primary", size="sm", n_clicks=0), md=4)],
                className="g-2"),
        dcc.Input(id="rules-save-csrf", type="hidden", value=generate_csrf()),
        html.Div(id="rules-save-message", className="small mt-2"),
    ], className="border-top pt-2")


def versions_card(viewer: Viewer, store: MartStore, year: int, lang: str) -> dbc.Card:
    """The year's saved versions, newest first: who, when, the note, which one the published scores use,
    and the text (folded)."""
    used = views.used_version(viewer, store, year)
    items = []
    for v in reversed(views.versions(viewer, store, year)):
        note = (v.note_zh if lang == "zh" else v.note_en) or v.note_zh or v.note_en or ""
        items.append(html.Li([
            html.Strong(f"v{v.version:03d}"), " · ", v.saved_by or "—", " · ", _when(v.saved_at), " · ", note,
            dbc.Badge(t("rules_in_use", lang), color="success", className="ms-2") if v.version == used else None,
            html.Details([html.Summary(t("rules_text", lang), className="small"),
                          html.Pre(views.version_text(viewer, store, year, v.version), className="small bg-light p-2")]),
        ], className="mb-2", id={"type": "rules-version", "version": v.version}))
    return dbc.Card([dbc.CardHeader(html.Strong(f"{t('rules_versions', lang)} · {year}")),
                     dbc.CardBody(html.Ul(items, className="list-unstyled mb-0") if items else "—")],
                    className="mb-3 shadow-sm", id="rules-versions")


def _when(saved_at: str | None) -> str:
    """An ISO time as 2024-12-20 09:30 (in the zone it was written in)."""
    try:
        return datetime.fromisoformat(saved_at).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return saved_at or "—"


def parse_weights(values, ids) -> dict[str, Decimal] | None:
    """The what-if inputs' values as item_id → Decimal: None when one is empty, negative or has more than
    two decimals (what a person may type: answered with a message, not refused)."""
    weights = {}
    for value, id_ in zip(values or [], ids or [], strict=True):
        item = id_.get("item") if isinstance(id_, dict) else None
        if not isinstance(item, str) or isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            weight = Decimal(str(value))
        except InvalidOperation:
            return None
        if not weight.is_finite() or weight < 0 or weight != weight.quantize(Decimal("0.01")):
            return None
        weights[item] = weight
    return weights


def view_state(viewer: Viewer, store: MartStore, lang, year, scope, group, entity) -> dict:
    """The controls' values, each checked (InvalidState, 400, for one no control offers the viewer), made a
    consistent year, scope, group and entity (another scope or year: its first group and entity)."""
    checked(viewer, store, lang=lang, year=year, scope=scope, group=group, entity=entity)
    return {"lang": lang, **views.defaults(viewer, store, {"year": year, "scope": scope, "group": group, "entity": entity})}


def _figures(viewer: Viewer, store: MartStore, state: dict) -> tuple:
    d = views.defaults(viewer, store, state)
    if d["year"] is None:
        return figures.empty(t("evaluation_none", state["lang"])), figures.empty(t("evaluation_none", state["lang"]))
    return figure_content(viewer, store, d, state["lang"])


# name → builder(viewer, store, state): a figure or table as the page shows it for a view state (the downloads)
FIGURES = figure_builders(("evaluation_ranking", "evaluation_waterfall"), _figures)
TABLES = {"evaluation_table": ranking_frame}


def register(app, store: MartStore) -> None:
    # not on the first render: the layout comes filled (a new language re-renders the page)
    @app.callback(Output("evaluation-group", "options"), Output("evaluation-group", "value"),
                  Output("evaluation-entity", "options"), Output("evaluation-entity", "value"),
                  Output("evaluation-body", "children"), Output({"type": "page-state", "page": PAGE}, "data"),
                  Input("evaluation-year", "value"), Input("evaluation-scope", "value"),
                  Input("evaluation-group", "value"), Input("evaluation-entity", "value"), State("lang", "data"),
                  prevent_initial_call=True)
    def update(year, scope, group, entity, lang):
        viewer = request_viewer()
        state = view_state(viewer, store, lang, year, scope, group, entity)
        d = {k: state[k] for k in ("year", "scope", "group", "entity")}
        return (views.group_options(viewer, store, d["year"], d["scope"], lang), d["group"],
                views.entity_options(viewer, store, d["year"], d["scope"], d["group"], lang), d["entity"],
                body(viewer, store, d, lang), state)

    @app.callback(Output("what-if-result", "children"), Output("what-if-sum", "children"),
                  Input({"type": WEIGHT, "item": ALL}, "value"), State({"type": WEIGHT, "item": ALL}, "id"),
                  State("evaluation-year", "value"), State("evaluation-scope", "value"),
                  State("evaluation-group", "value"), State("evaluation-entity", "value"), State("lang", "data"),
                  prevent_initial_call=True)
    def what_if(values, ids, year, scope, group, entity, lang):
        viewer = request_viewer()
        d = view_state(viewer, store, lang, year, scope, group, entity)
        weights = parse_weights(values, ids)
        unknown = set(weights or {}) - set(views.published_weights(viewer, store, d["year"], d["scope"]))
        if unknown:  # only a crafted request names an item the rules have not
            raise InvalidState("item", sorted(unknown)[0])
        if weights is None:
            return dbc.Alert(t("what_if_bad_weight", lang), color="warning", className="py-1 small"), None
        return what_if_content(viewer, store, d, weights, lang)
