"""Binary floating-point formats: binary16, bfloat16, binary32, binary64. One home.

What a format is (`FloatFormat`: significand bits, exponent range, width) and what follows
from it, exactly, with rationals (`fractions.Fraction`) and no float in between:

* `binade`, `ulp`, `round_to_format` (round-to-nearest-even of any rational),
  `rounding_interval` (the reals that round to a given float), `encode` / `decode` (bit
  patterns <-> exact values);
* `nearest_float`: the float of a format nearest to a real given as a SymPy closed form or
  an arb ball -- proved by a ball strictly inside that float's rounding interval -- or as an
  exact rational (decided exactly, ties to even);
* `to_bits`, `ordered_bits` and `ulp_distance`: on NumPy arrays of a format, the distance in
  units in the last place counted on the bit encodings, for the implementation checker.

ULP distance, precisely. The finite floats and the infinities of a format, in increasing
order, are consecutive integers under `ordered_bits`; `ulp_distance(a, b)` is the difference
of those integers, so it counts the steps from a to b (max finite to inf is 1 step). Signed
zeros: with `signed_zeros=True` (the default) -0 lies one step below +0, so the distance is
0 exactly when the two encodings are identical -- a result of -0 where +0 is due counts as
1 ULP off, as a bit-exact check (CORE-MATH's) wants; the distance from -x to +x is then one
more than the count of floats between them. With `signed_zeros=False` both zeros are the
real 0: distance(-0, +0) = 0 and distances across 0 count only the floats between. NaN:
two NaNs (any payloads) are at distance 0; a NaN and a non-NaN at `NAN_DISTANCE`, the
largest uint64.

NumPy has float16, float32 and float64 but no bfloat16: bfloat16 values are taken as
float32 arrays whose values are bfloat16 numbers (the low 16 bits of each encoding zero), as
an array of a `bfloat16` dtype from the `ml_dtypes` package when one is given, or as their
uint16 bit patterns through `ordered_bits(..., bits=True)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from flint import arb, ctx

from derivations.errors import ReluproofError
from numeric.decimals import ball_text, exact_decimal, round_half_even
from numeric.intervals import enclose, ends, fraction


@dataclass(frozen=True)
class FloatFormat:
    """A binary interchange format: `precision` significand bits (the hidden bit included),
    normal exponents emin..emax, `width` bits in all, and its NumPy dtype when NumPy has one.
    """

    name: str
    precision: int
    emin: int
    emax: int
    width: int
    numpy_dtype: str | None

    @property
    def bias(self) -> int:
        return self.emax

    @property
    def fraction_bits(self) -> int:
        return self.precision - 1

    @property
    def max_finite(self) -> Fraction:
        return (2 - Fraction(1, 2 ** (self.precision - 1))) * Fraction(2) ** self.emax

    @property
    def min_normal(self) -> Fraction:
        return Fraction(2) ** self.emin

    @property
    def min_subnormal(self) -> Fraction:
        return Fraction(2) ** (self.emin - self.precision + 1)

    @property
    def uint_dtype(self) -> np.dtype:
        return np.dtype(f"uint{self.width}")


FLOAT_FORMATS = {
    "float16": FloatFormat("float16", 11, -14, 15, 16, "float16"),
    "bfloat16": FloatFormat("bfloat16", 8, -126, 127, 16, None),
    "float32": FloatFormat("float32", 24, -126, 127, 32, "float32"),
    "float64": FloatFormat("float64", 53, -1022, 1023, 64, "float64"),
}
_ALIASES = {
    "binary16": "float16",
    "half": "float16",
    "f16": "float16",
    "fp16": "float16",
    "bf16": "bfloat16",
    "binary32": "float32",
    "single": "float32",
    "f32": "float32",
    "fp32": "float32",
    "binary64": "float64",
    "double": "float64",
    "f64": "float64",
    "fp64": "float64",
}

NAN_DISTANCE = np.iinfo(np.uint64).max


def float_format(fmt: Any) -> FloatFormat:
    """A format by name ('float32', 'binary32', 'f32', 'bf16', ...), NumPy dtype or itself."""
    if isinstance(fmt, FloatFormat):
        return fmt
    if isinstance(fmt, np.dtype) or (isinstance(fmt, type) and issubclass(fmt, np.generic)):
        fmt = np.dtype(fmt).name
    key = str(fmt).lower()
    key = _ALIASES.get(key, key)
    if key not in FLOAT_FORMATS:
        raise ReluproofError(
            f"unknown float format {fmt!r}; use one of {sorted(FLOAT_FORMATS)} "
            f"(or an alias: {', '.join(sorted(_ALIASES))})."
        )
    return FLOAT_FORMATS[key]


# =======================================================================================
# Exact values: binades, rounding, encodings
# =======================================================================================


def binade(x: Fraction, fmt: Any) -> int:
    """floor(log2 |x|) for x != 0, clamped to the format's smallest normal exponent."""
    f = float_format(fmt)
    x = abs(x)
    e = x.numerator.bit_length() - x.denominator.bit_length()
    if Fraction(2) ** e > x:
        e -= 1
    return max(e, f.emin)


