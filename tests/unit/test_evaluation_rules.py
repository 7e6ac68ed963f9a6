"""The rules file's checks: each mistake the format can hold is an error naming the file and the line to
fix, in Chinese and English. Each case edits the demo's 2024 rules at one place; the line it must name
is found in the edited text (the line holding the edit), not written down."""
from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.contracts import awards, units
from pipelines.errors import FileError
from pipelines.evaluation import catalog
from pipelines.evaluation.rules import TIERS, RulesError, parse_rules
from pipelines.evaluation.yaml_nodes import decode

BASE = (PROJECT_ROOT / "pipelines" / "demo" / "rules" / "2024-v002.yaml").read_text(encoding="utf-8")
FILE = "rules/evaluation/2024/v007.yaml"


def edited(old: str, new: str, nth: int = 1, text: str = BASE) -> str:
    """`text` with the nth occurrence of `old` replaced by `new`."""
    at = -1
    for _ in range(nth):
        at = text.index(old, at + 1)
    return text[:at] + new + text[at + len(old):]


def line_of(text: str, fragment: str, nth: int = 1) -> int:
    found = [number for number, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return found[nth - 1]


def error(text: str, file: str = FILE) -> RulesError:
    with pytest.raises(RulesError) as raised:
        parse_rules(text, file)
    return raised.value


# (case, text, the fragment on the line named (and which occurrence), words of the Chinese and English message)
CASES = [
    ("yaml syntax", edited("      weight: 20\n", "\tweight: 20\n"), ("\tweight", 1),
     "YAML 语法错误", "YAML syntax error"),
    ("control character", edited("label_zh: 国家级科技奖励", "label_zh: 国家级\x07科技奖励"), ("国家级\x07", 1),
     "文件含有 YAML 不允许的字符", "the file holds a character YAML does not allow"),
    ("typo'd key", edited("      weight: 20\n", "      wieght: 20\n"), ("wieght", 1),
     "未知的键 wieght（是否应为 weight？）", "unknown key 'wieght' in a metric item (did you mean 'weight'?)"),
    ("typo'd top-level key", edited("title_en:", "titel_en:"), ("titel_en", 1),
     "未知的键 titel_en", "unknown key 'titel_en' in the top level (did you mean 'title_en'?)"),
    ("typo'd scope key", edited("  bonuses:", "  bonus:"), ("  bonus:", 1), "未知的键 bonus", "unknown key 'bonus' in institutes"),
    ("key repeated", edited("      weight: 20\n", "      weight: 20\n      weight: 20\n"), ("weight: 20", 2),
     "键 weight 重复", "the key 'weight' is repeated"),
    ("missing year", edited("year: 2024\n", ""), ("title_zh:", 1), "缺少 year", "has no 'year'"),
    ("year not the folder's", edited("year: 2024", "year: 2023"), ("year: 2023", 1),
     "year 为 2023，但文件在 2024 年的文件夹中", "year is 2023 but the file is in the folder of 2024"),
    ("year not a number", edited("year: 2024", "year: 二〇二四"), ("year:", 1), "year 应为整数", "year should be a whole number"),
    ("unknown metric", edited("metric: std_led", "metric: std_lead"), ("std_lead", 1),
     "未知的指标：std_lead（是否应为 std_led？）", "unknown metric 'std_lead' (did you mean 'std_led'?)"),
    ("unknown method", edited("method: rank_points", "method: rank_point"), ("rank_point ", 1),
     "未知的计分方法 method：rank_point", "unknown method 'rank_point' (did you mean 'rank_points'?)"),
    ("unknown basis", edited("basis: per_100_staff", "basis: per_staff"), ("per_staff", 1),
     "未知的计分基础 basis：per_staff", "unknown basis 'per_staff'"),
    ("unknown bonus kind", edited("      kind: award\n", "      kind: prize\n"), ("kind: prize", 1),
     "未知的加分类型 kind：prize", "unknown bonus kind 'prize'"),
    ("unknown deduction kind", edited("kind: decline", "kind: drop"), ("kind: drop", 1),
     "未知的扣分类型 kind：drop", "unknown deduction kind 'drop'"),
    ("unknown tier", edited("{tier: good, min: 55}", "{tier: fine, min: 55}"), ("tier: fine", 1),
     "未知的等级 tier：fine", "unknown tier 'fine'"),
    ("unknown unit type", edited("unit_types: [team, centre]", "unit_types: [team, center]"), ("unit_types:", 1),
     "未知的部门类型 unit_types：center（是否应为 centre？）", "unknown unit type 'center' (did you mean 'centre'?)"),
    ("unknown award level", edited("level: [national]", "level: [nation]"), ("level: [nation]", 1),
     "未知的奖励级别 level：nation", "unknown award level 'nation' (did you mean 'national'?)"),
    ("unknown award grade", edited("grade: [special, first]", "grade: [special, 1st]"), ("grade:", 1),
     "未知的获奖等级 grade：1st", "unknown award grade '1st'"),
    ("unknown award role", edited("      level: [national]\n", "      level: [national]\n      role: [leader]\n"),
     ("role: [leader]", 1), "未知的完成单位角色 role：leader", "unknown award role 'leader'"),
    ("unknown award for", edited("for: standard ", "for: standards "), ("for: standards", 1),
     "未知的获奖成果类型 for：standards", "unknown award 'for' 'standards' (did you mean 'standard'?)"),
    ("weight zero", edited("      weight: 20\n", "      weight: 0\n"), ("weight: 0", 1),
     "weight 应大于 0（现为 0）", "weight should be above 0 (it is 0)"),
    ("weight negative", edited("      weight: 20\n", "      weight: -20\n"), ("weight: -20", 1),
     "weight 应大于 0", "weight should be above 0 (it is -20)"),
    ("weight three decimals", edited("      weight: 20\n", "      weight: 19.995\n"), ("19.995", 1),
     "weight 19.995 的小数超过 2 位", "weight 19.995 has more than 2 decimals"),
    ("weight a text", edited("      weight: 20\n", '      weight: "20"\n'), ('weight: "20"', 1),
     "weight 应为数字", "weight should be a number"),
    ("institute weights add to 101", edited("      weight: 20\n", "      weight: 21\n"), ("  metrics:", 1),
     "institutes（院际考评）各指标权重之和为 101，应为 100", "the weights of institutes's metrics add up to 101, not 100"),
    ("unit weights add to 99.5", edited("      target: 3\n      weight: 15\n", "      target: 3\n      weight: 14.5\n"),
     ("  metrics:", 2), "各指标权重之和为 99.5，应为 100", "add up to 99.5, not 100"),
    ("target zero", edited("target: 10", "target: 0"), ("target: 0", 1), "target 应大于 0", "target should be above 0 (it is 0)"),
    ("target missing", edited("      target: 10\n", ""), ("- id: papers", 1), "缺少 target", "has no 'target'"),
    ("cap one", edited("      cap: 2\n", "      cap: 1\n"), ("cap: 1", 1), "cap 应大于 1", "cap should be above 1 (a multiple of the median; it is 1)"),
    ("cap on a linear target", edited("      target: 10\n", "      target: 10\n      cap: 2.5\n"), ("cap: 2.5", 1),
     "键 cap 不适用于计分方法 linear_target", "the key 'cap' does not apply to the method linear_target"),
    ("metric on an award bonus", edited("      kind: award\n", "      kind: award\n      metric: awd_total\n"),
     ("metric: awd_total", 1), "键 metric 不适用于kind 为 award 的加分项", "the key 'metric' does not apply to a bonus of kind award"),
    ("duplicate id", edited("    - id: inventions", "    - id: projects"), ("- id: projects", 2),
     "编号 projects 重复", "the id 'projects' is used twice (already on line {first};"),
    # the metric line of the deduction (the third line naming prj_initiated: prj_initiated_prov_plus, the metric item's)
    ("duplicate id by default", edited("    - id: projects_decline\n      label_zh", "    - label_zh",
                                       text=edited("    - id: projects\n      metric: prj_initiated\n", "    - metric: prj_initiated\n")),
     ("metric: prj_initiated", 3), "编号 prj_initiated 重复", "without an id, an item's id is its metric's"),
    ("bonus without label", edited("      label_zh: 国家级科技奖励\n", ""), ("- id: national_award", 1),
     "缺少 label_zh", "has no 'label_zh'"),
    ("award bonus without id", edited("    - id: national_award\n      label_zh", "    - label_zh"),
     ("- label_zh: 国家级科技奖励", 1), "加分项缺少 id", "a bonus has no 'id'"),
    ("bonus points zero", edited("      points: 5 ", "      points: 0 "), ("points: 0", 1), "points 应大于 0", "points should be above 0"),
    ("score tiers overlapping", edited("{tier: good, min: 55}", "{tier: good, min: 75}"), ("tier: good, min: 75", 1),
     "等级重叠或顺序颠倒：good 的 min 75 应低于上一级 advanced 的 70",
     "overlapping or unordered tiers: the min of good, 75, should be below that of advanced above it, 70"),
    ("score tiers equal", edited("{tier: pass, min: 40}", "{tier: pass, min: 55}"), ("tier: pass, min: 55", 1),
     "等级重叠或顺序颠倒", "overlapping or unordered tiers: the min of pass, 55"),
    ("rank-share tiers unordered", edited("{tier: good, top: 0.6}", "{tier: good, top: 0.2}"), ("tier: good, top: 0.2", 1),
     "等级重叠或顺序颠倒：good 的 top 0.2 应高于上一级 advanced 的 0.3", "should be above that of advanced above it, 0.3"),
    ("tiers listed out of order", edited("{tier: advanced, top: 0.3}\n      - {tier: good, top: 0.6}",
                                         "{tier: good, top: 0.3}\n      - {tier: advanced, top: 0.6}"),
     ("tier: advanced, top: 0.6", 1), "等级 advanced 排在 good 之后", "the tier advanced comes after good"),
    ("tier twice", edited("{tier: good, top: 0.6}", "{tier: advanced, top: 0.6}"), ("tier: advanced, top: 0.6", 1),
     "等级 advanced 排在 advanced 之后", "levels are listed once each"),
    ("level without min", edited("{tier: good, min: 55}", "{tier: good}"), ("{tier: good}", 1),
     "等级 good 缺少 min", "the level good has no min (only the last has none)"),
    ("level without top", edited("{tier: good, top: 0.6}", "{tier: good}"), ("{tier: good}", 1),
     "等级 good 缺少 top", "the level good has no top"),
    ("last level with min", edited("{tier: improve}", "{tier: improve, min: 10}", nth=2), ("tier: improve, min: 10", 1),
     "最后一级不设 min", "the last level has no min: it takes everyone left"),
    ("min in a rank-share tier", edited("{tier: good, top: 0.6}", "{tier: good, min: 0.6}"), ("tier: good, min: 0.6", 1),
     "键 min 不适用于按 rank_share 分级", "the key 'min' does not apply to tiers by rank_share"),
    ("top of one", edited("{tier: pass, top: 0.9}", "{tier: pass, top: 1}"), ("tier: pass, top: 1}", 1),
     "top 应在 0 与 1 之间", "top should be between 0 and 1"),
    ("unknown tiers by", edited("by: rank_share", "by: rank"), ("by: rank", 1), "未知的分级方式 by：rank", "unknown tiers by 'rank'"),
    ("group neither all nor peer_group", edited("group: all ", "group: province "), ("group: province", 1),
     "未知的分组 group：province；可用：all、peer_group", "unknown group 'province'; allowed: all, peer_group"),
    ("group in units", edited("  unit_types: [team, centre]", "  group: all\n  unit_types: [team, centre]"), ("group: all", 2),
     "未知的键 group", "unknown key 'group' in units"),
    ("deductions not a list", edited("  deductions:\n    - id: projects_decline\n      label_zh: 立项数下降\n      label_en: Projects "
                                     "initiated fell on the year before\n      kind: decline\n      metric: prj_initiated\n      points: 1\n",
                                     "  deductions: none\n"),
     ("deductions: none", 1), "deductions 应为列表", "deductions should be a list"),
]


@pytest.mark.parametrize(("case", "text", "where", "zh", "en"), CASES, ids=[c[0] for c in CASES])
def test_each_mistake_is_an_error_naming_the_file_and_its_line(case, text, where, zh, en):
    e = error(text)
    expected = line_of(text, *where)
    assert e.line == expected
    first = line_of(text, "- id: projects")
    assert zh in e.problem_zh and en.format(first=first) in e.problem_en
    assert e.problem_zh.startswith(f"第 {expected} 行：") and e.problem_en.startswith(f"line {expected}: ")
    rendered = e.render()
    assert FILE in rendered and f"第 {expected} 行" in rendered and f"line {expected}:" in rendered
    assert isinstance(e, FileError)


def test_the_demos_rules_are_valid_and_every_row_names_the_line_it_came_from():
    parsed = parse_rules(BASE, FILE)
    lines = BASE.splitlines()
    assert {s["scope"] for s in parsed.scopes} == {"institute", "unit"}
    for rule in parsed.rules:  # an item's line is its first key's, after the "- "
        assert lines[rule["source_line"] - 1].lstrip().startswith("- ")
        assert f"id: {rule['item_id']}" in lines[rule["source_line"] - 1] or rule["metric_id"] in lines[rule["source_line"]]
    for tier in parsed.tiers:
        assert f"tier: {tier['tier']}" in lines[tier["source_line"] - 1]
    for scope in ("institute", "unit"):
        assert sum(w for (s, _), w in parsed.weights.items() if s == scope) == 100
        assert [t["tier"] for t in parsed.tiers if t["scope"] == scope] == list(TIERS)


def test_a_metric_items_labels_default_to_the_catalogs_names_and_a_bonus_english_label_to_its_chinese():
    parsed = parse_rules(edited("      label_en: Award-winning standard\n", ""), FILE)
    rules = {(r["scope"], r["item_id"]): r for r in parsed.rules}
    assert (rules["institute", "standards_led"]["label_zh"], rules["institute", "standards_led"]["label_en"]) \
        == catalog.metrics()["std_led"]
    assert rules["institute", "standard_prize"]["label_en"] == rules["institute", "standard_prize"]["label_zh"] == "获奖标准"
    assert rules["institute", "projects"]["label_en"] == "Provincial+ projects per 100 staff"  # one written stays


def test_weights_with_decimals_add_up_exactly_where_floats_would_not():
    # 0.1 + 0.2 + … in binary floating point is not 100; the weights are read as decimals from the text
    weights = ["33.3", "33.3", "0.1", "0.1", "0.1", "33.1"]
    assert sum(map(float, weights)) != 100 and sum(map(Decimal, weights)) == 100
    text = BASE
    for n, w in enumerate(weights):
        text = edited("weight:", f"weight: {w}  #", nth=n + 1, text=text)
    parsed = parse_rules(text, FILE)
    assert [str(w) for (s, _), w in parsed.weights.items() if s == "institute"] == weights


def test_award_filters_and_a_single_code_for_a_list_of_one():
    parsed = parse_rules(edited("level: [national]", "level: national\n      role: [lead, main_participant]"), FILE)
    bonus = next(r for r in parsed.rules if r["item_id"] == "national_award")
    assert (bonus["award_levels"], bonus["award_roles"], bonus["award_grades"]) == ("national", "lead,main_participant", None)


def test_a_file_without_a_year_folder_is_checked_without_the_folder_rule():
    assert parse_rules(edited("year: 2024", "year: 2031"), "edited.yaml").year == 2031


@pytest.mark.parametrize(("text", "line", "en"), [
    ("", 1, "the file is empty"),
    ("# only a comment\n", 1, "the file is empty"),
    ("# rules\nyear: 2024\n", 2, "needs institutes (between institutes) or units"),
    ("year: 2024\ninstitutes: [a, b]\n", 2, "institutes should be a mapping"),
    ("year: 2024\nunits:\n  metrics: []\n", 3, "has no 'unit_types'"),
])
def test_a_file_with_too_little_in_it(text, line, en):
    e = error(text)
    assert e.line == line and en in e.problem_en


def test_a_file_that_is_not_utf8_names_the_line_of_the_first_bad_byte():
    data = edited("label_zh: 国家级科技奖励", "label_zh: 国家级").encode("utf-8").replace("国家级".encode(), "国家级".encode("gbk"), 1)
    with pytest.raises(RulesError) as raised:
        decode(data, FILE)
    assert raised.value.line == line_of(BASE, "国家级") and "not UTF-8" in raised.value.problem_en


def test_the_codes_a_rules_file_may_name_are_the_contracts():
    assert set(catalog.codes(catalog.AWARD_LEVEL)) == set(awards.LEVELS.values())
    assert set(catalog.codes(catalog.AWARD_GRADE)) == set(awards.GRADES.values())
    assert set(catalog.codes(catalog.AWARD_ROLE)) == set(awards.ROLES.values())
    assert set(catalog.codes(catalog.UNIT_TYPE)) == set(units.UNIT_TYPES.values())
    assert set(catalog.codes(catalog.AWARD_FOR)) == {"standard", "patent", "software"}
