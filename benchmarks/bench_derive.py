"""Time `reluproof derive --all -o FILE` as fresh processes: cold (empty derivation
cache) and warm (the cache filled by the cold run), side by side in one run.

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


def run_once(cache_dir: str, out: str) -> float:
    env = dict(os.environ, RELUPROOF_CACHE_DIR=cache_dir)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "reluproof", "derive", "--all", "-o", out, "-q"],
        check=True,
        env=env,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "out.tex")
        for i in range(args.repeat):
            cache_dir = os.path.join(work, f"cache{i}")
            cold.append(run_once(cache_dir, out))
            warm.append(run_once(cache_dir, out))
    print(f"derive --all, fresh process, {args.repeat} runs each (seconds)")
    print(f"  cold cache: median {statistics.median(cold):.2f}  all {[round(t, 2) for t in cold]}")
    print(f"  warm cache: median {statistics.median(warm):.2f}  all {[round(t, 2) for t in warm]}")
    print(f"  cold / warm: {statistics.median(cold) / statistics.median(warm):.1f}x")


if __name__ == "__main__":
    main()
