"""Which aggregates a viewer who is not full-access may see, and the published facts cut to what they may
see. Access control, not metric logic: the figures stay dbt's; this only drops rows and blanks cells.

The rule (k = Viewer.min_group_others). A viewer knows the values of the institutes in its scope, so a
group's total, mean, rank or share reveals the others' only through the group's OUT-of-scope reporting
members. Per year and metric, out(g) = how many out-of-scope institutes of group g report (value not
null):
- "all" is visible iff out(all) == 0 or out(all) >= k;
- a peer group P is visible iff out(P) == 0, or "all" is visible and out(P) >= k;
- and then the members of "all" that no visible peer group covers must not be 1..k-1 institutes
  (subtracting the visible groups' totals from "all"'s would isolate them): while
  0 < R = out(all) - Σ out(P) over the visible P < k, the visible peer group with the smallest out(P) > 0
  (then the first by id) is hidden too.
A hidden group's row is absent, and the in-scope institutes' columns about it (group_* for "all",
peer_* for their peer group) are null.

Two cross-row channels are closed the same way:
- a visible group row's history (prior_value and YoY, r3y, cagr_3y) repeats the group's value of earlier
  years: blanked where an earlier year it uses is hidden;
- a group's staff_total (and per_100_staff, its ratio) sums the staff of the reporting members, the same
  number for every metric they all report: where two visible metrics of a group and year have different
  out-of-scope reporting members, their difference would be some institutes' staff, so the group's staff
  columns are blanked for that year."""
from __future__ import annotations

from collections.abc import Collection

import pandas as pd

ALL = "all"
GROUP_COLUMNS = ("group_total", "group_share", "group_rank", "group_n")
# the peer benchmarks (the peer group's median, value / median, percentile in it) are peer aggregates too:
# a median of fewer than k others, with one's own value, gives one of theirs away
BENCHMARK_COLUMNS = ("peer_median", "peer_ratio", "peer_percentile")
PEER_COLUMNS = ("peer_total", "peer_share", "peer_rank", "peer_n", *BENCHMARK_COLUMNS)
STAFF_COLUMNS = ("staff_total", "per_100_staff")
# a group row's columns that repeat the group's value of earlier years, and the years back each uses
HISTORY_COLUMNS = {"prior_value": (1,), "yoy_abs": (1,), "yoy_pct": (1,), "yoy_small_base": (1,),
                   "r3y": (1, 2), "r3y_qualifier": (1, 2), "cagr_3y": (3,)}
KEYS = ["group_id", "year", "metric_id"]


def visible_groups(facts: pd.DataFrame, in_scope: Collection[str], k: int) -> pd.DataFrame:
    """The rule above, per group, year and metric of `facts` (fct_institute_metric_year: institute_id,
    peer_group_id, year, metric_id, value): a frame group_id, year, metric_id, out (out-of-scope
    reporting members), visible — a row for "all" and for each peer group with members in the facts."""
    outside = ~facts["institute_id"].isin(list(in_scope)) & facts["value"].notna()
    members = facts[["year", "metric_id", "peer_group_id"]].assign(out=outside.astype(int))
    peers = members.dropna(subset=["peer_group_id"]).groupby(
        ["year", "metric_id", "peer_group_id"], sort=True)["out"].sum()
    totals = members.groupby(["year", "metric_id"], sort=True)["out"].sum()
    by_key: dict[tuple, dict[str, int]] = {}
    for (year, metric_id, group_id), out in peers.items():
        by_key.setdefault((year, metric_id), {})[group_id] = int(out)
    rows = []
    for (year, metric_id), out_all in totals.items():
        peer_out = by_key.get((year, metric_id), {})
        shown = _visible(int(out_all), peer_out, k)
        rows.append((ALL, year, metric_id, int(out_all), ALL in shown))
        rows += [(group_id, year, metric_id, out, group_id in shown) for group_id, out in peer_out.items()]
    return pd.DataFrame(rows, columns=[*KEYS, "out", "visible"])


