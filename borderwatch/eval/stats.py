"""Confidence intervals for rates (Pd and the like)."""

from __future__ import annotations

from scipy.stats import beta

__all__ = ["clopper_pearson"]


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
