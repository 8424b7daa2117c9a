"""Giving the memory the service has freed back to the system, so that a service that runs
for months under a steady feed keeps a flat resident size.

CPython hands every block over 512 bytes (a connection's read, a batch of rows for the log,
the tracker's arrays) to the C library's `malloc`. glibc keeps what is freed inside its heap
for reuse and gives pages back to the system only from the heap's top, so the holes left
between long-lived blocks stay resident, and under a steady load they add up: in the
memory soak (`bench memory_soak`, 3,000 radar plots a second) glibc's heap held 13 MB free
after a minute and 27-34 MB after eight, resident memory growing with it, while what was in
use stayed at 52-58 MB. `malloc_trim(0)` returns every whole free page inside the heap to
the system (glibc 2.8 and later); run once a minute beside the same feed, resident memory
stayed flat, 25 MB below.

There is no Python library for this; the call is one line of `ctypes`, run in a worker
thread (it takes the heap's lock, not the GIL). Where the C library has no `malloc_trim`
(musl, macOS) there is nothing to do and nothing is done.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["HeapTrim", "malloc_trim"]


def _find_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


malloc_trim = _find_trim()  # None where the C library has none


@dataclass(slots=True)
class HeapTrim:
    """Trim the C heap every `every_s` wall seconds; what it did, for the service's status."""

    every_s: float
    trims: int = 0  # calls made
    released: int = 0  # calls after which glibc said it gave memory back
    last_ms: float = 0.0  # how long the last call took

    def trim(self) -> None:
        """One trim, now (blocking: call it off the event loop)."""
        if malloc_trim is None:
            return
        t0 = time.perf_counter()
        gave_back = malloc_trim(0)
        self.last_ms = (time.perf_counter() - t0) * 1e3
        self.trims += 1
        self.released += gave_back == 1

    async def run(self) -> None:
        """Trim every `every_s` until cancelled."""
        if malloc_trim is None:
            return
        while True:
            await asyncio.sleep(self.every_s)
            await asyncio.to_thread(self.trim)
