"""The portal folder: where the dashboard's submission portal writes the accepted version of each
(institute, dataset, year) — data/raw/<dataset>/portal/<institute id>/<year>.<ext> — and what the ingest
makes of it. Such a file is the whole of that institute-year for that dataset: the refresh reads the
institute-year from it alone and sets aside the same institute-year's rows in the dataset's other
files (the e-mailed "drop folder" files), so that a resubmission that leaves a row out really removes it
and nothing is counted twice. Every row in it must be of its institute and year (validate.py's portal
problems): the upload check, which runs the ingest on the file as if it stood there, and the refresh give
the same verdicts.

A register submitted whole (Contract.whole_register: the units register) stands for its institute, not for an
institute-year: the institute's latest-year portal file is its whole register, and its rows in every other
file of the dataset — the drop folder's, and its own earlier portal files — are set aside (`latest`). Its
rows have no year, so only a row of another institute is out of place in it."""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.contracts import Contract
from pipelines.errors import FileError

FOLDER = "portal"
_PATH = re.compile(r"^(?P<dataset>[^/]+)/portal/(?P<institute>[A-Za-z0-9_-]+)/(?P<year>[12][0-9]{3})\.(?:csv|xlsx|xls|ods)$")


@dataclass(frozen=True)
class PortalFile:
    institute_id: str
    year: int


def portal_path(dataset: str, institute_id: str, year: int, suffix: str) -> str:
    """Where, relative to data/raw/, the accepted submission of an institute-year is kept."""
    path = f"{dataset}/{FOLDER}/{institute_id}/{year}{suffix.lower()}"
    assert _PATH.match(path), path
    return path


def in_portal(rel: str) -> bool:
    parts = rel.split("/")
    return len(parts) > 2 and parts[1] == FOLDER


def portal_file(rel: str) -> PortalFile | None:
    """The institute-year a file under the portal folder stands for; None for any other file. A file in
    the portal folder that is not named as the portal names them is refused: nobody but the portal
    writes there, and what it stands for must not be guessed."""
    if not in_portal(rel):
        return None
    match = _PATH.match(rel)
    if not match:
        raise FileError(rel, "portal 文件夹只存放在线报送系统写入的文件（<机构代码>/<年度>.xlsx 等），此文件不符合",
                        "the portal folder holds only the files the submission portal writes "
                        "(<institute id>/<year>.xlsx and the like); this one is not one of them",
                        "请把它移到数据集文件夹本身（data/raw/<数据集>/），或通过在线报送提交",
                        "move it to the dataset folder itself (data/raw/<dataset>/), or submit it through the portal")
    return PortalFile(match["institute"], int(match["year"]))


def coverage(rels: list[str]) -> dict[tuple[str, int], str]:
    """(institute id, year) → the portal file that is the whole of it, for a dataset's files. Two
    portal files of one institute-year (2024.csv beside 2024.xlsx) are refused: which is current cannot
    be told from the files."""
    covered: dict[tuple[str, int], str] = {}
    for rel in rels:
        found = portal_file(rel)
        if found is None:
            continue
        key = (found.institute_id, found.year)
        if key in covered:
            raise FileError(rel, f"与 {covered[key]} 是同一单位同一年度的报送，只能保留一个",
                            f"it is the same institute and year as {covered[key]}: only one may be kept",
                            "请删除旧的那个（在线报送系统每次只写一个）",
                            "delete the older one (the portal writes only one at a time)")
        covered[key] = rel
    return covered


def latest(rels: list[str]) -> dict[str, str]:
    """Institute id → its latest-year portal file, for a register submitted whole."""
    found: dict[str, tuple[int, str]] = {}
    for (institute_id, year), rel in coverage(rels).items():
        if year > found.get(institute_id, (0, ""))[0]:
            found[institute_id] = (year, rel)
    return {institute_id: rel for institute_id, (_, rel) in found.items()}


def portal_problems(contract: Contract) -> list[tuple[str, str, str, str, str]]:
    """A portal file is one institute's submission for one year: a row of another institute or of another
    year is quarantined. As validate.py's problems — (when, code, column, zh, en), SQL over a parsed row
    whose provenance has _portal_institute and _portal_year (landing.py: nulls for a drop-folder file,
    constants that cost nothing)."""
    if not contract.submitted:
        return []
    institute = contract.institute_column
    problems = [
        (f'_portal_institute is not null and cast("{institute}" as varchar) <> _portal_institute',
         "'not_this_institute'", institute,
         f"concat('该行的单位是 ', \"{institute}\", '，本次报送的单位是 ', _portal_institute, '：只能报送本单位的数据')",
         f"concat('the row is of ', \"{institute}\", ', but this is the submission of ', _portal_institute, "
         "': a submission holds its own institute''s rows only')"),
    ]
    if not contract.reporting_year:  # a register submitted whole: its rows have no year
        return problems
    column, year = contract.reporting_year
    return [
        *problems,
        (f"_portal_year is not null and ({year}) <> _portal_year", "'not_this_year'", column,
         f"concat('该行属于 ', {year}, ' 年（按「{{header}}」），本次报送的是 ', _portal_year, ' 年的数据')",
         f"concat('the row counts for ', {year}, ' (by ''{{header}}''), but this is the submission for ', _portal_year)"),
    ]
