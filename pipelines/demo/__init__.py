"""The bundled demo dataset: a deterministic generator of institute submissions for 2015–2024.

``generate(raw_dir)`` clears and rewrites ``raw_dir/<dataset>/`` for the seven datasets (institutes,
staff, project_counts, ip_items, standards, volunteer_hours, targets) and returns the rows it planted
for quarantine. The output depends on nothing but the code: a fixed seed (20241231) and fixed dates,
so two runs give byte-identical files.

What is published and what is synthetic
---------------------------------------
Published (reproduced exactly by the demo records; the table in the README, "The demo dataset"):

* 福建省产品质量检验研究院, 2019: 59 projects initiated (省部级 2 — 市场监管总局 1 and 省科技厅 1;
  厅局级 12 — 省科技厅 1 and 省市场监管局 11; 市级 5; 院级 30; 横向 10) and 32 projects accepted
  (17 external ones, 14 rated 国内领先 and 3 国内先进, plus 15 internal ones rated 通过);
  2 invention patents granted and 1 software copyright registered in 2019.
* 福建省标准化研究院: 213 national + industry + local standards drafted, publish years 2015–2023.
* 浙江省质量科学研究院 (its 先进制造计量研究中心): 23 inventions, 34 utility models and 45 software
  copyrights granted / registered in 2022–2024 (published as 20余 / 30余 / 40余, total > 100), and
  metrology specifications drafted to 2024: JJG 12, JJF 52, local JJF(浙) / JJG(浙) 11 (published as
  10余 / 50余 / 10余, 70余).

Synthetic: everything else — the peer institutes' figures, all other years, every individual record
(patent and software numbers, titles, standard numbers, volunteer ids, dates, hours), staff sizes,
targets. Patent numbers carry valid check characters, standard numbers are well-formed, and the
resident ID numbers used as volunteer ids by 浙江省质量科学研究院 are made up (region 330106, random
birth dates, valid check digit) and belong to no real person. Founding years are plausible, not
researched. Peers have plausible magnitudes with mild growth and noise, so that charts look alive.

The files have the shapes real submissions have: GBK CSV with dates like 2023年5月5日, Excel with a
merged title row, short names, full-width digits, "20余", a trailing 合计 row, English headers, several
dash forms in standard numbers. A few rows are planted to be quarantined (an unknown institute, a
bad patent check character, an enterprise standard number, hours out of range, a duplicate, a future
date); ``generate`` returns them with the row number a person sees in Excel or a text editor.
Also planted, but only as warnings and so not returned: a patent co-owned by two institutes, and
volunteer records of 12–24 hours.
"""

from __future__ import annotations

import csv
import math
import random
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

from pipelines.errors import FileError
from pipelines.identifiers import patent_check_char

SEED = 20241231
YEARS = tuple(range(2015, 2025))
AS_OF = date(2024, 12, 31)  # no record is dated after this (except the planted future date)
XLSX_CREATED = datetime(2025, 1, 1)
CSV_LINE_END = "\r\n"  # all CSVs pretend to come from Windows offices

DATASETS = (
    "institutes",
    "staff",
    "project_counts",
    "ip_items",
    "standards",
    "volunteer_hours",
    "targets",
)


@dataclass(frozen=True)
class PlantedIssue:
    dataset: str
    file_name: str
    source_row: int  # as seen in Excel / a text editor: 1-based, title and header rows counted
    reason_code: str


# ------------------------------------------------------------------------------------------------
# Institutes
# ------------------------------------------------------------------------------------------------

LEVELS = ("national", "provincial_ministerial", "bureau", "city", "internal", "commissioned")
LEVEL_ZH = {
    "national": "国家级",
    "provincial_ministerial": "省部级",
    "bureau": "厅局级",
    "city": "市级",
    "internal": "院级",
    "commissioned": "横向",
}
STAGES = ("initiated", "ongoing", "accepted")
STAGE_ZH = {"initiated": "立项", "ongoing": "在研", "accepted": "验收"}


@dataclass(frozen=True)
class _Institute:
    id: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    alias_sep: str
    province: str
    kind: str  # 质检院 / 标准化院 / 计量院 / 质科院
    founded: int
    first_year: int  # first year it submits
    staff: tuple[int, int]  # head count in 2015 and 2024 (interpolated, with noise)
    volunteers: int  # size of the volunteer pool
    projects: tuple[float, ...]  # projects initiated per year in 2015, by LEVELS
    ip: tuple[float, float, float, float]  # granted per year in 2015: invention, utility, design, software
    standards: tuple[tuple[str, float, int], ...]  # (kind, per year in 2015, first year)
    growth: float  # yearly growth of the activity figures

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(y for y in YEARS if y >= self.first_year)


