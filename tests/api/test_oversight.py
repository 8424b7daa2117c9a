"""The governance reports through the API: made, listed and downloaded by the oversight
role, each read an audited `view` action; names pseudonymised unless the law allows them;
nothing of the live picture and no incident work for oversight."""

from __future__ import annotations

import datetime as dt

from borderwatch.messages import OperatorAction

from .conftest import Api


def _day(api: Api) -> str:
    t = api.service.engine.tracks_time_ns
    return dt.datetime.fromtimestamp(t / 1e9, dt.UTC).date().isoformat()


def _views(api: Api, user: str) -> list[OperatorAction]:
    return [
        e.message
        for e in api.service.log.audit()
        if isinstance(e.message, OperatorAction)
        and e.message.action == "view"
        and e.message.user == user
    ]


def test_oversight_makes_lists_and_reads_a_report_and_each_read_is_audited(api: Api) -> None:
    before = len(_views(api, "ov1"))
    body = {"period": "daily", "date": _day(api), "langs": ["ar", "en"], "formats": ["pdf"]}
    r = api.client.post("/api/v1/oversight/generate", json=body, headers=api.auth("ov1"))
    assert r.status_code == 200, r.text
    made = r.json()
    assert [m["format"] for m in made] == ["json", "pdf", "pdf"]
    assert [m["lang"] for m in made] == [None, "ar", "en"]
    listed = api.client.get("/api/v1/oversight/reports", headers=api.auth("ov1")).json()
    assert {m["name"] for m in made} <= {k["name"] for k in listed}
    pdf = next(m["name"] for m in made if m["lang"] == "ar")
    got = api.client.get(f"/api/v1/oversight/reports/{pdf}", headers=api.auth("ov1"))
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    assert got.content.startswith(b"%PDF")
    figures = api.client.get(f"/api/v1/oversight/reports/{made[0]['name']}",
                             headers=api.auth("ov1")).json()  # fmt: skip
    assert figures["period"]["first_day"] == _day(api)
    assert figures["incidents"] >= 1  # the feed opens incidents that day
    views = _views(api, "ov1")
    assert len(views) == before + 3  # made, and read twice
    assert {v.params["report"] for v in views[-2:]} == {pdf, made[0]["name"]}
    assert all(v.role == "oversight" and v.agency == "oversight" for v in views)


def test_names_are_pseudonyms_unless_the_law_allows_them(api: Api) -> None:
    root = api.service.options.data.root
    # Today's report: the actions of this session (logins, reads) are stamped now.
    today = dt.datetime.fromtimestamp(api.service.clock() / 1e9, dt.UTC).date().isoformat()
    api.client.get("/api/v1/oversight/reports", headers=api.auth("ov1"))
    body = {"period": "daily", "date": today, "langs": ["en"], "formats": ["html"]}
    try:
        for law, shown in (("false", False), ("true", True)):
            (root / "oversight.toml").write_text(f"[law]\npersonal_data = {law}\n")
            r = api.client.post("/api/v1/oversight/generate", json=body, headers=api.auth("ov1"))
            assert r.status_code == 200, r.text
            name = r.json()[0]["name"]
            figures = api.client.get(f"/api/v1/oversight/reports/{name}",
                                     headers=api.auth("ov1")).json()  # fmt: skip
            people = {p["person"] for p in figures["people"]}
            assert ("ov1" in people) == shown, people
            assert all(p.startswith("P-") for p in people) != shown
            assert figures["names_shown"] == shown
    finally:
        (root / "oversight.toml").unlink()


def test_a_report_name_is_only_a_library_name(api: Api) -> None:
    for name in ("..%2Faccounts.sqlite", "daily-2026-03-14-xx.pdf", "events.sqlite"):
        r = api.client.get(f"/api/v1/oversight/reports/{name}", headers=api.auth("ov1"))
        assert r.status_code == 404, name


def test_oversight_sees_no_live_picture_and_works_no_incident(api: Api) -> None:
    for path in ("tracks", "alerts", "incidents", "patrols"):
        r = api.client.get(f"/api/v1/{path}", headers=api.auth("ov1"))
        assert r.status_code == 403, path
    iid = min(api.service.engine.incidents)
    r = api.client.post(f"/api/v1/incidents/{iid}/notes", json={"text": "x"},
                        headers=api.auth("ov1"))  # fmt: skip
    assert r.status_code == 403
    r = api.client.post(f"/api/v1/incidents/{iid}/acknowledge", json={},
                        headers=api.auth("ov1"))  # fmt: skip
    assert r.status_code == 403


def test_oversight_reads_the_audit_trail_with_pseudonyms_and_is_audited(api: Api) -> None:
    before = len(_views(api, "ov1"))
    r = api.client.get("/api/v1/audit?limit=1000", headers=api.auth("ov1"))
    assert r.status_code == 200
    users = {e["action"]["user"] for e in r.json()["entries"]}
    assert users
    assert not users & {"op1", "cmd1", "ov1"}, users
    assert all(u.startswith("P-") for u in users if u not in ("system", "unknown"))
    assert len(_views(api, "ov1")) == before + 1
    # A commander reads the names; the law setting is about what oversight sees.
    r = api.client.get("/api/v1/audit?limit=1000", headers=api.auth("cmd1"))
    assert "ov1" in {e["action"]["user"] for e in r.json()["entries"]}
    verify = api.client.get("/api/v1/audit/verify", headers=api.auth("ov1"))
    assert verify.status_code == 200
    assert verify.json()["intact"] is True
