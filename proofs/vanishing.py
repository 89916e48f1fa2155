"""Vanishing gradients: how much an activation's derivative can shrink a backpropagated
gradient, and where each activation's outputs are centred.

This module owns:

* the derivative bounds sigma'(z) <= 1/4 and tanh'(z) <= 1, each attained only at z = 0
  (`derivative_bound_verdict`, which takes the claimed bound so a wrong one can be tried):
  f' is written as a quadratic in f (checked exactly), and bound - f' completes to a square;
* the depth bound for a sigmoid network: ||dL/dh_0|| <= (1/4)^L prod ||W_l|| ||dL/dh_L||,
  from the one-layer step and induction, checked step by step in SymPy (the operator-norm
  step too: ||W^T||_2 = ||W||_2 in any dimension, `transpose_norm_lemmas`), with a measured
  illustration on a seeded random network (`measure_deep_sigmoid`, floats, labelled so);
* ReLU's derivative takes only the values 0 and 1 off the kink, from the catalogue;
* E[f(z)] for z ~ N(0, 1) for every catalogue entry at its default parameters
  (`gaussian_mean`, `gaussian_means`): an exact form where a symmetry f(-z) = c - f(z) gives
  one or SymPy integrates the pieces against the normal density, and always a rigorous ball
  (python-flint `acb.integral` on [-B, B], tails bounded in interval arithmetic), so that
  "zero-centred" claims become numbers.

Exact claims are proved by SymPy simplifying a difference to 0 or by sign facts from its
assumption system; numeric claims by ball arithmetic whose every result contains the true
value. Floats appear only in the labelled measurement. Heavy work happens inside
functions, never at import.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from flint import acb, arb, ctx

from derivations.calculus import derive
from derivations.catalogue import CATALOGUE, Activation, get, latex_names, z
from numeric.intervals import ball, enclose, ends
from proofs.smoothness import decide_zero
from proofs.theorem import Method, Verdict, proved, refuted, theorem, undecided

U = sp.Symbol("u", real=True)  # stands for the activation's value f(z)

# f' as a polynomial in f: the classical identities, each checked exactly against the
# catalogue's derivative before it is used.
DERIVATIVE_AS_POLYNOMIAL_IN_VALUE: dict[str, sp.Expr] = {
    "sigmoid": U * (1 - U),
    "tanh": 1 - U**2,
}

PREC = 96  # bits for the Gaussian-mean integrals
TAIL_CUT = 12  # [-B, B] integrated; beyond it the tails are bounded (phi(12) ~ 2e-32)
RADIUS_GOAL = Fraction(1, 10**20)


def _latex(expr: sp.Basic) -> str:
    return sp.latex(expr, symbol_names=latex_names())


# =======================================================================================
# Derivative bounds
# =======================================================================================


def derivative_bound_verdict(name: str, bound: Any) -> Verdict:
    """Decide "f'(z) <= bound for every real z, with equality only at z = 0".

    f' = p(f) with p a concave quadratic, checked exactly. Then bound - p(u) =
    a (u - u0)^2 + (bound - p(u0)) with a > 0, an identity in u, so sup f' = p(u0), attained
    exactly where f(z) = u0.
    """
    bound = sp.nsimplify(bound) if isinstance(bound, float) else sp.sympify(bound)
    a = get(name)
    f = a.pieces[0].expr
    derivation = derive(name)
    derivative = derivation.piece_derivatives[0]
    p = DERIVATIVE_AS_POLYNOMIAL_IN_VALUE[name]
    identity = sp.simplify(derivative - p.subs(U, f))
    poly = sp.Poly(p, U)
    lead = poly.LC()
    if identity != 0 or poly.degree() != 2 or not lead < 0:
        return undecided(
            f"f' = {p.subs(U, f)} was not shown, or it is not concave in f",
            residual=str(identity),
        )
    vertex = -poly.coeff_monomial(U) / (2 * lead)
    peak = p.subs(U, vertex)
    square = sp.expand(bound - p - (-lead) * (U - vertex) ** 2 - (bound - peak))
    where = sp.solveset(sp.Eq(f, vertex), z, sp.S.Reals)
    certificate = {
        "derivative": str(derivative),
        "derivative_as_polynomial_in_f": str(p),
        "identity_residual": "0",
        "completed_square": f"{bound} - ({p}) = {-lead}*(u - {vertex})**2 + ({bound - peak})",
        "completed_square_residual": str(square),
        "supremum": str(peak),
        "attained_where_f_equals": str(vertex),
        "attained_at": str(where),
        "range_of_f": str(derivation.range),
    }
    if square != 0 or where != sp.FiniteSet(0):
        return undecided("the completed square or the equality set was not shown", **certificate)
    gap = sp.simplify(bound - peak)
    if gap.is_negative:
        return refuted(
            f"at z = 0, {name}'(0) = {peak} > {bound}",
            counterexample={"z": "0", "derivative": str(peak), "bound": str(bound)},
            **certificate,
        )
    if gap.is_positive:
        return refuted(
            f"{name}'(z) <= {peak} < {bound} everywhere: the bound holds but is never attained, "
            "so equality at z = 0 fails",
            **certificate,
        )
    if gap != 0:
        return undecided(f"the sign of {bound} - {peak} was not decided", **certificate)
    value = sp.Symbol(name)
    return proved(
        f"{name}' = {p.subs(U, value)} in terms of the value; {bound} - {name}' = "
        f"{-lead * (value - vertex) ** 2} >= 0, zero iff {name}(z) = {vertex} iff z = 0",
        **certificate,
    )


@theorem(
    "vanish.sigmoid_bound",
    r"For every real $z$, $\sigma'(z) = \sigma(z)(1 - \sigma(z)) \le \tfrac14$, with equality "
    r"only at $z = 0$: $\tfrac14 - \sigma(1-\sigma) = (\sigma - \tfrac12)^2$.",
    Method.EXACT_SYMBOLIC,
)
def _prove_sigmoid_bound() -> Verdict:
    return derivative_bound_verdict("sigmoid", sp.Rational(1, 4))


@theorem(
    "vanish.tanh_bound",
    r"For every real $z$, $\tanh'(z) = 1 - \tanh^2(z) \le 1$, with equality only at $z = 0$.",
    Method.EXACT_SYMBOLIC,
)
def _prove_tanh_bound() -> Verdict:
    return derivative_bound_verdict("tanh", 1)


# =======================================================================================
# Depth: the one-layer step and the induction
# =======================================================================================


@dataclass(frozen=True)
class DeepSigmoidMeasurement:
    """A measured illustration (float64), not a proof: one backward pass through a seeded
    random sigmoid network, against the proved bound."""

    seed: int
    depth: int
    width: int
    weight_std: float
    gradient_norm: float  # ||dL/dh_0||, measured
    bound: float  # (1/4)^L prod ||W_l||_2 ||dL/dh_L||, from the same weights
    top_gradient_norm: float
    operator_norms: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": "measured (float64), an illustration; the proof does not use it",
            "seed": self.seed,
            "depth": self.depth,
            "width": self.width,
            "weights": f"N(0, {self.weight_std}^2) entries, zero biases, input ~ N(0, I)",
            "gradient_norm_dL_dh0": self.gradient_norm,
            "bound": self.bound,
            "ratio_gradient_to_bound": self.gradient_norm / self.bound,
            "top_gradient_norm": self.top_gradient_norm,
            "quarter_to_the_depth": 0.25**self.depth,
            "operator_norms": list(self.operator_norms),
        }


def measure_deep_sigmoid(
    seed: int = 0, depth: int = 10, width: int = 32, weight_std: float | None = None
) -> DeepSigmoidMeasurement:
    """Backpropagate a random unit gradient through a random sigmoid MLP (float64)."""
    rng = np.random.default_rng(seed)
    std = 1.0 / math.sqrt(width) if weight_std is None else weight_std
    weights = [rng.normal(0.0, std, size=(width, width)) for _ in range(depth)]
    h = rng.normal(size=width)
    slopes = []
    for w in weights:
        s = 1.0 / (1.0 + np.exp(-(w @ h)))
        slopes.append(s * (1.0 - s))
        h = s
    top = rng.normal(size=width)
    top /= np.linalg.norm(top)
    delta = top
    for w, slope in zip(reversed(weights), reversed(slopes), strict=True):
        delta = w.T @ (slope * delta)
    norms = tuple(float(np.linalg.norm(w, 2)) for w in weights)
    bound = 0.25**depth * math.prod(norms) * float(np.linalg.norm(top))
    return DeepSigmoidMeasurement(
        seed, depth, width, std, float(np.linalg.norm(delta)), bound, 1.0, norms
    )


def transpose_norm_lemmas(
    adjoint: Callable[[sp.MatrixExpr], sp.MatrixExpr] = lambda w: w.T,
) -> tuple[dict[str, str], str | None]:
    """Prove ||W^T||_2 = ||W||_2 for every real m x n matrix W, m and n symbolic.

    For y = W^T x: ||y||^2 = <x, W y> (a matrix identity) <= ||x|| ||W y|| (Cauchy-Schwarz)
    <= ||x|| ||W||_2 ||y|| (operator-norm definition), so ||y|| <= ||W||_2 ||x||, i.e.
    ||W^T||_2 <= ||W||_2; applied to W^T, whose transpose is W, the reverse. Cauchy-Schwarz
    comes from 0 <= ||a - t b||^2 at t = <a, b>/||b||^2, for vectors of symbolic length.
    As an independent check, for symbolic 2x2, 2x3 and 3x3 matrices W W^T and W^T W have the
    same nonzero eigenvalues (so W and W^T the same singular values). `adjoint` is the map
    that is claimed to be the transpose, so that a wrong one can be tried: the lemmas and the
    name of the first step that failed (None when all hold)."""
    lemmas: dict[str, str] = {}
    length = sp.Symbol("n", integer=True, positive=True)
    k = sp.Symbol("k", integer=True)
    a, b = sp.IndexedBase("a", real=True), sp.IndexedBase("b", real=True)
    t = sp.Symbol("t", real=True)

    def total(term: sp.Expr) -> sp.Expr:
        return sp.Sum(term, (k, 1, length))

    square = total((a[k] - t * b[k]) ** 2)
    big_a, big_b, big_c = total(a[k] ** 2), total(b[k] ** 2), total(a[k] * b[k])
    expansion = sp.simplify(square.expand() - (big_a - 2 * t * big_c + t**2 * big_b))
    A, C = sp.symbols("A C", real=True)
    B = sp.Symbol("B", positive=True)
    at_minimum = sp.simplify((A - 2 * t * C + t**2 * B).subs(t, C / B) - (A * B - C**2) / B)
    if expansion != 0 or not square.is_nonnegative or at_minimum != 0:
        return lemmas, "Cauchy-Schwarz"
    lemmas["cauchy_schwarz"] = (
        "for a, b of any length n: sum (a_k - t b_k)^2 >= 0 (a sum of squares) expands to "
        "A - 2 t C + t^2 B (A = |a|^2, B = |b|^2, C = <a, b>; SymPy, n symbolic); at "
        "t = C/B it equals (A B - C^2)/B, so C^2 <= A B (B = 0 forces C = 0)"
    )
    rows, cols = sp.symbols("m n", integer=True, positive=True)
    w = sp.MatrixSymbol("W", rows, cols)
    x = sp.MatrixSymbol("x", rows, 1)
    y = adjoint(w) * x
    gram = sp.simplify(y.T * y - x.T * (w * y))
    if gram != sp.ZeroMatrix(1, 1) and gram != 0:
        return lemmas, "||W^T x||^2 = <x, W W^T x>"
    p, q, r = sp.symbols("p q r", positive=True)  # ||x||, ||W||_2, ||y|| (> 0; 0 is trivial)
    divided = sp.simplify((p * q * r - r**2) / r - (p * q - r))
    if divided != 0 or adjoint(adjoint(w)) != w:
        return lemmas, "the division step or (W^T)^T = W"
    lemmas["transpose_norm"] = (
        "for W of any size m x n (symbolic) and y = W^T x: |y|^2 - <x, W y> simplifies to 0, "
        "so |y|^2 <= |x| |W y| <= |x| ||W||_2 |y| (Cauchy-Schwarz, operator norm); "
        "(p q r - r^2)/r = p q - r turns this into |y| <= ||W||_2 |x|: ||W^T||_2 <= ||W||_2, "
        "and with (W^T)^T = W the reverse, so ||W^T||_2 = ||W||_2"
    )
    lam = sp.Symbol("lambda")
    checked = []
    for m, n in ((2, 2), (2, 3), (3, 3)):
        entries = sp.Matrix(m, n, sp.symbols(f"w0:{m * n}", real=True))
        transposed = sp.Matrix(adjoint(entries))
        left = lam**n * (lam * sp.eye(m) - entries * transposed).det(method="berkowitz")
        right = lam**m * (lam * sp.eye(n) - transposed * entries).det(method="berkowitz")
        if sp.expand(left - right) != 0:
            return lemmas, f"the singular values of a symbolic {m}x{n} W and its transpose"
        checked.append(f"{m}x{n}")
    lemmas["transpose_spectra_check"] = (
        "lambda^n det(lambda I - W W^T) = lambda^m det(lambda I - W^T W) expands to an "
        f"identity for symbolic {', '.join(checked)} W: W and W^T have the same singular values"
    )
    return lemmas, None


def deep_gain_verdict(name: str = "sigmoid", gain: Any = "1/4") -> Verdict:
    """The per-layer step and its induction for an activation with 0 < f' <= gain."""
    gain = sp.sympify(gain)
    bound_verdict = derivative_bound_verdict(name, gain)
    supremum = bound_verdict.certificate.get("supremum")
    if "counterexample" in bound_verdict.certificate:
        # One unit, W = [1], z = 0: the gradient is multiplied by f'(0) > gain.
        return refuted(
            f"the one-layer step fails for a single unit with W = [1] at z = 0: the gradient "
            f"is multiplied by {name}'(0) = {supremum} > {gain}",
            derivative_bound=bound_verdict.to_dict(),
        )
    if supremum is None or not sp.sympify(supremum) <= gain:
        return undecided(
            f"sup {name}' <= {gain} was not shown: {bound_verdict.summary}",
            derivative_bound=bound_verdict.to_dict(),
        )
    derivative = derive(name).piece_derivatives[0]
    lemmas: dict[str, str] = {}
    # (1) f' > 0 everywhere, a sign fact from the assumptions (z real).
    if not derivative.is_positive:
        return undecided(f"{name}' > 0 was not shown")
    lemmas["derivative_positive"] = f"{derivative} is positive (SymPy assumptions, z real)"
    # (2) The Jacobian of h = f(z) is D = diag(f'(z_i)), 0 < d_i <= gain. For any v,
    # gain^2 ||v||^2 - ||D v||^2 = sum_i (gain^2 - d_i^2) v_i^2, each term >= 0: write
    # d = gain / (1 + t) with t >= 0 (every d in (0, gain] has this form).
    t = sp.Symbol("t", nonnegative=True)
    v = sp.Symbol("v", real=True)
    d = gain / (1 + t)
    term = sp.factor((gain**2 - d**2) * v**2)
    if not term.is_nonnegative:
        return undecided("the termwise diagonal bound was not shown nonnegative")
    lemmas["diagonal_jacobian"] = (
        f"||D v||^2 <= ({gain})^2 ||v||^2: termwise (gain^2 - d^2) v^2 = {term} >= 0 with "
        "d = gain/(1+t), t >= 0"
    )
    # (3) delta_{l-1} = W_l^T D_l delta_l. ||W^T x|| <= ||W^T||_2 ||x|| is the definition of
    # the operator norm; ||W^T||_2 = ||W||_2 is proved (transpose_norm_lemmas).
    transpose_lemmas, failed = transpose_norm_lemmas()
    if failed is not None:
        return undecided(f"||W^T||_2 = ||W||_2 was not shown: {failed}")
    lemmas.update(transpose_lemmas)
    lemmas["one_layer_step"] = (
        "||W_l^T (f'(z_l) * delta_l)|| <= ||W_l^T||_2 ||D_l delta_l|| (operator-norm "
        f"definition) = ||W_l||_2 ||D_l delta_l|| (transpose lemma) <= {gain} ||W_l||_2 "
        "||delta_l|| (diagonal_jacobian)"
    )
    # (4) Induction on the depth. P(L): ||delta_0|| <= B_L ||delta_L|| with B_L = gain^L
    # prod_{l<=L} n_l, n_l = ||W_l||_2 >= 0. P(1) is the one-layer step. P(L) and the step
    # ||delta_L|| <= gain n_(L+1) ||delta_(L+1)||, multiplied by B_L >= 0, give P(L + 1) once
    # B_L * gain * n_(L+1) = B_(L+1) (the product split at its last factor).
    depth, index = sp.symbols("L l", integer=True, positive=True)
    n = sp.Function("n", nonnegative=True)

    def bound_at(length):
        return gain**length * sp.Product(n(index), (index, 1, length))

    last_split = (
        sp.Product(n(index), (index, 1, depth))
        * sp.Product(n(index), (index, depth + 1, depth + 1)).doit()
    )
    step = sp.simplify(gain ** (depth + 1) * last_split - bound_at(depth) * gain * n(depth + 1))
    base = sp.simplify(bound_at(1).doit() - gain * n(1))
    if step != 0 or base != 0 or not bound_at(depth).is_nonnegative:
        return undecided(
            "the induction was not shown", step_residual=str(step), base_residual=str(base)
        )
    lemmas["induction"] = (
        f"B_L = ({gain})^L prod_(l<=L) n_l >= 0 (assumptions); B_1 = {gain} n_1; "
        f"B_L * {gain} * n_(L+1) - B_(L+1) simplifies to 0 after splitting the last factor "
        "off the product; so P(L) and the one-layer step give P(L+1)"
    )
    measured = measure_deep_sigmoid() if name == "sigmoid" else None
    certificate: dict[str, Any] = {
        "bound": f"||dL/dh_0|| <= ({gain})^L * prod_l ||W_l||_2 * ||dL/dh_L||",
        "derivative_bound": bound_verdict.summary,
        "lemmas": lemmas,
    }
    if measured is not None:
        certificate["measured_illustration"] = measured.to_dict()
        if not measured.gradient_norm <= measured.bound * (1 + 1e-9):
            return undecided(
                "a measured gradient exceeds the proved bound: something is wrong",
                **certificate,
            )
    return proved(
        f"one layer multiplies the gradient norm by at most {gain} ||W_l||_2 (0 < {name}' <= "
        f"{gain}, diagonal Jacobian, operator norm, ||W^T||_2 = ||W||_2 by Cauchy-Schwarz); "
        f"by induction L layers by at most "
        f"({gain})^L prod ||W_l||_2"
        + (
            f"; measured on a seeded {measured.depth}-layer net: {measured.gradient_norm:.3e}"
            f" <= {measured.bound:.3e}"
            if measured
            else ""
        ),
        **certificate,
    )


