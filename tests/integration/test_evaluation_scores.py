"""The evaluation end to end: the bundled demo and its rules refreshed for real (ingest, gates, dbt,
publish), and the published scores checked against the published items and the rules — the sums, the
ranks, the tiers and the sub-scores recomputed here from the published rows, not copied from a run.
Then a weight moved in the 2024 rules file (a new version, v003) and the data refreshed again: each
entity's 2024 score moves by exactly 5 × the difference of its two published sub-scores, 2023 stays."""
from __future__ import annotations

import re
import shutil
import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
import yaml

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.refresh import refresh
from tests.conftest import TODAY

DEMO_RULES = PROJECT_ROOT / "pipelines" / "demo" / "rules"
MOVED = Decimal(5)
# (scope section of the rules file, item losing 5 points, item gaining them) in 2024's v002
MOVES = {"institutes": ("projects", "inventions"), "units": ("projects", "ip")}
SCOPE_OF = {"institutes": "institute", "units": "unit"}


def install_demo_rules(settings: Settings) -> None:
    """The demo's rules files (<year>-v<NNN>.yaml and sidecars) into the data folder's rules layout,
    unless the demo generator has put them there already."""
    for path in sorted(DEMO_RULES.glob("*-v*.*")):
        year, version = path.stem.split("-")
        target = settings.rules_dir / year / f"{version}{path.suffix}"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def moved_weights(text: str) -> str:
    """The rules text with 5 points moved between two metric items of each scope, by editing the
    numbers on their weight lines (layout and comments kept, as an analyst would edit the file)."""
    section = item = None
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if re.match(r"^(institutes|units):", line):
            section = line.split(":")[0]
        found = re.match(r"^\s*- id: (\w+)", line)
        if found:
            item = found.group(1)
        weight = re.match(r"^(\s*weight: )([\d.]+)(.*)$", line, re.S)
        if weight and section in MOVES and item in MOVES[section]:
            delta = -MOVED if item == MOVES[section][0] else MOVED
            lines[i] = f"{weight.group(1)}{Decimal(weight.group(2)) + delta}{weight.group(3)}"
    return "".join(lines)


