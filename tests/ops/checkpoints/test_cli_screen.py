"""`borderwatch checkpoint screen`: the command-line contract, in-process and as a real child
process reading a pipe, as other tools use it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli import one_line, run_cli

PASSAGES = "\n".join(
    [
        '{"id": "p1", "names": ["Moammar Kadhafi", "معمر القذافي"], "dob": "1942-06-07"}',
        '{"id": "p2", "names": ["Sami Ben Amor"], "dob": "1990-01-01"}',
        '{"id": "p3", "dob": "1975-02-30"}',
        "",
        "not json",
        '{"id": "p4", "names": ["TRABELSI MOHAMED ALI"], "plate": "123 TU 4567"}',
        '{"id": "p5", "plate": "XYZ"}',
        '{"id": "p6", "document": "LY998877"}',
    ]
)


def _screen(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str,
    *argv: str,
) -> tuple[int, list[dict[str, Any]], str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code, out, err = run_cli(capsys, "checkpoint", "screen", *argv)
    return code, [json.loads(line) for line in out.splitlines()], err


def test_contract(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    csv_list: Path,
    ftm_list: Path,
) -> None:
    code, out, err = _screen(
        capsys,
        monkeypatch,
        PASSAGES,
        "--list",
        str(csv_list),
        "--list",
        str(ftm_list),
        "--on",
        "2026-12-06",
    )
    assert code == 0
    assert [o["id"] for o in out] == ["p1", "p2", "p4", "p6"]  # one line per good passage
    by_id = {o["id"]: o["hits"] for o in out}
    assert [h["entry"] for h in by_id["p1"]] == ["Q1"]
    assert by_id["p2"] == []
    [hit] = by_id["p4"]
    assert set(hit) == {"entry", "score", "why"}
    assert hit["entry"] == "T1"
    assert hit["score"] == 1.0
    assert hit["why"][0] == "list watch (wanted, national_guard)"
    assert any("plate: same plate TN 123 TU 4567" in w for w in hit["why"])
    assert [h["entry"] for h in by_id["p6"]] == ["NK-1"]
    errors = err.splitlines()
    assert any("line 3: $.dob:" in e for e in errors)
    assert any("line 5: $: not JSON" in e for e in errors)
    assert any("line 7: $.plate:" in e for e in errors)
    assert "4 passage(s)" in errors[-1]
    assert "3 lines refused" in errors[-1]
    # The malformed records of the FollowTheMoney file were named and left out.
    assert any(f"{ftm_list}:4" in e and "entry left out" in e for e in errors)


def test_hits_best_first_and_threshold(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        "id,names,dob,nationality,documents,plates,category,agency,valid_until\n"
        "E1,Youssef Chaabane,,,,,wanted,customs,\n"
        "E2,Youssef Chaabani,,,,,wanted,customs,\n",
        encoding="utf-8",
    )
    line = '{"id": "x", "names": ["Youcef Chaabane"]}'
    _, out, _ = _screen(capsys, monkeypatch, line, "--list", str(path))
    scores = [h["score"] for h in out[0]["hits"]]
    assert [h["entry"] for h in out[0]["hits"]] == ["E1", "E2"]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[1]
    between = f"{(scores[0] + scores[1]) / 2:.4f}"
    _, out, _ = _screen(capsys, monkeypatch, line, "--list", str(path), "--threshold", between)
    assert [h["entry"] for h in out[0]["hits"]] == ["E1"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--list", "/nonexistent.csv"], "/nonexistent.csv"),
        (["--threshold", "2"], "must be > 0 and <= 1"),
        ([], "--list"),
    ],
)
def test_user_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    needle: str,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    args = argv if argv and argv[0] == "--list" else ["--list", "x.csv", *argv] if argv else []
    code, _, err = run_cli(capsys, "checkpoint", "screen", *args)
    assert code == 2
    assert needle in one_line(err)


def test_as_a_pipe(csv_list: Path) -> None:
    """The installed entry point in a child process, stdin a pipe: what other tools do."""
    done = subprocess.run(
        [sys.executable, "-m", "borderwatch", "checkpoint", "screen", "--list", str(csv_list)],
        input='{"id": "1", "names": ["القذافي معمر"]}\n{"id": 2}\n'.encode() + b'{"id": "\xff"}\n',
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    err = done.stderr.decode()
    assert done.returncode == 0, err
    [line] = done.stdout.decode().splitlines()
    assert json.loads(line)["hits"][0]["entry"] == "Q1"
    assert "line 2: $.id:" in err
    assert "line 3: $:" in err  # not UTF-8: refused, the run went on
    assert "2 lines refused" in err


def test_default_threshold_is_the_screeners() -> None:
    from borderwatch.cli import build_parser
    from borderwatch.ops.checkpoints import DEFAULT_THRESHOLD

    args = build_parser().parse_args(["checkpoint", "screen", "--list", "x.csv"])
    assert args.threshold == DEFAULT_THRESHOLD
