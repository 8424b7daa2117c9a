"""Confidence intervals for rates (Pd and the like)."""

from __future__ import annotations

import math

from scipy.stats import beta, norm

__all__ = ["clopper_pearson", "wilson"]


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided exact (Clopper–Pearson) interval for a binomial proportion k / n.

    lo = B^-1(a/2; k, n-k+1), hi = B^-1(1-a/2; k+1, n-k) with a = 1 - confidence and B the
    beta distribution; lo = 0 when k = 0, hi = 1 when k = n, and (0, 1) when n = 0.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), not {confidence}")
    if n < 0 or not 0 <= k <= max(n, 0):
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    a = 1.0 - confidence
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2.0, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1.0 - a / 2.0, k + 1, n - k))
    return (lo, hi)


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided Wilson score interval for a binomial proportion k / n.

    With p = k/n and z the normal quantile of 1 - a/2 (a = 1 - confidence):
    centre = (p + z^2/2n) / (1 + z^2/n), half-width = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n);
    (0, 1) when n = 0. Narrower than Clopper-Pearson and close to nominal coverage even near
    p = 1, where Pd lives.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), not {confidence}")
    if n < 0 or not 0 <= k <= max(n, 0):
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    z = float(norm.ppf(1.0 - (1.0 - confidence) / 2.0))
    p = k / n
    d = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / d
    # At k = 0 or k = n the interval touches 0 or 1 exactly; round-off must not miss it.
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return (lo, hi)
