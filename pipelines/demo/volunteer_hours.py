"""volunteer_hours: hours served, one row per volunteer and activity.

All synthetic. The volunteer ids of 浙江省质量科学研究院 are made-up resident ID numbers (region
330106, random birth dates, valid check digit) that belong to no real person. 福建省产品质量检验研究院
lists each volunteer's laboratory (班组; every one of its 27 laboratories serves every year). Planted in FJQI's GBK
CSV and quarantined: a duplicate row, 30 hours at one activity, a mistyped (future) year. Long shifts
of 12–24 hours are warnings only, so they are not planted issues."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.demo.draws import day_in, id_numbers, stream, trend
from pipelines.demo.files import PlantedIssue, cn_date, hours_text, iso_date, write_csv, write_xlsx
from pipelines.demo.register import INSTITUTES
from pipelines.demo.units import FJQI_LABS, cell


@dataclass(frozen=True)
class Service:
    institute: str
    activity: str
    date: date
    volunteer: str
    hours: float
    unit: str = ""  # FJQI: the volunteer's laboratory (fjqi_lab)


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


def fjqi_lab(volunteer: str) -> str:
    """The laboratory an FJQI volunteer (FJQI-V0001 …) belongs to: the pool spread over the 27 in turn."""
    return FJQI_LABS[(int(volunteer[-4:]) - 1) % len(FJQI_LABS)].code


def records() -> list[Service]:
    out: list[Service] = []
    for inst in INSTITUTES:
        rng = stream("volunteer_hours", inst.id)
        if inst.id == "ZJQS":
            ids = id_numbers(rng, inst.volunteers)
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
            n_other = round(inst.volunteers / 6 * rng.uniform(0.9, 1.1) * trend(inst, year))
            choices = [a for a in OTHER_ACTIVITIES if a[4] is None or year in a[4]]
            seen = {(s[0], s[1]) for s in sessions}
            while n_other > 0:
                name, low, high, _, _ = rng.choices(choices, [a[3] for a in choices])[0]
                when = day_in(rng, year)
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
                    unit = fjqi_lab(volunteer) if inst.id == "FJQI" else ""
                    out.append(Service(inst.id, name, when, volunteer, hours, unit))
    return out


def write(raw_dir: Path, records: list[Service]) -> list[PlantedIssue]:
    folder = raw_dir / "volunteer_hours"
    planted: list[PlantedIssue] = []
    zh_header = ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"]
    for inst in INSTITUTES:
        recs = sorted(
            (r for r in records if r.institute == inst.id), key=lambda r: (r.date, r.activity, r.volunteer)
        )
        if inst.id == "FJQI":
            fmt = stream("volunteer_hours", "FJQI", "format")
            naming = stream("volunteer_hours", "FJQI", "unit")

            def lab(volunteer: str, naming: random.Random = naming) -> str:
                return cell(naming, fjqi_lab(volunteer), "FJQI")

            rows: list[list[object]] = []
            for r in recs:
                hours = hours_text(r.hours)
                if fmt.random() < 0.03:
                    hours = hours.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})  # "２.５"
                rows.append(["福建省质检院", cell(naming, r.unit, "FJQI"), r.activity, cn_date(r.date), r.volunteer, hours])
            by_rec = list(rows)  # by_rec[k] is the row written for recs[k]; rows shifts as we insert

            def position(row: list[object], rows: list[list[object]] = rows) -> int:
                return next(k for k, r in enumerate(rows) if r is row)

            def group_of(k: int, recs: list[Service] = recs) -> list[int]:
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
            bad_hours = ["福建省质检院", lab(volunteer), recs[k].activity, cn_date(recs[k].date), volunteer, "30"]
            rows.insert(position(by_rec[group_of(k)[-1]]) + 1, bad_hours)
            issues.append((bad_hours, "hours_out_of_range"))
            # a mistyped year, among the May 2023 rows
            future = ["福建省质检院", lab("FJQI-V0007"), "五四青年志愿服务", "2035年5月4日", "FJQI-V0007", "3"]
            k = next(j for j, r in enumerate(recs) if r.date > date(2023, 5, 4))
            rows.insert(position(by_rec[k]), future)
            issues.append((future, "future_date"))
            name = "福建省质检院志愿服务台账2015-2024.csv"
            first = write_csv(folder / name, ["单位", "班组", *zh_header[1:]], rows, "gbk")
            for row, code in issues:
                at = next(k for k, r in enumerate(rows) if r is row)
                planted.append(PlantedIssue("volunteer_hours", name, first + at, code))
        elif inst.id == "ZJQS":
            rows = [[inst.name_zh, r.activity, r.date, r.volunteer, r.hours] for r in recs]
            write_xlsx(
                folder / "浙江省质科院志愿服务时长统计.xlsx",
                "志愿服务",
                zh_header,
                rows,
                date_format="yyyy/m/d",
                widths=[22, 24, 12, 22, 10],
            )
        else:
            rows = [[inst.name_zh, r.activity, iso_date(r.date), r.volunteer, hours_text(r.hours)] for r in recs]
            write_csv(
                folder / f"{inst.id}_volunteer_hours.csv",
                ["institute", "activity", "date", "volunteer_id", "hours"],
                rows,
                "utf-8",
            )
    planted.sort(key=lambda p: p.source_row)
    return planted
