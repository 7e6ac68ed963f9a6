"""Unit tests for pipelines.identifiers, over the forms submitters actually type."""

from __future__ import annotations

import re

import pytest

from pipelines.id_numbers import hash_person_id, is_id_card_number
from pipelines.identifiers import (
    IdentifierError,
    IpNumber,
    StandardNumber,
    parse_ip_number,
    parse_standard_number,
    patent_check_char,
)

# ---------------------------------------------------------------------------------------------
# patent_check_char
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("201911044411", "X"),  # ZL201911044411.X, a granted patent
        ("201710601862", "3"),
        ("202010123456", "2"),
        ("201820123456", "0"),
        ("98123456", "9"),  # pre-2003 8-digit number
        ("02100001", "8"),
        ("97312345", "1"),
    ],
)
def test_patent_check_char(digits, expected):
    assert patent_check_char(digits) == expected


@pytest.mark.parametrize(
    "digits", ["", "2019110444", "2019110444111", "20191104441X", "９８１２３４５６", "abc"]
)
def test_patent_check_char_rejects_other_lengths_and_non_digits(digits):
    with pytest.raises(IdentifierError) as caught:
        patent_check_char(digits)
    assert caught.value.code == "patent_number_format"


# ---------------------------------------------------------------------------------------------
# parse_ip_number
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "ip_type", "expected"),
    [
        ("ZL201911044411.X", "invention", IpNumber("201911044411.X", "invention", 2019)),
        ("zl201911044411.x", "invention", IpNumber("201911044411.X", "invention", 2019)),
        ("ZL 2019 1 1044411.X", "invention", IpNumber("201911044411.X", "invention", 2019)),
        ("ＺＬ２０１９１１０４４４１１．Ｘ", "invention", IpNumber("201911044411.X", "invention", 2019)),
        ("CN201911044411X", "invention", IpNumber("201911044411.X", "invention", 2019)),
        ("201710601862.3", "invention", IpNumber("201710601862.3", "invention", 2017)),
        ("2017106018623", "invention", IpNumber("201710601862.3", "invention", 2017)),
        (" 201820123456.0 ", "utility", IpNumber("201820123456.0", "utility", 2018)),
        ("ZL202130012345.X", "design", IpNumber("202130012345.X", "design", 2021)),
        ("201880001234.4", "invention", IpNumber("201880001234.4", "pct_invention", 2018)),
        ("201990012345.5", "utility", IpNumber("201990012345.5", "pct_utility", 2019)),
        ("98123456.9", "invention", IpNumber("98123456.9", "invention", 1998)),
        ("ZL85112345.7", "invention", IpNumber("85112345.7", "invention", 1985)),
        ("02100001.8", "invention", IpNumber("02100001.8", "invention", 2002)),
        ("01812345.7", "invention", IpNumber("01812345.7", "pct_invention", 2001)),
        ("97312345.1", "design", IpNumber("97312345.1", "design", 1997)),
        ("ZL201911044411.X", " Invention ", IpNumber("201911044411.X", "invention", 2019)),
    ],
)
def test_parse_patent_number(raw, ip_type, expected):
    assert parse_ip_number(raw, ip_type) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019SR0123456", IpNumber("2019SR0123456", "software", 2019)),
        ("2019sr0123456", IpNumber("2019SR0123456", "software", 2019)),
        ("2019 SR 0123456", IpNumber("2019SR0123456", "software", 2019)),
        ("２０１９ＳＲ０１２３４５６", IpNumber("2019SR0123456", "software", 2019)),
        ("2012SR012345", IpNumber("2012SR012345", "software", 2012)),
    ],
)
def test_parse_software_number(raw, expected):
    assert parse_ip_number(raw, "software") == expected


def _raises(func, *args) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        func(*args)
    return caught.value


