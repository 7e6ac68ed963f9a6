"""Whose rows the data-quality marts' rows are (fct_quarantined_rows, fct_row_warnings, fct_source_files
carry an institute_id: what an institute's account may see of them). On the published demo, every file
an institute sent carries it, and so does every quarantined and warned row of it, the unknown institute
planted in an institute's file included; on a hand-made submission, a file of several institutes
carries none and each of its rows the institute its own cell names."""
from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from pipelines.contracts import CONTRACTS
from pipelines.refresh import refresh, transform
from tests.conftest import DataDir, write_csv
from tests.integration.test_refresh_arithmetic import write_submission

QUALITY_MARTS = ("fct_source_files", "fct_quarantined_rows", "fct_row_warnings")
# The datasets whose accepted rows are published one by one, with their file and institute.
RECORD_MARTS = {"project_counts": "fct_project_counts", "ip_items": "fct_ip_items", "standards": "fct_standards",
                "volunteer_hours": "fct_volunteer_records", "awards": "fct_awards", "papers": "fct_papers",
                "talent_titles": "fct_talent_titles"}


def connect(version) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for mart in (*QUALITY_MARTS, *RECORD_MARTS.values(), "fct_institute_metric_year"):
        con.execute(f"create view {mart} as select * from read_parquet('{version / (mart + '.parquet')}')")
    return con


def test_the_models_know_every_dataset_an_institute_sends():
    """int_quarantined_rows reads a rejected row's institute cell by the contract's column name (the key
    in original_values), and int_accepted_row_institutes lists the datasets: a new dataset with an
    institute column, or the column renamed, must be followed there."""
    columns = {d: [c.name for c in contract.columns if c.kind == "institute"] for d, contract in CONTRACTS.items()}
    assert columns.pop("institutes") == []
    assert all(names == ["institute"] for names in columns.values()), columns
    sql = (transform.DBT_PROJECT / "models" / "intermediate" / "int_accepted_row_institutes.sql").read_text()
    assert {d for d in CONTRACTS if f"ref('stg_raw__{d}')" in sql} == set(columns)


@pytest.fixture(scope="module")
def demo(published_demo):
    _, result = published_demo
    return connect(result.version)


def senders(con) -> dict[str, str]:
    """Each file of a record dataset with the institute its published records name — the institute
    that sent it, as the ingest resolved its accepted rows (not read from the new column)."""
    arms = " union all ".join(f"select source_file, institute_id from {mart}" for mart in RECORD_MARTS.values())
    found = con.execute(f"select source_file, list(distinct institute_id) from ({arms}) group by source_file").fetchall()
    assert all(len(institutes) == 1 for _, institutes in found), found  # the demo's institutes send their own files
    return {source_file: institutes[0] for source_file, institutes in found}


def test_a_file_one_institute_sent_carries_it_and_the_register_none(demo):
    sent = senders(demo)
    files = demo.execute("select source_file, dataset, institute_id from fct_source_files").fetchall()
    assert {f for f, dataset, _ in files if dataset in RECORD_MARTS} == set(sent)
    for source_file, dataset, institute in files:
        if dataset in RECORD_MARTS:
            assert institute == sent[source_file], source_file
        elif dataset == "units":  # the demo's units registers come one file per institute, as institutes send them
            assert institute is not None, source_file
        else:
            assert institute is None, source_file
    assert {dataset for _, dataset, institute in files if institute is None} == {"institutes", "staff", "targets"}
    # the staff figures and the targets come in one file each, for several institutes
    for dataset, column in (("staff", "staff_total"), ("targets", "target")):
        assert sum(1 for _, d, _ in files if d == dataset) == 1
        assert demo.execute(f"select count(distinct institute_id) from fct_institute_metric_year "
                            f"where {column} is not null").fetchone()[0] > 1


def test_every_quarantined_and_warned_row_of_an_institutes_file_carries_it(demo):
    sent = senders(demo)
    for mart in ("fct_quarantined_rows", "fct_row_warnings"):
        rows = demo.execute(f"select source_file, reason_code, institute_id from {mart}").fetchall()
        assert rows and all(source_file in sent for source_file, _, _ in rows), mart
        assert all(institute == sent[source_file] for source_file, _, institute in rows), rows
    # the demo's row of an institute not in the register, planted in 福建省质检院's project file
    unknown = demo.execute("select source_file, institute_id from fct_quarantined_rows "
                           "where reason_code = 'unknown_institute'").fetchall()
    assert unknown and all(institute == sent[source_file] for source_file, institute in unknown)


def test_the_rows_of_each_institute_add_up_to_its_files_counts(demo):
    for mart, count in (("fct_quarantined_rows", "rows_quarantined"), ("fct_row_warnings", "warnings")):
        rows = dict(demo.execute(f"select institute_id, count(*) from {mart} group by all").fetchall())
        files = dict(demo.execute(f"select institute_id, sum({count}) from fct_source_files group by all "
                                  f"having sum({count}) > 0").fetchall())
        assert rows == files, mart
        assert len(rows) > 1


@pytest.fixture(scope="module")
def several(tmp_path_factory):
    """The arithmetic test's submission — one staff file, one project file and one IP file for FJQI, FJSI
    and ZJQS (with a patent both FJQI and ZJQS list: a warning on each row) — plus rejected staff rows:
    each institute's spelled as the register spells it (full width, an alias), one of an institute not
    in the register and one without an institute."""
    data = DataDir(tmp_path_factory.mktemp("quality_institutes") / "data")
    write_submission(data)
    staff = data.raw / "staff" / "staff.csv"
    rejected = [["福建省标准化院", 2099, 80], ["ＦＪＱＩ", 2030, 200], ["浙江省质量科学研究院", 2024, -1],
                ["福建省某某检测所", 2024, 10], ["", 2024, 10]]
    lines = staff.read_text(encoding="utf-8").splitlines()
    write_csv(staff, [line.split(",") for line in lines] + rejected)
    result = refresh(data.settings, out=None)
    return connect(result.version), len(lines) + 1  # the first rejected row's number in the file


def test_a_file_of_several_institutes_carries_none_and_each_row_its_own(several):
    con, first = several
    assert set(con.execute("select source_file, institute_id from fct_source_files").fetchall()) == {
        ("institutes/register.csv", None), ("staff/staff.csv", None), ("project_counts/projects.csv", None),
        ("ip_items/ip.csv", None)}
    quarantined = con.execute("select source_row, reason_code, institute_id from fct_quarantined_rows "
                              "where source_file = 'staff/staff.csv' order by source_row").fetchall()
    assert [row for row, _, _ in quarantined] == list(range(first, first + 5))
    assert [institute for _, _, institute in quarantined] == ["FJSI", "FJQI", "ZJQS", None, None]
    assert [reason for _, reason, _ in quarantined][3:] == ["unknown_institute", "missing_value"]
    warned = con.execute("select institute_id from fct_row_warnings where source_file = 'ip_items/ip.csv' "
                         "and reason_code = 'co_owned'").fetchall()
    assert Counter(institute for (institute,) in warned) == Counter({"FJQI": 1, "ZJQS": 1})
