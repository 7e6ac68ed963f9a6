"""The dbt project's SQL keeps the house style (.sqlfluff at the repository root): SQLFluff with its dbt
templater compiles every model and test as dbt would and lints the SQL that runs. `make lint` runs the
same command; `sqlfluff fix <file>` corrects most layout findings."""
from __future__ import annotations

import subprocess
import sys

import pytest

from pipelines.config import PROJECT_ROOT


@pytest.mark.slow  # the dbt templater parses the project first: ~13 CPU-s in all
def test_dbt_sql_passes_sqlfluff():
    run = subprocess.run([sys.executable, "-m", "sqlfluff", "lint", "dbt_project"], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=600)
    findings = [line for line in run.stdout.splitlines()
                if line.startswith(("L:", " ")) or line.startswith("== [") and line.endswith("FAIL")]
    assert run.returncode == 0, (f"sqlfluff lint dbt_project exited with {run.returncode}:\n"
                                 + "\n".join(findings or [run.stdout, run.stderr]))
