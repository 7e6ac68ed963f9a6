"""Responses compressed for browsers that accept it, the static files' compressed once per process; how
long a browser or a proxy may keep each response (`cache_headers`)."""
from __future__ import annotations

import flask
from dash import Dash

STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")


def compress(app: Dash) -> None:
    """Responses compressed for browsers that accept it (zstd, br or gzip): the scripts are 6.5 MiB as
    they are (plotly.min.js alone 4.6 MiB). Dash's scripts are compressed once per process (they do not
    change while it runs); the files of assets/ (sent as file streams) and the callback responses anew
    each time (~10 ms for plotly.js's bundle, a few ms for the largest callback response)."""
    import flask_compress

    app.server.config.update(COMPRESS_CACHE_BACKEND=StaticCache,
                             COMPRESS_CACHE_KEY=lambda request: request.full_path
                             if request.method == "GET" and request.path.startswith(STATIC_PREFIXES) else "")
    flask_compress.Compress(app.server)


class StaticCache:
    """flask-compress's cache, keyed "<algorithm>;<path>": keeps the static files' only (the key of
    anything else ends with ";")."""

    def __init__(self):
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(";"):
            self._data[key] = value


YEAR_S = 365 * 24 * 3600


def cache_headers(app: Dash) -> None:
    """A file of assets/ asked for by its fingerprinted address (`?m=<modified time>`, as Dash writes it
    into the page) is kept a year: a new version has another address. Dash sets the same on its own
    versioned scripts; its unversioned chunks and plotly.js's bundle are revalidated by ETag (a 304).
    Everything else — pages, layouts, callbacks, downloads, the login — is a user's data or session:
    `no-store`, so that no shared proxy keeps it and the browser does not show it again after a logout."""
    prefix = app.config.requests_pathname_prefix

    @app.server.after_request
    def cache(response: flask.Response) -> flask.Response:
        request = flask.request
        static = request.path.startswith((prefix + "_dash-component-suites/", prefix + "assets/"))
        if static and request.path.startswith(prefix + "assets/") and request.args.get("m") and response.status_code == 200:
            response.headers["Cache-Control"] = f"public, max-age={YEAR_S}, immutable"
        elif not static:
            response.headers["Cache-Control"] = "no-store"
        return response
