"""The evaluation page's read layer and figures on a hand-made published version: the what-if with the
published weights gives the published scores, ranks and tiers exactly; other weights re-rank as the
weighted sum says; each role sees what dashboards.views.evaluation allows; the waterfall's steps add up
to the score and the ranking draws one bar per entity in its tier's colour."""
from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dashboards import figures
from dashboards.pages.evaluation import parse_weights
from dashboards.views import evaluation as views
from dashboards.views.store import MartStore
from dashboards.views.viewer import EVERYONE, Refused, Viewer

# five institutes in one group; two metric items (weights 60 and 40) and a bonus; tiers by rank share
SUB_SCORES = {"A": ("1.0000", "0.2000"), "B": ("0.5000", "0.9000"), "C": ("0.5000", "0.9000"),
              "D": ("0.1000", "0.1000"), "E": ("0.3333", "0.6667")}
BONUS = {"A": "0", "B": "3", "C": "0", "D": "0", "E": "0"}
WEIGHTS = {"m1": Decimal("60"), "m2": Decimal("40")}
TIERS = [("advanced", 1, None, "0.2"), ("good", 2, None, "0.6"), ("pass", 3, None, "0.9"), ("improve", 4, None, None)]


def _values(rows: list[tuple]) -> str:
    return ", ".join("(" + ", ".join("null" if v is None else f"'{v}'" if isinstance(v, str) else str(v) for v in r) + ")"
                     for r in rows)


def hand_marts() -> dict[str, str]:
    items = []
    for e, (s1, s2) in SUB_SCORES.items():
        for order, (item, sub) in enumerate((("m1", s1), ("m2", s2)), start=1):
            items.append((e, item, "metric", order, sub, str(WEIGHTS[item]), f"{WEIGHTS[item]} * {sub}"))
        items.append((e, "award", "bonus", 3, None, None, BONUS[e]))
    item_rows = ", ".join(
        f"('{e}', '{i}', '{k}', {o}, {('cast(' + repr(s) + ' as decimal(9,4))') if s else 'null'}, "
        f"{('cast(' + repr(w) + ' as decimal(9,4))') if w else 'null'}, cast({p} as decimal(18,8)))"
        for e, i, k, o, s, w, p in items)
    items_sql = f"""select 2024 as year, 'institute' as scope, 'all' as group_id, entity_id, entity_id as institute_id,
                           null::varchar as unit_id, item_id, item_kind, sort_order, item_id || '中' as label_zh,
                           item_id as label_en, null::varchar as metric_id, null::varchar as method, null::varchar as basis,
                           0.0 as value, null::double as reference, null::double as measure, sub_score, weight, points,
                           null::decimal(18,8) as prior_points, null::decimal(18,8) as points_change
                    from (values {item_rows}) t(entity_id, item_id, item_kind, sort_order, sub_score, weight, points)"""
    tiers = _values([(2024, "institute", tier, order, "rank_share", lo, top) for tier, order, lo, top in TIERS])
    return {
        "dim_institutes": """select * from (values ('35', 'A', '甲院', 'Inst A', null, 'p1'), ('35', 'B', '乙院', 'Inst B', null, 'p1'),
                                                  ('33', 'C', '丙院', 'Inst C', null, 'p2'), ('33', 'D', '丁院', 'Inst D', null, 'p2'),
                                                  ('33', 'E', '戊院', 'Inst E', null, 'p2'))
                             t(province_code, institute_id, name_zh, name_en, aliases, peer_group_id)""",
        "dim_metrics": "select 'prj' as metric_id, 1 as sort_order, '项目' as name_zh, 'Projects' as name_en",
        "dim_groups": "select 'all' as group_id, 0 as sort_order, '全部机构' as name_zh, 'All' as name_en",
        "dim_code_labels": "select 'eval_tier' as code_type, 'advanced' as code, '先进' as name_zh, 'Advanced' as name_en",
        # with the columns a restricted viewer's cut blanks (dashboards.views.access)
        "fct_institute_metric_year": """select institute_id, 2024 as year, 'prj' as metric_id, peer_group_id, 1.0 as value,
                                               null::double as group_total, null::double as group_share,
                                               null::bigint as group_rank, null::bigint as group_n, null::double as peer_total,
                                               null::double as peer_share, null::bigint as peer_rank, null::bigint as peer_n
                                        from (values ('A', 'p1'), ('B', 'p1'), ('C', 'p2'), ('D', 'p2'), ('E', 'p2'))
                                        t(institute_id, peer_group_id)""",
        "fct_group_metric_year": """select 'all' as group_id, 2024 as year, 'prj' as metric_id, 5.0 as value,
                                           null::double as prior_value, null::double as yoy_abs, null::double as yoy_pct,
                                           false as yoy_small_base, null::double as r3y, null::varchar as r3y_qualifier,
                                           null::double as cagr_3y, null::double as staff_total, null::double as per_100_staff""",
        "fct_evaluation_items": items_sql,
        # the published scores as dbt computes them: Σ points, rank(), tiers by rank / n
        "fct_evaluation_scores": f"""
            with s as (select entity_id, sum(points) as score, sum(case when item_kind = 'metric' then points else 0 end) as mp,
                              sum(case when item_kind = 'bonus' then points else 0 end) as bp
                       from ({items_sql}) group by entity_id),
                 r as (select *, rank() over (order by score desc) as rank, count(*) over () as n from s)
            select 2024 as year, 'institute' as scope, 'all' as group_id, entity_id, entity_id as institute_id,
                   null::varchar as unit_id, mp as metric_points, bp as bonus_points, cast(0 as decimal(18,8)) as deduction_points,
                   score, rank, n,
                   case when rank / n <= 0.2 then 'advanced' when rank / n <= 0.6 then 'good' when rank / n <= 0.9 then 'pass'
                        else 'improve' end as tier,
                   case when rank / n <= 0.2 then 1 when rank / n <= 0.6 then 2 when rank / n <= 0.9 then 3 else 4 end as tier_order,
                   null::decimal(18,8) as prior_score, null::bigint as prior_rank, null::bigint as prior_n,
                   null::varchar as prior_tier, null::decimal(18,8) as score_change, 2 as rules_version,
                   'rules/evaluation/2024/v002.yaml' as rules_file
            from r""",
        "dim_evaluation_rules": """select 2024 as year, 'institute' as scope, item_id, item_kind, sort_order, item_id || '中' as label_zh,
                                           item_id as label_en, null::varchar as metric_id, 'linear_target' as method, 'value' as basis,
                                           weight, 1.0 as target, null::double as cap, null::decimal(9,4) as points, 2 as rules_version
                                    from (values ('m1', 'metric', 1, cast(60 as decimal(9,4))), ('m2', 'metric', 2, cast(40 as decimal(9,4))),
                                                 ('award', 'bonus', 3, null)) t(item_id, item_kind, sort_order, weight)""",
        "dim_evaluation_tiers": f"""select year, scope, tier, tier_order::integer as tier_order, tier_by,
                                           cast(min_score as decimal(9,4)) as min_score, cast(top_share as decimal(9,4)) as top_share,
                                           1 as source_line
                                    from (values {tiers}) t(year, scope, tier, tier_order, tier_by, min_score, top_share)""",
    }


