"""The console's TAK side in a real headless Chromium: a patrol's ATAK (pytak, with its device
certificate over TLS) drops a hostile and an unknown marker and raises an emergency; the
operator's console shows the markers on the map (their own layer) and listed in the map side,
and the emergency in its own red box above the alert queue (its incident, of category
`emergency`, is in neither the intrusion nor the health queue), a click away from its
incident and its place. A partner's patrol (joint patrols) is on the map as an assumed friend
labelled with its agency, and its answer on the incident names its agency. A partner's
console asks for neither (it may not read them) and shows neither."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from borderwatch import pki
from borderwatch.accounts import DataDir
from borderwatch.api import console
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.ingest import cot
from borderwatch.messages import OperatorAction, Patrol
from borderwatch.service import ServiceOptions
from tests.api.browser import wait_until
from tests.api.conftest import PATROL, Api, running
from tests.api.takclient import Device, config
from tests.api.takclient import cot as cot_event
from tests.api.test_console_browser import CHROMIUM, _sign_in
from tests.ingest.cot.test_pytak import PYTAK_TLS_WARNING

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings(PYTAK_TLS_WARNING)]

FEED = 3_000


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, messages: list[Any]) -> Iterator[Api]:
    data = DataDir(tmp_path_factory.mktemp("tak-console-data"))
    pki.init_ca(data.pki)
    pki.issue(data.pki, PATROL, organisational_unit="national_guard")
    options = ServiceOptions(data=data, sectors=("N03",), config=EVENT_CLOCK)
    settings = cot.CotSettings(host="127.0.0.1", tcp_port=None, udp_port=None, tls_port=0)
    with running(options, messages[:FEED]) as api:
        service = api.service

        async def start() -> cot.CotServer:
            tls = pki.server_ssl_context(data.pki)
            return await cot.setup(
                settings, service.admission, service.stats, tls, None, hub=service.tak
            )

        server = api.call(start)
        try:
            device = Device(config(f"tls://127.0.0.1:{server.tls_port}", data.pki, PATROL))

            async def drop() -> None:
                async with device:
                    now = service.engine.tracks_time_ns  # the twin's clock (event time)
                    emergency = (
                        f'<contact callsign="{PATROL}"/>'
                        f'<emergency type="911 Alert">{PATROL}</emergency>'
                    )
                    await device.send(
                        [
                            cot_event("a-h-G", "hostile-1", now, 33.05, 11.25),
                            cot_event("a-u-G", "unknown-1", now, 33.06, 11.27),
                            cot_event("b-a-o-tbl", f"{PATROL}-9-1-1", time.time_ns(), 33.1, 11.2,
                                      emergency),
                        ]
                    )  # fmt: skip
                    deadline = time.monotonic() + 20
                    while (
                        len(service.tak.devices.markers) < 2 or not service.tak.devices.emergencies
                    ):
                        assert time.monotonic() < deadline, "the device's events were not taken"
                        await asyncio.sleep(0.05)

            asyncio.run(drop())

            async def partner() -> None:
                # A Libyan patrol, as its link admits it (joint patrols).
                now = service.engine.tracks_time_ns
                report = Patrol(
                    callsign="ly/LY-P1", agency="partner:ly", time_ns=now, lat=33.07, lon=11.26
                )
                await service.admission.accept([report], "test:partner-link")
                # The twin goes on a little: the engine's next snapshot publishes the patrol.
                await service.admission.accept(messages[FEED : FEED + 300], "test:twin")
                await service.engine.processed(service.writer.last_seq)

            api.call(partner)
            yield api
        finally:
            api.call(server.close)


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
        page = browser.new_context(viewport={"width": 1400, "height": 860}).new_page()
        yield page
        browser.close()


def test_markers_on_the_map_and_the_emergency_in_its_own_box(api: Api, page: Page) -> None:
    errors: list[str] = []
    asked: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: asked.append(r.url))
    _sign_in(api, page, "op1")
    # The markers: listed (hostile first by colour, each with its device), and on the map.
    page.wait_for_selector("#tak-box:not([hidden]) .tak-marker[data-uid='hostile-1']")
    hostile = page.locator(".tak-marker[data-uid='hostile-1']")
    assert "hostile" in (hostile.get_attribute("class") or "")
    assert PATROL in (hostile.text_content() or "")
    assert "unknown" in (page.get_attribute(".tak-marker[data-uid='unknown-1']", "class") or "")
    wait_until(page, "document.getElementById('tak-markers').dataset.onMap === '2'")
    # The emergency: its own red box above the queue, naming the patrol.
    box = "#tak-emergencies:not([hidden])"
    page.wait_for_selector(f"{box} .tak-emergency")
    (alert,) = api.service.tak.devices.emergencies.values()
    row = page.locator(f"{box} .tak-emergency[data-id='{alert.id}']")
    assert PATROL in (row.text_content() or "")
    shown = page.locator("#tak-emergencies").bounding_box()
    queue = page.locator("#alert-queue").bounding_box()
    assert shown is not None
    assert queue is not None
    assert shown["y"] < queue["y"]  # above the queue
    assert shown["height"] > 0
    # Its incident is an emergency's (neither the intrusion queue nor the health queue): a
    # click opens it, to be worked, and takes the map to its place.
    (incident,) = [i for i in api.service.engine.incidents.values() if alert.id in i.alert_ids]
    assert incident.category == "emergency"
    wait_until(
        page, f"document.querySelector('.tak-emergency').dataset.incident === '{incident.id}'"
    )
    assert not page.locator(f"#alert-queue .alert[data-id='{alert.id}']").count()
    # Its state, in words ("new" is left out of the message as its default).
    state = row.locator(".state").text_content() or ""
    assert state == "new", state
    assert row.get_attribute("data-state") == "new"
    # A partner's patrol is on the map apart from ours (an assumed friend, labelled with its
    # agency), and its answer to a proposal on the incident names its agency.
    wait_until(page, "document.querySelector('.maplibregl-map').dataset.partnerPatrols === '1'")
    answer = OperatorAction(
        id="pchat-ly-tak-m1", user="ly/LY-P1", agency="partner:ly", role="patrol",
        time_ns=incident.updated_ns, action="note", target=incident.id, why="accepted: accept",
        params={"partner_reply": "accepted", "patrol": "ly/LY-P1", "link": "ly-tak"},
    )  # fmt: skip
    api.call(api.service.act, answer)
    before = page.screenshot(clip={"x": 0, "y": 60, "width": 800, "height": 700})
    row.click()
    page.wait_for_selector("#incident-panel:not([hidden])[data-state=new]")
    assert incident.id in (page.text_content("#incident-panel") or "")
    page.wait_for_selector("#incident-panel .notes li")
    assert "ly/LY-P1 (partner:ly)" in (page.text_content("#incident-panel .notes") or "")
    page.wait_for_timeout(1500)  # the flight
    after = page.screenshot(clip={"x": 0, "y": 60, "width": 800, "height": 700})
    assert before != after
    # Arabic: the box's title in Arabic.
    page.select_option("#lang", "ar")
    assert (page.text_content("#tak-emergencies h2") or "").strip() == "حالات الطوارئ"
    page.select_option("#lang", "en")
    assert any("/api/v1/tak/markers" in u for u in asked)
    assert errors == []
    page.click("#logout")


def test_a_partner_console_asks_for_neither(api: Api, page: Page) -> None:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    _sign_in(api, page, "ly1")
    page.wait_for_timeout(1500)
    assert page.locator("#tak-box").is_hidden()
    assert page.locator("#tak-emergencies").is_hidden()
    assert not any("/api/v1/tak/" in u for u in asked)
