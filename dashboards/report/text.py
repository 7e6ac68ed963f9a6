"""The report pack's own words, in Chinese and English (the dashboard's are in dashboards/i18n.py, reached
with `t`): the combined PDF's headings and labels, the KPI table's column headers and its notes."""
from __future__ import annotations

TEXT = {  # key → (zh, en)
    "report_title": ("{year} 年度科研与服务指标报告", "Research and service KPIs {year}"),
    "kpi_table": ("主要指标", "Key indicators"),
    "kpi_table_note": ("{year} 年度，同比对 {prior} 年", "year {year}, year on year against {prior}"),
    "figures": ("图表", "Figures"),
    "sources": ("数据截至时间与来源", "Data as of and sources"),
    "contents": ("目录", "Contents"),
    "metric_unit": ("指标（单位）", "Metric (unit)"),
    "metric_id": ("指标代码", "Metric id"),
    "yoy_abs": ("同比增减", "YoY change"),
    "yoy_pct": ("同比（%）", "YoY (%)"),
    "r3y": ("近三年累计", "3-year total"),
    "cagr_3y": ("三年复合增长率（%）", "3-year CAGR (%)"),
    "per_100_staff": ("每百名职工", "Per 100 staff"),
    "rank": ("排名", "Rank"),
    "rank_n": ("参与排名机构数", "Institutes ranked"),
    "share_pct": ("占全部机构（%）", "Share of all (%)"),
    "target": ("目标", "Target"),
    "attainment_pct": ("完成率（%）", "Attainment (%)"),
    "institutes_reporting": ("报送机构数", "Institutes reporting"),
    "institute_mean": ("机构平均", "Institute average"),
    "note": ("备注", "Note"),
    "at_least": ("≥ 为下限（报送为“余”“多”）", "≥ is a lower bound (reported as 'more than')"),
    "dataset": ("数据集", "Dataset"),
    "rows_read": ("读取行数", "Rows read"),
    "rows_accepted": ("接收行数", "Rows accepted"),
    "rows_quarantined": ("隔离行数", "Rows quarantined"),
    "published": ("发布时间", "Published"),
    "code_version": ("代码版本", "Code version"),
    "generated": ("生成时间", "Generated"),
    "peer_group": ("同类机构", "Peer group"),
    "figure_failed": ("此图生成失败", "This figure could not be rendered"),
    "page": ("第 <span class=\"pageNumber\"></span> / <span class=\"totalPages\"></span> 页",
             "page <span class=\"pageNumber\"></span> of <span class=\"totalPages\"></span>"),
    "sources_note": ("本报告所用数字来自以下报送文件（经入库校验、质量门与 dbt 模型计算后发布）。",
                     "The figures in this report come from these submitted files (validated, gated and "
                     "computed by the dbt models before publishing)."),
    "projects": ("科研项目", "Research projects"),
    "ip": ("知识产权", "Intellectual property"),
    "standards": ("标准", "Standards"),
    "volunteer": ("志愿服务", "Volunteer service"),
    "awards": ("科技奖励", "Science and technology awards"),
    "papers": ("论文", "Papers"),
    "talent": ("人才称号", "Talent titles"),
}


def tr(key: str, lang: str, **values) -> str:
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**values)
