"""What several pages ask: the values the selectors offer, names for charts and headings, a metric's
catalog row. What depends only on the published version (and the viewer) is built once per version
(`MartStore.memo`)."""
from __future__ import annotations

from dashboards.i18n import LANGS, column
from dashboards.views import evaluation
from dashboards.views.store import MartStore, NotPublished
from dashboards.views.units import WHOLE
from dashboards.views.viewer import Viewer


def choices(viewer: Viewer, store: MartStore) -> dict[str, frozenset]:
    """The values the published version offers the viewer: "lang", "institute", "metric", "group", "year",
    "unit", and the evaluation's "scope", "entity" and "evaluation_group" (what the selectors list; a unit
    any of its institutes' units, or the whole institute; an entity an evaluated institute or unit the
    viewer sees, an evaluation group one it sees a row of — pages.common.checked takes it for `group`
    where a `scope` comes with it); only the languages while nothing is published (the pages then show no
    selector)."""
    def build() -> dict[str, frozenset]:
        return {"lang": frozenset(LANGS), "institute": frozenset(store.institutes(viewer)["institute_id"]),
                "metric": frozenset(store.metrics(viewer)["metric_id"]),
                "group": frozenset(store.groups(viewer)["group_id"]),
                "year": frozenset(store.years(viewer)) | frozenset(evaluation.years(viewer, store)),
                "unit": frozenset(store.units(viewer)["unit_id"]) | {WHOLE},
                "scope": frozenset(evaluation.SCOPES), "entity": evaluation.entity_ids(viewer, store),
                "evaluation_group": evaluation.group_ids(viewer, store)}
    try:
        return store.memo(viewer, "choices", build)
    except NotPublished:
        return {"lang": frozenset(LANGS)}


def metric_meta(viewer: Viewer, store: MartStore, metric_id: str) -> dict:
    """The metric's row of the catalog (dim_metrics) as a dict."""
    rows = store.memo(viewer, "metric_meta",
                      lambda: {r["metric_id"]: r for r in store.metrics(viewer).to_dict("records")})
    return dict(rows[metric_id])


def metric_options(viewer: Viewer, store: MartStore, lang: str) -> list[dict]:
    return store.memo(viewer, ("metric_options", lang), lambda: _options(store.metrics(viewer), "metric_id", lang))


def institute_options(viewer: Viewer, store: MartStore, lang: str) -> list[dict]:
    return store.memo(viewer, ("institute_options", lang),
                      lambda: _options(store.institutes(viewer), "institute_id", lang))


def group_options(viewer: Viewer, store: MartStore, lang: str) -> list[dict]:
    return store.memo(viewer, ("group_options", lang), lambda: _options(store.groups(viewer), "group_id", lang))


def _options(frame, key: str, lang: str) -> list[dict]:
    return [{"label": label, "value": value} for label, value in zip(frame[column("name", lang)], frame[key], strict=True)]


def year_options(viewer: Viewer, store: MartStore) -> list[dict]:
    return store.memo(viewer, "year_options", lambda: [{"label": str(y), "value": y} for y in reversed(store.years(viewer))])


def institute_names(viewer: Viewer, store: MartStore, lang: str) -> dict[str, str]:
    """Short display names for charts: the first registered alias in Chinese (福建省质检院); in English the
    register id (FJQI) — the full English names are too long for an axis. Full names are in the selectors."""
    return dict(store.memo(viewer, ("institute_names", lang), lambda: _short_names(viewer, store, lang)))


def _short_names(viewer: Viewer, store: MartStore, lang: str) -> dict[str, str]:
    names = {}
    for r in store.institutes(viewer).to_dict("records"):
        if lang == "zh":
            aliases = r["aliases"] if isinstance(r["aliases"], str) else ""  # a missing one reads as NaN
            alias = aliases.replace(";", "、").split("、")[0].strip()
            names[r["institute_id"]] = alias or r["name_zh"]
        else:
            names[r["institute_id"]] = r["institute_id"]
    return names


def institute_name(viewer: Viewer, store: MartStore, institute_id: str, lang: str) -> str:
    """The institute's full name in the language; Refused for an institute the viewer does not see."""
    store.check_institute(viewer, institute_id)
    def build() -> dict[str, str]:
        institutes = store.institutes(viewer)
        return dict(zip(institutes["institute_id"], institutes[column("name", lang)], strict=True))
    return store.memo(viewer, ("institute_full_names", lang), build)[institute_id]
