"""Time the learning-rate sweep of issue 7's goal, end to end through the experiment runner:

    python benchmarks/bench_sweep.py [--jobs N] [--seeds 5] [--lrs 15] [--epochs 20]
                                     [--scheduler ADDRESS] [--repeat N]

6 activations (relu, leaky_relu, prelu, rrelu, elu, selu) x 15 learning rates (a log grid,
1e-4 to 30) x 5 seeds, a 3x64 MLP, 20 epochs of SGD, batch 32, float32, on the digits task:
450 runs, trained in lock-step batches (one per activation) in `--jobs` worker processes
(or on a Dask scheduler). Each repeat starts from an empty results directory, so nothing is
resumed; the goal is under 60 s on two cores. Smaller settings (`--seeds 1 --lrs 3
--epochs 1`) check that the script runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

import numpy as np  # noqa: E402

from numeric.experiments import SWEEP_ACTIVATIONS, Config  # noqa: E402
from numeric.experiments.lr_sweep import NAME  # noqa: E402
from numeric.experiments.runner import Run, run_all  # noqa: E402
from numeric.experiments.training import base_settings  # noqa: E402


def sweep_runs(seeds: int, lrs: int, epochs: int) -> list[Run]:
    config = Config(NAME, seeds=seeds, epochs=epochs)
    settings = base_settings(config, epochs=epochs, optimizer="sgd")
    grid = [float(f"{x:.4g}") for x in np.geomspace(1e-4, 30.0, lrs)]
    return [
        Run.make(NAME, activation, seed, {**settings, "lr": lr}, label=activation)
        for activation in SWEEP_ACTIVATIONS
        for lr in grid
        for seed in range(seeds)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--lrs", type=int, default=15)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--scheduler", default=None, help="a Dask scheduler's address")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    runs = sweep_runs(args.seeds, args.lrs, args.epochs)
    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as work:
            start = time.perf_counter()
            results = run_all(runs, work, jobs=args.jobs, scheduler=args.scheduler)
            times.append(time.perf_counter() - start)
    diverged = sum(r.result["diverged"] for r in results)
    where = f"Dask at {args.scheduler}" if args.scheduler else f"{args.jobs} job(s)"
    print(
        f"lr sweep: {len(SWEEP_ACTIVATIONS)} activations x {args.lrs} lrs x {args.seeds} seeds "
        f"= {len(runs)} runs, 3x64 MLP, {args.epochs} epochs, digits, float32, {where}"
    )
    print(
        f"  wall time median {statistics.median(times):.2f} s over {args.repeat} "
        f"(all {[round(t, 2) for t in times]}); {len(runs) / statistics.median(times):.1f} "
        f"runs/s; {diverged} runs diverged; goal: under 60 s"
    )


if __name__ == "__main__":
    main()
