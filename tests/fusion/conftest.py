"""Fixtures for the fusion tests."""
