"""Papers (论文): one row per paper, counted for its first author's institute and unit."""
from pipelines.contracts.base import INSTITUTE_ALIASES, UNIT_ALIASES, YEAR_ALIASES, Column, Contract

INDEXES = {
    "SCI": "sci", "SCIE": "sci", "SCI-E": "sci", "sci": "sci",
    "EI": "ei", "EI Compendex": "ei", "ei": "ei",
    "核心": "core", "中文核心": "core", "北大核心": "core", "CSCD": "core", "科技核心": "core", "中文核心期刊": "core",
    "core": "core",
    "其他": "other", "普通期刊": "other", "普通": "other", "other": "other",
}

CONTRACT = Contract(
    dataset="papers",
    title_zh="论文",
    columns=(
        Column("institute", INSTITUTE_ALIASES, "institute"),
        Column("unit", ("第一作者部门", "第一作者所在部门", *UNIT_ALIASES), "unit", required=False),
        Column("title", ("论文题目", "论文名称", "题目", "title"), "text"),
        Column("journal", ("期刊名称", "刊物名称", "发表期刊", "期刊", "journal"), "text"),
        Column("indexed", ("收录类别", "收录情况", "检索类别", "收录", "indexed"), "enum", values=INDEXES),
        Column("year", ("发表年度", "发表年份", *YEAR_ALIASES), "year", not_future=True),
        Column("first_author", ("第一作者", "作者", "first_author"), "text", required=False),
        # a DOI that is not one is quarantined (bad_doi, pipelines/ingest/validate.py)
        Column("doi", ("DOI", "doi"), "doi", required=False),
    ),
    key=("institute", "title", "year"),
    reporting_year=("year", "year"),
    figure=("论文数", "papers", "count(*)"),
)
