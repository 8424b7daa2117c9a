"""Run every benchmark; print one JSON object per line; exit 1 if any bar fails.

    python -m bench                 # everything, full size
    python -m bench --quick         # the same benchmarks at a small size (for a smoke test)
"""

from __future__ import annotations

import argparse
import json
import sys

from bench import baseline_scores, twin_simulate


def main() -> int:
    """Run the benchmarks."""
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--quick", action="store_true", help="small sizes: checks it runs, not bars")
    args = p.parse_args()
    hours = 1.0 if args.quick else None
    results = [twin_simulate.run(hours=hours), *baseline_scores.run(hours=hours)]
    failed = False
    for r in results:
        print(json.dumps(r), flush=True)
        failed |= any(v is False for v in r["bars"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
