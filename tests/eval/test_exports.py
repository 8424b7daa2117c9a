"""The package exports what it lists, and every public function says what it does."""

from __future__ import annotations

import importlib
import inspect

import pytest

import borderwatch.eval

MODULES = [
    "alerts",
    "baseline",
    "crossings",
    "gospa",
    "report",
    "stats",
    "tracks",
    "truth",
    "truthfile",
]


def test_all_names_exist() -> None:
    for name in borderwatch.eval.__all__:
        assert hasattr(borderwatch.eval, name), name


@pytest.mark.parametrize("module", MODULES)
def test_public_functions_documented(module: str) -> None:
    mod = importlib.import_module(f"borderwatch.eval.{module}")
    assert mod.__doc__
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, f"{module}.{name}"
