"""The engine package exports what it lists, every module is checked, and every public
function, class and method says what it does."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import borderwatch.engine

MODULES = [
    "batches",
    "bounds",
    "changes",
    "clocks",
    "config",
    "history",
    "live",
    "lookout",
    "picture",
    "replay",
    "supervisor",
    "window",
]


def test_all_names_exist() -> None:
    for name in borderwatch.engine.__all__:
        assert hasattr(borderwatch.engine, name), name


def test_every_module_is_checked() -> None:
    package = Path(borderwatch.engine.__path__[0])
    assert sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__") == MODULES


@pytest.mark.parametrize("module", MODULES)
def test_public_names_documented(module: str) -> None:
    mod = importlib.import_module(f"borderwatch.engine.{module}")
    assert mod.__doc__
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, f"{module}.{name}"
            for attr, member in vars(obj).items() if inspect.isclass(obj) else []:
                if not attr.startswith("_") and inspect.isfunction(member):
                    assert member.__doc__, f"{module}.{name}.{attr}"
