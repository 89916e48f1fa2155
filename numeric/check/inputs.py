"""Where the checker's inputs come from, for a float format.

* `special_inputs`: the curated edge set: +0 and -0, the least and greatest subnormals, the
  least normal, the greatest finite float, 1, the format's exp overflow and underflow
  thresholds (where exp(x) leaves the finite floats or falls below the least subnormal),
  a few floats either side of every breakpoint, and points deep in both tails; both signs.
  +-inf and NaN are kept apart (`nonfinite_inputs`): they have their own checks.
* `sweep_inputs`: a log-spaced magnitude sweep on both signs (a few significands per binade
  across the whole exponent range) plus an even grid over [-10, 10], where activations bend.
* `all_inputs`: every encoding of a 16-bit format, or one range of float32 encodings.
* `float_strategy`: a Hypothesis strategy over the format's floats, edge-heavy (the edge
  set and floats near the breakpoints are drawn often), shrinking towards simple numbers.

Every array here is float64 holding numbers of the format (bfloat16 included).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from numeric.floats import FloatFormat, float_format, round_array

TAIL_MAGNITUDES = (30.0, 100.0, 1e4, 1e8, 1e16, 1e30, 1e100, 1e300)
GRID_STEPS_PER_SIGNIFICAND = 250  # the even grid over [-10, 10]: 2001 points at 8


def _steps(x: float, f: FloatFormat, count: int) -> list[float]:
    """x and its `count` neighbours either side in format f."""
    out = [x]
    for direction in (-math.inf, math.inf):
        y = x
        for _ in range(count):
            y = next_float(y, direction, f)
            out.append(y)
    return out


def next_float(x: float, toward: float, fmt) -> float:
    """The neighbour of x in format fmt in the direction of `toward`."""
    f = float_format(fmt)
    if x == toward or math.isnan(x):
        return x
    if f.name == "float64":
        return float(np.nextafter(x, toward))
    if f.name == "float32":
        return float(np.nextafter(np.float32(x), np.float32(toward)))
    if f.name == "float16":
        return float(np.nextafter(np.float16(x), np.float16(toward)))
    # bfloat16: step the 16-bit encoding (the top half of float32's)
    bits = int(np.array([x], dtype=np.float32).view(np.uint32)[0]) >> 16
    up = toward > x
    if x == 0:
        bits = 0x0001 if up else 0x8001
    elif (x > 0) == up:
        bits += 1
    else:
        bits -= 1
    return float(np.array([bits << 16], dtype=np.uint32).view(np.float32)[0])


def _thresholds(f: FloatFormat) -> list[float]:
    """Where exp overflows (log of the greatest float) and underflows (log of the least
    subnormal, and of the least normal), rounded to the format."""
    big = math.log(float(f.max_finite)) if f.name != "float64" else math.log(2.0) * 1024
    tiny = (f.emin - f.precision + 1) * math.log(2.0)
    normal = f.emin * math.log(2.0)
    return [float(v) for v in round_array([big, tiny, normal, big / 2], f)]


def special_inputs(fmt, breakpoints: list[Fraction] = ()) -> np.ndarray:
    """The curated edge set (finite only), sorted, without duplicates."""
    f = float_format(fmt)
    least_sub = float(f.min_subnormal)
    least_normal = float(f.min_normal)
    largest_sub = least_normal - least_sub
    greatest = float(f.max_finite)
    magnitudes = [least_sub, 2 * least_sub, largest_sub, least_normal, 1.0, 0.5, 2.0, greatest]
    magnitudes += [next_float(greatest, 0.0, f), next_float(1.0, 0.0, f), next_float(1.0, 2.0, f)]
    for t in _thresholds(f):
        magnitudes += _steps(t, f, 2)
    magnitudes += [m for m in TAIL_MAGNITUDES if m < greatest]
    points = [0.0, -0.0]
    points += [s * m for m in magnitudes for s in (1.0, -1.0)]
    for b in breakpoints:
        at = float(round_array([float(b)], f)[0])
        points += _steps(at, f, 3)
        points += [at + d for d in (-1.0, 1.0, -1e-3, 1e-3)]
    values = round_array(np.array(points), f)
    values = values[np.isfinite(values)]
    return _unique(values)


def nonfinite_inputs() -> np.ndarray:
    return np.array([-np.inf, np.inf, np.nan])


def sweep_inputs(fmt, per_binade: int | None = None) -> np.ndarray:
    """Both signs: per_binade significands in every binade (2 for float64, 8 otherwise),
    down through the subnormals, and the even grid over [-10, 10]."""
    f = float_format(fmt)
    if per_binade is None:
        per_binade = 2 if f.name == "float64" else 8
    exponents = np.arange(f.emin - f.precision + 1, f.emax + 1)
    significands = 1 + np.arange(per_binade) / per_binade
    magnitudes = np.ldexp(significands[None, :], exponents[:, None]).ravel()
    grid = np.linspace(-10.0, 10.0, GRID_STEPS_PER_SIGNIFICAND * per_binade + 1)
    values = round_array(np.concatenate([magnitudes, -magnitudes, grid]), f)
    return _unique(values[np.isfinite(values)])


def all_inputs(fmt, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Every encoding of a format in [start, stop) as float64 (NaN encodings included)."""
    f = float_format(fmt)
    if f.width == 64:
        raise ValueError("float64 has 2^64 encodings: not enumerable")
    stop = (1 << f.width) if stop is None else stop
    codes = np.arange(start, stop, dtype=np.uint64)
    with np.errstate(invalid="ignore"):  # signalling NaN encodings warn when widened
        return _decode(codes, f)


def _decode(codes: np.ndarray, f: FloatFormat) -> np.ndarray:
    if f.name == "float32":
        return codes.astype(np.uint32).view(np.float32).astype(np.float64)
    if f.name == "float16":
        return codes.astype(np.uint16).view(np.float16).astype(np.float64)
    return (codes.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted, duplicates removed, with -0.0 kept apart from +0.0 (np.unique merges them)."""
    bits = np.unique(values.view(np.uint64))
    out = bits.view(np.float64)
    return out[np.argsort(out, kind="stable")]


def float_strategy(fmt, breakpoints: list[Fraction] = ()):
    """Hypothesis: floats of the format, one draw in two from the edge set or near a
    breakpoint, the rest from the format's whole range (NaN and infinities excluded)."""
    from hypothesis import strategies as st

    f = float_format(fmt)
    width = {"float16": 16, "bfloat16": 32, "float32": 32, "float64": 64}[f.name]
    edges = special_inputs(f, breakpoints)
    anywhere = st.floats(width=width, allow_nan=False, allow_infinity=False)
    if f.name == "bfloat16":
        anywhere = anywhere.map(lambda x: float(round_array([x], f)[0])).filter(math.isfinite)
    near_edge = st.sampled_from([float(v) for v in edges])
    return st.one_of(near_edge, anywhere)
