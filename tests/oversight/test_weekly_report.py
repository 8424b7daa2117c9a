"""Bar 1 of issue 19: a week of the twin, the weekly report in Arabic, French and English as
PDF through the command line, its text extracted, and every figure checked against a
computation written here from the raw log (SQL and JSON, none of the report's code), the
live run's own record of its incidents and alerts, and the files beside the log.

Figures are read from the PDF's text laid out as lines (pypdf's layout mode, which keeps a
table's row on one line in visual order, so an Arabic label reads reversed there); the
Arabic text itself is checked in pypdf's plain mode, which gives logical order.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pypdf
import pytest

from borderwatch.cli import main
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.oversight.language import words
from tests.oversight.conftest import DATE, NS, Week

START = int(dt.datetime(2026, 3, 9, tzinfo=dt.UTC).timestamp()) * NS
END = START + 7 * 86400 * NS
HEARTBEAT_S = {"radar": 60.0, "camera": 60.0, "line": 60.0, "ugs": 300.0}


def rank(values: list[float], p: float) -> float:
    """Nearest rank, written out again here."""
    s = sorted(values)
    return s[max(1, math.ceil(p / 100 * len(s))) - 1]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    x = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    return 6_371_000.0 * math.hypot(x, math.radians(b[0] - a[0]))


def expected(week: Week) -> dict[str, Any]:
    """Every figure, from the raw log and what the live run published."""
    db = sqlite3.connect(f"file:{week.root / 'events.sqlite'}?mode=ro", uri=True)
    rows = db.execute("SELECT seq, kind, time_ns, payload FROM events ORDER BY seq").fetchall()
    (checkpoints,) = db.execute("SELECT count(*) FROM checkpoints").fetchone()
    db.close()
    inside = [r for r in rows if START <= r[2] < END]
    actions = [(r[0], json.loads(r[3])) for r in rows if r[1] == "action"]
    patrols = [(r[0], json.loads(r[3])) for r in rows if r[1] == "patrol"]
    status = [json.loads(r[3]) for r in rows if r[1] == "status"]

    incs = [
        i
        for i in week.incidents.values()
        if i.category == "intrusion" and START <= i.opened_ns < END
    ]
    alerts = week.summary.alerts
    cls = {}
    first_alert = {}
    for i in incs:
        a = min((alerts[x] for x in i.alert_ids), key=lambda a: (a.time_ns, a.id))
        cls[i.id], first_alert[i.id] = a.cls, a
    steps: dict[str, dict[str, tuple[int, str]]] = {i.id: {} for i in incs}
    outcome = dict.fromkeys(steps, "open")
    state = {"acknowledge": "acknowledged", "assign": "assigned", "resolve": "resolved"}
    assigned: dict[str, tuple[str, int]] = {}
    for _, a in actions:
        if a.get("target") in steps and a["action"] in state and a["time_ns"] < END:
            st = steps[a["target"]]
            st.setdefault(state[a["action"]], (a["time_ns"], a["agency"]))
            if a["action"] == "resolve":
                outcome[a["target"]] = a["params"]["outcome"]
            if a["action"] == "assign":
                assigned[a["target"]] = (a["params"]["patrol"], a["time_ns"])
    by_id = {i.id: i for i in incs}
    for iid, (callsign, at) in assigned.items():
        # where the incident was, as the live run had it, when the patrol's report came in
        history = [(seq, u) for seq, u in week.summary.updates if u.id == iid]
        for seq, p in patrols:
            if p["callsign"] == callsign and p["time_ns"] >= at:
                inc = [u for s, u in history if s < seq][-1]
                if metres((p["lat"], p["lon"]), (inc.lat, inc.lon)) <= 300:
                    steps[iid].setdefault("on_scene", (p["time_ns"], p["agency"]))
                    break
    spans = {"acknowledge": ("opened", "acknowledged"), "assign": ("acknowledged", "assigned"),
             "on_scene": ("assigned", "on_scene"), "resolve": ("opened", "resolved")}  # fmt: skip
    per_sector: dict[tuple[str, str], list[float]] = {}
    per_agency: dict[tuple[str, str], list[float]] = {}
    handed: dict[tuple[str, str], list[float]] = {}
    crossing = 0
    for i in incs:
        chain = sorted(steps[i.id].values())
        crossing += len({agency for _, agency in chain}) > 1
        for k in range(1, len(chain)):
            if chain[k][1] != chain[k - 1][1]:
                span = (chain[k][0] - chain[k - 1][0]) / NS
                handed.setdefault((chain[k - 1][1], chain[k][1]), []).append(span)
        st = {**steps[i.id], "opened": (i.opened_ns, "")}
        for step, (since, until) in spans.items():
            if since in st and until in st:
                secs = (st[until][0] - st[since][0]) / NS
                per_sector.setdefault((i.sector, step), []).append(secs)
                per_agency.setdefault((st[until][1], step), []).append(secs)

    # availability: each ok/degraded report counts until the next or 3 heartbeats
    places = Registry.from_layout(load_sites(None)).places
    reports: dict[str, list[tuple[int, str]]] = {}
    for s in status:
        reports.setdefault(s["sensor_id"], []).append((s["time_ns"], s.get("health", "ok")))
    avail: dict[str, list[float]] = {}
    for sid, place in places.items():
        rs = sorted(reports.get(sid, []))
        up = 0
        for k, (t, h) in enumerate(rs):
            if h in ("ok", "degraded"):
                good_to = t + round(3 * HEARTBEAT_S[place.kind] * NS)
                if k + 1 < len(rs):
                    good_to = min(good_to, rs[k + 1][0])
                up += max(0, min(good_to, END) - max(t, START))
        avail.setdefault(place.sector, []).append(up / (END - START))

    # alarm load of the position holding N03 (N01-N04): intrusion alerts per 10 minutes
    mine = [a for a in alerts.values() if a.category == "intrusion" and a.sector in
            {"N01", "N02", "N03", "N04"} and START <= a.time_ns <= END]  # fmt: skip
    windows = Counter((a.time_ns - START) // (600 * NS) for a in mine)

    people = Counter(
        (a["user"], a["role"], a["agency"]) for _, a in actions if START <= a["time_ns"] < END
    )
    roam = sum(1 for _, a in actions if a["user"] == "op-roam" and a["target"] in by_id)
    counted = Counter(outcome.values())
    known = counted["apprehended"] + counted["turned_back"] + counted["got_away"]
    return {
        "range": (inside[0][0], inside[-1][0], len(inside), rows[-1][0]),
        "incidents": len(incs),
        "by_sector": Counter(i.sector for i in incs),
        "by_class": Counter(cls.values()),
        "by_outcome": counted,
        "per_sector": per_sector,
        "per_agency": per_agency,
        "interdiction": (
            counted["apprehended"],
            counted["turned_back"],
            counted["got_away"],
            (counted["apprehended"] + counted["turned_back"]) / known,
        ),
        "handed": handed,
        "crossing": crossing,
        "availability": {s: sum(v) / len(v) for s, v in avail.items()},
        "load": (len(mine), max(windows.values())),
        "nuisance": Counter(
            f"{first_alert[i].rule} / {first_alert[i].cls}"
            for i, o in outcome.items()
            if o in ("nuisance", "false_alarm")
        ),
        "people": people,
        "roam": roam,
        "chain": (len(actions), checkpoints),
    }


def num(value: float, lang: str, digits: int = 1) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "fr" else text


class Text:
    """A PDF's text as lines of tokens, in sections by heading."""

    def __init__(self, path: Path, lang: str) -> None:
        reader = pypdf.PdfReader(path)
        self.plain = "\n".join(p.extract_text() for p in reader.pages)
        layout = "\n".join(p.extract_text(extraction_mode="layout") for p in reader.pages)
        self.lines = [ln.split() for ln in layout.splitlines() if ln.strip()]
        self.lang = lang
        self.w = words(lang)

    def visual(self, text: str) -> list[str]:
        """The tokens of `text` as they appear on a layout line."""
        if self.lang == "ar" and re.search("[\u0600-\u06ff]", text):
            # Reversed, but a lam-alef ligature is one glyph, which maps back to its two
            # letters in logical order.
            flipped = text[::-1]
            for alef in "اأإآ":
                flipped = flipped.replace(alef + "ل", "ل" + alef)
            return flipped.split()
        return text.split()

    def section(self, key: str, until: str | None = None) -> list[list[str]]:
        """The lines from heading `key` to heading `until`."""
        head, stop = self.visual(self.w(key)), self.visual(self.w(until)) if until else None
        start = next(k for k, ln in enumerate(self.lines) if ln == head)
        end = next(
            (k for k in range(start + 1, len(self.lines)) if self.lines[k] == stop),
            len(self.lines),
        )
        return self.lines[start + 1 : end]

    def row(self, lines: list[list[str]], *cells: str) -> None:
        """Some line holds every cell, each as whole tokens."""
        want = [t for c in cells for t in self.visual(c)]
        for ln in lines:
            pool = Counter(ln)
            if all(pool[t] >= n for t, n in Counter(want).items()):
                return
        raise AssertionError(
            f"{self.lang}: no row with {cells} in\n" + "\n".join(map(" ".join, lines))
        )


