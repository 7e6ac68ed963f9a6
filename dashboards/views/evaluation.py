"""The evaluation page's questions (考评): a year's ranking of a group with its tiers, one entity's score
by rule (the waterfall), what changed since the year before and which rules moved it, the what-if
re-ranking with other weights, and the rules' saved versions.

Scores are dbt's (fct_evaluation_scores, fct_evaluation_items); this module only selects, and the what-if
is the weighted sum the issue allows: Σ weight' × the published sub-score of each metric item plus the
published bonus and deduction points, in Decimal on the published decimals, re-ranked by rank() and
re-tiered by the year's published tiers — with the published weights it gives dbt's scores exactly.

Who sees what (the viewer first, as every read here):
- full access: everything;
- a leader of a province or peer group: the rows of the institutes it sees, and of their units;
- an institute: scope `unit` — its own institute's units in full; scope `institute` — its own row only
  (score, rank n/N, tier, the year before's), and its own items (the waterfall, what changed) and the
  what-if only where its group has at least `min_group_others` other institutes: a peer median or rank
  points over two or three institutes would give the others' values away. Never another institute's row."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pyarrow.parquet as pq

from dashboards.i18n import column
from dashboards.views.store import MartStore
from dashboards.views.viewer import Refused, Viewer
from pipelines.evaluation import store as rules_store

SCOPES = ("institute", "unit")
MARTS = {
    "fct_evaluation_scores": [
        "year", "scope", "group_id", "entity_id", "institute_id", "unit_id", "metric_points", "bonus_points",
        "deduction_points", "score", "rank", "n", "tier", "tier_order", "prior_score", "prior_rank", "prior_n",
        "prior_tier", "score_change", "rules_version", "rules_file"],
    "fct_evaluation_items": [
        "year", "scope", "group_id", "entity_id", "institute_id", "unit_id", "item_id", "item_kind", "sort_order",
        "label_zh", "label_en", "metric_id", "method", "basis", "value", "reference", "measure", "sub_score",
        "weight", "points", "prior_points", "points_change"],
    "dim_evaluation_rules": [
        "year", "scope", "item_id", "item_kind", "sort_order", "label_zh", "label_en", "metric_id", "method",
        "basis", "weight", "target", "cap", "points", "award_levels", "award_grades", "award_roles", "award_for",
        "source_line", "rules_version", "rules_file", "rules_sha256"],
    "dim_evaluation_tiers": ["year", "scope", "tier", "tier_order", "tier_by", "min_score", "top_share", "source_line"],
}
# the rule fields "what changed" compares between a year's rules and the year before's
RULE_FIELDS = ("weight", "method", "basis", "target", "cap", "points")


def _mart(viewer: Viewer, store: MartStore, mart: str) -> pd.DataFrame:
    """The whole mart of the version the viewer reads, decimals as Decimal (read with pyarrow: DuckDB's
    frames turn decimals into floats, and the what-if must add the published decimals exactly). A version
    published before the evaluation has none: an empty frame of its columns. Read once per version; the
    callers cut it to what the viewer may see."""
    snapshot = store.snapshot(viewer.release)

    def build() -> pd.DataFrame:
        files = {m["mart"]: m["file"] for m in snapshot.manifest["marts"]}
        if mart not in files:
            return pd.DataFrame(columns=MARTS[mart])
        return pq.read_table(snapshot.path / files[mart]).to_pandas()
    return snapshot.memo(("evaluation", mart), build)


def _by_group(viewer: Viewer, store: MartStore, mart: str) -> dict[tuple, pd.DataFrame]:
    """A mart's rows by (year, scope, group_id), split once per version: the what-if asks for one group's
    rows on every keystroke, and a boolean mask over the whole mart each time cost most of its time."""
    return store.snapshot(viewer.release).memo(("evaluation_groups", mart), lambda: {
        (int(key[0]), key[1], key[2]): rows.reset_index(drop=True)
        for key, rows in _mart(viewer, store, mart).groupby(["year", "scope", "group_id"], sort=False)})


def _visible(viewer: Viewer, store: MartStore, rows: pd.DataFrame) -> pd.Series:
    """Which rows (of scores or items: scope, entity_id, institute_id) the viewer may see (the module's rule)."""
    if viewer.full_access:
        return pd.Series(True, index=rows.index)
    if viewer.role == "institute":
        own = viewer.institute_id
        return ((rows["scope"] == "unit") & (rows["institute_id"] == own)) | \
               ((rows["scope"] == "institute") & (rows["entity_id"] == own))
    return rows["institute_id"].isin(set(store.institutes(viewer)["institute_id"]))


def scores(viewer: Viewer, store: MartStore) -> pd.DataFrame:
    """fct_evaluation_scores: the rows the viewer may see, by year, scope, group and rank."""
    def build() -> pd.DataFrame:
        rows = _mart(viewer, store, "fct_evaluation_scores")
        rows = rows[_visible(viewer, store, rows)]
        return rows.sort_values(["year", "scope", "group_id", "rank", "entity_id"]).reset_index(drop=True)
    return store.memo(viewer, "evaluation_scores", build).copy(deep=False)


def years(viewer: Viewer, store: MartStore) -> list[int]:
    """The evaluation years the viewer has scores of, latest first."""
    return sorted({int(y) for y in scores(viewer, store)["year"]}, reverse=True)


def group_ids(viewer: Viewer, store: MartStore) -> frozenset:
    """Every group of which the viewer sees a row (the callbacks' check of the group control)."""
    return store.memo(viewer, "evaluation_groups", lambda: frozenset(scores(viewer, store)["group_id"]))


def entity_ids(viewer: Viewer, store: MartStore) -> frozenset:
    """Every institute or unit the viewer sees an evaluation row of (the callbacks' check of the entity control)."""
    return store.memo(viewer, "evaluation_entities", lambda: frozenset(scores(viewer, store)["entity_id"]))


def defaults(viewer: Viewer, store: MartStore, state: dict) -> dict:
    """The state's year, scope, group and entity where the viewer has them, else the first it has: the
    latest year, the institutes' ranking (an institute viewer: its units'), the first group, the group's
    first entity (an institute viewer: its own). None for each when nothing is evaluated."""
    rows = scores(viewer, store)
    if rows.empty:
        return {"year": None, "scope": None, "group": None, "entity": None}
    offered = years(viewer, store)
    year = state.get("year") if state.get("year") in offered else offered[0]
    rows = rows[rows["year"] == year]
    scopes = [s for s in SCOPES if (rows["scope"] == s).any()]
    first = "unit" if viewer.role == "institute" and "unit" in scopes else scopes[0]
    scope = state.get("scope") if state.get("scope") in scopes else first
    rows = rows[rows["scope"] == scope]
    groups = list(dict.fromkeys(rows["group_id"]))
    if viewer.role == "institute" and scope == "institute":
        groups = list(dict.fromkeys(rows.loc[rows["entity_id"] == viewer.institute_id, "group_id"])) or groups
    group = state.get("group") if state.get("group") in groups else groups[0]
    entities = rows.loc[rows["group_id"] == group, "entity_id"].tolist()
    entity = state.get("entity") if state.get("entity") in entities else entities[0]
    return {"year": year, "scope": scope, "group": group, "entity": entity}


def ranking(viewer: Viewer, store: MartStore, year: int, scope: str, group_id: str, lang: str) -> pd.DataFrame:
    """The group's rows the viewer may see, best first, each with its display `name` (an institute's full
    name, a unit's path) and `short` (an institute's short name, a unit's own name) in the language."""
    rows = scores(viewer, store)
    rows = rows[(rows["year"] == year) & (rows["scope"] == scope) & (rows["group_id"] == group_id)]
    names = entity_names(viewer, store, lang)
    return rows.assign(name=rows["entity_id"].map(lambda e: names.get(e, (e, e))[0]),
                       short=rows["entity_id"].map(lambda e: names.get(e, (e, e))[1])).reset_index(drop=True)


def entity_names(viewer: Viewer, store: MartStore, lang: str) -> dict[str, tuple[str, str]]:
    """entity id → (full name, short name): an institute's name and its first alias (zh) or id (en); a
    unit's path and its own name — of the institutes and units the viewer sees."""
    def build() -> dict[str, tuple[str, str]]:
        out = {}
        for r in store.institutes(viewer).to_dict("records"):
            aliases = r["aliases"] if isinstance(r["aliases"], str) else ""
            alias = aliases.replace(";", "、").split("、")[0].strip()
            out[r["institute_id"]] = (r[column("name", lang)], (alias or r["name_zh"]) if lang == "zh" else r["institute_id"])
        for r in store.units(viewer).to_dict("records"):
            out[r["unit_id"]] = (r[column("path", lang)], r[column("name", lang)])
        return out
    return store.memo(viewer, ("evaluation_names", lang), build)


def group_label(viewer: Viewer, store: MartStore, scope: str, group_id: str, lang: str) -> str:
    """A group's name: 全部机构 or the peer group's (dim_groups), or for units "<institute> · <unit type>"."""
    if scope == "unit":
        institute_id, _, unit_type = group_id.partition(":")
        institute = entity_names(viewer, store, lang).get(institute_id, (institute_id, institute_id))[1]
        return f"{institute} · {code_name(viewer, store, 'unit_type', unit_type, lang)}"
    groups = store.snapshot(viewer.release).groups  # names only: no figure of the group is shown
    name = groups.loc[groups["group_id"] == group_id, column("name", lang)]
    return str(name.iloc[0]) if not name.empty else group_id


def group_options(viewer: Viewer, store: MartStore, year: int, scope: str, lang: str) -> list[dict]:
    rows = scores(viewer, store)
    ids = dict.fromkeys(rows.loc[(rows["year"] == year) & (rows["scope"] == scope), "group_id"])
    return [{"label": group_label(viewer, store, scope, g, lang), "value": g} for g in ids]


def entity_options(viewer: Viewer, store: MartStore, year: int, scope: str, group_id: str, lang: str) -> list[dict]:
    rows = ranking(viewer, store, year, scope, group_id, lang)
    return [{"label": name, "value": e} for name, e in zip(rows["name"], rows["entity_id"], strict=True)]


def code_name(viewer: Viewer, store: MartStore, code_type: str, code, lang: str) -> str:
    """A code's name from dim_code_labels (a tier, a method, an item kind, a unit type); the code itself
    when it has none."""
    names = store.memo(viewer, ("code_names", lang), lambda: {
        (r["code_type"], r["code"]): r[column("name", lang)] for r in store.labels(viewer).to_dict("records")})
    return names.get((code_type, code), str(code))


def items_visible(viewer: Viewer, store: MartStore, year: int, scope: str, entity_id: str) -> bool:
    """Whether the viewer may see the entity's items and ask a what-if of its group: any row it sees,
    except an institute's own row among institutes in a group with fewer than `min_group_others` others."""
    rows = scores(viewer, store)
    row = rows[(rows["year"] == year) & (rows["scope"] == scope) & (rows["entity_id"] == entity_id)]
    return not row.empty and _items_allowed(viewer, scope, int(row["n"].iloc[0]))


def _items_allowed(viewer: Viewer, scope: str, n: int) -> bool:
    """The rule above for a row the viewer sees, in a group of n."""
    return not (viewer.role == "institute" and scope == "institute") or n - 1 >= viewer.min_group_others


def _check_items(viewer: Viewer, store: MartStore, year: int, scope: str, entity_id: str) -> None:
    if not items_visible(viewer, store, year, scope, entity_id):
        raise Refused(f"无权查看 {entity_id!r} 在 {year} 年的考评明细（或组内其他机构不足）。",
                      f"you may not see the evaluation items of {entity_id!r} in {year} (or its group is too small).")


def items(viewer: Viewer, store: MartStore, year: int, scope: str, entity_id: str) -> pd.DataFrame:
    """fct_evaluation_items of one entity in a year and scope, in the rules' order. Refused where
    `items_visible` says no."""
    _check_items(viewer, store, year, scope, entity_id)
    rows = _mart(viewer, store, "fct_evaluation_items")
    rows = rows[(rows["year"] == year) & (rows["scope"] == scope) & (rows["entity_id"] == entity_id)]
    return rows.sort_values("sort_order").reset_index(drop=True)


def what_changed(viewer: Viewer, store: MartStore, year: int, scope: str, entity_id: str) -> pd.DataFrame:
    """The entity's items that changed its score since the year before, largest |points_change| first
    (items new this year, with no prior points, count their points as the change)."""
    rows = items(viewer, store, year, scope, entity_id)
    change = [c if c is not None and not pd.isna(c) else p for c, p in zip(rows["points_change"], rows["points"], strict=True)]
    rows = rows.assign(change=change)
    rows = rows[[c is not None and not pd.isna(c) and c != 0 for c in rows["change"]]]
    return rows.iloc[sorted(range(len(rows)), key=lambda i: -abs(rows["change"].iloc[i]))].reset_index(drop=True)


def rules(viewer: Viewer, store: MartStore, year: int, scope: str) -> pd.DataFrame:
    """dim_evaluation_rules of a year and scope, in the rules' order (the rules are no secret: every
    viewer of the page sees them)."""
    rows = _mart(viewer, store, "dim_evaluation_rules")
    return rows[(rows["year"] == year) & (rows["scope"] == scope)].sort_values("sort_order").reset_index(drop=True)


def rule_changes(viewer: Viewer, store: MartStore, year: int, scope: str) -> pd.DataFrame:
    """The items whose rule differs from the year before's (RULE_FIELDS), and those added or dropped: one
    row per item and field — item_id, label_zh, label_en, field, before, after (None where the item was
    not in that year's rules). Empty when the year before has no rules."""
    now, before = rules(viewer, store, year, scope), rules(viewer, store, year - 1, scope)
    out = []
    if before.empty:
        return pd.DataFrame(columns=["item_id", "label_zh", "label_en", "field", "before", "after"])
    old = {r["item_id"]: r for r in before.to_dict("records")}
    new = {r["item_id"]: r for r in now.to_dict("records")}
    for item_id in [*new, *(i for i in old if i not in new)]:
        a, b = old.get(item_id), new.get(item_id)
        label = b or a
        fields = [f for f in RULE_FIELDS if a is None or b is None or not _same(a[f], b[f])]
        for field in fields if a is not None and b is not None else ["item"]:
            out.append({"item_id": item_id, "label_zh": label["label_zh"], "label_en": label["label_en"], "field": field,
                        "before": None if a is None else (a[field] if field != "item" else a["item_kind"]),
                        "after": None if b is None else (b[field] if field != "item" else b["item_kind"])})
    return pd.DataFrame(out, columns=["item_id", "label_zh", "label_en", "field", "before", "after"])


def _same(a, b) -> bool:
    missing = (a is None or (isinstance(a, float) and pd.isna(a)), b is None or (isinstance(b, float) and pd.isna(b)))
    return all(missing) or (not any(missing) and a == b)


def tiers(viewer: Viewer, store: MartStore, year: int, scope: str) -> pd.DataFrame:
    rows = _mart(viewer, store, "dim_evaluation_tiers")
    return rows[(rows["year"] == year) & (rows["scope"] == scope)].sort_values("tier_order").reset_index(drop=True)


def what_if(viewer: Viewer, store: MartStore, year: int, scope: str, group_id: str,
            weights: dict[str, Decimal]) -> pd.DataFrame:
    """The group re-scored with `weights` (item_id → weight; a metric item not given keeps its published
    weight): per entity score = Σ weight × published sub_score over the metric items + the published bonus
    and deduction points (Decimal), rank = 1 + how many score more (SQL's rank()), n = the group's size,
    tier = the first of the year's tiers it meets. Nothing is saved. Columns: entity_id, institute_id,
    unit_id, score, rank, n, tier, tier_order, published_score, published_rank, rank_change (published
    minus new: positive = moved up) — the rows the viewer may see, best first.
    An institute viewer among institutes: its own row, where `items_visible` allows; Refused otherwise."""
    key = (year, scope, group_id)
    group = _group_terms(viewer, store, key)
    shown = store.memo(viewer, ("evaluation_shown", key), lambda: frozenset() if group is None else frozenset(
        _by_group(viewer, store, "fct_evaluation_scores")[key].pipe(lambda g: g.loc[_visible(viewer, store, g), "entity_id"])))
    if not shown or not _items_allowed(viewer, scope, len(group["entities"])):
        raise Refused(f"无权查看考评组 {group_id!r} 的明细（或组内其他机构不足）。",
                      f"you may not see the items of the evaluation group {group_id!r} (or it is too small).")
    unknown = set(weights) - group["metric_items"]
    if unknown:
        raise ValueError(f"not a metric item of {year} {scope}: {', '.join(sorted(unknown))}")
    score: dict[str, Decimal] = dict.fromkeys((e["entity_id"] for e in group["entities"]), Decimal(0))
    for entity_id, kind, item_id, weight, sub_score, points in group["terms"]:
        if kind == "metric":
            score[entity_id] += Decimal(weights.get(item_id, weight)) * sub_score
        else:
            score[entity_id] += points
    n = len(score)
    ordered = sorted(score.values(), reverse=True)
    out = []
    for e in group["entities"]:
        if e["entity_id"] not in shown:
            continue
        value = score[e["entity_id"]]
        rank = 1 + sum(1 for s in ordered if s > value)
        tier, tier_order = _tier(group["levels"], value, rank, n)
        out.append({"entity_id": e["entity_id"], "institute_id": e["institute_id"], "unit_id": e["unit_id"],
                    "score": value, "rank": rank, "n": n, "tier": tier, "tier_order": tier_order,
                    "published_score": e["score"], "published_rank": int(e["rank"]), "rank_change": int(e["rank"]) - rank})
    return pd.DataFrame(sorted(out, key=lambda r: (r["rank"], r["entity_id"])))


def _group_terms(viewer: Viewer, store: MartStore, key: tuple) -> dict | None:
    """What the what-if adds up for a group, as plain Python values, once per version: its entities (id,
    institute, unit, published score and rank), each item's (entity, kind, item, weight, sub_score,
    points), its metric items and the year's tiers. None for a group that has no scores."""
    def build() -> dict | None:
        group = _by_group(viewer, store, "fct_evaluation_scores").get(key)
        if group is None:
            return None
        items = _by_group(viewer, store, "fct_evaluation_items")[key]
        columns = ["entity_id", "item_kind", "item_id", "weight", "sub_score", "points"]
        return {"entities": group[["entity_id", "institute_id", "unit_id", "score", "rank"]].to_dict("records"),
                "terms": list(items[columns].itertuples(index=False, name=None)),
                "metric_items": frozenset(items.loc[items["item_kind"] == "metric", "item_id"]),
                "levels": tiers(viewer, store, key[0], key[1]).to_dict("records")}
    return store.snapshot(viewer.release).memo(("evaluation_terms", key), build)


def _tier(levels: list[dict], score: Decimal, rank: int, n: int) -> tuple[str | None, int | None]:
    """The first level met: by score, score ≥ min; by rank share, rank / n ≤ top (as fractions: exact);
    the last level has neither and is met by all."""
    for level in levels:
        if level["tier_by"] == "score":
            bound = level["min_score"]
            met = bound is None or pd.isna(bound) or score >= Decimal(bound)
        else:
            bound = level["top_share"]
            met = bound is None or pd.isna(bound) or Fraction(rank, n) <= Fraction(Decimal(bound))
        if met:
            return level["tier"], int(level["tier_order"])
    return None, None


def published_weights(viewer: Viewer, store: MartStore, year: int, scope: str) -> dict[str, Decimal]:
    """item_id → the published weight of each metric item of the year and scope, in the rules' order."""
    rows = rules(viewer, store, year, scope)
    rows = rows[rows["item_kind"] == "metric"]
    return {i: Decimal(w) for i, w in zip(rows["item_id"], rows["weight"], strict=True)}


def versions(viewer: Viewer, store: MartStore, year: int) -> list[rules_store.RuleVersion]:
    """The saved versions of the year's rules (oldest first), from the rules folder beside the published
    data (MartStore.rules_dir): who saved each, when, with what note. The rules are no secret."""
    if store.rules_dir is None:
        return []
    return rules_store.versions(store.rules_dir, year)


def version_text(viewer: Viewer, store: MartStore, year: int, version: int) -> str:
    return rules_store.read_version(store.rules_dir, year, version)


def used_version(viewer: Viewer, store: MartStore, year: int) -> int | None:
    """The rules version the published scores of the year were computed with."""
    rows = _mart(viewer, store, "dim_evaluation_rules")
    used = rows.loc[rows["year"] == year, "rules_version"]
    return int(used.iloc[0]) if not used.empty else None
