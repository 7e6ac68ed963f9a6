"""Science and technology awards (科技奖励): one row per award an institute (or a unit of it) received,
with what it was given for — a standard or patent by its number, or a project by its title."""
from pipelines.contracts.base import INSTITUTE_ALIASES, UNIT, YEAR_ALIASES, Column, Contract

LEVELS = {
    "国家级": "national", "国家": "national", "national": "national",
    "省部级": "provincial_ministerial", "省级": "provincial_ministerial", "部级": "provincial_ministerial",
    "省部": "provincial_ministerial", "provincial_ministerial": "provincial_ministerial",
    "厅局级": "bureau", "厅级": "bureau", "局级": "bureau", "市厅级": "bureau", "bureau": "bureau",
    "学会协会": "society", "学会": "society", "协会": "society", "社会力量": "society", "行业协会": "society",
    "society": "society",
    "其他": "other", "other": "other",
}
GRADES = {
    "特等奖": "special", "特等": "special", "special": "special",
    "一等奖": "first", "一等": "first", "first": "first",
    "二等奖": "second", "二等": "second", "second": "second",
    "三等奖": "third", "三等": "third", "third": "third",
    "优秀奖": "merit", "鼓励奖": "merit", "优秀": "merit", "merit": "merit",
    "不分等级": "ungraded", "无等级": "ungraded", "ungraded": "ungraded",
}
ROLES = {
    "牵头": "lead", "主持": "lead", "第一完成单位": "lead", "lead": "lead",
    "为主参与": "main_participant", "主要参与": "main_participant", "第二完成单位": "main_participant",
    "main_participant": "main_participant",
    "参与": "participant", "参加": "participant", "participant": "participant",
}

CONTRACT = Contract(
    dataset="awards",
    title_zh="科技奖励",
    columns=(
        Column("institute", INSTITUTE_ALIASES, "institute"),
        UNIT,
        Column("award_name", ("奖项名称", "奖励名称", "获奖名称", "奖项", "award_name", "award"), "text"),
        Column("awarding_body", ("授奖单位", "颁奖单位", "授奖部门", "授予单位", "awarding_body"), "text",
               required=False),
        Column("level", ("奖励级别", "奖项级别", "级别", "level"), "enum", values=LEVELS),
        Column("grade", ("获奖等级", "奖励等级", "等级", "grade"), "enum", required=False, values=GRADES),
        Column("role", ("完成单位角色", "参与方式", "角色", "role"), "enum", values=ROLES),
        Column("year", ("获奖年度", "获奖年份", *YEAR_ALIASES), "year", not_future=True),
        Column("for_title", ("获奖成果", "成果名称", "项目名称", "for_title"), "text", required=False),
        Column("for_ref", ("成果编号", "标准编号", "专利号", "关联编号", "for_ref"), "reference", required=False),
    ),
    key=("institute", "year", "award_name", "grade", "for_title", "for_ref"),
    reporting_year=("year", "year"),
    figure=("获奖数", "awards", "count(*)"),
)