def _visible(out_all: int, peer_out: dict[str, int], k: int) -> set[str]:
    """The groups shown for one year and metric, from the out-of-scope counts."""
    if 0 < out_all < k:  # "all" hidden: a peer group has fewer out-of-scope members still
        return {g for g, out in peer_out.items() if out == 0}
    shown = {g for g, out in peer_out.items() if out == 0 or out >= k}
    while True:
        rest = out_all - sum(peer_out[g] for g in shown)
        if rest == 0 or rest >= k:
            return shown | {ALL}
        smallest = min((g for g in shown if peer_out[g] > 0), key=lambda g: (peer_out[g], g))
        shown.discard(smallest)  # there is one: with none left, rest == out_all, which is 0 or >= k


def restrict(facts: pd.DataFrame, groups: pd.DataFrame, in_scope: Collection[str], k: int
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """fct_institute_metric_year cut to the in-scope institutes (their group_* / peer_* columns blanked
    where that group is hidden) and fct_group_metric_year cut to the visible rows (history and staff
    columns blanked as the module says). Rows keep their order."""
    shown = visible_groups(facts, in_scope, k)
    visible = set(shown.loc[shown["visible"], KEYS].itertuples(index=False, name=None))
    hidden = set(shown.loc[~shown["visible"], KEYS].itertuples(index=False, name=None))

    mine = facts[facts["institute_id"].isin(list(in_scope))].reset_index(drop=True)
    years, metrics = mine["year"].tolist(), mine["metric_id"].tolist()
    all_shown = pd.Series([(ALL, y, m) in visible for y, m in zip(years, metrics, strict=True)], index=mine.index)
    peer_shown = pd.Series([(p, y, m) in visible for p, y, m in zip(mine["peer_group_id"].tolist(), years, metrics,
                                                                    strict=True)], index=mine.index)
    mine = mine.assign(**{c: mine[c].where(all_shown) for c in GROUP_COLUMNS},
                       **{c: mine[c].where(peer_shown) for c in PEER_COLUMNS})

    keys = list(zip(groups["group_id"].tolist(), groups["year"].tolist(), groups["metric_id"].tolist(), strict=True))
    rows = groups[[key in visible for key in keys]].reset_index(drop=True)
    keys = [key for key in keys if key in visible]
    blanked = {}
    for column, back in HISTORY_COLUMNS.items():
        keep = pd.Series([not any((g, y - b, m) in hidden for b in back) for g, y, m in keys], index=rows.index)
        blanked[column] = rows[column].where(keep, False) if rows[column].dtype == bool else rows[column].where(keep)
    staff_ok = _staff_consistent(facts, in_scope, visible)
    keep = pd.Series([(g, y) in staff_ok for g, y, _ in keys], index=rows.index)
    blanked.update({c: rows[c].where(keep) for c in STAFF_COLUMNS})
    return mine, rows.assign(**blanked)


def _staff_consistent(facts: pd.DataFrame, in_scope: Collection[str], visible: set[tuple]) -> set[tuple]:
    """(group, year) whose visible metric rows all sum the staff of the same out-of-scope institutes."""
    reporting = facts[facts["value"].notna() & ~facts["institute_id"].isin(list(in_scope))]
    members: dict[tuple, frozenset] = {}
    for (year, metric_id), ids in reporting.groupby(["year", "metric_id"])["institute_id"]:
        members[(ALL, year, metric_id)] = frozenset(ids)
    for (year, metric_id, group_id), ids in reporting.groupby(["year", "metric_id", "peer_group_id"])["institute_id"]:
        members[(group_id, year, metric_id)] = frozenset(ids)
    seen: dict[tuple, set[frozenset]] = {}
    for g, y, m in visible:
        seen.setdefault((g, y), set()).add(members.get((g, y, m), frozenset()))
    return {key for key, sets in seen.items() if len(sets) == 1}
