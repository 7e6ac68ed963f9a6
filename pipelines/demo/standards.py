"""standards: standards drafted, one row per standard.

The national + industry + local standards of 福建省标准化研究院 (FJSI_NIL) and the metrology
specifications of 浙江省质量科学研究院 (ZJQS_METROLOGY) are the published figures (the README's table,
"The demo dataset"); everything else is drawn. Numbers are well-formed and unique across the demo,
written with the several dash forms people type. Planted: an enterprise standard number (Q/…) in
FJSI's workbook (quarantined).

Units: 福建省产品质量检验研究院's list names a laboratory for about half of its standards (by code, its
file has English headers). The metrology specifications of 浙江省质量科学研究院 are its 先进制造计量研究中心's
(the centre or one of its 室); its other standards, and a few specifications of its own each year
(ZJQS_OTHER_CENTRES_METROLOGY), belong to its other centres."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from pipelines.demo.draws import day_in, stream, trend, yearly_count
from pipelines.demo.files import PlantedIssue, full_width, iso_date, write_csv, write_xlsx
from pipelines.demo.ip_items import IP_OBJECTS
from pipelines.demo.register import BY_ID, INSTITUTES, PROVINCE_ABBR, Institute
from pipelines.demo.units import FJQI_LABS, ZJQS_CENTRE_UNITS, ZJQS_OTHER_CENTRES, cell


@dataclass(frozen=True)
class Standard:
    institute: str
    kind: str
    std_no: str  # as written in the file
    title: str
    role: str  # lead | participant
    action: str  # new | revision
    publish: date
    effective: date
    unit: str = ""  # the unit's code in the institute's units register; "" = the institute only


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
# Metrology specifications per year by 浙江省质量科学研究院's other centres (not the published centre's).
ZJQS_OTHER_CENTRES_METROLOGY = {"JJF": 0.8, "JJF_L": 0.4}
METROLOGY_KINDS = ("JJG", "JJF", "JJF_L", "JJG_L")

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
    rng: random.Random, used: set[tuple[str, str]], inst: Institute, kind: str, year: int
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
        return full_width(f"{prefix} {num}-{year}")
    if roll < 0.05:
        return f"{prefix} {num}－{year}"
    if roll < 0.15:
        return f"{prefix} {num}—{year}"
    if roll < 0.25 and "(" in prefix:
        return f"{prefix.replace('(', '（').replace(')', '）')} {num}-{year}"
    return f"{prefix} {num}-{year}"


def records() -> list[Standard]:
    used: set[tuple[str, str]] = set()
    out: list[Standard] = []
    for inst in INSTITUTES:
        rng = stream("standards", inst.id)
        for year in inst.years:
            plan: list[tuple[str, int, float]] = []  # (kind, how many, share led)
            for kind, base, start in inst.standards:
                if year >= start:
                    lead = 0.5 if kind in ("DB", "T/FJAS", "T/ZZB", "JJF_L") else 0.3
                    plan.append((kind, yearly_count(rng, base * trend(inst, year)), lead))
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
                    publish = day_in(rng, year, end=(6, 30) if year == 2024 else (12, 31))
                    out.append(
                        Standard(
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
    # the other centres' metrology specifications
    rng = stream("standards", "ZJQS", "other centres")
    zjqs = BY_ID["ZJQS"]
    for year in zjqs.years:
        centres = [u for u in ZJQS_OTHER_CENTRES if u.valid_in(year) and u.code in ("ZX02", "ZX03", "ZX06")]
        for kind, mean in ZJQS_OTHER_CENTRES_METROLOGY.items():
            for _ in range(yearly_count(rng, mean)):
                publish = day_in(rng, year, end=(6, 30) if year == 2024 else (12, 31))
                out.append(
                    Standard(
                        "ZJQS",
                        kind,
                        _std_number(rng, used, zjqs, kind, year),
                        _std_title(rng, kind, zjqs.province),
                        "lead" if rng.random() < 0.45 else "participant",
                        "revision" if rng.random() < 0.25 else "new",
                        publish,
                        publish + timedelta(days=rng.randint(60, 180)),
                        rng.choice(centres).code,
                    )
                )
    return _with_units(out)


def _with_units(records: list[Standard]) -> list[Standard]:
    """Which unit each FJQI and ZJQS standard is of (their own streams, so the standards do not move)."""
    fjqi, zjqs = stream("standards", "FJQI", "unit"), stream("standards", "ZJQS", "unit")
    out: list[Standard] = []
    for s in records:
        if s.institute == "FJQI" and fjqi.random() < 0.5:
            s = replace(s, unit=fjqi.choice(FJQI_LABS).code)
        elif s.institute == "ZJQS" and not s.unit:
            if s.kind in METROLOGY_KINDS:
                s = replace(s, unit=zjqs.choice(ZJQS_CENTRE_UNITS).code)
            elif zjqs.random() < 0.8:
                year = s.publish.year
                s = replace(s, unit=zjqs.choice([u for u in ZJQS_OTHER_CENTRES if u.valid_in(year)]).code)
        out.append(s)
    return out


def write(raw_dir: Path, records: list[Standard]) -> list[PlantedIssue]:
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
            first = write_xlsx(
                folder / name,
                "标准清单",
                zh_header,
                rows,
                title="福建省标准化研究院参与起草标准清单（2015—2024年）",
                widths=[16, 22, 40, 10, 8, 12, 12],
            )
            planted.append(PlantedIssue("standards", name, first + at, "std_number_unrecognised"))
        elif inst.id == "ZJQS":
            naming = stream("standards", "ZJQS", "unit names")
            rows = [
                [
                    "浙江省质科院",
                    cell(naming, r.unit, inst.id),
                    r.std_no,
                    r.title,
                    role_zh[r.role],
                    action_zh[r.action],
                    f"{r.publish.year}/{r.publish.month}/{r.publish.day}",
                    f"{r.effective.year}/{r.effective.month}/{r.effective.day}",
                ]
                for r in recs
            ]
            write_xlsx(
                folder / "浙江省质科院标准与计量技术规范.xlsx",
                "Sheet1",
                ["单位", "部门", *zh_header[1:]],
                rows,
                widths=[14, 22, 22, 40, 10, 8, 12, 12],
            )
        elif inst.id in ("FJMI", "ZJSI"):
            rows = [
                [
                    inst.name_zh,
                    r.std_no,
                    r.title,
                    role_zh[r.role],
                    action_zh[r.action],
                    iso_date(r.publish),
                    iso_date(r.effective),
                ]
                for r in recs
            ]
            write_csv(
                folder / f"{inst.name_zh}标准起草.csv",
                zh_header,
                rows,
                "utf-8-sig" if inst.id == "FJMI" else "utf-8",
            )
        elif inst.id == "FJQI":
            rows = [
                [inst.name_zh, r.std_no, r.title, r.role, r.action, iso_date(r.publish), iso_date(r.effective),
                 r.unit]
                for r in recs
            ]
            write_csv(folder / f"{inst.id}_standards.csv", [*en_header, "unit"], rows, "utf-8")
        else:
            rows = [
                [inst.name_zh, r.std_no, r.title, r.role, r.action, iso_date(r.publish), iso_date(r.effective)]
                for r in recs
            ]
            write_csv(folder / f"{inst.id}_standards.csv", en_header, rows, "utf-8")
    return planted
