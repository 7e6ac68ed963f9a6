"""Identifiers found in institute submissions: patent application numbers, software copyright
registration numbers and standard numbers (personal ID numbers: pipelines/id_numbers.py).

Pure functions, no I/O. Each parser takes the text as the submitter typed it (full-width characters,
spaces, ZL/CN prefixes, odd dashes) and returns a normalised value, or raises IdentifierError whose
code is a quarantine reason code and whose messages tell the analyst what is wrong in Chinese and
English.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


class IdentifierError(ValueError):
    def __init__(self, code: str, message_zh: str, message_en: str):
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class IpNumber:
    number: str  # canonical form: "201911044411.X", "98123456.7", "2019SR0123456"
    kind: str  # invention | utility | design | pct_invention | pct_utility | software
    filing_year: int | None  # from the number (patents: application year; software: registration year)


@dataclass(frozen=True)
class StandardNumber:
    number: str  # canonical form, e.g. "GB/T 1.1-2020", "DB35/T 2091-2022", "JJF(闽) 1234-2020"
    prefix: str  # e.g. "GB/T", "DB35/T", "T/CAS", "JJF(闽)"
    level: str  # national | industry | local | group | metrology_national | metrology_local
    province_code: str | None  # two digits for local standards and local metrology specs, else None
    year: int  # four-digit year of the number
    two_digit_year: bool  # the number had a two-digit year (e.g. "GB 1234-98")


# ---------------------------------------------------------------------------------------------
# Common cleaning
# ---------------------------------------------------------------------------------------------

# NFKC already folds the full-width hyphen (－); the others survive NFKC and are typed by Word/WPS
# auto-correct or copied from PDFs. U+2212 (minus sign) is added because PDFs of standards use it too.
DASHES = str.maketrans(dict.fromkeys("—–－‐‑―−", "-"))


def _clean(raw: str | None) -> str:
    """NFKC (full-width → half-width), strip, and unify dashes to "-"."""
    if raw is None:
        return ""
    return unicodedata.normalize("NFKC", str(raw)).strip().translate(DASHES)


def _as_typed(raw: str | None) -> str:
    """The input as the submitter typed it (only stripped), for quoting in messages so the analyst
    can search the source sheet for it."""
    return "" if raw is None else str(raw).strip()


def _compact(raw: str | None) -> str:
    """Cleaned, upper-cased, with every space removed: for identifiers that never contain spaces."""
    return re.sub(r"\s+", "", _clean(raw)).upper()


# ---------------------------------------------------------------------------------------------
# Patent application numbers and software copyright registration numbers
# ---------------------------------------------------------------------------------------------

_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)

# Type digit of the application number (5th of 12 digits, 3rd of 8 digits).
_PATENT_KIND_BY_TYPE_DIGIT = {
    "1": "invention",
    "2": "utility",
    "3": "design",
    "8": "pct_invention",
    "9": "pct_utility",
}
_KINDS_ACCEPTED_FOR_IP_TYPE = {
    "invention": {"invention", "pct_invention"},
    "utility": {"utility", "pct_utility"},
    "design": {"design"},
}
_IP_TYPES = ("invention", "utility", "design", "software")
_KIND_NAMES_ZH = {
    "invention": "发明专利",
    "utility": "实用新型",
    "design": "外观设计",
    "pct_invention": "PCT 发明专利",
    "pct_utility": "PCT 实用新型",
    "software": "软件著作权",
}
_KIND_NAMES_EN = {
    "invention": "invention patent",
    "utility": "utility model",
    "design": "design patent",
    "pct_invention": "PCT invention patent",
    "pct_utility": "PCT utility model",
    "software": "software copyright",
}

# Applied to _compact() text. The 12-digit body is tried first, so 13 bare digits read as 12 + check.
_PATENT_RE = re.compile(r"(?:ZL|CN)?(?P<body>[0-9]{12}|[0-9]{8})(?:\.?(?P<check>[0-9X]))?")
_SOFTWARE_RE = re.compile(r"(?P<year>[0-9]{4})SR(?P<serial>[0-9]{6,7})")

_PATENT_FORM_ZH = "应为 12 位数字 + 校验位（2003 年起，如 ZL201911044411.X）或 8 位数字 + 校验位（2003 年前，如 98123456.9）"
_PATENT_FORM_EN = (
    "expected 12 digits + check character (2003 on, e.g. ZL201911044411.X) "
    "or 8 digits + check character (before 2003, e.g. 98123456.9)"
)
_SOFTWARE_FORM_ZH = (
    "应形如 2019SR0123456（4 位年份 + SR + 6 或 7 位流水号）；证书号（如 软著登字第1234567号）不是登记号"
)
_SOFTWARE_FORM_EN = (
    "expected a form like 2019SR0123456 (4-digit year + SR + 6 or 7 digits); "
    "a certificate number such as 软著登字第1234567号 is not the registration number"
)


def patent_check_char(digits: str) -> str:
    """Check character of a Chinese patent application number (12 or 8 digits, without the check)."""
    if not isinstance(digits, str) or not re.fullmatch(r"[0-9]{12}|[0-9]{8}", digits):
        raise IdentifierError(
            "patent_number_format",
            f"专利申请号主体 {digits} {_PATENT_FORM_ZH}",
            f"patent application number body {digits}: {_PATENT_FORM_EN}",
        )
    # 8-digit (pre-2003) numbers use the first 8 weights.
    weights = _PATENT_WEIGHTS[: len(digits)]
    remainder = sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def parse_ip_number(raw: str, ip_type: str) -> IpNumber:
    """Patent application number or software registration number, checked against ip_type
    (invention | utility | design | software)."""
    ip_type_key = _clean(ip_type).lower()
    if ip_type_key not in _IP_TYPES:
        raise IdentifierError(
            "ip_type_unknown",
            f"知识产权类型 {ip_type} 无法识别，应为 invention、utility、design 或 software 之一",
            f"IP type {ip_type}: expected one of invention, utility, design, software",
        )
    shown = _as_typed(raw)
    text = _compact(raw)
    patent = _PATENT_RE.fullmatch(text)
    software = _SOFTWARE_RE.fullmatch(text)

    if ip_type_key == "software":
        if patent:
            raise IdentifierError(
                "ip_type_mismatch",
                f"{shown} 是专利申请号，但填报类型为软件著作权",
                f"{shown} is a patent application number, but the IP type is software copyright",
            )
        if not software:
            raise IdentifierError(
                "software_number_format",
                f"软件著作权登记号 {shown or '为空'}：{_SOFTWARE_FORM_ZH}",
                f"software copyright registration number {shown or '(empty)'}: {_SOFTWARE_FORM_EN}",
            )
        year = software["year"]
        return IpNumber(f"{year}SR{software['serial']}", "software", int(year))

    if software:
        raise IdentifierError(
            "ip_type_mismatch",
            f"{shown} 是软件著作权登记号，但填报类型为{_KIND_NAMES_ZH[ip_type_key]}",
            f"{shown} is a software copyright registration number, but the IP type is "
            f"{_KIND_NAMES_EN[ip_type_key]}",
        )
    if not patent:
        raise IdentifierError(
            "patent_number_format",
            f"专利申请号 {shown or '为空'}：{_PATENT_FORM_ZH}",
            f"patent application number {shown or '(empty)'}: {_PATENT_FORM_EN}",
        )
    return _checked_patent(shown, patent["body"], patent["check"], ip_type_key)


def _checked_patent(shown: str, body: str, check: str | None, ip_type: str) -> IpNumber:
    expected_check = patent_check_char(body)
    if check is None:
        raise IdentifierError(
            "patent_number_format",
            f"专利申请号 {shown} 缺少校验位（小数点后的 1 位数字或 X），完整号码应为 {body}.{expected_check}",
            f"patent application number {shown}: the check character (the digit or X after the dot) "
            f"is missing; the full number would be {body}.{expected_check}",
        )
    if check != expected_check:
        raise IdentifierError(
            "patent_check_char",
            f"专利申请号 {shown} 的校验位应为 {expected_check}，而不是 {check}",
            f"patent application number {shown}: check character should be {expected_check}, not {check}",
        )

    is_modern = len(body) == 12
    type_position = 5 if is_modern else 3
    type_digit = body[type_position - 1]
    kind = _PATENT_KIND_BY_TYPE_DIGIT.get(type_digit)
    if kind is None:
        raise IdentifierError(
            "patent_number_format",
            f"专利申请号 {shown} 的第 {type_position} 位（专利类型）是 {type_digit}，"
            "应为 1 发明、2 实用新型、3 外观设计、8 PCT 发明或 9 PCT 实用新型",
            f"patent application number {shown}: digit {type_position} (patent type) is {type_digit}; "
            "expected 1 invention, 2 utility model, 3 design, 8 PCT invention or 9 PCT utility model",
        )
    if kind not in _KINDS_ACCEPTED_FOR_IP_TYPE[ip_type]:
        raise IdentifierError(
            "ip_type_mismatch",
            f"专利申请号 {shown} 的类型位 {type_digit} 表示{_KIND_NAMES_ZH[kind]}，"
            f"但填报类型为{_KIND_NAMES_ZH[ip_type]}",
            f"patent application number {shown}: type digit {type_digit} means {_KIND_NAMES_EN[kind]}, "
            f"but the IP type is {_KIND_NAMES_EN[ip_type]}",
        )

    if is_modern:
        filing_year = int(body[:4])
    else:
        yy = int(body[:2])
        # 8-digit numbers were issued 1985–2002, so low two-digit years belong to the 2000s.
        filing_year = 1900 + yy if yy >= 85 else 2000 + yy
    return IpNumber(f"{body}.{check}", kind, filing_year)


# ---------------------------------------------------------------------------------------------
# Standard numbers
# ---------------------------------------------------------------------------------------------

# One-character province abbreviations used in local metrology specs, e.g. JJF(闽).
_PROVINCE_CODE_BY_ABBREVIATION = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15",
    "辽": "21", "吉": "22", "黑": "23",
    "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37",
    "豫": "41", "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46",
    "渝": "50", "川": "51", "蜀": "51", "贵": "52", "黔": "52", "云": "53", "滇": "53", "藏": "54",
    "陕": "61", "秦": "61", "甘": "62", "陇": "62", "青": "63", "宁": "64", "新": "65",
}  # fmt: skip
_PROVINCE_CODES = frozenset(_PROVINCE_CODE_BY_ABBREVIATION.values())

# Number (with optional dot parts such as 1.1 or 4943.1), then "-" and a 4- or 2-digit year.
# The space between prefix and number is optional.
_STD_TAIL = r" ?(?P<serial>[0-9]+(?:\.[0-9]+)*)-(?P<year>[0-9]{4}|[0-9]{2})"

# (level, pattern) tried in order against the normalised text; every pattern captures "prefix".
_STANDARD_FORMS = (
    ("national", re.compile(r"(?P<prefix>GB(?:/[TZ])?)" + _STD_TAIL)),
    ("metrology_local", re.compile(r"(?P<prefix>JJ[GF]\((?P<abbreviation>[^()])\))" + _STD_TAIL)),
    ("metrology_national", re.compile(r"(?P<prefix>JJ[GF])" + _STD_TAIL)),
    # Without "/T" the area code must be followed by a space: "DB352091" could be DB35 2091 or DB3520 91.
    ("local", re.compile(r"(?P<prefix>DB(?P<area>[0-9]{2}|[0-9]{4})(?:/T|(?= )))" + _STD_TAIL)),
    # Group codes may contain digits, so a code written flush against the number must end in a letter
    # ("T/CAS290-2017" is T/CAS 290); otherwise a space must separate them.
    ("group", re.compile(r"(?P<prefix>T/(?:[A-Z0-9]{1,9}[A-Z]|[A-Z0-9]{2,10}(?= )))" + _STD_TAIL)),
    ("industry", re.compile(r"(?P<prefix>(?!GB|DB)[A-Z]{2}(?:/[TZ])?)" + _STD_TAIL)),
)

_STANDARD_FORMS_ZH = (
    "应为以下形式之一（须含年代号）：GB/T 1.1-2020、GB 4943.1-2011、JJF 1059.1-2012、"
    "JJF(闽) 1234-2020、DB35/T 2091-2022、DB3501/T 005-2021、T/CAS 290-2017、QB/T 1234-2019；"
    "企业标准（Q/…）和 ISO/IEC 等国际标准不在此列"
)
_STANDARD_FORMS_EN = (
    "expected one of these forms, with the year: GB/T 1.1-2020, GB 4943.1-2011, JJF 1059.1-2012, "
    "JJF(闽) 1234-2020, DB35/T 2091-2022, DB3501/T 005-2021, T/CAS 290-2017, QB/T 1234-2019; "
    "enterprise standards (Q/...) and ISO/IEC numbers are not accepted"
)


def _normalise_standard_text(raw: str | None) -> str:
    text = _clean(raw).upper()  # upper() leaves the Chinese province abbreviation untouched
    text = re.sub(r"\s+", " ", text)
    # Spaces around separators are typing noise: "GB / T 1.1 - 2020", "JJF (闽) 1234".
    return re.sub(r" ?([/()\-]) ?", r"\1", text)


def _four_digit_year(year: str) -> int:
    if len(year) == 4:
        return int(year)
    yy = int(year)
    return 1900 + yy if yy >= 50 else 2000 + yy


def _match_standard_form(text: str) -> tuple[str, re.Match[str] | None]:
    for level, pattern in _STANDARD_FORMS:
        match = pattern.fullmatch(text)
        if match:
            return level, match
    return "", None


def parse_standard_number(raw: str) -> StandardNumber:
    shown = _as_typed(raw)
    text = _normalise_standard_text(raw)
    level, match = _match_standard_form(text)
    if match is None:
        raise IdentifierError(
            "std_number_unrecognised",
            f"标准号 {shown or '为空'} 无法识别：{_STANDARD_FORMS_ZH}",
            f"standard number {shown or '(empty)'} not recognised: {_STANDARD_FORMS_EN}",
        )

    prefix = match["prefix"]
    province_code = None
    if level == "metrology_local":
        abbreviation = match["abbreviation"]
        province_code = _PROVINCE_CODE_BY_ABBREVIATION.get(abbreviation)
        if province_code is None:
            raise IdentifierError(
                "std_number_unrecognised",
                f"标准号 {shown} 中的省份简称 {abbreviation} 无法识别，应为 闽、浙、粤 等一字简称",
                f"standard number {shown}: province abbreviation {abbreviation} is not recognised; "
                "expected a one-character abbreviation such as 闽, 浙, 粤",
            )
    elif level == "local":
        province_code = match["area"][:2]
        if province_code not in _PROVINCE_CODES:
            raise IdentifierError(
                "std_number_unrecognised",
                f"标准号 {shown} 中的地区代码 {match['area']} 不是省级行政区代码（应为 11–65 之间的有效代码，如 DB35）",
                f"standard number {shown}: area code {match['area']} does not start with a province code "
                "(expected a valid code between 11 and 65, e.g. DB35)",
            )

    year_text = match["year"]
    year = _four_digit_year(year_text)
    return StandardNumber(
        number=f"{prefix} {match['serial']}-{year}",
        prefix=prefix,
        level=level,
        province_code=province_code,
        year=year,
        two_digit_year=len(year_text) == 2,
    )


# ---------------------------------------------------------------------------------------------
# What an award was given for
# ---------------------------------------------------------------------------------------------

def parse_reference(raw: str) -> tuple[str, str] | None:
    """(normalised number, kind) of a reference to what an award was given for: a standard number
    ('standard'), a patent application number ('patent') or a software registration number ('software');
    None when the text is none of them. A standard number is tried first: no standard number is also a
    patent or software number. A patent number says its own type (its type digit), so each patent type
    is tried in turn; one that fails its check character is no patent number."""
    try:
        return parse_standard_number(raw).number, "standard"
    except IdentifierError:
        pass
    for ip_type in _IP_TYPES:
        try:
            number = parse_ip_number(raw, ip_type)
        except IdentifierError as e:
            if e.code == "ip_type_mismatch":
                continue
            if ip_type != "software" and _SOFTWARE_RE.fullmatch(_compact(raw)) is None:
                return None  # a malformed patent number, or not one at all: no other type reads it either
            continue
        return number.number, "software" if number.kind == "software" else "patent"
    return None
