"""The package exports what it lists, and every public function and class says what it does."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import borderwatch.api

MODULES = [
    "alarms",
    "alerts",
    "app",
    "audit",
    "auth",
    "checkpoints",
    "console",
    "detections",
    "dispatch",
    "docs",
    "errors",
    "evidence",
    "exchange",
    "headers",
    "health",
    "incidents",
    "layout",
    "patrols",
    "replay",
    "reports",
    "schema",
    "sectors",
    "sensors",
    "state",
    "stream",
    "tracks",
    "visibility",
]


def test_all_names_exist() -> None:
    for name in borderwatch.api.__all__:
        assert hasattr(borderwatch.api, name), name


def test_every_module_is_checked() -> None:
    package = Path(borderwatch.api.__path__[0])
    found = sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
    assert found == MODULES


@pytest.mark.parametrize("module", MODULES)
def test_public_names_documented(module: str) -> None:
    mod = importlib.import_module(f"borderwatch.api.{module}")
    assert mod.__doc__
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, f"{module}.{name}"
