"""Checkpoint errors: each names what was wrong (`field`) and why, so the command line and the
API can report it and count it by `code` without parsing text.

    BorderwatchError
    └── CheckpointError          `field`, `reason`, `code`
        ├── MrzError             a machine-readable zone is malformed (length, characters, layout)
        │   └── CheckDigitError  one of its check digits is wrong (`field`: which one)
        ├── PlateError           a number plate is not a Tunisian or Libyan plate
        ├── ListError            a lookout-list file or line is malformed (`field`: line and column)
        └── PassageError         a passage to screen is malformed (`field`: the JSON field)
"""

from __future__ import annotations

from borderwatch.errors import BorderwatchError

__all__ = [
    "CheckDigitError",
    "CheckpointError",
    "ListError",
    "MrzError",
    "PassageError",
    "PlateError",
]


class CheckpointError(BorderwatchError):
    """Something a checkpoint read was refused: `field` says where, `code` is for counters."""

    code = "invalid"

    def __init__(self, field: str, reason: str, code: str | None = None) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        if code is not None:
            self.code = code


class MrzError(CheckpointError):
    """A machine-readable zone is malformed: wrong length, a character outside A-Z 0-9 <."""

    code = "mrz_format"


class CheckDigitError(MrzError):
    """A check digit of a machine-readable zone does not match the field it guards."""

    code = "mrz_check_digit"


class PlateError(CheckpointError):
    """A number plate is neither a Tunisian nor a Libyan plate as written."""

    code = "plate"


class ListError(CheckpointError):
    """A lookout-list file or one of its records is malformed."""

    code = "list"


class PassageError(CheckpointError):
    """A passage given for screening is malformed."""

    code = "passage"
