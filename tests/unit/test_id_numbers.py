"""ID numbers typed every way a submitter types them are found, hashed to the same person key and
masked; numbers that only look alike (unified social credit codes, contract and sample numbers) are
left alone. Property-based: Hypothesis generates the numbers and the ways of typing them; the SQL the
contracts compile to is held to the Python functions on the same cells. Synthetic numbers only."""
from __future__ import annotations

import hashlib
import re
from datetime import date

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.contracts import CONTRACTS
from pipelines.id_numbers import (
    ID_REGION_PREFIXES,
    ID_SHAPE,
    compact_id,
    find_id_numbers,
    hash_ids,
    hash_person_id,
    id_number,
    mask_id,
    mask_ids,
)
from pipelines.ingest.load import PROVENANCE
from pipelines.ingest.sql_functions import register_functions
from pipelines.ingest.validate import Compiled

# Deterministic: the same examples on every run and machine, no example database left behind.
checked = settings(derandomize=True, database=None, deadline=None, max_examples=300)
SALT = "test-salt"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(body: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


@st.composite
def people(draw, born_from=date(1900, 1, 1), born_to=date(2025, 6, 30)) -> tuple[str, str | None]:
    """(18-character ID number, its 15-digit legacy form or None when born after 1999)."""
    region = draw(st.sampled_from(sorted(ID_REGION_PREFIXES))) + draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    born = draw(st.dates(born_from, born_to))
    sequence = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    body = f"{region}{born:%Y%m%d}{sequence}"
    legacy = f"{region}{born:%y%m%d}{sequence}" if born.year < 2000 else None
    return body + check_char(body), legacy


SEPARATORS = st.sampled_from([" ", "  ", "-", " - ", "\t", "－", "—", "\u3000"])
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@st.composite
def split(draw, digits: str) -> str:
    """The digits with separators typed between some of them (groups as people write them: 6-8-4 …)."""
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=4)))
    parts = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    return "".join(part + (draw(SEPARATORS) if k < len(parts) - 1 else "") for k, part in enumerate(parts))


@st.composite
def typed(draw, number: str) -> str:
    """One way of typing an ID number into a cell of its own: spaces or dashes inside, full width, a
    lower-case x, Excel's apostrophe, a word before it, a tab, line break or spaces after it."""
    text = draw(split(number)) if draw(st.booleans()) else number
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    if draw(st.booleans()):
        text = text.replace("X", "x").replace("Ｘ", "ｘ")
    prefix = draw(st.sampled_from(["", "", "'", "ID:", "ID: ", "ID NO.", "身份证:", "身份证：", "身份证号码", "证件号码 ",
                                   "公民身份号码："]))
    suffix = draw(st.sampled_from(["", "", "\t", "\r", "\r\n", " ", "  "]))
    return draw(st.sampled_from(["", " "])) + prefix + text + suffix


@st.composite
def id_typed_any_way(draw) -> tuple[str, str]:
    """(a way of typing a person's ID number, the 18-character number): the 18 characters or the
    15-digit legacy form, typed any way."""
    number, legacy = draw(people())
    form = draw(st.sampled_from([number, legacy])) if legacy else number
    return draw(typed(form)), number


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Nd", "Cc")), max_size=12)


@st.composite
def id_in_text(draw) -> tuple[str, str, str]:
    """(free text with an ID number in it, the number as typed without separators, the 18-character
    number): after a date, a name, a label, between words; the neighbours are never digits."""
    number, legacy = draw(people())
    form = draw(st.sampled_from([number, legacy])) if legacy else number
    inner = draw(split(form)) if draw(st.booleans()) else form
    before = draw(st.sampled_from(["", "志愿者张三，身份证", "ID:", "2023-05-05 ", "第3组 ", "备注：", "No."])) + draw(TEXT)
    before = before if not before[-1:].isdigit() else before + " "
    after = draw(TEXT)
    return before + inner + after, form, number


def test_the_issue_examples():
    number = "330106197707077899"
    for cell in (number, f"'{number}", f"{number}\t", f"{number}\r", "330106 19770707 7899", "330106-19770707-7899",
                 f"ID:{number}", f"身份证:{number}", "330106770707789"):
        assert id_number(cell) == number, cell
        assert hash_person_id(cell, SALT) == hash_person_id(number, SALT)
    assert mask_ids(f"志愿者 {number} 参加") == "志愿者 3301**********7899 参加"