@pytest.mark.parametrize(
    ("raw", "ip_type", "code"),
    [
        ("", "invention", "patent_number_format"),
        ("   ", "utility", "patent_number_format"),
        ("", "software", "software_number_format"),
        ("201911044411", "invention", "patent_number_format"),  # check character missing
        ("98123456", "invention", "patent_number_format"),
        ("ZL2019110444.X", "invention", "patent_number_format"),
        ("CN110123456A", "invention", "patent_number_format"),  # publication number, not application
        ("ZL201911044411.Y", "invention", "patent_number_format"),
        ("201950012345.3", "invention", "patent_number_format"),  # type digit 5 does not exist
        ("97512345.9", "invention", "patent_number_format"),
        ("202010123456.7", "invention", "patent_check_char"),
        ("98123456.7", "invention", "patent_check_char"),
        ("ZL201911044411.1", "invention", "patent_check_char"),
        ("201820123456.0", "invention", "ip_type_mismatch"),
        ("ZL201911044411.X", "utility", "ip_type_mismatch"),
        ("201880001234.4", "design", "ip_type_mismatch"),
        ("ZL201911044411.X", "software", "ip_type_mismatch"),
        ("201911044411", "software", "ip_type_mismatch"),
        ("2019SR0123456", "invention", "ip_type_mismatch"),
        ("软著登字第1234567号", "software", "software_number_format"),
        ("2019SR01234", "software", "software_number_format"),
        ("19SR0123456", "software", "software_number_format"),
        ("2019SR01234567", "software", "software_number_format"),
        ("ZL201911044411.X", "trademark", "ip_type_unknown"),
    ],
)
def test_parse_ip_number_errors(raw, ip_type, code):
    assert _raises(parse_ip_number, raw, ip_type).code == code


def test_wrong_check_char_message_quotes_number_and_expected_char():
    error = _raises(parse_ip_number, "202010123456.7", "invention")
    assert error.message_zh == "专利申请号 202010123456.7 的校验位应为 2，而不是 7"
    assert error.message_en == "patent application number 202010123456.7: check character should be 2, not 7"
    assert str(error) == error.message_en


def test_missing_check_char_message_says_so_and_suggests_full_number():
    error = _raises(parse_ip_number, "ZL201911044411", "invention")
    assert "ZL201911044411" in error.message_zh and "缺少校验位" in error.message_zh
    assert "missing" in error.message_en and "201911044411.X" in error.message_en


def test_type_mismatch_message_names_both_types():
    error = _raises(parse_ip_number, "201820123456.0", "invention")
    assert "201820123456.0" in error.message_zh
    assert "实用新型" in error.message_zh and "发明专利" in error.message_zh
    assert "utility model" in error.message_en and "invention patent" in error.message_en


def test_software_format_message_shows_expected_form_and_certificate_hint():
    error = _raises(parse_ip_number, "软著登字第1234567号", "software")
    for message in (error.message_zh, error.message_en):
        assert "软著登字第1234567号" in message
        assert "2019SR0123456" in message


