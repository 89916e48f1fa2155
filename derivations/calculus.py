"""The calculus done on a catalogue entry, all of it derived by SymPy from the definition.

For one activation (and one binding of its parameters) `derive()` returns a frozen
`Derivation`: first and second derivatives (and derivatives with respect to learnable
parameters), the analysis of every breakpoint (one-sided limits of f, f', f''; continuity
and differentiability as conditions on the parameters; the subgradient interval at a
kink), limits of f and f' at +-inf, the zero-gradient set, the death classification,
the range and monotonicity.

Exact where the claim is exact. The one numeric step is locating isolated zeros of a
transcendental f' (GELU, SiLU, Mish): they are bracketed by sign changes on a grid and
refined with mpmath to 30 digits; such points are labelled `numeric`. The `proofs`
package certifies them rigorously.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import mpmath
import numpy as np
import sympy as sp

from derivations import cache
from derivations.catalogue import Activation, get, piecewise, z

MAX_ORDER = 3  # derivatives compared at breakpoints to find the smoothness class C^k
ROOT_DIGITS = 30
GRID = np.linspace(-40.0, 40.0, 16001)  # the bracket grid for isolated zeros of f'


def _key(values: dict[sp.Symbol, sp.Expr]) -> tuple:
    return tuple(sorted((s.name, sp.srepr(v)) for s, v in values.items()))


# ---------------------------------------------------------------------------------------
# Conditions on parameters


def equality_condition(lhs: sp.Expr, rhs: sp.Expr) -> sp.Boolean:
    """The condition on the parameters under which lhs == rhs, as simple as we can make it.

    Factors known to be nonzero (positive parameters, nonzero constants) are dropped, and
    a condition in one parameter is solved for it: lambda*alpha == lambda  ->  alpha = 1.
    """
    difference = sp.factor(sp.simplify(sp.expand(lhs - rhs)))
    if difference == 0:
        return sp.true
    if difference.is_number:
        return sp.false if difference.is_nonzero else sp.Eq(difference, 0)
    kept = [f for f in sp.Mul.make_args(difference) if not f.is_nonzero]
    if not kept:
        return sp.false
    remainder = sp.Mul(*kept)
    free = sorted(remainder.free_symbols, key=lambda s: s.name)
    if len(free) >= 1:
        solutions = sp.solve(remainder, free[0], dict=False)
        if solutions and all(not getattr(s, "free_symbols", {z}) & {z} for s in solutions):
            return sp.Or(*[sp.Eq(free[0], s) for s in solutions])
    return sp.Eq(remainder, 0)


def holds(condition: sp.Boolean, values: dict[sp.Symbol, sp.Expr]) -> bool:
    """Evaluate a parameter condition at concrete parameter values, exactly."""
    result = condition.subs(values)
    if result in (sp.true, sp.false):
        return bool(result)
    # an equation between exact constants SymPy did not decide: decide it numerically at
    # high precision (the constants here are explicit closed forms, never near a tie)
    if isinstance(result, sp.Eq):
        return abs(sp.N(result.lhs - result.rhs, 50)) < sp.Float("1e-40")
    return bool(result)


# ---------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Breakpoint:
    at: sp.Expr
    left_value: sp.Expr
    right_value: sp.Expr
    left_derivative: sp.Expr
    right_derivative: sp.Expr
    continuous_condition: sp.Boolean
    differentiable_condition: sp.Boolean
    # at the bound parameter values:
    at_value: sp.Expr
    continuous: bool
    differentiable: bool
    subgradient: tuple[sp.Expr, sp.Expr]  # in the parameters
    subgradient_at_values: tuple[sp.Expr, sp.Expr]
    smoothness: int  # largest k with f^(j)(b-) == f^(j)(b+) for j <= k (-1: jump in f)

    def to_dict(self) -> dict:
        return {
            "at": str(self.at),
            "at_value": str(self.at_value),
            "left_value": str(self.left_value),
            "right_value": str(self.right_value),
            "left_derivative": str(self.left_derivative),
            "right_derivative": str(self.right_derivative),
            "continuous": self.continuous,
            "differentiable": self.differentiable,
            "continuous_condition": str(self.continuous_condition),
            "differentiable_condition": str(self.differentiable_condition),
            "subgradient": [str(v) for v in self.subgradient_at_values],
            "subgradient_symbolic": [str(v) for v in self.subgradient],
            "smoothness": f"C^{self.smoothness}" if self.smoothness >= 0 else "discontinuous",
        }


@dataclass(frozen=True)
class ZeroGradientSet:
    """{z : f'(z) = 0} away from breakpoints, at the bound parameters.

    `intervals` are open intervals where f' vanishes identically; `points` are isolated
    zeros, exact where SymPy solved for them and 30-digit floats (`numeric`) otherwise.
    """

    intervals: tuple[tuple[sp.Expr, sp.Expr], ...]
    points: tuple[sp.Expr, ...]
    numeric: bool

    @property
    def as_set(self) -> sp.Set:
        parts = [sp.Interval.open(lo, hi) for lo, hi in self.intervals]
        if self.points:
            parts.append(sp.FiniteSet(*self.points))
        return sp.Union(*parts) if parts else sp.S.EmptySet

    @property
    def positive_measure(self) -> bool:
        return bool(self.intervals)

    def to_dict(self) -> dict:
        return {
            "set": str(self.as_set),
            "latex": sp.latex(self.as_set),
            "intervals": [[str(lo), str(hi)] for lo, hi in self.intervals],
            "points": [str(sp.N(p, 20)) for p in self.points],
            "positive_measure": self.positive_measure,
            "numeric": self.numeric,
        }


DIES = "dies"  # f' = 0 on a set of positive measure: a unit can die exactly
SATURATES = "saturates"  # f' -> 0 only at an infinity: gradients vanish, never exactly
NEITHER = "neither"


@dataclass(frozen=True)
class Derivation:
    activation: Activation
    values: dict  # parameter symbol -> exact value
    derivative: sp.Expr
    second_derivative: sp.Expr
    piece_derivatives: tuple[sp.Expr, ...]
    param_derivatives: dict  # learnable parameter name -> df/dparam
    breakpoints: tuple[Breakpoint, ...]
    limits: dict  # "f(-oo)", "f(+oo)", "f'(-oo)", "f'(+oo)" -> expr (bound)
    zero_gradient_set: ZeroGradientSet
    death: str
    range: sp.Set
    monotonicity: str
    smoothness: int | None  # None: C^infinity (analytic pieces, no breakpoints)

    @property
    def can_die(self) -> bool:
        return self.death == DIES

    @property
    def name(self) -> str:
        return self.activation.name

    def to_dict(self) -> dict:
        a = self.activation
        return {
            "name": a.name,
            "title": a.title,
            "params": {s.name: str(v) for s, v in self.values.items()},
            "params_float": {s.name: float(v) for s, v in self.values.items()},
            "expr": {"sympy": str(a.expr), "latex": sp.latex(a.expr)},
            "derivative": {"sympy": str(self.derivative), "latex": sp.latex(self.derivative)},
            "second_derivative": {
                "sympy": str(self.second_derivative),
                "latex": sp.latex(self.second_derivative),
            },
            "param_derivatives": {
                k: {"sympy": str(v), "latex": sp.latex(v)}
                for k, v in self.param_derivatives.items()
            },
            "breakpoints": [b.to_dict() for b in self.breakpoints],
            "limits": {k: str(v) for k, v in self.limits.items()},
            "zero_gradient_set": self.zero_gradient_set.to_dict(),
            "can_die": self.can_die,
            "death": self.death,
            "range": str(self.range),
            "monotonicity": self.monotonicity,
            "smoothness": "C^inf" if self.smoothness is None else f"C^{self.smoothness}",
            "citation": a.citation,
        }


# ---------------------------------------------------------------------------------------
# The derivation


def _tidy(expr: sp.Expr) -> sp.Expr:
    """A targeted simplification: rational pieces (softsign, hardswish) over one common
    denominator and factored; anything else as differentiated (simplify is slow)."""
    if expr.is_rational_function(z) and not expr.is_polynomial(z):
        return sp.factor(sp.cancel(expr))
    return expr


def _limit_form(expr: sp.Expr) -> sp.Expr:
    """The same function in a form SymPy's Gruntz algorithm handles faster, by the identity
    tanh(u) = 1 - 2/(exp(2u) + 1) (GELU-tanh's four limits: 3.5 s -> 1 s). Derivatives for
    limits are taken of this form: rewriting a derivative instead can make Gruntz hang."""
    return expr.replace(sp.tanh, lambda u: 1 - 2 / (sp.exp(2 * u) + 1))


def _limit(expr: sp.Expr, at: sp.Expr, values: dict) -> sp.Expr:
    """Limit of a piece at +-oo, in the parameters when their assumptions decide it
    (ELU: -alpha), else at the bound values (leaky ReLU's slope may be 0)."""
    result = sp.limit(expr, z, at)
    if result.has(sp.sign, sp.Limit, sp.AccumBounds) or result is sp.nan:
        result = sp.limit(expr.subs(values), z, at)
    return result


def _branch_at(expr: sp.Expr, point: sp.Expr) -> sp.Expr:
    value = expr.subs(z, point)
    if value.has(sp.nan, sp.zoo):
        value = sp.limit(expr, z, point)
    return sp.simplify(value) if value.free_symbols else value


def _breakpoint(a: Activation, index: int, derivs: list[list[sp.Expr]], values: dict) -> Breakpoint:
    b = a.pieces[index].hi
    left = [_branch_at(d[index], b) for d in derivs]
    right = [_branch_at(d[index + 1], b) for d in derivs]
    cont = equality_condition(left[0], right[0])
    diff = equality_condition(left[1], right[1])
    bl = [sp.nsimplify(v.subs(values)) if v.free_symbols else v.subs(values) for v in left]
    br = [sp.nsimplify(v.subs(values)) if v.free_symbols else v.subs(values) for v in right]
    smoothness = -1
    for order in range(MAX_ORDER + 1):
        if not holds(equality_condition(left[order], right[order]), values):
            break
        smoothness = order
    lo_d, hi_d = left[1], right[1]
    if sp.N(bl[1] - br[1], 30) > 0:
        lo_d, hi_d = hi_d, lo_d
    return Breakpoint(
        at=b,
        left_value=left[0],
        right_value=right[0],
        left_derivative=left[1],
        right_derivative=right[1],
        continuous_condition=cont,
        differentiable_condition=diff,
        at_value=b.subs(values),
        continuous=holds(cont, values),
        differentiable=holds(diff, values),
        subgradient=(lo_d, hi_d),
        subgradient_at_values=(lo_d.subs(values), hi_d.subs(values)),
        smoothness=smoothness,
    )


def _isolated_zeros(d: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> tuple[list[sp.Expr], bool]:
    """Zeros of a piece's derivative (bound parameters) strictly inside (lo, hi).

    Polynomial pieces are solved exactly. Otherwise sign changes on GRID are refined with
    mpmath (numeric=True)."""
    if not d.has(z):
        return [], False
    if d.is_polynomial(z):
        roots = [r for r in sp.Poly(d, z).real_roots() if (lo < r) == sp.true and (r < hi)]
        return sorted(set(roots), key=lambda r: float(r)), False
    f_np = sp.lambdify(z, d, ["scipy", "numpy"])
    lo_f = float(lo) if lo.is_finite else -math.inf
    hi_f = float(hi) if hi.is_finite else math.inf
    grid = GRID[(GRID > lo_f) & (GRID < hi_f)]
    with np.errstate(all="ignore"):
        values = np.asarray(f_np(grid), dtype=float) * np.ones_like(grid)
    sign = np.sign(values)
    change = np.nonzero((sign[:-1] * sign[1:]) < 0)[0]
    f_mp = sp.lambdify(z, d, "mpmath")
    roots = []
    with mpmath.workdps(ROOT_DIGITS + 10):
        for i in change:
            root = mpmath.findroot(f_mp, (grid[i], grid[i + 1]), solver="anderson")
            roots.append(sp.Float(mpmath.nstr(root, ROOT_DIGITS), ROOT_DIGITS))
    return roots, True


def _sign_at(d: sp.Expr, point: sp.Expr) -> int:
    value = sp.N(d.subs(z, point), 30)
    if value == 0:
        return 0
    return 1 if value > 0 else -1


def _test_points(lo: sp.Expr, hi: sp.Expr, cuts: list[sp.Expr]) -> list[sp.Expr]:
    """One point inside each sub-interval of (lo, hi) cut at `cuts`."""
    ends = [lo, *cuts, hi]
    points = []
    for a, b in zip(ends[:-1], ends[1:], strict=True):
        if a == -sp.oo and b == sp.oo:
            points.append(sp.S.Zero)
        elif a == -sp.oo:
            points.append(sp.nsimplify(b) - 1)
        elif b == sp.oo:
            points.append(sp.nsimplify(a) + 1)
        else:
            points.append((sp.nsimplify(a) + sp.nsimplify(b)) / 2)
    return points


def _range(finite: list, limits: list, values: dict) -> sp.Set:
    """Range of a continuous f on R: an interval between the least and greatest of its
    limits at +-oo and its values at breakpoints and critical points (`finite`); an end is
    closed when a finite point attains it. Candidates are symbolic, ordered at `values`."""
    candidates = finite + limits
    key = [sp.N(v.subs(values), 30) for v in candidates]
    finite_keys = key[: len(finite)]
    lo = min(range(len(candidates)), key=lambda i: key[i])
    hi = max(range(len(candidates)), key=lambda i: key[i])

    def attained(i):
        return key[i].is_finite and any(sp.N(key[i] - f, 25) == 0 for f in finite_keys)

    return sp.Interval(candidates[lo], candidates[hi], not attained(lo), not attained(hi))


def _critical_value(pieces, breaks, point):
    """f at a critical point: exact at an exact point, 30 digits at a numeric one."""
    if point.is_Float:
        return sp.N(_eval_piecewise(pieces, breaks, point, simplify=False), ROOT_DIGITS)
    return _eval_piecewise(pieces, breaks, point)


def _eval_piecewise(pieces, breaks, point, simplify=True):
    tidy = sp.simplify if simplify else (lambda e: e)
    for expr, b in zip(pieces, [*breaks, sp.oo], strict=True):
        if sp.N(point - b, 30) <= 0:
            return tidy(expr.subs(z, point))
    return tidy(pieces[-1].subs(z, point))


def _derive(a: Activation, values: dict) -> Derivation:
    pieces = [p.expr for p in a.pieces]
    derivs = [pieces]
    for _ in range(MAX_ORDER):
        derivs.append([_tidy(sp.diff(e, z)) for e in derivs[-1]])
    first = derivs[1]
    derivative = sp.piecewise_fold(
        _piecewise_like(a, [sp.simplify(d) if d.has(sp.Piecewise) else d for d in first])
    )
    second = _piecewise_like(a, derivs[2])
    param_derivatives = {
        p.name: _piecewise_like(a, [sp.diff(e, p.symbol) for e in pieces])
        for p in a.params
        if p.learnable
    }
    breakpoints = tuple(_breakpoint(a, i, derivs, values) for i in range(len(a.pieces) - 1))

    outer = [_limit_form(pieces[0]), _limit_form(pieces[-1])]
    limits = {
        "f(-oo)": _limit(outer[0], -sp.oo, values),
        "f(+oo)": _limit(outer[1], sp.oo, values),
        "f'(-oo)": _limit(sp.diff(outer[0], z), -sp.oo, values),
        "f'(+oo)": _limit(sp.diff(outer[1], z), sp.oo, values),
    }

    bound_pieces = [e.subs(values) for e in pieces]
    bound_first = [d.subs(values) for d in first]
    bound_breaks = [b.at_value for b in breakpoints]
    ends = [-sp.oo, *bound_breaks, sp.oo]
    intervals, points, numeric, const_values, signs = [], [], False, [], []
    for d, lo, hi, piece in zip(bound_first, ends[:-1], ends[1:], pieces, strict=True):
        if d == 0 or (not d.has(z) and d.is_zero):
            intervals.append((lo, hi))
            const_values.append(piece)
            signs.append(0)
            continue
        roots, was_numeric = _isolated_zeros(d, lo, hi)
        numeric |= was_numeric
        points.extend(roots)
        signs.extend(_sign_at(d, t) for t in _test_points(lo, hi, roots))
    zero_set = ZeroGradientSet(tuple(intervals), tuple(points), numeric)

    if zero_set.positive_measure:
        death = DIES
    elif limits["f'(-oo)"].subs(values) == 0 or limits["f'(+oo)"].subs(values) == 0:
        death = SATURATES
    else:
        death = NEITHER

    if all(s > 0 for s in signs):
        monotonicity = "strictly increasing"
    elif all(s >= 0 for s in signs):
        monotonicity = "non-decreasing"
    elif all(s < 0 for s in signs):
        monotonicity = "strictly decreasing"
    elif all(s <= 0 for s in signs):
        monotonicity = "non-increasing"
    else:
        monotonicity = "not monotone"

    smoothness = min((b.smoothness for b in breakpoints), default=None)
    return Derivation(
        activation=a,
        values=values,
        derivative=derivative,
        second_derivative=second,
        piece_derivatives=tuple(first),
        param_derivatives=param_derivatives,
        breakpoints=breakpoints,
        limits=limits,
        zero_gradient_set=zero_set,
        death=death,
        range=_range(
            const_values
            + [b.left_value for b in breakpoints]
            + [_critical_value(bound_pieces, bound_breaks, c) for c in points],
            [limits["f(-oo)"], limits["f(+oo)"]],
            values,
        ),
        monotonicity=monotonicity,
        smoothness=smoothness,
    )


def _piecewise_like(a: Activation, exprs: list[sp.Expr]) -> sp.Expr:
    return piecewise(exprs, a.breakpoints, a.point_goes_left)


_CACHE: dict[tuple, Derivation] = {}


def derive(name: str, overrides: dict[str, object] | None = None) -> Derivation:
    """The full calculus of one activation at its defaults, or with `overrides`.

    A derivation is pure in (activation, parameter values, this code, SymPy's version), so
    it is computed once per process and kept on disk between processes (see
    `derivations.cache`): SymPy's limits at infinity take seconds for GELU-tanh."""
    a = get(name)
    values = a.bind(overrides)
    key = (a.name, _key(values))
    if key not in _CACHE:
        stored = cache.load("derive", key)
        if stored is None:
            derivation = _derive(a, values)
            cache.store("derive", key, {f: getattr(derivation, f) for f in _STORED_FIELDS})
        else:
            derivation = Derivation(activation=a, **stored)
        _CACHE[key] = derivation
    return _CACHE[key]


def is_cached(name: str, overrides: dict[str, object] | None = None) -> bool:
    """Whether `derive(name, overrides)` would be read from the disk cache."""
    a = get(name)
    key = (a.name, _key(a.bind(overrides)))
    return key in _CACHE or cache.load("derive", key) is not None


_STORED_FIELDS = [f.name for f in fields(Derivation) if f.name != "activation"]
