"""The service's modules export what they list, and every public function, class and method
says what it does."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import borderwatch.service

MODULES = ["admission", "core", "devices", "tak", "tak_filters", "tasking"]


def test_every_module_is_checked() -> None:
    package = Path(borderwatch.service.__path__[0])
    assert sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__") == MODULES


@pytest.mark.parametrize("module", MODULES)
def test_exports_exist_and_are_documented(module: str) -> None:
    mod = importlib.import_module(f"borderwatch.service.{module}")
    assert mod.__doc__
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, f"{module}.{name}"
            for attr, member in vars(obj).items() if inspect.isclass(obj) else []:
                if not attr.startswith("_") and inspect.isfunction(member):
                    assert member.__doc__, f"{module}.{name}.{attr}"
