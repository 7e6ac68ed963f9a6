"""The SQL functions and macros the ingest's queries call (th_clean, th_key, th_ip, th_std, th_id_*…),
registered on the ingest's DuckDB connection: cell cleaning as macros, identifier parsing (patent,
software and standard numbers, an award's reference to one: pipelines/identifiers.py; personal ID
numbers: pipelines/id_numbers.py) as Python functions DuckDB calls on the few cells that need them."""
from __future__ import annotations

import re
import threading

import duckdb
from duckdb.sqltypes import BOOLEAN, INTEGER, VARCHAR

from pipelines.id_numbers import (
    ID_CANDIDATE_PATTERN,
    ID_PREFIXES,
    ID_QUOTES,
    ID_REGION_PREFIXES,
    find_id_numbers,
    hash_ids,
    mask_ids,
    person_key,
)
from pipelines.identifiers import IdentifierError, parse_ip_number, parse_reference, parse_standard_number

_FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000\u00a0\u2014\u2013\u2212\u200b\ufeff"
_HALF = "".join(chr(c) for c in range(0x21, 0x7F)) + "  ---"
_WIDE_CLASS = "[\uff01-\uff5e\u3000\u00a0\u2014\u2013\u2212\u200b\ufeff]"


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    # Cleaning runs on every cell, so each step is skipped when it has nothing to do: trim() only when
    # a cell starts or ends with a space; translate() (which walks its whole mapping per character) only
    # when a non-ASCII cell has a full-width character (strlen = length means plain ASCII).
    con.execute("create or replace macro th_trim(s) as nullif(case when prefix(s, ' ') or suffix(s, ' ') "
                "then trim(s) else s end, '')")
    con.execute(f"create or replace macro th_clean(s) as th_trim(case when strlen(s) = length(s) then s "
                f"when regexp_matches(s, {sql_str(_WIDE_CLASS)}) then translate(s, {sql_str(_FULL)}, {sql_str(_HALF)}) "
                "else s end)")
    con.execute("create or replace macro th_text(s) as th_trim(case when strlen(s) = length(s) then s "
                "when contains(s, '\u3000') or contains(s, '\u00a0') then replace(replace(s, '\u3000', ' '), '\u00a0', ' ') "
                "else s end)")
    con.execute("create or replace macro th_fold(s) as lower(replace(s, ' ', ''))")  # s already cleaned
    con.execute("create or replace macro th_key(s) as th_fold(th_clean(s))")
    # every spelling an institute is known by: id, names and its aliases (、 ; , separated)
    con.execute("create or replace macro th_names(institute_id, name_zh, name_en, aliases) as "
                "[institute_id, name_zh, name_en] || coalesce(regexp_split_to_array(aliases, '[;；、,，]'), [])")
    con.execute("create or replace macro th_number(s) as case when isfinite(try_cast(s as double)) then try_cast(s as double) end")
    _register_id_functions(con)
    ip_type = duckdb.struct_type({"number": VARCHAR, "kind": VARCHAR, "filing_year": INTEGER, "code": VARCHAR,
                                  "zh": VARCHAR, "en": VARCHAR})
    std_type = duckdb.struct_type({"number": VARCHAR, "level": VARCHAR, "province_code": VARCHAR, "year": INTEGER,
                                   "two_digit_year": BOOLEAN, "code": VARCHAR, "zh": VARCHAR, "en": VARCHAR})
    con.create_function("th_ip", _ip_udf, [VARCHAR, VARCHAR], ip_type, side_effects=False)
    con.create_function("th_std", _std_udf, [VARCHAR], std_type, side_effects=False)
    ref_type = duckdb.struct_type({"number": VARCHAR, "kind": VARCHAR})
    con.create_function("th_ref", _ref_udf, [VARCHAR], ref_type, side_effects=False)


class Tally:
    """A count that threads add to (DuckDB calls Python functions from its threads)."""

    def __init__(self):
        self.count, self._lock = 0, threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.count += 1


# Text cells whose ID numbers th_id_hash replaced, in this process: when it has not moved during a
# dataset's parsing pass, the warning that says so is not looked for (a scan of every text cell kept).
IDS_HASHED = Tally()
ID_HASHED_WARNING = "id_number_hashed"  # the warning's reason code
# A person key in a cell as read: the ID number the cell held was replaced before the file was kept (an
# upload is stored so: pipelines/submissions/sanitize.py), and it counts as the ID number it was.
PERSON_KEY = re.compile("pid_[0-9a-f]{24}")


def _hash_ids_udf(text: str, salt: str) -> str:
    hashed = hash_ids(text, salt)
    if hashed != text or PERSON_KEY.search(text):  # replaced here, or in the stored copy of an upload
        IDS_HASHED.add()
    return hashed


