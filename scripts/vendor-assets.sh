#!/usr/bin/env bash
# Vendors Bootstrap's CSS into dashboards/assets/ so the dashboard runs on an intranet without
# internet access (Dash serves every .css in assets/ itself, in file-name order: bootstrap.min.css
# loads before touyan.css).
#
# Source: the `bootstrap` package on the npm registry (`npm pack`, no other network needed).
# Writes dashboards/assets/bootstrap.min.css (license header kept; the trailing sourceMappingURL
# comment removed so browsers do not request a .map file) and bootstrap-LICENSE.txt (MIT).
#
# Refresh: change BOOTSTRAP_VERSION below (or run `BOOTSTRAP_VERSION=5.3.x scripts/vendor-assets.sh`),
# run the script, look at the dashboard, commit both files. Stay on 5.3.x:
# dash-bootstrap-components 2.x is written against Bootstrap 5.3.
set -euo pipefail
BOOTSTRAP_VERSION="${BOOTSTRAP_VERSION:-5.3.9}"
assets="$(cd "$(dirname "$0")/.." && pwd)/dashboards/assets"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "bootstrap@${BOOTSTRAP_VERSION}" > /dev/null && tar -xzf bootstrap-*.tgz)
css="$tmp/package/dist/css/bootstrap.min.css"
grep -q "Bootstrap  *v${BOOTSTRAP_VERSION} " "$css" || { echo "license header of v${BOOTSTRAP_VERSION} not found in $css" >&2; exit 1; }

mkdir -p "$assets"
sed -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$css" > "$assets/bootstrap.min.css"
cp "$tmp/package/LICENSE" "$assets/bootstrap-LICENSE.txt"

# Nothing the browser would fetch from outside: no source map, no @import, no url(http...).
# (URLs left: the license comment and SVG xmlns identifiers inside data: URIs; neither is requested.)
if grep -n -E "sourceMappingURL|@import|url\(['\"]?(https?:)?//" "$assets"/*.css; then
  echo "dashboards/assets: a stylesheet references a remote resource (lines above)" >&2
  exit 1
fi
echo "Vendored Bootstrap ${BOOTSTRAP_VERSION} into ${assets#"$(pwd)/"}"