# ---------------------------------------------------------------------------------------------
# parse_standard_number
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number", "prefix", "level", "province_code", "year", "two_digit_year"),
    [
        ("GB/T 1.1-2020", "GB/T 1.1-2020", "GB/T", "national", None, 2020, False),
        ("GB/T 1.1—2020", "GB/T 1.1-2020", "GB/T", "national", None, 2020, False),
        ("GB/T 1.1–2020", "GB/T 1.1-2020", "GB/T", "national", None, 2020, False),
        ("ＧＢ／Ｔ　１．１－２０２０", "GB/T 1.1-2020", "GB/T", "national", None, 2020, False),
        ("gb/t1.1-2020", "GB/T 1.1-2020", "GB/T", "national", None, 2020, False),
        ("GB / T  1.1 - 2020", "GB/T 1.1-2020", "GB/T", "national", None, 2020, False),
        ("GB 4943.1-2011", "GB 4943.1-2011", "GB", "national", None, 2011, False),
        ("GB/Z 20000.1-2018", "GB/Z 20000.1-2018", "GB/Z", "national", None, 2018, False),
        ("GB 1234-98", "GB 1234-1998", "GB", "national", None, 1998, True),
        ("GB/T 19001-16", "GB/T 19001-2016", "GB/T", "national", None, 2016, True),
        ("JJG 1036-2008", "JJG 1036-2008", "JJG", "metrology_national", None, 2008, False),
        ("JJF 1059.1-2012", "JJF 1059.1-2012", "JJF", "metrology_national", None, 2012, False),
        ("JJF1059.1‑2012", "JJF 1059.1-2012", "JJF", "metrology_national", None, 2012, False),
        ("JJF(闽) 1234-2020", "JJF(闽) 1234-2020", "JJF(闽)", "metrology_local", "35", 2020, False),
        ("JJF（浙）1234－2020", "JJF(浙) 1234-2020", "JJF(浙)", "metrology_local", "33", 2020, False),
        ("JJG (粤) 123-2019", "JJG(粤) 123-2019", "JJG(粤)", "metrology_local", "44", 2019, False),
        ("jjf(蜀)12-2021", "JJF(蜀) 12-2021", "JJF(蜀)", "metrology_local", "51", 2021, False),
        ("DB35/T 2091-2022", "DB35/T 2091-2022", "DB35/T", "local", "35", 2022, False),
        ("DB35/T2091—2022", "DB35/T 2091-2022", "DB35/T", "local", "35", 2022, False),
        ("db35/t 2091-2022", "DB35/T 2091-2022", "DB35/T", "local", "35", 2022, False),
        ("DB35 2091-2022", "DB35 2091-2022", "DB35", "local", "35", 2022, False),
        ("DB3501/T 005-2021", "DB3501/T 005-2021", "DB3501/T", "local", "35", 2021, False),
        ("DB3501 005-2021", "DB3501 005-2021", "DB3501", "local", "35", 2021, False),
        ("T/CAS 290-2017", "T/CAS 290-2017", "T/CAS", "group", None, 2017, False),
        ("T/CAS290-2017", "T/CAS 290-2017", "T/CAS", "group", None, 2017, False),
        ("t/fjas 001-2021", "T/FJAS 001-2021", "T/FJAS", "group", None, 2021, False),
        ("T/ZZB 0123-2016", "T/ZZB 0123-2016", "T/ZZB", "group", None, 2016, False),
        ("T/CSTM 00123-2020", "T/CSTM 00123-2020", "T/CSTM", "group", None, 2020, False),
        ("QB/T 1234-2019", "QB/T 1234-2019", "QB/T", "industry", None, 2019, False),
        ("SN/T 0001-1995", "SN/T 0001-1995", "SN/T", "industry", None, 1995, False),
        ("SN/T 0001-95", "SN/T 0001-1995", "SN/T", "industry", None, 1995, True),
        ("YY 0505-2012", "YY 0505-2012", "YY", "industry", None, 2012, False),
        ("RB/T 214-2017", "RB/T 214-2017", "RB/T", "industry", None, 2017, False),
        ("GA/Z 1234-2020", "GA/Z 1234-2020", "GA/Z", "industry", None, 2020, False),
    ],
)
def test_parse_standard_number(raw, number, prefix, level, province_code, year, two_digit_year):
    assert parse_standard_number(raw) == StandardNumber(
        number, prefix, level, province_code, year, two_digit_year
    )


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "Q/FJZJ 001-2020",  # enterprise standard
        "ISO 9001:2015",
        "ISO/IEC 17025-2017",
        "GB/T 1.1",  # no year
        "GB/T 1.1-",
        "GB/T 1.1-202",
        "DB/T 123-2020",  # DB without an area code
        "DB352091-2022",  # ambiguous: DB35 2091 or DB3520 91
        "DB99/T 123-2020",  # 99 is not a province
        "DB3/T 123-2020",
        "GB/X 1234-2020",
        "GBT 1.1-2020",
        "JJF(闽闽) 1234-2020",
        "JJF(港) 1234-2020",  # not in the province list
        "T/C 1-2020",  # group code too short
        "T/ 290-2017",
        "Q/T 1-2020",
    ],
)
def test_parse_standard_number_rejects(raw):
    error = _raises(parse_standard_number, raw)
    assert error.code == "std_number_unrecognised"
    if raw.strip():
        assert raw.strip() in error.message_zh and raw.strip() in error.message_en


def test_messages_quote_the_input_as_typed():
    error = _raises(parse_ip_number, "２０２０１０１２３４５６．７", "invention")
    assert error.message_zh == "专利申请号 ２０２０１０１２３４５６．７ 的校验位应为 2，而不是 7"
    error = _raises(parse_standard_number, " ＧＢ／Ｔ　１．１ ")
    assert "ＧＢ／Ｔ　１．１" in error.message_zh and "ＧＢ／Ｔ　１．１" in error.message_en


