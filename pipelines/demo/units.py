"""units: the units registers (所, 中心, 室, 班组 inside an institute) and how the other files name a unit.

Four institutes keep a register, each in its own shape: 福建省产品质量检验研究院 six 所 with its 27
laboratories (班组, each inside one 所; a workbook with a title row, parents given by code or by name),
福建省标准化研究院 four 所 side by side (GBK CSV), 浙江省质量科学研究院 its centres — 先进制造计量研究中心
with two 室 inside it, a centre set up in 2019 and one merged away after 2020 (a workbook) — and 浙江省
标准化研究院 three 所 (English headers). The other institutes have no register: their rows carry no unit.
The names are plausible, not researched.

A row of another dataset names its unit as people do: by name mostly, sometimes by code or by a short
name (``cell``)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from pipelines.demo.draws import stream
from pipelines.demo.files import write_csv, write_xlsx
from pipelines.demo.register import BY_ID


@dataclass(frozen=True)
class Unit:
    institute: str
    code: str
    name_zh: str
    name_en: str
    unit_type: str  # division | centre | office | team
    parent: str = ""  # the parent's code; "" = directly under the institute
    aliases: tuple[str, ...] = ()
    valid_from: int | None = None
    valid_to: int | None = None

    def valid_in(self, year: int) -> bool:
        return (self.valid_from or 0) <= year <= (self.valid_to or 9999)


def _fjqi() -> tuple[Unit, ...]:
    divisions = (
        ("电子电器检测所", "Electrical and Electronic Products Testing Division", "电子电器所", (
            ("家用电器实验室", "Household Appliances Laboratory", "家电室"),
            ("电线电缆实验室", "Wires and Cables Laboratory", "电缆室"),
            ("照明电器实验室", "Lighting Products Laboratory", ""),
            ("电磁兼容实验室", "Electromagnetic Compatibility Laboratory", "EMC实验室"),
            ("信息技术设备实验室", "Information Technology Equipment Laboratory", ""),
        )),
        ("轻工产品检测所", "Light Industry Products Testing Division", "轻工所", (
            ("玩具与儿童用品实验室", "Toys and Children's Products Laboratory", "玩具室"),
            ("家具实验室", "Furniture Laboratory", ""),
            ("鞋类与皮革实验室", "Footwear and Leather Laboratory", "鞋类室"),
            ("塑料制品实验室", "Plastic Products Laboratory", ""),
            ("日用陶瓷实验室", "Domestic Ceramics Laboratory", ""),
        )),
        ("纺织服装检测所", "Textiles and Apparel Testing Division", "纺织所", (
            ("纺织纤维实验室", "Textile Fibres Laboratory", "纤维室"),
            ("服装理化实验室", "Apparel Physical and Chemical Laboratory", ""),
            ("色牢度实验室", "Colour Fastness Laboratory", ""),
            ("羽绒实验室", "Down and Feather Laboratory", ""),
        )),
        ("建材化工检测所", "Building Materials and Chemicals Testing Division", "建材所", (
            ("建筑材料实验室", "Building Materials Laboratory", ""),
            ("人造板实验室", "Wood-based Panels Laboratory", ""),
            ("涂料与化工实验室", "Coatings and Chemicals Laboratory", "涂料室"),
            ("石材与陶瓷砖实验室", "Stone and Ceramic Tiles Laboratory", "石材室"),
            ("消防产品实验室", "Fire Products Laboratory", ""),
        )),
        ("食品检测所", "Food Testing Division", "食品所", (
            ("食品理化实验室", "Food Physical and Chemical Laboratory", "理化室"),
            ("食品微生物实验室", "Food Microbiology Laboratory", "微生物室"),
            ("茶叶与农残实验室", "Tea and Pesticide Residues Laboratory", ""),
            ("食品接触材料实验室", "Food Contact Materials Laboratory", ""),
        )),
        ("机械与新能源检测所", "Machinery and New Energy Testing Division", "机械所", (
            ("电动自行车实验室", "Electric Bicycles Laboratory", ""),
            ("锂电池实验室", "Lithium Batteries Laboratory", "电池室"),
            ("安全防护用品实验室", "Personal Protective Equipment Laboratory", ""),
            ("机械产品实验室", "Machinery Products Laboratory", ""),
        )),
    )
    out: list[Unit] = []
    for d, (name, name_en, alias, labs) in enumerate(divisions, start=1):
        out.append(Unit("FJQI", f"D{d}", name, name_en, "division", aliases=(alias,), valid_from=2003))
        for k, (lab, lab_en, lab_alias) in enumerate(labs, start=1):
            founded = (2006, 2010, 2012, 2015)[(d + k) % 4]
            out.append(Unit("FJQI", f"D{d}-{k:02d}", lab, lab_en, "team", f"D{d}",
                            (lab_alias,) if lab_alias else (), founded))
    return tuple(out)


UNITS: tuple[Unit, ...] = (
    *_fjqi(),
    Unit("FJSI", "BZ01", "标准化战略研究所", "Standardization Strategy Division", "division", aliases=("战略所",)),
    Unit("FJSI", "BZ02", "标准信息服务所", "Standards Information Services Division", "division",
         aliases=("信息所", "标准馆")),
    Unit("FJSI", "BZ03", "物品编码所", "Article Numbering Division", "division", aliases=("编码所",)),
    Unit("FJSI", "BZ04", "质量与品牌研究所", "Quality and Brands Division", "division", aliases=("质量所",)),
    Unit("ZJQS", "ZX01", "先进制造计量研究中心", "Advanced Manufacturing Metrology Research Centre", "centre",
         aliases=("先进制造中心",)),
    Unit("ZJQS", "ZX01-1", "几何量计量室", "Geometrical Metrology Office", "office", "ZX01", ("几何量室",)),
    Unit("ZJQS", "ZX01-2", "智能装备计量室", "Intelligent Equipment Metrology Office", "office", "ZX01",
         ("装备计量室",)),
    Unit("ZJQS", "ZX02", "电磁与新能源计量检测中心", "Electromagnetic and New Energy Metrology and Testing Centre",
         "centre", aliases=("电磁中心",)),
    Unit("ZJQS", "ZX03", "化学与生物计量检测中心", "Chemical and Biological Metrology and Testing Centre", "centre",
         aliases=("化学中心",)),
    Unit("ZJQS", "ZX04", "产品质量检测中心", "Product Quality Testing Centre", "centre", aliases=("质检中心",)),
    Unit("ZJQS", "ZX05", "质量发展研究中心", "Quality Development Research Centre", "centre",
         aliases=("质量发展中心",), valid_from=2019),
    Unit("ZJQS", "ZX06", "热工计量检测中心", "Thermal Metrology and Testing Centre", "centre",
         aliases=("热工中心",), valid_to=2020),  # merged into ZX02 at the end of 2020
    Unit("ZJSI", "R1", "标准化理论研究所", "Standardization Theory Division", "division"),
    Unit("ZJSI", "R2", "标准化应用研究所", "Applied Standardization Division", "division"),
    Unit("ZJSI", "R3", "技术性贸易措施研究所", "Technical Barriers to Trade Division", "division",
         aliases=("TBT所",)),
)
BY_KEY = {(u.institute, u.code): u for u in UNITS}

FJQI_LABS = tuple(u for u in UNITS if u.institute == "FJQI" and u.unit_type == "team")
FJQI_DIVISIONS = tuple(u for u in UNITS if u.institute == "FJQI" and u.unit_type == "division")
ZJQS_CENTRE = BY_KEY[("ZJQS", "ZX01")]  # 先进制造计量研究中心: the published unit
ZJQS_CENTRE_UNITS = tuple(u for u in UNITS if u.code.startswith("ZX01"))  # the centre and its two 室
ZJQS_OTHER_CENTRES = tuple(u for u in UNITS if u.institute == "ZJQS" and u.unit_type == "centre"
                           and u is not ZJQS_CENTRE)

UNIT_TYPE_ZH = {"division": "所", "centre": "中心", "office": "室", "team": "班组"}


def of(institute: str, year: int | None = None) -> tuple[Unit, ...]:
    """The units of an institute (valid in year, when given)."""
    return tuple(u for u in UNITS if u.institute == institute and (year is None or u.valid_in(year)))


def cell(rng: random.Random, code: str, institute: str) -> str:
    """How a person names a unit in a cell: by its name mostly, sometimes by code or short name."""
    if not code:
        return ""
    unit = BY_KEY[(institute, code)]
    roll = rng.random()
    if roll < 0.15:
        return unit.code
    if roll < 0.3 and unit.aliases:
        return rng.choice(unit.aliases)
    return unit.name_zh


def write(raw_dir: Path) -> None:
    folder = raw_dir / "units"
    rng = stream("units", "FJQI")  # which parents are given by name

    def parent(u: Unit, by_name: bool) -> str:
        return BY_KEY[(u.institute, u.parent)].name_zh if u.parent and by_name else u.parent

    fjqi = [
        [
            "福建省质检院",
            u.code,
            u.name_zh,
            u.name_en,
            "、".join(u.aliases),
            "所" if u.unit_type == "division" else ("实验室", "班组")[k % 2],
            parent(u, rng.random() < 0.4),
            u.valid_from,
            u.valid_to,
        ]
        for k, u in enumerate(of("FJQI"))
    ]
    write_xlsx(
        folder / "福建省质检院内设机构及实验室名录.xlsx",
        "名录",
        ["单位", "部门代码", "部门名称", "英文名称", "简称", "类型", "上级部门", "设立年份", "撤销年份"],
        fjqi,
        title="福建省产品质量检验研究院内设机构及实验室（班组）名录",
        widths=[14, 10, 22, 44, 12, 8, 18, 10, 10],
    )
    fjsi = [[BY_ID["FJSI"].name_zh, u.code, u.name_zh, u.name_en, "；".join(u.aliases), "研究所", "", "", ""]
            for u in of("FJSI")]
    write_csv(folder / "福建省标准化研究院内设机构.csv",
              ["单位名称", "编码", "名称", "英文名称", "别名", "机构类型", "隶属", "成立年份", "撤销年份"], fjsi, "gbk")
    zjqs = [
        ["浙江省质科院", u.code, u.name_zh, u.name_en, "、".join(u.aliases), UNIT_TYPE_ZH[u.unit_type],
         parent(u, u.code == "ZX01-1"), u.valid_from, u.valid_to]
        for u in of("ZJQS")
    ]
    write_xlsx(
        folder / "浙江省质科院内设机构.xlsx",
        "内设机构",
        ["填报单位", "内设机构代码", "内设机构名称", "英文名称", "简称", "部门类型", "上级机构", "启用年份", "停用年份"],
        zjqs,
        widths=[14, 12, 26, 52, 14, 10, 22, 10, 10],
    )
    zjsi = [["ZJSI", u.code, u.name_zh, u.name_en, ";".join(u.aliases), u.unit_type, u.parent, "", ""]
            for u in of("ZJSI")]
    write_csv(folder / "ZJSI_units.csv",
              ["institute", "unit_code", "name_zh", "name_en", "aliases", "unit_type", "parent", "valid_from",
               "valid_to"], zjsi, "utf-8")
