"""Fixtures for the CoT adapter's tests: one CA for the module's TLS tests (borderwatch.pki)."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderwatch.pki import init_ca, issue


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our CA with a radar (`T06-R`, OU army) and an ATAK phone (`atak-07`, no OU)."""
    directory = tmp_path_factory.mktemp("ingest-cot") / "pki"
    init_ca(directory)
    issue(directory, "T06-R", organisational_unit="army")
    issue(directory, "atak-07")
    return directory


@pytest.fixture(scope="session")
def other_pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Somebody else's CA, with a client of its own."""
    directory = tmp_path_factory.mktemp("ingest-cot-other") / "pki"
    init_ca(directory)
    issue(directory, "intruder")
    return directory
