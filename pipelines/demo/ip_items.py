"""ip_items: patents and software copyrights, one row each.

Yearly counts are drawn around the register's figures, except where the figure is published
(IP_CALIBRATED; the README's table, "The demo dataset"). Titles and numbers are synthetic; patent
numbers carry valid check characters, written in the forms people type (ZL…, CN…, with or without the
dot). Planted: one bad check character (BAD_PATENT, quarantined) and one invention co-owned by two
institutes (CO_OWNED, a warning only).

Units: about half of 福建省产品质量检验研究院's items name a 所 or laboratory. The calibrated items of
浙江省质量科学研究院 (2022–2024) are its 先进制造计量研究中心's, named as the centre or one of its two 室;
its other items belong to its other centres, which also have items of their own in 2022–2024
(ZJQS_OTHER_CENTRES_PER_YEAR), so the institute's figures are larger than the centre's."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from pipelines.demo.draws import day_in, poisson, stream, trend, yearly_count
from pipelines.demo.files import PlantedIssue, cn_date, iso_date, write_csv, write_xlsx
from pipelines.demo.register import AS_OF, BY_ID, INSTITUTES
from pipelines.demo.units import FJQI_DIVISIONS, FJQI_LABS, ZJQS_CENTRE_UNITS, ZJQS_OTHER_CENTRES, cell
from pipelines.identifiers import patent_check_char


@dataclass(frozen=True)
class IpItem:
    institute: str
    ip_type: str  # invention | utility | design | software
    number: str  # patents: the 12 digits; software: the registration number
    title: str
    app_date: date
    grant_date: date | None
    status: str  # filed | granted | lapsed
    unit: str = ""  # the unit's code in the institute's units register; "" = the institute only


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
# Granted / registered per year in 2022–2024 by 浙江省质量科学研究院's centres other than 先进制造计量研究中心.
ZJQS_OTHER_CENTRES_PER_YEAR = {"invention": 4.0, "utility": 6.0, "software": 5.0}
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


def records() -> list[IpItem]:
    used: set[str] = {BAD_PATENT[:12]}
    out: list[IpItem] = []

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
        rng = stream("ip_items", inst.id)
        field = IP_FIELD[inst.kind]
        for year in inst.years:
            fixed = IP_CALIBRATED.get((inst.id, year), {})
            for ip_type, base in zip(("invention", "utility", "design", "software"), inst.ip, strict=True):
                n = fixed.get(ip_type, yearly_count(rng, base * trend(inst, year)))
                for _ in range(n):
                    granted = day_in(rng, year)
                    title = _ip_title(rng, field, ip_type)
                    if ip_type == "software":
                        app = granted - timedelta(days=rng.randint(20, 180))
                        out.append(
                            IpItem(
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
                        IpItem(inst.id, ip_type, patent_number(rng, app, ip_type), title, app, granted, status)
                    )
        # still pending at the end of 2024
        for ip_type, lam, start in (
            ("invention", inst.ip[0] * 1.6, date(2022, 7, 1)),
            ("utility", inst.ip[1] * 0.3, date(2024, 6, 1)),
        ):
            for _ in range(poisson(rng, lam)):
                app = start + timedelta(days=rng.randrange((AS_OF - start).days - 10))
                title = _ip_title(rng, field, ip_type)
                out.append(IpItem(inst.id, ip_type, patent_number(rng, app, ip_type), title, app, None, "filed"))
    # the co-owned invention: granted in 2021 to FJQI and FJMI jointly
    rng = stream("ip_items", "co-owned")
    app = date(2018, 11, 6)
    shared = IpItem(
        CO_OWNED[0],
        "invention",
        patent_number(rng, app, "invention"),
        "一种智能电能表计量误差在线检测方法",
        app,
        date(2021, 3, 23),
        "granted",
    )
    out += [shared, replace(shared, institute=CO_OWNED[1])]
    # the other centres of ZJQS, 2022–2024
    rng = stream("ip_items", "ZJQS", "other centres")
    zjqs = BY_ID["ZJQS"]
    for year in (2022, 2023, 2024):
        for ip_type, mean in ZJQS_OTHER_CENTRES_PER_YEAR.items():
            for _ in range(poisson(rng, mean)):
                granted = day_in(rng, year)
                title = _ip_title(rng, IP_FIELD[zjqs.kind], ip_type)
                if ip_type == "software":
                    app = granted - timedelta(days=rng.randint(20, 180))
                    number = software_number(rng, granted)
                else:
                    app = granted - timedelta(days=rng.randint(365, 1095) if ip_type == "invention" else 240)
                    number = patent_number(rng, app, ip_type)
                unit = rng.choice([u for u in ZJQS_OTHER_CENTRES if u.valid_in(year)]).code
                out.append(IpItem("ZJQS", ip_type, number, title, app, granted, "granted", unit))
    return _with_units(out)


def _with_units(items: list[IpItem]) -> list[IpItem]:
    """Which unit each FJQI and ZJQS item is of (their own streams, so the items themselves do not move)."""
    fjqi, zjqs = stream("ip_items", "FJQI", "unit"), stream("ip_items", "ZJQS", "unit")
    out: list[IpItem] = []
    for ip in items:
        year = (ip.grant_date or ip.app_date).year
        if ip.institute == "FJQI" and not ip.unit and fjqi.random() < 0.55:
            ip = replace(ip, unit=fjqi.choice(FJQI_LABS + FJQI_DIVISIONS).code)
        elif ip.institute == "ZJQS" and not ip.unit:
            if ip.grant_date and 2022 <= year <= 2024:  # the calibrated ones: the centre's
                ip = replace(ip, unit=zjqs.choice(ZJQS_CENTRE_UNITS).code)
            elif zjqs.random() < 0.85:
                centres = [u for u in (*ZJQS_CENTRE_UNITS, *ZJQS_OTHER_CENTRES) if u.valid_in(year)]
                ip = replace(ip, unit=zjqs.choice(centres).code)
        out.append(ip)
    return out


def _patent_text(rng: random.Random, ip: IpItem) -> str:
    if ip.ip_type == "software":
        return ip.number
    check = patent_check_char(ip.number)
    roll = rng.random()
    if ip.status != "filed" and roll < 0.5:
        return f"ZL{ip.number}.{check}"
    if roll < 0.8:
        return f"{ip.number}.{check}"
    return f"CN{ip.number}{check}"


def _ip_status_zh(ip: IpItem) -> str:
    if ip.ip_type == "software":
        return "登记"
    return {"filed": "申请", "granted": "授权", "lapsed": "失效"}[ip.status]


def write(raw_dir: Path, records: list[IpItem]) -> list[PlantedIssue]:
    folder = raw_dir / "ip_items"
    planted: list[PlantedIssue] = []
    zh_header = ["单位", "类型", "申请号", "名称", "申请日", "授权日", "法律状态"]
    for inst in INSTITUTES:
        fmt = stream("ip_items", inst.id, "format")
        recs = sorted((r for r in records if r.institute == inst.id), key=lambda r: (r.app_date, r.number))
        if inst.id == "FJQI":
            naming = stream("ip_items", "FJQI", "unit names")
            rows: list[list[object]] = [
                [
                    inst.name_zh,
                    cell(naming, r.unit, inst.id),
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
                    "",
                    "发明",
                    BAD_PATENT,
                    "一种电线电缆绝缘层厚度检测装置",
                    bad_app,
                    date(2022, 6, 14),
                    "授权",
                ],
            )
            name = "福建省质检院知识产权清单2015-2024.xlsx"
            first = write_xlsx(
                folder / name, "知识产权", ["单位", "所室", *zh_header[1:]], rows,
                widths=[26, 18, 10, 20, 40, 12, 12, 10],
            )
            planted.append(PlantedIssue("ip_items", name, first + at, "patent_check_char"))
        elif inst.id == "ZJQS":
            naming = stream("ip_items", "ZJQS", "unit names")
            rows = [
                [
                    inst.name_zh,
                    IP_TYPE_ZH[r.ip_type],
                    _patent_text(fmt, r),
                    r.title,
                    cn_date(r.app_date),
                    cn_date(r.grant_date),
                    _ip_status_zh(r),
                    cell(naming, r.unit, inst.id),
                ]
                for r in recs
            ]
            write_csv(folder / "浙江省质科院知识产权汇总.csv", [*zh_header, "部门"], rows, "gbk")
        else:
            rows = [
                [
                    inst.name_zh,
                    r.ip_type,
                    _patent_text(fmt, r),
                    r.title,
                    iso_date(r.app_date),
                    iso_date(r.grant_date),
                    r.status,
                ]
                for r in recs
            ]
            write_csv(
                folder / f"{inst.id}_ip_items.csv",
                ["institute", "ip_type", "number", "title", "app_date", "grant_date", "status"],
                rows,
                "utf-8",
            )
    return planted
