"""The package exports what it lists, and every public function and class says what it does."""

from __future__ import annotations

import importlib
import inspect

import pytest

import borderwatch.store

MODULES = ["chain", "errors", "eventlog", "quarantine", "schema", "subscription", "writer"]


def test_all_names_exist() -> None:
    for name in borderwatch.store.__all__:
        assert hasattr(borderwatch.store, name), name


@pytest.mark.parametrize("module", MODULES)
def test_public_functions_documented(module: str) -> None:
    mod = importlib.import_module(f"borderwatch.store.{module}")
    assert mod.__doc__
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, f"{module}.{name}"
            for attr, member in vars(obj).items() if inspect.isclass(obj) else []:
                if not attr.startswith("_") and inspect.isfunction(member):
                    assert member.__doc__, f"{module}.{name}.{attr}"
