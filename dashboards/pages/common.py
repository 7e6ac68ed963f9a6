"""Helpers the pages share: selector options in the view's language and defaults from the data. What
depends only on the published version (options, names, metric rows) is built once per version
(`MartStore.memo`)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboards import state as url_state
from dashboards.data import MartStore, NotPublished
from dashboards.i18n import LANGS, column, t


def choices(store: MartStore) -> dict[str, frozenset]:
    """Per key of the view's state, the values the published version offers (what the selectors list);
    only the languages while nothing is published (the pages then show no selector)."""
    def build() -> dict[str, frozenset]:
        years = frozenset(store.years())
        return {"lang": frozenset(LANGS), "institute": frozenset(store.institutes()["institute_id"]),
                "metric": frozenset(store.metrics()["metric_id"]), "group": frozenset(store.groups()["group_id"]),
                **dict.fromkeys(url_state.INT_KEYS, years)}
    try:
        return store.memo("choices", build)
    except NotPublished:
        return {"lang": frozenset(LANGS)}


def checked(store: MartStore, **values) -> dict:
    """The values a callback received from the page's controls, as a state dict, when the published
    version offers each; else url_state.InvalidState (answered 400)."""
    return url_state.check(values, choices(store))


def figure_builders(names: tuple[str, ...], build_all) -> dict:
    """name → builder(store, state) of one figure, from `build_all(store, state)`, which draws the page's
    figures in `names`' order (as its callback does; the others are drawn too, a few ms beside an export)."""
    return {name: (lambda store, state, i=i: build_all(store, state)[i]) for i, name in enumerate(names)}


def metric_meta(store: MartStore, metric_id: str) -> dict:
    rows = store.memo("metric_meta", lambda: {r["metric_id"]: r for r in store.metrics().to_dict("records")})
    return dict(rows[metric_id])


def metric_options(store: MartStore, lang: str) -> list[dict]:
    return store.memo(("metric_options", lang), lambda: _options(store.metrics(), "metric_id", lang))


def institute_options(store: MartStore, lang: str) -> list[dict]:
    return store.memo(("institute_options", lang), lambda: _options(store.institutes(), "institute_id", lang))


def group_options(store: MartStore, lang: str) -> list[dict]:
    return store.memo(("group_options", lang), lambda: _options(store.groups(), "group_id", lang))


def _options(frame, key: str, lang: str) -> list[dict]:
    return [{"label": label, "value": value} for label, value in zip(frame[column("name", lang)], frame[key], strict=True)]


def year_options(store: MartStore) -> list[dict]:
    return store.memo("year_options", lambda: [{"label": str(y), "value": y} for y in reversed(store.years())])


def institute_names(store: MartStore, lang: str) -> dict[str, str]:
    """Short display names for charts: the first registered alias in Chinese (福建省质检院); in English the
    register id (FJQI) — the full English names are too long for an axis. Full names are in the selectors."""
    return dict(store.memo(("institute_names", lang), lambda: _short_names(store, lang)))


def _short_names(store: MartStore, lang: str) -> dict[str, str]:
    names = {}
    for r in store.institutes().to_dict("records"):
        if lang == "zh":
            aliases = r["aliases"] if isinstance(r["aliases"], str) else ""  # a missing one reads as NaN
            alias = aliases.replace(";", "、").split("、")[0].strip()
            names[r["institute_id"]] = alias or r["name_zh"]
        else:
            names[r["institute_id"]] = r["institute_id"]
    return names


def institute_name(store: MartStore, institute_id: str, lang: str) -> str:
    """The institute's full name in the language."""
    names = store.memo(("institute_full_names", lang),
                       lambda: dict(zip(store.institutes()["institute_id"], store.institutes()[column("name", lang)],
                                        strict=True)))
    return names[institute_id]


def control(label: str, component) -> dbc.Col:
    return dbc.Col([html.Label(label, className="form-label small text-muted mb-1"), component], md=3, sm=6)


def dropdown(id_: str, options: list[dict], value, clearable: bool = False) -> dcc.Dropdown:
    return dcc.Dropdown(id=id_, options=options, value=value, clearable=clearable)


def state_store(page: str, state: dict | None = None) -> dcc.Store:
    """The page's part of the URL state; one callback in app.py writes it into the address bar."""
    return dcc.Store(id={"type": "page-state", "page": page}, data=state)


def title(text: str) -> html.H4:
    return html.H4(text, className="mt-3 mb-3")


def lang_of(state: dict) -> str:
    return state.get("lang", "zh")


__all__ = ["t"]
