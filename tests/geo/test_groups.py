"""Groups of tracks that move together."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from borderwatch.geo.groups import components, group_sizes


def test_a_file_of_walkers_a_lone_one_and_a_passing_car() -> None:
    x = np.array([0.0, 60.0, 120.0, 2000.0, 90.0])
    y = np.zeros(5)
    vx = np.array([1.2, 1.2, 1.3, 1.2, 15.0])  # the car passes the file at 15 m/s
    vy = np.zeros(5)
    assert group_sizes(x, y, vx, vy).tolist() == [3, 3, 3, 1, 1]


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (12, 4), elements=st.floats(-500.0, 500.0)))
def test_group_sizes_are_consistent(cols: np.ndarray) -> None:
    x, y, vx, vy = cols.T / np.array([1.0, 1.0, 100.0, 100.0])[:, None]
    sizes = group_sizes(x, y, vx, vy)
    assert ((sizes >= 1) & (sizes <= 12)).all()
    # A group of size s has exactly s members with that size among them: sizes of s appear
    # a multiple of s times.
    for s in np.unique(sizes):
        assert (sizes == s).sum() % s == 0
    assert group_sizes(x[:0], y[:0], vx[:0], vy[:0]).shape == (0,)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)))
        )
    )
)
def test_components_number_as_scipy_does(graph: tuple[int, list[tuple[int, int]]]) -> None:
    """The hand-written labelling agrees with scipy's connected_components, label for label."""
    n, links = graph
    i = np.array([a for a, _ in links], np.int64)
    j = np.array([b for _, b in links], np.int64)
    expected = np.arange(n)
    if links:
        _, expected = connected_components(
            coo_array((np.ones(len(links)), (i, j)), shape=(n, n)), directed=False
        )
    assert components(n, i, j).tolist() == expected.tolist()
