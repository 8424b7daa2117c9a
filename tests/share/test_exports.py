"""The share package exports what it lists, and every public name says what it does."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import borderwatch.share

MODULES = [
    "cot",
    "cot.const",
    "cot.encode",
    "cot.inbound",
    "cot.outbound",
    "cot.partner",
    "cot.replies",
    "exchange",
    "ledger",
    "policy",
    "releasability",
    "reports",
]


def test_every_module_is_checked() -> None:
    root = Path(borderwatch.share.__path__[0])
    found = sorted(
        str(p.relative_to(root).with_suffix("")).replace("/", ".").removesuffix(".__init__")
        for p in root.rglob("*.py")
        if p.stem != "__init__" or p.parent != root
    )
    assert [m for m in found if not m.split(".")[-1].startswith("_")] == MODULES


@pytest.mark.parametrize("module", ["", *MODULES])
def test_public_names_exist_and_are_documented(module: str) -> None:
    mod = importlib.import_module("borderwatch.share" + (f".{module}" if module else ""))
    assert mod.__doc__
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, f"{module}.{name}"
