"""Every module of the package says what it holds, exports what it lists, and every public
function, class and method it exports says what it does.

One walk over the whole package, so a new module is checked the day it is written (the
packages each had a copy of this test with a hand-kept list of their modules)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import borderwatch

# Run as programs, not imported: `python -m borderwatch` would start the command line.
SKIP = {"borderwatch.__main__"}
MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(borderwatch.__path__, "borderwatch.")
    if m.name not in SKIP
)


def _undocumented(mod: ModuleType) -> list[str]:
    missing = []
    for name in getattr(mod, "__all__", ()):
        obj = getattr(mod, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if not obj.__doc__:
            missing.append(name)
        if inspect.isclass(obj) and obj.__module__ == mod.__name__:
            missing += [
                f"{name}.{attr}"
                for attr, member in vars(obj).items()
                if not attr.startswith("_") and inspect.isfunction(member) and not member.__doc__
            ]
    return missing


def test_the_walk_finds_the_packages() -> None:
    assert {
        "borderwatch.engine.picture",
        "borderwatch.api.app",
        "borderwatch.store.eventlog",
    } <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_exports_exist_and_are_documented(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__doc__, f"{module} has no docstring"
    assert [n for n in getattr(mod, "__all__", ()) if not hasattr(mod, n)] == []
    assert _undocumented(mod) == []
