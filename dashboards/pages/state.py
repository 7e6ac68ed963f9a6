"""The view's state lives in the URL query (page path + ?lang=&institute=&metric=&year=…&release=), so a
copied link reopens the same view — an official release's too. Parsing an address is forgiving: unknown keys are dropped, bad values fall
back (a link a person typed or kept still opens a page). The values a callback receives from the
page's controls are checked strictly (`check`): one no control offers is a crafted request, answered
400."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from urllib.parse import parse_qsl, urlencode

from dashboards.i18n import DEFAULT_LANG, LANGS

# release: the reporting year of the official release the view reads (absent: the latest version)
# unit: a unit of the institute (its unit_id, e.g. ZJQS:ZX01; absent: the whole institute)
# metric_b: the compare page's second metric of the peer benchmarks
# scope, entity: the evaluation page's ranking (institute | unit) and the institute or unit it explains
#   (its group is `group`: all, a peer group, or <institute_id>:<unit type> for units)
KEYS = ("lang", "group", "year", "institute", "unit", "metric", "metric_b", "year_a", "year_b", "record_year", "scope", "entity",
        "release")
INT_KEYS = ("year", "year_a", "year_b", "record_year", "release")
SHOWN_CHARS = 60  # of a refused value, in the answer and the log


class InvalidState(ValueError):
    """A value the app's own pages cannot send (a crafted request): the server answers 400 with the
    message."""

    def __init__(self, key: str, value: object):
        shown = repr(value)
        super().__init__(f"unknown {key}: {shown[:SHOWN_CHARS] + '…' if len(shown) > SHOWN_CHARS else shown}")
        self.key, self.value = key, value


def parse(search: str | None) -> dict:
    if search is not None and not isinstance(search, str):  # only a crafted request sends another type
        raise InvalidState("search", search)
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


def check(values: Mapping[str, object], choices: Mapping[str, Collection]) -> dict:
    """`values` as a dict when each is one of `choices[key]` (a text or a whole number: never a list,
    a mapping or a boolean); else InvalidState naming the first that is not. A key without choices is
    refused too."""
    for key, value in values.items():
        allowed = choices.get(key)
        plain = isinstance(value, str | int) and not isinstance(value, bool)
        if allowed is None or not plain or value not in allowed:
            raise InvalidState(key, value)
    return dict(values)


def build(state: dict) -> str:
    ordered = [(k, state[k]) for k in KEYS if state.get(k) not in (None, "")]
    return "?" + urlencode(ordered) if ordered else ""
