"""Ball-arithmetic tools the proofs share: root isolation, enclosures, boxes, subdivision,
forward-mode duals. One home for each.

`locate_root` bisects a bracket whose end signs are decided by `flint.arb` balls (a ball
that excludes 0 proves a sign) until every point of the bracket rounds to the same
significant digits; `RootEnclosure` is its certificate. The helpers turn balls into exact
rational ends (`ends`) and show them as outward-rounded decimals (`outward`). The
dead-unit proofs (isolated zeros of GELU, SiLU, Mish) and the calculus (zeros of f' for
any parameter value) both use these: one root-isolation routine in the house.

For claims over a region: `enclose` gives a ball for a closed-form constant; `Dual` carries
a value with its partial derivatives (forward mode) through formulas written once for arb
balls, duals and SymPy expressions alike (`sqrt_of`, `exp_of`, `erfc_of`, `constant_like`);
`mean_value_enclosures` encloses such formulas over a `Box` by intersecting the direct ball
evaluation with the mean-value form; `subdivide` bisects a box until a check passes on
every piece. The SELU contraction proof is built from these.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from flint import arb, ctx, fmpq

from derivations.errors import ReluproofError
from numeric.oracle import arb_constant

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
    """The exact value of an exact (radius 0) ball, e.g. a ball's midpoint or radius."""
    man, exp = (int(v) for v in x.man_exp())
    return Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)


def ends(x: arb) -> tuple[Fraction, Fraction]:
    """The exact ends mid - rad, mid + rad of a finite ball (no rounding: arb.lower() and
    arb.upper() would round to the working precision)."""
    if not x.is_finite():
        raise ArithmeticError(f"ball {x} is not finite")
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


# =======================================================================================
# Enclosures of constants; formulas for balls, duals and SymPy alike
# =======================================================================================


@functools.lru_cache(maxsize=512)
def enclose(expr: sp.Basic, prec: int) -> arb:
    """A rigorous ball (python-flint `arb`) for a closed-form constant at `prec` bits."""
    with ctx.workprec(prec):
        return arb_constant(sp.sympify(expr))


def symmetric_ball(r: Fraction) -> arb:
    """A ball containing [-r, r]."""
    return arb(fmpq(-r.numerator, r.denominator)).union(arb(fmpq(r.numerator, r.denominator)))


# A formula written with these runs on four kinds of number: arb balls (values and
# enclosures), `Dual`s (enclosures of gradients), SymPy expressions (to prove it equal to
# a closed form symbolically) and NumPy float arrays (fast, non-rigorous measurements, e.g.
# to steer a search or draw a plot -- never a proof). They dispatch on the kind.


def _is_float_array(x: Any) -> bool:
    return isinstance(x, (np.ndarray, np.floating, float))


def sqrt_of(x: Any) -> Any:
    if isinstance(x, sp.Basic):
        return sp.sqrt(x)
    return np.sqrt(x) if _is_float_array(x) else x.sqrt()


def exp_of(x: Any) -> Any:
    if isinstance(x, sp.Basic):
        return sp.exp(x)
    return np.exp(x) if _is_float_array(x) else x.exp()


def erfc_of(x: Any) -> Any:
    if isinstance(x, sp.Basic):
        return sp.erfc(x)
    if _is_float_array(x):
        from scipy.special import erfc

        return erfc(x)
    return x.erfc()


def constant_like(value: sp.Expr, like: Any) -> Any:
    """An exact constant in the arithmetic of `like` (a ball at the working precision; a
    float for NumPy arrays)."""
    if isinstance(like, sp.Basic):
        return value
    return float(value) if _is_float_array(like) else arb_constant(value)


def integer_like(n: int, like: Any) -> Any:
    if isinstance(like, sp.Basic):
        return sp.Integer(n)
    return float(n) if _is_float_array(like) else arb(n)


