"""Small-matrix algebra the filters share, batched over the leading axis.

numpy's general `inv` and 3-operand `einsum` spend most of their time on call overhead for
1x1 and 2x2 matrices; these closed forms and `@` do not.
"""

from __future__ import annotations

import numpy as np

from borderwatch.arrays import FloatArray

__all__ = ["inv_small"]


def inv_small(S: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverse and determinant of (K, m, m) matrices, m = 1 (a bearing) or 2, closed form."""
    if S.shape[-1] == 1:
        det = S[:, 0, 0]
        return 1.0 / S, det
    a, b, c, d = S[:, 0, 0], S[:, 0, 1], S[:, 1, 0], S[:, 1, 1]
    det = a * d - b * c
    inv = np.empty_like(S)
    inv[:, 0, 0], inv[:, 0, 1], inv[:, 1, 0], inv[:, 1, 1] = d, -b, -c, a
    return inv / det[:, None, None], det
