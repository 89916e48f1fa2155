"""Wall time of the depth experiments at their default settings (issue 9's goal: each under
a minute on two cores), as a user runs them:

    python benchmarks/bench_depth.py [--experiments vanishing,selu-depth,recycle]
                                     [--repeat 3] [--jobs N] [--seeds N]

Each repeat is a fresh `python -m reluproof experiment NAME -o EMPTY_DIR -q` process (start-up,
training, summary, JSON and PNG included; nothing resumed), and the median over the repeats
is printed per experiment. `--seeds 1 --repeat 1` checks that the script runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # run the checkout's code, from its root
DEPTH_EXPERIMENTS = ("vanishing", "selu-depth", "recycle")
GOAL = 60.0


def wall_time(name: str, jobs: int, seeds: int | None) -> float:
    with tempfile.TemporaryDirectory() as work:
        argv = [sys.executable, "-m", "reluproof", "experiment", name, "-o", work, "-q"]
        argv += ["--jobs", str(jobs)] + (["--seeds", str(seeds)] if seeds else [])
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", default=",".join(DEPTH_EXPERIMENTS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=None, help="default: the experiment's")
    args = parser.parse_args()
    for name in args.experiments.split(","):
        times = [wall_time(name, args.jobs, args.seeds) for _ in range(args.repeat)]
        median = statistics.median(times)
        print(
            f"{name:11s} default settings{'' if args.seeds is None else f', {args.seeds} seeds'}, "
            f"{args.jobs} job(s): wall time median {median:.2f} s over {args.repeat} fresh runs "
            f"(all {[round(t, 2) for t in times]}); goal under {GOAL:.0f} s: "
            f"{'met' if median < GOAL else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
