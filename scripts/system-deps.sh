#!/usr/bin/env bash
# Debian packages the project needs: Chromium and its driver (browser tests, figure export through
# Playwright), Noto CJK fonts (Chinese text in exported PNG/PDF) and poppler-utils (pdftotext /
# pdftoppm: the export tests read the PDF's text layer) and LibreOffice Calc without its GUI (the office
# round trip test saves the demo's CSVs as .xlsx, .xls and .ods as an office worker would, numbers
# detected; ~50 s to install). Installed when missing and we are root; otherwise the exact command is
# printed.
#
#   scripts/system-deps.sh          the packages of the default path (make setup)
#   scripts/system-deps.sh spark    Java 17 for the Spark engine (make setup-spark), only: the default
#                                   path never needs Java
set -euo pipefail
case "${1:-default}" in
  default) packages=(chromium chromium-driver fonts-noto-cjk poppler-utils libreoffice-calc-nogui) ;;
  spark) packages=(openjdk-17-jre-headless) ;;
  *) echo "usage: $0 [spark]" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  bash -c "$cmd" > /tmp/touyan-apt.log 2>&1 || { tail -n 20 /tmp/touyan-apt.log; exit 1; }
else
  echo "Missing Debian packages: ${missing[*]}. Install them with:"
  echo "  sudo bash -c '$cmd'"
  exit 1
fi
