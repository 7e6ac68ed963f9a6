"""Paths and settings. Everything can be overridden from the environment so that tests and
schedulers can point a run at other folders without touching code.

This is the one module of pipelines/ that reads the environment (`Settings.from_env`, and the
environment a worker process is started with: `worker_environment`); everything else is handed a
Settings. tests/unit/test_environment.py fails if another module reads os.environ."""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
METRIC_CATALOG = PROJECT_ROOT / "dbt_project" / "seeds" / "metric_catalog.csv"
# The codes' names in Chinese and English (award levels, unit types, …): the dashboard's labels, the
# templates' English column names, and the codes a rules file may name (pipelines/evaluation/catalog.py).
CODE_LABELS = METRIC_CATALOG.with_name("code_labels.csv")

# Salt for hashing personal ID numbers. Set TOUYAN_ID_SALT in production so hashes cannot be
# recomputed from the public default; it must stay the same across runs for volunteers to match.
DEFAULT_ID_SALT = "touyan-demo-salt"
# The latest refresh's outcome (pipelines/refresh/stages.py record_run), in the reports folder: the
# dashboard says when the latest refresh failed.
LAST_RUN_FILE = "last_run.json"
# A quality gate's own report page, beside GX's Data Docs in reports/quality/<gate>/
# (pipelines/refresh/quality/report.py): what the dashboard serves.
REPORT_FILE = "report.html"
# The official releases (年报口径), in the marts folder: reporting year → the published version that is
# that year's official figures (pipelines/refresh/releases.py writes it; prune keeps those versions; the
# dashboard's read layer reads it to show "official 2024" beside "latest").
RELEASES_FILE = "releases.json"
# Great Expectations would send usage analytics to its makers (an intranet has no way out, and the data
# is not theirs). GX reads this variable when it is imported and when a context is made, so it is set in
# the process that runs a gate before GX is imported (quiet_tools), and in every worker's environment.
# (dbt is told on its command line: pipelines/refresh/transform.py.)
TOOL_ENVIRONMENT = {"GX_ANALYTICS_ENABLED": "false"}
_QUIET_TRACKER = "ignore:resource_tracker:UserWarning:multiprocessing.resource_tracker"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    id_salt: str = DEFAULT_ID_SALT
    today: date = field(default_factory=date.today)
    # Whether `today` was given (TOUYAN_TODAY, or in code) rather than read from the clock when the
    # settings were made: a server that runs for weeks takes each request's day from `current()`.
    today_given: bool = True
    # DuckDB spills to disk beyond this. With Arrow's read buffers and Python on top, 600MB keeps a
    # 1e7-row ingest under 2 GiB peak (docs/benchmarks-history.md); more buys little speed.
    duckdb_memory: str = "600MB"
    # The dbt and GX worker processes stay this long after a refresh for the next one
    # (pipelines/runtime/resident.py). Opt-in (TOUYAN_WORKER_IDLE=900, say): by default (0) each refresh
    # starts and ends its own and leaves no process behind; resident ones save ~1.5–2 s of a demo refresh.
    worker_idle_seconds: int = 0
    # The private folder of the resident workers' sockets and locks (TOUYAN_RUNTIME_DIR; else
    # $XDG_RUNTIME_DIR/touyan; else this).
    runtime_dir: Path = field(default_factory=lambda: Path("/tmp") / f"touyan-{os.getuid()}")
    # Reverse proxies in front of the dashboard (addresses or networks): only a request from one of them
    # has its X-Forwarded-For believed (TOUYAN_TRUSTED_PROXIES, comma- or space-separated; none by default).
    trusted_proxies: tuple[str, ...] = ()
    # Workbooks larger than this are refused before they are read (pipelines/ingest/workbook_limits.py):
    # cells of all sheets, each counted from A1 to its last cell (calamine holds ~32 bytes a cell), and
    # the inflated size of an xlsx / ods (an xls's size). 1e7 cells is 1e6 rows of 10 columns.
    max_workbook_cells: int = 10_000_000
    max_workbook_inflated_bytes: int = 500_000_000
    # The dashboard (python -m dashboards) and the report pack.
    # Where the dashboard listens: this machine only unless asked (TOUYAN_DASH_HOST, TOUYAN_DASH_PORT).
    dash_host: str = "127.0.0.1"
    dash_port: int = 8050
    # The server (`make serve`: gunicorn): processes and threads each (TOUYAN_SERVER_WORKERS,
    # TOUYAN_SERVER_THREADS), the path it is served under behind a reverse proxy (TOUYAN_URL_PREFIX,
    # e.g. /touyan/), the key that signs session cookies (TOUYAN_SECRET_KEY; None: a random one kept in
    # `secret_key_file`, made on first start — delete it to rotate: everyone logs in again).
    server_workers: int = 2
    server_threads: int = 8
    url_prefix: str = "/"
    secret_key: str | None = field(default=None, repr=False)
    # A session ends after this many minutes without a request (TOUYAN_SESSION_IDLE_MINUTES), and in any
    # case this many hours after its login (TOUYAN_SESSION_MAX_HOURS).
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # This many wrong passwords in a row lock an account for this many minutes (TOUYAN_LOCKOUT_FAILURES,
    # TOUYAN_LOCKOUT_MINUTES); a password reset lifts it.
    lockout_failures: int = 5
    lockout_minutes: int = 15
    # The Chromium that draws exported figures and prints the report's PDFs (BROWSER_PATH); None: the
    # `chromium` on PATH (Debian's package).
    browser_path: str | None = None
    # The accounts and their audit trail (dashboards/accounts/): an SQLite file given by TOUYAN_ACCOUNTS_DB;
    # None: `accounts_db` below, beside the data it guards. Back it up: a refresh does not rebuild it.
    accounts_file: Path | None = None
    # An institute account sees other institutes only in aggregates over at least this many of them
    # (TOUYAN_MIN_GROUP_OTHERS): below it, a total, mean or rank would tell one institute's value.
    min_group_others: int = 3
    # Exports (figures, XLSX) made by a logged-in user carry a light watermark with the user and the time,
    # as intranet systems here are expected to (TOUYAN_EXPORT_WATERMARK: on, or off). Development mode has
    # no user and marks nothing; CSV cannot carry one without breaking its readers.
    export_watermark: bool = True
    # Online submission (the portal). An upload larger than this is refused unread (TOUYAN_UPLOAD_MAX_MB).
    upload_max_bytes: int = 50_000_000
    # The cross-year check at upload: a headline figure that moved by more than this share of last year's
    # (TOUYAN_CHANGE_SHARE, 0.5 = ±50 %) on a base of at least this much (TOUYAN_CHANGE_MIN_BASE) needs an
    # explanation.
    change_share: float = 0.5
    change_min_base: float = 10
    # The deadline of a reporting year's submissions: this month-day of the year after it
    # (TOUYAN_SUBMISSION_DEADLINE, MM-DD), unless TOUYAN_SUBMISSION_DEADLINES names the year's own date
    # ("2024=2025-04-15, 2025=2026-03-31").
    submission_deadline: str = "03-31"
    submission_deadlines: tuple[tuple[int, date], ...] = ()
    # The engine a refresh runs on (TOUYAN_ENGINE): duckdb, embedded, the default; or spark — the same
    # dbt project on Apache Spark through dbt-spark, the submitted files read by Spark tasks, the gates on
    # Spark dataframes (pipelines/spark/; docs/scale-out.md). Either publishes the same Parquet layout.
    engine: str = "duckdb"
    # Spark: the master (TOUYAN_SPARK_MASTER; local[*]: every core of this machine, a metastore of its own
    # under data/spark/), or a Spark Connect server instead (TOUYAN_SPARK_REMOTE, sc://host:15002), and
    # the driver's memory (TOUYAN_SPARK_DRIVER_MEMORY). More Spark settings: TOUYAN_SPARK_CONF, "key=value"
    # pairs separated by commas or spaces.
    spark_master: str = "local[*]"
    spark_remote: str | None = None
    spark_driver_memory: str = "2g"
    spark_conf: tuple[tuple[str, str], ...] = ()

    @property
    def ingest_memory(self) -> str:
        """The ingest's DuckDB limit: half of `duckdb_memory`. The ingest streams its files and needs little
        memory of its own; a lower limit keeps the blocks it writes from staying in the process once
        written (at 1e7 rows the raw text is stored uncompressed, ~540 MB: pipelines/ingest/run.py)."""
        return f"{memory_bytes(self.duckdb_memory) // 2}B"

    @property
    def accounts_db(self) -> Path:
        """The accounts database. A property, not a field set from data_dir once: a Settings copied with
        another data_dir (dataclasses.replace, as tests do) then has its accounts there too."""
        return self.accounts_file or self.data_dir / "app.db"

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / "secret_key"

    def current(self) -> Settings:
        """These settings with today's date, for a long-running process (the server): unchanged when the
        day was given."""
        return self if self.today_given or self.today == date.today() else replace(self, today=date.today())

    @property
    def submissions_dir(self) -> Path:
        """Every uploaded version of every submission (the portal's; never read by the refresh)."""
        return self.data_dir / "submissions"

    def deadline(self, year: int) -> date:
        """The date by which the submissions of reporting year `year` are due."""
        own = dict(self.submission_deadlines).get(year)
        if own:
            return own
        month, day = (int(part) for part in self.submission_deadline.split("-"))
        return date(year + 1, month, day)

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def rules_dir(self) -> Path:
        """The evaluation rules (考核细则), one folder per evaluation year holding every saved version
        (pipelines/evaluation/store.py): data/rules/evaluation/<year>/v<NNN>.yaml. A refresh scores each
        year by its latest version."""
        return self.data_dir / "rules" / "evaluation"

    @property
    def templates_dir(self) -> Path:
        """Where `make templates` writes the submission templates (data/templates/)."""
        return self.data_dir / "templates"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def spark_dir(self) -> Path:
        """The Spark engine's own folder: its metastore (Derby), its warehouse of tables, the raw tables'
        Parquet as the ingest lands them, Spark's scratch space."""
        return self.data_dir / "spark"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def marts_dir(self) -> Path:
        return self.data_dir / "marts"

    @classmethod
    def from_env(cls) -> Settings:
        today = os.environ.get("TOUYAN_TODAY")
        return cls(
            # absolute: dbt resolves a relative --target-path against dbt_project/, not the working folder
            data_dir=Path(os.environ.get("TOUYAN_DATA_DIR", PROJECT_ROOT / "data")).absolute(),
            id_salt=os.environ.get("TOUYAN_ID_SALT", DEFAULT_ID_SALT),
            today=date.fromisoformat(today) if today else date.today(),
            today_given=bool(today),
            duckdb_memory=os.environ.get("TOUYAN_DUCKDB_MEMORY", "600MB"),
            worker_idle_seconds=int(os.environ.get("TOUYAN_WORKER_IDLE", "0")),
            runtime_dir=_runtime_dir(),
            trusted_proxies=proxy_addresses(os.environ.get("TOUYAN_TRUSTED_PROXIES", "")),
            max_workbook_cells=int(os.environ.get("TOUYAN_MAX_WORKBOOK_CELLS", "10000000")),
            max_workbook_inflated_bytes=memory_bytes(os.environ.get("TOUYAN_MAX_WORKBOOK_INFLATED", "500MB")),
            # the dashboard
            dash_host=os.environ.get("TOUYAN_DASH_HOST", "127.0.0.1"),
            dash_port=int(os.environ.get("TOUYAN_DASH_PORT", "8050")),
            server_workers=int(os.environ.get("TOUYAN_SERVER_WORKERS", "2")),
            server_threads=int(os.environ.get("TOUYAN_SERVER_THREADS", "8")),
            url_prefix=url_prefix(os.environ.get("TOUYAN_URL_PREFIX", "/")),
            secret_key=os.environ.get("TOUYAN_SECRET_KEY") or None,
            session_idle_minutes=int(os.environ.get("TOUYAN_SESSION_IDLE_MINUTES", "30")),
            session_max_hours=int(os.environ.get("TOUYAN_SESSION_MAX_HOURS", "12")),
            lockout_failures=int(os.environ.get("TOUYAN_LOCKOUT_FAILURES", "5")),
            lockout_minutes=int(os.environ.get("TOUYAN_LOCKOUT_MINUTES", "15")),
            browser_path=os.environ.get("BROWSER_PATH") or None,
            min_group_others=int(os.environ.get("TOUYAN_MIN_GROUP_OTHERS", "3")),
            export_watermark=on_off("TOUYAN_EXPORT_WATERMARK", os.environ.get("TOUYAN_EXPORT_WATERMARK", "on")),
            accounts_file=Path(accounts).absolute() if (accounts := os.environ.get("TOUYAN_ACCOUNTS_DB")) else None,
            upload_max_bytes=int(float(os.environ.get("TOUYAN_UPLOAD_MAX_MB", "50")) * 10**6),
            change_share=float(os.environ.get("TOUYAN_CHANGE_SHARE", "0.5")),
            change_min_base=float(os.environ.get("TOUYAN_CHANGE_MIN_BASE", "10")),
            submission_deadline=month_day(os.environ.get("TOUYAN_SUBMISSION_DEADLINE", "03-31")),
            submission_deadlines=year_dates(os.environ.get("TOUYAN_SUBMISSION_DEADLINES", "")),
            engine=engine_name(os.environ.get("TOUYAN_ENGINE", "duckdb")),
            spark_master=os.environ.get("TOUYAN_SPARK_MASTER", "local[*]"),
            spark_remote=os.environ.get("TOUYAN_SPARK_REMOTE") or None,
            spark_driver_memory=os.environ.get("TOUYAN_SPARK_DRIVER_MEMORY", "2g"),
            spark_conf=key_values("TOUYAN_SPARK_CONF", os.environ.get("TOUYAN_SPARK_CONF", "")),
        )


