"""Traffic at the crossing posts: vehicles and their travellers at Ras Ajdir and Dehiba-Wazen,
each with a passport whose machine-readable zone is written as a printer writes it, and a
lookout list a few of them are on under another writing of their name.

The list is a partner's: each entry's names in Arabic script and in English transliteration
(`names.render(..., "en")`), a date of birth (one in ten only its year), a nationality. A
traveller's passport is written by their own country: a Tunisian one in French
transliteration, a Libyan one in Libyan usage (g for ق, z for ذ), upper case, as ICAO letters,
the Arabic name printed beside it (the officer types it half the time); so a listed traveller
reaches the lane as Kadhafi or Gueddafi when the list says Qadhafi. Vehicles carry one to
four travellers and a Tunisian or Libyan plate. Arrivals at each post are a Poisson stream
(`per_hour`). All of it from one seed; `listed` on a passage is the ground truth (the entry
the traveller is), never shown to the screening.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import unicodedata
from dataclasses import dataclass
from typing import Literal

from borderwatch.ops.checkpoints.errors import MrzError
from borderwatch.ops.checkpoints.mrz import write_td3
from borderwatch.ops.checkpoints.records import POSTS
from borderwatch.twin.names import Person, make_person, render

__all__ = ["LanePassage", "Traffic", "checkpoint_traffic"]

# Arrivals per hour at each post (Ras Ajdir carries most of the traffic).
RATE_PER_HOUR = {"ras_ajdir": 240.0, "dehiba_wazen": 80.0}
EXPIRY = dt.date(2031, 12, 31)


@dataclass(frozen=True, slots=True)
class LanePassage:
    """One traveller at a lane, as the officer reads them, and who they really are."""

    time_s: float  # since the start of the traffic
    post: str
    lane: str
    direction: Literal["in", "out"]
    mrz: str
    plate: str | None
    names_arabic: str
    vehicle: int
    listed: str | None  # the list entry this traveller is (ground truth), if any


@dataclass(frozen=True, slots=True)
class Traffic:
    """The passages in time order and the lookout list (CSV, the posts' list format)."""

    passages: tuple[LanePassage, ...]
    list_csv: str
    list_name: str = "twin_watch"


def _icao(text: str) -> str:
    """A name as the zone writes it: ASCII capitals, everything else a filler (space)."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join("".join(c if c.isalpha() else " " for c in ascii_.upper()).split())


def _plate(rng: random.Random, country: str) -> str:
    if country == "TUN":
        return f"{rng.randint(1, 250)} TU {rng.randint(1, 9999)}"
    return f"{rng.randint(1, 99)}-{rng.randint(1, 999_999)}"


def _zone(rng: random.Random, person: Person, country: str) -> str:
    conv = "fr" if country == "TUN" else "ly"
    words = _icao(render(person, conv, rng, upper=True)).split()
    surname, given = words[-1], " ".join(words[:-1])
    number = (
        f"{rng.choice('ABCEFGHJKLMNPRSTUVWXYZ')}{rng.randint(0, 999_999):06d}"
        if country == "TUN"
        else f"{rng.randint(0, 99_999_999):08d}"
    )
    born = dt.date.fromisoformat(person.dob)
    while True:  # a zone has 39 characters for the names: a long name is cut, as printers do
        try:
            return write_td3(
                surname=surname,
                given_names=given,
                number=number,
                issuing_state=country,
                nationality=country,
                birth=born,
                sex="<",  # the generator's people have no sex: unspecified, as ICAO allows
                expiry=EXPIRY,
            )
        except MrzError:
            if given:
                given = " ".join(given.split()[:-1])
            else:
                surname = surname[:36]


def _list_csv(rng: random.Random, people: list[Person]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["id", "names", "dob", "nationality", "documents", "plates", "category",
                "agency", "valid_until"])  # fmt: skip
    for k, p in enumerate(people):
        names = [render(p, "ar", rng), render(p, "en", rng)]
        dob = p.dob if rng.random() < 0.9 else p.dob[:4]
        nationality = "LBY" if k % 2 == 0 else "TUN"
        w.writerow([f"TW{k:04d}", "|".join(names), dob, nationality, "", "", "wanted",
                    "partner:ly", ""])  # fmt: skip
    return out.getvalue()


def checkpoint_traffic(
    seed: int,
    hours: float = 1.0,
    listed_share: float = 0.02,
    list_size: int = 300,
    per_hour: dict[str, float] | None = None,
) -> Traffic:
    """`hours` of traffic at both posts; about `listed_share` of travellers are on the list."""
    rng = random.Random(seed)
    listed_people = [make_person(rng) for _ in range(list_size)]
    list_csv = _list_csv(rng, listed_people)
    unused = list(range(list_size))
    rng.shuffle(unused)
    rates = per_hour or RATE_PER_HOUR
    passages: list[LanePassage] = []
    vehicle = 0
    for post, rate in sorted(rates.items()):
        t = rng.expovariate(rate / 3600.0)
        while t < hours * 3600.0:
            vehicle += 1
            lane = rng.choice(POSTS[post])
            direction: Literal["in", "out"] = "in" if rng.random() < 0.5 else "out"
            car_country = "LBY" if rng.random() < 0.45 else "TUN"
            plate = _plate(rng, car_country) if rng.random() < 0.9 else None  # some on foot
            for seat in range(rng.choice((1, 1, 2, 2, 3, 4))):
                listed: str | None = None
                if unused and rng.random() < listed_share:
                    k = unused.pop()
                    person, listed = listed_people[k], f"TW{k:04d}"
                    country = "LBY" if k % 2 == 0 else "TUN"
                else:
                    person = make_person(rng)
                    country = car_country if rng.random() < 0.8 else rng.choice(("TUN", "LBY"))
                passages.append(
                    LanePassage(
                        time_s=t + seat * 0.5,
                        post=post,
                        lane=lane,
                        direction=direction,
                        mrz=_zone(rng, person, country),
                        plate=plate,
                        # The officer types the Arabic name half the time: the other half
                        # is screened on the zone's Latin letters alone.
                        names_arabic=render(person, "ar", rng) if rng.random() < 0.5 else "",
                        vehicle=vehicle,
                        listed=listed,
                    )
                )
            t += rng.expovariate(rate / 3600.0)
    passages.sort(key=lambda p: (p.time_s, p.post))
    return Traffic(passages=tuple(passages), list_csv=list_csv)
