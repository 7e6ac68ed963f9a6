"""Personal ID numbers (resident identity card numbers, 15 and 18 characters, and the permits of the
same form): found in any text, checked, masked where shown (3301**********7899) and hashed with the
salt where stored (a person key, pid_…), so that no ID number leaves a submitted file as typed.

Pure functions, no I/O; the errors are identifiers.IdentifierError, whose code is a quarantine reason.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date

from pipelines.identifiers import DASHES, IdentifierError

# ---------------------------------------------------------------------------------------------
# Personal ID numbers
# ---------------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"  # ISO 7064 MOD 11-2, indexed by the weighted sum mod 11
# The first two digits of a resident ID number: a province-level code of GB/T 2260, or 71, 81, 82 and 83
# (Taiwan; the residence permits of Hong Kong, Macao and Taiwan residents use the same form). Foreigners'
# permanent residence ID numbers (2023 form) start with 9. Checking them keeps numbers that start with a
# year (sample numbers 2023…, contract numbers) from ever reading as ID numbers.
ID_REGION_PREFIXES = frozenset([
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83",
])
# What a person column hashes as an ID number (hash_person_id): 18 characters of its shape, a region prefix
# first — the check character and birth date not required, as a mistyped ID number is a person's still.
# RE2 and Python alike.
ID_SHAPE = "(?:" + "|".join(sorted(ID_REGION_PREFIXES)) + "|9[0-9])[0-9]{15}[0-9X]"
# Words an ID number is typed after in a cell of its own ("身份证:330106…", "ID: 330106…"), longest first.
ID_PREFIXES = ("公民身份号码", "身份证号码", "身份证号", "身份证", "证件号码", "证件号", "ID NO.", "ID NO", "ID")
ID_QUOTES = "'‘’`"  # a leading apostrophe is Excel's mark for "text", kept by some exports
_ID_PREFIX_RE = re.compile("^[" + ID_QUOTES + "]*(?:" + "|".join(re.escape(p) for p in ID_PREFIXES) + r")?\s*[:：#]?\s*["
                           + ID_QUOTES + "]*")
# In text, an ID number is a chain of digit groups (an X may close it) separated by at most three spaces,
# tabs or dashes, with no digit right before or after: "330106 19770707 7899", "ID:330106-1977…".
_ID_CHAIN_RE = re.compile(r"(?<![0-9])[0-9]+(?:[ \t\-]{1,3}[0-9]+)*(?:[ \t\-]{0,3}X)?(?![0-9])")
_ID_GROUP_RE = re.compile(r"[0-9]+|X")
_PERSON_KEY_RE = re.compile(r"pid_[0-9a-f]{24}")
# What may hold one, for a cheap test before find_id_numbers (RE2 and Python alike): a digit and 14 more
# digits or separators, half- or full-width, before folding (see _ID_FOLD). Looser than a chain of fifteen
# digits, and half as costly for DuckDB to compile, which it does for every use in a query.
ID_CANDIDATE_PATTERN = "[0-9０-９][0-9０-９ \t\\-－—–‐‑―−\u3000\u00a0]{14}"
# One character for one: full-width digits and X, full-width and no-break spaces, dashes; positions in the
# folded text are positions in the text.
_ID_FOLD = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "Ｘ": "X", "ｘ": "X", "x": "X",
                          "\u3000": " ", "\u00a0": " ", **dict.fromkeys("—–－‐‑―−", "-")})


def _normalise_id(raw: str | None) -> str:
    if raw is None:
        return ""
    return unicodedata.normalize("NFKC", str(raw)).strip().upper()


def id_check_char(body: str) -> str:
    """The check character of the 17 digits of an ID number."""
    return _ID_CHECK_CHARS[sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def _born_on_a_real_day(yyyymmdd: str) -> bool:
    try:
        return 1900 <= date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])).year <= 2099
    except ValueError:
        return False


def _canonical_id(digits: str) -> str | None:
    """The 18-character form of an ID number written as 18 characters or as a 15-digit legacy number
    (digits only, X last), or None when `digits` is not one: region prefix, birth date and, for 18
    characters, the check character must all be right."""
    if len(digits) == 18 and re.fullmatch(r"[0-9]{17}[0-9X]", digits):
        if ((digits[:2] in ID_REGION_PREFIXES or digits[0] == "9") and _born_on_a_real_day(digits[6:14])
                and id_check_char(digits[:17]) == digits[17]):
            return digits
    elif (len(digits) == 15 and re.fullmatch(r"[0-9]{15}", digits) and digits[:2] in ID_REGION_PREFIXES
          and _born_on_a_real_day("19" + digits[6:12])):
        body = digits[:6] + "19" + digits[6:]  # the legacy number had a two-digit year and no check character
        return body + id_check_char(body)
    return None


def compact_id(raw: str | None) -> str:
    """A cell as an ID number would be written if it is one: NFKC, upper case, without a leading apostrophe,
    an "ID:" or "身份证：" before it, or any space, tab, line break or dash."""
    text = _ID_PREFIX_RE.sub("", _normalise_id(raw).translate(DASHES))
    return re.sub(r"[\s\-]+", "", text)


def id_number(raw: str | None) -> str | None:
    """The 18-character form of the ID number the whole cell holds, however it was typed (see compact_id;
    a 15-digit legacy number is given its 18-character form), or None when the cell is not one."""
    return _canonical_id(compact_id(raw))


def is_id_card_number(raw: str) -> bool:
    """True when the cell is a resident ID number: 18 characters (17 digits and a check digit or X, the
    check right) or a 15-digit legacy number, with a region prefix and a real birth date (see id_number)."""
    return id_number(raw) is not None


def find_id_numbers(text: str | None) -> list[tuple[int, int, str, str]]:
    """The ID numbers in a text, left to right: (start, end, as typed without separators, 18-character
    form). Any run of digit groups in a chain that makes 15 or 18 characters is tried, so that
    "2023-05-05 330106197707077899" finds the ID number after the date; a longer number never holds one."""
    if not text:
        return []
    # a person key (pid_ and 24 hex digits) is not searched: its digits are not an ID number
    folded = _PERSON_KEY_RE.sub(lambda key: "_" * len(key.group()), text.translate(_ID_FOLD))
    found: list[tuple[int, int, str, str]] = []
    for chain in _ID_CHAIN_RE.finditer(folded):
        groups = [(chain.start() + g.start(), chain.start() + g.end(), g.group()) for g in _ID_GROUP_RE.finditer(chain.group())]
        for i in range(len(groups)):
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j][2]
                if len(digits) > 18:
                    break
                canonical = _canonical_id(digits) if len(digits) in (15, 18) else None
                if not canonical:
                    continue
                # Readings that overlap ("1 10000191201010 003": 15 digits, or 18) are one number: its
                # span covers them all, so that no digit of any is left, and an 18-character reading wins.
                start, end = groups[i][0], groups[j][1]
                if found and start < found[-1][1]:
                    first = found.pop()
                    start, end = first[0], max(end, first[1])
                    if len(first[2]) == 18 or len(digits) == 15:
                        digits, canonical = first[2], first[3]
                found.append((start, end, digits, canonical))
    return found


def mask_id(digits: str) -> str:
    """An ID number shown with all but its first and last four characters hidden: 3301**********7899."""
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def _replace_ids(text: str, replacement) -> str:
    found = find_id_numbers(text)
    if not found:
        return text
    parts, last = [], 0
    for start, end, digits, canonical in found:
        parts += [text[last:start], replacement(digits, canonical)]
        last = end
    return "".join(parts) + text[last:]


def mask_ids(text: str) -> str:
    """The text with every ID number in it masked (mask_id): for what is shown back to people."""
    return _replace_ids(text, lambda digits, _: mask_id(digits))


def hash_ids(text: str, salt: str) -> str:
    """The text with every ID number in it replaced by its person key (hash_person_id): for what is kept."""
    return _replace_ids(text, lambda _, canonical: _person_hash(canonical, salt))


def person_key(raw: str, salt: str) -> str:
    """A cell of a person column as it is kept: the person key of the ID number it is (hash_person_id),
    else the cell with any ID number in it replaced by its key, else the cell as it is (a volunteer code)."""
    compact = compact_id(raw)
    if re.fullmatch(ID_SHAPE, compact) or _canonical_id(compact):
        return hash_person_id(raw, salt)
    return hash_ids(raw, salt)


def _person_hash(text: str, salt: str) -> str:
    return "pid_" + hashlib.sha256((salt + text).encode("utf-8")).hexdigest()[:24]


def hash_person_id(raw: str, salt: str) -> str:
    """Pseudonymous key for a person: "pid_" + first 24 hex chars of sha256(salt + ID number). The ID
    number is taken in its 18-character form however it was typed (case, width, apostrophe, prefix,
    spaces or dashes, the 15-digit legacy form), so the same person gets the same key in every file; 18
    characters of its shape (ID_SHAPE) are hashed as they are even when the check character is wrong (a
    mistyped ID number is still one). Anything else is hashed as typed (width and case folded)."""
    compact = compact_id(raw)
    text = compact if re.fullmatch(ID_SHAPE, compact) else _canonical_id(compact) or _normalise_id(raw)
    if not text:
        # An empty ID would give every blank row the same key and merge them into one "person".
        raise IdentifierError(
            "person_id_empty",
            "身份证号为空，无法生成人员标识",
            "ID number is empty; cannot derive a person key",
        )
    return _person_hash(text, salt)
