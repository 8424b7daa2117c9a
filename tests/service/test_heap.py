"""The service gives the C heap's free pages back to the system (`service.heap`)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from borderwatch.accounts import DataDir
from borderwatch.cli import main
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.service import Service, ServiceOptions
from borderwatch.service.heap import HeapTrim, malloc_trim

glibc = pytest.mark.skipif(
    malloc_trim is None or not sys.platform.startswith("linux"), reason="glibc's malloc_trim"
)


def _rss_anon_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise AssertionError("no RssAnon in /proc/self/status")


@glibc
def test_a_trim_gives_back_the_holes_freed_blocks_leave_in_the_heap() -> None:
    # 2 kB blocks (over pymalloc's 512 B: glibc's heap), every eighth kept: freeing the rest
    # leaves 14 kB holes between kept blocks, whole pages that glibc keeps resident until
    # trimmed (it returns memory by itself only from the heap's top).
    blocks = [bytes(2048) + bytes([i % 256]) for i in range(40_000)]
    kept = blocks[::8]
    del blocks
    before = _rss_anon_kb()
    heap = HeapTrim(every_s=60.0)
    heap.trim()
    after = _rss_anon_kb()
    assert heap.trims == 1
    assert heap.released == 1
    assert before - after > 20_000, (before, after)  # of the ~70 MB of holes
    assert len(kept) == 5_000


def test_the_service_trims_its_heap_while_it_runs_and_not_when_told_never(
    tmp_path: Path,
) -> None:
    async def trims(every: float | None) -> int | None:
        options = ServiceOptions(
            data=DataDir(tmp_path / str(every)), config=EVENT_CLOCK, heap_trim_every_s=every
        )
        async with Service.start(options) as service:
            if service.heap is None:
                return None
            async with asyncio.timeout(30):
                while service.heap.trims < 2:
                    await asyncio.sleep(0.02)
            return service.heap.trims

    if malloc_trim is not None:
        assert (asyncio.run(trims(0.05)) or 0) >= 2
    assert asyncio.run(trims(None)) is None


@pytest.mark.parametrize("value", ["-1", "0.5", "x"])
def test_a_trim_period_that_makes_no_sense_is_refused_by_name(
    value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--data", str(tmp_path), "--heap-trim-s", value])
    assert exc.value.code == 2
    assert "--heap-trim-s" in capsys.readouterr().err
