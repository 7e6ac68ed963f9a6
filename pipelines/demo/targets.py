"""targets: yearly targets of three institutes for 2023 and 2024, set 2–15 % above the previous year's
figure as the other datasets' records give it (so the targets follow the synthetic data)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pipelines.demo.draws import stream
from pipelines.demo.files import write_csv
from pipelines.demo.ip_items import IpItem
from pipelines.demo.project_counts import ProjectCount
from pipelines.demo.register import BY_ID
from pipelines.demo.standards import Standard
from pipelines.demo.volunteer_hours import Service

TARGET_INSTITUTES = {
    "FJQI": ("prj_initiated", "ip_invention_granted", "std_published", "vol_hours"),
    "FJSI": ("prj_initiated", "std_published", "vol_hours"),
    "ZJQS": ("prj_initiated", "ip_invention_granted", "std_published", "vol_hours"),
}


def write(
    raw_dir: Path,
    projects: list[ProjectCount],
    ips: list[IpItem],
    standards: list[Standard],
    services: list[Service],
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
    rng = stream("targets")
    rows: list[list[object]] = []
    for inst_id, metrics in TARGET_INSTITUTES.items():
        for year in (2023, 2024):
            for metric in metrics:
                base = actual[(inst_id, metric, year - 1)] * rng.uniform(1.02, 1.15)
                target = int(round(base / 100) * 100) if metric == "vol_hours" else max(1, round(base))
                rows.append([BY_ID[inst_id].name_zh, year, metric, target])
    write_csv(
        raw_dir / "targets" / "年度目标.csv", ["单位", "年度", "指标代码", "目标值"], rows, "utf-8-sig"
    )
