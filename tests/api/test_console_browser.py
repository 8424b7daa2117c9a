"""The operator console in a real headless Chromium (Debian's `chromium`, driven by
Playwright), against the API suite's running service: sign in, the live picture arrives,
the page switches to Arabic (right to left), nothing is fetched from outside the service.

Not part of `make test` yet: it runs only with BORDERWATCH_BROWSER=1, Playwright's Python
package importable, Chromium installed and the console built (`make web`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from borderwatch.api import console
from tests.accounts.helpers import PASSWORD
from tests.api.conftest import Api

pytestmark = pytest.mark.skipif(
    os.environ.get("BORDERWATCH_BROWSER") != "1",
    reason="the browser test runs with BORDERWATCH_BROWSER=1 (not yet in make test)",
)

CHROMIUM = os.environ.get("BORDERWATCH_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def page(api: Api) -> Iterator[Any]:
    """A Chromium page (software WebGL: no GPU here) that records errors and requests."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("no chromium (apt-get install chromium)")
    if not (console.DIST / "index.html").is_file():
        pytest.skip("the console is not built (make web)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--use-gl=swiftshader", "--enable-unsafe-swiftshader"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.errors = []
        page.requests = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("request", lambda r: page.requests.append(r.url))
        yield page
        browser.close()


def test_sign_in_and_see_the_live_picture(api: Api, page: Any) -> None:
    page.goto(api.base_url + "/")
    page.fill("input[name=username]", "op1")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#map:not([hidden]) canvas")
    page.wait_for_selector("#stream-state.live")
    # The stream starts with the whole picture: tracks are on the map at once.
    page.wait_for_function("Number(document.getElementById('track-count').textContent) > 0")
    assert page.text_content("#who").startswith("op1 (operator")
    assert page.errors == []


def test_arabic_reads_right_to_left(page: Any) -> None:
    page.select_option("#lang", "ar")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "ar",
        "rtl",
    ]
    assert page.text_content("#logout") == "خروج"
    page.select_option("#lang", "en")
    assert page.evaluate("document.documentElement.dir") == "ltr"


def test_nothing_is_fetched_from_outside(api: Api, page: Any) -> None:
    outside = [url for url in page.requests if not url.startswith((api.base_url, "data:", "blob:"))]
    assert outside == []


def test_sign_out_returns_to_the_form(page: Any) -> None:
    page.click("#logout")
    page.wait_for_selector("#login:not([hidden])")
    assert page.is_hidden("#map")
    assert page.errors == []
