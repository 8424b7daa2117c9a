"""Lookout lists: the entries a passage is screened against, and their import.

An entry keeps what a checkpoint needs to recognise a person and nothing more: names in any
script with their aliases, a date of birth (a year alone is common on partner lists), the
nationalities, document numbers, plates, a reason category, the issuing agency and how long it
is valid. Two sources:

- CSV with the columns `id,names,dob,nationality,documents,plates,category,agency,valid_until`
  (names, documents, plates and nationalities separated by `|`), and an optional `sex`
  (M or F, as an MRZ writes it);
- FollowTheMoney JSON lines as OpenSanctions publishes them: entities of schema `Person`
  (`name`, `alias`, `birthDate`, `nationality`/`citizenship`, `passportNumber`/`idNumber`,
  `topics`, `gender`); other schemas are skipped and counted.

A malformed record is reported as a `ListError` naming the file, line and column and left out;
the rest of the list loads (`LoadedList.errors`). Nationalities are kept as ISO 3166 alpha-3
(an MRZ's form); alpha-2 (FollowTheMoney's) is converted with ICU's country table.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import icu
import msgspec

from borderwatch.ops.checkpoints.errors import ListError, PlateError
from borderwatch.ops.checkpoints.plates import parse_plate

__all__ = [
    "COLUMNS",
    "LoadedList",
    "LookoutEntry",
    "country_code",
    "document_key",
    "entries_from_csv",
    "entries_from_ftm",
    "load_list",
    "parse_dob",
    "parse_sex",
]

COLUMNS: tuple[str, ...] = ("id", "names", "dob", "nationality", "documents", "plates")
COLUMNS += ("category", "agency", "valid_until")
_DOB = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_ALPHA3 = {c: icu.Locale("", c).getISO3Country() for c in icu.Locale.getISOCountries()}
_KNOWN3 = set(_ALPHA3.values())


class LookoutEntry(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One person on a lookout list."""

    id: str
    names: tuple[str, ...]  # the first is the main name, the others aliases; any script
    dob: tuple[str, ...] = ()  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    nationality: tuple[str, ...] = ()  # ISO 3166 alpha-3
    documents: tuple[str, ...] = ()  # document_key() of each number
    plates: tuple[str, ...] = ()  # Plate.text of each
    category: str = ""
    agency: str = ""
    valid_until: str | None = None  # ISO date; the entry is inactive after it
    sex: str | None = None  # "M" or "F" when the list gives it (optional column, FtM gender)

    def active(self, on: dt.date) -> bool:
        """Whether the entry is in force on `on`."""
        return self.valid_until is None or dt.date.fromisoformat(self.valid_until) >= on


class LoadedList(msgspec.Struct, frozen=True, kw_only=True):
    """A list as loaded: its name, the entries, the records refused and the ones skipped."""

    name: str
    entries: tuple[LookoutEntry, ...]
    errors: tuple[ListError, ...] = ()
    skipped: int = 0  # FollowTheMoney entities that are not people


