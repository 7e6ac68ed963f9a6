"""Helpers the pages share: selector options in the view's language and defaults from the data."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboards.data import MartStore
from dashboards.i18n import pick, t


def metric_meta(store: MartStore, metric_id: str) -> dict:
    metrics = store.metrics().set_index("metric_id")
    return {"metric_id": metric_id, **metrics.loc[metric_id].to_dict()}


def metric_options(store: MartStore, lang: str) -> list[dict]:
    return [{"label": pick(r, "name", lang), "value": r["metric_id"]} for _, r in store.metrics().iterrows()]


def institute_options(store: MartStore, lang: str) -> list[dict]:
    return [{"label": pick(r, "name", lang), "value": r["institute_id"]} for _, r in store.institutes().iterrows()]


def group_options(store: MartStore, lang: str) -> list[dict]:
    return [{"label": pick(r, "name", lang), "value": r["group_id"]} for _, r in store.groups().iterrows()]


def year_options(store: MartStore) -> list[dict]:
    return [{"label": str(y), "value": y} for y in reversed(store.years())]


def institute_names(store: MartStore, lang: str) -> dict[str, str]:
    """Short display names for charts: the first registered alias in Chinese (福建省质检院); in English the
    register id (FJQI) — the full English names are too long for an axis. Full names are in the selectors."""
    names = {}
    for _, r in store.institutes().iterrows():
        if lang == "zh":
            alias = (r["aliases"] or "").replace(";", "、").split("、")[0].strip()
            names[r["institute_id"]] = alias or r["name_zh"]
        else:
            names[r["institute_id"]] = r["institute_id"]
    return names


def control(label: str, component) -> dbc.Col:
    return dbc.Col([html.Label(label, className="form-label small text-muted mb-1"), component], md=3, sm=6)


def dropdown(id_: str, options: list[dict], value, clearable: bool = False) -> dcc.Dropdown:
    return dcc.Dropdown(id=id_, options=options, value=value, clearable=clearable)


def state_store(page: str) -> dcc.Store:
    """The page's part of the URL state; one callback in app.py writes it into the address bar."""
    return dcc.Store(id={"type": "page-state", "page": page})


def title(text: str) -> html.H4:
    return html.H4(text, className="mt-3 mb-3")


def lang_of(state: dict) -> str:
    return state.get("lang", "zh")


__all__ = ["t"]