@theorem(
    "vanish.deep_sigmoid",
    r"In a network $h_l = \sigma(W_l h_{l-1} + b_l)$, $l = 1, \dots, L$, with any loss, "
    r"$\|\partial L / \partial h_0\|_2 \le (\tfrac14)^L \prod_{l=1}^{L} \|W_l\|_2 \, "
    r"\|\partial L / \partial h_L\|_2$: each layer's step $\delta_{l-1} = W_l^\top "
    r"(\sigma'(z_l) \odot \delta_l)$ has $\|\delta_{l-1}\| \le \tfrac14 \|W_l\|_2 "
    r"\|\delta_l\|$.",
    Method.EXACT_SYMBOLIC,
)
def _prove_deep_sigmoid() -> Verdict:
    return deep_gain_verdict("sigmoid", sp.Rational(1, 4))


@theorem(
    "vanish.relu_derivative_values",
    r"For $z \ne 0$, $\mathrm{ReLU}'(z) \in \{0, 1\}$: $0$ for $z < 0$ and $1$ for $z > 0$. "
    r"Through an active unit the backpropagated gradient is multiplied by exactly $1$, so "
    r"ReLU does not shrink it (the one-layer factor is $\|W_l\|_2$, not "
    r"$\tfrac14 \|W_l\|_2$).",
    Method.EXACT_SYMBOLIC,
)
def _prove_relu_derivative_values() -> Verdict:
    a = get("relu")
    derivation = derive("relu")
    table = []
    for piece, derivative in zip(a.pieces, derivation.piece_derivatives, strict=True):
        table.append(
            {
                "interval": f"({piece.lo}, {piece.hi})",
                "piece": str(piece.expr),
                "derivative": str(derivative),
            }
        )
    values = {d for d in derivation.piece_derivatives}
    if values != {sp.Integer(0), sp.Integer(1)}:
        return refuted(f"ReLU' takes the values {sorted(map(str, values))}", pieces=table)
    active = [p for p, d in zip(a.pieces, derivation.piece_derivatives, strict=True) if d == 1]
    return proved(
        "the catalogue's pieces differentiate to the constants 0 (z < 0) and 1 (z > 0); "
        "on the active side the chain-rule factor is exactly 1",
        pieces=table,
        active_interval=[str(active[0].lo), str(active[0].hi)],
        kink=str(a.breakpoints[0]),
    )


