"""project_counts: projects initiated, ongoing and accepted, per institute, year and level.

Counts are drawn around the register's figures, except where they are published (the README's table,
"The demo dataset"): 福建省产品质量检验研究院 in 2019 (FJQI_2019), the national and provincial projects
福建省标准化研究院 completed (FJSI_ACCEPTED, 171 in all), and the 2024 projects of 浙江省质量科学研究院's
先进制造计量研究中心 (ZJQS_CENTRE_2024; its rows carry the centre's code in the unit column, the
institute's other rows none; the centre's earlier years are drawn). FJQI's workbook has a merged title
row, full-width digits, one "20余", a trailing 合计 row, and one planted row from an institute that is
not in the register (quarantined)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipelines.demo.draws import stream, trend, yearly_count
from pipelines.demo.files import PlantedIssue, full_width, write_csv, write_xlsx
from pipelines.demo.register import INSTITUTES, LEVEL_ZH, LEVELS, STAGE_ZH
from pipelines.demo.units import ZJQS_CENTRE


@dataclass
class ProjectCount:
    institute: str
    year: int
    level: str
    funder: str
    stage: str
    count: int
    evaluation: str
    unit: str = ""  # the unit's code in the institute's units register; "" = the institute only


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

# 福建省标准化研究院: national and provincial/ministerial projects accepted per year, 2015–2024 (171 in all),
# and how many of them national.
FJSI_ACCEPTED = {2015: (11, 1), 2016: (13, 1), 2017: (14, 2), 2018: (15, 1), 2019: (16, 2), 2020: (17, 1),
                 2021: (18, 2), 2022: (21, 2), 2023: (22, 3), 2024: (24, 2)}
# 浙江省质量科学研究院's 先进制造计量研究中心 in 2024, as published: 70余 vertical projects ongoing, 25 of them
# provincial/ministerial or above; 21 such projects accepted (4 national, 17 provincial/ministerial).
ZJQS_CENTRE_2024 = (
    ("national", "科技部", "initiated", 1, ""),
    ("provincial_ministerial", "省科技厅", "initiated", 5, ""),
    ("bureau", "省市场监管局", "initiated", 9, ""),
    ("city", "", "initiated", 4, ""),
    ("national", "", "ongoing", 6, ""),
    ("provincial_ministerial", "", "ongoing", 19, ""),
    ("bureau", "", "ongoing", 31, ""),
    ("city", "", "ongoing", 16, ""),
    ("national", "", "accepted", 3, "国内领先"),
    ("national", "", "accepted", 1, "国际先进"),
    ("provincial_ministerial", "", "accepted", 11, "国内领先"),
    ("provincial_ministerial", "", "accepted", 6, "国内先进"),
    ("bureau", "", "accepted", 7, "国内领先"),
    ("city", "", "accepted", 3, "通过"),
)


def _zjqs_centre() -> list[ProjectCount]:
    """The centre's vertical projects: 2024 as published, 2019–2023 drawn a little smaller each year back."""
    rng = stream("project_counts", "ZJQS", ZJQS_CENTRE.code)
    out: list[ProjectCount] = []
    for year in range(2019, 2024):
        scale = 0.8 ** (2024 - year)
        for level, funder, stage, n, evaluation in ZJQS_CENTRE_2024:
            count = yearly_count(rng, n * scale)
            if count:
                out.append(ProjectCount("ZJQS", year, level, funder, stage, count, evaluation, ZJQS_CENTRE.code))
    out += [ProjectCount("ZJQS", 2024, lv, f, s, n, e, ZJQS_CENTRE.code) for lv, f, s, n, e in ZJQS_CENTRE_2024]
    return out


def _fjsi_accepted(rng: random.Random, rows: list[ProjectCount], year: int) -> list[ProjectCount]:
    """FJSI's national and provincial/ministerial accepted rows, replaced by the published counts."""
    total, national = FJSI_ACCEPTED[year]
    rows = [r for r in rows if not (r.stage == "accepted" and r.level in ("national", "provincial_ministerial"))]
    for level, n in (("national", national), ("provincial_ministerial", total - national)):
        split = Counter(rng.choices(*EXTERNAL_EVALUATIONS, k=n))
        rows += [ProjectCount("FJSI", year, level, "", "accepted", split[e], e)
                 for e in EXTERNAL_EVALUATIONS[0] if split[e]]
    order = {"initiated": 0, "ongoing": 1, "accepted": 2}
    return sorted(rows, key=lambda r: (order[r.stage], LEVELS.index(r.level)))


