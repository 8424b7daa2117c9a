"""The crossing posts through the API, as their users take them: an officer records a passage
at the lane (the zone and plate as scanned), a listed traveller raises a lookout incident at
the post, the second line decides; who may see what (need to know), and the audit trail of
every read and write of a traveller's record."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any, get_args

import pytest

from borderwatch.accounts import DataDir
from borderwatch.api import checkpoints as checkpoints_api
from borderwatch.api.checkpoints import PostName
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.messages import OperatorAction
from borderwatch.ops.checkpoints.records import POSTS
from borderwatch.service import ServiceOptions
from borderwatch.store import StoreError

from .checkpoints_data import (
    EXPIRED_ENTRY,
    INNOCENT,
    LISTED,
    OFFICER,
    OTHER_OFFICER,
    POST,
    POSTS_FEED,
    dehiba,
    lane,
    listed_again,
    passport,
)
from .conftest import Api, running


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, messages: list[Any]) -> Iterator[Api]:
    """A service of its own: lookout incidents must not enter the shared service's picture,
    whose tests count its incidents and their tracks (a short feed: the posts need no sensor)."""
    options = ServiceOptions(
        data=DataDir(tmp_path_factory.mktemp("posts-data")), sectors=("N03",), config=EVENT_CLOCK
    )
    with running(options, messages[:POSTS_FEED]) as api:
        yield api


PASSAGES = "/api/v1/checkpoints/passages"
AT_POST = f"/api/v1/checkpoints/posts/{POST}/passages"


def _record(api: Api, body: dict[str, Any], user: str = OFFICER) -> Any:
    r = api.client.post(PASSAGES, json=body, headers=api.auth(user))
    assert r.status_code == 200, r.text
    return r.json()


def _audit(api: Api, pid: str) -> list[dict[str, Any]]:
    r = api.client.get(f"/api/v1/checkpoints/audit?passage={pid}", headers=api.auth("cmd1"))
    assert r.status_code == 200, r.text
    return list(r.json())


def test_a_listed_traveller_raises_a_lookout_incident_the_decision_closes(api: Api) -> None:
    body = dehiba(LISTED, names_arabic="عبد الله بن سالم القذافي", plate="١٢ تونس ٣٤٥")
    view = _record(api, body, OTHER_OFFICER)
    passage, hits = view["passage"], view["hits"]
    assert passage["officer"] == OTHER_OFFICER
    assert passage["plate"] == "TN 12 TU 345"  # Arabic digits and the series word, normalised
    assert passage["traveller"]["names_latin"] == "ABDULLAH BIN SALEM GADDAFI"
    assert passage["traveller"]["dob"] == "1975-04-02"
    assert [h["entry"] for h in hits] == ["W1"]
    assert hits[0]["score"] >= 0.8
    assert hits[0]["why"][0] == "list watch (wanted, national_guard)"
    assert any("date of birth" in line for line in hits[0]["why"])

    iid = view["incident"]
    inc = api.service.engine.incidents[iid]
    assert (inc.category, inc.state, inc.track_ids) == ("checkpoint", "new", ())
    (alert,) = (api.service.engine.alerts[a] for a in inc.alert_ids)
    assert alert.evidence == (passage["id"], "watch:W1")  # the passage, the entry; no track
    assert alert.rule == "lookout_hit"
    assert "dehiba_wazen L1" in alert.summary
    assert "W1" in alert.summary
    assert abs(alert.lat - 32.01) < 0.01  # Dehiba-Wazen
    assert abs(alert.lon - 10.74) < 0.01
    # The event log, kept forever, holds no traveller data: ids, the post, the entries hit.
    (hit,) = [e.message for e in api.service.log.audit(target=passage["id"])]
    assert isinstance(hit, OperatorAction)
    assert hit.action == "lookout_hit"
    assert hit.user == OTHER_OFFICER
    assert "GADDAFI" not in str(hit)
    assert "LY1234567" not in str(hit)

    r = api.client.post(
        f"{PASSAGES}/{passage['id']}/decision",
        json={"decision": "held", "why": "identity confirmed against the warrant"},
        headers=api.auth(OTHER_OFFICER),
    )
    assert r.status_code == 200, r.text
    assert r.json()["decision"] == "held"
    inc = api.service.engine.incidents[iid]
    assert (inc.state, inc.outcome) == ("resolved", "apprehended")
    detail = api.client.get(f"/api/v1/incidents/{iid}", headers=api.auth("cmd1")).json()
    (note,) = detail["notes"]
    assert note["action"] == "decide"
    assert note["params"]["decision"] == "held"
    assert [h["action"]["action"] for h in detail["history"]] == ["decide"]
    # Decided: a second decision is refused (409), and nothing is written.
    again = api.client.post(
        f"{PASSAGES}/{passage['id']}/decision",
        json={"decision": "cleared", "why": "second thoughts"},
        headers=api.auth(OTHER_OFFICER),
    )
    assert again.status_code == 409, again.text
    assert [a["action"] for a in _audit(api, passage["id"])].count("decided") == 1


def test_a_referral_keeps_the_incident_open(api: Api) -> None:
    listed = passport("KADHAFI", "ABDALLAH", "LY7777777", dt.date(1975, 4, 2), "LBY")
    view = _record(api, dehiba(listed), OTHER_OFFICER)
    assert [h["entry"] for h in view["hits"]] == ["W1"]
    pid, iid = view["passage"]["id"], view["incident"]
    url = f"{PASSAGES}/{pid}/decision"
    r = api.client.post(url, json={"decision": "referred", "why": "to the judicial police"},
                        headers=api.auth(OTHER_OFFICER))  # fmt: skip
    assert r.status_code == 200, r.text
    assert api.service.engine.incidents[iid].state == "acknowledged"
    r = api.client.post(url, json={"decision": "cleared", "why": "police: a namesake"},
                        headers=api.auth(OTHER_OFFICER))  # fmt: skip
    assert r.status_code == 200, r.text
    inc = api.service.engine.incidents[iid]
    assert (inc.state, inc.outcome) == ("resolved", "false_alarm")
    # Cleared: the same passport tomorrow is not stopped again (records: clearances).
    again = _record(api, dehiba(listed), OTHER_OFFICER)
    assert (again["hits"], again.get("incident")) == ([], None)


def test_the_sex_on_the_document_is_weighed(api: Api) -> None:
    # W2 is listed as a man: the same passage from a woman's passport scores lower, from a
    # passport that leaves it unspecified (<) as from a man's.
    scores, sexes = {}, {}
    for i, sex in enumerate("MF<"):
        mrz = passport("ZITOUNI", "MOKHTAR", f"TN555000{i}", dt.date(1968, 3, 3), "TUN", sex)
        view = _record(api, dehiba(mrz), OTHER_OFFICER)
        [hit] = view["hits"]
        assert hit["entry"] == "W2"
        scores[sex], sexes[sex] = hit["score"], view["passage"]["traveller"]["sex"]
        assert any(line.startswith("sex: F not M") for line in hit["why"]) == (sex == "F")
        r = api.client.post(
            f"{PASSAGES}/{view['passage']['id']}/decision",
            json={"decision": "cleared", "why": "test passage"},
            headers=api.auth(OTHER_OFFICER),
        )
        assert r.status_code == 200, r.text
    assert sexes == {"M": "M", "F": "F", "<": "X"}
    assert scores["F"] < scores["M"] - 0.05
    assert scores["<"] == scores["M"]


def test_a_hit_the_event_log_refuses_is_sent_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints_api, "RETRY_S", (0.05, 0.2))
    logged = api.service.writer.append

    async def full_disk(*_: object) -> range:
        raise StoreError("events.sqlite", "append not made durable (SQLITE_FULL)")

    monkeypatch.setattr(api.service.writer, "append", full_disk)
    desk = api.app.state.checkpoints
    # Two listed travellers while the disk is full: recorded, screened, answered with their
    # hits, their alerts owed (in the posts' log), not lost, not a 503.
    views = [_record(api, dehiba(listed_again()), OTHER_OFFICER) for _ in range(2)]
    pids = [v["passage"]["id"] for v in views]
    for view in views:
        assert [h["entry"] for h in view["hits"]] == ["W1"]
        assert (view["alert_pending"], view["incident"]) == (True, None)
    assert [p for p, _ in desk.log.owed()] == pids
    assert not set(pids) & set(api.service.engine.lookouts)
    r = api.client.get(f"{PASSAGES}/{pids[0]}", headers=api.auth(OTHER_OFFICER))
    assert (r.status_code, r.json()["alert_pending"]) == (200, True)
    # Nothing to decide yet: the hit has no incident while it is owed.
    r = api.client.post(f"{PASSAGES}/{pids[0]}/decision",
                        json={"decision": "cleared", "why": "a namesake"},
                        headers=api.auth(OTHER_OFFICER))  # fmt: skip
    assert r.status_code == 422, r.text
    # The disk has room again: the retrying task sends both, oldest first, with no request.
    monkeypatch.setattr(api.service.writer, "append", logged)
    deadline = time.monotonic() + 10
    while desk.log.owed() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert desk.log.owed() == []
    r = api.client.get(f"{PASSAGES}/{pids[0]}", headers=api.auth(OTHER_OFFICER))
    assert (r.json()["alert_pending"], r.json()["incident"]) == (
        False,
        api.service.engine.lookouts[pids[0]],
    )
    actions = [e.message for e in api.service.log.audit()]
    hits = [a for a in actions if isinstance(a, OperatorAction) and a.target in pids]
    assert [(h.action, h.target) for h in hits] == [("lookout_hit", p) for p in pids]
    iids = [api.service.engine.lookouts[p] for p in pids]
    assert iids[0] == iids[1]  # the same listed man twice at one post: one incident
    for pid in pids:
        r = api.client.post(f"{PASSAGES}/{pid}/decision",
                            json={"decision": "cleared", "why": "a namesake"},
                            headers=api.auth(OTHER_OFFICER))  # fmt: skip
        assert r.status_code == 200, r.text
    assert api.service.engine.incidents[iids[0]].outcome == "false_alarm"


def test_no_hit_no_alert_and_nothing_to_decide(api: Api) -> None:
    alerts = len(api.service.engine.alerts)
    for mrz in (INNOCENT, EXPIRED_ENTRY):  # X1 matches by name but is no longer in force
        view = _record(api, lane(mrz))
        assert (view["hits"], view.get("incident")) == ([], None)
    assert len(api.service.engine.alerts) == alerts
    r = api.client.post(
        f"{PASSAGES}/{view['passage']['id']}/decision",
        json={"decision": "cleared", "why": "nothing"},
        headers=api.auth(OFFICER),
    )
    assert (r.status_code, r.json()["field"]) == (422, "$.decision")


def _broken_check_digit(mrz: str) -> str:
    one, two = mrz.split("\n")
    return one + "\n" + two[:9] + str((int(two[9]) + 1) % 10) + two[10:]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lane(_broken_check_digit(INNOCENT)), "$.mrz.document_number"),
        (lane(INNOCENT[:-3]), "$.mrz"),
        (lane("P<TUNBEN£SALEM" + INNOCENT[14:]), "$.mrz.line_1"),
        (lane(INNOCENT, plate="TU TU TU"), "$.plate"),
        (lane(INNOCENT, lane="L9"), "$.lane"),
        ({**lane(INNOCENT), "post": "bizerte"}, "$.post"),
        ({**lane(INNOCENT), "direction": "up"}, "$.direction"),
        ({**lane(INNOCENT), "passenger": "x"}, "$"),
    ],
    ids=["check-digit", "length", "character", "plate", "lane", "post", "direction", "unknown"],
)
def test_a_bad_scan_is_refused_naming_the_field(api: Api, body: Any, field: str) -> None:
    before = len(api.app.state.checkpoints.log.passage_ids())
    r = api.client.post(PASSAGES, json=body, headers=api.auth(OFFICER))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field, r.json()
    assert len(api.app.state.checkpoints.log.passage_ids()) == before  # nothing recorded


def test_an_officer_sees_only_their_post(api: Api) -> None:
    pid = _record(api, lane(INNOCENT))["passage"]["id"]
    other = api.auth(OTHER_OFFICER)  # bound to Dehiba-Wazen
    assert api.client.post(PASSAGES, json=lane(INNOCENT), headers=other).status_code == 403
    assert api.client.get(f"{PASSAGES}/{pid}", headers=other).status_code == 404
    assert api.client.get(AT_POST, headers=other).status_code == 403
    mine = api.client.get(f"{AT_POST}?limit=200", headers=api.auth(OFFICER))
    assert pid in {p["id"] for p in mine.json()}
    at_dehiba = {**lane(INNOCENT), "post": "dehiba_wazen", "lane": "L1"}
    assert _record(api, at_dehiba, OTHER_OFFICER)["passage"]["post"] == "dehiba_wazen"
    # The ops room works incidents, not travellers.
    for user in ("op1", "cmd1", "adm1", "gw1"):
        assert api.client.get(f"{PASSAGES}/{pid}", headers=api.auth(user)).status_code == 403


def test_an_analyst_searches_only_with_a_stated_reason(api: Api) -> None:
    pid = _record(api, lane(LISTED))["passage"]["id"]
    an = api.auth("an1")
    search = "/api/v1/checkpoints/search"
    assert api.client.get(f"{search}?name=gaddafi", headers=an).status_code == 422
    assert api.client.get(f"{search}?name=gaddafi&why=%20", headers=an).status_code == 422
    assert api.client.get(f"{PASSAGES}/{pid}", headers=an).json()["field"] == "query.why"
    why = "case 2026/114: travel pattern of the W1 network"
    r = api.client.get(search, params={"name": "gaddafi", "why": why}, headers=an)
    assert r.status_code == 200, r.text
    assert pid in {p["id"] for p in r.json()}
    by_doc = api.client.get(search, params={"document": "LY1234567", "why": why}, headers=an)
    assert pid in {p["id"] for p in by_doc.json()}
    r = api.client.get(f"{PASSAGES}/{pid}", params={"why": why}, headers=an)
    assert r.status_code == 200
    assert r.json()["hits"][0]["entry"] == "W1"
    seen = [(a["who"], a["action"], a["why"]) for a in _audit(api, pid)]
    assert seen.count(("an1", "viewed", why)) >= 4  # two searches, the record, its screening
    searched = [a for a in _audit(api, "*") if a["who"] == "an1"]
    assert [a["action"] for a in searched][-2:] == ["searched", "searched"]
    assert searched[-1]["why"] == why


def test_partners_see_no_traveller_only_their_own_entries(api: Api) -> None:
    pid = _record(api, lane(LISTED))["passage"]["id"]
    ly = api.auth("ly1")
    assert api.client.get(f"{PASSAGES}/{pid}?why=x", headers=ly).status_code == 403
    assert api.client.get(AT_POST, headers=ly).status_code == 403
    assert api.client.get("/api/v1/checkpoints/search?name=ga&why=x", headers=ly).status_code == 403
    r = api.client.get("/api/v1/checkpoints/entries", headers=ly)
    assert [(e["list"], e["entry"]["id"]) for e in r.json()] == [("watch", "LY1")]
    r = api.client.get("/api/v1/checkpoints/entries", headers=api.auth("dz1"))
    assert r.json() == []
    r = api.client.get("/api/v1/checkpoints/entries", headers=api.auth("an1"))
    assert {e["entry"]["id"] for e in r.json()} >= {"W1", "W2", "LY1"}


def test_every_read_and_write_of_a_passage_is_audited(api: Api) -> None:
    view = _record(api, lane(listed_again()))  # cleared below: a passport of its own
    pid = view["passage"]["id"]
    api.client.get(f"{PASSAGES}/{pid}", headers=api.auth(OFFICER))
    api.client.get(f"{AT_POST}?limit=200", headers=api.auth(OFFICER))
    api.client.get(f"{PASSAGES}/{pid}?why=complaint+44", headers=api.auth("an1"))
    api.client.post(
        f"{PASSAGES}/{pid}/decision",
        json={"decision": "cleared", "why": "namesake, born elsewhere"},
        headers=api.auth(OFFICER),
    )
    trail = [(a["who"], a["action"], a["why"]) for a in _audit(api, pid)]
    assert trail[:2] == [
        (OFFICER, "recorded", "passage at the lane"),
        (OFFICER, "screened", "screened on recording"),
    ]
    assert trail.count((OFFICER, "viewed", "lane view")) == 2  # the record and its screening
    assert (OFFICER, "viewed", "lane list") in trail
    assert trail.count(("an1", "viewed", "complaint 44")) == 2
    assert (OFFICER, "decided", "cleared: namesake, born elsewhere") in trail
    assert trail[-2:] == [(OFFICER, "viewed", "decision recorded")] * 2


def test_an_admin_binds_officers_to_posts(api: Api) -> None:
    adm = api.auth("adm1")
    url = "/api/v1/checkpoints/officers"
    r = api.client.put(f"{url}/{OTHER_OFFICER}", json={"posts": ["dehiba_wazen", POST]},
                       headers=adm)  # fmt: skip
    assert r.status_code == 200, r.text
    assert _record(api, lane(INNOCENT), OTHER_OFFICER)["passage"]["post"] == POST
    r = api.client.put(f"{url}/{OTHER_OFFICER}", json={"posts": ["dehiba_wazen"]}, headers=adm)
    assert r.status_code == 200
    assert api.client.post(PASSAGES, json=lane(INNOCENT), headers=api.auth(OTHER_OFFICER)
                           ).status_code == 403  # fmt: skip
    bad = api.client.put(f"{url}/op1", json={"posts": [POST]}, headers=adm)
    assert (bad.status_code, bad.json()["field"]) == (422, "path.name")
    assert api.client.put(f"{url}/nobody", json={"posts": []}, headers=adm).status_code == 404
    bad = api.client.put(f"{url}/{OFFICER}", json={"posts": ["tozeur"]}, headers=adm)
    assert (bad.status_code, bad.json()["field"]) == (422, "$.posts[0]")
    bound = [a for a in _audit(api, "-") if a["action"] == "bound"]
    assert bound[-1]["who"] == "adm1"
    assert bound[-1]["why"] == f"{OTHER_OFFICER} to dehiba_wazen"


def test_the_api_knows_the_posts_of_the_log() -> None:
    assert set(get_args(PostName)) == set(POSTS)