# =======================================================================================
# Ball arithmetic: numbers, the integrand, and intervals with infinite ends
# =======================================================================================


def _acb_integrand(expr: sp.Expr, prec: int) -> Callable[[acb, bool], acb]:
    """expr (in z, no other symbols) as a function of an acb ball, for acb.integral.

    Constants are enclosed once. log is evaluated with the `analytic` flag so that the
    integrator never crosses its branch cut; the other atoms are entire or meromorphic."""

    def build(e: sp.Expr) -> Callable[[acb, bool], acb]:
        if not e.has(z):
            constant = acb(enclose(e, prec))
            return lambda x, analytic: constant
        if e == z:
            return lambda x, analytic: x
        if isinstance(e, (sp.Add, sp.Mul)):
            parts = [build(arg) for arg in e.args]
            if isinstance(e, sp.Add):

                def add(x, analytic):
                    total = acb(0)
                    for part in parts:
                        total += part(x, analytic)
                    return total

                return add

            def mul(x, analytic):
                total = acb(1)
                for part in parts:
                    total *= part(x, analytic)
                return total

            return mul
        if isinstance(e, sp.Pow) and e.exp.is_Integer:
            base, power = build(e.base), int(e.exp)

            def pow_(x, analytic):
                b = base(x, analytic)
                result = acb(1)
                for _ in range(abs(power)):
                    result *= b
                return 1 / result if power < 0 else result

            return pow_
        unary = {
            sp.exp: lambda b, analytic: b.exp(),
            sp.tanh: lambda b, analytic: b.tanh(),
            sp.erf: lambda b, analytic: b.erf(),
            sp.erfc: lambda b, analytic: b.erfc(),
            sp.log: lambda b, analytic: b.log(analytic=analytic),
        }
        if e.func in unary:
            inner, method = build(e.args[0]), unary[e.func]
            return lambda x, analytic: method(inner(x, analytic), analytic)
        raise ValueError(f"no ball evaluation for {e.func.__name__} in {e}")

    return build(sp.sympify(expr))


