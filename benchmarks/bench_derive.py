"""Time `reluproof derive --all -o FILE` as fresh processes, side by side in one run:
cold (empty derivation cache) with one process and with 2 workers, and warm (the cache
filled by the cold run).

    python benchmarks/bench_derive.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(cache_dir: str, out: str, jobs: int) -> float:
    env = dict(os.environ, RELUPROOF_CACHE_DIR=cache_dir)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "reluproof", "derive", "--all", "-o", out, "-q", "-j", str(jobs)],
        check=True,
        env=env,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    serial, cold, warm = [], [], []
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "out.tex")
        for i in range(args.repeat):
            serial.append(run_once(os.path.join(work, f"serial{i}"), out, 1))
            cache_dir = os.path.join(work, f"cache{i}")
            cold.append(run_once(cache_dir, out, 2))
            warm.append(run_once(cache_dir, out, 2))
    rows = {"cold cache, -j 1": serial, "cold cache, -j 2": cold, "warm cache, -j 2": warm}
    print(f"derive --all, fresh process, {args.repeat} runs each (seconds)")
    for name, values in rows.items():
        print(f"  {name}: median {statistics.median(values):5.2f}  all "
              f"{[round(t, 2) for t in values]}")  # fmt: skip
    median = {k: statistics.median(v) for k, v in rows.items()}
    print(f"  cold -j1 / cold -j2: {median['cold cache, -j 1'] / median['cold cache, -j 2']:.2f}x")
    print(f"  cold -j2 / warm: {median['cold cache, -j 2'] / median['warm cache, -j 2']:.1f}x")


if __name__ == "__main__":
    main()
