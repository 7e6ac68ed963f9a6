"""Talent titles (人才称号): one row per title conferred on a person of the institute. The person is kept
as given (a name or staff number); an ID number is replaced by its person key, as for volunteers."""
from pipelines.contracts.base import INSTITUTE_ALIASES, UNIT, YEAR_ALIASES, Column, Contract

LEVELS = {
    "国家级": "national", "国家": "national", "national": "national",
    "省部级": "provincial_ministerial", "省级": "provincial_ministerial", "部级": "provincial_ministerial",
    "provincial_ministerial": "provincial_ministerial",
    "厅局级": "bureau", "厅级": "bureau", "局级": "bureau", "市级": "bureau", "bureau": "bureau",
    "院级": "internal", "单位级": "internal", "所级": "internal", "本院": "internal", "internal": "internal",
    "其他": "other", "other": "other",
}

CONTRACT = Contract(
    dataset="talent_titles",
    title_zh="人才称号",
    columns=(
        Column("institute", INSTITUTE_ALIASES, "institute"),
        UNIT,
        Column("person", ("姓名", "人员", "人员编号", "身份证号", "身份证号码", "person"), "person_id"),
        Column("title", ("称号名称", "人才称号", "荣誉称号", "称号", "title"), "text"),
        Column("conferred_by", ("授予单位", "评选单位", "授予部门", "conferred_by"), "text", required=False),
        Column("level", ("称号级别", "级别", "level"), "enum", values=LEVELS),
        Column("year", ("授予年度", "获评年度", "入选年度", *YEAR_ALIASES), "year", not_future=True),
    ),
    key=("institute", "person", "title", "year"),
    reporting_year=("year", "year"),
    figure=("人才称号数", "talent titles", "count(*)"),
)