def month_day(text: str) -> str:
    """'03-31' (checked: a real day in a leap year) → '03-31'."""
    try:
        month, day = (int(part) for part in text.strip().split("-"))
        date(2024, month, day)
    except ValueError:
        raise ValueError(f"TOUYAN_SUBMISSION_DEADLINE: expected MM-DD, e.g. 03-31, not {text!r}") from None
    return f"{month:02d}-{day:02d}"


def year_dates(text: str) -> tuple[tuple[int, date], ...]:
    """'2024=2025-04-15, 2025=2026-03-31' → ((2024, date(2025, 4, 15)), (2025, date(2026, 3, 31)))."""
    found = []
    for part in (p for p in re.split(r"[,\s]+", text) if p):
        year, _, day = part.partition("=")
        try:
            found.append((int(year), date.fromisoformat(day)))
        except ValueError:
            raise ValueError(f"TOUYAN_SUBMISSION_DEADLINES: expected <year>=<YYYY-MM-DD>, not {part!r}") from None
    return tuple(found)


def url_prefix(text: str) -> str:
    """'/touyan', 'touyan/', '/touyan/' → '/touyan/'; '' or '/' → '/'."""
    parts = [p for p in text.strip().split("/") if p]
    return "/" + "".join(f"{p}/" for p in parts)