class Dual:
    """A value with its partial derivatives: forward-mode differentiation.

    On arb balls over a box it yields enclosures of the gradients over the whole box -- what
    the mean-value form needs. On SymPy expressions it yields symbolic derivatives, which is
    how theorem `selu.interval_formulas` checks these very rules against `sympy.diff`.
    """

    __slots__ = ("value", "grad")

    def __init__(self, value: Any, grad: tuple[Any, ...]):
        self.value = value
        self.grad = grad

    @classmethod
    def variable(cls, value: Any, index: int, count: int) -> Dual:
        return cls(value, tuple(integer_like(int(i == index), value) for i in range(count)))

    @classmethod
    def constant(cls, value: Any, count: int) -> Dual:
        return cls(+value, tuple(integer_like(0, value) for _ in range(count)))

    def _lift(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return other
        if isinstance(self.value, sp.Basic):
            return Dual.constant(sp.sympify(other), len(self.grad))
        return Dual.constant(arb(other), len(self.grad))

    def _chain(self, value: arb, derivative: arb) -> Dual:
        return Dual(value, tuple(derivative * g for g in self.grad))

    def __add__(self, other: Any) -> Dual:
        o = self._lift(other)
        return Dual(
            self.value + o.value, tuple(a + b for a, b in zip(self.grad, o.grad, strict=True))
        )

    __radd__ = __add__

    def __neg__(self) -> Dual:
        return Dual(-self.value, tuple(-g for g in self.grad))

    def __pos__(self) -> Dual:
        return self

    def __sub__(self, other: Any) -> Dual:
        return self + (-self._lift(other))

    def __rsub__(self, other: Any) -> Dual:
        return self._lift(other) + (-self)

    def __mul__(self, other: Any) -> Dual:
        o = self._lift(other)
        return Dual(
            self.value * o.value,
            tuple(a * o.value + self.value * b for a, b in zip(self.grad, o.grad, strict=True)),
        )

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        o = self._lift(other)
        inverse = 1 / o.value
        quotient = self.value * inverse
        return Dual(
            quotient,
            tuple((a - quotient * b) * inverse for a, b in zip(self.grad, o.grad, strict=True)),
        )

    def __rtruediv__(self, other: Any) -> Dual:
        return self._lift(other) / self

    def exp(self) -> Dual:
        e = exp_of(self.value)
        return self._chain(e, e)

    def sqrt(self) -> Dual:
        r = sqrt_of(self.value)
        return self._chain(r, 1 / (2 * r))

    def erfc(self) -> Dual:
        # erfc'(x) = -2/sqrt(pi) exp(-x^2)
        slope = -2 / sqrt_of(constant_like(sp.pi, self.value)) * exp_of(-(self.value * self.value))
        return self._chain(erfc_of(self.value), slope)


# =======================================================================================
# Boxes and their subdivision
# =======================================================================================


@dataclass(frozen=True)
class Box:
    """A closed box in named variables, each side [low, high] with rational ends."""

    names: tuple[str, ...]
    sides: tuple[tuple[Fraction, Fraction], ...]

    @classmethod
    def of(cls, names: Sequence[str], **sides: tuple[Any, Any]) -> Box:
        """Box.of(("x", "y"), x=(-0.1, 0.1), y=(0, 1)): decimal ends are taken exactly (0.1 is
        1/10); every name needs a side, and no other side is accepted."""
        missing = [v for v in names if v not in sides]
        if missing:
            raise ReluproofError(f"the box needs sides for {', '.join(missing)}.")
        extra = [v for v in sides if v not in names]
        if extra:
            raise ReluproofError(
                f"the box has no variable {', '.join(extra)}; its variables are {', '.join(names)}."
            )
        built = []
        for v in names:
            lo, hi = (Fraction(str(x)) for x in sides[v])
            if lo > hi:
                raise ReluproofError(f"side {v} = [{lo}, {hi}] is empty; give low <= high.")
            built.append((lo, hi))
        return cls(tuple(names), tuple(built))

    def balls(self) -> tuple[arb, ...]:
        """Balls covering each side (call inside a workprec)."""
        return tuple(ball(lo, hi) for lo, hi in self.sides)

    def centre(self) -> tuple[arb, ...]:
        return tuple(ball((lo + hi) / 2, (lo + hi) / 2) for lo, hi in self.sides)

    def split(self, axis: int) -> tuple[Box, Box]:
        lo, hi = self.sides[axis]
        mid = (lo + hi) / 2
        left, right = list(self.sides), list(self.sides)
        left[axis], right[axis] = (lo, mid), (mid, hi)
        return Box(self.names, tuple(left)), Box(self.names, tuple(right))

    def contains(self, other: Box) -> bool:
        return all(
            a <= c and d <= b for (a, b), (c, d) in zip(self.sides, other.sides, strict=True)
        )

    def to_dict(self) -> dict[str, list[str]]:
        return {v: [str(lo), str(hi)] for v, (lo, hi) in zip(self.names, self.sides, strict=True)}


def mean_value_enclosures(
    box: Box, formulas: Callable[..., tuple], constants: Sequence[arb] = ()
) -> tuple[tuple[arb, ...], list[Fraction]]:
    """Enclosures over `box` of the values of `formulas(*box_variables, *constants)`, and
    how much each side of the box widens them.

    Two enclosures of each value, both valid at every point of the box, are intersected: the
    direct one (the formulas evaluated on balls covering the box) and the mean-value form
    f(c) + sum_i df/dx_i(box) * [-r_i, r_i] about the centre c -- the gradient enclosures come
    from evaluating the formulas on `Dual`s -- whose excess shrinks quadratically with the box.
    Call inside a workprec.
    """
    count = len(box.sides)
    duals = [Dual.variable(b, i, count) for i, b in enumerate(box.balls())]
    on_box = formulas(*duals, *(Dual.constant(c, count) for c in constants))
    at_centre = formulas(*box.centre(), *constants)
    spreads = [symmetric_ball((hi - lo) / 2) for lo, hi in box.sides]
    values = []
    scores = [Fraction(0)] * count
    for direct, centre_value in zip(on_box, at_centre, strict=True):
        centred = centre_value
        for i, (derivative, spread) in enumerate(zip(direct.grad, spreads, strict=True)):
            term = derivative * spread
            centred += term
            scores[i] += ends(term)[1]
        values.append(centred.intersection(direct.value))
    return tuple(values), scores


class Witness(Exception):
    """Raised by a subdivision's check when it has proved the claim false at a point of the
    box (a counterexample): the subdivision stops and returns it."""

    def __init__(self, box: Box, detail: dict[str, Any]):
        super().__init__(f"the claim fails in {box.to_dict()}")
        self.box, self.detail = box, detail


@dataclass(frozen=True)
class Subdivision:
    """How a subdivision ended: complete when every box passed its check; `witness` when a
    check proved the claim false somewhere."""

    complete: bool
    evaluated: int
    verified: int
    undecided: int
    seconds: float
    reason: str
    witness: Witness | None = None


def subdivide(
    domain: Box,
    check: Callable[[Box], tuple[bool, list[Fraction]]],
    max_boxes: int,
    time_limit: float | None,
    progress: Callable[[int, int], None] | None,
) -> Subdivision:
    """Check boxes depth-first; a box that fails is bisected along its highest-scoring side.

    `check(box)` returns whether the box passed and the per-side scores (how much each side
    widens the enclosures), or raises `Witness` to stop with a counterexample. Stops after
    `max_boxes` checks or `time_limit` seconds.
    """
    start = time.perf_counter()
    evaluated = verified = 0
    pending = [domain]
    reason = ""
    witness = None
    while pending:
        if evaluated >= max_boxes:
            reason = f"gave up after {evaluated} boxes with {len(pending)} undecided"
            break
        if time_limit is not None and time.perf_counter() - start > time_limit:
            reason = f"gave up after {time_limit:g} s with {len(pending)} boxes undecided"
            break
        box = pending.pop()
        evaluated += 1
        try:
            passed, scores = check(box)
        except Witness as found:
            witness, reason = found, "the claim fails at a point (see the counterexample)"
            pending.append(box)
            break
        if passed:
            verified += 1
        else:
            axis = max(range(len(scores)), key=scores.__getitem__)
            pending.extend(box.split(axis))
        if progress is not None and evaluated % 500 == 0:
            progress(evaluated, len(pending))
    if progress is not None:
        progress(evaluated, len(pending))
    return Subdivision(
        complete=not pending,
        evaluated=evaluated,
        verified=verified,
        undecided=len(pending),
        seconds=time.perf_counter() - start,
        reason=reason,
        witness=witness,
    )


# =======================================================================================
# Sign covers of an interval: how many zeros a function has there
# =======================================================================================


@dataclass(frozen=True)
class SignCover:
    """[lo, hi] cut into boxes, each settled: f' of one sign on the whole box, or f''
    of one sign (f' strictly monotone) with f' of known signs at both ends."""

    sign_boxes: tuple[tuple[Fraction, Fraction, int], ...]  # (lo, hi, sign of f')
    monotone_boxes: tuple[tuple[Fraction, Fraction, int, int, int], ...]  # + f'' sign, ends
    evaluated: int

    @property
    def zeros(self) -> int:
        """Zeros of f' on the covered interval: one in each monotone box whose ends differ
        in sign, none elsewhere (no box end is a zero: every end has a definite sign)."""
        return sum(1 for *_, s_lo, s_hi in self.monotone_boxes if s_lo != s_hi)

    @property
    def covers(self) -> list[tuple[Fraction, Fraction]]:
        return sorted(
            [(b[0], b[1]) for b in self.sign_boxes] + [(b[0], b[1]) for b in self.monotone_boxes]
        )

    def tiles(self, lo: Fraction, hi: Fraction) -> bool:
        """Whether the boxes, in order, run from lo to hi without gap or overlap."""
        position = lo
        for a, b in self.covers:
            if a != position:
                return False
            position = b
        return position == hi

    def to_dict(self) -> dict[str, Any]:
        return {
            "boxes": len(self.sign_boxes) + len(self.monotone_boxes),
            "evaluated": self.evaluated,
            "f'_sign_boxes_(lo, hi, f'_sign)": [[str(a), str(b), s] for a, b, s in self.sign_boxes],
            "f''_sign_boxes_(lo, hi, f''_sign, f'(lo)_sign, f'(hi)_sign)": [
                [str(a), str(b), s, l, h] for a, b, s, l, h in self.monotone_boxes
            ],
            "zeros": self.zeros,
        }


def sign_cover(
    first: Callable[[arb], arb],
    second: Callable[[arb], arb],
    lo: Fraction,
    hi: Fraction,
    prec: int = PREC,
    max_boxes: int = 10_000,
) -> SignCover:
    """Adaptive bisection of [lo, hi] until every box is settled (see `SignCover`): `first`
    and `second` are ball versions of f' and f''."""
    sign_boxes, monotone_boxes, evaluated = [], [], 0
    stack = [(lo, hi)]
    with ctx.workprec(prec):
        while stack:
            a, b = stack.pop()
            evaluated += 1
            if evaluated > max_boxes:
                raise ArithmeticError(f"more than {max_boxes} boxes")
            box = ball(a, b)
            s1 = sign(first(box))
            if s1:
                sign_boxes.append((a, b, s1))
                continue
            s2 = sign(second(box))
            if s2:
                s_lo, s_hi = sign(first(ball(a))), sign(first(ball(b)))
                if s_lo and s_hi:
                    monotone_boxes.append((a, b, s2, s_lo, s_hi))
                    continue
            mid = (a + b) / 2
            stack.extend([(mid, b), (a, mid)])
    return SignCover(tuple(sign_boxes), tuple(monotone_boxes), evaluated)
