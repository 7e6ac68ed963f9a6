from pipelines.contracts.base import INSTITUTE_ALIASES, UNIT, Column, Contract, Rule

IP_TYPES = {
    "发明": "invention", "发明专利": "invention", "invention": "invention",
    "实用新型": "utility", "实用新型专利": "utility", "utility": "utility", "utility model": "utility",
    "外观设计": "design", "外观设计专利": "design", "design": "design",
    "软件著作权": "software", "软著": "software", "计算机软件著作权": "software", "software": "software",
}
STATUSES = {
    "申请": "filed", "已申请": "filed", "审中": "filed", "实审": "filed", "受理": "filed", "filed": "filed",
    "授权": "granted", "已授权": "granted", "有效": "granted", "登记": "granted", "已登记": "granted",
    "granted": "granted",
    "失效": "lapsed", "无效": "lapsed", "终止": "lapsed", "lapsed": "lapsed",
}

CONTRACT = Contract(
    dataset="ip_items",
    title_zh="专利与软件著作权",
    columns=(
        Column("institute", INSTITUTE_ALIASES, "institute"),
        UNIT,
        Column("ip_type", ("类型", "知识产权类型", "专利类型", "类别", "ip_type", "type"), "enum", values=IP_TYPES),
        Column("number", ("申请号", "专利号", "登记号", "申请号/专利号", "专利申请号", "number"), "ip_number",
               depends_on="ip_type"),
        Column("title", ("名称", "专利名称", "软件名称", "title"), "text"),
        Column("app_date", ("申请日", "申请日期", "app_date"), "date", required=False, not_future=True),
        Column("grant_date", ("授权日", "授权日期", "授权公告日", "登记日期", "grant_date"), "date",
               required=False, not_future=True),
        Column("status", ("法律状态", "状态", "status"), "enum", values=STATUSES),
    ),
    key=("institute", "number"),
    rules=(
        Rule("grant_before_application", "grant_date", "grant_date < app_date",
             "授权日 {grant_date} 早于申请日 {app_date}",
             "grant date {grant_date} is before the application date {app_date}"),
        Rule("granted_without_grant_date", "grant_date", "status = 'granted' and grant_date is null",
             "法律状态为授权/登记，但没有授权日（登记日期）",
             "status is granted but the grant (registration) date is missing"),
        Rule("co_owned", "number",
             "min(institute) over (partition by number) <> max(institute) over (partition by number)",
             "{number} 同时出现在多个单位（共有，集团合计只计一次）",
             "{number} is listed by more than one institute (co-owned; counted once in group totals)",
             severity="W"),
    ),
    reporting_year=("grant_date", "year(coalesce(grant_date, app_date))"),
    figure=("授权（登记）件数", "items granted or registered", "count(*) filter (where grant_date is not null)"),
)