def on_off(name: str, text: str) -> bool:
    """A switch: on / off (also true / false, yes / no, 1 / 0), in any case."""
    value = text.strip().lower()
    if value in ("on", "true", "yes", "1"):
        return True
    if value in ("off", "false", "no", "0"):
        return False
    raise ValueError(f"{name}: expected on or off, not {text!r}")


ENGINES = ("duckdb", "spark")


def engine_name(text: str) -> str:
    engine = text.strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"TOUYAN_ENGINE: expected one of {', '.join(ENGINES)}, not {text!r}")
    return engine


def key_values(name: str, text: str) -> tuple[tuple[str, str], ...]:
    """"a.b=1, c.d=x" → (("a.b", "1"), ("c.d", "x"))."""
    pairs = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        key, equals, value = part.partition("=")
        if not equals or not key:
            raise ValueError(f"{name}: expected key=value pairs, not {part!r}")
        pairs.append((key, value))
    return tuple(pairs)


def _runtime_dir() -> Path:
    if os.environ.get("TOUYAN_RUNTIME_DIR"):
        return Path(os.environ["TOUYAN_RUNTIME_DIR"])
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"]) / "touyan"
    return Path("/tmp") / f"touyan-{os.getuid()}"


def worker_environment() -> dict[str, str]:
    """The environment of a worker process (pipelines/runtime/): this one's, with the project importable,
    the tools quiet (TOOL_ENVIRONMENT, unless set otherwise) and without the resource tracker's warning
    (dbt makes multiprocessing semaphores; a worker ends with os._exit, so the tracker unlinks them
    itself, correctly, and would print a "leaked semaphore" warning)."""
    return {**TOOL_ENVIRONMENT, **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
            "PYTHONWARNINGS": ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), _QUIET_TRACKER]))}


