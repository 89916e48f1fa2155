"""Comparing what an implementation returned with the correctly rounded reference.

Distances are counted in ulps of the target format on the bit encodings
(`numeric/floats.py: ulp_distance`), CORE-MATH's way, with one exception: the two zeros
count as the same number, because the catalogue's definitions are real functions and do
not decide the sign of a zero result; which zeros an implementation signs is reported as
its convention (`Comparison.negative_zeros`). A NaN where the reference is a number, or a
number where it is NaN, is a failure of its own kind (distance `NAN_DISTANCE`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numeric.floats import NAN_DISTANCE, float_format, round_array, ulp_distance

FAILURES_KEPT = 5  # counterexamples kept per check (the worst ones)


def as_format(values: np.ndarray, fmt) -> np.ndarray:
    """float64 numbers of format fmt as an array ulp_distance takes (bfloat16 in float32)."""
    f = float_format(fmt)
    dtype = {"float16": np.float16, "bfloat16": np.float32, "float32": np.float32}.get(
        f.name, np.float64
    )
    with np.errstate(all="ignore"):
        return np.asarray(values, dtype=np.float64).astype(dtype)


def hexf(x: float) -> str:
    """A float as an exact literal: float.hex, or inf/-inf/nan."""
    x = float(x)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    text = x.hex()  # 0x1.8000000000000p-3 -> 0x1.8p-3, as C's %a prints it
    mantissa, _, exponent = text.partition("p")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}p{exponent}"


@dataclass(frozen=True)
class Finding:
    """One input where the implementation was off: x, the reference, what it gave."""

    x: float
    expected: float
    got: float
    ulp: int | None  # None: a NaN mismatch

    def to_dict(self) -> dict:
        return {
            "input": hexf(self.x),
            "input_decimal": repr(float(self.x)),
            "expected": hexf(self.expected),
            "expected_decimal": repr(float(self.expected)),
            "got": hexf(self.got),
            "got_decimal": repr(float(self.got)),
            "ulp": self.ulp,
        }

    def line(self) -> str:
        return finding_line(self.to_dict())


@dataclass(frozen=True)
class Comparison:
    """Elementwise comparison summarised: the worst input first among `failures`."""

    count: int
    max_ulp: int  # over inputs where both are numbers (or both NaN)
    nan_mismatches: int
    over_tolerance: int
    worst: Finding | None
    failures: tuple[Finding, ...]
    max_abs_error: float
    max_rel_error: float
    negative_zeros: tuple[float, ...]  # inputs whose result is -0.0 (a convention)

    @property
    def passed(self) -> bool:
        return self.over_tolerance == 0 and self.nan_mismatches == 0


def compare(x: np.ndarray, got: np.ndarray, expected: np.ndarray, fmt, tolerance: float):
    """Compare `got` (float64; rounded to fmt first if it is not of fmt) with `expected`."""
    f = float_format(fmt)
    x = np.asarray(x, dtype=np.float64).ravel()
    got = np.asarray(got, dtype=np.float64).ravel()
    expected = np.asarray(expected, dtype=np.float64).ravel()
    negative_zeros = x[(got == 0) & np.signbit(got)]
    # most results of a good implementation are the reference exactly: only the others
    # (and NaNs, which compare unequal) need the ulp machinery
    with np.errstate(invalid="ignore"):
        differ = np.flatnonzero(got != expected)
    count = int(x.size)
    x, got, expected = x[differ], round_array(got[differ], f), expected[differ]
    distance = ulp_distance(as_format(got, f), as_format(expected, f), f, signed_zeros=False)
    nan_mismatch = distance == NAN_DISTANCE
    numeric = np.where(nan_mismatch, 0, distance).astype(np.int64)
    bad = nan_mismatch | (numeric > tolerance)
    # the worst first: NaN mismatches, then by distance
    order = np.lexsort((-numeric, ~nan_mismatch))
    picked = [i for i in order[: FAILURES_KEPT * 4] if bad[i]][:FAILURES_KEPT]
    failures = tuple(_finding(x, expected, got, numeric, nan_mismatch, i) for i in picked)
    worst = None
    if x.size and (nan_mismatch[order[0]] or numeric[order[0]] > 0):
        worst = _finding(x, expected, got, numeric, nan_mismatch, int(order[0]))
    with np.errstate(all="ignore"):
        both = np.isfinite(got) & np.isfinite(expected)
        abs_err = np.abs(got - expected)
        rel_err = abs_err / np.abs(expected)
        max_abs = float(np.max(abs_err[both], initial=0.0))
        max_rel = float(np.max(rel_err[both & (expected != 0)], initial=0.0))
    return Comparison(
        count=count,
        max_ulp=int(numeric.max(initial=0)),
        nan_mismatches=int(nan_mismatch.sum()),
        over_tolerance=int(bad.sum()),
        worst=worst,
        failures=failures,
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        negative_zeros=tuple(float(v) for v in negative_zeros[:8]),
    )


def _finding(x, expected, got, numeric, nan_mismatch, i) -> Finding:
    return Finding(
        float(x[i]), float(expected[i]), float(got[i]), None if nan_mismatch[i] else int(numeric[i])
    )


def finding_line(finding: dict) -> str:
    """'x=... ref=... y=... (N ulp)' of a finding in its JSON form (`Finding.to_dict`), so
    a saved survey prints its counterexamples as a fresh check does."""
    off = "NaN mismatch" if finding["ulp"] is None else f"{finding['ulp']} ulp"
    return f"x={finding['input']} ref={finding['expected']} y={finding['got']} ({off})"
