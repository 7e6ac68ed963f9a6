"""The aggregates a viewer who is not full-access may see (dashboards.views.access): no combination of
the visible groups' totals isolates fewer than k out-of-scope institutes, whatever the groups, scope and
reporting (Hypothesis); hidden groups are absent and the in-scope institutes' columns about them blank;
a visible row's history and staff columns do not repeat what a hidden row or another metric would give away."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.views.access import GROUP_COLUMNS, PEER_COLUMNS, restrict, visible_groups


def facts_of(members: list[tuple[str, str | None, float | None]], years=(2024,), metric="m") -> pd.DataFrame:
    """fct_institute_metric_year rows: (institute, peer group, value) each year."""
    rows = [{"institute_id": i, "peer_group_id": g, "year": y, "metric_id": metric, "value": v}
            for y in years for i, g, v in members]
    frame = pd.DataFrame(rows)
    for column in (*GROUP_COLUMNS, *PEER_COLUMNS):
        frame[column] = 1.0
    return frame


def group_rows(facts: pd.DataFrame) -> pd.DataFrame:
    """fct_group_metric_year as dbt makes it (sums; history one year back), enough for restrict()."""
    rows = []
    for (year, metric), part in facts.groupby(["year", "metric_id"]):
        rows.append({"group_id": "all", "year": year, "metric_id": metric, "value": part["value"].sum()})
        for group, members in part.dropna(subset=["peer_group_id"]).groupby("peer_group_id"):
            rows.append({"group_id": group, "year": year, "metric_id": metric, "value": members["value"].sum()})
    frame = pd.DataFrame(rows)
    prior = frame.assign(year=frame["year"] + 1)[["group_id", "year", "metric_id", "value"]]
    frame = frame.merge(prior.rename(columns={"value": "prior_value"}), how="left", on=["group_id", "year", "metric_id"])
    return frame.assign(yoy_abs=frame["value"] - frame["prior_value"], yoy_pct=0.1, yoy_small_base=True, r3y=1.0,
                        r3y_qualifier="≥", cagr_3y=0.1, staff_total=100, per_100_staff=1.0)


def isolated_sizes(out_members: dict[str, set], shown: set[str]) -> list[int]:
    """Every set of out-of-scope reporting institutes whose values' sum the visible totals give (in-scope
    values being known): a·(all's) + Σ b_P·(P's) with 0/1 cells — all's remainder and any visible peer groups."""
    peers = [g for g in shown if g != "all"]
    covered = set().union(*(out_members[g] for g in peers)) if peers else set()
    rest = out_members["all"] - covered
    sizes = []
    for a in ((0, 1) if "all" in shown else (0,)):
        for chosen in itertools.product((0, 1), repeat=len(peers)):
            sizes.append(a * len(rest) + sum(len(out_members[g]) for g, c in zip(peers, chosen, strict=True) if c))
    return sizes


institutes = st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3", "P4", None]), st.booleans(), st.booleans()),
                      min_size=1, max_size=14)


@settings(max_examples=300, deadline=None)
@given(institutes=institutes, k=st.integers(1, 5))
def test_no_visible_combination_isolates_fewer_than_k_others(institutes, k):
    members = [(f"I{n}", group, 1.0 + n if reports else None) for n, (group, _, reports) in enumerate(institutes)]
    in_scope = {f"I{n}" for n, (_, mine, _) in enumerate(institutes) if mine}
    shown_frame = visible_groups(facts_of(members), in_scope, k)
    shown = set(shown_frame.loc[shown_frame["visible"], "group_id"])
    out = {g: {i for i, gi, v in members if v is not None and i not in in_scope and (g == "all" or gi == g)}
           for g in ["all", "P1", "P2", "P3", "P4"]}
    assert all(size == 0 or size >= k for size in isolated_sizes(out, shown))
    # the counts it reports are the out-of-scope reporting members
    assert {(r.group_id, r.out) for r in shown_frame.itertuples()} == {(g, len(out[g])) for g in shown_frame["group_id"]}


@settings(max_examples=150, deadline=None)
@given(institutes=institutes, k=st.integers(1, 5))
def test_a_viewer_of_everything_or_of_nothing_outside_sees_every_group(institutes, k):
    members = [(f"I{n}", group, 1.0 if reports else None) for n, (group, _, reports) in enumerate(institutes)]
    shown = visible_groups(facts_of(members), {i for i, _, _ in members}, k)
    assert shown["visible"].all()


