"""The officer's lane page in a real headless Chromium, against the API suite's service.

A national guard officer bound to Dehiba-Wazen signs in and gets the lane page, not the map.
They paste a Libyan passport's zone (a listed man under another writing of his name) with the
plate and the name in Arabic script, record it, and see the hit and its explanation; they
decide (held) and the lookout incident is resolved. In Arabic the page turns right to left,
and a zone with a wrong check digit is refused naming the field; in French the labels are
French.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from borderwatch.accounts import DataDir
from borderwatch.api import console
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.service import ServiceOptions
from tests.accounts.helpers import PASSWORD
from tests.api.browser import wait_until
from tests.api.test_console_browser import CHROMIUM

from .checkpoints_data import INNOCENT, LISTED, OTHER_OFFICER, POSTS_FEED
from .conftest import Api, running


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, messages: list[Any]) -> Iterator[Api]:
    """A service of its own (lookout incidents stay out of the shared one)."""
    options = ServiceOptions(
        data=DataDir(tmp_path_factory.mktemp("lane-data")), sectors=("N03",), config=EVENT_CLOCK
    )
    with running(options, messages[:POSTS_FEED]) as api:
        yield api


@pytest.fixture(scope="module")
def page(api: Api) -> Iterator[Page]:
    if CHROMIUM is None:
        pytest.fail("no chromium: `make chromium` installs it (apt-get install chromium, as root)")
    if not (console.DIST / "index.html").is_file():
        pytest.fail(f"the console is not built in {console.DIST}: run `make web`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        assert not errors
        browser.close()


def _broken(mrz: str) -> str:
    one, two = mrz.split("\n")
    return one + "\n" + two[:9] + str((int(two[9]) + 1) % 10) + two[10:]


def test_an_officer_records_a_passage_sees_why_and_decides(api: Api, page: Page) -> None:
    page.goto(api.base_url + "/")
    page.evaluate("localStorage.setItem('borderwatch.lang', 'en')")
    page.reload()
    page.fill("input[name=username]", OTHER_OFFICER)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#lane:not([hidden]) select[name=post] option", state="attached")
    assert page.is_hidden("#map")
    assert page.input_value("select[name=post]") == "dehiba_wazen"
    assert page.text_content("select[name=post] option") == "Dehiba–Wazen"
    lanes = page.eval_on_selector_all("select[name=lane] option", "os => os.map(o => o.value)")
    assert lanes == ["L1", "L2", "T1"]

    page.select_option("select[name=lane]", "L2")
    page.fill("textarea[name=mrz]", LISTED)
    page.fill("input[name=plate]", "123 TU 4567")
    page.fill("input[name=names_arabic]", "عبد الله بن سالم القذافي")
    page.click("#lane button[type=submit]")
    page.wait_for_selector(".lane-verdict.hit")
    assert page.text_content(".lane-verdict") == "Lookout hit: second line"
    hits = page.text_content(".lane-hits") or ""
    assert "watch/W1" in hits
    assert "list watch (wanted, national_guard)" in hits
    assert "date of birth" in hits
    pid = page.get_attribute(".lane-verdict", "data-passage")
    assert pid is not None
    iid = api.service.engine.lookouts[pid]
    assert iid in (page.text_content(".lane-decision") or "")
    rec = api.app.state.checkpoints.log.view(pid, "test", 0, "browser test check")
    assert (rec.lane, rec.plate) == ("L2", "TN 123 TU 4567")

    page.fill(".lane-decision input[name=why]", "warrant confirmed by the duty officer")
    page.click("button.decide.held")
    wait_until(page, "document.querySelector('.lane-decided').textContent.includes('Held')")
    inc = api.service.engine.incidents[iid]
    assert (inc.state, inc.outcome) == ("resolved", "apprehended")

    # Arabic: right to left, the words in Arabic, and a wrong check digit named.
    page.select_option("#lang", "ar")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.text_content("#lane button[type=submit]") == "تسجيل وتدقيق"
    page.fill("textarea[name=mrz]", _broken(INNOCENT))
    page.click("#lane button[type=submit]")
    wait_until(page, "document.querySelector('.lane-error').textContent.length > 0")
    error = page.text_content(".lane-error") or ""
    assert error.startswith("مرفوض ($.mrz.document_number)")
    # French, and a traveller on no list.
    page.select_option("#lang", "fr")
    assert page.text_content("#lane label span") == "Poste"
    page.fill("textarea[name=mrz]", INNOCENT)
    page.fill("input[name=plate]", "")
    page.click("#lane button[type=submit]")
    page.wait_for_selector(".lane-verdict.clear")
    assert page.text_content(".lane-verdict") == "Aucun signalement"
    assert page.query_selector(".lane-decision") is None
