"""Benchmark (issue 17, bar 3): the MRZ parser on the ICAO 9303 specimens.

- Every wrong check digit: each check digit of the TD3 and TD1 specimens replaced by each of
  the nine other digits must raise `CheckDigitError` naming that digit's field.
- Every single-character change inside a guarded field (each position, each other character of
  A-Z 0-9 <): counted as caught when the parser raises `MrzError`. The 7-3-1 scheme cannot
  see a change whose value difference times its weight is a multiple of 10 (L for 1: 21 - 1)
  unless the composite digit, with other weights, does; those are counted apart, as the
  scheme's limit, and must be exactly the ones the parser lets through.
- Fuzz: random zones (right shape, random characters; mutated specimens; arbitrary text) must
  raise nothing but `MrzError` (the hypothesis test in tests/ does the same, shrinking).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from borderwatch.ops.checkpoints import CheckDigitError, MrzError, parse_mrz
from borderwatch.ops.checkpoints.mrz import check_digit

__all__ = ["SPECIMENS", "run"]

TODAY = dt.date(2026, 12, 6)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
SPECIMENS = {
    "TD3": (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        {(1, 9): "document_number", (1, 19): "birth_date", (1, 27): "expiry_date"}
        | {(1, 42): "personal_number", (1, 43): "composite"},
        # (line, start, end, check digit column) of each guarded field
        [(1, 0, 9, 9), (1, 13, 19, 19), (1, 21, 27, 27), (1, 28, 42, 42)],
    ),
    "TD1": (
        "I<UTOD231458907<<<<<<<<<<<<<<<\n"
        "7408122F1204159UTO<<<<<<<<<<<6\n"
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        {(0, 14): "document_number", (1, 6): "birth_date", (1, 14): "expiry_date"}
        | {(1, 29): "composite"},
        [(0, 5, 14, 14), (1, 0, 6, 6), (1, 8, 14, 14)],
    ),
}


def _set(zone: str, line: int, col: int, ch: str) -> str:
    lines = zone.split("\n")
    lines[line] = lines[line][:col] + ch + lines[line][col + 1 :]
    return "\n".join(lines)


def _value(ch: str) -> int:
    return 0 if ch == "<" else int(ch) if ch.isdigit() else ord(ch) - 55


def _visible(zone: str, line: int, col: int, old: str, new: str, fields: list[Any]) -> bool:
    """Whether the field's own digit (7-3-1 from the field start) sees the change."""
    for f_line, start, end, _ in fields:
        if f_line == line and start <= col < end:
            weight = (7, 3, 1)[(col - start) % 3]
            return (weight * (_value(new) - _value(old))) % 10 != 0
    return True


def _digits(name: str) -> dict[str, int]:
    zone, digits, _ = SPECIMENS[name]
    lines = zone.split("\n")
    tried = caught = named = 0
    for (line, col), field in digits.items():
        for wrong in "0123456789":
            if wrong == lines[line][col]:
                continue
            tried += 1
            try:
                parse_mrz(_set(zone, line, col, wrong), TODAY)
            except CheckDigitError as exc:
                caught += 1
                named += exc.field == field
            except MrzError:
                caught += 1
    return {"wrong_check_digits": tried, "caught": caught, "named_right_field": named}


def _changes(name: str) -> dict[str, int]:
    zone, _, fields = SPECIMENS[name]
    lines = zone.split("\n")
    tried = caught = scheme_blind = blind_passed = caught_blind = 0
    for line, start, end, _ in fields:
        for col in range(start, end):
            old = lines[line][col]
            for new in ALPHABET:
                if new == old:
                    continue
                tried += 1
                visible = _visible(zone, line, col, old, new, fields)
                try:
                    parse_mrz(_set(zone, line, col, new), TODAY)
                    ok = False
                except MrzError:
                    ok = True
                caught += ok
                if not visible:
                    scheme_blind += 1
                    caught_blind += ok
                    blind_passed += not ok
    return {
        "changes": tried,
        "caught": caught,
        "blind_to_field_digit": scheme_blind,
        "of_those_caught_by_composite_or_format": caught_blind,
        "missed": tried - caught,
        "missed_outside_scheme_limit": (tried - caught) - blind_passed,
    }


def _fuzz(n: int, rng: random.Random) -> dict[str, int]:
    foreign = named = 0
    for k in range(n):
        kind = k % 3
        if kind == 0:
            lines = rng.choice([(44, 44), (30, 30, 30)])
            text = "\n".join("".join(rng.choices(ALPHABET, k=w)) for w in lines)
        elif kind == 1:
            zone = SPECIMENS[rng.choice(["TD3", "TD1"])][0]
            for _ in range(rng.randint(1, 4)):
                line = rng.randrange(zone.count("\n") + 1)
                col = rng.randrange(len(zone.split("\n")[line]))
                zone = _set(zone, line, col, rng.choice(ALPHABET + "é\x00 \t"))
            text = zone
        else:
            text = "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randint(0, 100)))
        try:
            parse_mrz(text, TODAY)
        except MrzError:
            named += 1
        except Exception:  # what the fuzz looks for
            foreign += 1
    return {"inputs": n, "refused_with_named_error": named, "other_exceptions": foreign}


def run(quick: bool = False, seed: int = 9303) -> list[dict[str, Any]]:
    """The three checks, one JSON object."""
    t = time.perf_counter()
    digits = {k: _digits(k) for k in SPECIMENS}
    changes = {k: _changes(k) for k in SPECIMENS}
    fuzz = _fuzz(3_000 if quick else 100_000, random.Random(seed))
    assert check_digit("L898902C3") == "6"
    return [
        {
            "benchmark": "checkpoint_mrz",
            "check_digits": digits,
            "single_changes": changes,
            "fuzz": fuzz,
            "seconds": round(time.perf_counter() - t, 1),
            "bars": {
                "every_wrong_check_digit_caught_and_named": all(
                    d["caught"] == d["named_right_field"] == d["wrong_check_digits"]
                    for d in digits.values()
                ),
                "no_change_missed_beyond_the_scheme": all(
                    c["missed_outside_scheme_limit"] == 0 for c in changes.values()
                ),
                "fuzz_only_named_errors": fuzz["other_exceptions"] == 0,
            },
        }
    ]
