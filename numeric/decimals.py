"""Exact decimal text of rationals, and correct rounding of a real given by its enclosures.

Every binary float and every ball end is a dyadic rational; this module writes such numbers
as decimals without a float in between: half-even rounding to significant digits
(`significant`, `decimal_text`), the finite expansion of a dyadic (`exact_decimal`), a
decimal upper bound (`decimal_upper`), positional text beyond Python's 4300-digit `str`
limit (`int_text`), and Ziv's strategy for the correctly rounded digits of a real known by
balls at any precision (`correctly_rounded`). The SELU constants' digits and the float
formats' rounding intervals (`numeric.floats`) are written with these.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from flint import arb

from derivations.errors import ReluproofError
from numeric.intervals import ends

MAX_DIGITS = 10_000
LOG2_10 = math.log2(10)


def ball_text(x: arb, digits: int = 30) -> str:
    """A ball as flint prints it, with its radius: `[1.6732 +/- 3.1e-31]`."""
    return x.str(digits, radius=True)


def pow10(e: int) -> Fraction:
    return Fraction(10**e) if e >= 0 else Fraction(1, 10**-e)


def floor_log10(q: Fraction) -> int:
    """floor(log10(q)) for q > 0, exactly (no float, no str of huge integers)."""
    bits = q.numerator.bit_length() - q.denominator.bit_length()
    e = math.floor(bits / LOG2_10)
    while pow10(e) > q:
        e -= 1
    while pow10(e + 1) <= q:
        e += 1
    return e


def round_half_even(q: Fraction) -> int:
    """The integer nearest to q, ties to the even one."""
    n = math.floor(q)
    rest = q - n
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and n % 2 == 1):
        return n + 1
    return n


def significant(q: Fraction, digits: int) -> tuple[int, int]:
    """(n, e) with q rounded half-even to `digits` significant digits = n * 10**e."""
    if q == 0:
        return 0, 0
    sign = -1 if q < 0 else 1
    q = abs(q)
    shift = digits - 1 - floor_log10(q)
    n = round_half_even(q * pow10(shift))
    if n == 10**digits:  # rounding carried into a new decade: 9.99.. -> 10.0
        n //= 10
        shift -= 1
    return sign * n, -shift


def int_text(n: int) -> str:
    """str(n) without Python's 4300-digit conversion limit."""
    if n < 0:
        return "-" + int_text(-n)
    if n < 10**4000:
        return str(n)
    half = max(1, (n.bit_length() * 3 // 10) // 2)
    high, low = divmod(n, 10**half)
    return int_text(high) + int_text(low).rjust(half, "0")


def decimal_text(n: int, e: int) -> str:
    """Positional decimal text of n * 10**e, keeping every digit of n."""
    sign = "-" if n < 0 else ""
    digits = int_text(abs(n))
    point = len(digits) + e  # digits before the decimal point
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def exact_decimal(q: Fraction) -> str:
    """The finite decimal expansion of a dyadic rational (every binary float has one)."""
    den = q.denominator
    k = den.bit_length() - 1
    if den != 1 << k:
        raise ValueError(f"{q} is not dyadic")
    return decimal_text(q.numerator * 5**k, -k)


def decimal_upper(q: Fraction, digits: int = 8) -> str:
    """A decimal >= q with `digits` significant digits (for reporting positive upper bounds)."""
    if q <= 0:
        return decimal_text(*significant(q, digits))
    shift = digits - 1 - floor_log10(q)
    n = math.ceil(q * pow10(shift))
    return decimal_text(n, -shift)


def check_digits(digits: Any) -> int:
    """`digits` if it is a whole number from 1 to MAX_DIGITS, else a ReluproofError."""
    if isinstance(digits, bool) or not isinstance(digits, int):
        raise ReluproofError(
            f"digits must be a whole number from 1 to {MAX_DIGITS}; got {digits!r}."
        )
    if not 1 <= digits <= MAX_DIGITS:
        raise ReluproofError(
            f"digits must be from 1 to {MAX_DIGITS}; got {digits}. Ask for a number in that range."
        )
    return digits


def correctly_rounded(enclosure: Callable[[int], arb], digits: int) -> str:
    """The real enclosed by `enclosure(prec)` rounded half-even to `digits` significant digits.

    Ziv's strategy: evaluate at increasing precision until both ends of the ball round to the
    same decimal; rounding is monotone, so then every point of the ball -- the true value
    among them -- rounds to it. Never returns a digit the ball does not decide.
    """
    check_digits(digits)
    prec = int(digits * LOG2_10) + 32
    for _ in range(7):  # up to 64 times the first precision
        ball = enclosure(prec)
        if ball.is_finite():
            lo, hi = ends(ball)
            if lo * hi > 0:
                low, high = significant(lo, digits), significant(hi, digits)
                if low == high:
                    return decimal_text(*low)
        prec *= 2
    raise ArithmeticError(
        f"could not decide {digits} digits up to {prec} bits: the value may be exactly a "
        "rounding tie or zero"
    )