def records() -> list[ProjectCount]:
    out: list[ProjectCount] = []
    for inst in INSTITUTES:
        rng = stream("project_counts", inst.id)
        prev_initiated: dict[str, int] = {}
        for year in inst.years:
            rows: list[ProjectCount] = []
            initiated: dict[str, int] = {}
            means = {lv: base * trend(inst, year) for lv, base in zip(LEVELS, inst.projects, strict=True)}
            for level in LEVELS:
                n = yearly_count(rng, means[level])
                initiated[level] = n
                if level in FUNDERS:
                    names, weights = FUNDERS[level]
                    split = Counter(rng.choices(names, weights, k=n))
                    rows += [
                        ProjectCount(inst.id, year, level, f, "initiated", split[f], "")
                        for f in names
                        if split[f]
                    ]
                elif n:
                    rows.append(ProjectCount(inst.id, year, level, "", "initiated", n, ""))
            for level in LEVELS:
                n = round(means[level] * rng.uniform(1.6, 2.0))
                if n:
                    rows.append(ProjectCount(inst.id, year, level, "", "ongoing", n, ""))
            for level in LEVELS:
                n = yearly_count(rng, 0.85 * prev_initiated.get(level, initiated[level]))
                if level == "internal":
                    split = Counter({"通过": n})
                else:
                    split = Counter(rng.choices(*EXTERNAL_EVALUATIONS, k=n))
                rows += [
                    ProjectCount(inst.id, year, level, "", "accepted", split[e], e)
                    for e in EXTERNAL_EVALUATIONS[0]
                    if split[e]
                ]
            if (inst.id, year) == ("FJQI", 2019):
                ongoing = [r for r in rows if r.stage == "ongoing"]
                rows = [ProjectCount("FJQI", 2019, lv, f, s, n, e) for lv, f, s, n, e in FJQI_2019]
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
            if inst.id == "FJSI":
                rows = _fjsi_accepted(rng, rows, year)
            prev_initiated = dict(initiated)
            out += rows
    return out + _zjqs_centre()


def write(raw_dir: Path, records: list[ProjectCount]) -> list[PlantedIssue]:
    folder = raw_dir / "project_counts"
    planted: list[PlantedIssue] = []
    zh_header = ["单位", "年度", "项目级别", "下达单位", "阶段", "数量", "验收结论"]
    for inst in INSTITUTES:
        recs = [r for r in records if r.institute == inst.id]
        if inst.id == "FJQI":
            fmt = stream("project_counts", "FJQI", "format")
            rows: list[list[object]] = []
            total = 0
            for r in recs:
                count: object = r.count
                if (r.year, r.stage, r.level) == (2022, "ongoing", "internal"):
                    count = f"{r.count}余"  # an at-least count, not one of the calibrated 2019 rows
                elif r.count >= 10 and fmt.random() < 0.3:
                    count = full_width(str(r.count))
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
            first = write_xlsx(
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
            recs.sort(key=lambda r: r.year)  # the centre's rows among the institute's, year by year
            rows = [[inst.id, r.unit, r.year, r.level, r.funder, r.stage, r.count, r.evaluation] for r in recs]
            write_csv(
                folder / "ZJQS_project_counts_2015-2024.csv",
                ["institute", "unit", "year", "level", "funder", "stage", "count", "evaluation"],
                rows,
                "utf-8-sig",
            )
        else:
            rows = [
                [inst.name_zh, r.year, LEVEL_ZH[r.level], r.funder, STAGE_ZH[r.stage], r.count, r.evaluation]
                for r in recs
            ]
            write_csv(folder / f"{inst.name_zh}科研项目统计.csv", zh_header, rows, "utf-8")
    return planted
