"""What the server's own HTML pages share (the admin pages, the portal, review and tracker: Flask and
Jinja, no Dash): the page's language, the CSRF check of a form, a database time in the server's zone, and
rendering a template with the frame's context (language switch, links that keep the language)."""
from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import flask
from flask_wtf.csrf import validate_csrf
from werkzeug.exceptions import RequestEntityTooLarge

from dashboards.i18n import DEFAULT_LANG, LANGS, t


def page_lang() -> str:
    lang = flask.request.args.get("lang")
    return lang if lang in LANGS else DEFAULT_LANG


def other_lang(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def check_csrf() -> None:
    """400 unless the form carries the session's CSRF token (a form from another site, or a stale page)."""
    try:
        validate_csrf(flask.request.form.get("csrf_token"))
    except RequestEntityTooLarge:  # reading the form met the upload limit: that answer, not 400
        raise
    except Exception:
        flask.abort(400)


def local_time(at: datetime | None, seconds: bool = True) -> str:
    """A time of the database (naive UTC) in the server's time zone."""
    return at.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "")) if at else ""


def zone_label() -> str:
    offset = datetime.now().astimezone().strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def render_page(current: str, status: int, lang: str, prefix: str, **context) -> flask.Response:
    """The template `current`.html in `lang`, never cached: `t`, `link(path, **query)` (empty values
    dropped, the language kept), the other language's address and the server's zone, and `context`."""
    args = {key: value for key, value in flask.request.args.items() if key != "lang"}
    body = flask.render_template(
        f"{current}.html", current=current, lang=lang, t=lambda key: t(key, lang), prefix=prefix, zone=zone_label(),
        other_lang_href="?" + urlencode(args | {"lang": other_lang(lang)}), other_label=t("language", lang),
        link=lambda path, **query: f"{prefix}{path}?"
                                   f"{urlencode({k: v for k, v in query.items() if v not in (None, '')} | {'lang': lang})}",
        **context)
    return flask.Response(body, status, {"Cache-Control": "no-store"}, mimetype="text/html")
