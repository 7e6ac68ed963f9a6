// dcc.Graph loads plotly.js when the first graph is drawn, from window._dashPlotlyJSURL (the renderer
// sets it to the plotly package's full bundle, 4.6 MiB). Point it at the cartesian bundle vendored
// beside this file (1.4 MiB; every trace type the dashboard draws): a page without graphs — the
// overview — never parses plotly.js, and one with graphs gets it preloaded (see app.py's index).
Object.defineProperty(window, "_dashPlotlyJSURL", {
    get: () => {
        const config = document.getElementById("_dash-config");
        const prefix = (config && JSON.parse(config.textContent).requests_pathname_prefix) || "/";
        return prefix + "assets/plotly-cartesian.min.js";
    },
    set: () => {},
});
