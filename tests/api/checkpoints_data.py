"""The crossing posts in the API suite: a lookout list in the service's data directory, an
officer bound to Ras Ajdir, and documents as the lane scans them (valid machine-readable
zones, written with every check digit)."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from borderwatch.ops.checkpoints.mrz import write_td3

# The lane tests' own services take this much of the run (the posts need no sensor; the
# engine's picture is made at the first message or the first lookout hit).
POSTS_FEED = 1_000
OFFICER = "cus1"  # customs, bound to Ras Ajdir
OTHER_OFFICER = "ng9"  # national guard, bound to Dehiba-Wazen
POST = "ras_ajdir"

# W1 in Arabic script and a French-style writing; the Libyan document says GADDAFI ABDULLAH.
# LY1 was supplied by the Libyan partner; X1 is past its validity. W2 is listed as a man (the
# optional tenth column).
LIST_CSV = """id,names,dob,nationality,documents,plates,category,agency,valid_until,sex
W1,Abdallah Ben Salem al-Kazzafi|عبد الله بن سالم القذافي,1975-04-02,LBY,,,wanted,national_guard,,
W2,Mokhtar Belgacem Zitouni|مختار بلقاسم الزيتوني,1968,TUN,,123 TU 4567,smuggling,customs,,M
LY1,Faraj Mabrouk al-Warfalli|فرج مبروك الورفلي,1981-11-20,LBY,LY0042771,,wanted,partner:ly,,
X1,Hedi Trabelsi,1970,TUN,,,wanted,customs,2020-01-01,
"""


def write_lists(data_root: Path) -> None:
    """The lookout list the API suite's service screens against."""
    folder = data_root / "checkpoints" / "lists"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "watch.csv").write_text(LIST_CSV, encoding="utf-8")


def passport(
    surname: str, given: str, number: str, born: dt.date, nationality: str, sex: str = "M"
) -> str:
    """A passport's zone as the lane's reader gives it."""
    return write_td3(
        surname=surname,
        given_names=given,
        number=number,
        issuing_state=nationality,
        nationality=nationality,
        birth=born,
        sex=sex,
        expiry=dt.date(2031, 5, 1),
    )


LISTED = passport("GADDAFI", "ABDULLAH BIN SALEM", "LY1234567", dt.date(1975, 4, 2), "LBY")
_numbers = itertools.count(1)


def listed_again() -> str:
    """W1's man on a passport never seen before (a clearance is bound to a document: a
    cleared one is not stopped again, records.py)."""
    number = f"LY{next(_numbers):07d}"
    return passport("GADDAFI", "ABDULLAH BIN SALEM", number, dt.date(1975, 4, 2), "LBY")


INNOCENT = passport("ERIKSSON", "JOHAN", "SE7654321", dt.date(1974, 8, 12), "SWE")
EXPIRED_ENTRY = passport("TRABELSI", "HEDI", "TN0000001", dt.date(1970, 1, 1), "TUN")


def lane(mrz: str, **extra: Any) -> dict[str, Any]:
    """A lane body at Ras Ajdir, lane L2, into Tunisia."""
    return {"post": POST, "lane": "L2", "direction": "in", "mrz": mrz, **extra}


def dehiba(mrz: str, **extra: Any) -> dict[str, Any]:
    """A lane body at Dehiba-Wazen (`OTHER_OFFICER`'s post), lane L1. Hits on one listed person
    at one post within the incident book's merge window share an incident (engine.lookout),
    and the suite leaves undecided hits at Ras Ajdir (the role matrix): tests that follow an
    incident to its end record here and decide every passage they record."""
    return lane(mrz, post="dehiba_wazen", lane="L1", **extra)


def bind_officers(app: FastAPI) -> None:
    """Bind the suite's officers to their posts, as an admin would."""
    desk = app.state.checkpoints
    desk.log.bind(OFFICER, [POST], "setup", time.time_ns())
    desk.log.bind(OTHER_OFFICER, ["dehiba_wazen"], "setup", time.time_ns())


def listed_passage(api: Any) -> str:
    """A passage of a listed traveller just recorded at Ras Ajdir by the officer (its lookout
    incident open, its decision to take)."""
    r = api.client.post(
        "/api/v1/checkpoints/passages", json=lane(listed_again()), headers=api.auth(OFFICER)
    )
    assert r.status_code == 200, r.text
    assert r.json()["incident"], r.text
    return str(r.json()["passage"]["id"])
