"""The stations package exports what it lists, and each of its modules what its `__all__` says
(importing none of them starts a server or opens a connection)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import borderwatch.stations

MODULES = sorted(
    p.stem for p in Path(borderwatch.stations.__file__).parent.glob("*.py") if p.stem != "__init__"
)


def test_package_exports() -> None:
    for name in borderwatch.stations.__all__:
        assert hasattr(borderwatch.stations, name), name


@pytest.mark.parametrize("module", MODULES)
def test_each_module_lists_its_public_names(module: str) -> None:
    mod = importlib.import_module(f"borderwatch.stations.{module}")
    assert hasattr(mod, "__all__"), module
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"
