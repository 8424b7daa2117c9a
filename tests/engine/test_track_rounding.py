"""Track messages round their numbers a column at a time, to the very floats `round` gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from borderwatch.engine.picture import _rounded


def _bits(values: list[float]) -> list[int]:
    bits: list[int] = np.array(values, float).view(np.int64).tolist()  # -0.0 and 0.0 differ
    return bits


@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=50),
    st.sampled_from([2, 3, 7]),
)
def test_any_float_rounds_as_python_rounds_it(values: list[float], digits: int) -> None:
    assert _bits(_rounded(np.array(values, float), digits)) == _bits(
        [round(v, digits) for v in values]
    )


@given(
    st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=50),
    st.sampled_from([2, 3, 7]),
    st.integers(-3, 3),
)
def test_values_a_hair_from_a_half_round_as_python_rounds_them(
    whole: list[int], digits: int, ulps: int
) -> None:
    # k + 0.5 units of the last digit kept, nudged by a few ulps either way: where scaling
    # by 10**digits may round across the half.
    halves = (np.array(whole, float) + 0.5) / 10.0**digits
    values = halves
    for _ in range(abs(ulps)):
        values = np.nextafter(values, np.inf if ulps > 0 else -np.inf)
    assert _bits(_rounded(values, digits)) == _bits([round(v, digits) for v in values.tolist()])


def test_a_scenes_columns_round_as_python_rounds_them() -> None:
    rng = np.random.default_rng(7)
    for digits, scale in ((7, 40.0), (2, 4e6), (2, 30.0), (3, 1.0)):
        values = rng.uniform(-scale, scale, 100_000)
        assert _bits(_rounded(values, digits)) == _bits([round(v, digits) for v in values.tolist()])