@pytest.fixture
def store(tmp_path) -> MartStore:
    marts = tmp_path / "marts"
    version = marts / "versions" / "r1"
    version.mkdir(parents=True)
    con = duckdb.connect()
    entries = []
    for mart, sql in hand_marts().items():
        con.execute(f"copy ({sql}) to '{version / (mart + '.parquet')}' (format parquet)")
        entries.append({"mart": mart, "file": mart + ".parquet"})
    (version / "manifest.json").write_text(json.dumps({"run_id": "r1", "marts": entries}), encoding="utf-8")
    os.symlink(Path("versions") / "r1", marts / "current")
    return MartStore(marts)


def test_the_what_if_with_the_published_weights_is_the_published_ranking_exactly(store):
    published = views.scores(EVERYONE, store).set_index("entity_id")
    assert isinstance(published["score"].iloc[0], Decimal)  # read as the decimals they are
    again = views.what_if(EVERYONE, store, 2024, "institute", "all", views.published_weights(EVERYONE, store, 2024, "institute"))
    assert len(again) == len(SUB_SCORES)
    for r in again.to_dict("records"):
        row = published.loc[r["entity_id"]]
        assert r["score"] == row["score"] and r["published_score"] == row["score"]
        assert (r["rank"], r["n"], r["tier"], r["tier_order"]) == (row["rank"], row["n"], row["tier"], row["tier_order"])
        assert r["rank_change"] == 0


