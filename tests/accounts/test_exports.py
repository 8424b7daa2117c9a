"""The package exports what it lists, and every public function and class says what it does."""

from __future__ import annotations

import importlib
import inspect

import pytest

import borderwatch.accounts

MODULES = ["data", "errors", "passwords", "roles", "throttle", "tokens", "users"]


def test_all_names_exist() -> None:
    for name in borderwatch.accounts.__all__:
        assert hasattr(borderwatch.accounts, name), name


@pytest.mark.parametrize("module", [*(f"accounts.{m}" for m in MODULES), "pki", "revocation"])
def test_public_functions_documented(module: str) -> None:
    mod = importlib.import_module(f"borderwatch.{module}")
    assert mod.__doc__
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, f"{module}.{name}"