Endpoint = Fraction | float  # a float only for -inf / +inf


@dataclass(frozen=True)
class _Range:
    """A closed interval of reals [lo, hi], ends possibly infinite, for tail bounds."""

    lo: Endpoint
    hi: Endpoint

    def __add__(self, other: _Range) -> _Range:
        return _Range(self.lo + other.lo, self.hi + other.hi)

    def __neg__(self) -> _Range:
        return _Range(-self.hi, -self.lo)

    def __mul__(self, other: _Range) -> _Range:
        def times(p: Endpoint, q: Endpoint) -> Endpoint:
            # The ends of intervals of reals: 0 * inf contributes 0 to the hull.
            return Fraction(0) if p == 0 or q == 0 else p * q

        products = [times(p, q) for p in (self.lo, self.hi) for q in (other.lo, other.hi)]
        return _Range(min(products), max(products))

    def reciprocal(self) -> _Range:
        if not (self.lo > 0 or self.hi < 0):
            raise ArithmeticError(f"1/x on {self} which contains 0")

        def inv(p: Endpoint) -> Endpoint:
            return Fraction(0) if math.isinf(p) else 1 / p

        return _Range(inv(self.hi), inv(self.lo))

    @property
    def magnitude(self) -> Endpoint:
        return max(abs(self.lo), abs(self.hi))


