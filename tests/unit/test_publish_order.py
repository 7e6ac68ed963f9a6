"""The order rows are written to Parquet in: total (so the same data gives the same file) and, for record
marts, the order of the files and rows they came from."""
import duckdb

from pipelines.refresh.publish import export_marts, row_order


def test_record_marts_are_ordered_by_provenance_then_a_hash_of_the_other_columns():
    order = row_order(["institute_id", "hours", "source_file", "source_row", "source_sheet", "年份"])
    assert order == '"source_file", "source_sheet", "source_row", hash("institute_id", "hours", "年份")'
    assert row_order(["source_row", "source_sheet", "source_file"]) == '"source_file", "source_sheet", "source_row"'


def test_other_marts_are_ordered_by_all_columns():
    assert row_order(["institute_id", "year", "metric_id", "value"]) == "all"
    assert row_order(["source_file", "rows"]) == "all"


def test_exported_files_follow_the_order_and_count_their_rows(tmp_path):
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.fct_records as select * from (values
        ('B', 'b.csv', '', 2, 1.0), ('A', 'b.csv', '', 1, 2.0), ('A', 'a.csv', '', 10, 3.0),
        ('A', 'a.csv', '', 9, 4.0), ('A', 'a.csv', '', 9, 5.0)) t(institute_id, source_file, source_sheet, source_row, hours)""")
    con.execute("create table marts.dim_things as select * from (values (2, 'y'), (1, 'z'), (1, 'x')) t(id, name)")
    files = {f["mart"]: f for f in export_marts(con, tmp_path / "v1")}
    assert {name: f["rows"] for name, f in files.items()} == {"fct_records": 5, "dim_things": 3}
    records = con.execute(f"select source_file, source_row from '{tmp_path / 'v1' / 'fct_records.parquet'}'").fetchall()
    assert records == [("a.csv", 9), ("a.csv", 9), ("a.csv", 10), ("b.csv", 1), ("b.csv", 2)]
    things = con.execute(f"select * from '{tmp_path / 'v1' / 'dim_things.parquet'}'").fetchall()
    assert things == [(1, "x"), (1, "z"), (2, "y")]
    # The same data, inserted in another order (either way round for the two rows sharing a.csv row 9),
    # gives byte-identical files.
    for n, direction in enumerate(("desc", "asc"), start=2):
        con.execute(f"create or replace table marts.fct_records as select * from marts.fct_records order by hours {direction}")
        again = {f["mart"]: f["sha256"] for f in export_marts(con, tmp_path / f"v{n}")}
        assert again == {name: f["sha256"] for name, f in files.items()}


def test_a_file_dbt_wrote_is_linked_in_and_keeps_its_rows_when_dbt_writes_the_next(tmp_path):
    con = duckdb.connect()
    con.execute("create schema marts")
    written = tmp_path / "exports" / "fct_records.parquet"
    written.parent.mkdir()
    con.execute(f"copy (select * from (values (2, 'b'), (1, 'a')) t(n, s)) to '{written}' (format parquet)")
    con.execute(f"create view marts.fct_records as select * from read_parquet('{written}')")
    con.execute("create table marts.dim_things as select * from (values (2, 'y'), (1, 'z')) t(id, name)")
    files = {f["mart"]: f for f in export_marts(con, tmp_path / "v1", {"fct_records": str(written)})}
    published = tmp_path / "v1" / "fct_records.parquet"
    assert published.stat().st_ino == written.stat().st_ino  # linked, not exported again
    assert (files["fct_records"]["rows"], files["fct_records"]["fixed_order"]) == (2, False)
    assert files["dim_things"]["fixed_order"] is True
    assert con.execute(f"select * from '{published}'").fetchall() == [(2, "b"), (1, "a")]  # as dbt wrote it
    # dbt's next build writes the file as the materialization does (a temporary file renamed over it):
    con.execute(f"copy (select 3 as n, 'c' as s) to '{written}' (format parquet, use_tmp_file true)")
    assert con.execute(f"select * from '{published}'").fetchall() == [(2, "b"), (1, "a")]
