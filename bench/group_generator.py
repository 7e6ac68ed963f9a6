"""A generated group of N institutes × Y years of submissions, for the dashboard benchmark (issue 4):

    python -m bench.group_generator <raw_dir> [--institutes 200] [--years 20]

`generate(raw_dir, institutes, years)` clears `raw_dir/<dataset>/` and writes one CSV per dataset in the
shapes the contracts accept (pipelines/contracts/*.py): the institute register (ids G001…, Chinese and
English names, aliases, province codes, the four institute types and a few 其他), staff, project counts
(6 levels × 3 stages), IP items (inventions and utility models with valid check characters, software
copyrights), standards (GB/T, DB<province>/T, T/CAS, JJF — unique numbers, year = publish year),
volunteer hours (whole and half hours, so sums are exact) and targets for three headline metrics in
the last five years. The last year is 2024 (the refresh runs with TOUYAN_TODAY=2025-06-30). A fifth of
the institutes join later than the first year, so the data has gaps as real groups do. Deterministic:
a fixed seed, the same files every time. No rows are planted for quarantine."""
from __future__ import annotations

import argparse
import csv
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

from pipelines.demo.draws import poisson  # the demo's Poisson draw (a fixed-seed stream)
from pipelines.identifiers import patent_check_char

SEED = 20250630
GENERATOR = 1  # bump when the output changes
LAST_YEAR = 2024
DATASETS = ("institutes", "staff", "project_counts", "ip_items", "standards", "volunteer_hours", "targets")
PROVINCES = (("11", "北京", "Beijing"), ("12", "天津", "Tianjin"), ("13", "河北", "Hebei"), ("14", "山西", "Shanxi"),
             ("21", "辽宁", "Liaoning"), ("22", "吉林", "Jilin"), ("23", "黑龙江", "Heilongjiang"),
             ("31", "上海", "Shanghai"), ("32", "江苏", "Jiangsu"), ("33", "浙江", "Zhejiang"), ("34", "安徽", "Anhui"),
             ("35", "福建", "Fujian"), ("36", "江西", "Jiangxi"), ("37", "山东", "Shandong"), ("41", "河南", "Henan"),
             ("42", "湖北", "Hubei"), ("43", "湖南", "Hunan"), ("44", "广东", "Guangdong"), ("45", "广西", "Guangxi"),
             ("46", "海南", "Hainan"), ("50", "重庆", "Chongqing"), ("51", "四川", "Sichuan"), ("52", "贵州", "Guizhou"),
             ("53", "云南", "Yunnan"), ("61", "陕西", "Shaanxi"), ("62", "甘肃", "Gansu"), ("64", "宁夏", "Ningxia"),
             ("65", "新疆", "Xinjiang"))
# register type, full name part, short name part, English, share of the group
KINDS = (("质检院", "产品质量检验研究院", "质检院", "Product Quality Inspection", 0.40),
         ("标准化院", "标准化研究院", "标准化院", "Standardization", 0.20),
         ("计量院", "计量科学研究院", "计量院", "Metrology", 0.20),
         ("质科院", "质量科学研究院", "质科院", "Quality Sciences", 0.15),
         ("其他", "质量技术服务中心", "质服中心", "Quality Services", 0.05))
LEVELS = ("国家级", "省部级", "厅局级", "市级", "院级", "横向")
LEVEL_MEANS = (0.3, 1.5, 5.0, 3.0, 15.0, 6.0)
STAGES = (("立项", 1.0), ("在研", 2.2), ("验收", 0.8))
THEMES = ("社区计量义务检定", "质量开放日讲解", "标准化知识进校园", "消费品安全宣传", "3·15咨询服务", "食品安全科普")
CN_DIGITS = "〇一二三四五六七八九"


