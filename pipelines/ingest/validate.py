"""Row validation as SQL. A contract compiles to one query over the landed text: clean the cells,
parse each column by its kind, then name the first problem of each row (a quarantine reason) and
collect its warnings. DuckDB runs it vectorised, which is what makes 1e7-row files cheap; Python is
called only for the identifiers whose check rules are too intricate for SQL (patent and standard
numbers, on small tables) and for the rare cell that may hold a personal ID number (the functions the
query calls: sql_functions.py).

Over 400 lines because one class, Compiled, is most of this module (~380 lines): the SQL of one contract
is built in stages that refer to each other's columns, and splitting it would scatter one query over
several files."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from pipelines.contracts import Column, Contract, Rule
from pipelines.id_numbers import (
    ID_SHAPE,
)
from pipelines.ingest.portal import portal_problems
from pipelines.ingest.sql_functions import ID_HASHED_WARNING, sql_str

TOTAL_WORDS = ("合计", "总计", "小计", "合计:", "总计:", "total", "sum", "grandtotal")
COUNT_UNITS = r"(?:项|件|个|人|次|名)?"
COUNT_QUALIFIED = rf"^(超过|多于|不少于|至少|大于|>=|≥|>)?\s*(\d+)(?:\.0+)?\s*(余|多|以上|\+)?\s*{COUNT_UNITS}$"
COUNT_EXACT = rf"^()(\d+)(?:\.0+)?(){COUNT_UNITS}$"
DATE_PARTS = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
DECIMAL = r"^(-?\d+(?:\.\d+)?)\s*(?:小时|h|hr|hrs|hour|hours)?$"
DOI = r"10\.[0-9]{4,9}/\S+"
DOI_PREFIX = r"^(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/)"
# A long number kept by a spreadsheet as a number has lost its last digits; the workbook reader gives
# it as Excel shows it, 3.30106E+17 (pipelines/ingest/workbook_numbers.py), and a CSV saved by Excel
# holds the same text. In an identifier or text column nothing can be made of it.
LOST_DIGITS = r"-?[0-9](\.[0-9]+)?E\+[0-9]{2,}"
LOST_DIGITS_KINDS = ("text", "code", "ip_number", "std_number", "person_id", "reference")
LOST_DIGITS_ZH = "是被表格软件当作数字保存的长号码，末尾几位已经丢失；请把该列设置为“文本”格式后重新录入这些号码"
LOST_DIGITS_EN = ("is a long number the spreadsheet kept as a number, and its last digits are lost; format the "
                  "column as Text and type the numbers again")
# A row's status after the parsing pass (status_query): null is a good row.
STATUS_BLANK, STATUS_TOTAL, FIRST_PROBLEM = 0, 1, 2
FIRST_LATER_STATUS = 253  # codes from here up are set after parsing (load.py): unit tree, alias conflict, duplicate
# Kinds whose cells are kept as text: an ID number in them is replaced by its person key. In a cell of any
# other kind it is a problem (the row is quarantined, the number masked in what is shown).
TEXT_KINDS = ("text", "code")
ID_SHAPE_TYPED = ID_SHAPE.removesuffix("[0-9X]") + "[0-9Xx]"  # ID_SHAPE as typed: a lower-case x too


@dataclass(frozen=True)
class Units:
    """The units register as the unit column resolves against it (registers.unit_register)."""

    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # institute_id → folded name → unit_code
    spans: dict[tuple[str, str], tuple[int | None, int | None]] = field(default_factory=dict)  # valid_from, valid_to


def key_text(value: str) -> str:
    """Python twin of the SQL th_key macro: how enum spellings and institute names are compared."""
    return unicodedata.normalize("NFKC", value).lower().replace(" ", "")


def _alias(expression: str) -> str:
    """The name a select-list expression is given (`… as "name"` or `… as name`)."""
    return re.search(r' as "?(\w+)"?$', expression).group(1)


def message(template: str) -> str:
    """'服务时长 {hours} 小时' → a SQL concat() quoting the parsed value of column hours."""
    parts = re.split(r"\{(\w+)\}", template)
    args = [sql_str(p) if i % 2 == 0 else f'cast("{p}" as varchar)' for i, p in enumerate(parts) if p]
    return f"concat({', '.join(args)})" if args else "''"


class Compiled:
    """The pieces of SQL one contract compiles to."""

    def __init__(self, contract: Contract, salt: str, today: date,
                 institutes: dict[str, tuple[str, str]] | None = None, institute_type: str | None = None,
                 units: Units | None = None):
        self.contract = contract
        self.salt, self.today = salt, today
        self.institutes = institutes or {}  # folded name, id or alias → (institute_id, province_code)
        self.units = units or Units()
        self.institute_type = institute_type  # the ENUM of the register's ids that institute_id is stored as
        self.cleaned: list[str] = []  # stage 1: x_<col> cleaned text
        self.parsed: list[str] = []  # stage 2: typed values
        self.expanded: list[str] = []  # stage 3: fields of parsed identifiers
        self.value_sql: dict[str, str] = {}  # column → SQL of its typed value over stage 1
        self.problems: list[tuple[str, str, str, str, str]] = []  # (when, code, column, zh, en) in order
        # Problems of a cell as such, looked for before a row is taken for a total row (its figures are
        # quoted in warnings): a NUL character, an ID number where none may be. They come first in
        # `problems` (the first `early` of them) and so are what a row with one is quarantined for.
        self.early: list[tuple[str, str, str, str, str]] = []
        self.keyed: list[str] = []  # stage 1b: working columns over the cleaned cells
        self.outputs: list[str] = []  # columns of raw.<dataset>, as named in the parsed rows
        self.renames: dict[str, str] = {}  # parsed name → name in raw.<dataset>
        self.rules: list[Rule] = list(contract.rules)  # the contract's rules and the warnings compiled here
        for column in contract.columns:
            self._compile(column)
        self.problems += portal_problems(contract)
        for rule in contract.rules:
            if rule.severity == "R":
                self.problems.append((f"({rule.when})", sql_str(rule.code), rule.column, message(rule.message_zh),
                                      message(rule.message_en)))
        self.problems[:0] = self.early

    def _problem(self, when: str, code: str, column: Column, zh: str, en: str) -> None:
        self.problems.append((when, sql_str(code), column.name, sql_str(zh), sql_str(en)))

    def _unparsed(self, c: Column, code: str, zh_tail: str, en_tail: str, when: str | None = None) -> None:
        """A cell that has a value which does not parse as its kind; the message quotes the cell."""
        x = f"x_{c.name}"
        quoted = f"concat('「', {x}, '」')"
        self.problems.append((when or f'{x} is not null and "{c.name}" is null', sql_str(code), c.name,
                              f"concat('「{{header}}」的值', {quoted}, {sql_str(zh_tail)})",
                              f"concat('column ''{{header}}'': ', {quoted}, {sql_str(' ' + en_tail)})"))

    def _compile(self, c: Column) -> None:
        n, x = c.name, f'x_{c.name}'
        clean = "th_text" if c.kind == "text" else "th_clean"
        self.cleaned.append(f'{clean}(l."{n}") as {x}')
        # NUL: kept, it would reach every export and cut the cell short in tools written in C. Looked for
        # only in the sheets that may hold one (_nul, see _stages).
        self.early.append((f"_nul and contains({x}, chr(0))", "'control_character'", n,
                           sql_str("「{header}」含空字符（NUL，U+0000）：文件可能已损坏或导出有误，请检查原文件后重新报送"),
                           sql_str("column '{header}' holds a NUL character (U+0000): the file may be damaged or "
                                   "badly exported; check the original and send it again")))
        if c.required:
            self._problem(f"{x} is null", "missing_value", c, "「{header}」为空，此列必填",
                          "column '{header}' is empty; it is required")
        raw_quote = f"concat('「', {x}, '」')"
        kind = c.kind
        if kind in LOST_DIGITS_KINDS:
            # The literal 'E+' first: a string search, where a regular expression on every cell cost
            # ~0.5 CPU-s a column at 1e7 rows (a CASE condition's AND stops at its first false).
            self._unparsed(c, "number_lost_digits", LOST_DIGITS_ZH, LOST_DIGITS_EN,
                           when=f"contains({x}, 'E+') and regexp_full_match({x}, {sql_str(LOST_DIGITS)})")
        if kind != "institute":
            self.outputs.append(n)
        if kind in TEXT_KINDS:
            self._id_hashed(c)
        elif kind == "count":
            pattern = COUNT_QUALIFIED if c.qualifier else COUNT_EXACT
            value = (f"case when regexp_full_match({x}, '-?[0-9]+') then try_cast({x} as bigint) "
                     f"else try_cast(nullif(regexp_extract({x}, {sql_str(pattern)}, 2), '') as bigint) end")
            self.parsed.append(f'{value} as "{n}"')
            if c.qualifier:
                qualified = f"regexp_extract({x}, {sql_str(pattern)}, 1) <> '' or regexp_extract({x}, {sql_str(pattern)}, 3) <> ''"
                self.parsed.append(f'case when {x} is not null and ({qualified}) then \'≥\' end as "{c.qualifier}"')
                self.outputs.append(c.qualifier)
            not_int = f"{x} is not null and \"{n}\" is null and th_number({x}) is not null"
            self._id_problem(c, f'{x} is not null and ("{n}" is null or abs("{n}") >= 1e14)')
            self._unparsed(c, "not_integer", "不是整数", "is not a whole number", when=not_int)
            self._unparsed(c, "bad_number", "不是数量" + ("，可写作“20余”" if c.qualifier else "，应为确切的整数"),
                           "is not a count")
            self._problem(f'"{n}" < 0', "negative_count", c, "「{header}」不能为负数", "column '{header}' must not be negative")
        elif kind == "decimal":
            # Each sub-expression written once: DuckDB hoists a repeated one out of coalesce/case and then
            # evaluates it for every row, which undoes the lazy fallbacks.
            value = f"coalesce(try_cast({x} as double), try_cast(nullif(regexp_extract({x}, {sql_str(DECIMAL)}, 1), '') as double))"
            self.parsed.append(f'{value} as "{n}"')
            self._id_problem(c, f'{x} is not null and ("{n}" is null or not isfinite("{n}") or abs("{n}") >= 1e14)')
            self._unparsed(c, "bad_number", "不是数字", "is not a number",
                           when=f'{x} is not null and ("{n}" is null or not isfinite("{n}"))')
        elif kind == "year":
            value = f"try_cast(nullif(regexp_extract({x}, '^(\\d{{4}})(?:\\.0+)?\\s*(?:年度|年)?$', 1), '') as integer)"
            self.parsed.append(f'{value} as "{n}"')
            self._id_problem(c)
            self._unparsed(c, "bad_year", "不是四位年份", "is not a four-digit year",
                           when=f'{x} is not null and ("{n}" is null or "{n}" < 1900)')
            if c.not_future:
                self.problems.append((f'"{n}" > {self.today.year}', "'future_year'", n,
                                      f"concat('年份 ', \"{n}\", ' 晚于今年')", f"concat('year ', \"{n}\", ' is in the future')"))
        elif kind == "date":
            value = (f"coalesce(try_cast({x} as date), "
                     f"try_cast(regexp_replace({x}, {sql_str(DATE_PARTS)}, '\\1-\\2-\\3') as date), "
                     f"case when regexp_full_match({x}, '\\d{{8}}') then try_strptime({x}, '%Y%m%d')::date end, "
                     f"case when regexp_full_match({x}, '[1-9][0-9]{{4}}(\\.[0-9]+)?') "  # an Excel serial
                     f"then date '1899-12-30' + cast(floor(cast({x} as double)) as integer) end)")
            self.parsed.append(f'{value} as "{n}"')
            self._id_problem(c)
            self._unparsed(c, "bad_date", "不是可识别的日期（如 2023-05-05 或 2023年5月5日）",
                           "is not a date (e.g. 2023-05-05)")
            if c.not_future:
                self.problems.append((f'"{n}" > date \'{self.today.isoformat()}\'', "'future_date'", n,
                                      f"concat('日期 ', \"{n}\", ' 晚于今天')", f"concat('date ', \"{n}\", ' is in the future')"))
        elif kind == "institute":
            # A CASE over the register's few dozen names rather than a join.
            def lookup(field: int) -> str:
                typed = f"::{self.institute_type}" if field == 0 and self.institute_type else ""
                cases = " ".join(f"when {sql_str(k)} then {sql_str(v[field])}{typed}" for k, v in self.institutes.items())
                return f"case l.k_{n} {cases} end" if cases else "null::varchar"
            self.parsed.append(f'{lookup(0)} as "{n}"')
            self.parsed.append(f"{lookup(1)} as {n}_province")
            self.outputs.append(n)
            self.renames[n] = "institute_id"
            self._id_problem(c)
            self.problems.append((f'{x} is not null and "{n}" is null', "'unknown_institute'", n,
                                  f"concat('单位', {raw_quote}, '不在机构名录中')",
                                  f"concat('institute ', {raw_quote}, ' is not in the institute register')"))
        elif kind == "enum":
            cases = " ".join(f"when {sql_str(key_text(k))} then {sql_str(v)}" for k, v in c.values.items())
            self.value_sql[n] = f"case th_fold({x}) {cases} end"
            self.parsed.append(f'{self.value_sql[n]} as "{n}"')
            self._id_problem(c)
            allowed = "、".join(dict.fromkeys(k for k in c.values if not k.isascii()))
            self._unparsed(c, f"unknown_{n}", f"不是可识别的取值（可用：{allowed}）",
                           f"is not one of: {', '.join(sorted(set(c.values.values())))}")
        elif kind == "ip_number":
            self.parsed.append(f"th_ip({x}, {self.value_sql[c.depends_on]}) as {n}_parsed")
            self.expanded.append(f'{n}_parsed.number as "{n}"')
            self.expanded.append(f"{n}_parsed.kind as ip_kind")
            self.expanded.append(f"{n}_parsed.filing_year as filing_year")
            self.outputs += ["ip_kind", "filing_year"]
            self._id_problem(c, f"{n}_parsed.code is not null")
            self.problems.append((f"{n}_parsed.code is not null", f"{n}_parsed.code", n, f"{n}_parsed.zh", f"{n}_parsed.en"))
        elif kind == "std_number":
            self.parsed.append(f"th_std({x}) as {n}_parsed")
            self.expanded.append(f'{n}_parsed.number as "{n}"')
            for part in ("level", "province_code", "year", "two_digit_year"):
                self.expanded.append(f"{n}_parsed.{part} as std_{part}")
            self.outputs += ["std_level", "std_province_code", "std_year"]
            self._id_problem(c, f"{n}_parsed.code is not null")
            self.problems.append((f"{n}_parsed.code is not null", f"{n}_parsed.code", n, f"{n}_parsed.zh", f"{n}_parsed.en"))
        elif kind == "person_id":
            self._person(c)
        elif kind == "unit":
            self._unit(c)
        elif kind == "reference":
            self._reference(c)
        elif kind == "doi":
            doi = f"lower(regexp_replace({x}, {sql_str(DOI_PREFIX)}, '', 'i'))"
            self.parsed.append(f'case when regexp_full_match({doi}, {sql_str(DOI)}) then {doi} end as "{n}"')
            self._id_problem(c)
            self._unparsed(c, "bad_doi", "不是 DOI（应形如 10.1000/xyz123）", "is not a DOI (e.g. 10.1000/xyz123)")

    def _unit(self, c: Column) -> None:
        """A unit of the row's institute, by code, name or alias (the units register) → its unit_code. A CASE
        on the institute, then one on the cell's folded text among that institute's units, rather than a
        join: the register is a few hundred rows, and a CASE is evaluated only for the rows that reach it —
        none when the column is absent or empty, as it is in most large files."""
        n, x, institute = c.name, f"x_{c.name}", f'"{self.contract.institute_column}"'
        arms = " ".join(f"when {sql_str(i)} then case th_fold({x}) "
                        + " ".join(f"when {sql_str(k)} then {sql_str(code)}" for k, code in sorted(keys.items())) + " end"
                        for i, keys in sorted(self.units.codes.items()))
        lookup = f"case when {x} is null then null else case cast({institute} as varchar) {arms} end end" if arms \
            else "null::varchar"
        self.expanded.append(f'{lookup} as "{n}"')  # after the institute is parsed
        self.renames[n] = "unit_code"
        self._id_problem(c)
        quoted = f"concat('「', {x}, '」')"
        self.problems.append((f'{x} is not null and "{n}" is null and {institute} is not null', "'unknown_unit'", n,
                              f"concat('部门', {quoted}, '不是 ', {institute}, ' 的内设机构：请先把它登记到内设机构名录"
                              f"（units：部门代码、名称或简称）')",
                              f"concat('unit ''', {x}, ''' is not a unit of ', {institute}, ' in the units register: "
                              f"add it to the units register (内设机构名录: code, name or alias) first')"))
        if self.contract.reporting_year:
            # A unit that was not there in the row's year (valid_from–valid_to): kept, with a warning.
            column, year = self.contract.reporting_year
            spans = " ".join(f"when {sql_str(i + '|' + code)} then ({year}) not between {lo or 0} and {hi or 9999}"
                             for (i, code), (lo, hi) in sorted(self.units.spans.items()) if lo or hi)
            when = (f'case when "{n}" is null then false else case concat(cast({institute} as varchar), \'|\', "{n}") '
                    f"{spans} end end") if spans else "false"
            self.rules.append(Rule("unit_not_valid_in_year", n, when,
                                   f"部门「{{{n}}}」在该行的年度（{{{column}}}）尚未设立或已撤销（见内设机构名录的设立年份、撤销年份）",
                                   f"unit '{{{n}}}' did not exist in the row's year ({{{column}}}; see valid_from and valid_to in "
                                   "the units register)", severity="W"))

    def _reference(self, c: Column) -> None:
        """What an award was given for: a standard, patent or software number, normalised as raw.standards
        and raw.ip_items hold them (so that the marts can link the two), and its kind in <prefix>_kind; a
        text that is none of them is kept as typed, with a warning. An ID number quarantines the row, as in
        the cells of other identifier kinds."""
        n, x = c.name, f"x_{c.name}"
        kind = n.removesuffix("_ref") + "_kind"
        self.parsed.append(f"th_ref({x}) as {n}_parsed")
        self.expanded.append(f'coalesce({n}_parsed.number, {x}) as "{n}"')
        self.expanded.append(f"{n}_parsed.kind as {kind}")
        self.outputs.append(kind)
        self._id_problem(c, f"{x} is not null and {n}_parsed.kind is null")
        self.rules.append(Rule("unlinked_reference", n, f'"{n}" is not null and {kind} is null',
                               f"「{{{n}}}」不是可识别的标准号、专利申请号或软件著作权登记号：按原文保留，无法与本单位的标准、专利关联",
                               f"'{{{n}}}' is no standard, patent or software registration number: kept as typed, "
                               "it cannot be linked to the institute's standards or patents", severity="W"))

    def _id_hashed(self, c: Column) -> None:
        """A text cell is kept with any ID number in it replaced by its person key, and a warning says so."""
        n, x = c.name, f"x_{c.name}"
        self.parsed.append(f'th_id_hashed({x}, {sql_str(self.salt)}) as "{n}"')
        # Read from the accepted rows, when any text cell was hashed (IDS_HASHED): cheaper than a column of flags.
        hashed = f"case when contains(\"{n}\", 'pid_') then regexp_matches(\"{n}\", 'pid_[0-9a-f]{{24}}') else false end"
        self.rules.append(Rule(ID_HASHED_WARNING, n, hashed,
                               f"「{c.aliases[0]}」中的身份证号已替换为其人员标识（pid_…），号码本身不保存",
                               f"the ID number in {n} was replaced by its person key (pid_…); the number is not kept",
                               severity="W"))

    def _id_problem(self, c: Column, failed: str | None = None) -> None:
        """An ID number in a cell that is not text cannot be hashed: the row is quarantined, the number
        masked in the message. Looked for only where the cell did not parse (`failed`, by default: no
        value) — an ID number never parses as a date, a year or a name, and as a number it is ≥ 1e14. A
        person key there is the ID number a stored upload held (sql_functions.PERSON_KEY): the same problem."""
        x = f"x_{c.name}"
        failed = failed or f'{x} is not null and "{c.name}" is null'
        self.early.append((f"{failed} and th_id_or_key_in({x})", "'id_number'", c.name,
                           f"concat('「{{header}}」的值「', th_id_mask({x}), '」含身份证号，此列不能填写身份证号（号码已遮盖）')",
                           f"concat('column ''{{header}}'': ''', th_id_mask({x}), ''' holds a resident ID number, "
                           "which this column must not hold (the number is masked)')"))

    def _person(self, c: Column) -> None:
        """A person column: an ID number however typed becomes its person key (identifiers.person_key). The
        18 characters as usually sent take one regular expression and a hash; other cells long enough to be
        one are written as an ID number would be (th_id_compact, marked "~"), and hashed when they are 18
        characters of its shape or a 15-digit legacy number; Python looks only at what is left and may hold
        one (th_maybe_id). A cell typed so costs about 1 µs (one core) more than one of the plain form."""
        n, x, i, salt = c.name, f"x_{c.name}", f"i_{c.name}", sql_str(self.salt)
        # ID_SHAPE_TYPED is 18 ASCII characters: strlen first spares most cells the regular expression
        # (~0.35 CPU-s at 1e7 rows of other person codes).
        self.keyed.append(f"case when strlen({x}) = 18 and regexp_full_match({x}, '{ID_SHAPE_TYPED}') then upper({x}) "
                          f"when strlen({x}) >= 15 then '~' || th_id_compact({x}) end as {i}")
        self.parsed.append(
            f"case when {i} is null then {x} when not prefix({i}, '~') then th_person_hash({i}, {salt}) "
            f"when regexp_full_match({i}, '~{ID_SHAPE}') then th_person_hash(substr({i}, 2), {salt}) "
            f"when th_legacy_id(substr({i}, 2)) then th_person_hash(th_legacy_id_18(substr({i}, 2)), {salt}) "
            f'when th_maybe_id({x}) then th_person({x}, {salt}) else {x} end as "{n}"')

    def _stages(self, landing: str, provenance: str, carried: str = "", nul: str = "true") -> str:
        """The CTEs both passes share: cleaned cells (x_), folded keys (k_), whether a row is blank or a
        total row, the parsed values, and the fields of parsed identifiers (`expanded`). `carried`: more
        columns of the landing relation to keep (", l._status"). `nul`: SQL over a landed row, whether
        its sheet may hold a NUL character (load._nul_sql: a CSV file without a NUL byte skips the check
        of its cells, five string searches a row)."""
        c = self.contract
        # A row that names only its institute is blank too: a submission template comes with the institute
        # filled in on its first row, and an office that types its rows below that one leaves it so.
        blank = " and ".join(f"x_{col.name} is null" for col in c.columns if col.kind != "institute")
        # list_contains, not IN: DuckDB plans a long IN list as a join
        words = f"[{', '.join(sql_str(w) for w in TOTAL_WORDS)}]"
        summary = " or ".join(f"list_contains({words}, k_{n})" for n in self._label_columns)
        return f"""
            with cleaned as (
                select l._ord{carried}, {provenance}, {nul} as _nul,
                       {', '.join(f'l."{col.name}" as r_{col.name}' for col in c.columns)},
                       {', '.join(self.cleaned)}
                from {landing} l
            ), keyed as (
                select *, {', '.join([*(f"th_fold(x_{n}) as k_{n}" for n in self._keyed), *self.keyed])} from cleaned
            ), parsed as (
                select l.*, ({blank}) as _blank, coalesce({summary}, false) as _summary,
                       {', '.join(self.parsed)}
                from keyed l
            ), expanded as (
                select *{''.join(', ' + e for e in self.expanded)} from parsed
            )"""

    @property
    def _label_columns(self) -> list[str]:
        c = self.contract
        return [col.name for col in c.columns if col.kind in ("institute", "year")][:2] or [c.columns[0].name]

    @property
    def _keyed(self) -> list[str]:
        return sorted(set(self._label_columns) | {col.name for col in self.contract.columns if col.kind == "institute"})

    def checked_query(self, landing: str, provenance: str, status: bool = False, nul: str = "true") -> str:
        """The landed rows, parsed, with their provenance and their first problem (or null), described:
        code, column, messages, and the cells as submitted (_original, ID numbers masked). With `status`,
        the landing relation is landed_again's: each row's problem is the one its _status names."""
        c = self.contract
        described = [f"{{'code': {code}, 'column': {sql_str(column)}, 'zh': {zh}, 'en': {en}}}"
                     for _, code, column, zh, en in self.problems]
        if status:
            problem = f"case _status {' '.join(f'when {FIRST_PROBLEM + k} then {d}' for k, d in enumerate(described))} end"
        else:
            arms = [f"when {when} then {d}" for (when, *_), d in zip(self.problems, described, strict=True)]
            early = len(self.early)
            problem = (f"case when _blank then null {' '.join(arms[:early])} when _summary then null "
                       f"{' '.join(arms[early:])} end")
        scratch = ([f"x_{col.name}" for col in c.columns] + [f"k_{n}" for n in self._keyed]
                   + [_alias(e) for e in self.keyed])
        raw = [f"r_{col.name}" for col in c.columns]
        original = self.original_json("r_{}")
        return f"""
            {self._stages(landing, provenance, ", l._status" if status else "", nul)}
            select * exclude ({', '.join(raw)}),
                   case when _problem is not null then {original} end as _original
            from (
                select * exclude ({', '.join(scratch)}), {problem} as _problem
                from expanded
            )
        """

    def status_query(self, landing: str, provenance: str, provenance_columns: list[str], nul: str = "true") -> str:
        """The parsing pass over every row: the output columns, their provenance, the working columns
        warning rules read, and a one-byte `_status` — null for a good row, STATUS_BLANK, STATUS_TOTAL,
        or FIRST_PROBLEM + the index of the row's first problem. Only a row with a problem keeps its
        landed cells (`_raw`, read back by landed_again), for checked_query to describe in a
        second pass over those few rows: messages and originals cost nothing for the good ones."""
        assert FIRST_PROBLEM + len(self.problems) < FIRST_LATER_STATUS, "too many problems for a one-byte status"
        arms = [f"when {when} then {FIRST_PROBLEM + k}" for k, (when, *_) in enumerate(self.problems)]
        early = len(self.early)
        # JSON text rather than a struct: a null varchar costs almost nothing to store, while each field
        # of a struct is a column of its own, null or not (docs/benchmarks-history.md). No ID number in it: the
        # column is dropped, but DuckDB does not wipe the blocks it was stored in. ID numbers are masked
        # (the second pass takes each row's problem from its status, so masking changes no outcome), and
        # a person column keeps its key.
        raw = ", ".join(["'_ord': _ord", *(f"'{col.name}': " + (f'"{col.name}"' if col.kind == "person_id" else
                                                                f"th_id_masked(r_{col.name})")
                                           for col in self.contract.columns)])
        columns = ", ".join(f'"{n}"' for n in [*self.outputs, *provenance_columns, *self.warning_columns])
        return f"""
            {self._stages(landing, provenance, nul=nul)}
            select {columns}, _status, case when _status >= {FIRST_PROBLEM} then to_json({{{raw}}})::varchar end as _raw
            from (
                select *, (case when _blank then {STATUS_BLANK} {' '.join(arms[:early])} when _summary then {STATUS_TOTAL}
                                {' '.join(arms[early:])} end)::utinyint as _status
                from expanded
            )
        """

    def landed_again(self, staged: str) -> str:
        """The landed cells that status_query kept for the rows with a problem, shaped like the landing
        relation again (_ord and every contract column as text), with their _status."""
        shape = ", ".join(['"_ord": "BIGINT"', *(f'"{col.name}": "VARCHAR"' for col in self.contract.columns)])
        return (f"select _status, unnest(from_json(_raw, {sql_str('{' + shape + '}')})) from {staged} "
                f"where _status >= {FIRST_PROBLEM}")

    @property
    def warning_columns(self) -> list[str]:
        """Working columns (parsed, not loaded) that warning rules or total checks read after the
        parsing pass, e.g. a standard's province beside the institute's."""
        texts = [f"{r.when} {r.message_zh} {r.message_en}" for r in self.rules if r.severity == "W"]
        texts += self.contract.total_columns
        names = [_alias(e) for e in self.parsed + self.expanded]
        return [n for n in dict.fromkeys(names) if n not in self.outputs
                and any(re.search(rf"\b{re.escape(n)}\b", t) for t in texts)]

    def original_json(self, raw: str, parsed: str = '"{}"', sheet: str = "source_sheet", mask: bool = True) -> str:
        """The cells as submitted (`raw` formats a column name into its SQL), for quarantined rows; a person
        column only ever as its key (the parsed column), ID numbers elsewhere masked (`mask`; parsed values
        hold none). The workbook reader (calamine) gives a date cell
        with a time of day, 2020-03-18 00:00:00: in a row from a workbook (`sheet`, the SQL of the row's
        sheet name; a CSV row has none) a date column's cell of that form shows as the date, as Excel
        shows it. Only quarantined rows pay for this (in the reader, for every cell, it cost ~15 % of a
        2e5-row workbook's read)."""
        def cell(col) -> str:
            if col.kind == "person_id":
                return parsed.format(col.name)
            text = raw.format(col.name)
            if col.kind == "date":
                text = f"cast({text} as varchar)"  # text as landed, or a duplicate's parsed date
                text = f"if({sheet} <> '', regexp_replace({text}, '^(\\d{{4}}-\\d{{2}}-\\d{{2}}) 00:00:00$', '\\1'), {text})"
            return f"th_id_masked({text})" if mask else text

        cells = ", ".join(f"'{col.name}': {cell(col)}" for col in self.contract.columns)
        shown = f"to_json({{{cells}}})"
        # An empty unit cell is no part of what was submitted (the row counts for the institute only, and
        # most files have no unit column): left out rather than shown as an empty cell on every row.
        for col in self.contract.columns:
            if col.kind == "unit":
                shown = (f"case when {raw.format(col.name)} is null "
                         f"then json_merge_patch({shown}, '{{\"{col.name}\": null}}') else {shown} end")
        return f"{shown}::varchar"

    def warning_queries(self, checked: str) -> list[tuple[Rule, str]]:
        """One query per warning rule: the accepted rows that break it, with the messages. A query per
        rule (rather than a list per row) keeps the common case — no warning — one cheap filter."""
        queries = []
        for rule in self.rules:
            if rule.severity == "W":
                queries.append((rule, f"""
                    select * from (
                        select _ord, source_file, source_sheet, source_row, file_sha256,
                               {message(rule.message_zh)} as zh, {message(rule.message_en)} as en,
                               coalesce({rule.when}, false) as _hit
                        from {checked}
                    ) where _hit
                """))
        return queries
