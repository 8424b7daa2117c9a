"""A passage as given for screening: who crossed, with what document and vehicle.

The wire form is the command line's (one JSON object per line):
`{"id", "names": [..], "dob", "nationality", "document", "plate"}`, every field but `id`
optional, and `sex` (M, F or X, as the document's MRZ gives it) optional besides.
`decode_passage` checks it and raises `PassageError` naming the field (`$.dob`, `$.plate`,
...); the plate is parsed into its normal form here, so a list and a lane agree.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from borderwatch.ops.checkpoints.errors import ListError, PassageError, PlateError
from borderwatch.ops.checkpoints.lists import country_code, document_key, parse_dob, parse_sex
from borderwatch.ops.checkpoints.plates import parse_plate

__all__ = ["Passage", "decode_passage"]

_Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class Passage(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One traveller at a lane, as screened."""

    id: _Text
    names: Annotated[list[_Text], msgspec.Meta(max_length=8)] = msgspec.field(default_factory=list)
    dob: str | None = None  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    nationality: str | None = None  # ISO 3166 alpha-2 or alpha-3; kept as alpha-3
    document: str | None = None  # kept as document_key()
    plate: str | None = None  # kept as Plate.text
    sex: str | None = None  # "M" or "F"; X (unspecified) kept as None


_decoder = msgspec.json.Decoder(Passage)


def decode_passage(line: str | bytes) -> Passage:
    """A passage from one JSON line, checked and normalised; raises PassageError."""
    try:
        p = _decoder.decode(line)
    except msgspec.ValidationError as exc:
        text = str(exc)
        field = text.rsplit("at `", 1)[1].rstrip("`") if "at `" in text else "$"
        raise PassageError(field, text.split(" - at ")[0]) from exc
    except msgspec.DecodeError as exc:
        raise PassageError("$", f"not JSON: {exc}") from exc
    changes: dict[str, object] = {}
    try:
        if p.dob is not None:
            changes["dob"] = parse_dob(p.dob, "$.dob")
        if p.nationality is not None:
            changes["nationality"] = country_code(p.nationality, "$.nationality")
        if p.sex is not None:
            changes["sex"] = parse_sex(p.sex, "$.sex")
    except ListError as exc:
        raise PassageError(exc.field, exc.reason) from exc
    if p.document is not None:
        if not (key := document_key(p.document)):
            raise PassageError("$.document", "no letter or digit")
        changes["document"] = key
    if p.plate is not None:
        try:
            changes["plate"] = parse_plate(p.plate).text
        except PlateError as exc:
            raise PassageError("$.plate", exc.reason, exc.code) from exc
    return msgspec.structs.replace(p, **changes) if changes else p
