"""The command line: the happy paths write what they say, and every user mistake ends in
exit status 2 and one line on stderr naming the problem, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from borderwatch.messages.codec import WIRE_TYPES
from borderwatch.twin import library
from tests.cli import one_line, run_cli

PNG = b"\x89PNG\r\n\x1a\n"
HEAD = 'name = "mine"\nstart = 2026-03-14T19:00:00Z\nsectors = ["N03"]\n'
FOOT = '[[movers]]\nkind = "foot_smugglers"\n'

# (id, scenario file text, what the one line must name)
BAD_FILES = [
    ("bad-toml", 'name = "mine\n', "not valid TOML"),
    ("unknown-key", HEAD + "colour = 1\n", "colour"),
    ("low-above-high", HEAD + FOOT + "walk_mps = [2.0, 1.0]\n", "walk_mps"),
    ("unknown-sector", HEAD.replace("N03", "N99"), "N99"),
    ("unknown-mover-kind", HEAD + '[[movers]]\nkind = "dragons"\n', "movers[0].kind"),
    ("no-time-zone", 'name = "mine"\nstart = 2026-03-14T19:00:00\n', "start"),
    ("negative-count", HEAD + FOOT + "groups = -1\n", "movers[0].groups"),
]


@pytest.mark.parametrize(
    ("text", "names"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_scenario_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, names: str
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    out_dir = tmp_path / "out"
    code, out, err = run_cli(capsys, "simulate", str(path), "--out", str(out_dir))
    assert code == 2
    line = one_line(err)
    assert names in line
    assert str(path) in line
    assert out == ""
    assert not out_dir.exists()  # a rejected scenario writes nothing


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["simulate", "quiet-night", "--seed", "-1", "--out", "{tmp}/o"], "--seed"),
        (["simulate", "quiet-night", "--seed", "1.5", "--out", "{tmp}/o"], "--seed"),
        (["simulate", "quiet-night", "--hours", "0", "--out", "{tmp}/o"], "--hours"),
        (["simulate", "quiet-night", "--hours", "abc", "--out", "{tmp}/o"], "--hours"),
        (["simulate", "quiet-night", "--hours", "-2", "--out", "{tmp}/o"], "--hours"),
        (["simulate", "quiet-nite", "--out", "{tmp}/o"], "quiet-nite"),
        (["simulate", "quiet-night"], "--out"),
        (["simulate", "quiet-night", "--out", "{tmp}/o", "--plot", "{tmp}/p.jpg"], ".png"),
        (["simulate", "quiet-night", "--hours", "0.1", "--out", "{tmp}/file"], "file"),
        (["simulate"], "scenario"),
        (["simulat", "quiet-night"], "simulat"),
        ([], "command"),
    ],
    ids=[
        "negative-seed",
        "fractional-seed",
        "zero-hours",
        "hours-not-a-number",
        "negative-hours",
        "unknown-scenario",
        "missing-out",
        "plot-not-png",
        "out-is-a-file",
        "no-scenario",
        "unknown-command",
        "no-command",
    ],
)
def test_bad_arguments(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], names: str
) -> None:
    (tmp_path / "file").write_text("not a directory")
    code, out, err = run_cli(capsys, *(a.replace("{tmp}", str(tmp_path)) for a in argv))
    assert code == 2
    assert names in one_line(err)
    assert out == ""
    assert not (tmp_path / "o").exists()


def test_bad_file_through_a_real_process(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(HEAD + "colour = 1\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "borderwatch", "simulate", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "colour" in one_line(done.stderr)
    assert done.stdout == ""


def test_reader_gone_is_not_a_traceback() -> None:
    """`borderwatch schema | head -1`: the pipe closes before the output is written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "borderwatch", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=60)
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 1


def test_scenarios_lists_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "scenarios")
    assert (code, err) == (0, "")
    names = [line.split()[0] for line in out.splitlines()]
    assert names == list(library())
    assert len(names) == 14


def test_schema_covers_every_wire_type(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "schema")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert set(doc["$defs"]) >= {t.__name__ for t in WIRE_TYPES}
    assert {ref["$ref"] for ref in doc["oneOf"]} == {f"#/$defs/{t.__name__}" for t in WIRE_TYPES}


def test_simulate_writes_the_run_and_a_picture(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_dir = tmp_path / "run"
    png = out_dir / "p.png"
    code, out, err = run_cli(
        capsys,
        "simulate",
        "quiet-night",
        "--hours",
        "0.5",
        "--out",
        str(out_dir),
        "--plot",
        str(png),
    )
    assert (code, err) == (0, "")
    for name in ("messages.jsonl", "truth.jsonl", "scenario.json"):
        assert (out_dir / name).stat().st_size > 0, name
    assert png.read_bytes()[:8] == PNG
    assert json.loads((out_dir / "scenario.json").read_bytes())["hours"] == 0.5
    assert out.splitlines()[0].startswith(f"wrote {out_dir}: ")
    assert out.splitlines()[-1] == f"wrote {png}"