def command_environment(settings: Settings) -> dict[str, str]:
    """The environment of a `python -m pipelines` command started for `settings` by another process (the
    portal's "refresh now"): a worker's (worker_environment) with the settings a refresh reads taken from
    `settings` — the command then writes the caller's data folder with its salt, whatever the caller's
    own environment says (a server or a test may be given Settings built in code)."""
    return {**worker_environment(), "TOUYAN_DATA_DIR": str(settings.data_dir), "TOUYAN_ID_SALT": settings.id_salt,
            "TOUYAN_DUCKDB_MEMORY": settings.duckdb_memory, "TOUYAN_WORKER_IDLE": str(settings.worker_idle_seconds),
            "TOUYAN_RUNTIME_DIR": str(settings.runtime_dir),
            "TOUYAN_MAX_WORKBOOK_CELLS": str(settings.max_workbook_cells),
            "TOUYAN_MAX_WORKBOOK_INFLATED": f"{settings.max_workbook_inflated_bytes}B",
            "TOUYAN_ENGINE": settings.engine, "TOUYAN_SPARK_MASTER": settings.spark_master,
            "TOUYAN_SPARK_REMOTE": settings.spark_remote or "",
            "TOUYAN_SPARK_DRIVER_MEMORY": settings.spark_driver_memory,
            "TOUYAN_SPARK_CONF": ",".join(f"{k}={v}" for k, v in settings.spark_conf)}


