"""The overview's leaderboard a page at a time, on the published demo (7 institutes): every institute on
exactly one page, the pager only when there is more than one page, downloads with every institute."""
from __future__ import annotations

import pandas as pd
import pytest

from dashboards.pages import overview
from dashboards.views import overview as overview_views
from dashboards.views.store import MartStore
from dashboards.views.viewer import EVERYONE
from tests.conftest import body_rows


@pytest.fixture(scope="module")
def store(published_demo):
    settings, _ = published_demo
    return MartStore(settings.marts_dir)


def state(store: MartStore) -> dict:
    return {"lang": "zh", "year": store.years(EVERYONE)[-1], "group": "all"}


def find(component, component_id):
    """The component with this id in a rendered layout (Dash components, depth first)."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json") and (found := find(child, component_id)) is not None:
            return found
    return None


def test_a_group_that_fits_on_one_page_shows_no_pager(store):
    layout = overview.layout(EVERYONE, store, state(store))
    pager = find(layout, "leaderboard-pager")
    assert pager.max_value == 1 and pager.style == {"display": "none"}
    assert len(body_rows(find(layout, {"type": "table", "table": "leaderboard"}).children)) == 7


def test_every_institute_is_on_exactly_one_page(store, monkeypatch):
    monkeypatch.setattr(overview, "LEADERBOARD_ROWS", 3)
    full = overview_views.leaderboard(EVERYONE, store, state(store))
    assert len(full) == 7 and overview.pages_of(full) == 3
    pages = [overview.leaderboard_page(full, page) for page in (1, 2, 3)]
    assert [len(p) for p in pages] == [3, 3, 1]
    pd.testing.assert_frame_equal(pd.concat(pages), full)
    assert overview.leaderboard_page(full, None).equals(pages[0])  # no page yet: the first
    assert overview.leaderboard_page(full, 9).equals(pages[-1])  # past the end (a smaller group): the last

    layout = overview.layout(EVERYONE, store, state(store))
    pager = find(layout, "leaderboard-pager")
    assert pager.max_value == 3 and pager.active_page == 1 and pager.style == {}
    shown = body_rows(find(layout, {"type": "table", "table": "leaderboard"}).children)
    assert [row[0] for row in shown] == full.iloc[:3, 0].tolist()
    assert len(overview.TABLES["leaderboard"](EVERYONE, store, state(store))) == 7  # the CSV and XLSX keep them all
