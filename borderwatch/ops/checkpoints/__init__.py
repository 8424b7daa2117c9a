"""Checkpoints: reading travel documents and plates, and screening passages against lookout lists.

`mrz` parses ICAO 9303 machine-readable zones, `plates` Tunisian and Libyan plates, `names` is
the name model (scripts, transliterations, particles), `lists` the lookout lists and their
import, `index` the blocking index over them, `screen` the scoring with its explanation.
"""

from borderwatch.ops.checkpoints.errors import (
    CheckDigitError,
    CheckpointError,
    ListError,
    MrzError,
    PassageError,
    PlateError,
)
from borderwatch.ops.checkpoints.lists import LoadedList, LookoutEntry, load_list
from borderwatch.ops.checkpoints.mrz import MrzDocument, parse_mrz
from borderwatch.ops.checkpoints.passages import Passage, decode_passage
from borderwatch.ops.checkpoints.plates import Plate, parse_plate
from borderwatch.ops.checkpoints.screen import DEFAULT_THRESHOLD, Hit, Screener

__all__ = [
    "DEFAULT_THRESHOLD",
    "CheckDigitError",
    "CheckpointError",
    "Hit",
    "ListError",
    "LoadedList",
    "LookoutEntry",
    "MrzDocument",
    "MrzError",
    "Passage",
    "PassageError",
    "Plate",
    "PlateError",
    "Screener",
    "decode_passage",
    "load_list",
    "parse_mrz",
    "parse_plate",
]
