"""Waiting in the browser under the console's Content-Security-Policy (no `unsafe-eval`).

Playwright's `page.wait_for_function` polls its predicate with `new Function` inside the
page, which the policy forbids (EvalError), while `page.evaluate` runs through the DevTools
protocol, which the policy does not govern. So the tests poll from here: the page keeps the
policy it is served with, and what the console itself does is held to it.
"""

from __future__ import annotations

import time

from playwright.sync_api import Page

__all__ = ["wait_until"]


def wait_until(page: Page, expression: str, timeout_ms: float = 30_000) -> None:
    """Wait until `expression` (JavaScript) is truthy in `page`, polling every 50 ms."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true after {timeout_ms:.0f} ms: {expression}")
        page.wait_for_timeout(50)
