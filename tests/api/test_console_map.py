"""The map side of the console in a real headless Chromium (Debian's `chromium`, driven by
Playwright), against the API suite's running service: the fixed layers load and toggle, the
filters hide tracks, the sensors and sectors panel shows health, heartbeats and threat, times
are in UTC and Tunis time, words follow the language, and the replay slider shows a past
picture and goes back to live.

Also: a site tile server from `?tiles=` and the layer list, and a partner asking for nothing
it would be refused. Skipped where Playwright, Chromium or the console's build is missing
(`make web`).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from borderwatch.api import console
from tests.accounts.helpers import PASSWORD
from tests.api.browser import wait_until
from tests.api.conftest import Api

CHROMIUM = os.environ.get("BORDERWATCH_CHROMIUM") or shutil.which("chromium")
COUNT = "Number(document.getElementById('track-count').textContent.split('/')[0])"


@pytest.fixture(scope="module")
def page(api: Api) -> Iterator[Any]:
    """A signed-in operator's console (software WebGL: no GPU here), recording errors and the
    API's answers."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("no chromium (apt-get install chromium)")
    if not (console.DIST / "index.html").is_file():
        pytest.skip("the console is not built (make web)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--use-gl=swiftshader", "--enable-unsafe-swiftshader"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-GB")
        page.errors = []
        page.answers = {}
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("response", lambda r: page.answers.setdefault(r.url.split("?")[0], r.status))
        page.goto(api.base_url + "/")
        page.evaluate("localStorage.clear()")
        page.fill("input[name=username]", "op1")
        page.fill("input[name=password]", PASSWORD)
        page.click("#login button[type=submit]")
        page.wait_for_selector("#stream-state.live")
        wait_until(page, f"{COUNT} > 0")
        yield page
        browser.close()


def test_the_fixed_layers_load_and_toggle(api: Api, page: Any) -> None:
    for path in ("/border", "/sites", "/sectors", "/zones"):
        url = f"{api.base_url}/api/v1{path}"
        # The answer is recorded when it arrives: on a loaded machine, after the tracks.
        for _ in range(200):
            if url in page.answers:
                break
            page.wait_for_timeout(50)
        assert page.answers.get(url) == 200, path
    page.click("#layers-box summary")
    boxes = page.query_selector_all("#layer-list input[type=checkbox]")
    assert len(boxes) == 13
    # At first everything is shown but the loitering band and the road corridors.
    hidden = {b.get_attribute("data-group") for b in boxes if not b.is_checked()}
    assert hidden == {"loitering", "corridors"}
    page.uncheck("#layer-list input[data-group=coverage]")
    saved = page.evaluate("JSON.parse(localStorage.getItem('borderwatch.layers'))")
    assert "coverage" not in saved
    assert "berm" in saved
    page.check("#layer-list input[data-group=coverage]")
    assert page.errors == []


def test_the_alert_zones_on_the_map(page: Any) -> None:
    # The zones source got the approach band, the loitering band and both corridors (the
    # count the console leaves on the map's element); the approach band is shown at first,
    # the others when their box is ticked, and the choice is kept.
    assert page.get_attribute("#map", "data-zones-features") == "4"
    assert page.is_checked("#layer-list input[data-group=approach]")
    assert not page.is_checked("#layer-list input[data-group=corridors]")
    page.check("#layer-list input[data-group=corridors]")
    assert "corridors" in page.evaluate("JSON.parse(localStorage.getItem('borderwatch.layers'))")
    page.uncheck("#layer-list input[data-group=corridors]")
    page.select_option("#lang", "fr")
    assert page.text_content("#layer-list input[data-group=approach] + span") == "zone d'approche"
    page.select_option("#lang", "en")
    assert page.errors == []


def test_filters_hide_tracks(page: Any) -> None:
    total = page.evaluate(COUNT)
    for box in page.query_selector_all(".filter-classes input"):
        box.uncheck()
    wait_until(page, "document.getElementById('track-count').textContent.startsWith('0/')")
    assert page.text_content("#track-count") == f"0/{total}"
    for box in page.query_selector_all(".filter-classes input"):
        box.check()
    wait_until(page, f"{COUNT} > 0")
    # A sector with no tracks empties the map; "all" brings them back.
    options = page.eval_on_selector_all("#filter-sector option", "os => os.map(o => o.value)")
    assert options == ["", "N03"]  # the service watches N03 only
    page.select_option("#filter-sector", "N03")
    wait_until(page, f"{COUNT} > 0")
    page.select_option("#filter-sector", "")


def test_the_health_panel(api: Api, page: Any) -> None:
    row = page.wait_for_selector("#health-panel tr.sector[data-sector=N03]")
    cells = [c.text_content() for c in row.query_selector_all("td")]
    engine = api.service.engine
    open_ = sum(1 for i in engine.incidents.values() if i.state != "resolved" and i.sector == "N03")
    assert cells[0] == "N03"
    assert cells[1] in ("low", "elevated", "high")
    assert int(cells[2]) == open_
    sensors = api.client.get("/api/v1/sensors", headers=api.auth("op1")).json()
    up = sum(1 for s in sensors if s["health"] == "ok")
    assert cells[3] == f"{up}/{len(sensors)}"
    assert "priority 1" in row.query_selector(".threat").get_attribute("title")
    row.click()
    line: Any = page.wait_for_selector("#health-panel tr.sensor[data-sensor='T05-R']")
    radar = [c.text_content() for c in line.query_selector_all("td")]
    assert radar[:3] == ["T05-R", "ok", "radar"]
    assert radar[3].endswith("ago")
    heard = line.query_selector_all("td")[3].get_attribute("title")
    assert re.search(r"\d\d:\d\d:\d\d UTC · \d\d:\d\d:\d\d Tunis", heard)


def test_times_in_utc_and_tunis(page: Any) -> None:
    text = page.text_content("#clock")
    found = re.fullmatch(r"(\d\d):(\d\d):(\d\d) UTC · (\d\d):(\d\d):(\d\d) Tunis", text)
    assert found, text
    utc_h, tunis_h = int(found[1]), int(found[4])
    assert (tunis_h - utc_h) % 24 == 1  # Tunisia keeps UTC+1 all year
    assert found.group(2, 3) == found.group(5, 6)


def test_words_follow_the_language(page: Any) -> None:
    page.select_option("#lang", "fr")
    assert page.text_content("#health-box summary") == "Capteurs et secteurs"
    assert page.text_content("#health-panel th") == "Secteur"
    page.select_option("#lang", "ar")
    assert page.text_content("#filters-box summary") == "المرشّحات"
    assert page.text_content("#clock").endswith("تونس")
    assert page.text_content("#health-panel .threat") in ("منخفض", "مرتفع", "عالٍ")
    page.select_option("#lang", "en")
    assert page.text_content("#health-panel th") == "Sector"


def test_replay_shows_a_past_picture_then_live(page: Any) -> None:
    page.click("#replay-box summary")
    slider = page.wait_for_selector("#replay-slider")
    wait_until(page, "Number(document.getElementById('replay-slider').max) > 60")
    # Half a minute before the end of the log, when the run's last tracks were out.
    page.evaluate(
        """() => {
          const s = document.getElementById('replay-slider');
          s.value = String(Number(s.max) - 30);
          s.dispatchEvent(new Event('change'));
        }"""
    )
    wait_until(page, "document.getElementById('clock').textContent.startsWith('REPLAY')")
    assert slider.get_attribute("max")
    wait_until(page, f"{COUNT} > 0")
    page.click("#replay-panel button")
    wait_until(page, "!document.getElementById('clock').textContent.startsWith('REPLAY')")
    assert page.errors == []


def test_a_partner_asks_for_nothing_it_would_be_refused(api: Api, page: Any) -> None:
    other = page.context.browser.new_page(viewport={"width": 1280, "height": 800})
    refused: list[str] = []
    other.on("response", lambda r: refused.extend([r.url] if r.status == 403 else []))
    try:
        other.goto(api.base_url + "/")
        other.fill("input[name=username]", "ly1")
        other.fill("input[name=password]", PASSWORD)
        other.click("#login button[type=submit]")
        other.wait_for_selector("#stream-state.live")
        # No sectors, sensors or track history for a partner: those panels are not shown,
        # the map says the sectors are unavailable, and nothing was asked for in vain.
        other.wait_for_selector("#notice:not([hidden])")
        assert other.text_content("#notice") == "Sectors unavailable"
        assert other.is_hidden("#health-box")
        assert other.is_hidden("#replay-box")
        assert other.is_visible("#filters-box")
        other.wait_for_timeout(500)
        assert refused == []
    finally:
        other.close()


def test_a_site_tile_server_from_the_address_or_the_layer_list(api: Api, page: Any) -> None:
    template = f"{api.base_url}/site-tiles/{{z}}/{{x}}/{{y}}.png"
    other = page.context.browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        other.goto(f"{api.base_url}/?tiles={quote(template, safe='')}")
        other.fill("input[name=username]", "op1")
        other.fill("input[name=password]", PASSWORD)
        # The map asks the site's server for its tiles (none here: 404s, still drawn over).
        with other.expect_request(lambda r: r.url.startswith(f"{api.base_url}/site-tiles/")):
            other.click("#login button[type=submit]")
        other.click("#layers-box summary")
        assert other.input_value("#tiles-url") == template
        # Saved in the browser from the layer list, for the next visit without ?tiles=.
        other.fill("#tiles-url", "")
        other.click("#layer-list .tiles button")
        assert other.evaluate("localStorage.getItem('borderwatch.tiles')") is None
        other.fill("#tiles-url", template)
        other.click("#layer-list .tiles button")
        assert other.evaluate("localStorage.getItem('borderwatch.tiles')") == template
    finally:
        other.evaluate("localStorage.removeItem('borderwatch.tiles')")
        other.close()