INSTITUTES: tuple[_Institute, ...] = (
    _Institute(
        id="FJQI",
        name_zh="福建省产品质量检验研究院",
        name_en="Fujian Institute of Product Quality Inspection",
        aliases=("福建省质检院", "福建质检院"),
        alias_sep="、",
        province="35",
        kind="质检院",
        founded=1958,
        first_year=2015,
        staff=(412, 523),
        volunteers=110,
        projects=(0.4, 2.0, 9.0, 4.0, 24.0, 7.0),
        ip=(3.0, 8.0, 0.6, 2.5),
        standards=(
            ("GB/T", 2.0, 2015),
            ("SN/T", 0.4, 2015),
            ("QB/T", 0.4, 2015),
            ("DB", 3.0, 2015),
            ("T/FJAS", 1.5, 2017),
        ),
        growth=0.05,
    ),
    _Institute(
        id="FJSI",
        name_zh="福建省标准化研究院",
        name_en="Fujian Institute of Standardization",
        aliases=("福建省标准化院", "福建标准院"),
        alias_sep=";",
        province="35",
        kind="标准化院",
        founded=1984,
        first_year=2015,
        staff=(148, 187),
        volunteers=45,
        projects=(0.3, 1.5, 4.0, 3.0, 8.0, 11.0),
        ip=(0.5, 1.5, 0.0, 5.0),
        standards=(("T/FJAS", 3.0, 2016),),  # national / industry / local are calibrated: FJSI_NIL
        growth=0.05,
    ),
    _Institute(
        id="FJMI",
        name_zh="福建省计量科学研究院",
        name_en="Fujian Metrology Institute",
        aliases=("福建省计量院",),
        alias_sep="、",
        province="35",
        kind="计量院",
        founded=1960,
        first_year=2015,
        staff=(296, 364),
        volunteers=80,
        projects=(0.3, 1.5, 6.0, 2.5, 14.0, 5.0),
        ip=(2.5, 7.0, 0.3, 2.0),
        standards=(("JJG", 0.3, 2015), ("JJF", 1.2, 2015), ("JJF_L", 2.5, 2015), ("DB", 0.8, 2015)),
        growth=0.04,
    ),
    _Institute(
        id="ZJQS",
        name_zh="浙江省质量科学研究院",
        name_en="Zhejiang Institute of Quality Sciences",
        aliases=("浙江省质科院", "浙江质科院"),
        alias_sep="、",
        province="33",
        kind="质科院",
        founded=1979,
        first_year=2015,
        staff=(468, 596),
        volunteers=120,
        projects=(1.0, 3.0, 10.0, 5.0, 26.0, 12.0),
        ip=(3.5, 6.5, 0.4, 7.0),
        standards=(("GB/T", 0.5, 2015), ("DB", 0.8, 2015), ("T/ZZB", 1.0, 2016)),  # metrology: ZJQS_METROLOGY
        growth=0.06,
    ),
    _Institute(
        id="ZJSI",
        name_zh="浙江省标准化研究院",
        name_en="Zhejiang Institute of Standardization",
        aliases=("浙江省标准院",),
        alias_sep=";",
        province="33",
        kind="标准化院",
        founded=1980,
        first_year=2015,
        staff=(156, 197),
        volunteers=40,
        projects=(0.4, 2.0, 5.0, 4.0, 8.0, 12.0),
        ip=(0.5, 1.5, 0.0, 4.5),
        standards=(("GB/T", 3.0, 2015), ("DB", 10.0, 2015), ("T/ZZB", 8.0, 2016)),
        growth=0.05,
    ),
    _Institute(
        id="ZJQI",
        name_zh="浙江省产品质量安全科学研究院",
        name_en="Zhejiang Institute of Product Quality and Safety Science",
        aliases=("浙江省质安院",),
        alias_sep="、",
        province="33",
        kind="质检院",
        founded=1963,
        first_year=2015,
        staff=(248, 306),
        volunteers=70,
        projects=(0.4, 2.0, 7.0, 3.0, 15.0, 6.0),
        ip=(1.5, 5.0, 0.5, 2.0),
        standards=(("GB/T", 2.5, 2015), ("QB/T", 0.8, 2015), ("DB", 2.0, 2015), ("T/ZZB", 3.0, 2016)),
        growth=0.04,
    ),
    _Institute(
        id="JSQS",
        name_zh="江苏省质量和标准化研究院",
        name_en="Jiangsu Institute of Quality and Standardization",
        aliases=("江苏省质标院",),
        alias_sep="、",
        province="32",
        kind="标准化院",
        founded=2002,
        first_year=2017,  # submits from 2017 on
        staff=(218, 266),
        volunteers=60,
        projects=(0.4, 2.0, 6.0, 3.0, 10.0, 8.0),
        ip=(1.0, 3.0, 0.0, 4.0),
        standards=(("GB/T", 2.5, 2017), ("RB/T", 0.5, 2017), ("DB", 8.0, 2017), ("T/CAS", 1.5, 2017)),
        growth=0.06,
    ),
)
BY_ID = {i.id: i for i in INSTITUTES}
PROVINCE_ABBR = {"35": "闽", "33": "浙", "32": "苏"}


# ------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------


def _rng(*parts: object) -> random.Random:
    """A random stream of its own for each dataset and institute (string seeds are hashed with
    SHA-512, so they do not depend on PYTHONHASHSEED)."""
    return random.Random(f"{SEED}/" + "/".join(str(p) for p in parts))


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _trend(inst: _Institute, year: int) -> float:
    return (1 + inst.growth) ** (year - 2015)


def _count(rng: random.Random, mean: float) -> int:
    """A yearly count around mean: Poisson for small means, ±12 % for larger ones (an institute's
    output moves less than a Poisson count would)."""
    if mean < 8:
        return _poisson(rng, mean)
    return round(mean * rng.uniform(0.88, 1.12))


def _day_in(
    rng: random.Random, year: int, start: tuple[int, int] = (1, 1), end: tuple[int, int] = (12, 31)
) -> date:
    first, last = date(year, *start), min(date(year, *end), AS_OF)
    return first + timedelta(days=rng.randrange((last - first).days + 1))


_FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)} | {0x20: 0x3000}


def _full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _hours_text(hours: float) -> str:
    return str(int(hours)) if hours == int(hours) else str(hours)