def ulp(x: Fraction, fmt: Any) -> Fraction:
    """The spacing of the format's floats in the binade of x (upward from x when x is a
    power of 2; 2^(emin - p + 1) for x = 0 and subnormals)."""
    f = float_format(fmt)
    if x == 0:
        return f.min_subnormal
    return Fraction(2) ** (binade(x, f) - f.precision + 1)


def round_to_format(x: Fraction, fmt: Any) -> Fraction:
    """x rounded to nearest-even in the format, exactly. Overflow (a result of magnitude
    2^(emax+1) or more, which IEEE rounds to infinity) raises ReluproofError."""
    f = float_format(fmt)
    x = Fraction(x)
    if x == 0:
        return Fraction(0)
    step = ulp(x, f)
    value = round_half_even(x / step) * step
    if abs(value) >= Fraction(2) ** (f.emax + 1):
        raise ReluproofError(f"{float(x):g} overflows {f.name}.")
    return value


def rounding_interval(value: Fraction, fmt: Any) -> tuple[Fraction, Fraction]:
    """The open interval of reals that round to the float `value` (ties excluded)."""
    f = float_format(fmt)
    mag = abs(value)
    e = binade(mag, f)
    up = Fraction(2) ** (e - f.precision + 1)
    down = up / 2 if mag == Fraction(2) ** e and e > f.emin else up
    if value > 0:
        return value - down / 2, value + up / 2
    return value - up / 2, value + down / 2


def encode(value: Fraction, fmt: Any, negative_zero: bool = False) -> int:
    """The bit pattern of a float of the format given by its exact value (0 encodes as +0
    unless `negative_zero`). Raises ValueError when `value` is not a float of the format."""
    f = float_format(fmt)
    value = Fraction(value)
    if round_to_format(value, f) != value:
        raise ValueError(f"{value} is not a {f.name} number")
    sign = 1 if value < 0 or (value == 0 and negative_zero) else 0
    mag = abs(value)
    if mag < f.min_normal:
        exponent, significand = 0, mag / f.min_subnormal
    else:
        e = binade(mag, f)
        exponent = e + f.bias
        significand = mag / Fraction(2) ** (e - f.precision + 1) - 2**f.fraction_bits
    return (sign << (f.width - 1)) | (exponent << f.fraction_bits) | int(significand)


def decode(bits: int, fmt: Any) -> Fraction:
    """The exact value of a finite float from its bit pattern (ValueError for inf and NaN;
    both zeros decode to 0)."""
    f = float_format(fmt)
    exponent_bits = f.width - 1 - f.fraction_bits
    sign = -1 if bits >> (f.width - 1) & 1 else 1
    exponent = bits >> f.fraction_bits & ((1 << exponent_bits) - 1)
    significand = bits & ((1 << f.fraction_bits) - 1)
    if exponent == (1 << exponent_bits) - 1:
        raise ValueError(f"bits {bits:#x} are an infinity or a NaN of {f.name}")
    if exponent == 0:
        return sign * significand * f.min_subnormal
    scale = Fraction(2) ** (exponent - f.bias - f.fraction_bits)
    return sign * (significand + 2**f.fraction_bits) * scale


# =======================================================================================
# The float nearest to a real
# =======================================================================================


@dataclass(frozen=True)
class NearestFloat:
    """The float of a format nearest to a real, with the enclosure that proves it."""

    format: str
    value: float  # the float itself (every format here is a subset of binary64)
    repr: str  # shortest round-trip text in its own format
    hex: str  # float.hex of the value
    bits: str  # the format's bit pattern, big-endian hex
    enclosure: str  # ball containing the real (for an exact rational: the rational itself)
    interval: tuple[str, str]  # the open interval of reals rounding to `value`, exact
    proved: bool  # the ball lies strictly inside that interval (a rational: always)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "value": self.value,
            "repr": self.repr,
            "hex": self.hex,
            "bits": self.bits,
            "enclosure": self.enclosure,
            "rounding_interval": list(self.interval),
            "proved": self.proved,
        }


