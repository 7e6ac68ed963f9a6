"""Awards, papers and talent titles through the real ingest, in the shapes offices send them (GBK CSV
with a title row and a 合计 row, BOM, full-width digits, xlsx): what an award was given for is normalised
to the standard or IP number it names (or kept, with a warning), a DOI is stored bare and lower-case, a
person given by ID number is kept only as its key, and each enum's unknown value is quarantined. The raw
gate's suites for the new tables pass on what the ingest loads and fail on what it never would."""
from __future__ import annotations

import duckdb

from pipelines.id_numbers import hash_person_id
from pipelines.identifiers import patent_check_char
from pipelines.refresh.quality.checks import raw_checks
from pipelines.refresh.quality.gate import check_frames, run_gate
from tests.conftest import TODAY, write_csv, write_xlsx
from tests.integration.test_units_ingest import write_units

AWARDS_HEADER = ["单位", "部门", "奖项名称", "授奖单位", "奖励级别", "获奖等级", "完成单位角色", "获奖年度", "获奖成果",
                 "成果编号"]
INVENTION = "201911044411"  # type digit 1
UTILITY = "202220123456"  # type digit 2


def award(name: str, ref: str | None, level="省部级", grade="二等奖", role="牵头", year="2023", unit=None) -> list:
    return ["浙江省质科院", unit, name, "浙江省人民政府", level, grade, role, year, f"{name}的成果", ref]


def test_an_awards_reference_is_normalised_to_the_number_it_names(data):
    wrong = "0" if patent_check_char(INVENTION) != "0" else "1"
    rows = [["浙江省质科院科技奖励汇总表"], AWARDS_HEADER,
            award("标准奖", "GB／T 1234—2020", year="２０２３"),  # full-width slash, digits and an em dash
            award("发明奖", f"ZL {INVENTION}.{patent_check_char(INVENTION)}", grade="一等奖"),
            award("实用新型奖", f"CN{UTILITY}.{patent_check_char(UTILITY)}", role="为主参与"),
            award("软著奖", "2021ｓｒ0123456", level="学会", grade="三等奖", role="参与"),
            award("无号奖", None, level="厅局级", grade=None),
            award("项目奖", "某某重点研发项目", level="国家级"),
            award("校验位错奖", f"{INVENTION}.{wrong}"),
            award("级别奖", "GB 1-2020", level="世界级"),
            award("等级奖", "GB 2-2020", grade="金奖"),
            award("角色奖", "GB 3-2020", role="旁观"),
            ["合计", None, "10项", None, None, None, None, None, None, None]]
    write_csv(data.raw / "awards" / "科技奖励.csv", rows, "gbk")
    data.ingest()
    loaded = data.query("select award_name, level, grade, role, year, for_ref, for_kind, unit_code from raw.awards "
                        "order by source_row")
    assert loaded == [
        ("标准奖", "provincial_ministerial", "second", "lead", 2023, "GB/T 1234-2020", "standard", None),
        ("发明奖", "provincial_ministerial", "first", "lead", 2023, f"{INVENTION}.{patent_check_char(INVENTION)}",
         "patent", None),
        ("实用新型奖", "provincial_ministerial", "second", "main_participant", 2023,
         f"{UTILITY}.{patent_check_char(UTILITY)}", "patent", None),
        ("软著奖", "society", "third", "participant", 2023, "2021SR0123456", "software", None),
        ("无号奖", "bureau", None, "lead", 2023, None, None, None),
        ("项目奖", "national", "second", "lead", 2023, "某某重点研发项目", None, None),
        ("校验位错奖", "provincial_ministerial", "second", "lead", 2023, f"{INVENTION}.{wrong}", None, None),
    ]
    file = "awards/科技奖励.csv"
    assert data.rejects("awards") == [(file, 10, "奖励级别", "unknown_level"), (file, 11, "获奖等级", "unknown_grade"),
                                      (file, 12, "完成单位角色", "unknown_role")]
    warned = data.query("select source_row, source_column, reason_code, message_zh from raw.warnings "
                        "where dataset = 'awards' order by source_row")
    assert [w[:3] for w in warned] == [(8, "成果编号", "unlinked_reference"), (9, "成果编号", "unlinked_reference")]
    assert "某某重点研发项目" in warned[0][3]
    log = data.log(file)
    assert (log["encoding"], log["rows_read"], log["accepted"], log["rejected"], log["total_rows"]) == \
        ("gb18030", 10, 7, 3, 1)


def test_an_award_of_a_unit_counts_for_that_unit(data):
    write_units(data)
    write_csv(data.raw / "awards" / "a.csv", [AWARDS_HEADER, award("甲", None, unit="几何室"),
                                              award("乙", None, unit="FJQI的电器室")], "utf-8-sig")
    data.ingest()
    assert data.query("select award_name, unit_code from raw.awards") == [("甲", "C01-1")]
    assert data.rejects("awards") == [("awards/a.csv", 3, "部门", "unknown_unit")]


