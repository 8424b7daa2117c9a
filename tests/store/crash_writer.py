"""Append batches through LogWriter from several tasks, printing each acknowledged batch as
soon as `append` returns: `task number first stop` (the seqs are range(first, stop)).

The crash test runs this as a process, SIGKILLs it mid-stream and checks the log. Run it by
hand with `python tests/store/crash_writer.py /tmp/events.sqlite`.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path

from borderwatch.messages import Detection
from borderwatch.store import EventLog, LogWriter

TASKS = 8
BATCH = 20
T0 = 1_780_000_000_000_000_000


def batch(task: int, number: int) -> list[Detection]:
    """Batch `number` of task `task`: radar detections, each a function of where it sits."""
    return [
        Detection(
            sensor_id=f"T{task:02d}-R",
            kind="radar",
            seq=number * BATCH + i,
            time_ns=T0 + (number * BATCH + i) * 1_000_000,
            range_m=1000.0 + 13.7 * i + number % 997,
            bearing_deg=(7.3 * task + 0.01 * number) % 360.0,
            sigma_range_m=15.0,
            sigma_bearing_deg=0.5,
            radial_speed_mps=-1.25,
            snr_db=12.5,
        )
        for i in range(BATCH)
    ]


async def client(writer: LogWriter, task: int) -> None:
    for number in itertools.count():
        seqs = await writer.append(batch(task, number), f"crash:{task}")
        sys.stdout.write(f"{task} {number} {seqs.start} {seqs.stop}\n")
        sys.stdout.flush()


async def main(path: Path) -> None:
    log = EventLog(path)
    async with LogWriter(log) as writer:
        await asyncio.gather(*(client(writer, t) for t in range(TASKS)))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
