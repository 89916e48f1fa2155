"""The reference an implementation is judged against: the catalogue's definition at the
given parameters, correctly rounded to the target float format.

Two routes to the same numbers:

* `Reference.exact(xs, fmt)` / `exact_derivative`: per input, the catalogue's piece for that
  input (chosen exactly against the breakpoints), evaluated in ball arithmetic
  (`numeric/oracle.py`) with a precision raised until the ball lies inside one rounding
  interval of the format (Ziv's strategy); rational pieces (ReLU family, the hard ones,
  softsign) are evaluated exactly with fractions, which also settles exact ties. At +-inf
  the value is the derivation's limit; NaN gives NaN. Correct, and about 20-100 us per input.

* `Reference.fast(xs, fmt)`: vectorised, for the exhaustive checks. The value is computed in
  float64 by reluproof's own kernels (`numeric/kernels.py`) together with an error bound

      |y64 - f(x)| <= K u (|y64| + |x f'(x)|) + A,     u = 2^-53, K = 64, A = 2^-1060,

  the model of an evaluation that is backward stable up to K/2 roundings in the argument
  and K/2 in the result (the |x f'(x)| term is the condition of f times |f|: the error of
  rounded arguments and constants, amplified by the function). The kernels' own tests
  (tests/test_kernels.py) hold them to 8 ulps times max(1, condition number), which this
  bound contains with a factor 4 to spare, and tests/test_check_reference.py measures it
  against the ball-arithmetic route on edge-heavy inputs of every activation. When the whole
  interval y64 +- bound rounds to one float of the target format, that float is the correctly
  rounded reference; otherwise (an input near a rounding boundary: a fraction of about
  2^-21 of float32 inputs) the exact route decides. Only formats narrower than float64 take
  this route; a float64 target is always judged by the exact route.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp
from flint import arb, ctx

from derivations.calculus import Derivation, derive
from derivations.catalogue import get, z
from derivations.errors import ReluproofError
from numeric.floats import FloatFormat, float_format, round_array, round_to_format
from numeric.intervals import fraction
from numeric.oracle import arb_constant, arb_function

PRECISIONS = (128, 512, 2048, 8192)  # Ziv: bits of the ball evaluation, tried in turn
FAST_K = 64
FAST_ABSOLUTE = 2.0**-1060
_U = 2.0**-53


def _fraction_function(expr: sp.Expr) -> Callable[[Fraction], Fraction] | None:
    """An exact evaluator of a rational function of z with rational coefficients, or None."""
    if not expr.free_symbols <= {z}:
        return None
    if not (expr.is_polynomial(z) or expr.is_rational_function(z)):
        return None
    numerator, denominator = sp.fraction(sp.together(expr))
    try:
        num = sp.Poly(numerator, z)
        den = sp.Poly(denominator, z)
    except sp.PolynomialError:
        return None
    coefficients = []
    for poly in (num, den):
        if not all(c.is_Rational for c in poly.all_coeffs()):
            return None
        coefficients.append([Fraction(int(c.p), int(c.q)) for c in poly.all_coeffs()])

    def horner(cs: list[Fraction], x: Fraction) -> Fraction:
        acc = Fraction(0)
        for c in cs:
            acc = acc * x + c
        return acc

    top, bottom = coefficients
    return lambda x: horner(top, x) / horner(bottom, x)


def _rational(value: sp.Expr, what: str) -> Fraction:
    value = sp.nsimplify(value) if not value.is_Rational else value
    if not value.is_Rational:
        raise ReluproofError(f"{what} = {value} is not rational; the checker needs it exact.")
    return Fraction(int(value.p), int(value.q))


def round_ball(ball: arb, f: FloatFormat) -> float | None:
    """The float of format f that every point of the ball rounds to, or None if the ball
    straddles a rounding boundary. Below half the least subnormal the result is 0, beyond
    the largest float's rounding interval it is +-inf."""
    if ball.is_exact() and ball == 0:
        return 0.0
    half_tiny = arb(f.min_subnormal.numerator) / f.min_subnormal.denominator / 2
    if abs(ball) < half_tiny:
        return 0.0
    overflow = arb(2) ** (f.emax + 1) - arb(2) ** (f.emax - f.precision)  # ties go up: inf
    if ball >= overflow:
        return math.inf
    if ball <= -overflow:
        return -math.inf
    if not (abs(ball) < overflow):
        return None
    # the ends rounded outward at the working precision: exact ends of a ball can have a
    # radius like 2^(-10^76) (gelu' at -1e38), far too long for a Fraction
    lo, hi = fraction(ball.lower()), fraction(ball.upper())
    try:
        rl, rh = round_to_format(lo, f), round_to_format(hi, f)
    except ReluproofError:
        return None
    return float(rl) if rl == rh else None


def _round_exact(value: Fraction, f: FloatFormat) -> float:
    try:
        return float(round_to_format(value, f))
    except ReluproofError:  # overflow: IEEE rounds to infinity
        return math.copysign(math.inf, value)


@dataclass(frozen=True)
class Kink:
    """A breakpoint where f is not differentiable (at the bound parameters)."""

    at: Fraction
    subgradient: tuple[Fraction | float, Fraction | float]  # [lo, hi] of one-sided slopes


