"""Exhaustive float32 checks of reluproof's own kernels: every one of the 2^32 inputs,
compared with the correctly rounded definition, over the machine's cores.

    python benchmarks/bench_check.py                   # relu leaky_relu elu selu softplus sigmoid
    python benchmarks/bench_check.py elu --jobs 2
    python benchmarks/bench_check.py elu --chunks 4    # a smoke run: the first 4 chunks only

Prints per activation the verdict, the max ulp error and the inputs per second. The goal
(issue 8): a correct ELU in under 5 minutes on 2 cores, under 2 the aim.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from numeric.check import exhaustive  # noqa: E402
from numeric.check.adapters import TargetSpec  # noqa: E402
from numeric.check.checks import CheckOptions  # noqa: E402
from numeric.check.reference import Reference  # noqa: E402
from numeric.check.runner import ChildConfig  # noqa: E402

DOGFOOD = ("relu", "leaky_relu", "elu", "selu", "softplus", "sigmoid")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(DOGFOOD))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--chunks", type=int, default=0, help="only the first N chunks")
    parser.add_argument("--tolerance", type=float, default=4.0)
    args = parser.parse_args()
    if args.chunks:  # a smoke run over the first chunks of encodings
        exhaustive.TOTAL_OVERRIDE = args.chunks * exhaustive.CHUNK
    for name in args.names:
        Reference(name)  # derive once (cached on disk) before the clock starts
        config = ChildConfig(
            TargetSpec(f"numeric.check.kernel_targets:f.{name}", "numpy"), "float32", None, name
        )
        options = CheckOptions(dtype="float32", jobs=args.jobs, progress=True, timeout=600.0)
        start = time.perf_counter()
        result = exhaustive.exhaustive_check(config, args.tolerance, options, lambda _: None)
        seconds = time.perf_counter() - start
        verdict = {True: "PASS", False: "FAIL", None: "-"}[result.passed]
        print(
            f"{name:12s} {verdict} {result.inputs:>11,d} inputs in {seconds:7.1f} s "
            f"({result.inputs / seconds:>12,.0f} /s), max {result.max_ulp} ulp: {result.detail}",
            flush=True,
        )


if __name__ == "__main__":
    main()