def _day_in(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def _cn_number(n: int) -> str:
    return "".join(CN_DIGITS[int(d)] for d in str(n))


def institutes(n: int, years: int, rng: random.Random) -> list[dict]:
    kinds = [k for k in KINDS for _ in range(round(k[4] * n))]
    kinds = (kinds + [KINDS[0]] * n)[:n]
    rng.shuffle(kinds)
    first_year = LAST_YEAR - years + 1
    out = []
    for i, kind in enumerate(kinds, start=1):
        code, province, province_en = PROVINCES[(i - 1) % len(PROVINCES)]
        late = rng.random() < 0.2
        out.append({
            "id": f"G{i:03d}", "kind": kind[0], "province": code,
            "name_zh": f"{province}第{_cn_number(i)}{kind[1]}",
            "name_en": f"{province_en} Institute of {kind[3]} No. {i}",
            "aliases": f"{province}{kind[2]}{i:03d}",
            "founded": rng.randint(1950, 2000),
            "first_year": rng.randint(first_year + 1, first_year + years // 2) if late else first_year,
            "staff": rng.randint(60, 900), "scale": rng.uniform(0.3, 3.0), "growth": rng.uniform(-0.02, 0.08),
        })
    return out


def generate(raw_dir: Path, n_institutes: int = 200, n_years: int = 20) -> dict:
    """Write the submissions; return row counts per dataset."""
    rng = random.Random(f"{SEED}/{n_institutes}x{n_years}")
    for dataset in DATASETS:
        shutil.rmtree(raw_dir / dataset, ignore_errors=True)
    group = institutes(n_institutes, n_years, rng)
    first_year = LAST_YEAR - n_years + 1
    staff, projects, ips, standards, volunteers, targets = [], [], [], [], [], []
    used_patents: set[str] = set()
    serials = {"GB/T": 10000, "T/CAS": 100, "JJF": 1000}
    local_serials: dict[str, int] = {}
    for inst in group:
        for year in range(inst["first_year"], LAST_YEAR + 1):
            trend = inst["scale"] * (1 + inst["growth"]) ** (year - first_year)
            head = round(inst["staff"] * (1 + inst["growth"] / 2) ** (year - first_year) * rng.uniform(0.97, 1.03))
            staff.append([inst["id"], year, head, round(head * rng.uniform(0.7, 0.85))])
            initiated = 0
            for level, mean in zip(LEVELS, LEVEL_MEANS, strict=True):
                for stage, factor in STAGES:
                    count = poisson(rng, mean * factor * trend)
                    if count:
                        projects.append([inst["id"], year, level, stage, count])
                        initiated += count if stage == "立项" else 0
            for ip_type, digit, mean in (("发明", "1", 0.8), ("实用新型", "2", 1.5), ("软件著作权", None, 1.2)):
                for _ in range(poisson(rng, mean * trend)):
                    granted = _day_in(rng, year)
                    if digit is None:
                        number = f"{year}SR{len(ips) + 100000:07d}"
                        ips.append([inst["id"], ip_type, number, f"质量检测数据管理系统V{len(ips) % 9 + 1}.0",
                                    (granted - timedelta(days=60)).isoformat(), granted.isoformat(), "登记"])
                        continue
                    app = granted - timedelta(days=rng.randint(200, 900) if digit == "1" else rng.randint(120, 400))
                    while (body := f"{app.year}{digit}{rng.randint(100000, 1999999):07d}") in used_patents:
                        pass
                    used_patents.add(body)
                    ips.append([inst["id"], ip_type, f"ZL{body}.{patent_check_char(body)}", f"一种检测装置 {body}",
                                app.isoformat(), granted.isoformat(), "授权"])
            for _ in range(poisson(rng, 1.8 * trend)):
                published = _day_in(rng, year)
                roll = rng.random()
                if inst["kind"] in ("计量院", "质科院") and roll < 0.4:
                    prefix = "JJF"
                elif roll < 0.5:
                    prefix = f"DB{inst['province']}/T"
                elif roll < 0.8:
                    prefix = "GB/T"
                else:
                    prefix = "T/CAS"
                if prefix.startswith("DB"):
                    local_serials[prefix] = serial = local_serials.get(prefix, 1000) + 1
                else:
                    serials[prefix] = serial = serials[prefix] + 1
                standards.append([inst["id"], f"{prefix} {serial}-{year}", f"产品质量要求 第{serial}部分",
                                  rng.choice(("主持", "参与")), rng.choice(("制定", "修订")), published.isoformat()])
            pool = [f"{inst['id']}V{k:04d}" for k in range(max(10, inst["staff"] // 10))]
            for k in range(poisson(rng, 6 * trend)):  # activities
                day = _day_in(rng, year)
                activity = f"{THEMES[k % len(THEMES)]}第{k + 1}期"
                for volunteer in rng.sample(pool, min(len(pool), rng.randint(1, 6))):
                    volunteers.append([inst["id"], activity, day.isoformat(), volunteer, rng.randint(2, 16) / 2])
            if year > LAST_YEAR - 5:
                targets.append([inst["id"], year, "prj_initiated", max(1, round(initiated * rng.uniform(0.9, 1.2)))])
                targets.append([inst["id"], year, "std_published", max(1, round(1.8 * trend))])
                targets.append([inst["id"], year, "ip_total", max(1, round(7 * trend))])
    _write(raw_dir / "institutes" / "register.csv", ["机构代码", "单位名称", "英文名称", "简称", "省份代码", "机构类型", "成立年份"],
           [[i["id"], i["name_zh"], i["name_en"], i["aliases"], i["province"], i["kind"], i["founded"]] for i in group])
    _write(raw_dir / "staff" / "staff.csv", ["institute", "year", "staff_total", "tech_staff"], staff)
    _write(raw_dir / "project_counts" / "projects.csv", ["institute", "year", "level", "stage", "count"], projects)
    _write(raw_dir / "ip_items" / "ip.csv", ["institute", "ip_type", "number", "title", "app_date", "grant_date", "status"],
           ips)
    _write(raw_dir / "standards" / "standards.csv",
           ["institute", "std_no", "title", "role", "action", "publish_date"], standards)
    _write(raw_dir / "volunteer_hours" / "volunteer_hours.csv", ["institute", "activity", "date", "volunteer_id", "hours"],
           [[*r[:4], f"{r[4]:g}"] for r in volunteers])
    _write(raw_dir / "targets" / "targets.csv", ["institute", "year", "metric_id", "target"], targets)
    return {"institutes": len(group), "staff": len(staff), "project_counts": len(projects), "ip_items": len(ips),
            "standards": len(standards), "volunteer_hours": len(volunteers), "targets": len(targets)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.group_generator", description=__doc__.split("\n\n")[0])
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("--institutes", type=int, default=200)
    parser.add_argument("--years", type=int, default=20)
    args = parser.parse_args(argv)
    print(generate(args.raw_dir, args.institutes, args.years))


if __name__ == "__main__":
    main()
