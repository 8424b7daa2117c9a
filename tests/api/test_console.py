"""The operator console at `/`: the built index and its assets, with their content types and
cache headers, over the running service; and the way to the API's pages while no build is
there (a fresh checkout before `make web`)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from borderwatch.api import ApiSettings, console
from tests.api.conftest import Api

INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-ab12.js"></script>'
SCRIPT = "console.log('borderwatch');\n"
STYLE = "body { margin: 0 }\n"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A build as Vite lays it out: index.html and hashed assets."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-ab12.js").write_text(SCRIPT)
    (tmp_path / "assets" / "index-cd34.css").write_text(STYLE)
    return tmp_path


def test_the_address_run_prints_shows_the_console(
    api: Api, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "DIST", dist)
    client = api.app_with(ApiSettings())
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == console.INDEX_CACHE
    assert r.text == INDEX
    # The API is still there beside it.
    assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(
    ("name", "body", "media_type"),
    [("index-ab12.js", SCRIPT, "text/javascript"), ("index-cd34.css", STYLE, "text/css")],
)
def test_assets_are_served_with_their_types_and_cached(
    api: Api, dist: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str, media_type: str
) -> None:
    monkeypatch.setattr(console, "DIST", dist)
    client = api.app_with(ApiSettings())
    r = client.get(f"/assets/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media_type
    assert r.headers["cache-control"] == console.ASSET_CACHE
    assert r.text == body


def test_a_missing_asset_is_not_found_and_not_cached(
    api: Api, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "DIST", dist)
    client = api.app_with(ApiSettings())
    for path in ("/assets/index-0000.js", "/assets/../index.html", "/assets/%2e%2e/index.html"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "cache-control" not in r.headers, path


def test_without_a_build_the_address_leads_to_the_api_pages(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(console, "DIST", tmp_path / "web_dist")
    with caplog.at_level(logging.INFO, logger=console.__name__):
        client = api.app_with(ApiSettings())
    assert [r.getMessage() for r in caplog.records if "make web" in r.getMessage()] != []
    r = client.get("/", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, "/docs")
    assert client.get("/").status_code == 200  # the docs page itself
    assert client.get("/assets/index-ab12.js").status_code == 404