def _cn_date(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str) -> int:
    """Write a CSV; return the source row of the first data row (always 2: header on line 1)."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator=CSV_LINE_END)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return 2


def _write_xlsx(
    path: Path,
    sheet: str,
    header: list[str],
    rows: list[list[object]],
    *,
    title: str | None = None,
    blank_rows_after_title: int = 0,
    date_format: str = "yyyy-mm-dd",
    widths: list[int] | None = None,
) -> int:
    """Write one sheet (numbers as numbers, dates as date cells, text as text); return the source
    row (1-based) of the first data row."""
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"created": XLSX_CREATED, "author": "Touyan demo", "company": ""})
    ws = wb.add_worksheet(sheet)
    head_fmt = wb.add_format({"bold": True, "align": "center", "border": 1, "bg_color": "#DDEBF7"})
    date_fmt = wb.add_format({"num_format": date_format})
    r = 0
    if title:
        title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        ws.merge_range(0, 0, 0, len(header) - 1, title, title_fmt)
        ws.set_row(0, 24)
        r = 1 + blank_rows_after_title
    for c, h in enumerate(header):
        ws.write_string(r, c, h, head_fmt)
    header_row = r
    for row in rows:
        r += 1
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, date):
                ws.write_datetime(r, c, datetime(v.year, v.month, v.day), date_fmt)
            elif isinstance(v, int | float):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
    for c, w in enumerate(widths or []):
        ws.set_column(c, c, w)
    ws.freeze_panes(header_row + 1, 0)
    wb.close()
    return header_row + 2


# ------------------------------------------------------------------------------------------------
# institutes, staff
# ------------------------------------------------------------------------------------------------


def _write_institutes(raw_dir: Path) -> None:
    rows = [
        [i.id, i.name_zh, i.name_en, i.alias_sep.join(i.aliases), i.province, i.kind, i.founded]
        for i in INSTITUTES
    ]
    _write_csv(
        raw_dir / "institutes" / "机构名录.csv",
        ["机构代码", "单位名称", "英文名称", "简称", "省份代码", "机构类型", "成立年份"],
        rows,
        "utf-8-sig",
    )


STAFF_RATIOS = {
    "质检院": (0.78, 0.36),
    "质科院": (0.82, 0.38),
    "标准化院": (0.80, 0.45),
    "计量院": (0.84, 0.40),
}


def _staff_records() -> dict[tuple[str, int], tuple[int, int, int]]:
    out: dict[tuple[str, int], tuple[int, int, int]] = {}
    for inst in INSTITUTES:
        rng = _rng("staff", inst.id)
        start, end = inst.staff
        tech_share, party_share = STAFF_RATIOS[inst.kind]
        for year in inst.years:
            total = round((start + (end - start) * (year - 2015) / 9) * rng.uniform(0.985, 1.015))
            tech = round(total * (tech_share + 0.006 * (year - 2015) + rng.uniform(-0.02, 0.02)))
            party = round(total * (party_share + rng.uniform(-0.02, 0.02)))
            out[(inst.id, year)] = (total, tech, party)
    return out


def _write_staff(raw_dir: Path, staff: dict[tuple[str, int], tuple[int, int, int]]) -> None:
    rows = [[BY_ID[i].name_zh, y, *v] for (i, y), v in staff.items()]
    _write_csv(
        raw_dir / "staff" / "各单位职工人数.csv",
        ["单位", "年度", "职工总数", "专业技术人员", "党员人数"],
        rows,
        "utf-8-sig",
    )


# ------------------------------------------------------------------------------------------------
# project_counts
# ------------------------------------------------------------------------------------------------


@dataclass
class _Projects:
    institute: str
    year: int
    level: str
    funder: str
    stage: str
    count: int
    evaluation: str


FUNDERS = {
    "national": (("科技部", "市场监管总局"), (0.7, 0.3)),
    "provincial_ministerial": (("市场监管总局", "省科技厅"), (0.5, 0.5)),
    "bureau": (("省科技厅", "省市场监管局"), (0.3, 0.7)),
}
EXTERNAL_EVALUATIONS = (("国际先进", "国内领先", "国内先进", "通过"), (0.04, 0.55, 0.30, 0.11))

# 福建省产品质量检验研究院 2019, as published (README, "The demo dataset").
FJQI_2019 = (
    ("provincial_ministerial", "市场监管总局", "initiated", 1, ""),
    ("provincial_ministerial", "省科技厅", "initiated", 1, ""),
    ("bureau", "省科技厅", "initiated", 1, ""),
    ("bureau", "省市场监管局", "initiated", 11, ""),
    ("city", "", "initiated", 5, ""),
    ("internal", "", "initiated", 30, ""),
    ("commissioned", "", "initiated", 10, ""),
    ("provincial_ministerial", "", "accepted", 3, "国内领先"),
    ("bureau", "", "accepted", 7, "国内领先"),
    ("bureau", "", "accepted", 2, "国内先进"),
    ("city", "", "accepted", 2, "国内领先"),
    ("internal", "", "accepted", 15, "通过"),
    ("commissioned", "", "accepted", 2, "国内领先"),
    ("commissioned", "", "accepted", 1, "国内先进"),
)


def _project_records() -> list[_Projects]:
    out: list[_Projects] = []
    for inst in INSTITUTES:
        rng = _rng("project_counts", inst.id)
        prev_initiated: dict[str, int] = {}
        for year in inst.years:
            rows: list[_Projects] = []
            initiated: dict[str, int] = {}
            means = {lv: base * _trend(inst, year) for lv, base in zip(LEVELS, inst.projects, strict=True)}
            for level in LEVELS:
                n = _count(rng, means[level])
                initiated[level] = n
                if level in FUNDERS:
                    names, weights = FUNDERS[level]
                    split = Counter(rng.choices(names, weights, k=n))
                    rows += [
                        _Projects(inst.id, year, level, f, "initiated", split[f], "")
                        for f in names
                        if split[f]
                    ]
                elif n:
                    rows.append(_Projects(inst.id, year, level, "", "initiated", n, ""))
            for level in LEVELS:
                n = round(means[level] * rng.uniform(1.6, 2.0))
                if n:
                    rows.append(_Projects(inst.id, year, level, "", "ongoing", n, ""))
            for level in LEVELS:
                n = _count(rng, 0.85 * prev_initiated.get(level, initiated[level]))
                if level == "internal":
                    split = Counter({"通过": n})
                else:
                    split = Counter(rng.choices(*EXTERNAL_EVALUATIONS, k=n))
                rows += [
                    _Projects(inst.id, year, level, "", "accepted", split[e], e)
                    for e in EXTERNAL_EVALUATIONS[0]
                    if split[e]
                ]
            if (inst.id, year) == ("FJQI", 2019):
                ongoing = [r for r in rows if r.stage == "ongoing"]
                rows = [_Projects("FJQI", 2019, lv, f, s, n, e) for lv, f, s, n, e in FJQI_2019]
                rows = (
                    [r for r in rows if r.stage == "initiated"]
                    + ongoing
                    + [r for r in rows if r.stage == "accepted"]
                )
                initiated = Counter()
                for r in rows:
                    if r.stage == "initiated":
                        initiated[r.level] += r.count
            if (inst.id, year) == ("FJQI", 2022):
                for r in rows:
                    if (r.stage, r.level) == ("ongoing", "internal"):
                        r.count = 20  # written as "20余"
            prev_initiated = dict(initiated)
            out += rows
    return out


def _write_project_counts(raw_dir: Path, records: list[_Projects]) -> list[PlantedIssue]:
    folder = raw_dir / "project_counts"
    planted: list[PlantedIssue] = []
    zh_header = ["单位", "年度", "项目级别", "下达单位", "阶段", "数量", "验收结论"]
    for inst in INSTITUTES:
        recs = [r for r in records if r.institute == inst.id]
        if inst.id == "FJQI":
            fmt = _rng("project_counts", "FJQI", "format")
            rows: list[list[object]] = []
            total = 0
            for r in recs:
                count: object = r.count
                if (r.year, r.stage, r.level) == (2022, "ongoing", "internal"):
                    count = f"{r.count}余"  # an at-least count, not one of the calibrated 2019 rows
                elif r.count >= 10 and fmt.random() < 0.3:
                    count = _full_width(str(r.count))
                total += r.count
                rows.append(
                    [
                        "福建省质检院",
                        r.year,
                        LEVEL_ZH[r.level],
                        r.funder,
                        STAGE_ZH[r.stage],
                        count,
                        r.evaluation,
                    ]
                )
            # a row from an institute that is not in the register, after the 2021 rows
            at = max(k for k, r in enumerate(recs) if r.year == 2021) + 1
            rows.insert(at, ["福建省某某检测所", 2021, "市级", "", "立项", 3, ""])
            total += 3
            rows.append(["合计", None, None, None, None, total, None])
            name = "福建省质检院科研项目统计2015-2024.xlsx"
            first = _write_xlsx(
                folder / name,
                "项目统计",
                zh_header,
                rows,
                title="福建省产品质量检验研究院科研项目统计表（2015—2024年）",
                blank_rows_after_title=1,
                widths=[16, 8, 10, 14, 8, 8, 10],
            )
            planted.append(PlantedIssue("project_counts", name, first + at, "unknown_institute"))
        elif inst.id == "ZJQS":
            rows = [[inst.id, r.year, r.level, r.funder, r.stage, r.count, r.evaluation] for r in recs]
            _write_csv(
                folder / "ZJQS_project_counts_2015-2024.csv",
                ["institute", "year", "level", "funder", "stage", "count", "evaluation"],
                rows,
                "utf-8-sig",
            )
        else:
            rows = [
                [inst.name_zh, r.year, LEVEL_ZH[r.level], r.funder, STAGE_ZH[r.stage], r.count, r.evaluation]
                for r in recs
            ]
            _write_csv(folder / f"{inst.name_zh}科研项目统计.csv", zh_header, rows, "utf-8")
    return planted


# ------------------------------------------------------------------------------------------------
# ip_items
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ip:
    institute: str
    ip_type: str  # invention | utility | design | software
    number: str  # patents: the 12 digits; software: the registration number
    title: str
    app_date: date
    grant_date: date | None
    status: str  # filed | granted | lapsed


IP_OBJECTS = {
    "质检": (
        "电线电缆绝缘层厚度",
        "纺织品色牢度",
        "儿童玩具小零件",
        "电动自行车制动性能",
        "陶瓷砖吸水率",
        "鞋类耐折性能",
        "人造板甲醛释放量",
        "锂离子电池热失控",
        "LED灯具光通量",
        "塑料管材静液压",
        "燃气灶具热效率",
        "安全帽冲击吸收性能",
        "口罩颗粒物过滤效率",
        "钢筋拉伸性能",
        "茶叶农药残留",
        "食品接触材料迁移量",
        "家用电器泄漏电流",
        "插头插座温升",
        "汽车座椅阻燃性能",
        "服装纤维含量",
    ),
    "计量": (
        "电子计价秤",
        "燃油加油机",
        "出租汽车计价器",
        "智能电能表",
        "超声波水表",
        "膜式燃气表",
        "精密压力表",
        "铂电阻温度计",
        "热量表",
        "电子血压计",
        "红外耳温计",
        "电动汽车充电桩",
        "机动车雷达测速仪",
        "声级计",
        "酸度计",
        "扭矩扳手",
        "标准砝码",
        "激光测距仪",
        "三坐标测量机",
    ),
    "标准": (
        "标准文本",
        "标准条款",
        "标准实施效果",
        "团体标准",
        "企业标准自我声明",
        "能效标识",
        "商品条码",
        "物品编码",
        "标准化试点",
        "标准文献",
    ),
}
IP_DEVICES = {
    "质检": ("检测装置", "测试装置", "夹持装置", "取样装置", "快速检测装置", "自动测试系统", "试验平台"),
    "计量": ("校准装置", "检定装置", "检定用夹具", "自动检定系统", "溯源装置", "检测装置"),
    "标准": ("扫描识别装置", "数据采集终端", "比对装置", "信息采集装置"),
}
IP_METHODS = {
    "质检": ("检测方法", "测定方法", "快速测定方法", "评价方法", "检测方法及装置"),
    "计量": ("校准方法", "检定方法", "测量不确定度评定方法", "在线校准方法"),
    "标准": ("智能比对方法", "评价方法", "信息抽取方法", "检索方法"),
}
IP_DESIGNS = ("检测仪（便携式）", "样品转运箱", "计量检定车", "校准箱", "检测仪（台式）", "取样器", "试验箱")
SOFTWARE = {
    "质检": (
        "检验检测机构信息管理系统",
        "实验室样品管理软件",
        "产品质量监督抽查数据分析系统",
        "检验报告自动生成软件",
        "实验室仪器设备管理系统",
        "检测数据采集软件",
        "能力验证结果统计软件",
    ),
    "计量": (
        "计量器具检定数据管理系统",
        "电能表自动检定软件",
        "水表检定装置控制软件",
        "计量标准考核管理系统",
        "测量不确定度评定软件",
        "衡器检定数据处理软件",
        "民生计量器具监管平台",
    ),
    "标准": (
        "标准文献检索平台",
        "标准化信息服务平台",
        "团体标准公共服务平台",
        "企业标准自我声明公开系统",
        "标准实施效果评价软件",
        "商品条码信息管理系统",
        "标准比对分析系统",
    ),
}
IP_FIELD = {"质检院": "质检", "质科院": "质检", "计量院": "计量", "标准化院": "标准"}
IP_TYPE_DIGIT = {"invention": "1", "utility": "2", "design": "3"}
IP_TYPE_ZH = {"invention": "发明", "utility": "实用新型", "design": "外观设计", "software": "软件著作权"}

# Granted / registered per year where the figure is published.
IP_CALIBRATED = {
    ("FJQI", 2019): {"invention": 2, "software": 1},
    ("ZJQS", 2022): {"invention": 7, "utility": 10, "software": 13},
    ("ZJQS", 2023): {"invention": 8, "utility": 11, "software": 15},
    ("ZJQS", 2024): {"invention": 8, "utility": 13, "software": 17},
}
CO_OWNED = ("FJQI", "FJMI")  # one invention patent held by both
BAD_PATENT = "202010123456.7"  # check character should be 2


def _ip_title(rng: random.Random, field: str, ip_type: str) -> str:
    if ip_type == "software":
        return f"{rng.choice(SOFTWARE[field])}V{rng.randint(1, 3)}.{rng.choice((0, 0, 0, 1, 2, 5))}"
    if ip_type == "design":
        return rng.choice(IP_DESIGNS)
    obj = rng.choice(IP_OBJECTS[field])
    if ip_type == "invention" and rng.random() < 0.5:
        return f"一种{obj}的{rng.choice(IP_METHODS[field])}"
    return f"一种{obj}{rng.choice(IP_DEVICES[field])}"


def _ip_records() -> list[_Ip]:
    used: set[str] = {BAD_PATENT[:12]}
    out: list[_Ip] = []

    def patent_number(rng: random.Random, app: date, ip_type: str) -> str:
        while True:
            digits = f"{app.year}{IP_TYPE_DIGIT[ip_type]}{rng.randint(100000, 1599999):07d}"
            if digits not in used:
                used.add(digits)
                return digits

    def software_number(rng: random.Random, reg: date) -> str:
        while True:
            number = f"{reg.year}SR{rng.randint(10000, 1999999):07d}"
            if number not in used:
                used.add(number)
                return number

    for inst in INSTITUTES:
        rng = _rng("ip_items", inst.id)
        field = IP_FIELD[inst.kind]
        for year in inst.years:
            fixed = IP_CALIBRATED.get((inst.id, year), {})
            for ip_type, base in zip(("invention", "utility", "design", "software"), inst.ip, strict=True):
                n = fixed.get(ip_type, _count(rng, base * _trend(inst, year)))
                for _ in range(n):
                    granted = _day_in(rng, year)
                    title = _ip_title(rng, field, ip_type)
                    if ip_type == "software":
                        app = granted - timedelta(days=rng.randint(20, 180))
                        out.append(
                            _Ip(
                                inst.id,
                                ip_type,
                                software_number(rng, granted),
                                title,
                                app,
                                granted,
                                "granted",
                            )
                        )
                        continue
                    lag = rng.randint(365, 1095) if ip_type == "invention" else rng.randint(180, 420)
                    app = granted - timedelta(days=lag)
                    lapsed = year <= 2018 and rng.random() < (0.1 if ip_type == "invention" else 0.3)
                    if (inst.id, year) in IP_CALIBRATED:
                        lapsed = False
                    status = "lapsed" if lapsed else "granted"
                    out.append(
                        _Ip(inst.id, ip_type, patent_number(rng, app, ip_type), title, app, granted, status)
                    )
        # still pending at the end of 2024
        for ip_type, lam, start in (
            ("invention", inst.ip[0] * 1.6, date(2022, 7, 1)),
            ("utility", inst.ip[1] * 0.3, date(2024, 6, 1)),
        ):
            for _ in range(_poisson(rng, lam)):
                app = start + timedelta(days=rng.randrange((AS_OF - start).days - 10))
                title = _ip_title(rng, field, ip_type)
                out.append(_Ip(inst.id, ip_type, patent_number(rng, app, ip_type), title, app, None, "filed"))
    # the co-owned invention: granted in 2021 to FJQI and FJMI jointly
    rng = _rng("ip_items", "co-owned")
    app = date(2018, 11, 6)
    shared = _Ip(
        CO_OWNED[0],
        "invention",
        patent_number(rng, app, "invention"),
        "一种智能电能表计量误差在线检测方法",
        app,
        date(2021, 3, 23),
        "granted",
    )
    out += [shared, replace(shared, institute=CO_OWNED[1])]
    return out


def _patent_text(rng: random.Random, ip: _Ip) -> str:
    if ip.ip_type == "software":
        return ip.number
    check = patent_check_char(ip.number)
    roll = rng.random()
    if ip.status != "filed" and roll < 0.5:
        return f"ZL{ip.number}.{check}"
    if roll < 0.8:
        return f"{ip.number}.{check}"
    return f"CN{ip.number}{check}"


def _ip_status_zh(ip: _Ip) -> str:
    if ip.ip_type == "software":
        return "登记"
    return {"filed": "申请", "granted": "授权", "lapsed": "失效"}[ip.status]


def _write_ip_items(raw_dir: Path, records: list[_Ip]) -> list[PlantedIssue]:
    folder = raw_dir / "ip_items"
    planted: list[PlantedIssue] = []
    zh_header = ["单位", "类型", "申请号", "名称", "申请日", "授权日", "法律状态"]
    for inst in INSTITUTES:
        fmt = _rng("ip_items", inst.id, "format")
        recs = sorted((r for r in records if r.institute == inst.id), key=lambda r: (r.app_date, r.number))
        if inst.id == "FJQI":
            rows: list[list[object]] = [
                [
                    inst.name_zh,
                    IP_TYPE_ZH[r.ip_type],
                    _patent_text(fmt, r),
                    r.title,
                    r.app_date,
                    r.grant_date,
                    _ip_status_zh(r),
                ]
                for r in recs
            ]
            bad_app = date(2020, 3, 18)
            at = next(k for k, r in enumerate(recs) if r.app_date > bad_app)
            rows.insert(
                at,
                [
                    inst.name_zh,
                    "发明",
                    BAD_PATENT,
                    "一种电线电缆绝缘层厚度检测装置",
                    bad_app,
                    date(2022, 6, 14),
                    "授权",
                ],
            )
            name = "福建省质检院知识产权清单2015-2024.xlsx"
            first = _write_xlsx(
                folder / name, "知识产权", zh_header, rows, widths=[26, 10, 20, 40, 12, 12, 10]
            )
            planted.append(PlantedIssue("ip_items", name, first + at, "patent_check_char"))
        elif inst.id == "ZJQS":
            rows = [
                [
                    inst.name_zh,
                    IP_TYPE_ZH[r.ip_type],
                    _patent_text(fmt, r),
                    r.title,
                    _cn_date(r.app_date),
                    _cn_date(r.grant_date),
                    _ip_status_zh(r),
                ]
                for r in recs
            ]
            _write_csv(folder / "浙江省质科院知识产权汇总.csv", zh_header, rows, "gbk")
        else:
            rows = [
                [
                    inst.name_zh,
                    r.ip_type,
                    _patent_text(fmt, r),
                    r.title,
                    _iso(r.app_date),
                    _iso(r.grant_date),
                    r.status,
                ]
                for r in recs
            ]
            _write_csv(
                folder / f"{inst.id}_ip_items.csv",
                ["institute", "ip_type", "number", "title", "app_date", "grant_date", "status"],
                rows,
                "utf-8",
            )
    return planted


# ------------------------------------------------------------------------------------------------
# standards
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Standard:
    institute: str
    kind: str
    std_no: str  # as written in the file
    title: str
    role: str  # lead | participant
    action: str  # new | revision
    publish: date
    effective: date


# 福建省标准化研究院: national + industry + local standards by publish year; 2015–2023 sum to 213.
FJSI_NIL = {
    2015: 15,
    2016: 18,
    2017: 20,
    2018: 22,
    2019: 24,
    2020: 26,
    2021: 28,
    2022: 29,
    2023: 31,
    2024: 32,
}
# 浙江省质量科学研究院: metrology specifications by publish year (JJG 12, JJF 52, local 11).
ZJQS_METROLOGY = {
    "JJG": (1, 1, 1, 1, 2, 1, 1, 2, 1, 1),
    "JJF": (3, 4, 4, 5, 5, 5, 6, 6, 7, 7),
    "JJF_L": (0, 1, 0, 1, 1, 0, 1, 1, 1, 1),
    "JJG_L": (0, 0, 1, 0, 0, 1, 1, 0, 1, 0),
}

STD_PRODUCTS = (
    "电线电缆",
    "电动自行车",
    "儿童家具",
    "陶瓷砖",
    "运动鞋",
    "羽绒服装",
    "智能坐便器",
    "电热水器",
    "锂离子电池",
    "塑料管材",
    "竹制品",
    "石材",
    "纺织面料",
    "电动工具",
    "不锈钢保温杯",
    "家用净水器",
    "LED照明产品",
    "食品接触用塑料制品",
    "婴幼儿服装",
    "休闲鞋",
)
STD_PRODUCT_SUFFIX = ("通用技术要求", "质量分级", "检验规则", "安全技术规范", "试验方法", "质量评价通则")
STD_SERVICES = {
    "35": (
        "政务服务大厅",
        "养老机构",
        "乡村旅游",
        "物业服务",
        "公共图书馆",
        "社区居家养老",
        "冷链物流",
        "海洋牧场",
        "智慧停车",
        "质量基础设施一站式服务",
    ),
    "33": (
        "未来社区",
        "数字乡村",
        "政务服务“一网通办”",
        "养老机构",
        "乡村旅游",
        "物业服务",
        "共享单车",
        "快递绿色包装",
        "城市书房",
        "质量基础设施一站式服务",
    ),
    "32": (
        "政务服务中心",
        "养老机构",
        "乡村旅游",
        "智慧社区",
        "公共文化服务",
        "冷链物流",
        "工业互联网平台",
        "质量基础设施一站式服务",
    ),
}
STD_SERVICE_SUFFIX = (
    "服务规范",
    "管理规范",
    "建设指南",
    "服务质量评价规范",
    "等级划分与评定",
    "运行管理规范",
)
STD_AGRI = {
    "35": ("白茶", "武夷岩茶", "安溪铁观音", "食用菌", "大黄鱼", "鲍鱼", "龙眼", "荔枝", "坪山柚"),
    "33": ("西湖龙井茶", "安吉白茶", "杨梅", "黄酒", "铁皮石斛", "湖羊", "茭白"),
    "32": ("阳澄湖大闸蟹", "碧螺春茶", "盱眙龙虾", "宜兴紫砂", "高邮鸭蛋"),
}
STD_AGRI_SUFFIX = ("生产技术规程", "加工技术规程", "质量分级", "地理标志产品", "种植技术规程", "储运规范")
INSTRUMENTS = IP_OBJECTS["计量"] + (
    "流量积算仪",
    "出租汽车计价器检定装置",
    "公路运输车辆轴重仪",
    "微波消解仪",
)


def _std_title(rng: random.Random, kind: str, province: str) -> str:
    if kind.startswith("JJG"):
        return f"{rng.choice(INSTRUMENTS)}检定规程"
    if kind.startswith("JJF"):
        return f"{rng.choice(INSTRUMENTS)}{rng.choice(('校准规范', '校准规范', '型式评价大纲'))}"
    roll = rng.random()
    if kind == "DB" and roll < 0.4:
        product, suffix = rng.choice(STD_AGRI[province]), rng.choice(STD_AGRI_SUFFIX)
        return f"地理标志产品 {product}" if suffix == "地理标志产品" else f"{product}{suffix}"
    if (kind in ("DB", "RB/T") and roll < 0.8) or kind == "T/CAS":
        return f"{rng.choice(STD_SERVICES[province])}{rng.choice(STD_SERVICE_SUFFIX)}"
    return f"{rng.choice(STD_PRODUCTS)}{rng.choice(STD_PRODUCT_SUFFIX)}"


def _std_number(
    rng: random.Random, used: set[tuple[str, str]], inst: _Institute, kind: str, year: int
) -> str:
    """A well-formed synthetic number, unique across the demo, in one of the forms people type."""
    abbr = PROVINCE_ABBR[inst.province]
    while True:
        if kind == "GB/T":
            prefix, num = "GB/T", str(rng.randint(30000, 39999))
        elif kind == "RB/T":
            prefix, num = "RB/T", str(rng.randint(100, 299))
        elif kind in ("SN/T", "QB/T"):
            prefix, num = kind, str(rng.randint(4000, 5699))
        elif kind == "DB":
            base = 3000 if inst.province == "32" else 2000
            prefix, num = f"DB{inst.province}/T", str(base + 100 * (year - 2015) + rng.randint(0, 99))
        elif kind == "T/FJAS":
            prefix, num = kind, f"{rng.randint(1, 99):03d}"
        elif kind == "T/ZZB":
            prefix, num = kind, f"{rng.randint(1, 999):04d}"
        elif kind == "T/CAS":
            prefix, num = kind, str(rng.randint(300, 899))
        elif kind in ("JJG", "JJF"):
            prefix, num = kind, str(rng.randint(1000, 1999))
        elif kind == "JJF_L":
            prefix, num = f"JJF({abbr})", str(rng.randint(1000, 1999))
        else:  # JJG_L
            prefix, num = f"JJG({abbr})", str(rng.randint(100, 199))
        if (prefix, num) not in used:
            used.add((prefix, num))
            break
    roll = rng.random()
    if roll < 0.02:
        return _full_width(f"{prefix} {num}-{year}")
    if roll < 0.05:
        return f"{prefix} {num}－{year}"
    if roll < 0.15:
        return f"{prefix} {num}—{year}"
    if roll < 0.25 and "(" in prefix:
        return f"{prefix.replace('(', '（').replace(')', '）')} {num}-{year}"
    return f"{prefix} {num}-{year}"


def _std_records() -> list[_Standard]:
    used: set[tuple[str, str]] = set()
    out: list[_Standard] = []
    for inst in INSTITUTES:
        rng = _rng("standards", inst.id)
        for year in inst.years:
            plan: list[tuple[str, int, float]] = []  # (kind, how many, share led)
            for kind, base, start in inst.standards:
                if year >= start:
                    lead = 0.5 if kind in ("DB", "T/FJAS", "T/ZZB", "JJF_L") else 0.3
                    plan.append((kind, _count(rng, base * _trend(inst, year)), lead))
            if inst.id == "FJSI":
                n = FJSI_NIL[year]
                national, industry = round(n * 0.22), round(n * 0.08)
                plan += [
                    ("GB/T", national, 0.3),
                    (rng.choice(("RB/T", "SN/T")), industry, 0.3),
                    ("DB", n - national - industry, 0.55),
                ]
            if inst.id == "ZJQS":
                plan += [(kind, counts[year - 2015], 0.45) for kind, counts in ZJQS_METROLOGY.items()]
            for kind, n, lead in plan:
                for _ in range(n):
                    publish = _day_in(rng, year, end=(6, 30) if year == 2024 else (12, 31))
                    out.append(
                        _Standard(
                            inst.id,
                            kind,
                            _std_number(rng, used, inst, kind, year),
                            _std_title(rng, kind, inst.province),
                            "lead" if rng.random() < lead else "participant",
                            "revision" if rng.random() < 0.25 else "new",
                            publish,
                            publish + timedelta(days=rng.randint(60, 180)),
                        )
                    )
    return out


def _write_standards(raw_dir: Path, records: list[_Standard]) -> list[PlantedIssue]:
    folder = raw_dir / "standards"
    planted: list[PlantedIssue] = []
    zh_header = ["单位", "标准编号", "标准名称", "起草角色", "制修订", "发布日期", "实施日期"]
    role_zh = {"lead": "主持", "participant": "参与"}
    action_zh = {"new": "制定", "revision": "修订"}
    en_header = ["institute", "std_no", "title", "role", "action", "publish_date", "effective_date"]
    for inst in INSTITUTES:
        recs = sorted((r for r in records if r.institute == inst.id), key=lambda r: (r.publish, r.std_no))
        if inst.id == "FJSI":
            rows: list[list[object]] = [
                [
                    "福建省标准化院",
                    r.std_no,
                    r.title,
                    role_zh[r.role],
                    action_zh[r.action],
                    r.publish,
                    r.effective,
                ]
                for r in recs
            ]
            bad_publish = date(2020, 6, 30)
            at = next(k for k, r in enumerate(recs) if r.publish > bad_publish)
            rows.insert(
                at,
                [
                    "福建省标准化院",
                    "Q/FJBZ 001-2020",
                    "标准化服务质量管理规范",
                    "主持",
                    "制定",
                    bad_publish,
                    date(2020, 7, 1),
                ],
            )
            name = "福建省标准化院标准起草清单2015-2024.xlsx"
            first = _write_xlsx(
                folder / name,
                "标准清单",
                zh_header,
                rows,
                title="福建省标准化研究院参与起草标准清单（2015—2024年）",
                widths=[16, 22, 40, 10, 8, 12, 12],
            )
            planted.append(PlantedIssue("standards", name, first + at, "std_number_unrecognised"))
        elif inst.id == "ZJQS":
            rows = [
                [
                    "浙江省质科院",
                    r.std_no,
                    r.title,
                    role_zh[r.role],
                    action_zh[r.action],
                    f"{r.publish.year}/{r.publish.month}/{r.publish.day}",
                    f"{r.effective.year}/{r.effective.month}/{r.effective.day}",
                ]
                for r in recs
            ]
            _write_xlsx(
                folder / "浙江省质科院标准与计量技术规范.xlsx",
                "Sheet1",
                zh_header,
                rows,
                widths=[14, 22, 40, 10, 8, 12, 12],
            )
        elif inst.id in ("FJMI", "ZJSI"):
            rows = [
                [
                    inst.name_zh,
                    r.std_no,
                    r.title,
                    role_zh[r.role],
                    action_zh[r.action],
                    _iso(r.publish),
                    _iso(r.effective),
                ]
                for r in recs
            ]
            _write_csv(
                folder / f"{inst.name_zh}标准起草.csv",
                zh_header,
                rows,
                "utf-8-sig" if inst.id == "FJMI" else "utf-8",
            )
        else:
            rows = [
                [inst.name_zh, r.std_no, r.title, r.role, r.action, _iso(r.publish), _iso(r.effective)]
                for r in recs
            ]
            _write_csv(folder / f"{inst.id}_standards.csv", en_header, rows, "utf-8")
    return planted


# ------------------------------------------------------------------------------------------------
# volunteer_hours
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Service:
    institute: str
    activity: str
    date: date
    volunteer: str
    hours: float


# (name, month, day) — held on the same day every year
FIXED_ACTIVITIES = (
    ("学雷锋志愿服务日", 3, 5),
    ("植树节义务植树", 3, 12),
    ("3·15消费者权益日咨询", 3, 15),
    ("五四青年志愿服务", 5, 4),
    ("世界计量日开放日", 5, 20),
    ("世界标准日宣传", 10, 14),
)
# (name, typical hours low, high, weight, years)
OTHER_ACTIVITIES = (
    ("质量月进社区", 2.0, 4.0, 3, None),
    ("文明城市创建志愿服务", 2.0, 4.0, 6, None),
    ("敬老院义诊陪护", 2.0, 4.0, 3, None),
    ("食品安全宣传周", 2.0, 3.5, 2, None),
    ("无偿献血志愿服务", 1.5, 3.0, 2, None),
    ("垃圾分类宣传引导", 1.5, 3.0, 3, range(2019, 2025)),
    ("交通文明劝导", 2.0, 3.0, 3, None),
    ("科普进校园", 2.0, 4.0, 3, None),
    ("助农质量帮扶下乡", 4.0, 8.0, 2, None),
    ("关爱留守儿童", 2.0, 4.0, 2, None),
    ("地铁站文明引导", 2.0, 4.0, 2, range(2017, 2025)),
    ("马拉松赛事志愿服务", 5.0, 8.0, 1, None),
    ("知识产权宣传周", 2.0, 3.0, 1, None),
    ("计量惠民进市场", 2.0, 4.0, 2, None),
    ("社区防疫志愿服务", 4.0, 8.0, 4, range(2020, 2023)),
    ("防汛救灾志愿服务", 6.0, 8.0, 1, None),
)
LONG_ACTIVITIES = {"马拉松赛事志愿服务", "社区防疫志愿服务", "防汛救灾志愿服务"}
VOLUNTEER_GAPS = {("JSQS", 2020)}  # no volunteer records at all (a real gap)


def _id_check(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _id_numbers(rng: random.Random, n: int) -> list[str]:
    """Synthetic resident ID numbers (region 330106, valid check digit) — no real person."""
    out: list[str] = []
    while len(out) < n:
        born = date(1965, 1, 1) + timedelta(days=rng.randrange((date(2000, 12, 31) - date(1965, 1, 1)).days))
        body = f"330106{born:%Y%m%d}{rng.randint(1, 999):03d}"
        number = body + _id_check(body)
        if number not in out:
            out.append(number)
    return out


def _volunteer_records() -> list[_Service]:
    out: list[_Service] = []
    for inst in INSTITUTES:
        rng = _rng("volunteer_hours", inst.id)
        if inst.id == "ZJQS":
            ids = _id_numbers(rng, inst.volunteers)
        else:
            ids = [f"{inst.id}-V{k:04d}" for k in range(1, inst.volunteers + 1)]
        joined = {
            v: inst.first_year if k < inst.volunteers * 0.6 else rng.randint(inst.first_year, 2024)
            for k, v in enumerate(ids)
        }
        for year in inst.years:
            if (inst.id, year) in VOLUNTEER_GAPS:
                continue
            pool = [v for v in ids if joined[v] <= year]
            sessions: list[tuple[str, date, float, float]] = []
            for name, month, day in FIXED_ACTIVITIES:
                own = (name == "世界计量日开放日" and inst.kind == "计量院") or (
                    name == "世界标准日宣传" and inst.kind == "标准化院"
                )
                if own or rng.random() < 0.55:
                    sessions.append((name, date(year, month, day), 2.0, 4.0))
            n_other = round(inst.volunteers / 6 * rng.uniform(0.9, 1.1) * _trend(inst, year))
            choices = [a for a in OTHER_ACTIVITIES if a[4] is None or year in a[4]]
            seen = {(s[0], s[1]) for s in sessions}
            while n_other > 0:
                name, low, high, _, _ = rng.choices(choices, [a[3] for a in choices])[0]
                when = _day_in(rng, year)
                if (name, when) in seen:
                    continue
                seen.add((name, when))
                sessions.append((name, when, low, high))
                n_other -= 1
            for name, when, low, high in sessions:
                size = min(rng.randint(5, 25), len(pool))
                typical = rng.choice([h / 2 for h in range(int(low * 2), int(high * 2) + 1)])
                for volunteer in rng.sample(pool, size):
                    hours = typical
                    roll = rng.random()
                    if roll < 0.15:
                        hours = max(1.0, typical - 0.5)
                    elif roll < 0.25:
                        hours = min(8.0, typical + rng.choice((0.5, 1.0)))
                    if name in LONG_ACTIVITIES and rng.random() < 0.12:
                        hours = rng.choice((12.5, 13.0, 14.0, 16.0, 18.0, 24.0))  # long shifts: warnings
                    out.append(_Service(inst.id, name, when, volunteer, hours))
    return out


def _write_volunteer_hours(raw_dir: Path, records: list[_Service]) -> list[PlantedIssue]:
    folder = raw_dir / "volunteer_hours"
    planted: list[PlantedIssue] = []
    zh_header = ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"]
    for inst in INSTITUTES:
        recs = sorted(
            (r for r in records if r.institute == inst.id), key=lambda r: (r.date, r.activity, r.volunteer)
        )
        if inst.id == "FJQI":
            fmt = _rng("volunteer_hours", "FJQI", "format")
            rows: list[list[object]] = []
            for r in recs:
                hours = _hours_text(r.hours)
                if fmt.random() < 0.03:
                    hours = hours.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})  # "２.５"
                rows.append(["福建省质检院", r.activity, _cn_date(r.date), r.volunteer, hours])
            by_rec = list(rows)  # by_rec[k] is the row written for recs[k]; rows shifts as we insert

            def position(row: list[object], rows: list[list[object]] = rows) -> int:
                return next(k for k, r in enumerate(rows) if r is row)

            def group_of(k: int, recs: list[_Service] = recs) -> list[int]:
                return [
                    j for j, r in enumerate(recs) if (r.activity, r.date) == (recs[k].activity, recs[k].date)
                ]

            issues: list[tuple[list[object], str]] = []
            # an exact duplicate of an earlier row, entered again three rows after its group ends
            k = len(recs) // 3
            dup = list(by_rec[k])
            rows.insert(position(by_rec[group_of(k)[-1] + 3]) + 1, dup)
            issues.append((dup, "duplicate"))
            # 30 hours at one activity, appended to that activity's group
            k = len(recs) * 2 // 3
            served = {recs[j].volunteer for j in group_of(k)}
            volunteer = next(f"FJQI-V{n:04d}" for n in range(1, 200) if f"FJQI-V{n:04d}" not in served)
            bad_hours = ["福建省质检院", recs[k].activity, _cn_date(recs[k].date), volunteer, "30"]
            rows.insert(position(by_rec[group_of(k)[-1]]) + 1, bad_hours)
            issues.append((bad_hours, "hours_out_of_range"))
            # a mistyped year, among the May 2023 rows
            future = ["福建省质检院", "五四青年志愿服务", "2035年5月4日", "FJQI-V0007", "3"]
            k = next(j for j, r in enumerate(recs) if r.date > date(2023, 5, 4))
            rows.insert(position(by_rec[k]), future)
            issues.append((future, "future_date"))
            name = "福建省质检院志愿服务台账2015-2024.csv"
            first = _write_csv(folder / name, zh_header, rows, "gbk")
            for row, code in issues:
                at = next(k for k, r in enumerate(rows) if r is row)
                planted.append(PlantedIssue("volunteer_hours", name, first + at, code))
        elif inst.id == "ZJQS":
            rows = [[inst.name_zh, r.activity, r.date, r.volunteer, r.hours] for r in recs]
            _write_xlsx(
                folder / "浙江省质科院志愿服务时长统计.xlsx",
                "志愿服务",
                zh_header,
                rows,
                date_format="yyyy/m/d",
                widths=[22, 24, 12, 22, 10],
            )
        else:
            rows = [[inst.name_zh, r.activity, _iso(r.date), r.volunteer, _hours_text(r.hours)] for r in recs]
            _write_csv(
                folder / f"{inst.id}_volunteer_hours.csv",
                ["institute", "activity", "date", "volunteer_id", "hours"],
                rows,
                "utf-8",
            )
    planted.sort(key=lambda p: p.source_row)
    return planted


# ------------------------------------------------------------------------------------------------
# targets
# ------------------------------------------------------------------------------------------------

TARGET_INSTITUTES = {
    "FJQI": ("prj_initiated", "ip_invention_granted", "std_published", "vol_hours"),
    "FJSI": ("prj_initiated", "std_published", "vol_hours"),
    "ZJQS": ("prj_initiated", "ip_invention_granted", "std_published", "vol_hours"),
}


def _write_targets(
    raw_dir: Path,
    projects: list[_Projects],
    ips: list[_Ip],
    standards: list[_Standard],
    services: list[_Service],
) -> None:
    actual: dict[tuple[str, str, int], float] = defaultdict(float)
    for p in projects:
        if p.stage == "initiated":
            actual[(p.institute, "prj_initiated", p.year)] += p.count
    for ip in ips:
        if ip.ip_type == "invention" and ip.grant_date:
            actual[(ip.institute, "ip_invention_granted", ip.grant_date.year)] += 1
    for s in standards:
        actual[(s.institute, "std_published", s.publish.year)] += 1
    for v in services:
        actual[(v.institute, "vol_hours", v.date.year)] += v.hours
    rng = _rng("targets")
    rows: list[list[object]] = []
    for inst_id, metrics in TARGET_INSTITUTES.items():
        for year in (2023, 2024):
            for metric in metrics:
                base = actual[(inst_id, metric, year - 1)] * rng.uniform(1.02, 1.15)
                target = int(round(base / 100) * 100) if metric == "vol_hours" else max(1, round(base))
                rows.append([BY_ID[inst_id].name_zh, year, metric, target])
    _write_csv(
        raw_dir / "targets" / "年度目标.csv", ["单位", "年度", "指标代码", "目标值"], rows, "utf-8-sig"
    )


# ------------------------------------------------------------------------------------------------
# entry point
# ------------------------------------------------------------------------------------------------


def generate(raw_dir: Path) -> list[PlantedIssue]:
    """(Re)write the whole demo into raw_dir and return the rows planted for quarantine.

    Only the seven dataset folders under raw_dir are cleared; nothing else is touched. A dataset folder
    that is a link (to a shared drive's folder, say) holds real submissions: then nothing is written."""
    raw_dir = Path(raw_dir)
    if linked := [name for name in DATASETS if (raw_dir / name).is_symlink()]:
        raise FileError(f"{linked[0]}/", "数据集文件夹是链接（指向他处的真实报送文件），演示数据不会覆盖它",
                        "the dataset folder is a link (to real submissions elsewhere): the demo does not write over it",
                        "演示请使用另一个数据文件夹（TOUYAN_DATA_DIR），或先删除该链接",
                        "for the demo use another data folder (TOUYAN_DATA_DIR), or remove the link first")
    for name in DATASETS:
        folder = raw_dir / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    staff = _staff_records()
    projects = _project_records()
    ips = _ip_records()
    standards = _std_records()
    services = _volunteer_records()

    planted: list[PlantedIssue] = []
    _write_institutes(raw_dir)
    _write_staff(raw_dir, staff)
    planted += _write_project_counts(raw_dir, projects)
    planted += _write_ip_items(raw_dir, ips)
    planted += _write_standards(raw_dir, standards)
    planted += _write_volunteer_hours(raw_dir, services)
    _write_targets(raw_dir, projects, ips, standards, services)
    return planted
