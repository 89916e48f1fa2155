"""numeric.floats: float formats checked against NumPy's own floats, exact Fractions and an
exhaustive walk of the 16-bit formats -- references this module did not compute."""

from __future__ import annotations

import struct
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.errors import ReluproofError
from numeric import floats
from numeric.floats import (
    FLOAT_FORMATS,
    NAN_DISTANCE,
    decode,
    encode,
    nearest_float,
    round_to_format,
    rounding_interval,
    to_bits,
    ulp,
    ulp_distance,
)

NUMPY_FORMATS = ["float16", "float32", "float64"]
WIDTH = {"float16": 16, "float32": 32, "float64": 64}
STRUCT = {"float16": "e", "float32": "f", "float64": "d"}


def finite(fmt: str, **kw) -> st.SearchStrategy:
    return st.floats(width=WIDTH[fmt], allow_nan=False, allow_infinity=False, **kw).map(
        np.dtype(fmt).type
    )


def signbit(x) -> bool:
    return bool(np.signbit(x))


# ---- formats --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", NUMPY_FORMATS)
def test_format_constants_match_numpy(fmt):
    f, info = FLOAT_FORMATS[fmt], np.finfo(fmt)
    assert f.precision == info.nmant + 1 and f.width == info.bits
    assert f.max_finite == Fraction(float(info.max))
    assert f.min_normal == Fraction(float(info.smallest_normal))
    assert f.min_subnormal == Fraction(float(info.smallest_subnormal))


def test_aliases_and_unknown_formats():
    assert floats.float_format("binary32") is FLOAT_FORMATS["float32"]
    assert floats.float_format(np.float16) is FLOAT_FORMATS["float16"]
    assert floats.float_format(np.dtype("float64")) is FLOAT_FORMATS["float64"]
    assert floats.float_format("BF16") is FLOAT_FORMATS["bfloat16"]
    with pytest.raises(ReluproofError, match="unknown float format 'float8'"):
        floats.float_format("float8")


# ---- exact values against NumPy's floats ---------------------------------------------