# Monotone atoms: (ball method, value at -inf, value at +inf, increasing).
_MONOTONE = {
    sp.exp: (lambda b: b.exp(), Fraction(0), math.inf, True),
    sp.tanh: (lambda b: b.tanh(), Fraction(-1), Fraction(1), True),
    sp.erf: (lambda b: b.erf(), Fraction(-1), Fraction(1), True),
    sp.erfc: (lambda b: b.erfc(), Fraction(2), Fraction(0), False),
    sp.log: (lambda b: b.log(), -math.inf, math.inf, True),
}


def _range_of(expr: sp.Expr, variable: _Range, prec: int) -> _Range:
    """An interval containing expr(z) for every z in `variable` (natural interval extension;
    each monotone atom maps the ends)."""
    if not expr.has(z):
        return _Range(*ends(enclose(expr, prec)))
    if expr == z:
        return variable
    if isinstance(expr, sp.Add):
        total = _Range(Fraction(0), Fraction(0))
        for arg in expr.args:
            total = total + _range_of(arg, variable, prec)
        return total
    if isinstance(expr, sp.Mul):
        total = _Range(Fraction(1), Fraction(1))
        for arg in expr.args:
            total = total * _range_of(arg, variable, prec)
        return total
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        base = _range_of(expr.base, variable, prec)
        result = _Range(Fraction(1), Fraction(1))
        for _ in range(abs(int(expr.exp))):
            result = result * base
        return result.reciprocal() if expr.exp < 0 else result
    if expr.func in _MONOTONE:
        method, at_minus_inf, at_plus_inf, increasing = _MONOTONE[expr.func]
        inner = _range_of(expr.args[0], variable, prec)
        if expr.func is sp.log and inner.lo < 0:
            raise ArithmeticError(f"log of {inner}, which reaches below 0")

        def at(p: Endpoint, upper: bool) -> Endpoint:
            if p == math.inf:
                return at_plus_inf
            if p == -math.inf:
                return at_minus_inf
            if expr.func is sp.log and p == 0:
                return -math.inf
            with ctx.workprec(prec):
                low, high = ends(method(ball(p)))
            return high if upper else low

        if increasing:
            return _Range(at(inner.lo, False), at(inner.hi, True))
        return _Range(at(inner.hi, False), at(inner.lo, True))
    raise ArithmeticError(f"no interval extension for {expr.func.__name__} in {expr}")


