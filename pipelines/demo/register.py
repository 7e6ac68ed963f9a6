"""The demo's register: the seven institutes with their figures for 2015 and their yearly growth, and
the code lists (project levels and stages) several generators share.

The figures here are synthetic magnitudes that make the charts look alive. Where an institute's figure
is published (the README's table, "The demo dataset"), the dataset module that draws it replaces the
draw with the published figure (project_counts.FJQI_2019 and FJSI_ACCEPTED, ip_items.IP_CALIBRATED,
standards.FJSI_NIL and ZJQS_METROLOGY, awards, papers and talent_titles). The units inside the institutes
(所, 中心, 室, 班组) are in ``units``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

YEARS = tuple(range(2015, 2025))
AS_OF = date(2024, 12, 31)  # no record is dated after this (except the planted future date)

LEVELS = ("national", "provincial_ministerial", "bureau", "city", "internal", "commissioned")
LEVEL_ZH = {
    "national": "国家级",
    "provincial_ministerial": "省部级",
    "bureau": "厅局级",
    "city": "市级",
    "internal": "院级",
    "commissioned": "横向",
}
STAGE_ZH = {"initiated": "立项", "ongoing": "在研", "accepted": "验收"}


@dataclass(frozen=True)
class Institute:
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
    awards: float  # science and technology awards per year in 2015
    papers: tuple[float, float, float, float]  # papers per year in 2015: SCI, EI, core journals, other
    talents: float  # talent titles conferred per year in 2015


    @property
    def years(self) -> tuple[int, ...]:
        return tuple(y for y in YEARS if y >= self.first_year)


INSTITUTES: tuple[Institute, ...] = (
    Institute(
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
        awards=3.0,
        papers=(1.5, 1.0, 6.0, 8.0),
        talents=0.0,  # the published titles only (talent_titles.FJQI_TITLES)
    ),
    Institute(
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
        projects=(1.2, 12.0, 4.0, 3.0, 8.0, 11.0),  # many provincial projects: project_counts.FJSI_ACCEPTED
        ip=(0.5, 1.5, 0.0, 5.0),
        standards=(("T/FJAS", 3.0, 2016),),  # national / industry / local are calibrated: FJSI_NIL
        growth=0.05,
        awards=1.2,
        papers=(0.3, 0.3, 5.0, 10.0),
        talents=1.5,
    ),
    Institute(
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
        awards=1.5,
        papers=(1.0, 1.5, 4.0, 6.0),
        talents=1.5,
    ),
    Institute(
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
        awards=2.5,
        papers=(2.5, 1.5, 7.0, 10.0),
        talents=2.5,
    ),
    Institute(
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
        awards=1.5,
        papers=(0.5, 0.5, 6.0, 8.0),
        talents=1.5,
    ),
    Institute(
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
        awards=1.5,
        papers=(1.5, 1.0, 5.0, 6.0),
        talents=2.0,
    ),
    Institute(
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
        awards=1.5,
        papers=(0.5, 0.5, 5.0, 9.0),
        talents=1.5,
    ),
)
BY_ID = {i.id: i for i in INSTITUTES}
PROVINCE_ABBR = {"35": "闽", "33": "浙", "32": "苏"}
