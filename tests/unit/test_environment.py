"""Settings are read in one place: pipelines/config.py (Settings.from_env, and the environment of the
worker processes). Any other module that reads or writes the environment — os.environ, os.getenv,
os.putenv, os.unsetenv — fails this test; it gets what it needs from the Settings it is handed."""
import ast
from pathlib import Path

import pytest

from pipelines.config import PROJECT_ROOT

READER = PROJECT_ROOT / "pipelines" / "config.py"
CHECKED = ("pipelines", "dashboards")
ENVIRONMENT = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def environment_uses(path: Path, root: Path = PROJECT_ROOT) -> list[str]:
    """`os.environ`, `os.getenv`… in the module, and names imported from os that are those."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT and isinstance(node.value, ast.Name) \
                and node.value.id == "os":
            found.append(f"{path.relative_to(root)}:{node.lineno} os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"{path.relative_to(root)}:{node.lineno} from os import {a.name}"
                      for a in node.names if a.name in ENVIRONMENT]
    return found


def modules() -> list[Path]:
    return sorted(p for folder in CHECKED for p in (PROJECT_ROOT / folder).rglob("*.py") if p != READER)


def test_only_config_reads_the_environment():
    assert modules(), "no modules found"
    assert [use for path in modules() for use in environment_uses(path)] == []


@pytest.mark.parametrize("line", ["import os\nos.environ.get('X')", "import os\nos.getenv('X')",
                                  "from os import environ", "import os\nos.environ['X'] = '1'"])
def test_the_check_sees_a_read(tmp_path, line):
    module = tmp_path / "module.py"
    module.write_text(line, encoding="utf-8")
    assert environment_uses(module, tmp_path)
