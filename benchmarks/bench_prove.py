"""Time the proof commands as fresh processes, side by side in one run:

    python benchmarks/bench_prove.py [--repeat N]

`reluproof prove` (every theorem but the slow moonshot, in one process and with 2
workers), `reluproof prove --slow
selu.contraction` (the moonshot alone) and `reluproof selu-constants --digits 100`.
Derivation caches are emptied before each run, so these are cold figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "prove -j 1 (all but the moonshot)": ["prove", "-q", "-j", "1"],
    "prove -j 2 (all but the moonshot)": ["prove", "-q", "-j", "2"],
    "prove --slow selu.contraction": ["prove", "--slow", "selu.contraction", "-q"],
    "selu-constants --digits 100": ["selu-constants", "--digits", "100"],
}


def timed(argv: list[str], cache_dir: str) -> float:
    env = dict(os.environ, RELUPROOF_CACHE_DIR=cache_dir)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "reluproof", *argv], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory() as work:
        for i in range(args.repeat):
            for name, argv in COMMANDS.items():
                times[name].append(timed(argv, os.path.join(work, f"cache-{name}-{i}")))
    print(f"fresh processes, cold caches, {args.repeat} runs each (seconds)")
    for name, values in times.items():
        print(f"  {name:32s} median {statistics.median(values):6.2f}  all "
              f"{[round(v, 2) for v in values]}")  # fmt: skip


if __name__ == "__main__":
    main()
