"""`unique_inverse` is `np.unique(..., return_inverse=True)` for 1-d integer arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from borderwatch.arrays import unique_inverse


@given(
    hnp.arrays(
        st.sampled_from([np.int64, np.intp]),
        st.integers(0, 60),
        elements=st.integers(-(2**40), 2**40) | st.integers(0, 5),
    )
)
def test_unique_inverse_is_numpys(a: np.ndarray) -> None:
    values, inverse = unique_inverse(a)
    want_values, want_inverse = np.unique(a, return_inverse=True)
    assert values.dtype == want_values.dtype
    np.testing.assert_array_equal(values, want_values)
    np.testing.assert_array_equal(inverse, want_inverse.reshape(-1))
    np.testing.assert_array_equal(values[inverse], a)