def _absorb_linear_term(expr: sp.Expr, slope: sp.Expr) -> list[sp.Expr]:
    """Forms of expr - slope*z: as is, and with the linear term merged into a logarithm
    (log(1 + e^z) - z = log(1 + e^-z)), which interval arithmetic can bound."""
    remainder = expr - slope * z
    forms = [remainder]
    merged = sp.logcombine(expr - sp.log(sp.exp(slope * z), evaluate=False), force=True)
    merged = merged.replace(
        lambda e: isinstance(e, sp.log), lambda e: sp.log(sp.powsimp(sp.expand(e.args[0])))
    )
    if merged != remainder:
        forms.append(merged)
    return forms


def tail_bound(expr: sp.Expr, side: int, cut: Fraction, prec: int) -> tuple[Fraction, str]:
    """An upper bound on the integral of |expr(z)| phi(z) over z >= cut (side +1) or
    z <= -cut (side -1), and how it was obtained.

    With Q0 = P(z > cut) and Q1 = E[z; z > cut] = phi(cut): if |f| <= M there, the tail is
    <= M Q0; if |f/z| <= M, it is <= M Q1; if f = a z + r with |r| <= M, <= |a| Q1 + M Q0."""
    region = _Range(cut, math.inf) if side > 0 else _Range(-math.inf, -cut)
    with ctx.workprec(prec):
        c = ball(cut)
        q0 = ends((c / arb(2).sqrt()).erfc() / 2)[1]
        q1 = ends((-c * c / 2).exp() / (2 * arb.pi()).sqrt())[1]
    attempts = []

    def sup(form: sp.Expr) -> Endpoint | None:
        try:
            return _range_of(form, region, prec).magnitude
        except ArithmeticError as exc:
            attempts.append(str(exc))
            return None

    bounded = sup(expr)
    if bounded is not None and not math.isinf(bounded):
        return bounded * q0, f"|f| <= {float(bounded):.6g} on the tail"
    for quotient in dict.fromkeys([expr / z, sp.cancel(expr / z)]):
        ratio = sup(quotient)
        if ratio is not None and not math.isinf(ratio):
            return ratio * q1, f"|f(z)/z| <= {float(ratio):.6g} on the tail"
    slope = sp.limit(expr / z, z, sp.oo * side)
    if slope.is_finite:
        with ctx.workprec(prec):
            slope_high = ends(abs(enclose(slope, prec)))[1]
        for form in _absorb_linear_term(expr, slope):
            rest = sup(form)
            if rest is not None and not math.isinf(rest):
                return (
                    slope_high * q1 + rest * q0,
                    f"f = {slope}*z + r with |r| <= {float(rest):.6g} on the tail",
                )
    raise ArithmeticError(f"no tail bound for {expr} on side {side}: {attempts}")


# =======================================================================================
# Gaussian means
# =======================================================================================

_PHI = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)


@dataclass(frozen=True)
class GaussianMean:
    """E[f(z)], z ~ N(0, 1), at the catalogue's default parameters.

    `exact` is a closed form at the defaults (None if none was found), `symbolic` one in the
    parameters; `lower`, `upper` the ends of a rigorous enclosure; `value` a float inside it.
    """

    name: str
    params: dict[str, str]
    exact: sp.Expr | None
    symbolic: sp.Expr | None
    exact_method: str
    lower: Fraction
    upper: Fraction
    enclosure: str
    tails: tuple[str, ...]
    consistent: bool  # the exact form's ball meets the integral's ball

    @property
    def value(self) -> float:
        return float(self.exact) if self.exact is not None else float((self.lower + self.upper) / 2)

    @property
    def radius(self) -> Fraction:
        return (self.upper - self.lower) / 2

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "params": self.params,
            "exact": None if self.exact is None else str(self.exact),
            "exact_latex": None if self.exact is None else _latex(self.exact),
            "symbolic": None if self.symbolic is None else str(self.symbolic),
            "exact_method": self.exact_method,
            "value": self.value,
            "enclosure": self.enclosure,
            "radius_below": f"{float(self.radius):.3e}",
            "tails": list(self.tails),
            "exact_form_in_enclosure": self.consistent,
        }


def _ball_text(low: Fraction, high: Fraction) -> str:
    """A ball (python-flint's notation) containing [low, high]."""
    with ctx.workprec(PREC + 32):
        return ball(low).union(ball(high)).str(25, radius=True)


