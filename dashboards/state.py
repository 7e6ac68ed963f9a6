"""The view's state lives in the URL query (page path + ?lang=&institute=&metric=&year=…), so a copied
link reopens the same view. Parsing is forgiving: unknown keys are dropped, bad values fall back."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from dashboards.i18n import DEFAULT_LANG, LANGS

KEYS = ("lang", "group", "year", "institute", "metric", "year_a", "year_b", "record_year")
INT_KEYS = ("year", "year_a", "year_b", "record_year")


def parse(search: str | None) -> dict:
    query = dict(parse_qsl((search or "").lstrip("?")))
    state = {}
    for key in KEYS:
        value = query.get(key)
        if value in (None, ""):
            continue
        if key in INT_KEYS:
            try:
                state[key] = int(value)
            except ValueError:
                continue
        else:
            state[key] = value
    if state.get("lang") not in LANGS:
        state["lang"] = DEFAULT_LANG
    return state


def build(state: dict) -> str:
    ordered = [(k, state[k]) for k in KEYS if state.get(k) not in (None, "")]
    return "?" + urlencode(ordered) if ordered else ""