def test_the_hash_of_an_id_number_typed_plainly_is_the_documented_recipe_as_before():
    number = "11010519491231002X"
    assert hash_person_id(number, "s") == "pid_" + hashlib.sha256(("s" + number).encode()).hexdigest()[:24]


@checked
@given(id_typed_any_way())
def test_an_id_number_typed_any_way_is_the_number_and_hashes_as_it(case):
    cell, number = case
    assert id_number(cell) == number
    assert hash_person_id(cell, SALT) == hash_person_id(number, SALT) == \
        "pid_" + hashlib.sha256((SALT + number).encode()).hexdigest()[:24]


@checked
@given(id_in_text())
def test_an_id_number_in_free_text_is_found_masked_and_hashed(case):
    text, form, number = case
    assert [canonical for *_, canonical in find_id_numbers(text)] == [number]
    masked, hashed = mask_ids(text), hash_ids(text, SALT)
    for shown in (masked, hashed):
        assert form not in re.sub(r"[^0-9Xx]", "", shown.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    assert mask_id(form) in masked
    assert hash_person_id(number, SALT) in hashed


# ---------------------------------------------------------------------------------------------
# Numbers that are not ID numbers
# ---------------------------------------------------------------------------------------------

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: digits and letters but I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code
# Registration authority and organisation type (GB 32100 annex): 机构编制, 民政, 工商 …
USCC_TYPES = ["11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49", "51", "52",
              "53", "59", "61", "62", "69", "71", "72", "79", "81", "89", "91", "92", "93", "A1", "A9", "N1",
              "N2", "N3", "N9", "Y1"]
# Real county-level codes. A code ending in 19 or 20 (110119 延庆区) puts "19"/"20" where an ID number has
# its birth century, and an all-digit organisation code after it can then make a string that is both a
# valid credit code and a valid ID number (about 1 in 30 of those): it is taken for an ID number, as it
# must be, since which one it is cannot be told. Such codes are not drawn here.
COUNTIES = ["110101", "110105", "110108", "120101", "130102", "310101", "310115", "320102", "330102", "330106",
            "330206", "340103", "350102", "350203", "350503", "360102", "370102", "410105", "420106", "440106",
            "440305", "450103", "500103", "510104", "610113", "620102", "650102"]


@st.composite
def credit_codes(draw) -> str:
    """A unified social credit code (统一社会信用代码) of the standard's form, check characters right."""
    org_body = draw(st.text(st.sampled_from(ORG_CHARS), min_size=8, max_size=8))
    org_check = 11 - sum(ORG_CHARS.index(c) * w for c, w in zip(org_body, ORG_WEIGHTS, strict=True)) % 11
    org = org_body + {10: "X", 11: "0"}.get(org_check, str(org_check))
    body = draw(st.sampled_from(USCC_TYPES)) + draw(st.sampled_from(COUNTIES)) + org
    check = (31 - sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True)) % 31) % 31
    return body + USCC_CHARS[check]


@st.composite
def contract_and_sample_numbers(draw) -> str:
    """Contract and sample numbers as institutes write them: a year first, or letters first."""
    year = draw(st.integers(2000, 2026))
    day = draw(st.dates(date(2000, 1, 1), date(2026, 12, 31)))
    serial = draw(st.integers(0, 10**9))
    letters = draw(st.sampled_from(["HT", "YP", "SP", "JC", "WT", "ZJQS-HT-", "FJQI-YP-", "BG"]))
    return draw(st.sampled_from([
        f"{letters}{year}{serial:06d}", f"{year}-{letters}-{serial:05d}", f"{day:%Y%m%d}{serial:07d}",
        f"{day:%Y%m%d}{serial:010d}", f"{year}{serial:011d}", f"{year}{serial:014d}", f"{letters}{day:%Y%m%d}{serial:04d}",
        f"({year})闽质检合字第{serial:04d}号", f"{day:%Y%m%d}-{serial:03d}-{serial % 97:02d}",
        f"{year} {serial:011d}", f"{serial:020d}",
    ]))


