"""The exact binomial interval against published values, closed forms and its definition."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom

from borderwatch.eval import clopper_pearson


def test_known_values() -> None:
    # R's documented example, binom.test(c(682, 243), p = 3/4): 0.7076683 0.7654066.
    assert clopper_pearson(682, 925) == pytest.approx((0.7076683, 0.7654066), abs=5e-8)
    # 45 of 50, the binomial tails solved for p by root finding (scipy brentq, xtol 1e-15).
    assert clopper_pearson(45, 50) == pytest.approx((0.7818646, 0.9667249), abs=5e-8)
    assert clopper_pearson(5, 10) == pytest.approx((0.187086, 0.812914), abs=1e-6)


@pytest.mark.parametrize("n", [1, 7, 50, 1000])
def test_edges_closed_form(n: int) -> None:
    a = 0.05
    assert clopper_pearson(0, n) == pytest.approx((0.0, 1 - (a / 2) ** (1 / n)))
    assert clopper_pearson(n, n) == pytest.approx(((a / 2) ** (1 / n), 1.0))
    assert clopper_pearson(0, n)[0] == 0.0
    assert clopper_pearson(n, n)[1] == 1.0


def test_no_trials() -> None:
    assert clopper_pearson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("k", "n", "conf"), [(-1, 5, 0.95), (6, 5, 0.95), (1, 5, 1.0)])
def test_rejects_nonsense(k: int, n: int, conf: float) -> None:
    with pytest.raises(ValueError, match=r"must be|need"):
        clopper_pearson(k, n, conf)


@given(n=st.integers(1, 300), data=st.data(), conf=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_tail_definition(n: int, data: st.DataObject, conf: float) -> None:
    k = data.draw(st.integers(0, n))
    lo, hi = clopper_pearson(k, n, conf)
    a = 1 - conf
    assert 0.0 <= lo <= k / n <= hi <= 1.0
    if k > 0:
        assert binom.sf(k - 1, n, lo) == pytest.approx(a / 2, rel=1e-6)  # P(X >= k | lo)
    if k < n:
        assert binom.cdf(k, n, hi) == pytest.approx(a / 2, rel=1e-6)  # P(X <= k | hi)
