"""The records behind a figure on the institute page, on the published demo: the page fetches only the
rows it shows and says how many there are; the download has them all, in the same order."""
from __future__ import annotations

import duckdb
import pytest

from dashboards.pages import institute
from dashboards.views import institute as institute_views
from dashboards.views.store import MartStore
from dashboards.views.viewer import EVERYONE
from tests.conftest import body_rows


@pytest.fixture(scope="module")
def store(published_demo):
    settings, _ = published_demo
    return MartStore(settings.marts_dir)


def busiest(store: MartStore, mart: str) -> tuple[str, int, int]:
    """The institute and year with the most records in a record mart, and how many."""
    path = store.marts_dir / "current" / f"{mart}.parquet"
    return duckdb.execute(f"select institute_id, year, count(*) as n from '{path}' group by all "
                          "order by n desc, institute_id, year limit 1").fetchone()


def test_the_page_shows_the_first_records_and_says_how_many_the_download_has(store, monkeypatch):
    institute_id, year, n = busiest(store, "fct_volunteer_records")
    monkeypatch.setattr(institute, "RECORDS_SHOWN", 10)
    assert n > 10
    everything = institute_views.records(EVERYONE, store, {"institute": institute_id, "metric": "vol_hours",
                                                          "record_year": year})
    assert len(everything) == n  # the download
    shown, _, _ = institute.records_content(EVERYONE, store, {"lang": "en", "institute": institute_id,
                                                               "metric": "vol_hours", "record_year": year})
    table, note = shown.children
    rows = body_rows(table)
    assert [r[list(everything.columns).index("source_row")] for r in rows] == [
        str(v) for v in everything["source_row"].head(10)]  # the first ten, in file order
    assert note.children == f"The first 10 of {n:,} rows; download CSV or XLSX for all of them."
    assert institute_views.record_count(EVERYONE, store, "vol_hours", institute_id, year) == n


def test_a_figure_with_few_records_shows_them_all_without_a_note(store, monkeypatch):
    institute_id, year, n = busiest(store, "fct_volunteer_records")
    monkeypatch.setattr(institute, "RECORDS_SHOWN", n)
    shown, _, _ = institute.records_content(EVERYONE, store, {"lang": "zh", "institute": institute_id,
                                                               "metric": "vol_hours", "record_year": year})
    assert len(body_rows(shown)) == n  # a plain table: no note
