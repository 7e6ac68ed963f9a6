"""`make bundle` (scripts/bundle.sh): the archive installs with no index and no way out, into a fresh
Python 3.11 environment, and the installed app refreshes the demo and manages accounts from it.

The bundle is built once for this module (its wheels come from the user's wheel cache, downloaded on the
first run: ~270 MB), unpacked in a temporary folder, installed by its own install.sh with pip's index
off and every proxy pointing at a closed port, then run through the Makefile's targets as on the target
host. ~1.5 min in all, most of it pip installing and compiling the wheels; the ~1.5 GB it unpacks and
installs is removed afterwards."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name, parse_wheel_filename

from pipelines.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

CLOSED_PORT = "http://127.0.0.1:9"  # the discard port: nothing listens, so any download fails at once
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", re.M)


def python311() -> str:
    """The host's own Python 3.11, not the project's environment's interpreter."""
    found = next((p for p in ("/usr/bin/python3.11", shutil.which("python3.11")) if p and Path(p).exists()), None)
    assert found, "the offline install test needs a Python 3.11 (python3.11 on PATH)"
    return found


def offline_environment(**extra: str) -> dict[str, str]:
    """This process's environment without pip's configuration (no index, find-links or config file of
    the machine's), pip's index off, every proxy at a closed port, and no uv on PATH (a host may have
    one: the Makefile would then call it in place of the bundle's stand-in)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "UV_", "VIRTUAL_ENV", "PYTHON")) and k.lower() != "no_proxy"}
    path = [d for d in os.environ["PATH"].split(os.pathsep) if d and not (Path(d) / "uv").exists()]
    env.update(PATH=os.pathsep.join(path), PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", http_proxy=CLOSED_PORT, https_proxy=CLOSED_PORT,
               HTTP_PROXY=CLOSED_PORT, HTTPS_PROXY=CLOSED_PORT, ALL_PROXY=CLOSED_PORT, **extra)
    return env


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The archive of `make bundle`, and the folder it was unpacked in."""
    work = tmp_path_factory.mktemp("bundle")
    # -o: the environment running this test is taken as set up (make test has just synced it)
    out = run(["make", "--no-print-directory", "-o", ".venv/.synced", "bundle", f"OUT={work / 'dist'}"],
              PROJECT_ROOT, dict(os.environ), timeout=900)
    archives = list((work / "dist").glob("touyan-*-bundle.tar.gz"))
    assert len(archives) == 1, out
    with tarfile.open(archives[0]) as tar:
        tar.extractall(work / "unpacked", filter="data")
    (root,) = (work / "unpacked").iterdir()
    yield archives[0], root
    shutil.rmtree(work)


@pytest.fixture(scope="module")
def installed(bundle):
    """The bundle installed by its install.sh, offline, into a new environment of the host's Python."""
    _, root = bundle
    run(["./install.sh"], root, offline_environment(PYTHON=python311()))
    return root


def pins(requirements: Path) -> dict[str, str]:
    """name → version of each requirement whose marker holds on this platform (Linux, CPython 3.11)."""
    text = requirements.read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version, marker in PIN.findall(text)
            if not marker or Marker(marker).evaluate()}


def test_the_archive_is_the_app_and_the_locks_wheels(bundle):
    archive, root = bundle
    assert archive.name == f"touyan-{tomllib.loads((PROJECT_ROOT / 'pyproject.toml').read_text())['project']['version']}-bundle.tar.gz"
    assert (archive.parent / f"{archive.name}.sha256").read_text().split()[0] == \
        hashlib.sha256(archive.read_bytes()).hexdigest()
    # the code to run, not the data, tests or benchmarks of this checkout
    for needed in ("Makefile", "install.sh", "requirements.txt", "pipelines/__main__.py", "dashboards/__main__.py",
                   "dbt_project/dbt_project.yml", "dashboards/accounts/migrations"):
        assert (root / needed).exists(), needed
    assert not any((root / absent).exists() for absent in ("data", "tests", "bench", ".git"))

    # one wheel per pin, at the pinned version, with a hash uv.lock gives that package, and nothing else
    lock = {canonicalize_name(p["name"]): p for p in tomllib.loads((PROJECT_ROOT / "uv.lock").read_text())["package"]}
    required = pins(root / "requirements.txt")
    wheels = {}
    for wheel in (root / "wheels").iterdir():
        name, version, _, _ = parse_wheel_filename(wheel.name)
        assert name not in wheels, f"two wheels of {name}"
        wheels[name] = str(version)
        locked = {w["hash"] for w in lock[name]["wheels"] if w["url"].endswith("/" + wheel.name)}
        assert locked == {f"sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}"}, wheel.name
    assert wheels == required
    assert required.keys() >= {"dash", "duckdb", "dbt-core", "great-expectations", "sqlalchemy", "gunicorn"}
    # pip is told to check every one of them
    assert all("--hash=sha256:" in block for block in re.split(r"\n(?=\S)", (root / "requirements.txt").read_text())
               if PIN.match(block))


