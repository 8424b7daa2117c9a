"""Shared test settings: hypothesis runs without per-example deadlines (no timing flakes)."""

from hypothesis import settings

settings.register_profile("borderwatch", deadline=None)
settings.load_profile("borderwatch")
