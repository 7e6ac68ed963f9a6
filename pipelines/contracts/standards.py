from pipelines.contracts.base import INSTITUTE_ALIASES, UNIT, Column, Contract, Rule

ROLES = {"主持": "lead", "牵头": "lead", "主编": "lead", "主起草": "lead", "第一起草单位": "lead", "lead": "lead",
         "参与": "participant", "参编": "participant", "参与起草": "participant", "participant": "participant"}
ACTIONS = {"制定": "new", "新制定": "new", "新制": "new", "new": "new",
           "修订": "revision", "修订版": "revision", "revision": "revision"}

CONTRACT = Contract(
    dataset="standards",
    title_zh="标准制修订",
    columns=(
        Column("institute", INSTITUTE_ALIASES, "institute"),
        UNIT,
        Column("std_no", ("标准编号", "标准号", "std_no", "standard number"), "std_number"),
        Column("title", ("标准名称", "名称", "title"), "text"),
        Column("role", ("起草角色", "角色", "参与方式", "role"), "enum", values=ROLES),
        Column("action", ("制修订", "制定/修订", "制/修订", "类别", "action"), "enum", required=False,
               values=ACTIONS),
        Column("publish_date", ("发布日期", "发布时间", "publish_date"), "date", not_future=True),
        Column("effective_date", ("实施日期", "effective_date"), "date", required=False),
    ),
    key=("institute", "std_no"),
    rules=(
        Rule("std_year_mismatch", "publish_date", "year(publish_date) <> std_year",
             "发布日期 {publish_date} 与标准号 {std_no} 中的年份不一致",
             "publish date {publish_date} does not match the year in {std_no}"),
        Rule("two_digit_year", "std_no", "std_two_digit_year",
             "标准号 {std_no} 原为两位年份，已按四位年份读取", "{std_no} was written with a two-digit year",
             severity="W"),
        Rule("other_province_local_std", "std_no",
             "std_province_code is not null and std_province_code <> institute_province",
             "{std_no} 是其他省份的地方标准", "{std_no} is a local standard of another province",
             severity="W"),
    ),
    reporting_year=("publish_date", "year(publish_date)"),
    figure=("标准数", "standards", "count(*)"),
)
