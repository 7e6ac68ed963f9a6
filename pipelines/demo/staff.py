"""staff: head counts per institute and year, all synthetic: the register's 2015 and 2024 sizes
interpolated with a little noise, and technical staff and party members as shares typical of each
kind of institute."""

from __future__ import annotations

from pathlib import Path

from pipelines.demo.draws import stream
from pipelines.demo.files import write_csv
from pipelines.demo.register import BY_ID, INSTITUTES

STAFF_RATIOS = {
    "质检院": (0.78, 0.36),
    "质科院": (0.82, 0.38),
    "标准化院": (0.80, 0.45),
    "计量院": (0.84, 0.40),
}


def records() -> dict[tuple[str, int], tuple[int, int, int]]:
    out: dict[tuple[str, int], tuple[int, int, int]] = {}
    for inst in INSTITUTES:
        rng = stream("staff", inst.id)
        start, end = inst.staff
        tech_share, party_share = STAFF_RATIOS[inst.kind]
        for year in inst.years:
            total = round((start + (end - start) * (year - 2015) / 9) * rng.uniform(0.985, 1.015))
            tech = round(total * (tech_share + 0.006 * (year - 2015) + rng.uniform(-0.02, 0.02)))
            party = round(total * (party_share + rng.uniform(-0.02, 0.02)))
            out[(inst.id, year)] = (total, tech, party)
    return out


def write(raw_dir: Path, staff: dict[tuple[str, int], tuple[int, int, int]]) -> None:
    rows = [[BY_ID[i].name_zh, y, *v] for (i, y), v in staff.items()]
    write_csv(
        raw_dir / "staff" / "各单位职工人数.csv",
        ["单位", "年度", "职工总数", "专业技术人员", "党员人数"],
        rows,
        "utf-8-sig",
    )
