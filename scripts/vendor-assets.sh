#!/usr/bin/env bash
# Vendors Bootstrap's CSS into dashboards/assets/ so the dashboard runs on an intranet without
# internet access (Dash serves every .css in assets/ itself, in file-name order: bootstrap.min.css
# loads before touyan.css), and plotly.js's cartesian bundle (scatter, bar, heatmap… — every trace
# type the dashboard draws): dcc.Graph loads it instead of the plotly package's full bundle (1.4 MiB
# to parse against 4.6; assets/touyan-plotly.js points it there, server/app.py keeps it out of the page's
# scripts). Same plotly.js version as the plotly package. The export renderer (dashboards/render/browser.py)
# loads the same bundle into its Chromium.
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
PLOTLY_JS_VERSION="${PLOTLY_JS_VERSION:-4.1.1}"  # = the plotly package's (plotly/package_data/plotly.min.js)
assets="$(cd "$(dirname "$0")/.." && pwd)/dashboards/assets"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "bootstrap@${BOOTSTRAP_VERSION}" > /dev/null && tar -xzf bootstrap-*.tgz)
css="$tmp/package/dist/css/bootstrap.min.css"
grep -q "Bootstrap  *v${BOOTSTRAP_VERSION} " "$css" || { echo "license header of v${BOOTSTRAP_VERSION} not found in $css" >&2; exit 1; }

mkdir -p "$assets"
sed -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$css" > "$assets/bootstrap.min.css"
cp "$tmp/package/LICENSE" "$assets/bootstrap-LICENSE.txt"

(cd "$tmp" && npm pack --silent "plotly.js-cartesian-dist-min@${PLOTLY_JS_VERSION}" > /dev/null \
  && tar -xzf plotly.js-cartesian-dist-min-*.tgz --transform 's#^package/#plotly/#')
js="$tmp/plotly/plotly-cartesian.min.js"
grep -q "plotly.js (cartesian - minified) v${PLOTLY_JS_VERSION}$" "$js" || { echo "header of v${PLOTLY_JS_VERSION} not found in $js" >&2; exit 1; }
cp "$js" "$assets/plotly-cartesian.min.js"
cp "$tmp/plotly/LICENSE" "$assets/plotly-LICENSE.txt"
if grep -q "sourceMappingURL" "$assets/plotly-cartesian.min.js"; then
  echo "plotly-cartesian.min.js names a source map" >&2
  exit 1
fi

# Nothing the browser would fetch from outside: no source map, no @import, no url(http...).
# (URLs left: the license comment and SVG xmlns identifiers inside data: URIs; neither is requested.)
if grep -n -E "sourceMappingURL|@import|url\(['\"]?(https?:)?//" "$assets"/*.css; then
  echo "dashboards/assets: a stylesheet references a remote resource (lines above)" >&2
  exit 1
fi
echo "Vendored Bootstrap ${BOOTSTRAP_VERSION} and plotly.js ${PLOTLY_JS_VERSION} (cartesian) into ${assets#"$(pwd)/"}"
