import re
from pathlib import Path

import duckdb
import pytest

from pipelines.config import PROJECT_ROOT, Settings, memory_bytes, url_prefix


@pytest.mark.parametrize(("limit", "expected"), [
    ("600MB", 600_000_000), ("1.5GB", 1_500_000_000), ("2GiB", 2 * 1024**3), ("512 mib", 512 * 1024**2),
    ("300000000 bytes", 300_000_000),
])
def test_memory_sizes_read_as_duckdb_reads_them(limit, expected):
    assert memory_bytes(limit) == expected
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{limit}'")
    duckdb_reads = con.execute("select current_setting('memory_limit')").fetchone()[0]
    con.execute(f"set memory_limit = '{expected}B'")
    assert con.execute("select current_setting('memory_limit')").fetchone()[0] == duckdb_reads


@pytest.mark.parametrize("limit", ["50%", "lots", "600 MBs", "4096", ""])
def test_a_size_that_is_not_one_is_named(limit):
    with pytest.raises(ValueError, match="not a memory size") as e:
        memory_bytes(limit)
    assert repr(limit) in str(e.value)


def test_the_ingest_gets_half_of_the_duckdb_memory():
    assert Settings(Path("."), duckdb_memory="600MB").ingest_memory == "300000000B"
    assert Settings(Path("."), duckdb_memory="1GiB").ingest_memory == f"{1024**3 // 2}B"


def test_a_relative_data_folder_is_taken_from_the_working_folder(tmp_path, monkeypatch):
    from pipelines.refresh.transform import dbt_args

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOUYAN_DATA_DIR", "mydata")
    settings = Settings.from_env()
    assert settings.data_dir == tmp_path / "mydata"
    args = dbt_args(settings, "build")
    assert args[args.index("--target-path") + 1] == str(tmp_path / "mydata" / "dbt" / "target")


def test_workbook_limits_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("TOUYAN_MAX_WORKBOOK_CELLS", "2000000")
    monkeypatch.setenv("TOUYAN_MAX_WORKBOOK_INFLATED", "1.5GB")
    settings = Settings.from_env()
    assert (settings.max_workbook_cells, settings.max_workbook_inflated_bytes) == (2_000_000, 1_500_000_000)


def test_the_dashboards_settings_are_read_from_the_environment(monkeypatch):
    names = ("TOUYAN_DASH_HOST", "TOUYAN_DASH_PORT", "TOUYAN_SERVER_WORKERS", "TOUYAN_SERVER_THREADS", "TOUYAN_URL_PREFIX",
             "TOUYAN_SECRET_KEY", "TOUYAN_SESSION_IDLE_MINUTES", "TOUYAN_SESSION_MAX_HOURS", "TOUYAN_LOCKOUT_FAILURES",
             "TOUYAN_LOCKOUT_MINUTES", "TOUYAN_MIN_GROUP_OTHERS", "BROWSER_PATH")
    fields = ("dash_host", "dash_port", "server_workers", "server_threads", "url_prefix", "secret_key",
              "session_idle_minutes", "session_max_hours", "lockout_failures", "lockout_minutes", "min_group_others",
              "browser_path")
    for name in names:
        monkeypatch.delenv(name, raising=False)
    default = Settings.from_env()
    assert tuple(getattr(default, f) for f in fields) == ("127.0.0.1", 8050, 2, 8, "/", None, 30, 12, 5, 15, 3, None)
    for name, value in zip(names, ("0.0.0.0", "8443", "4", "16", "touyan", "k3y-s3cret", "10", "8", "3", "60", "5",
                                   "/opt/chromium/chrome"), strict=True):
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert tuple(getattr(settings, f) for f in fields) == (
        "0.0.0.0", 8443, 4, 16, "/touyan/", "k3y-s3cret", 10, 8, 3, 60, 5, "/opt/chromium/chrome")
    assert "k3y-s3cret" not in repr(settings)  # a logged or printed Settings does not show the key


@pytest.mark.parametrize(("given", "prefix"), [("", "/"), ("/", "/"), ("touyan", "/touyan/"), ("/touyan", "/touyan/"),
                                               ("/a/b/", "/a/b/"), ("//x//", "/x/")])
def test_the_url_prefix_is_one_path_between_slashes(given, prefix):
    assert url_prefix(given) == prefix


def test_the_readme_lists_every_setting():
    """Every variable Settings reads has its row in the README's settings table, and no row names one it
    does not read: the table is what a deployer goes by."""
    source = (PROJECT_ROOT / "pipelines" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source)) - {"XDG_RUNTIME_DIR", "PYTHONPATH", "PYTHONWARNINGS"}
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Settings"):readme.index("\n## ", readme.index("## Settings") + 1)]
    listed = set(re.findall(r"`((?:TOUYAN_|BROWSER_)[A-Z_]+)`", table))
    assert read, "no environment variable found in config.py"
    assert read == listed, f"read but not in the README: {sorted(read - listed)}; in the README but not read: {sorted(listed - read)}"


def test_a_server_takes_each_days_date_unless_one_was_given(monkeypatch):
    from dataclasses import replace
    from datetime import date

    monkeypatch.delenv("TOUYAN_TODAY", raising=False)
    started = replace(Settings.from_env(), today=date(2024, 12, 31))  # a server started long ago
    assert started.current().today == date.today()
    monkeypatch.setenv("TOUYAN_TODAY", "2025-06-30")
    fixed = Settings.from_env()
    assert fixed.current() is fixed and fixed.current().today == date(2025, 6, 30)
    assert Settings(data_dir=Path("d"), today=date(2025, 1, 2)).current().today == date(2025, 1, 2)


def test_a_reporting_years_deadline(monkeypatch):
    from datetime import date

    monkeypatch.setenv("TOUYAN_SUBMISSION_DEADLINE", "4-15")
    monkeypatch.setenv("TOUYAN_SUBMISSION_DEADLINES", "2024=2025-05-06, 2023=2024-03-01")
    settings = Settings.from_env()
    assert [settings.deadline(y) for y in (2022, 2023, 2024)] == [date(2023, 4, 15), date(2024, 3, 1), date(2025, 5, 6)]
    monkeypatch.setenv("TOUYAN_SUBMISSION_DEADLINE", "02-30")
    with pytest.raises(ValueError, match="MM-DD"):
        Settings.from_env()