def test_the_institute_of_a_two_member_peer_group_sees_all_but_not_its_peer_group():
    members = [("A", "inspection", 5.0), ("B", "inspection", 7.0), ("C", "std", 1.0), ("D", "std", 2.0),
               ("E", "std", 3.0), ("F", "metrology", 4.0), ("G", "metrology", 6.0)]
    facts = facts_of(members)
    shown = visible_groups(facts, {"A"}, 3).set_index("group_id")
    assert shown["visible"].to_dict() == {"all": True, "inspection": False, "metrology": False, "std": True}
    mine, groups = restrict(facts, group_rows(facts), {"A"}, 3)
    assert mine["institute_id"].tolist() == ["A"]
    assert mine[list(PEER_COLUMNS)].isna().all(axis=None) and mine[list(GROUP_COLUMNS)].notna().all(axis=None)
    assert sorted(groups["group_id"]) == ["all", "std"]


def test_a_peer_group_is_hidden_when_all_minus_the_visible_ones_would_isolate_fewer_than_k():
    # out-of-scope: P1 has 3, P2 has 3, one more without a peer group: all (7) - P1 - P2 = that one
    members = [("A", "P1", 1.0), *[(f"X{n}", "P1", 1.0) for n in range(3)], *[(f"Y{n}", "P2", 1.0) for n in range(3)],
               ("Z", None, 1.0)]
    shown = visible_groups(facts_of(members), {"A"}, 3).set_index("group_id")["visible"]
    assert shown["all"] and shown.sum() == 2  # all and one of P1, P2: the remainder is then 4
    assert visible_groups(facts_of(members), {"A"}, 1).set_index("group_id")["visible"].all()  # k = 1: nothing to hide


def test_all_hidden_hides_every_peer_group_with_an_out_of_scope_member():
    members = [("A", "P1", 1.0), ("B", "P1", 1.0), ("C", "P2", 1.0), ("D", "P2", 1.0), ("E", "P3", None)]
    shown = visible_groups(facts_of(members), {"A", "C", "D"}, 3).set_index("group_id")["visible"]
    assert shown.to_dict() == {"all": False, "P1": False, "P2": True, "P3": True}  # P2, P3: no other reporting


def test_history_of_a_visible_row_is_blank_where_the_year_it_repeats_is_hidden():
    members = [("A", "P1", 1.0), *[(f"X{n}", "P1", 1.0) for n in range(3)]]
    facts = pd.concat([facts_of(members[:3], years=(2023,)), facts_of(members, years=(2024,))], ignore_index=True)
    _, groups = restrict(facts, group_rows(facts), {"A"}, 3)  # 2023: 2 others (hidden); 2024: 3 (shown)
    assert groups["year"].tolist() == [2024, 2024]
    assert groups[["prior_value", "yoy_abs", "yoy_pct", "r3y", "r3y_qualifier"]].isna().all(axis=None)
    assert not groups["yoy_small_base"].any() and groups["cagr_3y"].notna().all()  # three years back: not hidden


def test_staff_columns_are_blank_where_two_visible_metrics_count_different_others():
    every = [("A", "P1", 1.0), *[(f"X{n}", "P1", 1.0) for n in range(4)]]
    fewer = [*every[:4], ("X3", "P1", None)]  # X3 does not report m2: staff(m1) - staff(m2) = X3's staff
    facts = pd.concat([facts_of(every, metric="m1"), facts_of(fewer, metric="m2")], ignore_index=True)
    _, groups = restrict(facts, group_rows(facts), {"A"}, 3)
    assert len(groups) == 4 and groups[["staff_total", "per_100_staff"]].isna().all(axis=None)
    same = pd.concat([facts_of(every, metric="m1"), facts_of(every, metric="m2")], ignore_index=True)
    _, groups = restrict(same, group_rows(same), {"A"}, 3)
    assert groups[["staff_total", "per_100_staff"]].notna().all(axis=None)


def test_rows_keep_their_order_and_the_columns_their_meaning():
    members = [("A", "P1", 1.0), ("B", "P1", 2.0), *[(f"X{n}", "P2", float(n)) for n in range(3)]]
    facts = facts_of(members, years=(2022, 2023, 2024))
    mine, _ = restrict(facts, group_rows(facts), {"A", "B"}, 3)
    expected = facts[facts["institute_id"].isin(["A", "B"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine.drop(columns=list(GROUP_COLUMNS + PEER_COLUMNS)),
                                  expected.drop(columns=list(GROUP_COLUMNS + PEER_COLUMNS)))
    assert np.array_equal(mine["peer_total"].to_numpy(), expected["peer_total"].to_numpy())  # P1: no other