@checked
@given(st.one_of(credit_codes(), contract_and_sample_numbers()), TEXT)
def test_credit_codes_contract_and_sample_numbers_are_no_id_numbers(number, text):
    assert id_number(number) is None
    for cell in (number, f"{text}{number}", f"合同编号：{number}；样品编号 {number}"):
        assert find_id_numbers(cell) == []
        assert mask_ids(cell) == cell and hash_ids(cell, SALT) == cell


def test_longer_numbers_and_wrong_checks_dates_or_regions_are_no_id_numbers():
    number = "330106197707077899"
    for cell in ("1" + number, number + "1", number[:17] + "0", "330106197702307899"[:17] + "X", "200106197707077899",
                 "330106770231789", "990106770707789", number[:15] + "-" + number[15:] + "5"):
        assert id_number(cell) is None and find_id_numbers(cell) == [], cell


# ---------------------------------------------------------------------------------------------
# The SQL the contracts compile to, held to the Python functions
# ---------------------------------------------------------------------------------------------

def th_text(text: str) -> str:
    """What the th_text macro makes of a text cell (full-width and no-break spaces folded, trimmed)."""
    return text.replace("\u3000", " ").replace("\u00a0", " ").strip(" ")


def parsed_volunteer_rows(cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(volunteer_id, activity) as the volunteer-hours contract parses each (volunteer id, activity) pair."""
    compiled = Compiled(CONTRACTS["volunteer_hours"], SALT, date(2025, 6, 30), {"fjqi": ("FJQI", "35")})
    con = duckdb.connect()
    register_functions(con)
    con.execute("create table landing (_ord bigint, institute varchar, unit varchar, activity varchar, date varchar, "
                "volunteer_id varchar, hours varchar)")
    con.executemany("insert into landing values (?, 'FJQI', null, ?, '2023-05-05', ?, '2')",
                    [(k, activity, person) for k, (person, activity) in enumerate(cells)])
    provenance = ("'f' as source_file, '' as source_sheet, l._ord as source_row, 'h' as file_sha256, "
                  "null::varchar as _portal_institute, null::integer as _portal_year")
    query = compiled.status_query("landing", provenance, PROVENANCE)
    return con.execute(f"select volunteer_id, activity from ({query}) order by source_row").fetchall()


@settings(derandomize=True, database=None, deadline=None, max_examples=25)
@given(st.lists(id_typed_any_way(), min_size=20, max_size=20), st.lists(id_in_text(), min_size=20, max_size=20))
def test_the_sql_hashes_as_python_does(people_typed, texts):
    """A person column hashes every form as hash_person_id does (most forms in SQL alone); a text column
    replaces an ID number in it by the same key."""
    cells = [(person, text) for (person, _), (text, _, _) in zip(people_typed, texts, strict=True)]
    parsed = parsed_volunteer_rows(cells)
    assert [p for p, _ in parsed] == [hash_person_id(number, SALT) for _, number in people_typed]
    assert [a for _, a in parsed] == [hash_ids(th_text(text), SALT) for text, _, _ in texts]


@settings(derandomize=True, database=None, deadline=None, max_examples=25)
@given(st.lists(st.one_of(credit_codes(), contract_and_sample_numbers()), min_size=20, max_size=20))
def test_the_sql_keeps_what_is_no_id_number(numbers):
    """Text keeps them, and so does a person column, but for 18 characters of an ID number's shape there
    (see the next test)."""
    persons = [number if not re.fullmatch(ID_SHAPE, compact_id(number)) else "V1" for number in numbers]
    parsed = parsed_volunteer_rows([(person, f"样品 {number}") for person, number in zip(persons, numbers, strict=True)])
    assert parsed == [(person, f"样品 {number}") for person, number in zip(persons, numbers, strict=True)]


def test_a_person_column_hashes_18_characters_of_the_shape_even_with_a_wrong_check():
    """A mistyped ID number is still a person's: in a person column it is hashed as typed, as before.
    Elsewhere only a valid one is taken for an ID number."""
    mistyped = "330106197707077898"
    assert id_number(mistyped) is None
    assert parsed_volunteer_rows([(mistyped, mistyped)]) == [(hash_person_id(mistyped, SALT), mistyped)]
