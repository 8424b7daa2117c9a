"""The governance reports in the console, in a real headless Chromium: the oversight role
signs in and sees the latest kept reports (one row per period, a link per language), no
alert queue; a click downloads the PDF with the session's token, and the download is an
audited action; the panel speaks Arabic too. Part of `make test` (`make web`, `make
chromium` first)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from borderwatch.accounts import DataDir
from borderwatch.api import console
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.messages import OperatorAction, decode_lines
from borderwatch.oversight.library import ReportLibrary
from borderwatch.service import ServiceOptions
from tests.api.conftest import Api, running
from tests.api.test_console_browser import CHROMIUM, _sign_in
from tests.scenarios import TEN_MINUTES, simulate_text


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    run_dir = simulate_text(tmp_path_factory.mktemp("reports-run"), TEN_MINUTES)
    with (run_dir / "messages.jsonl").open("rb") as f:
        messages: list[Any] = list(decode_lines(f))
    data = DataDir(tmp_path_factory.mktemp("reports-data"))
    options = ServiceOptions(data=data, sectors=("N03",), config=EVENT_CLOCK)
    with running(options, messages) as api:
        yield api


@pytest.fixture(scope="module")
def day(api: Api) -> str:
    """The feed's day, with its daily report kept in three languages."""
    t = api.service.engine.tracks_time_ns
    date = dt.datetime.fromtimestamp(t / 1e9, dt.UTC).date().isoformat()
    engine = api.service.engine
    ReportLibrary(api.service.options.data.root).make(
        "daily", date, config=engine.config, registry=engine.registry
    )
    return date


@pytest.fixture(scope="module")
def page(api: Api) -> Iterator[Page]:
    if CHROMIUM is None:
        pytest.fail("no chromium: `make chromium` installs it (apt-get install chromium, as root)")
    if not (console.DIST / "index.html").is_file():
        pytest.fail(f"the console is not built in {console.DIST}: run `make web`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--use-gl=swiftshader", "--enable-unsafe-swiftshader"]
        )
        page = browser.new_context(
            viewport={"width": 1400, "height": 860}, accept_downloads=True
        ).new_page()
        yield page
        browser.close()


def test_oversight_sees_the_latest_reports_and_downloads_one(
    api: Api, page: Page, day: str, tmp_path: Path
) -> None:
    _sign_in(api, page, "ov1")
    row = page.wait_for_selector(f"#reports-panel .report[data-kind='daily'][data-day='{day}']")
    assert row is not None
    links = page.eval_on_selector_all(
        "#reports-panel .report .report-file", "links => links.map(a => a.textContent)"
    )
    assert links == ["ar", "en", "fr"]
    assert page.eval_on_selector_all("#alert-queue .alert", "rows => rows.length") == 0
    views = len(_views(api))
    with page.expect_download() as info:
        page.click("#reports-panel .report-file >> text=ar")
    saved = tmp_path / "report.pdf"
    info.value.save_as(saved)
    assert info.value.suggested_filename == f"daily-{day}-ar.pdf"
    assert saved.read_bytes().startswith(b"%PDF")
    assert len(_views(api)) == views + 1
    page.select_option("#lang", "ar")
    assert page.text_content("#reports-panel h2") == "التقارير"
    assert "يومي" in (page.text_content("#reports-panel .report") or "")


def _views(api: Api) -> list[OperatorAction]:
    return [
        e.message
        for e in api.service.log.audit()
        if isinstance(e.message, OperatorAction) and e.message.action == "view"
    ]
