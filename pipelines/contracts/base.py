"""The building blocks of a data contract. A contract is data, not code: adding a header alias or a
rule is one line in the dataset's module."""
from __future__ import annotations

from dataclasses import dataclass, field

# Kinds of column and what parsing them yields (see pipelines/ingest/validate.py for the SQL of each):
#   text        trimmed text (full-width spaces folded)
#   code        trimmed text, full-width characters made half-width
#   count       whole number ≥ 0; with `qualifier` set, 20余 / 20多 / 超过20 / 20以上 give 20 and "≥"
#   decimal     number, unit words (小时, h) allowed
#   year        four-digit year (2019, 2019年, ２０１９)
#   date        ISO, 2023/5/5, 2023.5.5, 2023年5月5日, 20230505, Excel serial numbers
#   institute   institute id, full name or registered alias → institute_id
#   enum        one of `values` (keys are accepted spellings, compared case-, width- and space-insensitively)
#   ip_number   patent application or software registration number, checked against `depends_on`
#   std_number  standard number; yields the level, province and year of the number
#   person_id   volunteer code, or an ID number however typed, which is hashed and never stored
#   unit        a unit inside the row's institute (code, name or alias in the units register) → its unit_code
#   reference   what an award was given for: a standard number or a patent / software number, normalised;
#               yields the kind it parsed as (standard / patent / software), text kept when it parses as none
#   doi         a DOI (10.1000/xyz123), lower-cased, without a https://doi.org/ or doi: prefix
# An ID number in a text or code cell is replaced by its hash; in a cell of any other kind it quarantines
# the row (pipelines/ingest/validate.py).
KINDS = {"text", "code", "count", "decimal", "year", "date", "institute", "enum", "ip_number",
         "std_number", "person_id", "unit", "reference", "doi"}

INSTITUTE_ALIASES = ("单位", "单位名称", "机构", "机构名称", "填报单位", "institute", "institute name")
YEAR_ALIASES = ("年度", "年份", "年", "统计年度", "year")
# The optional unit column of every dataset that institutes submit: a 所, 中心, 室 or 班组 of the institute,
# named as in its units register. A row without one counts for the institute only.
UNIT_ALIASES = ("部门", "所室", "班组", "中心", "科室", "实验室", "内设机构", "所属部门", "承担部门", "承担单位（部门）",
                "部门/班组", "unit")


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    kind: str = "text"
    required: bool = True
    values: dict[str, str] | None = None
    qualifier: str | None = None  # count columns: name of the output column that keeps "≥"
    not_future: bool = False  # year and date columns: later than today is quarantined
    depends_on: str | None = None  # ip_number: the column holding the IP type

    def __post_init__(self):
        assert self.kind in KINDS, f"{self.name}: unknown kind {self.kind}"
        assert (self.kind == "enum") == (self.values is not None), f"{self.name}: enum needs values"


@dataclass(frozen=True)
class Rule:
    """A row rule. `when` is a SQL predicate over the parsed row that is true when the row breaks
    the rule. Messages may quote parsed values as {column}. Severity R quarantines the row, W keeps
    it with a warning."""

    code: str
    column: str
    when: str
    message_zh: str
    message_en: str
    severity: str = "R"


@dataclass(frozen=True)
class Contract:
    dataset: str
    title_zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # duplicates of this key: the first is kept, later ones quarantined
    rules: tuple[Rule, ...] = ()
    total_columns: tuple[str, ...] = ()  # numeric columns a 合计 row is checked against
    extra: dict[str, str] = field(default_factory=dict)  # derived output column → SQL expression
    # The year a row counts for, for online submission (one institute, one dataset, one year): the column
    # a message names and SQL over the parsed row. None: the dataset is not submitted through the portal.
    reporting_year: tuple[str, str] | None = None
    # The figure a submission is compared with last year's by (the upload check): its name in Chinese and
    # English and SQL aggregating the loaded rows of one institute-year. None: no cross-year comparison.
    figure: tuple[str, str, str] | None = None
    # A register an institute submits whole (the units register): its portal file for a year is the
    # institute's entire register as of then, closed entries kept with their end year, so it has no
    # reporting year of its rows. The refresh takes the institute's rows from its latest-year portal file
    # alone, setting aside its rows in every other file (pipelines/ingest/load.py); a row of another
    # institute in it is quarantined as in any submission.
    whole_register: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def submitted(self) -> bool:
        """Whether institutes submit the dataset through the portal: one year's rows, or their whole register."""
        return self.reporting_year is not None or self.whole_register

    @property
    def institute_column(self) -> str:
        return next(c.name for c in self.columns if c.kind == "institute")

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


UNIT = Column("unit", UNIT_ALIASES, "unit", required=False)