class Reference:
    """The catalogue's activation `name` at `overrides`, as correctly rounded numbers."""

    def __init__(self, name: str, overrides: dict | None = None):
        self.activation = get(name)
        self.name = self.activation.name
        self.overrides = dict(overrides or {})
        self.derivation: Derivation = derive(self.name, self.overrides)
        values = self.derivation.values
        self.values = values
        self.pieces = [p.expr.subs(values) for p in self.activation.pieces]
        self.piece_derivatives = [d.subs(values) for d in self.derivation.piece_derivatives]
        # for ball arithmetic: the pieces in the parameter symbols, whose (closed-form)
        # values are enclosed once per precision rather than at every point
        self._symbolic = {
            False: [p.expr for p in self.activation.pieces],
            True: list(self.derivation.piece_derivatives),
        }
        self.breakpoints = [
            _rational(b.at_value, f"breakpoint of {self.name}") for b in self.derivation.breakpoints
        ]
        self.kinks = [
            Kink(
                _rational(b.at_value, "breakpoint"),
                tuple(sp.nsimplify(v) for v in b.subgradient_at_values),
            )
            for b in self.derivation.breakpoints
            if not b.differentiable
        ]
        self.continuous_at = [b.continuous for b in self.derivation.breakpoints]
        self.monotonicity = self.derivation.monotonicity
        self.limits = {k: sp.sympify(v).subs(values) for k, v in self.derivation.limits.items()}
        self._memo: dict = {}

    # ---- which piece owns an input ----
    def piece_index(self, x: Fraction) -> int:
        for i, b in enumerate(self.breakpoints):
            if x < b or (x == b and self.activation.point_goes_left):
                return i
        return len(self.breakpoints)

    def is_kink(self, x: Fraction) -> bool:
        return any(k.at == x for k in self.kinks)

    # ---- exact route ----
    @functools.cache  # noqa: B019 -- one Reference per check; the cache lives as long
    def _evaluators(self, derivative: bool) -> list:
        exprs = self.piece_derivatives if derivative else self.pieces
        return [_fraction_function(e) for e in exprs]

    @functools.cache  # noqa: B019
    def _ball_functions(self, derivative: bool, prec: int) -> list:
        with ctx.workprec(prec):
            constants = {s: arb_constant(v) for s, v in self.values.items()}
            return [arb_function(e, z, constants) for e in self._symbolic[derivative]]

    def _limit(self, key: str, f: FloatFormat) -> float:
        value = self.limits[key]
        if value in (sp.oo, -sp.oo):
            return math.inf if value == sp.oo else -math.inf
        if value.is_Rational:
            return _round_exact(Fraction(int(value.p), int(value.q)), f)
        for prec in PRECISIONS:
            with ctx.workprec(prec):
                rounded = round_ball(arb_constant(value), f)
            if rounded is not None:
                return rounded
        raise ReluproofError(f"cannot round the limit {key} = {value} of {self.name}")

    def exact_one(self, x: float, fmt, derivative: bool = False) -> float:
        """The correctly rounded f(x) (or f'(x)) for one input of the format."""
        f = float_format(fmt)
        if math.isnan(x):
            return math.nan
        if math.isinf(x):
            key = ("f'" if derivative else "f") + ("(+oo)" if x > 0 else "(-oo)")
            return self._limit(key, f)
        q = Fraction(x)
        i = self.piece_index(q)
        exact = self._evaluators(derivative)[i]
        if exact is not None:
            return _round_exact(exact(q), f)
        for prec in PRECISIONS:
            with ctx.workprec(prec):
                ball = self._ball_functions(derivative, prec)[i](arb(x))
                rounded = round_ball(ball, f)
            if rounded is not None:
                return rounded
        raise ReluproofError(  # an irrational value this close to a tie: not seen in practice
            f"{self.name}: could not round f{chr(39) if derivative else ''}({x!r}) to "
            f"{f.name} with {PRECISIONS[-1]} bits."
        )

    def exact(self, xs: np.ndarray, fmt, derivative: bool = False) -> np.ndarray:
        xs = np.asarray(xs, dtype=np.float64)
        key = (float_format(fmt).name, derivative, xs.shape, xs.tobytes())
        if key not in self._memo:  # a survey asks for the same inputs once per framework
            values = [self.exact_one(float(x), fmt, derivative) for x in xs.ravel()]
            self._memo[key] = np.array(values, dtype=np.float64).reshape(xs.shape)
        return self._memo[key].copy()

    # ---- fast route ----
    @functools.cached_property
    def kernel(self):
        from numeric.kernels import kernel

        return kernel(self.name, self.overrides)

    def fast(self, xs: np.ndarray, fmt) -> tuple[np.ndarray, int]:
        """Correctly rounded f(xs) for a format narrower than float64, vectorised; returns
        the values and how many inputs the exact route had to decide."""
        f = float_format(fmt)
        if f.name == "float64":
            return self.exact(xs, f), int(np.asarray(xs).size)
        xs = np.asarray(xs, dtype=np.float64)
        with np.errstate(all="ignore"):
            y = self.kernel.f(xs)
            bound = self.kernel.df(xs)  # in place from here on: fewer temporaries
            np.multiply(bound, xs, out=bound)
            np.abs(bound, out=bound)
            bound += np.abs(y)
            bound *= FAST_K * _U
            bound += FAST_ABSOLUTE
            if f.name == "float32":  # the hardware conversion rounds once, to nearest
                low, high = (y - bound).astype(np.float32), (y + bound).astype(np.float32)
            else:
                low, high = round_array(y - bound, f), round_array(y + bound, f)
        decided = (low == high) & np.isfinite(xs) & np.isfinite(bound)
        low = low.astype(np.float64)
        out = np.where(decided, low, np.nan)
        undecided = np.flatnonzero(~decided & ~np.isnan(xs))  # NaN in: NaN out, as set
        for i in undecided:
            out.flat[i] = self.exact_one(float(xs.flat[i]), f)
        return out, int(undecided.size)
