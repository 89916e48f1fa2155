"""The calculus done on a catalogue entry, all of it derived by SymPy from the definition.

For one activation (and one binding of its parameters) `derive()` returns a frozen
`Derivation`: first and second derivatives (and derivatives with respect to learnable
parameters), the analysis of every breakpoint (one-sided limits of f, f', f''; continuity
and differentiability as conditions on the parameters; the Clarke subgradient interval
[min, max] of the one-sided derivatives at a kink), limits of f and f' at +-inf, the
zero-gradient set, the death classification (and the condition on the parameters under
which the unit can die), the range and monotonicity. Limits and the range are given at
the bound parameter values, with their symbolic forms beside them.

Exact where the claim is exact. Zeros of f' on each piece are found by one method for
every parameter value (`_ZeroFinder`): a polynomial or rational piece is solved exactly; a
piece whose f' SymPy proves positive is done; otherwise the zeros of g = f' (stripped of
factors SymPy proves positive) are found from the zeros of g', recursively: between two
consecutive zeros of g', g is strictly monotone, so it has a zero there iff its values at
the two ends have opposite signs; toward an infinite end a galloping search over
z = anchor +- 2^k finds a sign change, and SymPy's limit settles the rest. Every sign is
decided by ball arithmetic (python-flint's arb: never underflows, so f' = -1e-152 is
negative, not 0) and every zero is enclosed by `numeric.intervals.locate_root`, the one
root-isolation routine of the house. Such zeros are labelled `rigorous`; exact ones
`exact`. Should the recursion not close (it does for every catalogue entry), the zeros
come from a sign scan at 50 digits and are labelled `numeric`, never stated as fact.

The one upward edge. `derivations` otherwise imports neither `numeric` nor `proofs`
(DESIGN.md); the zero finder needs `numeric.intervals` (locate_root, ball, sign) and
`numeric.oracle` (arb_function). Rather than keep a second root finder here, it imports
them lazily, inside `_ZeroFinder`: `import derivations` never loads `numeric` or flint,
and there is no import cycle, because `numeric.intervals` imports nothing from the house
and `numeric.oracle` imports only `derivations.catalogue`, which imports nothing of this
module.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from fractions import Fraction

import sympy as sp

from derivations import cache
from derivations.catalogue import Activation, get, latex_names, piecewise, z
from derivations.errors import ReluproofError

MAX_ORDER = 3  # derivatives compared at breakpoints to find the smoothness class C^k
ROOT_DIGITS = 30  # significant digits to which isolated zeros of f' are enclosed
MAX_DEPTH = 6  # derivatives of f' the zero finder may take before it gives up
GALLOP = 16384  # the search toward an infinity probes anchor +- 2^k, |k| <= GALLOP (> 1e4000)
PRECISIONS = (128, 512, 2048)  # bits tried, in turn, to decide a sign with arb

EXACT, RIGOROUS, NUMERIC = "exact", "rigorous", "numeric"


def _key(values: dict[sp.Symbol, sp.Expr]) -> tuple:
    return tuple(sorted((s.name, sp.srepr(v)) for s, v in values.items()))


def _latex(expr) -> str:
    return sp.latex(expr, symbol_names=latex_names())


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


def _smoothness_text(k: int | None) -> str:
    if k is None:
        return "C^inf"
    return f"C^{k}" if k >= 0 else "discontinuous"


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
    subgradient: tuple[sp.Expr, sp.Expr]  # (min, max) of the one-sided f', in the parameters
    subgradient_at_values: tuple[sp.Expr, sp.Expr]
    # largest k with f^(j)(b-) == f^(j)(b+) for j <= k (-1: jump in f); None: C^inf, the
    # two pieces are one analytic function at these values (a slope of exactly 1)
    smoothness: int | None
    # f(b-), f(b+), f'(b-), f'(b+) at the bound parameter values
    one_sided_at_values: tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr] = ()

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
            "at_values": dict(
                zip(
                    ("left_value", "right_value", "left_derivative", "right_derivative"),
                    (str(v) for v in self.one_sided_at_values),
                    strict=True,
                )
            ),
            "subgradient": [str(v) for v in self.subgradient_at_values],
            "subgradient_symbolic": [str(v) for v in self.subgradient],
            "smoothness": _smoothness_text(self.smoothness),
        }


@dataclass(frozen=True)
class ZeroGradientSet:
    """{z : f'(z) = 0} away from breakpoints, at the bound parameters.

    `intervals` are open intervals where f' vanishes identically; `points` are isolated
    zeros: exact, or the midpoints of rigorous enclosures `enclosures` (lo, hi) to 30
    digits. `method` says which: EXACT, RIGOROUS (arb enclosures) or NUMERIC (a float
    scan, stated as such)."""

    intervals: tuple[tuple[sp.Expr, sp.Expr], ...]
    points: tuple[sp.Expr, ...]
    method: str
    enclosures: tuple[tuple[Fraction, Fraction] | None, ...] = ()

    @property
    def numeric(self) -> bool:
        """Whether any isolated zero is not exact (enclosed or merely numeric)."""
        return self.method != EXACT

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
            "latex": _latex(self.as_set),
            "intervals": [[str(lo), str(hi)] for lo, hi in self.intervals],
            "points": [str(sp.N(p, 20)) for p in self.points],
            "enclosures": [
                None if e is None else [str(sp.Rational(e[0])), str(sp.Rational(e[1]))]
                for e in self.enclosures
            ],
            "positive_measure": self.positive_measure,
            "method": self.method,
            "numeric": self.method == NUMERIC,
        }


DIES = "dies"  # f' = 0 on a set of positive measure: a unit can die exactly
SATURATES = "saturates"  # f' -> 0 only at an infinity: gradients vanish, never exactly
NEITHER = "neither"


def _float_or_none(value: sp.Expr) -> float | None:
    """A parameter as a float for convenience; None when it over- or underflows one."""
    number = float(sp.N(value, 20))
    if number in (float("inf"), float("-inf")) or (number == 0 and value != 0):
        return None
    return number


@dataclass(frozen=True)
class Derivation:
    activation: Activation
    values: dict  # parameter symbol -> exact value
    derivative: sp.Expr
    second_derivative: sp.Expr
    piece_derivatives: tuple[sp.Expr, ...]
    param_derivatives: dict  # learnable parameter name -> df/dparam
    breakpoints: tuple[Breakpoint, ...]
    limits: dict  # "f(-oo)", "f(+oo)", "f'(-oo)", "f'(+oo)" -> value at the bound parameters
    limits_symbolic: dict  # the same in the parameters (where SymPy's limit gives them)
    zero_gradient_set: ZeroGradientSet
    death: str
    dies_condition: sp.Boolean  # in the parameters: f' vanishes identically on a piece
    range: sp.Set  # at the bound parameters
    range_symbolic: sp.Set
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
        names = {p.symbol: p.name for p in a.params}
        return {
            "name": a.name,
            "title": a.title,
            "params": {names[s]: str(v) for s, v in self.values.items()},
            "params_float": {names[s]: _float_or_none(v) for s, v in self.values.items()},
            "expr": {"sympy": str(a.expr), "latex": _latex(a.expr)},
            "derivative": {"sympy": str(self.derivative), "latex": _latex(self.derivative)},
            "second_derivative": {
                "sympy": str(self.second_derivative),
                "latex": _latex(self.second_derivative),
            },
            "param_derivatives": {
                k: {"sympy": str(v), "latex": _latex(v)} for k, v in self.param_derivatives.items()
            },
            "breakpoints": [b.to_dict() for b in self.breakpoints],
            "limits": {k: str(v) for k, v in self.limits.items()},
            "limits_symbolic": {k: str(v) for k, v in self.limits_symbolic.items()},
            "zero_gradient_set": self.zero_gradient_set.to_dict(),
            "can_die": self.can_die,
            "death": self.death,
            "dies_condition": str(self.dies_condition),
            "range": str(self.range),
            "range_symbolic": str(self.range_symbolic),
            "monotonicity": self.monotonicity,
            "smoothness": _smoothness_text(self.smoothness),
            "citation": a.citation,
            "note": a.note,
        }


# ---------------------------------------------------------------------------------------
# Zeros of f' on a piece, for bound parameters


class _Undecided(Exception):
    """The rigorous zero finder could not close its argument (the caller falls back)."""


@dataclass(frozen=True)
class _Point:
    """A point known exactly (`exact`) or enclosed in [lo, hi] (rationals, lo <= hi)."""

    lo: Fraction
    hi: Fraction
    exact: sp.Expr | None = None

    @property
    def value(self) -> sp.Expr:
        """The exact point, or the enclosure's midpoint to ROOT_DIGITS digits."""
        if self.exact is not None:
            return self.exact
        return sp.Float(sp.Rational((self.lo + self.hi) / 2), ROOT_DIGITS)


def _positive_free(expr: sp.Expr) -> sp.Expr:
    """expr without the Mul factors SymPy proves positive."""
    return sp.Mul(*[f for f in sp.Mul.make_args(expr) if f.is_positive is not True])


def _essential(expr: sp.Expr) -> sp.Expr:
    """expr over one denominator, without the factors SymPy proves positive: the same sign
    and the same zeros (exp(z/100) in SiLU's f', exp(-z^2/2) in GELU's f'')."""
    expr = sp.factor_terms(sp.together(expr))
    numerator, denominator = sp.fraction(expr)
    if denominator.is_positive is not True:
        return expr
    # multiplied out, so that (exp(z) + 1)**2 - 1 shows its positive terms
    numerator = sp.expand(numerator, power_exp=False, power_base=False, log=False)
    return _positive_free(sp.factor_terms(_common_exponential_out(numerator)))


def _common_exponential_out(expr: sp.Expr) -> sp.Expr:
    """exp(u), exp(2u), ... written as powers of one t = exp(u) > 0 so that the common
    power is factored out and dropped (GELU-tanh: exp(2u) + exp(u)(...) -> exp(u) + ...)."""
    exps = sorted((e for e in expr.atoms(sp.exp) if e.has(z)), key=sp.default_sort_key)
    if len(exps) < 2:
        return expr
    ratios = {e: sp.cancel(e.args[0] / exps[0].args[0]) for e in exps}
    if not all(r.is_Rational for r in ratios.values()):
        return expr
    unit = min(abs(r) for r in ratios.values())  # t = exp(u) with u the smallest multiple
    base = exps[0].args[0] * unit
    ratios = {e: r / unit for e, r in ratios.items()}
    t = sp.Dummy("t", positive=True)
    in_t = sp.expand(expr.xreplace({e: t**r for e, r in ratios.items()}))
    reduced = _positive_free(sp.factor_terms(in_t))
    return reduced.xreplace({t: sp.exp(base)})


def _linear_reduced(expr: sp.Expr) -> sp.Expr | None:
    """a/b + z (times the sign of b) for expr = a + b*z, a and b free of a bare z and b of
    known sign: the same sign and zeros, and its derivative loses the z (Mish)."""
    parts = sp.collect(sp.expand_mul(expr), z, evaluate=False)
    if set(parts) != {z, sp.S.One}:
        return None
    a, b = parts[sp.S.One], parts[z]
    if b.is_positive:
        return a / b + z
    if b.is_negative:
        return -(a / b + z)
    return None


def _forms(expr: sp.Expr):
    """Expressions with the sign and zeros of expr, for the zero finder to choose from,
    cheapest first (generated lazily: the first good one ends the search)."""
    expr = _limit_form(expr)  # tanh(u) = 1 - 2/(exp(2u) + 1): exp-polynomials differentiate
    seen: list[sp.Expr] = []
    essential = _essential(expr)
    raw = _positive_free(sp.factor_terms(expr))
    for make in (
        lambda: essential,
        lambda: raw,
        lambda: _linear_reduced(essential),
        lambda: _linear_reduced(raw),
    ):
        form = make()
        if form is not None and form not in seen:
            seen.append(form)
            yield form


def _decided(expr: sp.Expr) -> bool:
    """Whether the zeros of expr need no further derivative."""
    return (
        not expr.has(z)
        or expr.is_positive is True
        or expr.is_negative is True
        or expr.is_rational_function(z)
    )


def _best_form(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(g, essential g') for a form g of expr whose derivative needs no further step, else
    the one whose derivative is simplest: GELU wants f' as it is, SiLU over one
    denominator, Mish a/b + z."""
    scored = []
    for g in _forms(expr):
        dg = _essential(sp.diff(g, z))
        if _decided(dg):
            return g, dg
        scored.append((sp.count_ops(dg), g, dg))
    scored.sort(key=lambda t: t[0])
    return scored[0][1], scored[0][2]


class _ZeroFinder:
    """Zeros of a bound piece's f' strictly inside (lo, hi); see the module docstring.

    `method` ends as EXACT when every step was exact, else RIGOROUS."""

    def __init__(self):
        from flint import arb, ctx

        from numeric import intervals, oracle

        self.arb, self.ctx, self.iv, self.oracle = arb, ctx, intervals, oracle
        self.method = EXACT

    # -- points and signs --
    def point(self, exact: sp.Expr) -> _Point:
        exact = sp.nsimplify(exact) if exact.is_Float else exact
        if exact.is_Rational:
            q = Fraction(int(exact.p), int(exact.q))
            return _Point(q, q, exact)
        with self.ctx.workprec(PRECISIONS[0]):
            lo, hi = self.iv.ends(self.oracle.arb_constant(exact))
        return _Point(lo, hi, exact)

    def sign(self, fn, lo: Fraction, hi: Fraction | None = None) -> int:
        """The sign of fn on [lo, hi] by arb; 0 when no precision tried decides it."""
        for prec in PRECISIONS:
            with self.ctx.workprec(prec):
                try:
                    s = self.iv.sign(fn(self.iv.ball(lo, hi)))
                except (ValueError, ZeroDivisionError):
                    s = 0
            if s:
                return s
        return 0

    def sign_at(self, g: sp.Expr, fn, p: _Point) -> int:
        """The sign of g at p; 0 only when g(p) = 0 exactly."""
        s = self.sign(fn, p.lo, p.hi)
        if s:
            return s
        if p.exact is not None and sp.simplify(g.subs(z, p.exact)) == 0:
            return 0
        raise _Undecided(f"the sign of {g} at {p.value} is not decided")

    # -- the recursion --
    def zeros(self, g: sp.Expr, lo: sp.Expr, hi: sp.Expr, depth: int = 0) -> list[_Point]:
        """Zeros of g strictly inside (lo, hi), in increasing order (g essential)."""
        if not g.has(z):
            return []  # a nonzero constant (an identically zero g is the caller's case)
        if g.is_positive or g.is_negative:
            return []
        if g.is_rational_function(z):
            return self._rational_zeros(g, lo, hi)
        if depth >= MAX_DEPTH:
            raise _Undecided(f"no decision after {MAX_DEPTH} derivatives")
        g, dg = _best_form(g)
        if dg == 0:
            return []
        critical = self.zeros(dg, lo, hi, depth + 1)
        self.method = RIGOROUS
        fn, dfn = self.oracle.arb_function(g), self.oracle.arb_function(dg)
        inner = list(critical)
        if not inner and lo == -sp.oo and hi == sp.oo:
            inner = [self.point(sp.S.Zero)]  # an anchor: g is monotone on all of R
        roots: list[_Point] = []
        signs = []
        for p in inner:
            s = self.sign_at(g, fn, p)
            if s == 0:
                roots.append(p)  # g and g' vanish together: a zero of g at p
            signs.append(s)
        ends = [None if lo == -sp.oo else self.point(lo), *inner]
        ends.append(None if hi == sp.oo else self.point(hi))
        end_signs = [None if ends[0] is None else self.sign_at(g, fn, ends[0]), *signs]
        end_signs.append(None if ends[-1] is None else self.sign_at(g, fn, ends[-1]))
        for i in range(len(ends) - 1):
            p, q, sp_, sq = ends[i], ends[i + 1], end_signs[i], end_signs[i + 1]
            if p is not None and q is not None:
                if sp_ * sq < 0:
                    roots.append(self.locate(fn, p.hi, q.lo))
                continue
            anchor, s_anchor = (q, sq) if p is None else (p, sp_)
            direction = -1 if p is None else 1
            if s_anchor == 0:
                continue  # strictly monotone away from a zero: no other zero
            edge = anchor.lo if direction < 0 else anchor.hi
            slope = self.sign(dfn, edge + direction)
            if slope == 0:
                raise _Undecided(f"the sign of {dg} near {edge + direction} is not decided")
            if slope * direction * s_anchor > 0:
                continue  # |g| grows toward the infinity: no zero
            bracket = self.search(fn, edge, direction, s_anchor)
            if bracket is not None:
                roots.append(self.locate(fn, *bracket))
                continue
            limit = _asymptotic_limit(g, direction * sp.oo)
            if limit is None:
                limit = sp.limit(g, z, direction * sp.oo)
            if limit.is_extended_real and (limit == 0 or sp.sign(limit) == s_anchor):
                continue  # monotone toward a limit of the anchor's sign or 0: no zero
            raise _Undecided(f"{g} tends to {limit}, yet no sign change was found")
        return sorted(roots, key=lambda r: r.lo)

    def _rational_zeros(self, g: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> list[_Point]:
        numerator, _ = sp.fraction(sp.cancel(sp.together(g)))
        poly = sp.Poly(numerator, z)
        if poly.domain.is_QQ or poly.domain.is_ZZ:
            candidates = poly.real_roots()
        else:
            candidates = list(sp.solveset(numerator, z, sp.S.Reals))
        inside = {r for r in candidates if (lo < r) == sp.true and (r < hi) == sp.true}
        return sorted((self.point(r) for r in inside), key=lambda p: p.lo)

    def search(self, fn, anchor: Fraction, direction: int, s_anchor: int):
        """A bracket of a sign change of the monotone fn on the side `direction` of anchor
        (fn has sign s_anchor at anchor), or None when none was found up to 2^GALLOP."""

        def probe(k: int) -> tuple[Fraction, int]:
            x = anchor + direction * Fraction(2) ** k
            return x, self.sign(fn, x)

        def bracket(near: Fraction, far: Fraction) -> tuple[Fraction, Fraction]:
            return (min(near, far), max(near, far))

        x, s = probe(0)
        if s == -s_anchor:  # the change is within 1: find its octave going in
            near_k, far_k = -(GALLOP + 1), 0
            step = 1
            while step <= GALLOP:
                _, s = probe(-step)
                if s == s_anchor:
                    near_k = -step
                    break
                if s == -s_anchor:
                    far_k = -step
                step *= 2
        else:
            near_k, far_k, bad_k = 0, None, None
            k = 1
            while k <= GALLOP:
                _, s = probe(k)
                if s == -s_anchor:
                    far_k = k
                    break
                if s == 0:
                    bad_k = k
                    break
                near_k = k
                k *= 2
            if far_k is None and bad_k is not None:  # arb gave up out there: narrow down
                while bad_k - near_k > 1:
                    mid = (near_k + bad_k) // 2
                    _, s = probe(mid)
                    if s == -s_anchor:
                        far_k = mid
                        break
                    if s == s_anchor:
                        near_k = mid
                    else:
                        bad_k = mid
            if far_k is None:
                return None
        while far_k - near_k > 1 and near_k > -(GALLOP + 1):  # the octave of the change
            mid = (near_k + far_k) // 2
            _, s = probe(mid)
            if s == s_anchor:
                near_k = mid
            elif s == -s_anchor:
                far_k = mid
            else:
                break
        near = anchor if near_k <= -(GALLOP + 1) else probe(near_k)[0]
        return bracket(near, probe(far_k)[0])

    def locate(self, fn, lo: Fraction, hi: Fraction) -> _Point:
        last = None
        for prec in PRECISIONS:
            try:
                root = self.iv.locate_root(fn, lo, hi, digits=ROOT_DIGITS, prec=prec)
            except ArithmeticError as error:
                last = error
                continue
            return _Point(root.lo, root.hi)
        raise _Undecided(f"no enclosure of the zero in [{lo}, {hi}]: {last}")


def _numeric_zeros(d: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> list[_Point]:
    """The fallback when `_ZeroFinder` cannot close its argument: sign changes of d on a
    log-spaced scan (|z| from 1e-30 to 1e30) at 50 digits, refined by mpmath. NUMERIC."""
    import mpmath

    f = sp.lambdify(z, d, "mpmath")
    lo_f = -mpmath.inf if lo == -sp.oo else mpmath.mpf(sp.N(lo, 50))
    hi_f = mpmath.inf if hi == sp.oo else mpmath.mpf(sp.N(hi, 50))
    roots = []
    with mpmath.workdps(50):
        magnitudes = [mpmath.mpf(10) ** (e / 20) for e in range(-600, 601)]
        grid = sorted({-m for m in magnitudes} | {mpmath.mpf(0)} | set(magnitudes))
        grid = [x for x in grid if lo_f < x < hi_f]
        values = [f(x) for x in grid]
        for a, b, fa, fb in zip(grid, grid[1:], values, values[1:], strict=False):
            if fa * fb < 0:
                root = mpmath.findroot(f, (a, b), solver="anderson")
                q = Fraction(mpmath.nstr(root, ROOT_DIGITS + 5))
                roots.append(_Point(q, q))
    return roots


# ---------------------------------------------------------------------------------------
# Limits at +-oo from the pieces' asymptotic forms (Gruntz only when these do not decide)

# How a subexpression behaves as z -> +-oo: the limit, and for 0 and oo the kind of
# approach, polynomial or exponential (z**3 exp(-z) -> 0 exponentially; 1/z -> 0
# polynomially), with its sign (None: unknown). A product of an exponentially small
# factor and polynomially large ones tends to 0; 0*oo of any other kind is not decided.
_FIN, _ZERO, _INF = "finite", "zero", "infinite"
_POLY, _EXP, _UNKNOWN = "poly", "exp", "unknown"


@dataclass(frozen=True)
class _Asymptote:
    kind: str  # _FIN (a nonzero finite limit), _ZERO or _INF
    value: sp.Expr = sp.S.Zero  # the finite limit
    rate: str = _POLY  # for _ZERO and _INF
    sign: int | None = None  # for _ZERO and _INF


class _NoDecision(Exception):
    pass


def _sign_of(value: sp.Expr) -> int | None:
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    return None


def _finite(value: sp.Expr) -> _Asymptote:
    if value.is_zero:
        raise _NoDecision  # a cancellation: the rate of approach to 0 is unknown
    if value.is_zero is None or not value.is_finite:
        raise _NoDecision
    return _Asymptote(_FIN, value)


def _asymptote(expr: sp.Expr, at: int) -> _Asymptote:
    """The behaviour of expr as z -> at*oo (at = +-1); _NoDecision when the rules below do
    not decide it (the caller then asks Gruntz)."""
    if not expr.has(z):
        return _finite(expr) if not expr.is_zero else _Asymptote(_ZERO, rate=_EXP, sign=0)
    if expr == z:
        return _Asymptote(_INF, rate=_POLY, sign=at)
    if isinstance(expr, sp.Add):
        return _add([_asymptote(t, at) for t in expr.args])
    if isinstance(expr, sp.Mul):
        return _mul([_asymptote(f, at) for f in expr.args])
    if isinstance(expr, sp.Pow) and not expr.exp.has(z):
        return _pow(_asymptote(expr.base, at), expr.exp)
    if isinstance(expr, sp.exp):
        inner = _asymptote(expr.args[0], at)
        if inner.kind == _INF and inner.sign == 1:
            return _Asymptote(_INF, rate=_EXP, sign=1)
        if inner.kind == _INF and inner.sign == -1:
            return _Asymptote(_ZERO, rate=_EXP, sign=1)
        if inner.kind == _ZERO:
            return _Asymptote(_FIN, sp.S.One)
        if inner.kind == _FIN:
            return _finite(sp.exp(inner.value))
    if isinstance(expr, (sp.erf, sp.tanh)):
        inner = _asymptote(expr.args[0], at)
        if inner.kind == _INF and inner.sign:
            return _Asymptote(_FIN, sp.Integer(inner.sign))
        if inner.kind == _FIN:
            return _finite(expr.func(inner.value))
    if isinstance(expr, sp.erfc):
        inner = _asymptote(expr.args[0], at)
        if inner.kind == _INF and inner.sign == 1:
            return _Asymptote(_ZERO, rate=_EXP, sign=1)
        if inner.kind == _INF and inner.sign == -1:
            return _Asymptote(_FIN, sp.Integer(2))
        if inner.kind == _FIN:
            return _finite(sp.erfc(inner.value))
    if isinstance(expr, sp.log):
        rest = expr.args[0] - 1
        if isinstance(expr.args[0], sp.Add) and not (rest.is_Add and sp.S.One in rest.args):
            small = _asymptote(rest, at)
            if small.kind == _ZERO:  # log(1 + t) ~ t
                return small
        inner = _asymptote(expr.args[0], at)
        if inner.kind == _INF and inner.sign == 1:
            return _Asymptote(_INF, rate=_POLY, sign=1)  # slower than any power: still poly
        if inner.kind == _FIN and inner.value.is_positive:
            return _finite(sp.log(inner.value))
    raise _NoDecision


def _add(terms: list[_Asymptote]) -> _Asymptote:
    terms = [t for t in terms if not (t.kind == _ZERO and t.sign == 0)]  # exact zeros
    for rate in (_EXP, _POLY):
        big = [t for t in terms if t.kind == _INF and t.rate == rate]
        if big:
            signs = {t.sign for t in big}
            if len(signs) != 1 or None in signs:
                raise _NoDecision
            return _Asymptote(_INF, rate=rate, sign=signs.pop())
    if any(t.kind == _INF for t in terms):
        raise _NoDecision
    finite = [t.value for t in terms if t.kind == _FIN]
    if finite:
        return _finite(sp.Add(*finite))
    zeros = [t for t in terms if t.kind == _ZERO]
    if not zeros:
        return _Asymptote(_ZERO, rate=_EXP, sign=0)
    rate = _EXP if all(t.rate == _EXP for t in zeros) else _UNKNOWN
    signs = {t.sign for t in zeros}
    return _Asymptote(_ZERO, rate=rate, sign=signs.pop() if len(signs) == 1 else None)


def _mul(factors: list[_Asymptote]) -> _Asymptote:
    if any(f.kind == _ZERO and f.sign == 0 for f in factors):
        return _Asymptote(_ZERO, rate=_EXP, sign=0)
    zeros = [f for f in factors if f.kind == _ZERO]
    infs = [f for f in factors if f.kind == _INF]
    value = sp.Mul(*[f.value for f in factors if f.kind == _FIN])
    signs = [_sign_of(value), *(f.sign for f in zeros + infs)]
    sign = None if None in signs else int(sp.prod(signs))
    if zeros and infs:
        exp_zero = any(f.rate == _EXP for f in zeros)
        if not exp_zero or any(f.rate != _POLY for f in infs):
            raise _NoDecision  # 0 * oo unless an exponential beats polynomials
        return _Asymptote(_ZERO, rate=_EXP, sign=sign)
    if zeros:
        rate = _EXP if any(f.rate == _EXP for f in zeros) else _UNKNOWN
        return _Asymptote(_ZERO, rate=rate, sign=sign)
    if infs:
        if sign is None:
            raise _NoDecision
        rate = _EXP if any(f.rate == _EXP for f in infs) else _POLY
        return _Asymptote(_INF, rate=rate, sign=sign)
    return _finite(value)


def _pow(base: _Asymptote, exponent: sp.Expr) -> _Asymptote:
    if exponent.is_Integer and exponent > 0:
        return _mul([base] * int(exponent))
    if exponent.is_Integer and exponent < 0:
        inverse = _reciprocal(base)
        return _mul([inverse] * int(-exponent))
    if exponent.is_positive and base.kind == _INF and base.sign == 1:
        return base  # sqrt of a large positive quantity: still large, same rate class
    if base.kind == _FIN and base.value.is_positive:
        return _finite(base.value**exponent)
    raise _NoDecision


def _reciprocal(a: _Asymptote) -> _Asymptote:
    if a.kind == _FIN:
        return _finite(1 / a.value)
    if a.kind == _INF:
        return _Asymptote(_ZERO, rate=a.rate, sign=a.sign)
    if a.sign in (None, 0) or a.rate == _UNKNOWN:
        raise _NoDecision
    return _Asymptote(_INF, rate=a.rate, sign=a.sign)


def _asymptotic_limit(expr: sp.Expr, at: sp.Expr) -> sp.Expr | None:
    """lim expr at +-oo from the rules of `_asymptote`; None when they do not decide it.

    Forms tried, all equal to expr: as given; over one denominator N/D; with N multiplied
    out (1 - 1/(E + 1) -> E/(E + 1), whose 0 at -oo is exponential); N and D divided by a
    power of an exponential of D (E/(E + 1) -> 1/(1 + 1/E) at +oo); and with
    erf(u) = erfc(-u) - 1, so that GELU's 1 + erf(z/sqrt(2)) reads erfc(-z/sqrt(2))."""
    if not expr.has(z):
        return expr
    direction = 1 if at == sp.oo else -1
    for form in _limit_forms(expr):
        try:
            a = _asymptote(form, direction)
        except _NoDecision:
            continue
        if a.kind == _FIN:
            return a.value
        if a.kind == _ZERO:
            return sp.S.Zero
        if a.sign:
            return a.sign * sp.oo
    return None


def _limit_forms(expr: sp.Expr):
    yield expr
    # erfc(-u) unevaluated: SymPy would write it back as 2 - erfc(u)
    with_erfc = expr.replace(sp.erf, lambda u: sp.erfc(-u, evaluate=False) - 1)
    if with_erfc != expr:
        yield with_erfc
    for start in (expr, with_erfc):
        numerator, denominator = sp.fraction(sp.together(start))
        numerator = sp.expand(numerator, power_exp=False, power_base=False, log=False)
        yield start
        yield numerator / denominator
        denominator = sp.expand(denominator, power_exp=False, power_base=False, log=False)
        for e in sorted(denominator.atoms(sp.exp), key=sp.default_sort_key):
            for k in (1, 2):
                yield sp.powsimp(sp.expand(numerator / e**k)) / sp.powsimp(
                    sp.expand(denominator / e**k)
                )


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


def _polynomial_limit(expr: sp.Expr, at: sp.Expr) -> sp.Expr | None:
    """The limit of a polynomial at +-oo from its leading term, when the sign of the leading
    coefficient is known (no Gruntz: most pieces are linear); None otherwise."""
    poly = sp.Poly(expr, z)
    if poly.degree() <= 0:
        return expr
    lead = poly.LC()
    direction = 1 if at == sp.oo else (-1) ** poly.degree()
    if lead.is_positive:
        return direction * sp.oo
    if lead.is_negative:
        return -direction * sp.oo
    return None


def _rational_limit(numerator: sp.Poly, denominator: sp.Poly, at: sp.Expr) -> sp.Expr | None:
    """The limit of a ratio of polynomials (leading coefficients of known sign)."""
    ratio = numerator.LC() / denominator.LC()
    excess = numerator.degree() - denominator.degree()
    if excess < 0:
        return sp.S.Zero
    if excess == 0:
        return ratio
    sign = _sign_of(ratio * (1 if at == sp.oo else (-1) ** excess))
    return None if sign is None else sign * sp.oo


def _limit(expr: sp.Expr, at: sp.Expr, values: dict) -> tuple[sp.Expr, sp.Expr]:
    """(symbolic, at the values): the limit of a piece at +-oo, in the parameters when
    their assumptions decide it (ELU: -alpha), else at the bound values (leaky ReLU's slope
    may be 0, and then the limit is 0)."""
    for form in (expr, expr.subs(values)):
        if form.is_polynomial(z):
            result = _polynomial_limit(form, at)
        elif form.is_rational_function(z):
            numerator, denominator = sp.fraction(sp.cancel(form))
            result = _rational_limit(sp.Poly(numerator, z), sp.Poly(denominator, z), at)
        else:
            result = _asymptotic_limit(form, at)
            if result is None:
                result = sp.limit(form, z, at)
        if result is not None and not (
            result.has(sp.sign, sp.Limit, sp.AccumBounds) or result is sp.nan
        ):
            return result, result.subs(values)
    raise ReluproofError(f"SymPy found no limit of {expr} at {at} for these parameters.")


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
    smoothness: int | None = -1
    for order in range(MAX_ORDER + 1):
        if not holds(equality_condition(left[order], right[order]), values):
            break
        smoothness = order
    if smoothness == MAX_ORDER:
        # every order compared agrees: C^inf when the two pieces are one function here
        pieces = (derivs[0][index].subs(values), derivs[0][index + 1].subs(values))
        if sp.simplify(pieces[0] - pieces[1]) == 0:
            smoothness = None
    # the Clarke interval: between the one-sided derivatives, whichever is smaller
    subgradient = (sp.Min(left[1], right[1]), sp.Max(left[1], right[1]))
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
        subgradient=subgradient,
        subgradient_at_values=tuple(s.subs(values) for s in subgradient),
        smoothness=smoothness,
        one_sided_at_values=tuple(v.subs(values) for v in (left[0], right[0], left[1], right[1])),
    )


@dataclass
class _PieceAnalysis:
    """Zeros of f' inside one piece (bound parameters), and the sign of f' between them."""

    roots: list[_Point]
    signs: list[int]  # one per sub-interval cut at the roots
    method: str


def _analyse_piece(piece: sp.Expr, lo: sp.Expr, hi: sp.Expr, finder) -> _PieceAnalysis:
    """`piece` is f on (lo, hi), parameters bound. Its f' is taken of the exp form of tanh
    (`_limit_form`), whose derivatives stay exponential polynomials."""
    d = sp.diff(piece, z)
    g = _essential(d)
    if not g.has(z):
        return _PieceAnalysis([], [int(sp.sign(g))], EXACT)
    if g.is_positive or g.is_negative:
        return _PieceAnalysis([], [1 if g.is_positive else -1], EXACT)
    zf = finder()
    zf.method = EXACT
    try:
        roots = zf.zeros(sp.diff(_limit_form(piece), z), lo, hi)
        method = zf.method
    except _Undecided:
        roots, method = _numeric_zeros(d, lo, hi), NUMERIC
    # one test point strictly inside each sub-interval between consecutive roots
    cuts = [None if lo == -sp.oo else zf.point(lo), *roots, None if hi == sp.oo else zf.point(hi)]
    exact_g = g.is_rational_function(z)
    fn = None if exact_g else zf.oracle.arb_function(g)
    signs = []
    for p, q in zip(cuts[:-1], cuts[1:], strict=True):
        if p is None and q is None:
            t = Fraction(0)
        elif p is None:
            t = q.lo - 1
        elif q is None:
            t = p.hi + 1
        else:
            t = (p.hi + q.lo) / 2
        if exact_g:
            signs.append(int(sp.sign(g.subs(z, sp.Rational(t)))))
        else:
            signs.append(zf.sign(fn, t))
    return _PieceAnalysis(roots, signs, method)


def _critical_value(piece: sp.Expr, point: _Point, finder) -> sp.Expr:
    """f at a zero of f': exact at an exact point; at an enclosed one, the midpoint of the
    arb enclosure of f over the enclosure, to ROOT_DIGITS digits."""
    if point.exact is not None:
        return sp.simplify(piece.subs(z, point.exact))
    zf = finder()
    fn = zf.oracle.arb_function(piece)
    for prec in PRECISIONS:
        with zf.ctx.workprec(prec):
            value = fn(zf.iv.ball(point.lo, point.hi))
            if value.is_finite():
                lo, hi = zf.iv.ends(value)
                return sp.Float(sp.Rational((lo + hi) / 2), ROOT_DIGITS)
    raise ReluproofError(f"f at its critical point {point.value} could not be enclosed.")


def _range(finite: list, limits: list, symbolic: list) -> tuple[sp.Set, sp.Set]:
    """Range of a continuous f on R, at the values and in the parameters: an interval
    between the least and greatest of its limits at +-oo and its values at breakpoints and
    critical points (`finite`); an end is closed when a finite point attains it.
    `symbolic` holds the same candidates (finite then limits) in the parameters."""
    candidates = finite + limits
    key = [sp.N(v, 30) for v in candidates]
    finite_keys = key[: len(finite)]
    lo = min(range(len(candidates)), key=lambda i: key[i])
    hi = max(range(len(candidates)), key=lambda i: key[i])

    def attained(i):
        return key[i].is_finite and any(sp.N(key[i] - f, 25) == 0 for f in finite_keys)

    opens = (not attained(lo), not attained(hi))
    return (
        sp.Interval(candidates[lo], candidates[hi], *opens),
        sp.Interval(symbolic[lo], symbolic[hi], *opens),
    )


def _monotonicity(signs: list[int]) -> str:
    if all(s > 0 for s in signs):
        return "strictly increasing"
    if all(s >= 0 for s in signs):
        return "non-decreasing"
    if all(s < 0 for s in signs):
        return "strictly decreasing"
    if all(s <= 0 for s in signs):
        return "non-increasing"
    return "not monotone"


def _derive(a: Activation, values: dict) -> Derivation:
    pieces = [p.expr for p in a.pieces]
    derivs = [pieces]
    # orders above 2 only serve to compare the two sides of a breakpoint
    for _ in range(MAX_ORDER if len(pieces) > 1 else 2):
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
    both = {
        "f(-oo)": _limit(outer[0], -sp.oo, values),
        "f(+oo)": _limit(outer[1], sp.oo, values),
        "f'(-oo)": _limit(sp.diff(outer[0], z), -sp.oo, values),
        "f'(+oo)": _limit(sp.diff(outer[1], z), sp.oo, values),
    }
    limits = {k: v[1] for k, v in both.items()}
    limits_symbolic = {k: v[0] for k, v in both.items()}

    finder_instance: list[_ZeroFinder] = []

    def finder() -> _ZeroFinder:  # flint and numeric are loaded only when needed
        if not finder_instance:
            finder_instance.append(_ZeroFinder())
        return finder_instance[0]

    bound_pieces = [e.subs(values) for e in pieces]
    bound_first = [d.subs(values) for d in first]
    ends = [-sp.oo, *(b.at_value for b in breakpoints), sp.oo]
    intervals, points, enclosures, methods, signs = [], [], [], [EXACT], []
    const_values, const_symbolic, critical_values = [], [], []
    for d, lo, hi, piece, bound in zip(
        bound_first, ends[:-1], ends[1:], pieces, bound_pieces, strict=True
    ):
        if d == 0 or (not d.has(z) and d.is_zero):
            intervals.append((lo, hi))
            const_values.append(bound)
            const_symbolic.append(piece if not piece.has(z) else bound)
            signs.append(0)
            continue
        analysis = _analyse_piece(bound, lo, hi, finder)
        methods.append(analysis.method)
        signs.extend(analysis.signs)
        for root in analysis.roots:
            points.append(root.value)
            enclosures.append(None if root.exact is not None else (root.lo, root.hi))
            critical_values.append(_critical_value(bound, root, finder))
    method = NUMERIC if NUMERIC in methods else RIGOROUS if RIGOROUS in methods else EXACT
    zero_set = ZeroGradientSet(tuple(intervals), tuple(points), method, tuple(enclosures))

    if zero_set.positive_measure:
        death = DIES
    elif limits["f'(-oo)"] == 0 or limits["f'(+oo)"] == 0:
        death = SATURATES
    else:
        death = NEITHER
    dies_condition = sp.Or(*(equality_condition(d, 0) for d in first if not d.has(z)))

    breaks_bound = [b.left_value.subs(values) for b in breakpoints]
    value_range, symbolic_range = _range(
        const_values + breaks_bound + critical_values,
        [limits["f(-oo)"], limits["f(+oo)"]],
        const_symbolic
        + [b.left_value for b in breakpoints]
        + critical_values
        + [limits_symbolic["f(-oo)"], limits_symbolic["f(+oo)"]],
    )
    finite_smoothness = [b.smoothness for b in breakpoints if b.smoothness is not None]
    return Derivation(
        activation=a,
        values=values,
        derivative=derivative,
        second_derivative=second,
        piece_derivatives=tuple(first),
        param_derivatives=param_derivatives,
        breakpoints=breakpoints,
        limits=limits,
        limits_symbolic=limits_symbolic,
        zero_gradient_set=zero_set,
        death=death,
        dies_condition=dies_condition,
        range=value_range,
        range_symbolic=symbolic_range,
        monotonicity=_monotonicity(signs),
        smoothness=min(finite_smoothness, default=None),
    )


def _piecewise_like(a: Activation, exprs: list[sp.Expr]) -> sp.Expr:
    return piecewise(exprs, a.breakpoints, a.point_goes_left)


_CACHE: dict[tuple, Derivation] = {}
_BOUND: dict[tuple, dict] = {}  # (name, overrides as text) -> bound parameter values


def derive(name: str, overrides: dict[str, object] | None = None) -> Derivation:
    """The full calculus of one activation at its defaults, or with `overrides`.

    A derivation is pure in (activation, parameter values, this code, SymPy's version), so
    it is computed once per process and kept on disk between processes (see
    `derivations.cache`): SymPy's limits at infinity take seconds for GELU-tanh."""
    a = get(name)
    request = (a.name, tuple(sorted((k, str(v)) for k, v in (overrides or {}).items())))
    if request in _BOUND:  # binding (domains, constraints) costs more than a lookup
        values = _BOUND[request]
    else:
        values = _BOUND[request] = a.bind(overrides)
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