def parse_dob(text: str, field: str = "dob") -> str:
    """A date of birth as "YYYY", "YYYY-MM" or "YYYY-MM-DD", checked; raises ListError."""
    m = _DOB.match(text.strip())
    if m is None:
        raise ListError(field, f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = m.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ListError(field, f"{text!r} is not a calendar date") from None
    return m.group(0)


def country_code(text: str, field: str = "nationality") -> str:
    """ISO 3166 alpha-3 of an alpha-2 or alpha-3 code, any case; raises ListError."""
    code = text.strip().upper()
    if len(code) == 2 and code in _ALPHA3:
        return str(_ALPHA3[code])
    if len(code) == 3 and code in _KNOWN3:
        return code
    raise ListError(field, f"{text!r} is not an ISO 3166 country code")


def document_key(text: str) -> str:
    """A document number as compared: letters and digits only, upper case."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def parse_sex(text: str, field: str = "sex") -> str | None:
    """ "M" or "F" of M/F/male/female (any case); None for X, `<` or nothing; raises ListError."""
    code = text.strip().upper()
    if code in ("", "X", "<", "U", "UNKNOWN", "OTHER"):
        return None
    if code in ("M", "MALE", "F", "FEMALE"):
        return code[0]
    raise ListError(field, f"{text!r} is not M, F or X")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split("|") if part.strip()]


def _entry(row: dict[str, str], where: str) -> LookoutEntry:
    def col(name: str) -> str:
        return (row.get(name) or "").strip()

    if not col("id"):
        raise ListError(f"{where}:id", "empty")
    names = _split(col("names"))
    if not names:
        raise ListError(f"{where}:names", "no name")
    plates = []
    for p in _split(col("plates")):
        try:
            plates.append(parse_plate(p).text)
        except PlateError as exc:
            raise ListError(f"{where}:plates", exc.reason) from exc
    valid = col("valid_until") or None
    if valid is not None:
        try:
            dt.date.fromisoformat(valid)
        except ValueError:
            raise ListError(f"{where}:valid_until", f"{valid!r} is not YYYY-MM-DD") from None
    return LookoutEntry(
        id=col("id"),
        names=tuple(names),
        dob=tuple(parse_dob(d, f"{where}:dob") for d in _split(col("dob"))),
        nationality=tuple(
            country_code(c, f"{where}:nationality") for c in _split(col("nationality"))
        ),
        documents=tuple(k for d in _split(col("documents")) if (k := document_key(d))),
        plates=tuple(plates),
        category=col("category"),
        agency=col("agency"),
        valid_until=valid,
        sex=parse_sex(col("sex"), f"{where}:sex"),
    )


def entries_from_csv(lines: Iterable[str], source: str) -> Iterator[LookoutEntry | ListError]:
    """Entries of a lookout CSV, or the error of each refused line, in file order."""
    reader = csv.DictReader(lines)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ListError(f"{source}:1", f"missing column(s) {', '.join(missing)}")
    for row in reader:
        where = f"{source}:{reader.line_num}"
        try:
            yield _entry(row, where)
        except ListError as exc:
            yield exc


def _ftm(obj: object, where: str, agency: str) -> LookoutEntry | None:
    if not isinstance(obj, dict):
        raise ListError(where, "not a JSON object")
    if obj.get("schema") != "Person":
        return None
    props = obj.get("properties")
    if not isinstance(props, dict):
        raise ListError(f"{where}:properties", "missing or not an object")

    def values(*keys: str) -> list[str]:
        out: list[str] = []
        for key in keys:
            got = props.get(key, [])
            if not isinstance(got, list) or not all(isinstance(v, str) for v in got):
                raise ListError(f"{where}:properties.{key}", "not a list of strings")
            out.extend(v for v in got if v.strip() and v not in out)
        return out

    names = values("name", "alias")
    if not isinstance(obj.get("id"), str) or not names:
        raise ListError(where, "a Person needs an id and a name")
    nationality = []
    for code in values("nationality", "citizenship"):
        try:
            if (c := country_code(code)) not in nationality:
                nationality.append(c)
        except ListError:
            continue  # FollowTheMoney also carries historical codes ("suhh"): not ours to refuse
    dobs = []
    for d in values("birthDate"):
        try:
            dobs.append(parse_dob(d[:10]))
        except ListError:
            continue
    topics = values("topics")
    sexes = set()
    for g in values("gender"):
        try:
            sexes.add(parse_sex(g))
        except ListError:
            continue
    return LookoutEntry(
        id=str(obj["id"]),
        names=tuple(names),
        dob=tuple(dobs),
        nationality=tuple(nationality),
        documents=tuple(k for d in values("passportNumber", "idNumber") if (k := document_key(d))),
        category=topics[0] if topics else "",
        agency=agency,
        sex=sexes.pop() if len(sexes) == 1 else None,
    )


def entries_from_ftm(
    lines: Iterable[str], source: str, agency: str = ""
) -> Iterator[LookoutEntry | ListError | None]:
    """Entries of FollowTheMoney JSON lines (None for an entity that is not a Person)."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{n}"
        try:
            yield _ftm(json.loads(line), where, agency)
        except json.JSONDecodeError as exc:
            yield ListError(where, f"not JSON: {exc.msg}")
        except ListError as exc:
            yield exc


def load_list(path: Path, agency: str = "") -> LoadedList:
    """Load a CSV (`.csv`) or FollowTheMoney JSON-lines (`.json`, `.jsonl`, `.ftm`) list."""
    entries: list[LookoutEntry] = []
    errors: list[ListError] = []
    skipped = 0
    with path.open(encoding="utf-8-sig", newline="") as f:
        items: Iterable[LookoutEntry | ListError | None]
        if path.suffix.lower() == ".csv":
            items = entries_from_csv(f, str(path))
        else:
            items = entries_from_ftm(f, str(path), agency or path.stem)
        for item in items:
            if item is None:
                skipped += 1
            elif isinstance(item, ListError):
                errors.append(item)
            else:
                entries.append(item)
    return LoadedList(name=path.stem, entries=tuple(entries), errors=tuple(errors), skipped=skipped)