@settings(max_examples=300)
@given(data=st.data(), fmt=st.sampled_from(NUMPY_FORMATS))
def test_encode_decode_round_to_format_against_numpy(data, fmt):
    x = data.draw(finite(fmt))
    bits = int(to_bits(x, fmt))
    exact = Fraction(float(x))
    assert decode(bits, fmt) == exact
    assert encode(exact, fmt, negative_zero=signbit(x)) == bits
    assert bits == int.from_bytes(struct.pack(">" + STRUCT[fmt], float(x)), "big")
    assert round_to_format(exact, fmt) == exact
    same = nearest_float(x, fmt)  # a float of the format is its own nearest float
    assert (
        same.proved
        and same.value == float(x)
        and (x == 0 or same.bits == f"{bits:x}".zfill(WIDTH[fmt] // 4))
    )


@settings(max_examples=300)
@given(data=st.data(), fmt=st.sampled_from(NUMPY_FORMATS))
def test_rounding_interval_is_halfway_to_numpy_neighbours(data, fmt):
    x = data.draw(finite(fmt).filter(lambda v: v != 0))
    dtype = np.dtype(fmt).type
    lo, hi = rounding_interval(Fraction(float(x)), fmt)
    with np.errstate(over="ignore"):
        down, up = np.nextafter(x, dtype(-np.inf)), np.nextafter(x, dtype(np.inf))
    if np.isfinite(down):
        assert lo == (Fraction(float(down)) + Fraction(float(x))) / 2
    if np.isfinite(up):
        assert hi == (Fraction(float(x)) + Fraction(float(up))) / 2
    if x > 0 and np.isfinite(up):
        assert ulp(Fraction(float(x)), fmt) == Fraction(float(up)) - Fraction(float(x))


def _nearest_by_neighbours(q: Fraction, fmt: str) -> Fraction:
    """The nearest float by brute force: the NumPy float of float(q) and its neighbours,
    compared exactly, ties to the even bit pattern."""
    dtype = np.dtype(fmt).type
    guess = dtype(float(q))
    candidates = {guess, np.nextafter(guess, dtype(np.inf)), np.nextafter(guess, dtype(-np.inf))}
    candidates = [c for c in candidates if np.isfinite(c)]

    def key(c):
        bits = int(np.asarray(c).view(f"uint{WIDTH[fmt]}"))
        return abs(Fraction(float(c)) - q), bits & 1

    return Fraction(float(min(candidates, key=key)))


@settings(max_examples=300)
@given(
    q=st.fractions(min_value=-1000, max_value=1000, max_denominator=10**12),
    fmt=st.sampled_from(NUMPY_FORMATS),
)
def test_nearest_float_of_an_exact_rational(q, fmt):
    result = nearest_float(q, fmt)
    assert result.proved and Fraction(result.value) == _nearest_by_neighbours(q, fmt)
    if fmt == "float64":  # CPython's int / int is correctly rounded: a third reference
        assert result.value == q.numerator / q.denominator
    low, high = (Fraction(t) for t in result.interval)
    assert low <= q <= high
    expected_bits = struct.pack(">" + STRUCT[fmt], result.value).hex()
    if result.value != 0:
        assert result.bits == expected_bits
    assert float(result.repr) == result.value or fmt != "float64"
    assert round_to_format(Fraction(result.repr), fmt) == Fraction(result.value)


def test_nearest_float_reads_decimal_strings_exactly():
    # "0.1" is 1/10, not the binary64 float 0.1 (which is below 1/10 and would round the
    # same here, but not in general): compare with the exact Fraction.
    assert nearest_float("0.1", "float32") == nearest_float(Fraction(1, 10), "float32")
    assert nearest_float("sqrt(2)", "float64").value == 2**0.5
    tie = "1.00000005960464477539062500"  # 1 + 2^-24, halfway between two float32s
    assert nearest_float(tie, "float32").value == 1.0


def test_nearest_float_ties_go_to_even():
    one, next_up = Fraction(1), Fraction(1) + Fraction(1, 2**23)
    tie = (one + next_up) / 2
    assert nearest_float(tie, "float32").value == 1.0  # 1.0 has the even significand
    tie_up = (next_up + next_up + Fraction(1, 2**23)) / 2
    assert Fraction(nearest_float(tie_up, "float32").value) == next_up + Fraction(1, 2**23)


def test_nearest_float_at_the_top_of_float16_and_overflow():
    top = FLOAT_FORMATS["float16"].max_finite
    assert nearest_float(top, "f16").value == 65504.0
    assert nearest_float(top, "f16").bits == "7bff"
    with pytest.raises(ReluproofError, match="overflows float16"):
        nearest_float(Fraction(65520), "f16")  # the midpoint to 2^16 rounds to infinity


def test_bfloat16_values_against_float32_truncation():
    # A bfloat16 number is a float32 whose low 16 bits are 0: its bits are the high half.
    result = nearest_float(Fraction(1, 3), "bfloat16")
    assert result.bits == "3eab" and result.value == 0.333984375
    as_float32 = np.float32(result.value)
    assert int(np.asarray(as_float32).view(np.uint32)) >> 16 == int(result.bits, 16)
    assert int(np.asarray(as_float32).view(np.uint32)) & 0xFFFF == 0


# ---- ULP distance ----------------------------------------------------------------------


@settings(max_examples=200)
@given(
    data=st.data(),
    fmt=st.sampled_from(NUMPY_FORMATS),
    steps=st.integers(0, 40),
    upward=st.booleans(),
)
def test_ulp_distance_counts_nextafter_steps(data, fmt, steps, upward):
    x = data.draw(finite(fmt))
    dtype = np.dtype(fmt).type
    target = dtype(np.inf if upward else -np.inf)
    y, taken = x, 0
    with np.errstate(over="ignore"):
        while taken < steps and np.isfinite(np.nextafter(y, target)):
            y, taken = np.nextafter(y, target), taken + 1
    # nextafter treats -0 and +0 as one point (-tiny -> -0 -> +tiny), as signed_zeros=False
    # does; with signed zeros, crossing from the negative side adds the step -0 -> +0.
    assert int(ulp_distance(x, y, fmt, signed_zeros=False)) == taken
    assert int(ulp_distance(x, y, fmt)) == taken + (signbit(x) != signbit(y))
    assert int(ulp_distance(y, x, fmt)) == int(ulp_distance(x, y, fmt))


@pytest.mark.parametrize("fmt", ["float16", "bfloat16"])
def test_ulp_distance_exhaustively_on_16_bit_formats(fmt):
    # Every non-NaN encoding, sorted by value (and -0 before +0): consecutive ones are one
    # ULP apart, and the distance between any two is the difference of their ranks.
    bits = np.arange(1 << 16, dtype=np.uint32)
    if fmt == "float16":
        values = bits.astype(np.uint16).view(np.float16)
    else:
        values = (bits << 16).view(np.float32)
    keep = ~np.isnan(values)
    values = values[keep]
    order = np.lexsort((~np.signbit(values), values.astype(np.float64)))
    ranked = values[order]
    steps = ulp_distance(ranked[:-1], ranked[1:], fmt)
    assert np.all(steps == 1)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, ranked.size, 5000), rng.integers(0, ranked.size, 5000)
    assert np.array_equal(ulp_distance(ranked[i], ranked[j], fmt), np.abs(i - j).astype(np.uint64))
    assert ranked.size == (1 << 16) - 2 * (2 ** FLOAT_FORMATS[fmt].fraction_bits - 1)


def test_ulp_distance_special_values():
    big = np.finfo(np.float64).max
    a = np.array([0.0, -0.0, np.inf, np.nan, np.nan, -big, 1.0])
    b = np.array([-0.0, -0.0, big, np.nan, 1.0, big, 1.0])
    assert ulp_distance(a, b, "f64").tolist() == [
        1,
        0,
        1,
        0,
        NAN_DISTANCE,
        2 * 0x7FEFFFFFFFFFFFFF + 1,
        0,
    ]
    assert ulp_distance(a, b, "f64", signed_zeros=False).tolist()[:2] == [0, 0]
    assert ulp_distance(a, b, "f64").dtype == np.uint64


@settings(max_examples=200)
@given(data=st.data(), fmt=st.sampled_from(NUMPY_FORMATS))
def test_ulp_distance_adds_up_along_the_line(data, fmt):
    a, b, c = sorted(data.draw(st.lists(finite(fmt), min_size=3, max_size=3)))
    ab, bc, ac = (int(ulp_distance(p, q, fmt)) for p, q in ((a, b), (b, c), (a, c)))
    if not (a == b == 0 or b == c == 0):  # sorting cannot order -0 and +0
        assert ac == ab + bc
    assert (ab == 0) == (to_bits(a, fmt) == to_bits(b, fmt))


def test_to_bits_refuses_values_not_in_the_format():
    with pytest.raises(ReluproofError, match="not all float32 numbers"):
        to_bits(np.array([0.1]), "float32")
    assert to_bits(np.array([0.5, np.nan]), "float32").dtype == np.uint32
    with pytest.raises(ReluproofError, match="not all bfloat16 numbers"):
        to_bits(np.float32([1 / 3]), "bf16")
    with pytest.raises(ReluproofError, match="expected float16"):
        to_bits(np.array(["1"]), "float16")
    assert int(to_bits(np.float32(np.nan), "bf16")) & 0x7FC0 == 0x7FC0  # still a NaN
