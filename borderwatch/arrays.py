"""Type names for numpy arrays, one place for the whole package.

`FloatArray` takes any floating dtype, so `np.arange(0.0, n)` (typed `floating[Any]`) and
float64 results both fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["BoolArray", "FloatArray", "IntArray"]

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.integer[Any]]
BoolArray = npt.NDArray[np.bool_]
