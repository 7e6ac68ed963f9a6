from pipelines.contracts.base import INSTITUTE_ALIASES, UNIT, YEAR_ALIASES, Column, Contract, Rule

CONTRACT = Contract(
    dataset="staff",
    title_zh="职工人数",
    columns=(
        Column("institute", INSTITUTE_ALIASES, "institute"),
        UNIT,
        Column("year", YEAR_ALIASES, "year", not_future=True),
        Column("staff_total", ("职工总数", "在职人数", "职工人数", "在职职工", "staff_total", "staff"), "count"),
        Column("tech_staff", ("专业技术人员", "专业技术人员数", "技术人员数", "tech_staff"), "count", required=False),
        Column("party_members", ("党员人数", "党员数", "party_members"), "count", required=False),
    ),
    key=("institute", "unit", "year"),
    rules=(
        Rule("staff_not_positive", "staff_total", "staff_total <= 0",
             "职工总数为 {staff_total}，应大于 0", "staff total is {staff_total}; it must be greater than 0"),
        Rule("tech_staff_over_total", "tech_staff", "tech_staff > staff_total",
             "专业技术人员 {tech_staff} 多于职工总数 {staff_total}",
             "technical staff {tech_staff} exceeds staff total {staff_total}", severity="W"),
    ),
    total_columns=("staff_total",),
    reporting_year=("year", "year"),
    # the institute's head count as the marts take it (int_institute_years): its row without a unit, else the
    # sum of its units directly under it (a 室 inside a 中心 is part of the 中心's count); raw.units is loaded
    figure=("职工总数", "staff total",
            "coalesce(sum(staff_total) filter (where unit_code is null), sum(staff_total) filter (where exists ("
            "select 1 from raw.units u where u.institute_id = raw.staff.institute_id "
            "and u.unit_code = raw.staff.unit_code and u.parent is null)))"),
)
