"""Independent check of the metric arithmetic: a small hand-made submission, refreshed for real
(ingest, gates, dbt, publish), and YoY, r3y, CAGR, share and rank computed here from the input
figures and compared with the published Parquet."""
from __future__ import annotations

import math

import duckdb
import pytest

from pipelines.refresh import refresh
from tests.conftest import DataDir, write_csv

YEARS = range(2020, 2025)
# Projects initiated per institute and year; None = no project rows at all that year (a gap).
INITIATED = {
    "FJQI": {2020: 10, 2021: 12, 2022: 0, 2023: 15, 2024: 18},
    "FJSI": {2020: 4, 2021: None, 2022: 6, 2023: 6, 2024: 9},
    "ZJQS": {2020: 20, 2021: 20, 2022: 25, 2023: 30, 2024: 18},
}
STAFF = {"FJQI": 200, "FJSI": 80, "ZJQS": 400}
# Two invention patents granted in 2021; the first is co-owned by FJQI and ZJQS.
PATENTS = [("FJQI", "201811038044.8"), ("FJQI", "201710601862.3"), ("ZJQS", "201811038044.8")]


def write_submission(data: DataDir) -> None:
    write_csv(data.raw / "staff" / "staff.csv",
              [["institute", "year", "staff_total"]] + [[i, y, STAFF[i]] for i in STAFF for y in YEARS])
    rows = [["institute", "year", "level", "stage", "count"]]
    for institute, by_year in INITIATED.items():
        for year, count in by_year.items():
            if count is not None:
                rows.append([institute, year, "省部级", "立项", count])
    write_csv(data.raw / "project_counts" / "projects.csv", rows)
    write_csv(data.raw / "ip_items" / "ip.csv",
              [["institute", "ip_type", "number", "title", "app_date", "grant_date", "status"]]
              + [[i, "发明", n, f"专利 {n}", "2019-03-01", "2021-06-01", "授权"] for i, n in PATENTS])


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    data = DataDir(tmp_path_factory.mktemp("arith") / "data")
    write_submission(data)
    result = refresh(data.settings, out=None)
    con = duckdb.connect()
    for mart in ("fct_institute_metric_year", "fct_group_metric_year"):
        con.execute(f"create view {mart} as select * from read_parquet('{result.version / (mart + '.parquet')}')")
    return con


def mart(con, institute: str, year: int, metric: str = "prj_initiated") -> dict:
    cursor = con.execute("select * from fct_institute_metric_year where institute_id = ? and year = ? "
                         "and metric_id = ?", [institute, year, metric])
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def close(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9))


def expected_yoy(institute, year):
    now, before = INITIATED[institute].get(year), INITIATED[institute].get(year - 1)
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


def expected_r3y(institute, year):
    values = [INITIATED[institute].get(y) for y in (year, year - 1, year - 2)]
    return None if any(v is None for v in values) else float(sum(values))


def expected_cagr(institute, year):
    now, base = INITIATED[institute].get(year), INITIATED[institute].get(year - 3)
    if now is None or not base:
        return None
    return (now / base) ** (1 / 3) - 1


@pytest.mark.parametrize("institute", sorted(INITIATED))
@pytest.mark.parametrize("year", YEARS)
def test_value_yoy_r3y_cagr_and_intensity(published, institute, year):
    row = mart(published, institute, year)
    value = INITIATED[institute][year]
    assert row["is_reported"] is (value is not None)
    assert close(row["value"], None if value is None else float(value))
    assert close(row["yoy_pct"], expected_yoy(institute, year))
    assert close(row["r3y"], expected_r3y(institute, year))
    assert close(row["cagr_3y"], expected_cagr(institute, year))
    assert close(row["per_100_staff"], None if value is None else value * 100 / STAFF[institute])


@pytest.mark.parametrize("year", YEARS)
def test_share_and_rank_with_ties(published, year):
    values = {i: v[year] for i, v in INITIATED.items() if v[year] is not None}
    total = sum(values.values())
    for institute, value in values.items():
        row = mart(published, institute, year)
        assert close(row["group_share"], value / total if total else None)
        assert row["group_rank"] == 1 + sum(other > value for other in values.values())  # ties share a rank
        assert row["group_n"] == len(values)
    if year == 2024:  # FJQI and ZJQS tie at 18
        assert mart(published, "FJQI", 2024)["group_rank"] == mart(published, "ZJQS", 2024)["group_rank"] == 1


def test_a_co_owned_patent_counts_for_each_owner_and_once_for_the_group(published):
    fjqi, zjqs = (mart(published, i, 2021, "ip_invention_granted") for i in ("FJQI", "ZJQS"))
    assert (fjqi["value"], zjqs["value"]) == (2.0, 1.0)
    assert fjqi["group_total"] == zjqs["group_total"] == 2.0  # the co-owned number once
    assert (fjqi["group_share"], zjqs["group_share"]) == (1.0, 0.5)
    group = published.execute("select value from fct_group_metric_year where group_id = 'all' and year = 2021 "
                              "and metric_id = 'ip_invention_granted'").fetchone()
    assert group == (2.0,)
    # FJSI sent no patent list at all: not reported, not zero
    assert mart(published, "FJSI", 2021, "ip_invention_granted")["is_reported"] is False
