"""The evaluation page's read layer on the published demo: the what-if with the published weights equals
fct_evaluation_scores exactly (score, rank, n, tier) for every year, scope and group; each role sees what
it may (an institute: its own row among institutes and its own units, never another institute's row);
the page renders for every role without another institute's name; the versions are the rules folder's."""
from __future__ import annotations

import re

import pyarrow.parquet as pq
import pytest

from dashboards.pages import evaluation as page
from dashboards.views import evaluation as views
from dashboards.views.store import MartStore
from dashboards.views.viewer import EVERYONE, Refused, Viewer


@pytest.fixture(scope="module")
def demo(published_demo):
    settings, _ = published_demo
    current = settings.marts_dir / "current"
    def read(mart: str):  # decimals as Decimal, as the read layer has them
        return pq.read_table(current / f"{mart}.parquet").to_pandas()
    scores, institutes, units = read("fct_evaluation_scores"), read("dim_institutes"), read("dim_units")
    return MartStore(settings.marts_dir, settings.reports_dir, settings.rules_dir), scores, institutes, units, settings


def test_the_what_if_with_the_published_weights_equals_dbt_s_scores_exactly(demo):
    store, scores, *_ = demo
    assert not scores.empty and set(scores["scope"]) == {"institute", "unit"}
    checked = 0
    for (year, scope, group_id), published in scores.groupby(["year", "scope", "group_id"]):
        weights = views.published_weights(EVERYONE, store, int(year), scope)
        assert weights and sum(weights.values()) == 100
        again = views.what_if(EVERYONE, store, int(year), scope, group_id, weights).set_index("entity_id")
        published = published.set_index("entity_id")
        assert sorted(again.index) == sorted(published.index)
        for entity_id, row in published.iterrows():
            new = again.loc[entity_id]
            assert new["score"] == row["score"], (year, scope, group_id, entity_id)  # Decimal: exactly
            assert (new["rank"], new["n"], new["tier"], new["tier_order"]) == \
                   (row["rank"], row["n"], row["tier"], row["tier_order"]), (year, scope, group_id, entity_id)
            checked += 1
    assert checked == len(scores)


def test_moving_weight_between_two_items_moves_each_score_by_the_sub_score_difference(demo):
    store, scores, *_ = demo
    year = int(scores["year"].max())
    group = scores[(scores["year"] == year) & (scores["scope"] == "institute")]["group_id"].iloc[0]
    weights = views.published_weights(EVERYONE, store, year, "institute")
    a, b = list(weights)[:2]
    moved = {**weights, a: weights[a] - 5, b: weights[b] + 5}
    again = views.what_if(EVERYONE, store, year, "institute", group, moved).set_index("entity_id")
    for entity_id in again.index:
        items = views.items(EVERYONE, store, year, "institute", entity_id).set_index("item_id")
        expected = again.loc[entity_id, "published_score"] + 5 * (items.loc[b, "sub_score"] - items.loc[a, "sub_score"])
        assert again.loc[entity_id, "score"] == expected


def test_an_institute_sees_its_own_row_among_institutes_and_its_own_units(demo):
    store, scores, institutes, units, _ = demo
    own = "FJQI"
    viewer = Viewer(role="institute", institute_id=own)
    seen = views.scores(viewer, store)
    assert set(seen.loc[seen["scope"] == "institute", "entity_id"]) == {own}
    expected_units = set(scores.loc[(scores["scope"] == "unit") & (scores["institute_id"] == own), "entity_id"])
    assert expected_units and set(seen.loc[seen["scope"] == "unit", "entity_id"]) == expected_units
    year = int(scores["year"].max())
    row = scores[(scores["year"] == year) & (scores["scope"] == "institute") & (scores["entity_id"] == own)].iloc[0]
    ranked = views.what_if(viewer, store, year, "institute", row["group_id"],
                           views.published_weights(viewer, store, year, "institute"))
    assert ranked["entity_id"].tolist() == [own] and ranked["n"].iloc[0] == row["n"]
    other = scores.loc[(scores["scope"] == "institute") & (scores["entity_id"] != own), "entity_id"].iloc[0]
    with pytest.raises(Refused):
        views.items(viewer, store, year, "institute", other)
    foreign_unit = scores.loc[(scores["scope"] == "unit") & (scores["institute_id"] != own)].iloc[0]
    with pytest.raises(Refused):
        views.what_if(viewer, store, year, "unit", foreign_unit["group_id"], {})
    # the page itself: the viewer's own names, nobody else's
    layout = str(page.layout(viewer, store, {"lang": "zh", "year": year, "scope": "institute"}).to_plotly_json())
    others = institutes[institutes["institute_id"] != own]
    leaked = [name for name in [*others["name_zh"], *others["institute_id"], *units.loc[units["institute_id"] != own, "unit_id"]]
              if re.search(re.escape(name), layout)]
    assert not leaked, leaked[:5]
    assert institutes.loc[institutes["institute_id"] == own, "name_zh"].iloc[0] in layout


def test_a_leader_of_a_province_sees_its_institutes_and_their_units(demo):
    store, scores, institutes, *_ = demo
    viewer = Viewer(role="leader", scope="province:33")
    mine = set(institutes.loc[institutes["province_code"] == "33", "institute_id"])
    seen = views.scores(viewer, store)
    assert set(seen["institute_id"]) == mine & set(scores["institute_id"])
    assert len(seen) == scores["institute_id"].isin(mine).sum()


def test_the_page_renders_for_every_scope_and_the_changes_name_the_rules(demo):
    store, scores, *_ = demo
    for scope in ("institute", "unit"):
        year = int(scores.loc[scores["scope"] == scope, "year"].max())
        d = views.defaults(EVERYONE, store, {"year": year, "scope": scope})
        assert (d["year"], d["scope"]) == (year, scope)
        text = str(page.layout(EVERYONE, store, {"lang": "en", **d}).to_plotly_json())
        assert "what-if-table" in text and "evaluation-ranking-table" in text
        changed = views.what_changed(EVERYONE, store, year, scope, d["entity"])
        items = views.items(EVERYONE, store, year, scope, d["entity"])
        assert len(changed) <= len(items)
        assert list(abs(c) for c in changed["change"]) == sorted((abs(c) for c in changed["change"]), reverse=True)


def test_the_versions_are_the_rules_folder_s_and_one_is_in_use(demo):
    store, scores, *_, settings = demo
    for year in sorted({int(y) for y in scores["year"]}):
        versions = views.versions(EVERYONE, store, year)
        files = sorted((settings.rules_dir / str(year)).glob("v[0-9][0-9][0-9].yaml"))
        assert [f"v{v.version:03d}.yaml" for v in versions] == [f.name for f in files]
        assert views.used_version(EVERYONE, store, year) == versions[-1].version
