from pipelines.contracts.base import INSTITUTE_ALIASES, UNIT, YEAR_ALIASES, Column, Contract

LEVELS = {
    "国家级": "national", "国家": "national", "national": "national",
    "省部级": "provincial_ministerial", "省级": "provincial_ministerial", "部级": "provincial_ministerial",
    "provincial_ministerial": "provincial_ministerial",
    "厅局级": "bureau", "厅级": "bureau", "局级": "bureau", "bureau": "bureau",
    "市级": "city", "地市级": "city", "city": "city",
    "院级": "internal", "所级": "internal", "自主": "internal", "internal": "internal",
    "横向": "commissioned", "横向项目": "commissioned", "委托": "commissioned", "commissioned": "commissioned",
}
STAGES = {
    "立项": "initiated", "新立项": "initiated", "initiated": "initiated",
    "在研": "ongoing", "ongoing": "ongoing",
    "验收": "accepted", "结题": "accepted", "验收/结题": "accepted", "已验收": "accepted", "accepted": "accepted",
}
EVALUATIONS = {
    "国际领先": "intl_leading", "国际先进": "intl_advanced", "国内领先": "domestic_leading",
    "国内先进": "domestic_advanced", "通过": "passed", "合格": "passed",
    "intl_leading": "intl_leading", "intl_advanced": "intl_advanced", "domestic_leading": "domestic_leading",
    "domestic_advanced": "domestic_advanced", "passed": "passed",
}

CONTRACT = Contract(
    dataset="project_counts",
    title_zh="科研项目数",
    columns=(
        Column("institute", INSTITUTE_ALIASES, "institute"),
        UNIT,
        Column("year", YEAR_ALIASES, "year", not_future=True),
        Column("level", ("项目级别", "级别", "项目层级", "level"), "enum", values=LEVELS),
        Column("funder", ("下达单位", "项目来源", "来源", "funder"), "text", required=False),
        Column("stage", ("阶段", "项目阶段", "状态", "stage"), "enum", values=STAGES),
        Column("count", ("数量", "项目数", "项数", "count"), "count", qualifier="qualifier"),
        Column("evaluation", ("验收结论", "验收评价", "评价", "evaluation"), "enum", required=False,
               values=EVALUATIONS),
    ),
    key=("institute", "unit", "year", "level", "funder", "stage", "evaluation"),
    total_columns=("count",),
    reporting_year=("year", "year"),
    figure=("项目数", "projects", "sum(count)"),
)