def quiet_tools() -> None:
    """TOOL_ENVIRONMENT in this process, where not set otherwise: before Great Expectations is imported."""
    for name, value in TOOL_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def python_for_spark(executable: str) -> None:
    """PySpark starts its Python workers with PYSPARK_PYTHON (else whatever `python3` is on PATH, which
    lacks the project's packages): this interpreter, unless set otherwise. Before the session starts."""
    os.environ.setdefault("PYSPARK_PYTHON", executable)


def proxy_addresses(text: str) -> tuple[str, ...]:
    """IP addresses or networks (127.0.0.1, 10.0.0.0/8, ::1), comma- or space-separated."""
    found = tuple(part for part in re.split(r"[,\s]+", text) if part)
    for part in found:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValueError(f"TOUYAN_TRUSTED_PROXIES: not an IP address or network: {part!r}") from None
    return found


_BYTES = {"b": 1, "byte": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_bytes(limit: str) -> int:
    """A DuckDB memory limit ('600MB', '1.5GB', '2GiB') in bytes; KB, MB, GB are powers of 1000 as in DuckDB."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", limit.lower())
    if not found or found.group(2) not in _BYTES:
        raise ValueError(f"not a memory size: {limit!r} (examples: 600MB, 1.5GB, 2GiB)")
    return int(float(found.group(1)) * _BYTES[found.group(2)])
