"""Fixtures for the attacks: one CA for the package (RSA keys are slow to make)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.stack import make_pki


@pytest.fixture(scope="package")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our CA, with certificates for two radars, an ATAK phone and a gateway."""
    return make_pki(tmp_path_factory.mktemp("security") / "pki")