def float_text(value: Fraction, fmt: Any) -> str:
    """The shortest decimal that reads back as this float of the format (Python's repr for
    binary64)."""
    f = float_format(fmt)
    as_float = float(value)
    if f.name == "float64":
        return repr(as_float)
    for digits in range(1, 18):
        text = f"{as_float:.{digits}g}"
        try:
            if round_to_format(Fraction(text), f) == value:
                return text
        except ReluproofError:  # a short text of the largest floats may overflow
            continue
    return repr(as_float)


def _exact_rational(value: Any) -> Fraction | None:
    """The exact rational a value stands for, or None for a closed form or a ball. A binary
    float is the rational it encodes; a decimal string is the decimal ("0.1" is 1/10)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Fraction | int) or (
        isinstance(value, float | np.floating) and np.isfinite(value)
    ):
        return Fraction(float(value)) if isinstance(value, np.floating) else Fraction(value)
    if isinstance(value, sp.Rational):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except ValueError:  # not a decimal or a fraction: a closed form such as "sqrt(2)"
            return None
    return None


def _nearest(candidate: Fraction, f: FloatFormat, enclosure: str, proved: bool) -> NearestFloat:
    as_float = float(candidate)  # exact: candidate is a float of format f
    lo, hi = rounding_interval(candidate, f)
    return NearestFloat(
        format=f.name,
        value=as_float,
        repr=float_text(candidate, f),
        hex=as_float.hex(),
        bits=f"{encode(candidate, f):0{f.width // 4}x}",
        enclosure=enclosure,
        interval=(exact_decimal(lo), exact_decimal(hi)),
        proved=proved,
    )


def nearest_float(value: Any, fmt: Any = "float64") -> NearestFloat:
    """The float of format `fmt` nearest to `value`.

    `value` is an exact rational (Fraction, int, SymPy Rational, a binary float, a decimal
    string: rounded exactly, ties to even, `proved` True), a SymPy closed form (or its
    text), or an arb ball. For the last two the proof is
    a ball for `value` strictly inside the rounding interval of that float, refined (Ziv)
    until it is; `proved` is False only if 2000 bits did not settle it (or the given ball
    straddles a rounding boundary).
    """
    f = float_format(fmt)
    exact = _exact_rational(value)
    if exact is not None:
        return _nearest(round_to_format(exact, f), f, str(exact), True)
    ball: arb | None = None
    candidate = Fraction(0)
    inside = False
    for prec in (96, 192, 512, 2000):
        ball = value if isinstance(value, arb) else enclose(sp.sympify(value), prec)
        lo, hi = ends(ball)
        with ctx.workprec(prec):
            candidate = round_to_format(fraction(ball.mid()), f)
        low, high = rounding_interval(candidate, f)
        inside = low < lo and hi < high
        if inside or isinstance(value, arb):
            break
    return _nearest(candidate, f, ball_text(ball, 25), inside)


# =======================================================================================
# Arrays: bit patterns, their order, ULP distance
# =======================================================================================


def to_bits(x: Any, fmt: Any) -> np.ndarray:
    """The bit patterns (unsigned integers of the format's width) of an array of floats of
    the format. Values of another float dtype are accepted when each is exactly a number of
    the format (NaN included); anything else raises ReluproofError."""
    f = float_format(fmt)
    arr = np.asarray(x)
    if f.numpy_dtype is None:  # bfloat16
        if arr.dtype.name == "bfloat16" and arr.dtype.itemsize == 2:
            return arr.view(np.uint16)
        bits32 = to_bits(arr, "float32")
        nan = np.isnan(arr.astype(np.float32))
        if np.any((bits32 & 0xFFFF != 0) & ~nan):
            raise ReluproofError(
                "these float32 values are not all bfloat16 numbers (the low 16 bits of each "
                "encoding must be 0); round them to bfloat16 first."
            )
        return (bits32 >> 16).astype(np.uint16) | np.where(nan, np.uint16(0x40), np.uint16(0))
    dtype = np.dtype(f.numpy_dtype)
    if arr.dtype != dtype:
        if arr.dtype.kind not in "fiu":
            raise ReluproofError(f"expected {f.name} numbers; got an array of {arr.dtype}.")
        converted = arr.astype(dtype)
        with np.errstate(invalid="ignore"):
            same = (converted.astype(arr.dtype) == arr) | (np.isnan(converted) & np.isnan(arr))
        if not np.all(same):
            raise ReluproofError(
                f"these {arr.dtype} values are not all {f.name} numbers; convert them "
                f"with .astype({f.name!r}) first if rounding is what you want."
            )
        arr = converted
    return np.asarray(arr).view(f.uint_dtype)


def ordered_bits(x: Any, fmt: Any, signed_zeros: bool = True, bits: bool = False) -> np.ndarray:
    """Integers (int64) in the order of the floats: consecutive floats of the format get
    consecutive integers, +0 gets 0, -0 gets -1 (or 0 with signed_zeros=False). NaNs get
    the integer of the encoding's magnitude, not meaningful: test `isnan` separately.
    `bits=True` takes `x` as bit patterns already."""
    f = float_format(fmt)
    raw = np.asarray(x, dtype=f.uint_dtype) if bits else to_bits(x, f)
    raw = raw.astype(np.uint64)
    sign_bit = np.uint64(1) << np.uint64(f.width - 1)
    magnitude = (raw & (sign_bit - np.uint64(1))).astype(np.int64)
    negative = (raw & sign_bit) != 0
    below = magnitude + 1 if signed_zeros else magnitude
    return np.where(negative, -below, magnitude)


def _is_nan_bits(raw: np.ndarray, f: FloatFormat) -> np.ndarray:
    raw = raw.astype(np.uint64)
    exponent_mask = np.uint64(((1 << (f.width - 1 - f.fraction_bits)) - 1) << f.fraction_bits)
    fraction_mask = np.uint64((1 << f.fraction_bits) - 1)
    return ((raw & exponent_mask) == exponent_mask) & ((raw & fraction_mask) != 0)


def ulp_distance(a: Any, b: Any, fmt: Any, signed_zeros: bool = True) -> np.ndarray:
    """The distance between floats a and b of format `fmt` in units in the last place,
    elementwise (uint64; broadcasting as NumPy does): the number of steps from one to the
    other through the format's floats in order. See the module docstring for signed zeros,
    infinities and NaN (`NAN_DISTANCE`).

    >>> int(ulp_distance(np.float32(1), np.nextafter(np.float32(1), np.float32(2)), "f32"))
    1
    """
    f = float_format(fmt)
    bits_a, bits_b = to_bits(a, f), to_bits(b, f)
    key_a = ordered_bits(bits_a, f, signed_zeros, bits=True)
    key_b = ordered_bits(bits_b, f, signed_zeros, bits=True)
    # int64 differences can overflow for float64 (keys span almost 2^64): subtract as uint64
    # after shifting both keys by 2^63, which keeps their order.
    offset = np.uint64(1 << 63)
    ua, ub = key_a.view(np.uint64) ^ offset, key_b.view(np.uint64) ^ offset
    distance = np.maximum(ua, ub) - np.minimum(ua, ub)
    nan_a, nan_b = _is_nan_bits(bits_a, f), _is_nan_bits(bits_b, f)
    distance = np.where(nan_a & nan_b, np.uint64(0), distance)
    return np.where(nan_a ^ nan_b, np.uint64(NAN_DISTANCE), distance).astype(np.uint64)


def round_array(x: Any, fmt: Any) -> np.ndarray:
    """Float64 values rounded to nearest-even in format `fmt`, elementwise, returned as
    float64 (every format here is a subset of binary64); beyond the format's range they
    become +-inf, as IEEE rounding does. One correct rounding, never two: float32 by the
    hardware conversion, the 16-bit formats by scaling each value so that the format's
    ulp in its binade is 1 (exact: a power-of-2 scale), rounding to an integer and scaling
    back."""
    f = float_format(fmt)
    x = np.asarray(x, dtype=np.float64)
    if f.name == "float64":
        return x.copy()
    if f.name == "float32":
        with np.errstate(over="ignore"):
            return x.astype(np.float32).astype(np.float64)
    with np.errstate(all="ignore"):
        _, exponent = np.frexp(x)  # x = m 2^exponent, 1/2 <= |m| < 1
        binade_exponent = np.maximum(exponent - 1, f.emin)  # subnormals share emin's ulp
        shift = f.precision - 1 - binade_exponent
        rounded = np.ldexp(np.rint(np.ldexp(x, shift)), -shift)
        rounded = np.where(np.abs(rounded) > float(f.max_finite), np.copysign(np.inf, x), rounded)
    return np.where(np.isfinite(x), rounded, x)
