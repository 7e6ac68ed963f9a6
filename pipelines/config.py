"""Paths and settings. Everything can be overridden from the environment so that tests and
schedulers can point a run at other folders without touching code."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
METRIC_CATALOG = PROJECT_ROOT / "dbt_project" / "seeds" / "metric_catalog.csv"

# Salt for hashing personal ID numbers. Set TOUYAN_ID_SALT in production so hashes cannot be
# recomputed from the public default; it must stay the same across runs for volunteers to match.
DEFAULT_ID_SALT = "touyan-demo-salt"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    id_salt: str = DEFAULT_ID_SALT
    today: date = field(default_factory=date.today)
    # DuckDB spills to disk beyond this. With Arrow's read buffers and Python on top, 600MB keeps a
    # 1e7-row ingest under 2 GiB peak (docs/benchmarks.md); more buys little speed.
    duckdb_memory: str = "600MB"
    # The dbt and GX worker processes stay this long after a refresh for the next one (pipelines/resident.py);
    # 0: each refresh starts and ends its own. On for the command line (TOUYAN_WORKER_IDLE, default 900 s),
    # off for settings made in code (tests, notebooks) unless asked for.
    worker_idle_seconds: int = 0

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

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
            data_dir=Path(os.environ.get("TOUYAN_DATA_DIR", PROJECT_ROOT / "data")),
            id_salt=os.environ.get("TOUYAN_ID_SALT", DEFAULT_ID_SALT),
            today=date.fromisoformat(today) if today else date.today(),
            duckdb_memory=os.environ.get("TOUYAN_DUCKDB_MEMORY", "600MB"),
            worker_idle_seconds=int(os.environ.get("TOUYAN_WORKER_IDLE", "900")),
        )
