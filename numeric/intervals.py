"""Rigorous root isolation and exact bounds in ball arithmetic: the one home for both.

`locate_root` bisects a bracket whose end signs are decided by `flint.arb` balls (a ball
that excludes 0 proves a sign) until every point of the bracket rounds to the same
significant digits; `RootEnclosure` is its certificate. The helpers turn balls into exact
rational ends (`ends`) and show them as outward-rounded decimals (`outward`). The
dead-unit proofs (isolated zeros of GELU, SiLU, Mish) and the calculus (zeros of f' for
any parameter value) both use these: one root-isolation routine in the house.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flint import arb, ctx, fmpq

PREC = 128
DIGITS = 10


def ball(lo: Fraction, hi: Fraction | None = None) -> arb:
    """A ball containing [lo, hi] (the point lo when hi is None)."""
    low = arb(fmpq(lo.numerator, lo.denominator))
    if hi is None:
        return low
    return low.union(arb(fmpq(hi.numerator, hi.denominator)))


def sign(x: arb) -> int:
    """+1 or -1 when the ball excludes 0, else 0 (undecided)."""
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0


def fraction(x: arb) -> Fraction:
    man, exp = (int(v) for v in x.man_exp())
    return Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)


def ends(x: arb) -> tuple[Fraction, Fraction]:
    mid, rad = fraction(x.mid()), fraction(x.rad())
    return mid - rad, mid + rad


def _scaled(q: Fraction, digits: int) -> tuple[Fraction, int]:
    """(q * 10**shift, shift) with |q| * 10**shift in [10**(digits-1), 10**digits)."""
    size = abs(q)
    e = math.floor(math.log10(size.numerator) - math.log10(size.denominator))
    while Fraction(10) ** e > size:  # the float guess may be off by one either way
        e -= 1
    while Fraction(10) ** (e + 1) <= size:
        e += 1
    shift = digits - 1 - e
    return q * Fraction(10) ** shift, shift


def round_significant(q: Fraction, digits: int = DIGITS) -> Decimal:
    """q rounded half-even to `digits` significant digits, exactly."""
    if q == 0:
        return Decimal(0)
    scaled, shift = _scaled(abs(q), digits)
    n = math.floor(scaled)
    rest = scaled - n
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and n % 2 == 1):
        n += 1
    if n == 10**digits:  # rounding carried into a new decade: 9.9996 -> 10.00
        n //= 10
        shift -= 1
    return Decimal(n if q > 0 else -n).scaleb(-shift)


def outward(q: Fraction, up: bool, digits: int = 15) -> str:
    """A `digits`-digit decimal >= q (up) or <= q (down), for showing exact bounds."""
    if q == 0:
        return "0"
    scaled, shift = _scaled(q, digits)
    n = math.ceil(scaled) if up else math.floor(scaled)
    return str(Decimal(n).scaleb(-shift))


@dataclass(frozen=True)
class RootEnclosure:
    """A rational bracket [lo, hi] with f'(lo), f'(hi) of opposite, rigorously known signs."""

    lo: Fraction
    hi: Fraction
    rounded: Decimal  # every point of [lo, hi] rounds to this
    bisections: int

    def excludes(self, value: Any) -> bool:
        v = Fraction(str(value))
        return not (self.lo <= v <= self.hi)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lo": str(self.lo),
            "hi": str(self.hi),
            "lo_at_least": outward(self.lo, up=False),
            "hi_at_most": outward(self.hi, up=True),
            "width_at_most": outward(self.hi - self.lo, up=True, digits=3),
            f"rounded_{DIGITS}_significant": str(self.rounded),
            "bisections": self.bisections,
        }


def locate_root(
    fn: Callable[[arb], arb], lo: Fraction, hi: Fraction, digits: int = DIGITS, prec: int = PREC
) -> RootEnclosure:
    """Bisect [lo, hi] (signs of fn at the ends definite and opposite) until every point of
    the bracket rounds to the same `digits` significant digits."""
    with ctx.workprec(prec):
        s_lo, s_hi = sign(fn(ball(lo))), sign(fn(ball(hi)))
        if s_lo * s_hi != -1:
            raise ArithmeticError(f"no definite sign change on [{lo}, {hi}]: {s_lo}, {s_hi}")
        count = 0
        while round_significant(lo, digits) != round_significant(hi, digits):
            if count > 4 * prec:
                raise ArithmeticError("bisection did not converge")
            mid = (lo + hi) / 2
            s_mid = sign(fn(ball(mid)))
            if s_mid == 0:
                raise ArithmeticError(f"sign at {mid} undecided at {prec} bits")
            if s_mid == s_lo:
                lo = mid
            else:
                hi = mid
            count += 1
    return RootEnclosure(lo, hi, round_significant(lo, digits), count)
