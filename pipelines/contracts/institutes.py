from pipelines.contracts.base import Column, Contract, Rule

INSTITUTE_TYPES = {
    "质检院": "quality_inspection", "质量检验": "quality_inspection", "quality_inspection": "quality_inspection",
    "标准化院": "standardization", "标准化研究院": "standardization", "standardization": "standardization",
    "计量院": "metrology", "计量科学研究院": "metrology", "metrology": "metrology",
    "质科院": "quality_science", "质量科学研究院": "quality_science", "quality_science": "quality_science",
    "其他": "other", "other": "other",
}

CONTRACT = Contract(
    dataset="institutes",
    title_zh="机构名录",
    columns=(
        Column("institute_id", ("机构代码", "单位代码", "代码", "institute_id", "id", "code"), "code"),
        Column("name_zh", ("单位名称", "机构名称", "名称", "中文名称", "name_zh", "name"), "text"),
        Column("name_en", ("英文名称", "name_en", "english name"), "text", required=False),
        Column("aliases", ("简称", "别名", "aliases", "alias"), "text", required=False),
        Column("province_code", ("省份代码", "行政区划代码", "省份", "province_code"), "code"),
        Column("institute_type", ("机构类型", "类型", "institute_type", "type"), "enum", values=INSTITUTE_TYPES),
        Column("founded_year", ("成立年份", "founded_year"), "year", required=False),
    ),
    key=("institute_id",),
    rules=(
        Rule("bad_province_code", "province_code", "not regexp_full_match(province_code, '[1-9][0-9]')",
             "省份代码「{province_code}」应为两位数字（如 35 福建、33 浙江）",
             "province code '{province_code}' must be two digits (35 Fujian, 33 Zhejiang …)"),
    ),
)
