"""A rules file (考核细则, YAML) → the checked rows of raw.evaluation_scopes, raw.evaluation_rules and
raw.evaluation_tiers (their columns: TABLES). docs/evaluation.md, "Rules files", describes the format.

Everything a mistake could hide behind is checked here, before dbt scores anything: a typo'd key, an
unknown metric or code, weights that do not add up to exactly 100, tiers that overlap. Each error names
the file and the line (RulesError); a refresh stops at its ingest stage on one and publishes nothing.
The checks are made on the composed document (yaml_nodes), so each node keeps its line."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath

from yaml.nodes import Node

from pipelines.evaluation import catalog
from pipelines.evaluation.yaml_nodes import BOM, Mapping, Reader, RulesError, compose, line

__all__ = ["TABLES", "ParsedRules", "RulesError", "parse_rules"]

SCOPES = {"institutes": "institute", "units": "unit"}
# column name → DuckDB type, in table order
TABLES = {
    "evaluation_scopes": {
        "year": "integer", "scope": "varchar", "group_by": "varchar", "unit_types": "varchar",
        "title_zh": "varchar", "title_en": "varchar", "rules_file": "varchar", "rules_version": "integer",
        "rules_sha256": "varchar", "saved_at": "varchar", "saved_by": "varchar",
    },
    "evaluation_rules": {
        "year": "integer", "scope": "varchar", "item_id": "varchar", "item_kind": "varchar",
        "sort_order": "integer", "label_zh": "varchar", "label_en": "varchar", "metric_id": "varchar",
        "method": "varchar", "basis": "varchar", "weight": "decimal(9,4)", "target": "double",
        "cap": "double", "points": "decimal(9,4)", "award_levels": "varchar", "award_grades": "varchar",
        "award_roles": "varchar", "award_for": "varchar", "source_line": "integer",
    },
    "evaluation_tiers": {
        "year": "integer", "scope": "varchar", "tier": "varchar", "tier_order": "integer",
        "tier_by": "varchar", "min_score": "decimal(9,4)", "top_share": "decimal(9,4)", "source_line": "integer",
    },
}

GROUPS = ("all", "peer_group")
METHODS = ("linear_target", "peer_median_ratio", "rank_points")
BASES = ("value", "per_100_staff", "r3y")
BONUS_KINDS = ("award", "metric")
DEDUCTION_KINDS = ("decline", "metric")
TIERS = ("advanced", "good", "pass", "improve")  # best first: the order levels are listed in
TIER_BY = ("score", "rank_share")
DEFAULT_CAP = Decimal(2)  # peer_median_ratio: twice the median scores full marks
WEIGHT_TOTAL = Decimal(100)
WEIGHT_DECIMALS, POINTS_DECIMALS = 2, 4  # points, caps, minimum scores and shares are decimal(9,4)

TOP_KEYS = ("year", "title_zh", "title_en", *SCOPES)
SCOPE_KEYS = {"institute": ("group", "metrics", "bonuses", "deductions", "tiers"),
              "unit": ("unit_types", "metrics", "bonuses", "deductions", "tiers")}
METRIC_KEYS = ("id", "label_zh", "label_en", "metric", "basis", "method", "weight", "target", "cap")
METHOD_KEYS = {"linear_target": ("target",), "peer_median_ratio": ("cap",), "rank_points": ()}
BONUS_KEYS = ("id", "label_zh", "label_en", "kind", "metric", "points", "cap", "level", "grade", "role", "for")
BONUS_KIND_KEYS = {"award": ("level", "grade", "role", "for", "cap"), "metric": ("metric", "cap")}
DEDUCTION_KEYS = ("id", "label_zh", "label_en", "kind", "metric", "points", "cap")
DEDUCTION_KIND_KEYS = {"decline": ("metric",), "metric": ("metric", "cap")}
LABEL_KEYS = ("id", "label_zh", "label_en", "kind", "points")
METRICS_LISTED = ("指标目录 dbt_project/seeds/metric_catalog.csv 中的 metric_id",
                  "a metric_id of the metric catalog, dbt_project/seeds/metric_catalog.csv")
AWARD_FILTERS = {"level": ("award_levels", catalog.AWARD_LEVEL, ("奖励级别 level", "award level")),
                 "grade": ("award_grades", catalog.AWARD_GRADE, ("获奖等级 grade", "award grade")),
                 "role": ("award_roles", catalog.AWARD_ROLE, ("完成单位角色 role", "award role"))}


@dataclass
class ParsedRules:
    """A checked rules file: its rows for the raw tables (a scope row's rules_version, rules_sha256,
    saved_at and saved_by are the file's, filled by the loader), and where each metric item's weight is
    written in the text: (start, end) character positions, for store.with_weights."""
    year: int
    scopes: list[dict] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)
    tiers: list[dict] = field(default_factory=list)
    weight_spans: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def tables(self) -> dict[str, list[dict]]:
        return {"evaluation_scopes": self.scopes, "evaluation_rules": self.rules, "evaluation_tiers": self.tiers}

    @property
    def weights(self) -> dict[tuple[str, str], Decimal]:
        """(scope, item_id) → weight, of every metric item."""
        return {(r["scope"], r["item_id"]): r["weight"] for r in self.rules if r["item_kind"] == "metric"}


def parse_rules(text: str, file: str) -> ParsedRules:
    """Check a rules file and turn it into rows; the first problem found is raised as a RulesError.
    `file` is the name the messages give (and rules_file); when its folder is a year
    (…/2024/v002.yaml), the file's `year:` must be that year."""
    read = Reader(file)
    root = compose(text, file)
    if root is None:
        read.fail(1, "文件为空", "the file is empty")
    top = read.mapping(root, "规则文件", "the rules file").known(TOP_KEYS, "文件顶层", "the top level")
    year_node = top.need("year", "规则文件", "the rules file")
    year = read.integer(year_node, "year")
    folder = PurePosixPath(file).parent.name
    if folder.isdigit() and int(folder) != year:
        read.fail(year_node, f"year 为 {year}，但文件在 {folder} 年的文件夹中",
                  f"year is {year} but the file is in the folder of {folder}")
    if not any(key in top for key in SCOPES):
        read.fail(root, "至少需要 institutes（院际考评）或 units（院内考评）之一",
                  "the file needs institutes (between institutes) or units (within each institute), or both")
    titles = {lang: read.text(top.get(f"title_{lang}"), f"title_{lang}") if f"title_{lang}" in top else None
              for lang in ("zh", "en")}
    parsed = ParsedRules(year)
    for key, scope in SCOPES.items():
        if key in top:
            _scope(read, parsed, scope, read.mapping(top.get(key), key, key).known(SCOPE_KEYS[scope], key, key), file, titles,
                   len(text) - len(text.removeprefix(BOM)))
    return parsed


def _scope(read: Reader, parsed: ParsedRules, scope: str, part: Mapping, file: str, titles: dict, offset: int) -> None:
    """One scope's rows; `offset`: where the composed text starts in the file's (1 after a byte-order mark)."""
    year = parsed.year
    group_by = unit_types = None
    if scope == "institute":
        group_by = read.code(part.get("group"), ("分组 group", "group"), GROUPS) if "group" in part else "all"
    else:
        node = part.need("unit_types", "units", "units")
        unit_types = ",".join(read.codes(node, ("部门类型 unit_types", "unit type"), catalog.codes(catalog.UNIT_TYPE)))
    parsed.scopes.append({
        "year": year, "scope": scope, "group_by": group_by, "unit_types": unit_types,
        "title_zh": titles["zh"] or f"{year} 年度考评", "title_en": titles["en"] or f"{year} evaluation",
        "rules_file": file})

    ids: dict[str, int] = {}
    metrics_node = part.need("metrics", scope_word(scope, "zh"), scope_word(scope, "en"))
    items = [("metric", node) for node in read.sequence(metrics_node, "metrics")]
    for key, kind in (("bonuses", "bonus"), ("deductions", "deduction")):
        if key in part:
            items += [(kind, node) for node in read.sequence(part.get(key), key)]
    for order, (kind, node) in enumerate(items, start=1):
        row, id_node = {"metric": _metric_item, "bonus": _bonus_item, "deduction": _deduction_item}[kind](read, node)
        if row["item_id"] in ids:
            read.fail(id_node, f"编号 {row['item_id']} 重复（第 {ids[row['item_id']]} 行已用；未写 id 时以指标代码为编号）",
                      f"the id '{row['item_id']}' is used twice (already on line {ids[row['item_id']]}; "
                      "without an id, an item's id is its metric's)")
        ids[row["item_id"]] = line(id_node)
        parsed.rules.append({"year": year, "scope": scope, "item_kind": kind, "sort_order": order,
                             "source_line": line(node), **row})
        if kind == "metric":
            weight = read.mapping(node, "", "").get("weight")
            parsed.weight_spans[(scope, row["item_id"])] = (weight.start_mark.index + offset, weight.end_mark.index + offset)
    total = sum(r["weight"] for r in parsed.rules if r["scope"] == scope and r["item_kind"] == "metric")
    if total != WEIGHT_TOTAL:
        read.fail(part.keys["metrics"], f"{scope_word(scope, 'zh')}各指标权重之和为 {total:f}，应为 100",
                  f"the weights of {scope_word(scope, 'en')}'s metrics add up to {total:f}, not 100")
    parsed.tiers += _tiers(read, part.need("tiers", scope_word(scope, "zh"), scope_word(scope, "en")), year, scope)


def scope_word(scope: str, lang: str) -> str:
    return {("institute", "zh"): "institutes（院际考评）", ("institute", "en"): "institutes",
            ("unit", "zh"): "units（院内考评）", ("unit", "en"): "units"}[(scope, lang)]


def _metric_item(read: Reader, node: Node) -> tuple[dict, Node]:
    item = read.mapping(node, "metrics 的一项", "a metrics item").known(METRIC_KEYS, "指标项", "a metric item")
    method = read.code(item.need("method", "指标项", "a metric item"), ("计分方法 method", "method"), METHODS)
    keys = ("id", "label_zh", "label_en", "metric", "basis", "method", "weight", *METHOD_KEYS[method])
    item.applies(keys, f"计分方法 {method}", f"the method {method}")
    metric, (name_zh, name_en) = _metric(read, item, "指标项", "a metric item")
    weight = read.number(item.need("weight", "指标项", "a metric item"), "weight", WEIGHT_DECIMALS)
    if weight <= 0:
        read.fail(item.get("weight"), f"weight 应大于 0（现为 {weight:f}）", f"weight should be above 0 (it is {weight:f})")
    target = cap = None
    if method == "linear_target":
        target = read.number(item.need("target", f"计分方法 {method} 的指标项", f"a {method} item"), "target", POINTS_DECIMALS)
        if target <= 0:
            read.fail(item.get("target"), f"target 应大于 0（现为 {target:f}）", f"target should be above 0 (it is {target:f})")
    if method == "peer_median_ratio":
        cap = read.number(item.get("cap"), "cap", POINTS_DECIMALS) if "cap" in item else DEFAULT_CAP
        if cap <= 1:
            read.fail(item.get("cap"), f"cap 应大于 1（中位数的倍数；现为 {cap:f}）",
                      f"cap should be above 1 (a multiple of the median; it is {cap:f})")
    row = {"item_id": _id(read, item, metric), "metric_id": metric, "method": method,
           "basis": read.code(item.get("basis"), ("计分基础 basis", "basis"), BASES) if "basis" in item else "value",
           "weight": weight, "target": _float(target), "cap": _float(cap), "points": None,
           **_labels(read, item, name_zh, name_en), **_no_award_filters()}
    return row, item.get("id") or item.get("metric")


def _bonus_item(read: Reader, node: Node) -> tuple[dict, Node]:
    item = read.mapping(node, "bonuses 的一项", "a bonuses item").known(BONUS_KEYS, "加分项", "a bonus")
    kind = read.code(item.need("kind", "加分项", "a bonus"), ("加分类型 kind", "bonus kind"), BONUS_KINDS)
    item.applies((*LABEL_KEYS, *BONUS_KIND_KEYS[kind]), f"kind 为 {kind} 的加分项", f"a bonus of kind {kind}")
    metric = None
    if kind == "metric":
        metric, _ = _metric(read, item, "加分项", "a bonus")
    elif "id" not in item:
        read.fail(node, "加分项缺少 id（奖励类加分项没有指标代码可作编号）", "a bonus has no 'id' (an award bonus has no metric to take it from)")
    row = {"item_id": _id(read, item, metric), "metric_id": metric, "method": kind, "basis": "value" if metric else None,
           "weight": None, "target": None, **_points(read, item, "加分项", "a bonus"),
           **_labels(read, item, None, None), **_no_award_filters()}
    for key, (column, code_type, what) in AWARD_FILTERS.items():
        if key in item:
            row[column] = ",".join(read.codes(item.get(key), what, catalog.codes(code_type)))
    if "for" in item:
        row["award_for"] = read.code(item.get("for"), ("获奖成果类型 for", "award 'for'"), catalog.codes(catalog.AWARD_FOR))
    return row, item.get("id")


def _deduction_item(read: Reader, node: Node) -> tuple[dict, Node]:
    item = read.mapping(node, "deductions 的一项", "a deductions item").known(DEDUCTION_KEYS, "扣分项", "a deduction")
    kind = read.code(item.need("kind", "扣分项", "a deduction"), ("扣分类型 kind", "deduction kind"), DEDUCTION_KINDS)
    item.applies((*LABEL_KEYS, *DEDUCTION_KIND_KEYS[kind]), f"kind 为 {kind} 的扣分项", f"a deduction of kind {kind}")
    metric, _ = _metric(read, item, "扣分项", "a deduction")
    row = {"item_id": _id(read, item, metric), "metric_id": metric, "method": kind, "basis": "value",
           "weight": None, "target": None, **_points(read, item, "扣分项", "a deduction"),
           **_labels(read, item, None, None), **_no_award_filters()}
    return row, item.get("id") or item.get("metric")


def _metric(read: Reader, item: Mapping, what_zh: str, what_en: str) -> tuple[str, tuple[str, str]]:
    node = item.need("metric", what_zh, what_en)
    known = catalog.metrics()
    metric = read.code(node, ("指标", "metric"), tuple(known), METRICS_LISTED)
    return metric, known[metric]


def _id(read: Reader, item: Mapping, metric: str | None) -> str:
    return read.text(item.get("id"), "id") if "id" in item else metric


def _labels(read: Reader, item: Mapping, default_zh: str | None, default_en: str | None) -> dict:
    """A metric item's labels default to its metric's catalog names; a bonus or deduction needs
    label_zh, and its label_en defaults to it."""
    if default_zh is None:
        item.need("label_zh", "加分或扣分项", "a bonus or deduction")
    zh = read.text(item.get("label_zh"), "label_zh") if "label_zh" in item else default_zh
    en = read.text(item.get("label_en"), "label_en") if "label_en" in item else default_en or zh
    return {"label_zh": zh, "label_en": en}


def _points(read: Reader, item: Mapping, what_zh: str, what_en: str) -> dict:
    """points (each) and cap (in total, optional): both above 0, as written — a deduction's points
    are made negative by dbt."""
    points = read.number(item.need("points", what_zh, what_en), "points", POINTS_DECIMALS)
    if points <= 0:
        read.fail(item.get("points"), f"points 应大于 0（扣分项也写正数；现为 {points:f}）",
                  f"points should be above 0 (a deduction's too; it is {points:f})")
    cap = read.number(item.get("cap"), "cap", POINTS_DECIMALS) if "cap" in item else None
    if cap is not None and cap <= 0:
        read.fail(item.get("cap"), f"cap（合计上限）应大于 0（现为 {cap:f}）", f"cap (the most in total) should be above 0 (it is {cap:f})")
    return {"points": points, "cap": _float(cap)}


def _no_award_filters() -> dict:
    return {"award_levels": None, "award_grades": None, "award_roles": None, "award_for": None}


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _tiers(read: Reader, node: Node, year: int, scope: str) -> list[dict]:
    """Levels listed best first in the fixed order; by score each but the last has a min (strictly
    decreasing), by rank_share a top (strictly increasing, below 1); the last takes everyone left."""
    tiers = read.mapping(node, "tiers ", "tiers").known(("by", "levels"), "tiers ", "tiers")
    by = read.code(tiers.need("by", "tiers", "tiers"), ("分级方式 by", "tiers by"), TIER_BY)
    bound, other = ("min", "top") if by == "score" else ("top", "min")
    levels = read.sequence(tiers.need("levels", "tiers", "tiers"), "levels")
    if not levels:
        read.fail(tiers.get("levels"), "levels 为空：至少需要一个等级", "levels is empty: at least one level is needed")
    rows: list[dict] = []
    for order, level_node in enumerate(levels, start=1):
        level = read.mapping(level_node, "等级", "a level").known(("tier", "min", "top"), "等级", "a level")
        level.applies(("tier", bound), f"按 {by} 分级（by: {by} 用 {bound}，不用 {other}）",
                      f"tiers by {by} (by: {by} uses {bound}, not {other})")
        tier = read.code(level.need("tier", "等级", "a level"), ("等级 tier", "tier"), TIERS)
        previous = rows[-1] if rows else None
        if previous and TIERS.index(tier) <= TIERS.index(previous["tier"]):
            read.fail(level_node, f"等级 {tier} 排在 {previous['tier']} 之后：等级应按 {' > '.join(TIERS)} 由高到低各列一次",
                      f"the tier {tier} comes after {previous['tier']}: levels are listed once each, best first "
                      f"({' > '.join(TIERS)})")
        last = order == len(levels)
        if last and bound in level:
            read.fail(level_node, f"最后一级不设 {bound}：其余全部归入该级",
                      f"the last level has no {bound}: it takes everyone left")
        if not last and bound not in level:
            read.fail(level_node, f"等级 {tier} 缺少 {bound}（只有最后一级不设）", f"the level {tier} has no {bound} (only the last has none)")
        value = read.number(level.get(bound), bound, POINTS_DECIMALS) if bound in level else None
        if value is not None and by == "rank_share" and not 0 < value < 1:
            read.fail(level_node, f"top 应在 0 与 1 之间（排名前百分之几；现为 {value:f}）",
                      f"top should be between 0 and 1 (the top share of the ranking; it is {value:f})")
        if value is not None and previous:
            went_wrong = value >= previous["min_score"] if by == "score" else value <= previous["top_share"]
            if went_wrong:
                before = previous["min_score"] if by == "score" else previous["top_share"]
                read.fail(level_node,
                          f"等级重叠或顺序颠倒：{tier} 的 {bound} {value:f} 应{'低于' if by == 'score' else '高于'}上一级 "
                          f"{previous['tier']} 的 {before:f}",
                          f"overlapping or unordered tiers: the {bound} of {tier}, {value:f}, should be "
                          f"{'below' if by == 'score' else 'above'} that of {previous['tier']} above it, {before:f}")
        rows.append({"year": year, "scope": scope, "tier": tier, "tier_order": order, "tier_by": by,
                     "min_score": value if by == "score" else None, "top_share": value if by == "rank_share" else None,
                     "source_line": line(level_node)})
    return rows
