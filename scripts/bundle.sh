#!/usr/bin/env bash
# `make bundle`: one archive that installs Touyan on an intranet host without internet access
# (docs/deployment.md). It holds the app's code as committed files (no data, tests or benchmarks), the
# runtime requirements exported from uv.lock with their hashes, a wheel for each of them for CPython 3.11
# on Linux x86_64, and install.sh (from scripts/bundle-install.sh).
#
# Wheels only: the target host has no compiler to build a source distribution, and a build there would
# not be the one the lock was tested with. A package without a wheel for the platform stops the bundle.
#
# Downloads go to a cache outside the worktree (WHEEL_CACHE, shared by clones and worktrees of the
# project); the wheels of a bundle are then taken from that cache alone, with pip's --no-index as on
# the target host, so a second bundle of the same lock downloads nothing.
#
# Environment (the Makefile's variables): UV, PY (the project's Python 3.11: it evaluates the lock's
# environment markers as the target's would), OUT (the archive's folder), PLATFORM (the oldest glibc
# targeted: manylinux_2_28 is glibc 2.28, as in Debian 10, RHEL 8 and Kylin V10), WHEEL_CACHE.
set -euo pipefail
cd "$(dirname "$0")/.."

UV=${UV:-.tools/bin/uv}
PY=${PY:-.venv/bin/python}
OUT=${OUT:-dist}
PLATFORM=${PLATFORM:-manylinux_2_28_x86_64}
WHEEL_CACHE=${WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/touyan/wheels}

fail() { printf '%s\n' "$@" >&2; exit 1; }

"$PY" -c 'import sys, platform; sys.exit(sys.version_info[:2] != (3, 11) or platform.system() != "Linux")' \
  || fail "打包需要 Linux 上的 Python 3.11（$PY）。" "make bundle needs Python 3.11 on Linux ($PY): it evaluates the lock's markers for the target host."
git rev-parse --git-dir > /dev/null 2>&1 \
  || fail "打包需要 git 检出的项目（文件清单取自 git）。" "make bundle needs a git checkout: the app's files are the ones git tracks."

version=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
name="touyan-$version"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# the archive's folder ignores itself: built archives are never committed
[ -e "$OUT/.gitignore" ] || [ "$OUT" != "$PWD/dist" ] || printf '*\n' > "$OUT/.gitignore"
stage=$(mktemp -d "$OUT/.$name.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/wheels" "$WHEEL_CACHE"

# 1. The runtime requirements, pinned and hashed by the lock (no dev group, not the project itself,
#    which is shipped as its source folder: pyproject.toml says package = false).
"$UV" export --frozen --no-dev --no-emit-project --format requirements-txt --quiet -o "$root/requirements.txt"

# 2. Every pinned package must have a wheel in the lock; say which ones have a source distribution only.
"$PY" - "$root/requirements.txt" <<'EOF' || exit 1
import re, sys, tomllib
lock = {(p["name"], p["version"]): p for p in tomllib.load(open("uv.lock", "rb"))["package"]}
pins = re.findall(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", open(sys.argv[1], encoding="utf-8").read(), re.M)
sdist_only = [f"{n}=={v}" for n, v in pins if not lock.get((n, v), {}).get("wheels")]
if sdist_only:
    sys.exit("这些依赖只有源码包，无法离线安装 / only a source distribution, no wheel: " + ", ".join(sdist_only))
EOF

# 3. The wheels: from the cache alone if it has them all, else downloaded into it first. pip checks each
#    file against the lock's hashes either way.
pip_venv="$WHEEL_CACHE/.pip"
[ -x "$pip_venv/bin/pip" ] || "$PY" -m venv "$pip_venv"
# pip does not widen a manylinux_2_N platform to the older glibcs it also runs (2_17 is manylinux2014, 2_12
# manylinux2010, 2_5 manylinux1): each one is named
[[ $PLATFORM =~ ^manylinux_2_([0-9]+)_(.+)$ ]] || fail "PLATFORM: manylinux_2_<glibc minor>_<arch>, e.g. manylinux_2_28_x86_64"
glibc_minor=${BASH_REMATCH[1]} arch=${BASH_REMATCH[2]} platforms=()
for ((minor = glibc_minor; minor >= 5; minor--)); do platforms+=(--platform "manylinux_2_${minor}_$arch"); done
platforms+=(--platform "manylinux2014_$arch" --platform "manylinux2010_$arch" --platform "manylinux1_$arch")
download() {  # download [env …] -- pip's options: the wheels of requirements.txt for the target
  local run=(); while [ "$1" != -- ]; do run+=("$1"); shift; done; shift
  "${run[@]}" "$pip_venv/bin/pip" download --disable-pip-version-check --quiet --no-deps --require-hashes \
    --only-binary=:all: "${platforms[@]}" --implementation cp --python-version 3.11 --abi cp311 \
    -r "$root/requirements.txt" "$@"
}
# from the cache alone: no index, and none of the user's pip configuration (its find-links would be searched)
from_cache() {
  download env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null -- \
    --no-index --find-links "$WHEEL_CACHE" -d "$root/wheels"
}
if ! from_cache 2> /dev/null; then
  echo "Downloading the lock's wheels into $WHEEL_CACHE"
  rm -f "$root"/wheels/*
  # the user's pip configuration holds here (a mirror, a proxy, a certificate); not pip's own cache,
  # which would keep a second copy of every wheel
  download -- --no-cache-dir -d "$WHEEL_CACHE" \
    || fail "下载依赖失败：某个依赖没有 $PLATFORM 的 wheel，或无法访问软件源（见上）。" \
            "Downloading the wheels failed: a package has no wheel for $PLATFORM, or the index is unreachable (pip's message above)."
  from_cache
fi

# 4. The app: the files git tracks that are needed to run it (make demo / refresh / dashboard / serve / report,
#    python -m dashboards users), as they are in the worktree. Not data/ (an intranet host has its own;
#    `make demo` writes the demo's files), tests/, bench/ or the development tools' configuration.
git ls-files -z -- pipelines dashboards dbt_project scripts docs Makefile README.md pyproject.toml uv.lock \
  | tar -C . --null -T - -cf - | tar -C "$root" -xf -
cp scripts/bundle-install.sh "$root/install.sh"
chmod +x "$root/install.sh"
# the manifest's code_version reads `git describe`; a bundle has no .git, so it says which commit it is here
git describe --always --dirty > "$root/VERSION"

# 5. One archive (wheels are compressed already: gzip -1 loses little), written under a temporary name
#    so that a failed run leaves no partial archive under the final one.
archive="$OUT/$name-bundle.tar.gz"
trap 'rm -rf "$stage" "$archive.partial"' EXIT
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner -I 'gzip -1' -cf "$archive.partial" "$name"
mv "$archive.partial" "$archive"
(cd "$OUT" && sha256sum "$(basename "$archive")" > "$(basename "$archive").sha256")
echo "$archive ($(du -h "$archive" | cut -f1), $(ls "$root/wheels" | wc -l) wheels, $(cat "$root/VERSION"))"