def test_a_doi_is_stored_bare_and_lower_case(data):
    header = ["单位", "第一作者部门", "论文题目", "期刊名称", "收录类别", "发表年度", "第一作者", "DOI"]
    rows = [["论文清单（2022—2024年）"], header,
            ["ZJQS", None, "论文一", "Measurement", "SCIE", 2023, "王某", "10.1016/J.MEASUREMENT.2023.112233"],
            ["ZJQS", None, "论文二", "Measurement", "EI", 2023, "李某", "https://doi.org/10.1088/1361-6501/ACD123"],
            ["ZJQS", None, "论文三", "计量学报", "北大核心", 2024, "赵某", "doi: 10.3969/j.issn.1000-1158.2024.01.01"],
            ["ZJQS", None, "论文四", "计量学报", "核心", 2022, None, None],
            ["ZJQS", None, "论文五", "计量学报", "核心", 2022, None, "见期刊网站"],
            ["ZJQS", None, "论文六", "某刊", "SSCI", 2022, None, None],
            ["ZJQS", None, "论文七", "某刊", "其他", 2099, None, None]]
    write_xlsx(data.raw / "papers" / "论文.xlsx", rows)
    data.ingest()
    assert data.query("select title, indexed, year, doi from raw.papers order by source_row") == [
        ("论文一", "sci", 2023, "10.1016/j.measurement.2023.112233"),
        ("论文二", "ei", 2023, "10.1088/1361-6501/acd123"),
        ("论文三", "core", 2024, "10.3969/j.issn.1000-1158.2024.01.01"),
        ("论文四", "core", 2022, None),
    ]
    file = "papers/论文.xlsx"
    assert data.rejects("papers") == [(file, 7, "DOI", "bad_doi"), (file, 8, "收录类别", "unknown_indexed"),
                                      (file, 9, "发表年度", "future_year")]
    (message,) = data.query("select message_zh from raw.rejects where reason_code = 'bad_doi'")[0]
    assert "见期刊网站" in message and "10.1000/xyz123" in message


def test_a_talent_given_by_id_number_is_kept_as_its_key_only(data):
    id_number = "11010519491231002X"  # synthetic, valid check digit
    header = ["单位", "部门", "姓名", "称号名称", "授予单位", "称号级别", "授予年度"]
    rows = [header,
            ["FJQI", None, id_number, "首席专家", "福建省产品质量检验研究院", "院级", "2023"],
            ["FJQI", None, "张三", "省级百千万人才", "福建省人社厅", "省级", "２０２１"],
            ["FJQI", None, "李四", "青年拔尖技术能手", None, "宇宙级", "2022"]]
    write_csv(data.raw / "talent_titles" / "人才.csv", rows, "utf-8-sig")
    result = data.ingest()
    key = hash_person_id(id_number, "test-salt")
    assert data.query("select person, title, level, year from raw.talent_titles order by source_row") == [
        (key, "首席专家", "internal", 2023), ("张三", "省级百千万人才", "provincial_ministerial", 2021)]
    assert key.startswith("pid_")
    assert data.rejects("talent_titles") == [("talent_titles/人才.csv", 4, "称号级别", "unknown_level")]
    stored = data.settings.warehouse.read_bytes() + result.rejects_report.read_bytes()
    assert id_number.encode() not in stored and id_number.lower().encode() not in stored


def test_the_raw_gate_passes_what_the_ingest_loads_and_fails_what_it_never_would(data, tmp_path):
    write_units(data)
    write_csv(data.raw / "awards" / "a.csv", [AWARDS_HEADER, award("甲", "GB/T 1-2020", unit="几何室"),
                                              award("乙", None, grade=None)])
    write_csv(data.raw / "papers" / "p.csv", [["单位", "论文题目", "期刊名称", "收录类别", "发表年度", "DOI"],
                                              ["ZJQS", "t", "j", "EI", "2023", "https://doi.org/10.1000/ABC"]])
    write_csv(data.raw / "talent_titles" / "t.csv", [["单位", "部门", "姓名", "称号名称", "称号级别", "授予年度"],
                                                     ["FJQI", "电器室", "王五", "质检工匠", "院级", "2024"]])
    data.ingest()
    names = {"raw.units", "raw.unit_parents", "raw.awards", "raw.papers", "raw.talent_titles", "raw.unit_codes",
             "raw.load_log"}
    checks = tuple(c for c in raw_checks(TODAY) if c.name in names)
    assert {c.name for c in checks} == names
    with duckdb.connect(str(data.settings.warehouse)) as con:
        assert run_gate("raw", checks, check_frames(checks, con), tmp_path / "good").passed
        con.execute("update raw.papers set doi = 'not a doi'")
        con.execute("update raw.units set parent = 'C09' where unit_code = 'C01-2'")
        con.execute("update raw.talent_titles set unit_code = 'C01'")  # a unit of ZJQS in an FJQI row
        con.execute("update raw.awards set level = 'galactic' where award_name = '乙'")
        failed = run_gate("raw", checks, check_frames(checks, con), tmp_path / "bad").failures
    assert sorted((f.check, f.expectation, f.unexpected_count) for f in failed) == [
        ("raw.awards", "expect_column_values_to_be_in_set", 1),
        ("raw.papers", "expect_column_values_to_match_regex", 1),
        ("raw.unit_codes", "expect_column_values_to_not_be_null", 1),
        ("raw.unit_parents", "expect_column_values_to_not_be_null", 1),
    ]
