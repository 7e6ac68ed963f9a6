"""talent_titles: talent titles conferred on an institute's people (人才称号), one row per title.

Published, and reproduced exactly (the README's table, "The demo dataset"): 福建省产品质量检验研究院's
titles to date — 首席专家 4, 质检工匠 4, 青年拔尖技术能手 30 (its own, 院级) and one 省级百千万人才 in 2021
(FJQI_TITLES); they are all the titles it lists, each with the holder's 所 or laboratory. Everything else
is drawn: each institute's titles by year with growth, from the titles of its province and its own.
The names are made up; 浙江省产品质量安全科学研究院 lists its people by resident ID number — made-up
numbers (Hangzhou districts, random birth dates, valid check digit) that belong to no real person.

Shapes: a workbook with a title row (FJQI), ID numbers as text cells of a workbook (ZJQI), English headers and values (JSQS), levels
in several spellings (院级 / 本院 / 单位级, 省部级 / 省级)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from pipelines.demo.draws import id_numbers, person_name, stream, trend, yearly_count
from pipelines.demo.files import write_csv, write_xlsx
from pipelines.demo.register import INSTITUTES, Institute
from pipelines.demo.units import FJQI_DIVISIONS, FJQI_LABS, ZJQS_CENTRE_UNITS, ZJQS_OTHER_CENTRES, cell, of


@dataclass(frozen=True)
class Title:
    institute: str
    year: int
    person: str  # a name, or (ZJQI) a resident ID number
    title: str
    conferred_by: str
    level: str  # national | provincial_ministerial | bureau | internal | other
    unit: str = ""  # the unit's code in the institute's units register; "" = the institute only


# 福建省产品质量检验研究院, as published: (title, conferred by, level, years conferred, held in a 所 or a lab)
FJQI_TITLES = (
    ("首席专家", "福建省产品质量检验研究院", "internal", (2018, 2018, 2022, 2022), "division"),
    ("质检工匠", "福建省产品质量检验研究院", "internal", (2019, 2020, 2021, 2023), "team"),
    ("青年拔尖技术能手", "福建省产品质量检验研究院", "internal",
     tuple(y for y, n in ((2016, 3), (2017, 3), (2018, 4), (2019, 3), (2020, 4), (2021, 3), (2022, 4), (2023, 3),
                          (2024, 3)) for _ in range(n)), "team"),
    ("福建省百千万人才工程省级人选", "福建省人力资源和社会保障厅", "provincial_ministerial", (2021,), "division"),
)
# (title, conferred by, level, weight); "{inst}" is the institute's short name
PROVINCE_TITLES = {
    "35": (("福建省百千万人才工程省级人选", "福建省人力资源和社会保障厅", "provincial_ministerial", 1),
           ("福建省高层次人才（C类）", "福建省人才工作领导小组办公室", "provincial_ministerial", 1),
           ("福建省市场监管系统技术能手", "福建省市场监督管理局", "bureau", 3),
           ("院级学术带头人", "{inst}", "internal", 3), ("院级青年骨干", "{inst}", "internal", 3)),
    "33": (("浙江省151人才工程第三层次", "浙江省人力资源和社会保障厅", "provincial_ministerial", 1),
           ("浙江省有突出贡献中青年专家", "浙江省人民政府", "provincial_ministerial", 0.3),
           ("浙江省市场监管系统业务骨干", "浙江省市场监督管理局", "bureau", 2),
           ("杭州市高层次人才（D类）", "杭州市人才工作领导小组", "bureau", 1),
           ("院级学术带头人", "{inst}", "internal", 2), ("院级青年英才", "{inst}", "internal", 2)),
    "32": (("江苏省“333工程”第三层次培养对象", "江苏省人才工作领导小组", "provincial_ministerial", 1),
           ("江苏省市场监管领域技术能手", "江苏省市场监督管理局", "bureau", 2),
           ("院级学术带头人", "{inst}", "internal", 2)),
}
NATIONAL = ("国务院政府特殊津贴专家", "国务院", "national")
ID_INSTITUTE = "ZJQI"  # lists its people by ID number
HANGZHOU = ("330102", "330105", "330106", "330108")


def _fjqi() -> list[Title]:
    rng = stream("talent_titles", "FJQI")
    people = {u.code: [person_name(rng) for _ in range(4)] for u in FJQI_LABS + FJQI_DIVISIONS}
    out: list[Title] = []
    for title, body, level, years, held_in in FJQI_TITLES:
        pool = FJQI_DIVISIONS if held_in == "division" else FJQI_LABS
        holders: set[str] = set()
        for year in years:
            unit = rng.choice(pool)
            person = rng.choice(people[unit.code])
            while person in holders:  # a title is held once
                unit = rng.choice(pool)
                person = rng.choice(people[unit.code])
            holders.add(person)
            out.append(Title("FJQI", year, person, title, body, level, unit.code))
    return out


def _drawn(inst: Institute) -> list[Title]:
    rng = stream("talent_titles", inst.id)
    pool = (id_numbers(rng, 40 + inst.staff[1] // 20, HANGZHOU) if inst.id == ID_INSTITUTE
            else [person_name(rng) for _ in range(40 + inst.staff[1] // 20)])
    titles = PROVINCE_TITLES[inst.province]
    held: set[tuple[str, str]] = set()
    out: list[Title] = []
    for year in inst.years:
        n = yearly_count(rng, inst.talents * trend(inst, year))
        for k in range(n):
            title, body, level = (NATIONAL if k == 0 and rng.random() < 0.04
                                  else rng.choices(titles, [t[3] for t in titles])[0][:3])
            person = rng.choice(pool)
            if (person, title) in held:
                continue
            held.add((person, title))
            if inst.id == "ZJQS":
                unit = rng.choice([u for u in (*ZJQS_CENTRE_UNITS, *ZJQS_OTHER_CENTRES) if u.valid_in(year)]).code
            elif inst.id in ("FJSI", "ZJSI"):
                unit = rng.choice(of(inst.id, year)).code
            else:
                unit = ""
            out.append(Title(inst.id, year, person, title, body.format(inst=inst.aliases[0]), level, unit))
    return out


def records() -> list[Title]:
    out = _fjqi()
    for inst in INSTITUTES:
        if inst.id != "FJQI":
            out += _drawn(inst)
    return sorted(out, key=lambda t: (t.institute, t.year, t.title, t.person))


LEVEL_SPELLINGS = {"national": ("国家级", "国家"), "provincial_ministerial": ("省部级", "省级"),
                   "bureau": ("厅局级", "市级"), "internal": ("院级", "本院", "单位级"), "other": ("其他",)}


def _level(rng: random.Random, t: Title) -> str:
    if t.level == "bureau":
        return "市级" if t.conferred_by.startswith("杭州市") else rng.choice(("厅局级", "厅级"))
    return rng.choice(LEVEL_SPELLINGS[t.level])


def write(raw_dir: Path, records: list[Title]) -> None:
    folder = raw_dir / "talent_titles"
    zh_header = ["单位", "部门", "姓名", "称号名称", "授予单位", "称号级别", "授予年度"]
    for inst in INSTITUTES:
        recs = [t for t in records if t.institute == inst.id]
        fmt = stream("talent_titles", inst.id, "format")
        naming = stream("talent_titles", inst.id, "unit names")
        if inst.id == "FJQI":
            rows = [[inst.name_zh, cell(naming, t.unit, inst.id), t.person, t.title, t.conferred_by, _level(fmt, t),
                     t.year] for t in recs]
            write_xlsx(
                folder / "福建省质检院人才称号获得情况.xlsx",
                "人才称号",
                ["单位", "所室", *zh_header[2:]],
                rows,
                title="福建省产品质量检验研究院人才称号获得情况（截至2024年底）",
                widths=[26, 20, 10, 30, 28, 10, 10],
            )
        elif inst.id == ID_INSTITUTE:
            rows = [[inst.aliases[0], t.person, t.title, t.conferred_by, _level(fmt, t), f"{t.year}年"] for t in recs]
            # a workbook: ID numbers are text cells there (a CSV opened in a spreadsheet loses their last digits)
            write_xlsx(folder / "浙江省质安院人才称号.xlsx", "人才称号", ["单位", "身份证号码", *zh_header[3:]], rows,
                       widths=[14, 22, 30, 26, 10, 10])
        elif inst.id == "JSQS":
            rows = [[inst.id, t.person, t.title, t.conferred_by, t.level, t.year] for t in recs]
            write_csv(folder / "JSQS_talent_titles.csv",
                      ["institute", "person", "title", "conferred_by", "level", "year"], rows, "utf-8")
        else:
            rows = [[inst.aliases[0], cell(naming, t.unit, inst.id), t.person, t.title, t.conferred_by,
                     _level(fmt, t), t.year] for t in recs]
            write_csv(folder / f"{inst.name_zh}人才称号.csv", zh_header, rows,
                      "gbk" if inst.id == "FJSI" else "utf-8")