def _reflection_constant(a: Activation, values: dict) -> sp.Expr | None:
    """c with f(z) + f(-z) = c for every z off the breakpoints (numeric parameters), or None."""
    pieces = [(p.expr.subs(values), p.lo.subs(values), p.hi.subs(values)) for p in a.pieces]
    cuts = sorted(
        {b for _, lo, hi in pieces for b in (lo, hi, -lo, -hi) if b.is_finite},
        key=lambda b: float(b),
    )
    ends = [-sp.oo, *cuts, sp.oo]

    def piece_on(lo, hi):
        return next(e for e, plo, phi in pieces if plo <= lo and hi <= phi)

    constant = None
    for lo, hi in zip(ends[:-1], ends[1:], strict=True):
        total = piece_on(lo, hi) + piece_on(-hi, -lo).subs(z, -z)
        # A float look first, only to skip simplify() when the sum is plainly not constant.
        if lo.is_finite and hi.is_finite:
            points = [lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3]
        elif hi.is_finite:
            points = [hi - 1, hi - 2]
        elif lo.is_finite:
            points = [lo + 1, lo + 2]
        else:
            points = [sp.Rational(1, 3), sp.Rational(5, 7)]
        numbers = [complex(sp.N(total.subs(z, p), 20)) for p in points]
        if abs(numbers[0] - numbers[1]) > 1e-12:
            return None
        simplified = sp.simplify(total)
        if simplified.has(z):
            return None
        if constant is None:
            constant = simplified
        elif sp.simplify(constant - simplified) != 0:
            return None
    return constant


def _closed_form_integrable(expr: sp.Expr) -> bool:
    """Whether SymPy is worth asking: a polynomial in z, exp(linear) and erf(linear) atoms.
    (For tanh, log and rational gates it finds no closed form and takes minutes.)"""
    replaced = expr
    dummies = []
    for atom in expr.atoms(sp.Function):
        if not atom.has(z):
            continue
        if not isinstance(atom, (sp.exp, sp.erf, sp.erfc)):
            return False
        if sp.degree(atom.args[0], z) > 1 or not atom.args[0].is_polynomial(z):
            return False
        dummy = sp.Dummy()
        dummies.append(dummy)
        replaced = replaced.subs(atom, dummy)
    return replaced.is_polynomial(z, *dummies)


def _normal(expr: sp.Expr) -> sp.Expr:
    return sp.simplify(sp.sympify(expr).rewrite(sp.erfc))


def _integral_enclosure(a: Activation, values: dict, prec: int) -> tuple[arb, Fraction, list]:
    """A ball for the integral over [-B, B] of each piece times phi, and a bound on the tails."""
    pieces = [(p.expr.subs(values), p.lo.subs(values), p.hi.subs(values)) for p in a.pieces]
    finite_ends = [abs(b) for _, lo, hi in pieces for b in (lo, hi) if b.is_finite]
    cut = Fraction(max([TAIL_CUT, *[math.ceil(float(b)) + 6 for b in finite_ends]]))
    total = arb(0)
    tail_total = Fraction(0)
    tails = []
    with ctx.workprec(prec):
        for expr, lo, hi in pieces:
            left = -cut if lo == -sp.oo else lo
            right = cut if hi == sp.oo else hi
            if left < right:
                integrand = _acb_integrand(expr * _PHI, prec)
                a_end = ball(-cut) if lo == -sp.oo else enclose(lo, prec)
                b_end = ball(cut) if hi == sp.oo else enclose(hi, prec)
                part = acb.integral(integrand, a_end, b_end, abs_tol=arb(2) ** (-(prec - 8)))
                total += part.real
                if not part.imag.contains(0):
                    raise ArithmeticError("a real integral came out with a nonzero imaginary part")
            for side, end in ((-1, lo), (1, hi)):
                if end.is_infinite:
                    bound, how = tail_bound(expr, side, cut, prec)
                    tail_total += bound
                    tails.append(
                        f"z {'<= -' if side < 0 else '>= '}{cut}: <= {float(bound):.3e} ({how})"
                    )
    return total, tail_total, tails


@functools.cache
def gaussian_mean(name: str) -> GaussianMean:
    """E[f(z)] for z ~ N(0, 1) at the defaults: exact where found, and a rigorous ball."""
    a = get(name)
    values = a.defaults
    ball, tail, tails = _integral_enclosure(a, values, PREC)
    low, high = ends(ball)
    low, high = low - tail, high + tail

    symbolic = None
    exact = None
    methods = []
    if all(_closed_form_integrable(p.expr) for p in a.pieces):
        integral = sum(sp.integrate(p.expr * _PHI, (z, p.lo, p.hi)) for p in a.pieces)
        if not integral.has(sp.Integral):
            symbolic = _normal(integral)
            exact = _normal(symbolic.subs(values))
            methods.append("SymPy integration of the catalogue's pieces against phi")
    reflection = _reflection_constant(a, values)
    if reflection is not None:
        # z and -z have the same law and E|f| < infinity (the tails are bounded), so
        # E[f] = E[f(-z)] and 2 E[f] = E[f(z) + f(-z)] = c.
        by_symmetry = reflection / 2
        if exact is None:
            exact = by_symmetry
        elif decide_zero(exact - by_symmetry)[0] is not True:
            raise ArithmeticError(f"{name}: symmetry gives {by_symmetry}, integration {exact}")
        odd = "odd: f(-z) = -f(z)" if reflection == 0 else f"f(-z) = {reflection} - f(z)"
        methods.insert(0, f"symmetry ({odd}, proved by simplification on every piece)")
    consistent = True
    if exact is not None:
        exact_low, exact_high = ends(enclose(exact, PREC))
        consistent = exact_low <= high and low <= exact_high
    return GaussianMean(
        name=a.name,
        params={p.name: str(values[p.symbol]) for p in a.params if p.symbol in values},
        exact=exact,
        symbolic=symbolic if a.params else None,
        exact_method="; ".join(methods) if methods else "none found",
        lower=low,
        upper=high,
        enclosure=_ball_text(low, high),
        tails=tuple(tails),
        consistent=consistent,
    )


