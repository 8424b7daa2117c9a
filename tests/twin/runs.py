"""Twin runs for tests: a library scenario simulated once per session, its files read back."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

from borderwatch.errors import MessageError
from borderwatch.messages import Detection, Patrol, SensorStatus, decode_lines
from borderwatch.twin import load_scenario, simulate

NS = 1_000_000_000
SensorMessage = Detection | SensorStatus | Patrol  # all a twin run sends


def simulate_library(name: str, seed: int, hours: float | None, out: Path) -> Path:
    """Run library scenario `name` into `out`, as `borderwatch simulate` would."""
    scenario, path = load_scenario(name)
    simulate(scenario, path, seed, out, hours=hours, progress=False)
    return out


def source(message: SensorMessage) -> str:
    """Who sent a message: the sensor id, or a patrol's callsign."""
    return message.callsign if isinstance(message, Patrol) else message.sensor_id


class Run:
    """One run directory: messages, truth and the resolved scenario, each read on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @cached_property
    def lines(self) -> list[bytes]:
        """messages.jsonl, one entry per line, newline included."""
        return (self.root / "messages.jsonl").read_bytes().splitlines(keepends=True)

    @cached_property
    def messages(self) -> list[SensorMessage]:
        """Every message, in file order (a line that does not decode fails the test)."""
        out: list[SensorMessage] = []
        for m in decode_lines(self.lines):
            assert not isinstance(m, MessageError), m
            assert isinstance(m, Detection | SensorStatus | Patrol), m
            out.append(m)
        assert len(out) == len(self.lines)
        return out

    @cached_property
    def scenario(self) -> dict[str, Any]:
        """scenario.json."""
        doc = json.loads((self.root / "scenario.json").read_bytes())
        assert isinstance(doc, dict)
        return doc

    @cached_property
    def truth(self) -> list[dict[str, Any]]:
        """truth.jsonl rows."""
        with (self.root / "truth.jsonl").open("rb") as f:
            return [json.loads(line) for line in f]

    def rows(self, kind: str) -> list[dict[str, Any]]:
        """The truth rows of one type: mover, crossing, weather or fault."""
        return [r for r in self.truth if r["type"] == kind]

    @property
    def start_ns(self) -> int:
        """Scenario start, UTC ns."""
        start = self.scenario["start_ns"]
        assert isinstance(start, int)
        return start

    def seconds(self, time_ns: int) -> float:
        """Seconds from the scenario start."""
        return (time_ns - self.start_ns) / NS

    def of(self, sensor: str) -> list[SensorMessage]:
        """Messages of one sensor or callsign, in file order."""
        return [m for m in self.messages if source(m) == sensor]


class Runs:
    """Library runs by (name, seed, hours), each simulated at most once per session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.done: dict[tuple[str, int, float | None], Run] = {}

    def __call__(self, name: str, seed: int = 1, hours: float | None = None) -> Run:
        key = (name, seed, hours)
        if key not in self.done:
            out = self.root / f"{name}-s{seed}-h{hours}"
            self.done[key] = Run(simulate_library(name, seed, hours, out))
        return self.done[key]
