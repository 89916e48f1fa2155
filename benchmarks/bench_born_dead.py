"""Time `reluproof experiment born-dead`: throughput of the decision, and the default table.

    python benchmarks/bench_born_dead.py [--networks 200000] [--repeat 3] [--jobs 2]
                                         [--trials 10000] [--scheduler ADDRESS]

1. Throughput: born-dead networks decided per second at depth 10, width 4, d = 1, zero bias
   (He weights; the exact decision by homogeneity), in this process; the goal is at least
   100,000 networks per second. Also the same for He biases (the exact piecewise-linear
   decision), for scale.
2. The default experiment (widths 2,3,5,10 x depths 2,5,10,20,50, `--trials` networks per
   cell, zero bias) end to end through the runner with `--jobs` workers (or on a Dask
   scheduler), each repeat from an empty results directory so nothing is resumed; the goal
   is under 60 s.

Each figure is the median of `--repeat` fresh runs. Smaller settings (`--networks 20000
--trials 1000 --repeat 1`) check that the script runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from numeric import born_dead as bd  # noqa: E402
from numeric.experiments import born_dead as experiment  # noqa: E402
from numeric.experiments import run_experiment  # noqa: E402


def throughput(cell: bd.Cell, networks: int, repeat: int) -> tuple[float, float]:
    """(median networks per second, born-dead fraction) over `repeat` runs, seeds 0, 1, ..."""
    rates, fraction = [], 0.0
    for seed in range(repeat):
        start = time.perf_counter()
        dead = bd.count_born_dead(cell, seed, networks)
        rates.append(networks / (time.perf_counter() - start))
        fraction = dead / networks
    return statistics.median(rates), fraction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--trials", type=int, default=experiment.QUICK["trials"])
    parser.add_argument("--scheduler", default=None, help="a Dask scheduler's address")
    args = parser.parse_args()

    for bias, goal in (("zero", "goal: >= 100,000/s"), ("he", "for scale")):
        cell = bd.Cell(width=4, depth=10, bias=bias)
        rate, fraction = throughput(cell, args.networks, args.repeat)
        print(
            f"born-dead decision, width 4, depth 10, d=1, bias {bias}: {rate:,.0f} networks/s "
            f"(median of {args.repeat} x {args.networks} networks; {100 * fraction:.1f}% born "
            f"dead; {goal})"
        )

    config = experiment.from_options(trials=str(args.trials))
    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as work:
            start = time.perf_counter()
            run_experiment(experiment, config, work, jobs=args.jobs, scheduler=args.scheduler)
            times.append(time.perf_counter() - start)
    where = f"Dask at {args.scheduler}" if args.scheduler else f"{args.jobs} job(s)"
    print(
        f"default born-dead table: {len(config.cells())} cells x {config.trials} networks "
        f"= {experiment.networks(config):,} networks, {where}: wall time median "
        f"{statistics.median(times):.2f} s over {args.repeat} (all "
        f"{[round(t, 2) for t in times]}); goal: under 60 s"
    )


if __name__ == "__main__":
    main()