def gaussian_means() -> dict[str, tuple[sp.Expr | None, float]]:
    """The table for the report: name -> (exact E[f(z)] at the defaults or None, its value)."""
    return {name: (m.exact, m.value) for name, m in gaussian_mean_records().items()}


def gaussian_mean_records() -> dict[str, GaussianMean]:
    return {name: gaussian_mean(name) for name in CATALOGUE}


# Exact values claimed in the statements: in the parameters (symbolic=True, for every
# parameter value) or at the defaults. The other entries are stated as enclosures.
def _claimed_means() -> dict[str, tuple[sp.Expr, bool]]:
    root = sp.sqrt(2 * sp.pi)
    s = get("leaky_relu").symbols["negative_slope"]
    alpha = get("elu").symbols["alpha"]
    return {
        "relu": (1 / root, False),
        "leaky_relu": ((1 - s) / root, True),
        "elu": (alpha * (sp.sqrt(sp.E) * sp.erfc(1 / sp.sqrt(2)) - 1) / 2 + 1 / root, True),
        "selu": (sp.Integer(0), False),
        "gelu": (1 / (2 * sp.sqrt(sp.pi)), False),
        "sigmoid": (sp.Rational(1, 2), False),
        "tanh": (sp.Integer(0), False),
        "softsign": (sp.Integer(0), False),
        "identity": (sp.Integer(0), False),
        "hardsigmoid": (sp.Rational(1, 2), False),
        "hardtanh": (sp.Integer(0), False),
    }


CLAIMED_MEANS = _claimed_means()


def gaussian_mean_verdict(
    name: str, claimed: sp.Expr | None = None, symbolic: bool = False
) -> Verdict:
    """Check E[f(z)] = claimed (in the parameters when `symbolic`, else at the defaults);
    with no claim, check that the mean is enclosed to RADIUS_GOAL."""
    record = gaussian_mean(name)
    certificate = record.to_dict()
    if not record.consistent:
        return undecided("the exact form lies outside the rigorous enclosure", **certificate)
    if record.radius >= RADIUS_GOAL:
        return undecided(f"enclosure radius {float(record.radius):.2e} too wide", **certificate)
    if claimed is None:
        found = f"= {record.exact}" if record.exact is not None else "(no closed form found)"
        return proved(f"E[{name}(z)] {found} in {record.enclosure} (rigorous)", **certificate)
    claimed = sp.sympify(claimed)
    certificate["claimed"] = str(claimed)
    if symbolic:
        if record.symbolic is None:
            return undecided("no closed form in the parameters was found", **certificate)
        difference = sp.simplify(_normal(record.symbolic - claimed))
        if difference == 0:
            return proved(
                f"E[{name}(z)] = {record.symbolic}, which minus the claim simplifies to 0",
                **certificate,
            )
        # a wrong claim is refuted where the enclosure at the defaults excludes it
        at_defaults = claimed.subs(get(name).defaults)
        claim_low, claim_high = ends(enclose(at_defaults, PREC))
        if claim_high < record.lower or claim_low > record.upper:
            return refuted(
                f"at the defaults the claim is {float(at_defaults):.17g}, outside the "
                f"enclosure {record.enclosure}",
                **certificate,
            )
        return undecided(f"the difference {difference} was not shown to be 0", **certificate)
    claim_low, claim_high = ends(enclose(claimed, PREC))
    if claim_high < record.lower or claim_low > record.upper:
        return refuted(
            f"E[{name}(z)] lies in {record.enclosure}, which excludes the claimed {claimed} "
            f"(~{float(claimed):.17g})",
            **certificate,
        )
    if record.exact is None:
        return undecided("no exact form to compare with the claim", **certificate)
    is_zero, why = decide_zero(record.exact - claimed)
    if is_zero:
        return proved(f"E[{name}(z)] = {claimed} exactly ({record.exact_method})", **certificate)
    return undecided(f"exact form minus claim not decided 0: {why}", **certificate)


def _mean_statement(a: Activation) -> str:
    head = r"For $z \sim \mathcal{N}(0, 1)$"
    mean = rf"$E[{a.title}(z)]$"
    if a.name in CLAIMED_MEANS:
        value, symbolic = CLAIMED_MEANS[a.name]
        where = (
            " and every value of its parameters"
            if symbolic
            else (" at the catalogue's default parameters" if a.params else "")
        )
        return rf"{head}{where}: $E[{a.title}(z)] = {_latex(value)}$ exactly."
    where = " at the catalogue's default parameters" if a.params else ""
    return (
        f"{head}{where}, {mean} lies in a rigorous ball of radius below $10^{{-20}}$ (given in "
        "the certificate, with the closed form where one is found)."
    )


def _register_mean(a: Activation) -> None:
    claim = CLAIMED_MEANS.get(a.name)
    method = Method.EXACT_SYMBOLIC if claim is not None else Method.INTERVAL
    theorem(f"vanish.gaussian_mean.{a.name}", _mean_statement(a), method)(
        lambda: gaussian_mean_verdict(a.name, *(claim or (None, False)))
    )


for _activation in CATALOGUE.values():
    _register_mean(_activation)