@pytest.fixture(scope="module")
def reports(week: Week, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Text]:
    out = tmp_path_factory.mktemp("reports")
    status = main(["report", "weekly", "--data", str(week.root), "--date", DATE,
                   "--lang", "ar,fr,en", "--out", str(out / "week-{lang}.pdf")])  # fmt: skip
    assert status == 0
    return {lang: Text(out / f"week-{lang}.pdf", lang) for lang in ("ar", "fr", "en")}


@pytest.fixture(scope="module")
def truth(week: Week) -> dict[str, Any]:
    return expected(week)


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_every_figure_matches_the_log(
    reports: dict[str, Text], truth: dict[str, Any], lang: str
) -> None:
    t, w = reports[lang], words(lang)
    first, last, events, read_to = truth["range"]
    assert {str(first), str(last), str(events), str(read_to)} <= {
        tok.strip(",.;،؛") for ln in t.lines for tok in ln
    }
    assert truth["incidents"] >= 10
    t.row(t.lines, f"{w('incidents.total')}:" if lang != "ar" else "", str(truth["incidents"]))
    for sector, n in truth["by_sector"].items():
        t.row(t.section("by_sector", "by_class"), sector, str(n))
    for c, n in truth["by_class"].items():
        t.row(t.section("by_class", "by_outcome"), w(f"class.{c}"), str(n))
    for o, n in truth["by_outcome"].items():
        t.row(t.section("by_outcome", "response"), w(f"outcome.{o}"), str(n))
    assert len(truth["by_outcome"]) >= 4
    for key, until in (("per_sector", "agency"), ("per_agency", "coordination")):
        section = t.section("agency" if key == "per_agency" else "response", until)
        for (who, step), v in truth[key].items():
            med, p90 = num(rank(v, 50) / 60, lang), num(rank(v, 90) / 60, lang)
            t.row(section, who, w(f"step.{step}"), str(len(v)), med, p90)
    sec = t.section("coordination", "interdiction")
    assert truth["crossing"] > 0
    t.row(sec, str(truth["crossing"]))
    for (a, b), v in truth["handed"].items():
        med, p90 = num(rank(v, 50) / 60, lang), num(rank(v, 90) / 60, lang)
        t.row(sec, a, b, str(len(v)), med, p90)
    ap, tb, ga, rate = truth["interdiction"]
    sec = t.section("interdiction", "coverage")
    t.row(sec, w("outcome.apprehended"), str(ap))
    t.row(sec, w("outcome.turned_back"), str(tb))
    t.row(sec, w("outcome.got_away"), str(ga))
    t.row(sec, f"{num(rate * 100, lang)}", "%")
    sec = t.section("coverage", "load")
    for sector, share in truth["availability"].items():
        t.row(sec, sector, num(share * 100, lang), "%")
    alerts, busiest = truth["load"]
    t.row(t.section("load", "nuisance"), "N01-N04", str(alerts), str(busiest))
    for cause, n in truth["nuisance"].items():
        t.row(t.section("nuisance", "checkpoints"), *cause.split(" / "), str(n))
    sec = t.section("checkpoints", "released")
    t.row(sec, w("passages"), "8")
    t.row(sec, w("lookout_hits"), "2")
    t.row(sec, "referred", "1")
    t.row(sec, "held", "1")
    sec = t.section("released", "accountability")
    t.row(sec, "partner:dz", "4", "3")
    t.row(sec, "partner:ly", "1", "1")
    sec = t.section("people", "unusual")
    for (user, role, agency), n in truth["people"].items():
        t.row(sec, user, role, agency, str(n))
    sec = t.section("unusual", "chain")
    assert truth["roam"] > 0
    t.row(sec, w("unusual.outside_sectors"), "op-roam", str(truth["roam"]))
    t.row(sec, w("unusual.bulk_views"), "officer-c", "6")
    t.row(sec, w("unusual.screening_without_reason"), "officer-a", "1")
    rows, checkpoints = truth["chain"]
    chain = " ".join(" ".join(ln) for ln in t.section("chain"))
    assert f"{rows} " in chain
    assert f"{checkpoints} " in chain
    assert " ".join(t.visual(w("chain.intact"))) in chain


def test_arabic_extracts_in_logical_order_with_its_letters(reports: dict[str, Text]) -> None:
    plain = reports["ar"].plain
    phrases = (
        "تقرير أسبوعي",
        "سلسلة الاستجابة",
        "فعالية الاعتراض",
        "الحوادث المفتوحة",
        "من فتح الحادثة إلى الإقرار بها",
        "موقوفون",
        "التحقق من سلسلة التدقيق",
        "مارس",  # March, as the Maghreb names it (and the East too)
    )
    for phrase in phrases:
        assert phrase in plain, phrase
    # Shaped glyphs map back to the letters, never to presentation forms.
    assert not re.search("[\ufb50-\ufdff\ufe70-\ufeff]", plain)
