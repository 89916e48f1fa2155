"""Time the proof commands as fresh processes, side by side in one run:

    python benchmarks/bench_prove.py [--repeat N] [--only TEXT]

`reluproof prove` (every theorem but the slow moonshot, in one process and with 2
workers), `reluproof prove --slow
selu.contraction` (the moonshot alone), the SELU paper's Theorems 2 and 3 and the grown
Theorem 1 domain (each alone), `reluproof selu-constants --digits 100`, and
`selu-constants --prove-contraction` at the standard and at another fixed point. `--only`
keeps the commands whose name contains TEXT. Derivation caches are emptied before each
run, so these are cold figures.
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
    "prove --slow selu.variance_decreases": ["prove", "--slow", "selu.variance_decreases", "-q"],
    "prove --slow selu.variance_increases": ["prove", "--slow", "selu.variance_increases", "-q"],
    "prove --slow selu.largest_domain": ["prove", "--slow", "selu.largest_domain", "-q"],
    "selu-constants --digits 100": ["selu-constants", "--digits", "100"],
    "selu-constants --prove-contraction": ["selu-constants", "--prove-contraction"],
    "selu-constants --mean 0 --variance 2 --prove-contraction": (
        "selu-constants --mean 0 --variance 2 --prove-contraction".split()
    ),
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
    parser.add_argument("--only", default="", help="commands whose name contains this")
    args = parser.parse_args()
    chosen = {name: argv for name, argv in COMMANDS.items() if args.only in name}
    if not chosen:
        sys.exit(f"no command matches --only {args.only!r}: {', '.join(COMMANDS)}")
    times: dict[str, list[float]] = {name: [] for name in chosen}
    with tempfile.TemporaryDirectory() as work:
        for i in range(args.repeat):
            for name, argv in chosen.items():
                times[name].append(timed(argv, os.path.join(work, f"cache-{name}-{i}")))
    print(f"fresh processes, cold caches, {args.repeat} runs each (seconds)")
    for name, values in times.items():
        print(f"  {name:58s} median {statistics.median(values):6.2f}  all "
              f"{[round(v, 2) for v in values]}")  # fmt: skip


if __name__ == "__main__":
    main()
