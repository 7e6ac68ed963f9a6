"""Responses compressed for browsers that accept it, the static files' compressed once per process."""
from __future__ import annotations

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
