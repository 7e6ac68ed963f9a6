"""papers: papers published (论文), one row per paper, counted for the first author's institute and unit.

Published, and reproduced exactly (the README's table, "The demo dataset"): 浙江省质量科学研究院's
先进制造计量研究中心 in 2022–2024, 24 papers indexed in SCI or EI and 23 in core journals (20余 and 20余;
ZJQS_CENTRE, first authors in the centre or one of its 室). Everything else is drawn: each institute's
papers by year and index with growth (the register's `papers`), the centre's before 2022, and the other
centres'. Titles, authors and DOIs are made up; a DOI has its publisher's shape, sometimes written as a
https://doi.org/ link.

Shapes: GBK CSV (FJQI, a laboratory per paper where the author has one), a workbook with a title row
(FJSI), a workbook with 第一作者部门 (ZJQS), English headers and values (ZJSI), indexes spelled SCI / SCIE,
北大核心 / 中文核心 / CSCD. Planted and quarantined: a CNKI record id typed as a DOI (FJQI), a unit that is
not in ZJQS's register (an unregistered 室)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from pipelines.demo.draws import person_name, stream, trend, yearly_count
from pipelines.demo.files import PlantedIssue, write_csv, write_xlsx
from pipelines.demo.ip_items import IP_FIELD, IP_OBJECTS
from pipelines.demo.register import INSTITUTES, Institute
from pipelines.demo.units import FJQI_LABS, ZJQS_CENTRE_UNITS, ZJQS_OTHER_CENTRES, cell, of


@dataclass(frozen=True)
class Paper:
    institute: str
    year: int
    title: str
    journal: str
    indexed: str  # sci | ei | core | other
    first_author: str
    doi: str = ""
    unit: str = ""  # the unit's code in the institute's units register; "" = the institute only


INDEXES = ("sci", "ei", "core", "other")
# 先进制造计量研究中心 (and its 室), as published for 2022–2024: SCI, EI, core journals; before 2022 drawn
# around the first figures.
ZJQS_CENTRE = {2022: (4, 3, 7), 2023: (5, 3, 8), 2024: (5, 4, 8)}
ZJQS_CENTRE_BEFORE = (2.5, 2.0, 4.5, 3.0)  # per year, 2015–2021: SCI, EI, core, other
ZJQS_CENTRE_OTHER = 3.0  # papers in other journals per year, 2022–2024

# journal, DOI pattern ({y} year, {n} digits, {h} hex digits) or "" (no DOI), by field and index
JOURNALS = {
    "计量": {
        "sci": (("Measurement", "10.1016/j.measurement.{y}.{n6}"),
                ("Measurement Science and Technology", "10.1088/1361-6501/ac{h4}"),
                ("IEEE Transactions on Instrumentation and Measurement", "10.1109/TIM.{y}.{n7}"),
                ("Precision Engineering", "10.1016/j.precisioneng.{y}.{n2}.{n3}"),
                ("Metrologia", "10.1088/1681-7575/ab{h4}"), ("Sensors", "10.3390/s{n8}")),
        "ei": (("仪器仪表学报", "10.19650/j.cnki.cjsi.J{y}{n5}"), ("光学精密工程", "10.37188/OPE.{y}{n4}"),
               ("计量学报", "10.3969/j.issn.1000-1158.{y}.{n2}.{n2}")),
        "core": (("中国测试", "10.11857/j.issn.1674-5124.{y}{n5}"), ("电测与仪表", ""), ("计量与测试技术", ""),
                 ("工具技术", ""), ("传感技术学报", "10.3969/j.issn.1004-1699.{y}.{n2}.{n3}")),
        "other": (("中国计量", ""), ("计量技术", ""), ("上海计量测试", ""), ("工业计量", "")),
    },
    "质检": {
        "sci": (("Food Chemistry", "10.1016/j.foodchem.{y}.{n6}"), ("Talanta", "10.1016/j.talanta.{y}.{n6}"),
                ("Polymer Testing", "10.1016/j.polymertesting.{y}.{n6}"),
                ("Journal of Hazardous Materials", "10.1016/j.jhazmat.{y}.{n6}"),
                ("Measurement", "10.1016/j.measurement.{y}.{n6}")),
        "ei": (("纺织学报", "10.13475/j.fzxb.{y}{n7}"), ("仪器仪表学报", "10.19650/j.cnki.cjsi.J{y}{n5}")),
        "core": (("分析测试学报", "10.19969/j.fxcsxb.{n8}"), ("食品科学", "10.7506/spkx{n7}-{n3}"),
                 ("理化检验（化学分册）", ""), ("中国测试", "10.11857/j.issn.1674-5124.{y}{n5}"),
                 ("塑料工业", "")),
        "other": (("中国检验检测", ""), ("质量与认证", ""), ("中国质量监管", ""), ("日用电器", "")),
    },
    "标准": {
        "sci": (("Journal of Cleaner Production", "10.1016/j.jclepro.{y}.{n6}"),
                ("Sustainability", "10.3390/su{n8}")),
        "ei": (("计算机集成制造系统", "10.13196/j.cims.{y}.{n2}.{n3}"),),
        "core": (("中国标准化", ""), ("标准科学", ""), ("科技管理研究", ""), ("情报杂志", "")),
        "other": (("品牌与标准化", ""), ("中国质量与标准导报", ""), ("标准生活", ""), ("质量探索", "")),
    },
}
TOPICS_EN = {
    "计量": ("laser trackers", "coordinate measuring machines", "gear measuring centres", "torque wrenches",
             "smart electricity meters", "ultrasonic flow meters", "line-structured light sensors",
             "industrial robots", "CNC machine tools", "platinum resistance thermometers"),
    "质检": ("lithium-ion batteries", "formaldehyde emission from wood-based panels", "pesticide residues in tea",
             "migration from food contact materials", "flame retardancy of textiles", "microplastics in drinking water",
             "heavy metals in children's products", "phthalates in toys"),
    "标准": ("elderly care services", "technical barriers to trade", "standards text similarity",
             "quality infrastructure services", "green product certification", "smart community services"),
}
METHODS_EN = ("deep learning", "Monte Carlo simulation", "machine vision", "laser interferometry", "Bayesian inference",
              "multi-sensor fusion", "UPLC-MS/MS", "Raman spectroscopy", "text mining", "knowledge graphs")
TEMPLATES_EN = ("A calibration method for {t} based on {m}", "Uncertainty evaluation for {t} using {m}",
                "Rapid assessment of {t} by {m}", "An improved {m} approach to {t}", "On-site verification of {t} with {m}")
METHODS_ZH = ("机器视觉", "深度学习", "激光干涉", "蒙特卡洛法", "多传感器融合", "气相色谱-质谱联用", "电感耦合等离子体质谱",
              "近红外光谱", "知识图谱", "文本挖掘")
TAILS_ZH = ("校准方法研究", "测量不确定度评定", "检测技术研究", "在线监测系统设计", "质量评价方法研究", "关键参数测量研究")
STANDARD_TOPICS_ZH = ("养老服务", "质量基础设施", "团体标准", "标准实施效果", "地理标志产品", "企业标准自我声明", "乡村振兴",
                      "数字政府", "碳达峰碳中和")
STANDARD_TAILS_ZH = ("标准体系构建研究", "标准化现状与对策", "标准化路径探析", "标准实施评价研究", "标准比对分析")


def _doi(rng: random.Random, pattern: str, year: int) -> str:
    if not pattern:
        return ""
    fields = {"y": str(year), "n2": f"{rng.randint(1, 12):02d}", "n3": f"{rng.randint(1, 999):03d}",
              "n4": f"{rng.randint(0, 9999):04d}", "n5": f"{rng.randint(0, 99999):05d}",
              "n6": f"{rng.randint(100000, 999999)}", "n7": f"{rng.randint(0, 9999999):07d}",
              "n8": f"{rng.randint(10000000, 99999999)}", "h4": f"{rng.randrange(16 ** 4):04x}"}
    return pattern.format(**fields)


def _title(rng: random.Random, field: str, indexed: str) -> str:
    if indexed == "sci":
        t = rng.choice(TEMPLATES_EN).format(t=rng.choice(TOPICS_EN[field]), m=rng.choice(METHODS_EN))
        return t[0].upper() + t[1:]
    if field == "标准":
        return f"{rng.choice(STANDARD_TOPICS_ZH)}{rng.choice(STANDARD_TAILS_ZH)}"
    return f"基于{rng.choice(METHODS_ZH)}的{rng.choice(IP_OBJECTS[field])}{rng.choice(TAILS_ZH)}"


def _papers(rng: random.Random, inst: Institute, year: int, counts: tuple[int, ...], units: list[str],
            seen: set[tuple[str, str, int]]) -> list[Paper]:
    field = IP_FIELD[inst.kind]
    out: list[Paper] = []
    for indexed, n in zip(INDEXES, counts, strict=True):
        for _ in range(n):
            title = _title(rng, field, indexed)
            while (inst.id, title, year) in seen:
                title = _title(rng, field, indexed)
            seen.add((inst.id, title, year))
            journal, pattern = rng.choice(JOURNALS[field][indexed])
            doi = _doi(rng, pattern, year) if indexed == "sci" or rng.random() < 0.7 else ""
            out.append(Paper(inst.id, year, title, journal, indexed, person_name(rng), doi,
                             rng.choice(units) if units else ""))
    return out


def records() -> list[Paper]:
    seen: set[tuple[str, str, int]] = set()
    out: list[Paper] = []
    for inst in INSTITUTES:
        rng = stream("papers", inst.id)
        for year in inst.years:
            counts = tuple(yearly_count(rng, base * trend(inst, year)) for base in inst.papers)
            if inst.id == "FJQI":
                units = [u.code for u in FJQI_LABS] + [""] * 9
            elif inst.id == "ZJQS":
                units = [u.code for u in ZJQS_OTHER_CENTRES if u.valid_in(year)] + [""]
            elif inst.id in ("FJSI", "ZJSI"):
                units = [u.code for u in of(inst.id, year)] + [""]
            else:
                units = []
            out += _papers(rng, inst, year, counts, units, seen)
    rng = stream("papers", "ZJQS", "centre")
    zjqs = next(i for i in INSTITUTES if i.id == "ZJQS")
    centre = [u.code for u in ZJQS_CENTRE_UNITS]
    for year in zjqs.years:
        if year in ZJQS_CENTRE:
            counts = (*ZJQS_CENTRE[year], yearly_count(rng, ZJQS_CENTRE_OTHER))
        else:
            counts = tuple(yearly_count(rng, base * trend(zjqs, year)) for base in ZJQS_CENTRE_BEFORE)
        out += _papers(rng, zjqs, year, counts, centre, seen)
    return sorted(out, key=lambda p: (p.institute, p.year, INDEXES.index(p.indexed), p.title))


INDEX_SPELLINGS = {"sci": ("SCI", "SCI", "SCIE"), "ei": ("EI", "EI", "EI Compendex"),
                   "core": ("北大核心", "中文核心", "CSCD"), "other": ("普通期刊", "其他")}


def _doi_text(rng: random.Random, doi: str) -> str:
    return f"https://doi.org/{doi}" if doi and rng.random() < 0.15 else doi


def write(raw_dir: Path, records: list[Paper]) -> list[PlantedIssue]:
    folder = raw_dir / "papers"
    planted: list[PlantedIssue] = []
    zh_header = ["单位", "第一作者部门", "论文题目", "期刊名称", "收录情况", "发表年份", "第一作者", "DOI"]
    for inst in INSTITUTES:
        recs = [p for p in records if p.institute == inst.id]
        fmt = stream("papers", inst.id, "format")
        naming = stream("papers", inst.id, "unit names")

        def zh_row(p: Paper, fmt: random.Random = fmt, naming: random.Random = naming,
                   inst: Institute = inst) -> list[object]:
            return [inst.aliases[0], cell(naming, p.unit, inst.id), p.title, p.journal,
                    fmt.choice(INDEX_SPELLINGS[p.indexed]), p.year, p.first_author, _doi_text(fmt, p.doi)]

        if inst.id == "FJQI":
            rows = [zh_row(p) for p in recs]
            at = next(k for k, p in enumerate(recs) if p.year >= 2022)
            rows.insert(at, [inst.aliases[0], "食品理化实验室", "茶叶中22种农药残留的快速测定", "食品科学", "北大核心", 2022,
                             "林晓峰", "CNKI:SUN:SPKX.0.2022-08-031"])
            name = "福建省质检院论文发表情况.csv"
            first = write_csv(folder / name, zh_header, rows, "gbk")
            planted.append(PlantedIssue("papers", name, first + at, "bad_doi"))
        elif inst.id == "FJSI":
            write_xlsx(
                folder / "福建省标准化院论文统计.xlsx",
                "论文",
                zh_header,
                [zh_row(p) for p in recs],
                title="福建省标准化研究院发表论文统计表",
                widths=[14, 16, 40, 20, 10, 10, 10, 36],
            )
        elif inst.id == "ZJQS":
            rows = [zh_row(p) for p in recs]
            for row in rows:
                row[5] = f"{row[5]}年"
            at = next(k for k, p in enumerate(recs) if p.year >= 2023)
            rows.insert(at, [inst.aliases[0], "精密测量技术研究室", "基于机器视觉的螺纹参数测量方法研究", "中国测试", "北大核心",
                             "2023年", "邵宇航", ""])
            name = "浙江省质科院论文清单2015-2024.xlsx"
            first = write_xlsx(folder / name, "论文清单", zh_header, rows, widths=[14, 22, 50, 30, 10, 10, 10, 40])
            planted.append(PlantedIssue("papers", name, first + at, "unknown_unit"))
        elif inst.id == "ZJSI":
            rows = [[inst.id, p.unit, p.title, p.journal, p.indexed, p.year, p.first_author, p.doi] for p in recs]
            write_csv(folder / "ZJSI_papers.csv",
                      ["institute", "unit", "title", "journal", "indexed", "year", "first_author", "doi"], rows,
                      "utf-8")
        else:
            rows = [[inst.name_zh, *zh_row(p)[2:]] for p in recs]
            write_csv(folder / f"{inst.name_zh}论文.csv", [zh_header[0], *zh_header[2:]], rows,
                      "utf-8-sig" if inst.id == "FJMI" else "utf-8")
    return planted
