"""The read layer's units on the published demo: a unit's series is its rows of fct_unit_metric_year;
the units table lists the institute's units of the year with their rank among their level and share of
the institute; a unit's records are its own and those of the units under it, as many as its figure
counts; a unit id of another institute is refused, or — in a link — falls back to the whole institute."""
from __future__ import annotations

import duckdb
import pytest

from dashboards.views import institute, units
from dashboards.views.store import MartStore
from dashboards.views.viewer import EVERYONE, Refused, Viewer

CENTRE = "ZJQS:ZX01"  # 先进制造计量研究中心, with two 室 inside it


@pytest.fixture(scope="module")
def marts(published_demo):
    settings, _ = published_demo
    current = settings.marts_dir / "current"
    with duckdb.connect() as con:
        def read(sql: str):
            return con.execute(sql.replace("{current}", str(current))).df()
        yield MartStore(settings.marts_dir), read


def test_a_unit_s_series_is_its_rows_of_the_unit_mart(marts):
    store, read = marts
    expected = read(f"select year, value, level_rank, institute_share from '{{current}}/fct_unit_metric_year.parquet' "
                    f"where unit_id = '{CENTRE}' and metric_id = 'pap_sci_ei' order by year")
    rows = units.unit_series(EVERYONE, store, CENTRE, "pap_sci_ei")
    assert len(expected) > 0
    assert rows["year"].tolist() == expected["year"].tolist()
    assert rows["value"].tolist() == expected["value"].tolist()
    assert rows["level_rank"].tolist() == expected["level_rank"].tolist()
    assert rows["target"].isna().all()  # a unit has no target


def test_the_units_table_lists_the_institute_s_units_of_the_year(marts):
    store, read = marts
    year = store.years(EVERYONE)[-1]
    expected = read(f"select u.path_en, f.value, f.level_rank, f.level_n, f.institute_share "
                    f"from '{{current}}/fct_unit_metric_year.parquet' f join '{{current}}/dim_units.parquet' u using (unit_id) "
                    f"where f.institute_id = 'ZJQS' and f.metric_id = 'awd_total' and f.year = {year}")
    table = institute.units_table(EVERYONE, store, {"lang": "en", "institute": "ZJQS", "metric": "awd_total",
                                                    "record_year": year})
    assert sorted(table["Unit"]) == sorted(expected["path_en"])
    centre = expected[expected["path_en"] == "Advanced Manufacturing Metrology Research Centre"].iloc[0]
    row = table[table["Unit"] == centre["path_en"]].iloc[0]
    assert row["Rank among its level"] == f"{int(centre['level_rank'])} / {int(centre['level_n'])}"
    assert row["Share of the institute"] == f"{centre['institute_share'] * 100:.1f}%"
    assert row[f"Value {year}"].startswith(f"{centre['value']:,.0f} ")
    # parents before the units inside them
    paths = table["Unit"].tolist()
    assert all(paths.index(p.rsplit(" / ", 1)[0]) < paths.index(p) for p in paths if " / " in p)


def test_a_unit_s_records_are_its_own_and_those_under_it(marts):
    store, read = marts
    year = store.years(EVERYONE)[-1]
    below = units.descendants(EVERYONE, store, CENTRE)
    assert below[0] == CENTRE and len(below) == 3
    for metric in ("awd_total", "ip_total", "pap_total"):
        records = institute.records(EVERYONE, store, {"lang": "zh", "institute": "ZJQS", "unit": CENTRE,
                                                      "metric": metric, "record_year": year})
        value = read(f"select value from '{{current}}/fct_unit_metric_year.parquet' "
                     f"where unit_id = '{CENTRE}' and metric_id = '{metric}' and year = {year}")["value"].iloc[0]
        assert len(records) == value > 0, metric  # a record counts once, for its unit and every ancestor
        assert set(records["unit_id"]) <= set(below) and set(records["unit_id"]) - {CENTRE}, metric
        whole = institute.records(EVERYONE, store, {"lang": "zh", "institute": "ZJQS", "metric": metric,
                                                    "record_year": year})
        assert len(whole) > len(records) or metric == "awd_total"


def test_the_profile_of_the_whole_institute_is_its_institute_figures(marts):
    store, read = marts
    profile = units.profile(EVERYONE, store, "ZJQS", None)
    expected = read("select year, metric_id, value from '{current}/fct_institute_metric_year.parquet' "
                    "where institute_id = 'ZJQS' and metric_id in ('awd_total', 'pap_total', 'ip_total', "
                    "'std_published', 'std_metrology')")
    assert len(profile) == len(expected) > 0
    merged = profile.merge(expected, on=["year", "metric_id"], suffixes=("", "_mart"))
    assert (merged["value"].fillna(-1) == merged["value_mart"].fillna(-1)).all()
    centre = units.profile(EVERYONE, store, "ZJQS", CENTRE)
    assert list(dict.fromkeys(centre["metric_id"])) == list(dict.fromkeys(profile["metric_id"]))


def test_a_unit_of_another_institute_is_refused(marts):
    store, _ = marts
    fjqi = Viewer("institute", institute_id="FJQI")
    year = store.years(fjqi)[-1]
    assert CENTRE not in set(store.units(fjqi)["unit_id"]) and set(store.units(fjqi)["institute_id"]) == {"FJQI"}
    assert store.unit_metric_years(fjqi, unit_id=CENTRE).empty
    for call in (lambda: units.unit_series(fjqi, store, CENTRE, "awd_total"),
                 lambda: units.descendants(fjqi, store, CENTRE),
                 lambda: units.unit_path(fjqi, store, CENTRE, "zh"),
                 lambda: units.profile(fjqi, store, "FJQI", CENTRE),
                 lambda: units.institute_units(fjqi, store, "ZJQS"),
                 lambda: institute.record_rows(fjqi, store, "awd_total", "FJQI", year, unit_id=CENTRE),
                 lambda: store.check_unit(fjqi, CENTRE)):
        with pytest.raises(Refused):
            call()
    # a link naming it opens on the viewer's own institute, whole
    assert institute.defaults(fjqi, store, {"institute": "ZJQS", "unit": CENTRE})["unit"] is None
    # one who sees both institutes: a unit with an institute it is not of is no unit of that institute
    assert units.unit_of(EVERYONE, store, "FJQI", CENTRE) is None
    assert units.unit_of(EVERYONE, store, "ZJQS", CENTRE) == CENTRE