def frames(settings: Settings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    current = settings.marts_dir / "current"
    for mart in ("fct_evaluation_items", "fct_evaluation_scores", "dim_evaluation_rules", "dim_evaluation_tiers"):
        con.execute(f"create view {mart} as select * from read_parquet('{current / (mart + '.parquet')}')")
    return con


def rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def four_decimals(x: float) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from pipelines.demo import generate

    root = tmp_path_factory.mktemp("evaluation") / "data"
    generate(root / "raw")
    settings = Settings(data_dir=root, id_salt="test-salt", today=TODAY)
    install_demo_rules(settings)
    refresh(settings, out=None)
    return settings


def test_scores_are_the_sums_of_their_items_ranked_and_tiered_by_the_rules(demo):
    con = frames(demo)
    items = rows(con, "select * from fct_evaluation_items")
    scores = rows(con, "select * from fct_evaluation_scores")
    rules = {(r["year"], r["scope"], r["item_id"]): r for r in rows(con, "select * from dim_evaluation_rules")}
    tiers = defaultdict(list)
    for t in rows(con, "select * from dim_evaluation_tiers order by year, scope, tier_order"):
        tiers[(t["year"], t["scope"])].append(t)
    assert {s["year"] for s in scores} == {2022, 2023, 2024}, "every year with a rules file is evaluated"
    assert {s["scope"] for s in scores} == {"institute", "unit"}

    # every item: metric points = weight × sub-score, the sub-score by its method from the published value
    by_group = defaultdict(list)
    for i in items:
        by_group[(i["year"], i["scope"], i["group_id"], i["item_id"])].append(i)
    for (year, scope, _, item_id), group in by_group.items():
        rule = rules[(year, scope, item_id)]
        values = [i["value"] or 0.0 for i in group]
        for i in group:
            value = i["value"] or 0.0
            if rule["item_kind"] != "metric":
                assert i["sub_score"] is None and i["weight"] is None
                assert (i["points"] <= 0) == (rule["item_kind"] == "deduction") or i["points"] == 0
                continue
            assert i["weight"] == rule["weight"] and i["points"] == i["weight"] * i["sub_score"]
            if rule["method"] == "linear_target":
                expected = four_decimals(min(value / rule["target"], 1.0))
            elif rule["method"] == "peer_median_ratio":
                median = statistics.median(values)
                assert i["reference"] == pytest.approx(median)
                expected = (four_decimals(min(value / median, rule["cap"]) / rule["cap"]) if median > 0
                            else Decimal(1 if value > 0 else 0))
            else:
                rank = 1 + sum(v > value for v in values)
                n = len(values)
                assert (i["measure"], i["reference"]) == (rank, n)
                expected = Decimal(1) if n == 1 else four_decimals((n - rank) / (n - 1))
            assert i["sub_score"] == expected, (year, scope, i["entity_id"], item_id)

    # every score: the exact sum of its items, its rank and n in its group, its tier by the year's levels
    points = defaultdict(Decimal)
    kinds = defaultdict(Decimal)
    for i in items:
        points[(i["year"], i["scope"], i["entity_id"])] += i["points"]
        kinds[(i["year"], i["scope"], i["entity_id"], i["item_kind"])] += i["points"]
    group_scores = defaultdict(list)
    for s in scores:
        group_scores[(s["year"], s["scope"], s["group_id"])].append(s["score"])
    for s in scores:
        key = (s["year"], s["scope"], s["entity_id"])
        assert s["score"] == points[key]
        assert s["bonus_points"] == kinds[(*key, "bonus")] and s["deduction_points"] == kinds[(*key, "deduction")]
        others = group_scores[(s["year"], s["scope"], s["group_id"])]
        assert (s["rank"], s["n"]) == (1 + sum(o > s["score"] for o in others), len(others))
        for level in tiers[(s["year"], s["scope"])]:
            if level["tier_by"] == "score" and (level["min_score"] is None or s["score"] >= level["min_score"]):
                break
            if level["tier_by"] == "rank_share" and (level["top_share"] is None
                                                     or Decimal(s["rank"]) / s["n"] <= level["top_share"]):
                break
        assert (s["tier"], s["tier_order"]) == (level["tier"], level["tier_order"]), key
    # the year before: the same entity's score and rank in the same scope
    before = {(s["year"], s["scope"], s["entity_id"]): s for s in scores}
    for s in scores:
        prior = before.get((s["year"] - 1, s["scope"], s["entity_id"]))
        assert (s["prior_score"], s["prior_rank"]) == ((prior["score"], prior["rank"]) if prior else (None, None))


def test_moving_weight_in_a_new_rules_version_changes_the_scores_as_the_sub_scores_say(demo):
    con = frames(demo)
    before = {(r["year"], r["scope"], r["entity_id"]): r["score"] for r in rows(con, "select * from fct_evaluation_scores")}
    sub_scores = {(r["scope"], r["entity_id"], r["item_id"]): r["sub_score"]
                  for r in rows(con, "select * from fct_evaluation_items where year = 2024")}
    assert rows(con, "select distinct rules_version from fct_evaluation_scores where year = 2024") == [
        {"rules_version": 2}]
    con.close()

    v002 = demo.rules_dir / "2024" / "v002.yaml"
    edited = moved_weights(v002.read_text(encoding="utf-8"))
    assert edited != v002.read_text(encoding="utf-8")
    (demo.rules_dir / "2024" / "v003.yaml").write_text(edited, encoding="utf-8")
    refresh(demo, out=None)

    con = frames(demo)
    after = {(r["year"], r["scope"], r["entity_id"]): r for r in rows(con, "select * from fct_evaluation_scores")}
    assert after.keys() == before.keys()
    changed = 0
    for (year, scope, entity), score in before.items():
        now = after[(year, scope, entity)]
        if year != 2024:
            assert now["score"] == score and now["rules_version"] == 1
            continue
        assert now["rules_version"] == 3 and now["rules_file"] == "rules/evaluation/2024/v003.yaml"
        section = next(k for k, v in SCOPE_OF.items() if v == scope)
        loser, gainer = MOVES[section]
        expected = MOVED * (sub_scores[(scope, entity, gainer)] - sub_scores[(scope, entity, loser)])
        assert now["score"] - score == expected, (scope, entity)
        changed += expected != 0
    assert changed, "some entity's score moved"
    published = {(r["scope"], r["item_id"]): r["weight"] for r in rows(
        con, "select * from dim_evaluation_rules where year = 2024 and item_kind = 'metric'")}
    written = yaml.safe_load(v002.read_text(encoding="utf-8"))
    for section, (loser, gainer) in MOVES.items():
        old = {m.get("id", m["metric"]): Decimal(str(m["weight"])) for m in written[section]["metrics"]}
        scope = SCOPE_OF[section]
        assert published[(scope, loser)] == old[loser] - MOVED and published[(scope, gainer)] == old[gainer] + MOVED
        assert sum(w for (s, _), w in published.items() if s == scope) == 100
