from pipelines.contracts.base import INSTITUTE_ALIASES, YEAR_ALIASES, Column, Contract, Rule

CONTRACT = Contract(
    dataset="targets",
    title_zh="年度目标",
    columns=(
        Column("institute", INSTITUTE_ALIASES, "institute"),
        Column("year", YEAR_ALIASES, "year"),
        Column("metric_id", ("指标代码", "指标", "metric_id", "metric"), "code"),
        Column("target", ("目标值", "目标", "target"), "decimal"),
    ),
    key=("institute", "year", "metric_id"),
    rules=(
        Rule("unknown_metric", "metric_id", "metric_id not in (select metric_id from metric_catalog)",
             "指标代码「{metric_id}」不在指标目录中（见 dbt_project/seeds/metric_catalog.csv）",
             "metric id '{metric_id}' is not in the metric catalog (dbt_project/seeds/metric_catalog.csv)"),
        Rule("negative_target", "target", "target < 0",
             "目标值 {target} 不能为负数", "target {target} must not be negative"),
    ),
)
