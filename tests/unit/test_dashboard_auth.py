"""Basic authentication is opt-in: without the two environment variables the app is open on
localhost; with them, every request needs the credentials."""
from __future__ import annotations

import base64
from dataclasses import replace

from dashboards.server.app import create_app
from pipelines.config import Settings


def settings(data_dir) -> Settings:
    """The settings the environment gives (Settings.from_env: the login), over `data_dir`, no trusted proxies."""
    return replace(Settings.from_env(), data_dir=data_dir, trusted_proxies=())


def header(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_open_without_credentials_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("TOUYAN_DASH_USER", raising=False)
    monkeypatch.delenv("TOUYAN_DASH_PASSWORD", raising=False)
    client = create_app(settings(tmp_path)).server.test_client()
    assert client.get("/").status_code == 200


def test_credentials_required_when_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("TOUYAN_DASH_USER", "analyst")
    monkeypatch.setenv("TOUYAN_DASH_PASSWORD", "s3cret")
    client = create_app(settings(tmp_path)).server.test_client()
    denied = client.get("/")
    assert denied.status_code == 401 and denied.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/", headers=header("analyst", "wrong")).status_code == 401
    assert client.get("/", headers=header("analyst", "s3cret")).status_code == 200
    assert client.get("/_dash-layout", headers=header("analyst", "s3cret")).status_code == 200
