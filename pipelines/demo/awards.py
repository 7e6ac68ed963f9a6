"""awards: science and technology awards (科技奖励), one row per award.

Published, and reproduced exactly (the README's table, "The demo dataset"):
福建省标准化研究院's four 厅局级 科技兴检奖 (FJSI_BUREAU), and 13 of its national / industry / local
standards with a provincial 福建省标准贡献奖 and one with the national 中国标准创新贡献奖 (drawn from its
standards records, each award naming its standard's number); 浙江省质量科学研究院's 先进制造计量研究中心
(ZJQS_CENTRE: 23 awards in 2021–2024, 11 provincial/ministerial, among them 5 浙江省科学技术进步奖 — 3 in
2023, all led — and one 市场监管总局科技奖; the 2024 society awards as published; a few earlier ones).
Everything else is drawn: each institute's awards by year with growth, from the awards of its province.

Shapes: GBK CSV (FJQI), a workbook with a title row, the standard numbers typed with several dashes and a
合计 row (FJSI), a workbook with the centre and its 室 in a 部门 column (ZJQS), English headers and
values (ZJSI). Levels, grades and roles in several spellings ("一等奖" / "一等", 省部级 / 省级). Planted:
an award of a city (level 市级, not a level of the contract: quarantined) in FJQI's CSV; a for_ref that is
a document number, not a standard or patent (a warning only, so not returned) in ZJSI's."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from pipelines.demo.draws import stream, trend, yearly_count
from pipelines.demo.files import PlantedIssue, write_csv, write_xlsx
from pipelines.demo.ip_items import IP_FIELD, IP_OBJECTS, IpItem
from pipelines.demo.register import INSTITUTES, Institute
from pipelines.demo.standards import Standard
from pipelines.demo.units import FJQI_DIVISIONS, FJQI_LABS, ZJQS_OTHER_CENTRES, cell, of
from pipelines.identifiers import patent_check_char


@dataclass(frozen=True)
class Award:
    institute: str
    year: int
    award_name: str
    awarding_body: str
    level: str  # national | provincial_ministerial | bureau | society | other
    grade: str  # special | first | second | third | merit | ungraded
    role: str  # lead | main_participant | participant
    for_title: str = ""
    for_ref: str = ""  # a standard or patent number, as the file gives it
    unit: str = ""  # the unit's code in the institute's units register; "" = the institute only


GRADES = ("first", "second", "third")
# (award, awarding body, level, grades and their weights, weight among the province's awards)
PROVINCE_AWARDS = {
    "35": (
        ("福建省科学技术进步奖", "福建省人民政府", "provincial_ministerial", GRADES, (1, 3, 6), 2),
        ("福建省专利奖", "福建省人民政府", "provincial_ministerial", GRADES, (1, 3, 6), 1),
        ("福建省市场监督管理局科技兴检奖", "福建省市场监督管理局", "bureau", GRADES, (2, 4, 4), 3),
        ("中国质量检验协会科学技术奖", "中国质量检验协会", "society", GRADES, (1, 3, 4), 2),
        ("中国标准化协会标准科技创新奖", "中国标准化协会", "society", GRADES, (1, 3, 4), 1),
        ("福州市科学技术进步奖", "福州市人民政府", "other", GRADES, (1, 3, 6), 1),
    ),
    "33": (
        ("浙江省科学技术进步奖", "浙江省人民政府", "provincial_ministerial", GRADES, (1, 3, 6), 1),
        ("浙江省标准创新贡献奖", "浙江省人民政府", "provincial_ministerial", ("merit",), (1,), 1),
        ("浙江省专利奖", "浙江省人民政府", "provincial_ministerial", ("first", "merit"), (1, 4), 1),
        ("浙江省市场监管系统科技创新成果奖", "浙江省市场监督管理局", "bureau", GRADES, (2, 4, 4), 3),
        ("中国计量测试学会科学技术进步奖", "中国计量测试学会", "society", GRADES, (1, 3, 4), 2),
        ("中国质量检验协会科学技术奖", "中国质量检验协会", "society", GRADES, (1, 3, 4), 2),
        ("杭州市科学技术进步奖", "杭州市人民政府", "other", GRADES, (1, 3, 6), 1),
    ),
    "32": (
        ("江苏省科学技术奖", "江苏省人民政府", "provincial_ministerial", GRADES, (1, 3, 6), 1),
        ("江苏省市场监督管理局科技进步奖", "江苏省市场监督管理局", "bureau", GRADES, (2, 4, 4), 3),
        ("中国标准化协会标准科技创新奖", "中国标准化协会", "society", GRADES, (1, 3, 4), 2),
        ("中国质量检验协会科学技术奖", "中国质量检验协会", "society", GRADES, (1, 3, 4), 1),
    ),
}
# Drawn awards an institute does not get: its published ones are all it has of these (FJSI's bureau
# awards; ZJQS's 浙江省科学技术进步奖 are its centre's).
NOT_DRAWN = {"FJSI": {"福建省市场监督管理局科技兴检奖"}, "ZJQS": {"浙江省科学技术进步奖"}}

# 福建省标准化研究院's four 厅局级 科技兴检奖, as published.
FJSI_BUREAU = (
    (2016, "福建省质量技术监督局科技兴检奖", "福建省质量技术监督局", "third", "lead", "福建省标准信息公共服务平台建设与应用"),
    (2018, "福建省质量技术监督局科技兴检奖", "福建省质量技术监督局", "second", "lead", "商品条码数据质量监测关键技术研究"),
    (2020, "福建省市场监督管理局科技兴检奖", "福建省市场监督管理局", "third", "main_participant",
     "地理标志产品标准体系研究与应用"),
    (2023, "福建省市场监督管理局科技兴检奖", "福建省市场监督管理局", "first", "lead", "质量基础设施一站式服务标准化研究与示范"),
)
FJSI_STANDARD_AWARDS = (("first", 1), ("second", 4), ("third", 8))  # 福建省标准贡献奖: 13 standards

# 浙江省质量科学研究院's 先进制造计量研究中心 (ZX01) and its 室 (ZX01-1, ZX01-2), as published from 2021
# (award, body, level, grade, role, year, unit, what for; "patent" = one of the centre's invention patents).
ZJQS_CENTRE = (
    ("中国计量测试学会科学技术进步奖", "中国计量测试学会", "society", "third", "participant", 2017, "ZX01-1",
     "大尺寸空间坐标测量系统现场校准技术"),
    ("浙江省科学技术进步奖", "浙江省人民政府", "provincial_ministerial", "third", "main_participant", 2018, "ZX01",
     "数控机床几何误差快速检测技术及应用"),
    ("中国仪器仪表学会科学技术奖", "中国仪器仪表学会", "society", "third", "lead", 2019, "ZX01-2",
     "工业机器人位姿精度计量校准装置"),
    ("浙江省标准创新贡献奖", "浙江省人民政府", "provincial_ministerial", "merit", "lead", 2020, "ZX01",
     "智能制造装备计量测试标准体系"),
    ("浙江省科学技术进步奖", "浙江省人民政府", "provincial_ministerial", "second", "lead", 2021, "ZX01",
     "高端装备关键几何量在线精密测量技术及应用"),
    ("浙江省标准创新贡献奖", "浙江省人民政府", "provincial_ministerial", "merit", "lead", 2021, "ZX01-1",
     "几何量计量校准规范系列"),
    ("中国计量测试学会科学技术进步奖", "中国计量测试学会", "society", "third", "main_participant", 2021, "ZX01-1",
     "齿轮测量中心校准技术研究"),
    ("中国仪器仪表学会科学技术奖", "中国仪器仪表学会", "society", "third", "participant", 2021, "ZX01-2",
     "激光跟踪仪现场校准装置研制"),
    ("浙江省科学技术进步奖", "浙江省人民政府", "provincial_ministerial", "third", "main_participant", 2022, "ZX01-2",
     "工业机器人性能检测关键技术及装备"),
    ("市场监管总局科技奖", "国家市场监督管理总局", "provincial_ministerial", "second", "lead", 2022, "ZX01",
     "先进制造在线测量计量保障技术研究"),
    ("浙江省专利奖", "浙江省人民政府", "provincial_ministerial", "merit", "lead", 2022, "ZX01-1", "patent"),
    ("浙江省标准创新贡献奖", "浙江省人民政府", "provincial_ministerial", "merit", "main_participant", 2022, "ZX01",
     "数控机床计量检测标准研制"),
    ("中国计量测试学会科学技术进步奖", "中国计量测试学会", "society", "second", "lead", 2022, "ZX01-1",
     "复杂曲面光学三维测量溯源技术"),
    ("浙江省科学技术进步奖", "浙江省人民政府", "provincial_ministerial", "second", "lead", 2023, "ZX01",
     "智能制造装备精度计量保障关键技术及应用"),
    ("浙江省科学技术进步奖", "浙江省人民政府", "provincial_ministerial", "third", "lead", 2023, "ZX01-1",
     "大型构件几何量现场测量技术及应用"),
    ("浙江省科学技术进步奖", "浙江省人民政府", "provincial_ministerial", "third", "lead", 2023, "ZX01-2",
     "工业机器人关键部件计量测试技术及产业化"),
    ("浙江省专利奖", "浙江省人民政府", "provincial_ministerial", "merit", "lead", 2023, "ZX01-2", "patent"),
    ("中国仪器仪表学会科学技术奖", "中国仪器仪表学会", "society", "third", "participant", 2023, "ZX01",
     "高精度扭矩计量标准装置研制"),
    ("中国计量测试学会科学技术进步奖", "中国计量测试学会", "society", "third", "lead", 2023, "ZX01-1",
     "线结构光传感器校准方法研究"),
    ("中国仪器仪表学会科学技术奖", "中国仪器仪表学会", "society", "second", "lead", 2024, "ZX01",
     "数控机床多误差源在线辨识与补偿技术"),
    ("中国仪器仪表学会科学技术奖", "中国仪器仪表学会", "society", "third", "lead", 2024, "ZX01-1",
     "超精密回转误差测量装置"),
    ("中国仪器仪表学会科学技术奖", "中国仪器仪表学会", "society", "second", "main_participant", 2024, "ZX01-2",
     "工业机器人动态轨迹精度测量系统"),
    ("中国仪器仪表学会科学技术奖", "中国仪器仪表学会", "society", "third", "main_participant", 2024, "ZX01",
     "智能传感器批量校准技术"),
    ("中国商业联合会科学技术奖", "中国商业联合会", "society", "third", "main_participant", 2024, "ZX01-1",
     "商用衡器智能检定系统研制与应用"),
    ("市场监管科研成果奖", "浙江省市场监督管理局", "bureau", "third", "lead", 2024, "ZX01",
     "民生计量器具远程校准技术研究"),
    ("发明创业奖创新奖", "中国发明协会", "society", "second", "lead", 2024, "ZX01-2", "patent"),
    ("浙江省标准创新贡献奖", "浙江省人民政府", "provincial_ministerial", "merit", "lead", 2024, "ZX01",
     "智能制造计量测试团体标准系列"),
)

FOR_TAILS = ("关键技术研究与应用", "检测技术研究及产业化", "技术体系构建与示范", "质量提升关键技术及应用")


def _drawn(inst: Institute, rng: random.Random) -> list[Award]:
    choices = [a for a in PROVINCE_AWARDS[inst.province] if a[0] not in NOT_DRAWN.get(inst.id, set())]
    field = IP_FIELD[inst.kind]
    out: list[Award] = []
    for year in inst.years:
        for _ in range(yearly_count(rng, inst.awards * trend(inst, year))):
            name, body, level, grades, weights, _ = rng.choices(choices, [a[5] for a in choices])[0]
            grade = rng.choices(grades, weights)[0]
            role = rng.choices(("lead", "main_participant", "participant"), (5, 3, 2))[0]
            title = f"{rng.choice(IP_OBJECTS[field])}{rng.choice(FOR_TAILS)}"
            if inst.id == "FJQI":
                unit = rng.choice(FJQI_LABS + FJQI_DIVISIONS).code
            elif inst.id == "ZJQS":
                unit = rng.choice([u for u in ZJQS_OTHER_CENTRES if u.valid_in(year)]).code
            elif inst.id in ("FJSI", "ZJSI") and rng.random() < 0.7:
                unit = rng.choice(of(inst.id, year)).code
            else:
                unit = ""
            out.append(Award(inst.id, year, name, body, level, grade, role, title, "", unit))
    return out


def _plain(std: Standard) -> bool:
    """A standard number written the plain way (ASCII, hyphen): one an award can quote as such."""
    return std.std_no.isascii()


def _fjsi(standards: list[Standard]) -> list[Award]:
    rng = stream("awards", "FJSI", "standards")
    out = [Award("FJSI", y, n, b, "bureau", g, r, t, "", "BZ01" if k % 2 else "BZ04")
           for k, (y, n, b, g, r, t) in enumerate(FJSI_BUREAU)]
    nil = [s for s in standards if s.institute == "FJSI" and s.kind in ("GB/T", "RB/T", "SN/T", "DB")
           and s.publish.year <= 2022 and _plain(s)]
    national = rng.choice([s for s in nil if s.kind == "GB/T" and 2017 <= s.publish.year <= 2021])
    out.append(Award("FJSI", national.publish.year + 2, "中国标准创新贡献奖", "国家市场监督管理总局", "national",
                     "second", "lead", national.title, national.std_no, "BZ01"))
    grades = [g for g, n in FJSI_STANDARD_AWARDS for _ in range(n)]
    for std, grade in zip(rng.sample([s for s in nil if s is not national], len(grades)), grades, strict=True):
        out.append(Award("FJSI", std.publish.year + rng.choice((1, 2)), "福建省标准贡献奖", "福建省人民政府",
                         "provincial_ministerial", grade, "lead" if std.role == "lead" else "main_participant",
                         std.title, std.std_no, rng.choice(("BZ01", "BZ02", "BZ03", "BZ04", ""))))
    return out


def _zjqs_centre(ips: list[IpItem]) -> list[Award]:
    rng = stream("awards", "ZJQS", "centre")
    inventions = sorted((ip for ip in ips if ip.institute == "ZJQS" and ip.ip_type == "invention"
                         and ip.grant_date and ip.unit.startswith("ZX01")), key=lambda ip: ip.number)
    out: list[Award] = []
    for name, body, level, grade, role, year, unit, what in ZJQS_CENTRE:
        title, ref = what, ""
        if what == "patent":
            patent = rng.choice([ip for ip in inventions if ip.grant_date and ip.grant_date.year < year])
            title, ref = patent.title, f"ZL{patent.number}.{patent_check_char(patent.number)}"
        out.append(Award("ZJQS", year, name, body, level, grade, role, title, ref, unit))
    return out


def records(standards: list[Standard], ips: list[IpItem]) -> list[Award]:
    out: list[Award] = []
    for inst in INSTITUTES:
        out += _drawn(inst, stream("awards", inst.id))
    out += _fjsi(standards) + _zjqs_centre(ips)
    return sorted(out, key=lambda a: (a.institute, a.year, a.award_name, a.for_title))


LEVEL_SPELLINGS = {
    "national": ("国家级", "国家级"),
    "provincial_ministerial": ("省部级", "省级"),
    "bureau": ("厅局级", "厅级"),
    "society": ("学会协会", "社会力量"),
    "other": ("其他", "其他"),
}
GRADE_ZH = {"special": "特等奖", "first": "一等奖", "second": "二等奖", "third": "三等奖", "merit": "优秀奖",
            "ungraded": "不分等级"}
ROLE_SPELLINGS = {"lead": ("牵头", "主持", "第一完成单位"), "main_participant": ("为主参与", "主要参与"),
                  "participant": ("参与", "参加")}


def _level(rng: random.Random, a: Award) -> str:
    if a.level == "society":
        return "学会" if "学会" in a.awarding_body else "协会"
    if a.level == "provincial_ministerial" and "总局" in a.awarding_body:
        return "部级"
    return rng.choice(LEVEL_SPELLINGS[a.level])


def _grade(rng: random.Random, a: Award) -> str:
    text = GRADE_ZH[a.grade]
    return text.removesuffix("奖") if a.grade in GRADES and rng.random() < 0.3 else text  # "一等奖" / "一等"


def _ref(rng: random.Random, a: Award) -> str:
    """A standard number as people retype it: now and then with a long dash."""
    if a.for_ref and not a.for_ref.startswith("ZL") and rng.random() < 0.3:
        return a.for_ref.replace("-", rng.choice(("—", "－")))
    return a.for_ref


def write(raw_dir: Path, records: list[Award]) -> list[PlantedIssue]:
    folder = raw_dir / "awards"
    planted: list[PlantedIssue] = []
    zh_header = ["单位", "部门", "奖项名称", "授奖单位", "奖励级别", "获奖等级", "完成单位角色", "获奖年度", "获奖成果",
                 "成果编号"]
    for inst in INSTITUTES:
        recs = [a for a in records if a.institute == inst.id]
        fmt = stream("awards", inst.id, "format")
        naming = stream("awards", inst.id, "unit names")

        def zh_row(a: Award, unit: bool = True, fmt: random.Random = fmt, naming: random.Random = naming,
                   inst: Institute = inst) -> list[object]:
            row: list[object] = [inst.aliases[0], _level(fmt, a), _grade(fmt, a), fmt.choice(ROLE_SPELLINGS[a.role])]
            return [row[0], *([cell(naming, a.unit, inst.id)] if unit else []), a.award_name, a.awarding_body,
                    *row[1:], a.year, a.for_title, _ref(fmt, a)]

        if inst.id == "FJQI":
            rows = [zh_row(a) for a in recs]
            for row in rows:
                row[7] = f"{row[7]}年" if fmt.random() < 0.4 else row[7]
            at = next(k for k, a in enumerate(recs) if a.year >= 2020)
            rows.insert(at, [inst.aliases[0], "食品检测所", "福州市科学技术进步奖", "福州市人民政府", "市级", "二等奖",
                             "牵头", 2020, "茶叶中多种农药残留快速检测技术研究与应用", ""])
            name = "福建省质检院科技奖励汇总.csv"
            first = write_csv(folder / name, zh_header, rows, "gbk")
            planted.append(PlantedIssue("awards", name, first + at, "unknown_level"))
        elif inst.id == "FJSI":
            rows = [zh_row(a) for a in recs]
            rows.append(["合计", None, f"共{len(recs)}项", None, None, None, None, None, None, None])
            write_xlsx(
                folder / "福建省标准化院获奖情况2015-2024.xlsx",
                "获奖情况",
                [*zh_header[:-1], "标准编号"],
                rows,
                title="福建省标准化研究院科技奖励获奖情况（2015—2024年）",
                widths=[14, 16, 30, 22, 10, 10, 12, 10, 40, 22],
            )
        elif inst.id == "ZJQS":
            write_xlsx(
                folder / "浙江省质科院科技奖励.xlsx",
                "科技奖励",
                zh_header,
                [zh_row(a) for a in recs],
                title="浙江省质量科学研究院科技奖励获奖情况（2015—2024年）",
                blank_rows_after_title=1,
                widths=[14, 22, 30, 22, 10, 10, 12, 10, 40, 22],
            )
        elif inst.id == "ZJSI":
            rows = [[inst.id, a.unit, a.award_name, a.awarding_body, a.level, a.grade, a.role, a.year, a.for_title,
                     a.for_ref] for a in recs]
            at = next(k for k, a in enumerate(recs) if a.year >= 2021)
            rows.insert(at, [inst.id, "R2", "浙江省市场监管系统科技创新成果奖", "浙江省市场监督管理局", "bureau", "third",
                             "lead", 2021, "标准化良好行为企业评价研究", "浙市监科〔2021〕12号"])  # a warning only
            write_csv(folder / "ZJSI_awards.csv",
                      ["institute", "unit", "award_name", "awarding_body", "level", "grade", "role", "year",
                       "for_title", "for_ref"], rows, "utf-8")
        else:
            rows = [zh_row(a, unit=False)[:-1] for a in recs]
            header = [h for h in zh_header if h not in ("部门", "成果编号")]
            write_csv(folder / f"{inst.name_zh}科技奖励.csv", header, rows,
                      "utf-8-sig" if inst.id == "FJMI" else "utf-8")
    return planted
