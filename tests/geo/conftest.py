"""The packaged border, its sectors and the default site layout, loaded once per session."""

from __future__ import annotations

import pytest

from borderwatch.geo import Border, Layout, Sector, build_sectors, load_border, load_sites


@pytest.fixture(scope="session")
def border() -> Border:
    return load_border()


@pytest.fixture(scope="session")
def sectors(border: Border) -> tuple[Sector, ...]:
    return build_sectors(border)


@pytest.fixture(scope="session")
def layout() -> Layout:
    return load_sites()