def _register_id_functions(con: duckdb.DuckDBPyConnection) -> None:
    """ID numbers in cells (pipelines/identifiers.py). A text cell may hold one anywhere, so a cheap test
    comes first: at least 15 bytes and 15 characters, then a digit and 14 more digits or separators
    (th_maybe_id); only the rare cell that passes is searched, in Python (th_id_found, th_id_mask,
    th_id_hash). In a person column, where every cell may be one, the usual forms are hashed in SQL
    (see Compiled._person)."""
    con.execute("create or replace macro th_maybe_id(s) as case when strlen(s) < 15 then false "
                f"when length(s) < 15 then false else regexp_matches(s, {sql_str(ID_CANDIDATE_PATTERN)}) end")
    con.create_function("th_id_found", lambda s: bool(find_id_numbers(s)), [VARCHAR], BOOLEAN, side_effects=False)
    con.create_function("th_id_mask", mask_ids, [VARCHAR], VARCHAR, side_effects=False)
    con.create_function("th_id_hash", _hash_ids_udf, [VARCHAR, VARCHAR], VARCHAR, side_effects=False)
    con.create_function("th_person", person_key, [VARCHAR, VARCHAR], VARCHAR, side_effects=False)
    con.execute("create or replace macro th_id_in(s) as case when th_maybe_id(s) then th_id_found(s) else false end")
    con.execute("create or replace macro th_id_masked(s) as case when th_maybe_id(s) then th_id_mask(s) else s end")
    con.execute("create or replace macro th_id_hashed(s, salt) as case when th_maybe_id(s) or contains(s, 'pid_') "
                "then th_id_hash(s, salt) else s end")
    con.execute(f"create or replace macro th_id_or_key_in(s) as th_id_in(s) or (contains(s, 'pid_') "
                f"and regexp_matches(s, {sql_str(PERSON_KEY.pattern)}))")
    con.execute("create or replace macro th_person_hash(s, salt) as 'pid_' || left(sha256(salt || s), 24)")
    # A person cell as an ID number would be written (identifiers.compact_id, for cells th_clean cleaned).
    quotes = f"[{ID_QUOTES.replace(chr(39), chr(39) * 2)}]*"
    prefixes = "|".join(re.escape(p) for p in ID_PREFIXES).replace("'", "''")
    con.execute(f"create or replace macro th_id_compact(s) as regexp_replace(upper(s), "
                f"'^{quotes}(?:{prefixes})?\\s*[:：#]?\\s*{quotes}|[\\s\\-‐‑―]+', '', 'g')")
    # A 15-digit legacy ID number: region, then a birth date without the century (19); its 18-character
    # form puts the century back and adds the check character (identifiers.id_number).
    regions = ", ".join(sql_str(r) for r in sorted(ID_REGION_PREFIXES))
    con.execute("create or replace macro th_legacy_id(c) as regexp_full_match(c, '[0-9]{15}') "
                f"and list_contains([{regions}], left(c, 2)) and try_strptime('19' || substr(c, 7, 6), '%Y%m%d') is not null")
    digits = [f"substr(c, {k}, 1)::integer" for k in range(1, 16)]
    body = [*digits[:6], "1", "9", *digits[6:]]
    weighted = " + ".join(f"{w} * {d}" for w, d in zip((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), body, strict=True))
    con.execute(f"create or replace macro th_legacy_id_18(c) as left(c, 6) || '19' || substr(c, 7) || "
                f"substr('10X98765432', ({weighted}) % 11 + 1, 1)")


_NO_ERROR = {"code": None, "zh": None, "en": None}


def _error(e: IdentifierError, *fields: str) -> dict:
    return dict.fromkeys(fields) | {"code": e.code, "zh": e.message_zh, "en": e.message_en}


def _ip_udf(raw: str, ip_type: str) -> dict:
    try:
        n = parse_ip_number(raw, ip_type)
        return {"number": n.number, "kind": n.kind, "filing_year": n.filing_year} | _NO_ERROR
    except IdentifierError as e:
        return _error(e, "number", "kind", "filing_year")


def _ref_udf(raw: str) -> dict:
    found = parse_reference(raw)
    return {"number": found[0], "kind": found[1]} if found else {"number": None, "kind": None}


def _std_udf(raw: str) -> dict:
    try:
        s = parse_standard_number(raw)
        return {"number": s.number, "level": s.level, "province_code": s.province_code, "year": s.year,
                "two_digit_year": s.two_digit_year} | _NO_ERROR
    except IdentifierError as e:
        return _error(e, "number", "level", "province_code", "year", "two_digit_year")