def test_other_weights_rerank_by_the_weighted_sum(store):
    weights = {"m1": Decimal("0"), "m2": Decimal("100")}
    rows = views.what_if(EVERYONE, store, 2024, "institute", "all", weights).set_index("entity_id")
    for e, (_, s2) in SUB_SCORES.items():
        assert rows.loc[e, "score"] == Decimal(100) * Decimal(s2) + Decimal(BONUS[e])
    best = max(SUB_SCORES, key=lambda e: Decimal(SUB_SCORES[e][1]) + Decimal(BONUS[e]) / 100)
    assert rows["rank"].idxmin() == best
    # SQL's rank(): 1 + how many score more — ties (B and C without B's bonus would be one) share a rank
    for e in SUB_SCORES:
        assert rows.loc[e, "rank"] == 1 + int((rows["score"] > rows.loc[e, "score"]).sum())
    assert rows.loc[best, "rank_change"] == rows.loc[best, "published_rank"] - 1
    assert rows.loc[best, "tier"] == "advanced"  # 1 / 5 ≤ 0.2, as a fraction: exact


def test_an_institute_sees_its_own_row_among_institutes_and_its_items_only_with_enough_others(store):
    own = Viewer(role="institute", institute_id="C", min_group_others=3)
    rows = views.scores(own, store)
    assert set(rows["entity_id"]) == {"C"}
    assert views.items_visible(own, store, 2024, "institute", "C")  # four others ≥ 3
    assert set(views.what_if(own, store, 2024, "institute", "all", {})["entity_id"]) == {"C"}
    with pytest.raises(Refused):
        views.items(own, store, 2024, "institute", "A")
    strict = Viewer(role="institute", institute_id="C", min_group_others=5)
    assert not views.items_visible(strict, store, 2024, "institute", "C")
    with pytest.raises(Refused):
        views.items(strict, store, 2024, "institute", "C")
    with pytest.raises(Refused):
        views.what_if(strict, store, 2024, "institute", "all", {})


def test_a_leader_sees_the_institutes_of_its_province(store):
    leader = Viewer(role="leader", scope="province:33")
    assert set(views.scores(leader, store)["entity_id"]) == {"C", "D", "E"}
    assert set(views.what_if(leader, store, 2024, "institute", "all", {})["entity_id"]) == {"C", "D", "E"}


def test_a_weight_is_a_number_at_least_zero_with_two_decimals_at_most():
    ids = [{"type": "what-if-weight", "item": "m1"}, {"type": "what-if-weight", "item": "m2"}]
    assert parse_weights([60, 40.5], ids) == {"m1": Decimal("60"), "m2": Decimal("40.5")}
    for bad in ([None, 40], [-1, 40], [60.001, 40], ["x", 40], [True, 40], [float("nan"), 40]):
        assert parse_weights(bad, ids) is None, bad


def test_the_waterfall_steps_add_up_to_the_published_score(store):
    items = views.items(EVERYONE, store, 2024, "institute", "B")
    trace = figures.waterfall(items, "en", "B").data[0]
    score = float(views.scores(EVERYONE, store).set_index("entity_id").loc["B", "score"])
    assert list(trace["x"]) == [*items["label_en"], "Score"]
    steps, bases = list(trace["y"]), list(trace["base"])
    assert steps[-1] == pytest.approx(score) and bases[-1] == 0  # the total, from zero
    assert sum(steps[:-1]) == pytest.approx(score)
    for i in range(1, len(items)):  # each step starts where the one before ended
        assert bases[i] == pytest.approx(bases[i - 1] + steps[i - 1])


def test_the_ranking_draws_each_entity_once_in_its_tiers_colour(store):
    rows = views.ranking(EVERYONE, store, 2024, "institute", "all", "zh")
    figure = figures.evaluation_ranking(rows, "zh", "title", {"advanced": "先进"}, chosen="B").to_dict()
    drawn = [y for trace in figure["data"] for y in trace["y"]]
    assert len(drawn) == len(rows) and any("<b>" in y for y in drawn)
    for trace in figure["data"]:
        tier = rows.loc[rows["short"].isin([y.replace("<b>", "").replace("</b>", "") for y in trace["y"]]), "tier"]
        assert tier.nunique() == 1
        assert trace["marker"]["color"] == figures.TIER_COLORS[tier.iloc[0]]
    assert figure["data"][0]["name"] == "先进"
    assert figures.evaluation_ranking(rows.iloc[0:0], "zh", "t", {}).to_dict()["layout"]["annotations"]
