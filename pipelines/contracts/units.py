"""The units register: the 所, 中心, 室 and 班组 inside each institute. Every other dataset's optional unit
column resolves against it, within the row's institute, as the institute column resolves against the
institutes register. A unit inside another names it as its parent (by code or name); counts roll up to
the parent without being counted twice. Online, an institute submits its whole register (closed units kept,
with their 撤销年份): the latest one it submitted is its register, whatever older files say."""
from pipelines.contracts.base import INSTITUTE_ALIASES, Column, Contract, Rule

UNIT_TYPES = {
    "所": "division", "研究所": "division", "分院": "division", "部": "division", "处": "division", "division": "division",
    "中心": "centre", "研究中心": "centre", "centre": "centre", "center": "centre",
    "室": "office", "科室": "office", "检测室": "office", "研究室": "office", "office": "office",
    "班组": "team", "实验室": "team", "组": "team", "小组": "team", "team": "team", "lab": "team",
}

CONTRACT = Contract(
    dataset="units",
    title_zh="内设机构名录",
    columns=(
        Column("institute", INSTITUTE_ALIASES, "institute"),
        Column("unit_code", ("部门代码", "机构编码", "内设机构代码", "编码", "代码", "unit_code", "code"), "code"),
        Column("name_zh", ("部门名称", "内设机构名称", "名称", "name_zh", "name"), "text"),
        Column("name_en", ("英文名称", "name_en", "english name"), "text", required=False),
        Column("aliases", ("简称", "别名", "aliases", "alias"), "text", required=False),
        Column("unit_type", ("类型", "机构类型", "部门类型", "unit_type", "type"), "enum", values=UNIT_TYPES),
        Column("parent", ("上级部门", "上级机构", "上级", "隶属", "parent"), "code", required=False),
        Column("valid_from", ("设立年份", "成立年份", "启用年份", "valid_from"), "year", required=False),
        Column("valid_to", ("撤销年份", "停用年份", "撤并年份", "valid_to"), "year", required=False),
    ),
    key=("institute", "unit_code"),
    whole_register=True,
    figure=("内设机构数", "units", "count(*)"),
    rules=(
        Rule("unit_valid_range", "valid_to", "valid_to < valid_from",
             "撤销年份 {valid_to} 早于设立年份 {valid_from}", "valid to {valid_to} is before valid from {valid_from}"),
        Rule("unit_own_parent", "parent", "parent = unit_code",
             "部门「{unit_code}」不能以自己为上级", "unit '{unit_code}' cannot be its own parent"),
    ),
)
