"""Running the command line in-process, as the CLI tests of several folders do."""

from __future__ import annotations

import pytest

from borderwatch.cli import main

__all__ = ["one_line", "run_cli"]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `borderwatch argv...` in-process: (exit status, stdout, stderr)."""
    code: int | str | None
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits on a usage error
        code = exc.code
    out, err = capsys.readouterr()
    assert isinstance(code, int)
    return code, out, err


def one_line(err: str) -> str:
    """The one line a user mistake prints (never a traceback)."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("borderwatch")
    return lines[0]