def test_it_installs_offline_with_the_pinned_versions(installed):
    venv_python = installed / ".venv" / "bin" / "python"
    out = run([str(venv_python), "-c", "import sys, pipelines, dashboards, duckdb; "
               "print(sys.base_prefix, pipelines.__file__, duckdb.__file__, sep='\\n')"],
              installed, offline_environment())
    base, pipelines_file, duckdb_file = out.split()
    assert base == str(Path(python311()).resolve().parent.parent)  # the host's Python, not the project's
    assert Path(pipelines_file).is_relative_to(installed) and Path(duckdb_file).is_relative_to(installed / ".venv")
    frozen = run([str(venv_python), "-m", "pip", "freeze", "--all"], installed, offline_environment())
    versions = {canonicalize_name(n): v for n, v in re.findall(r"^(\S+)==(\S+)$", frozen, re.M)}
    versions.pop("pip")
    assert versions == pins(installed / "requirements.txt")


def test_the_installed_app_refreshes_the_demo_and_manages_accounts(installed, tmp_path):
    env = offline_environment(TOUYAN_DATA_DIR=str(tmp_path / "data"), TOUYAN_ACCOUNTS_DB=str(tmp_path / "app.db"))
    # through the Makefile, as on the host: it must neither sync nor download
    run(["make", "--no-print-directory", "demo"], installed, env)
    run(["make", "--no-print-directory", "refresh"], installed, env)
    current = tmp_path / "data" / "marts" / "current"
    manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
    assert {m["mart"] for m in manifest["marts"]} >= {"fct_institute_metric_year", "dim_institutes"}
    for mart in manifest["marts"]:
        assert hashlib.sha256((current / mart["file"]).read_bytes()).hexdigest() == mart["sha256"], mart["file"]
    assert manifest["totals"]
    # no .git in a bundle: the version it carries names the code that published
    assert manifest["code_version"] == (installed / "VERSION").read_text(encoding="utf-8").strip() != "unknown"

    python = [str(installed / ".venv" / "bin" / "python"), "-m", "dashboards", "users"]
    assert "reset-password" in run([*python, "--help"], installed, env)
    added = subprocess.run([*python, "add", "bureau", "--role", "leader", "--scope", "all", "--password-stdin"],
                           cwd=installed, env=env, input="a long enough passphrase 42\n", capture_output=True,
                           text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    assert re.search(r"^bureau\s.*\bleader\b", run([*python, "list"], installed, env), re.M)


def test_make_does_not_reach_for_uv(installed):
    """uv would sync the environment from the internet: the install marks it synced, and its stand-in
    says in two languages why there is no uv when the lock is changed after the install."""
    env = offline_environment()
    assert "uv sync" not in run(["make", "--no-print-directory", "-n", "refresh"], installed, env)
    lock = installed / "uv.lock"
    unpacked = lock.stat()
    os.utime(lock, (unpacked.st_atime, (installed / ".venv" / ".synced").stat().st_mtime + 10))
    try:
        stale = subprocess.run(["make", "--no-print-directory", "refresh"], cwd=installed, env=env,
                               capture_output=True, text=True, timeout=60)
    finally:
        os.utime(lock, ns=(unpacked.st_atime_ns, unpacked.st_mtime_ns))
    assert stale.returncode != 0
    assert "离线安装" in stale.stderr and "Offline install" in stale.stderr
