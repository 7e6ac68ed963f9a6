from pipelines.contracts.base import INSTITUTE_ALIASES, UNIT, Column, Contract, Rule

CONTRACT = Contract(
    dataset="volunteer_hours",
    title_zh="志愿服务时长",
    columns=(
        Column("institute", INSTITUTE_ALIASES, "institute"),
        UNIT,
        Column("activity", ("活动名称", "活动", "服务项目", "activity"), "text"),
        Column("date", ("服务日期", "活动日期", "日期", "date"), "date", not_future=True),
        Column("volunteer_id", ("志愿者编号", "志愿者编码", "身份证号", "身份证号码", "证件号码", "volunteer_id"),
               "person_id"),
        Column("hours", ("服务时长", "时长", "服务时长(小时)", "小时数", "hours"), "decimal"),
    ),
    key=("institute", "volunteer_id", "activity", "date"),
    rules=(
        Rule("hours_out_of_range", "hours", "hours <= 0 or hours > 24",
             "服务时长 {hours} 小时不在 0 到 24 小时之间", "{hours} hours is outside (0, 24]"),
        Rule("hours_over_12", "hours", "hours > 12",
             "单次服务时长 {hours} 小时超过 12 小时，请核实", "{hours} hours in one activity is over 12; please check",
             severity="W"),
    ),
    total_columns=("hours",),
    reporting_year=("date", 'year("date")'),
    figure=("服务时长（小时）", "hours of service", "sum(hours)"),
)
