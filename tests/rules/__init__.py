"""Tests of the alert rules and incidents."""
