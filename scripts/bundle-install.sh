#!/usr/bin/env bash
# install.sh of a bundle made by `make bundle` (scripts/bundle.sh; docs/deployment.md): Touyan's Python
# environment in .venv from the bundle's wheels/ alone, on a host without internet. pip is given no
# index, and each wheel must have the hash uv.lock gives it (requirements.txt), so what is installed is
# what the lock was tested with. PYTHON: the interpreter (python3.11 unless given; Debian and Ubuntu
# need the python3.11-venv package for its venv module).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3.11}

fail() { printf '%s\n' "$@" >&2; exit 1; }

command -v "$PYTHON" > /dev/null || fail "找不到 $PYTHON：需要 Python 3.11。" "$PYTHON not found: Touyan needs Python 3.11."
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || fail "$PYTHON 不是 Python 3.11。" "$PYTHON is not Python 3.11 (the wheels are built for CPython 3.11)."
"$PYTHON" -m venv .venv || fail "无法创建虚拟环境（Debian/Ubuntu：安装 python3.11-venv）。" \
  "Could not create the virtual environment (Debian/Ubuntu: install python3.11-venv)."
.venv/bin/python -m pip install --disable-pip-version-check --no-index --find-links wheels --only-binary=:all: \
  --require-hashes -r requirements.txt

# The Makefile's targets (make demo, refresh, dashboard, serve, report) run this environment as it is:
# it is marked as synced, and in place of uv (which would sync it from the internet) a stand-in says why
# it cannot. It is called only if uv.lock or pyproject.toml were changed after this install.
touch .venv/.synced
mkdir -p .tools/bin
cat > .tools/bin/uv <<'EOF'
#!/bin/sh
echo "离线安装：依赖只来自安装包，这里没有 uv。请在能上网的机器上用 make bundle 重新打包。" >&2
echo "Offline install: the dependencies come from the bundle only, there is no uv here. Build a new bundle with make bundle on a machine with internet access." >&2
exit 1
EOF
chmod +x .tools/bin/uv

cat <<EOF
已安装 / Installed: $(.venv/bin/python -V) in $PWD/.venv ($(cat VERSION))
Next / 下一步 (docs/deployment.md):
  make demo && make refresh                          # the demo data, or your submissions in data/raw/ (TOUYAN_DATA_DIR)
  .venv/bin/python -m dashboards users add admin --role admin   # the first account
  scripts/system-deps.sh                             # Debian packages: Chromium, CJK fonts (exports, report pack)
EOF