def test_unrecognised_standard_message_lists_accepted_forms():
    error = _raises(parse_standard_number, "Q/FJZJ 001-2020")
    for form in ("GB/T 1.1-2020", "DB35/T 2091-2022", "T/CAS 290-2017", "JJF(闽) 1234-2020"):
        assert form in error.message_zh and form in error.message_en


def test_unknown_province_abbreviation_is_named():
    error = _raises(parse_standard_number, "JJF(港) 1234-2020")
    assert "港" in error.message_zh and "港" in error.message_en


# ---------------------------------------------------------------------------------------------
# is_id_card_number / hash_person_id — synthetic IDs only, never a real person's
# ---------------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def synthetic_id(region: str = "350102", birth: str = "19900101", sequence: str = "123") -> str:
    body = region + birth + sequence
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def _synthetic_id_with_x_check() -> str:
    for sequence in range(1000):
        candidate = synthetic_id(sequence=f"{sequence:03d}")
        if candidate.endswith("X"):
            return candidate
    raise AssertionError("no sequence gives an X check")


ID_DIGIT_CHECK = synthetic_id()
ID_X_CHECK = _synthetic_id_with_x_check()


def _wrong_check(valid_id: str) -> str:
    return valid_id[:17] + ("0" if valid_id[17] != "0" else "1")


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def test_synthetic_ids_have_expected_shape():
    assert ID_DIGIT_CHECK.startswith("35010219900101123") and len(ID_DIGIT_CHECK) == 18
    assert ID_X_CHECK.endswith("X")


@pytest.mark.parametrize(
    "raw",
    [
        ID_DIGIT_CHECK,
        f"  {ID_DIGIT_CHECK}  ",
        ID_X_CHECK,
        ID_X_CHECK.lower(),
        _full_width(ID_X_CHECK),
        synthetic_id("110101", "20000229", "001"),
        ID_DIGIT_CHECK[:6] + " " + ID_DIGIT_CHECK[6:],  # typed with a space (tests/unit/test_id_numbers.py)
        ID_DIGIT_CHECK[:6] + ID_DIGIT_CHECK[8:17],  # the 15-digit legacy form
    ],
)
def test_is_id_card_number_accepts(raw):
    assert is_id_card_number(raw) is True


@pytest.mark.parametrize(
    "raw",
    [
        "",
        _wrong_check(ID_DIGIT_CHECK),
        _wrong_check(ID_X_CHECK),
        ID_DIGIT_CHECK[:17],
        ID_DIGIT_CHECK + "0",
        ID_DIGIT_CHECK[:15],  # 15 digits whose "birth date" 199001 is none
        "X" + ID_DIGIT_CHECK[1:],
        ID_DIGIT_CHECK[:6] + "X" + ID_DIGIT_CHECK[6:],
        synthetic_id("200101"),  # no region starts with 20: a number beginning with a year
    ],
)
def test_is_id_card_number_rejects(raw):
    assert is_id_card_number(raw) is False


def test_hash_person_id_is_stable_across_case_and_width():
    expected = hash_person_id(ID_X_CHECK, "salt-a")
    assert re.fullmatch(r"pid_[0-9a-f]{24}", expected)
    for variant in (ID_X_CHECK.lower(), _full_width(ID_X_CHECK), f" {ID_X_CHECK}\t"):
        assert hash_person_id(variant, "salt-a") == expected


def test_hash_person_id_depends_on_salt_and_person():
    assert hash_person_id(ID_DIGIT_CHECK, "salt-a") != hash_person_id(ID_DIGIT_CHECK, "salt-b")
    assert hash_person_id(ID_DIGIT_CHECK, "salt-a") != hash_person_id(ID_X_CHECK, "salt-a")


def test_hash_person_id_matches_documented_recipe():
    import hashlib

    expected = "pid_" + hashlib.sha256(("s" + ID_X_CHECK).encode()).hexdigest()[:24]
    assert hash_person_id(ID_X_CHECK.lower(), "s") == expected


def test_hash_person_id_refuses_empty_id():
    assert _raises(hash_person_id, "  ", "salt").code == "person_id_empty"


def test_unknown_type_digit_message_names_position_and_digit():
    error = _raises(parse_ip_number, "201950012345.3", "invention")
    assert "201950012345.3" in error.message_zh and "第 5 位" in error.message_zh
    assert "digit 5 (patent type) is 5" in error.message_en
