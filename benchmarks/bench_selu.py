"""Speed of the SELU proofs: correctly rounded digits of alpha_01 and lambda_01, and the
moonshot box-subdivision proofs.

The peer for the digits is mpmath evaluating the same closed forms at the same decimal
precision -- a plain evaluation that neither bounds its error nor guarantees the last digit.
Run: python benchmarks/bench_selu.py [--skip-moonshot]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mpmath  # noqa: E402
import sympy as sp  # noqa: E402

from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA  # noqa: E402
from proofs import selu  # noqa: E402


def best_of(fn: Callable[[], object], repeat: int, before: Callable[[], None] | None = None):
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


# compiled once, outside the timings
_PEER = [sp.lambdify((), c, "mpmath") for c in (SELU_ALPHA, SELU_LAMBDA)]


def mpmath_digits(digits: int) -> tuple[str, str]:
    """The peer: mpmath evaluating the catalogue's closed forms (no error bound)."""
    with mpmath.workdps(digits + 10):
        alpha, lam = (f() for f in _PEER)
        return mpmath.nstr(alpha, digits), mpmath.nstr(lam, digits)


def bench_digits() -> None:
    print("selu_constants(digits): correctly rounded alpha_01 and lambda_01")
    print(f"{'digits':>7} {'cold s':>9} {'warm s':>9} {'mpmath s':>9} {'cold/mpmath':>12}")
    for digits in (100, 1000, 10_000):
        repeat = 5 if digits < 10_000 else 2
        cold, _ = best_of(
            lambda d=digits: selu.selu_constants(d), repeat, before=selu.enclose.cache_clear
        )
        warm, _ = best_of(lambda d=digits: selu.selu_constants(d), repeat)
        peer, _ = best_of(lambda d=digits: mpmath_digits(d), repeat)
        print(f"{digits:>7} {cold:>9.4f} {warm:>9.4f} {peer:>9.4f} {cold / peer:>12.2f}")


def bench_moonshot() -> None:
    print()
    print("moonshot: box subdivision over the SELU paper's Theorem 1 domain (64-bit balls)")
    for threshold in (Fraction(1), Fraction(9, 10)):
        result = selu.prove_contraction(threshold=threshold)
        print(
            f"  ||J||_2 < {str(threshold):>4}: proved={result.proved} "
            f"boxes evaluated={result.boxes_evaluated} verified={result.boxes_verified} "
            f"max bound={float(result.max_bound):.6f} seconds={result.seconds:.2f} "
            f"({result.boxes_evaluated / result.seconds:.0f} boxes/s)"
        )
    image = selu.prove_maps_into()
    outer = image.to_dict()
    print(
        f"  g(domain) inside domain: proved={image.proved} boxes={image.boxes_evaluated} "
        f"mean in {outer['mean_range_outer']} variance in {outer['variance_range_outer']} "
        f"seconds={image.seconds:.2f}"
    )
    start = time.perf_counter()
    jacobian = selu.fixed_point_jacobian()
    print(
        f"  Jacobian at (0, 1): spectral norm <= {float(jacobian.spectral_norm_upper):.10f} "
        f"(SymPy + arb, {time.perf_counter() - start:.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-moonshot", action="store_true", help="only time the digits")
    args = parser.parse_args()
    bench_digits()
    if not args.skip_moonshot:
        bench_moonshot()


if __name__ == "__main__":
    main()
