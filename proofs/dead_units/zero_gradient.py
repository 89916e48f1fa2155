"""The symbolic chain rule: a dead unit has exactly zero gradient, whatever sits above it.

`dead_gradient` differentiates a unit's loss with everything above it an undefined SymPy
function and substitutes pre-activations inside a zero-gradient interval: theorem
`dead.zero_gradient` (and `dead.zero_gradient.<name>` for every catalogue activation with a
constant piece) finds exactly 0; `dead.gradient_survives.<name>` finds the same derivative
not zero for Leaky ReLU, PReLU, ELU, SELU and CELU. The symbols (weights w, inputs x, example
weights c, ...) are shared with the permanence proofs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.calculus import derive
from derivations.catalogue import CATALOGUE, Activation, get, latex_names, z
from proofs.dead_units.sources import DERIVATION_DOC
from proofs.theorem import Method, Source, Verdict, proved, refuted, theorem, undecided

# Example n of a dataset of N; input dimension d; the unit's weights w_i, bias b.
DIM = sp.Symbol("d", integer=True, positive=True)
COUNT = sp.Symbol("N", integer=True, positive=True)
I, J = sp.symbols("i j", integer=True, positive=True)
NN, MM = sp.symbols("n m", integer=True, positive=True)
W = sp.IndexedBase("w", real=True)
X = sp.IndexedBase("x", real=True)
C = sp.IndexedBase("c", nonnegative=True)  # example weights: 1/|B| on a batch B, else 0
B = sp.Symbol("b", real=True)
THETA = sp.Symbol("theta", real=True)  # everything the layers above use besides this unit
PSI = sp.Function("Psi")  # the loss of one example as a function of the unit's output
DEPTH = sp.IndexedBase("p", positive=True)  # how far inside the zero-gradient interval
BETA = sp.IndexedBase("beta", negative=True)  # a negative pre-activation, per example
ETA = sp.Symbol("eta", positive=True)
LAM = sp.Symbol("lambda", nonnegative=True)


def dot_product(n: sp.Expr) -> sp.Expr:
    return sp.Sum(W[I] * X[n, I], (I, 1, DIM))


def pre_activation(n: sp.Expr) -> sp.Expr:
    return dot_product(n) + B


def is_zero(expr: sp.Expr) -> bool:
    return expr == 0 or sp.simplify(expr) == 0


def _constraint_substitution(a: Activation) -> dict[sp.Symbol, sp.Expr]:
    """Write each constraint lo < hi (or <=) among parameters as hi = lo + gap with a
    positive (nonnegative) gap, so that SymPy's assumptions know the order."""
    substitution: dict[sp.Symbol, sp.Expr] = {}
    for rel in a.constraints:
        lo, hi = rel.lhs, rel.rhs
        strict = isinstance(rel, sp.StrictLessThan)
        gap = (
            sp.Symbol(f"gap_{hi}", positive=True)
            if strict
            else sp.Symbol(f"gap_{hi}", nonnegative=True)
        )
        substitution[hi] = lo + gap
    return substitution


def interval_point(lo: sp.Expr, hi: sp.Expr, depth: sp.Expr) -> sp.Expr | None:
    """A point of the half-line (lo, hi) written with a positive `depth`, sweeping all of it
    as depth runs over (0, oo); None unless exactly one end is infinite."""
    if lo == -sp.oo and hi != sp.oo:
        return hi - depth
    if hi == sp.oo and lo != -sp.oo:
        return lo + depth
    return None


@dataclass(frozen=True)
class DeadGradient:
    """d L_n / d w_j and d L_n / d b for one example, L_n = Psi(f(z_n), n, theta), before and
    after placing z_n in an interval by b = point - w.x_n."""

    activation: str
    interval: tuple[sp.Expr, sp.Expr]
    point: sp.Expr
    weight_gradient: sp.Expr
    bias_gradient: sp.Expr
    dead_weight_gradient: sp.Expr
    dead_bias_gradient: sp.Expr

    @property
    def all_zero(self) -> bool:
        return is_zero(self.dead_weight_gradient) and is_zero(self.dead_bias_gradient)

    def to_dict(self) -> dict[str, str]:
        return {
            "activation": self.activation,
            "interval": f"({self.interval[0]}, {self.interval[1]})",
            "pre_activation_set_to": str(self.point),
            "substitution": f"b = {self.point} - Sum(w[i]*x[n, i], (i, 1, d))",
            "dL_n/dw_j": str(self.weight_gradient),
            "dL_n/db": str(self.bias_gradient),
            "dL_n/dw_j in the interval": str(self.dead_weight_gradient),
            "dL_n/db in the interval": str(self.dead_bias_gradient),
        }


def dead_gradient(
    name: str, piece_index: int, parameters: dict[sp.Symbol, sp.Expr] | None = None
) -> DeadGradient:
    """The unit's gradient for one example with its pre-activation anywhere in the open
    interval of piece `piece_index` of the catalogue's definition.

    The derivative is taken first, with b free; only then is b replaced by point - w.x_n,
    where point = hi - p_n (or lo + p_n) with p_n > 0 sweeps the whole interval. Parameters
    stay symbolic (with the catalogue's assumptions, constraints written as positive gaps)
    unless `parameters` substitutes them.
    """
    a = get(name)
    substitution = _constraint_substitution(a) | dict(parameters or {})
    piece = a.pieces[piece_index]
    lo, hi = piece.lo.subs(substitution), piece.hi.subs(substitution)
    point = interval_point(lo, hi, DEPTH[NN])
    if point is None:
        raise ValueError(f"{name}: piece {piece_index} on ({lo}, {hi}) is not a half-line")
    loss = PSI(a.expr.subs(substitution).subs(z, pre_activation(NN)), NN, THETA)
    weight_gradient = sp.diff(loss, W[J])
    bias_gradient = sp.diff(loss, B)
    dead = {B: point - dot_product(NN)}
    return DeadGradient(
        activation=a.name,
        interval=(lo, hi),
        point=point,
        weight_gradient=weight_gradient,
        bias_gradient=bias_gradient,
        dead_weight_gradient=weight_gradient.subs(dead),
        dead_bias_gradient=bias_gradient.subs(dead),
    )


def constant_pieces(a: Activation) -> tuple[int, ...]:
    """Indices of the pieces on which the activation does not depend on z (f' = 0 there)."""
    return tuple(k for k, piece in enumerate(a.pieces) if not piece.expr.has(z))


# Activations that can die (a constant piece) besides ReLU itself, read off the catalogue.
DYING = tuple(name for name, a in CATALOGUE.items() if constant_pieces(a) and name != "relu")


def _latex(expr: sp.Expr) -> str:
    return sp.latex(expr, symbol_names=latex_names())


def _interval_latex(a: Activation, k: int) -> str:
    piece = a.pieces[k]
    return rf"({_latex(piece.lo)}, {_latex(piece.hi)})"


@theorem(
    "dead.zero_gradient",
    r"Let a ReLU unit have pre-activation $z_n = \sum_{i=1}^{d} w_i x_{n,i} + b$ on example "
    r"$n$ of a dataset of $N$ examples, and let the loss be "
    r"$L = \sum_{n=1}^{N} c_n \Psi(\mathrm{ReLU}(z_n), n, \theta)$ for any differentiable "
    r"$\Psi$ (the layers above, the loss, the label) and any example weights $c_n \ge 0$ "
    r"(full batch, minibatch). If $z_n < 0$ for every $n$, then "
    r"$\partial L / \partial w_j = 0$ for every $j$ and $\partial L / \partial b = 0$, "
    r"exactly, for every $d$ and $N$.",
    Method.EXACT_SYMBOLIC,
    source=Source(
        DERIVATION_DOC,
        "due to this w_1 and w_2 not able to update because in backpropagation",
    ),
)
def _prove_zero_gradient() -> Verdict:
    relu_expr = get("relu").expr
    loss = sp.Sum(C[NN] * PSI(relu_expr.subs(z, pre_activation(NN)), NN, THETA), (NN, 1, COUNT))
    certificate: dict[str, Any] = {
        "loss": str(loss),
        "dead_condition": "b = beta[n] - Sum(w[i]*x[n, i], (i, 1, d)) with beta[n] < 0, "
        "substituted in term n after differentiating (beta[n] is z_n itself)",
    }
    for name, parameter in (("w_j", W[J]), ("b", B)):
        gradient = sp.diff(loss, parameter)
        if not isinstance(gradient, sp.Sum):
            return undecided(f"dL/d{name} did not come out as a sum over examples")
        term = gradient.function
        dead_term = term.subs(B, BETA[NN] - dot_product(NN))
        total = sp.Sum(dead_term, *gradient.limits).doit()
        certificate[f"dL/d{name}"] = str(gradient)
        certificate[f"term n of dL/d{name}, dead"] = str(dead_term)
        certificate[f"dL/d{name}, dead"] = str(total)
        if not (is_zero(dead_term) and is_zero(total)):
            return undecided(f"dL/d{name} did not vanish on the dead set", **certificate)
    return proved(
        "SymPy's chain rule through an undefined Psi gives each term c_n Psi'(...) times "
        "the derivative of the catalogue's ReLU Piecewise; with b = beta_n - w.x_n and beta_n "
        "negative the Piecewise condition z_n < 0 is decided True, each term is exactly 0, "
        "and so is the sum over the N examples",
        **certificate,
    )


def _zero_gradient_statement(name: str) -> str:
    a = get(name)
    intervals = r" \cup ".join(_interval_latex(a, k) for k in constant_pieces(a))
    return (
        rf"For ${a.title}$ (every parameter value allowed by its domain and constraints): if "
        rf"a unit's pre-activation $z_n = \sum_i w_i x_{{n,i}} + b$ lies in the open "
        rf"set ${intervals}$ (in one of its intervals) on an example, that example's loss "
        rf"$\Psi(f(z_n), n, \theta)$ has $\partial / \partial w_j = 0$ and "
        rf"$\partial / \partial b = 0$ exactly, for any differentiable $\Psi$; so a unit in "
        rf"that set on every example of a dataset gets exactly zero gradient."
    )


def _prove_zero_gradient_for(name: str) -> Verdict:
    a = get(name)
    results = [dead_gradient(name, k) for k in constant_pieces(a)]
    certificate: dict[str, Any] = {"pieces": [r.to_dict() for r in results]}
    # The calculus module's zero-gradient intervals must be these pieces, bound.
    derivation = derive(name)
    expected = {
        (sp.sympify(a.pieces[k].lo).subs(derivation.values), a.pieces[k].hi.subs(derivation.values))
        for k in constant_pieces(a)
    }
    found = set(derivation.zero_gradient_set.intervals)
    certificate["derivation_zero_gradient_set"] = derivation.zero_gradient_set.to_dict()["set"]
    if found != expected:
        return undecided(
            "the derivation's zero-gradient intervals are not the constant pieces",
            **certificate,
        )
    if not all(r.all_zero for r in results):
        return undecided("a gradient did not vanish on its interval", **certificate)
    return proved(
        f"on each of the {len(results)} interval(s), differentiating Psi(f(z_n)) and then "
        "placing z_n inside it (b = point - w.x_n, a positive depth p_n) leaves the "
        "catalogue's Piecewise derivative on its constant branch: both gradients are exactly 0",
        **certificate,
    )


for _name in DYING:
    theorem(
        f"dead.zero_gradient.{_name}",
        _zero_gradient_statement(_name),
        Method.EXACT_SYMBOLIC,
    )(functools.partial(_prove_zero_gradient_for, _name))


# ---- activations whose gradient survives a negative pre-activation ---------------------


@dataclass(frozen=True)
class NoDeathSpec:
    """What is assumed of an activation's parameters, and whether f' > 0 or only f' != 0."""

    assumptions: dict[str, dict[str, bool]]  # parameter name -> SymPy assumptions
    condition_latex: str  # the assumption in the statement
    positive: bool  # f' > 0 (else only f' != 0)


NO_DEATH: dict[str, NoDeathSpec] = {
    "leaky_relu": NoDeathSpec({"negative_slope": {"positive": True}}, "s > 0", True),
    "prelu": NoDeathSpec({"a": {"nonzero": True}}, r"a \ne 0", False),
    "elu": NoDeathSpec({"alpha": {"positive": True}}, r"\alpha > 0", True),
    "selu": NoDeathSpec(
        {"alpha": {"positive": True}, "lambda": {"positive": True}},
        r"\alpha > 0,\ \lambda > 0",
        True,
    ),
    "celu": NoDeathSpec({"alpha": {"positive": True}}, r"\alpha > 0", True),
}


def assumed_parameters(name: str) -> dict[sp.Symbol, sp.Symbol]:
    """The catalogue's parameter symbols replaced by symbols carrying NO_DEATH's assumptions."""
    a = get(name)
    return {
        a.symbols[p]: sp.Symbol(p, real=True, **assume)
        for p, assume in NO_DEATH[name].assumptions.items()
    }


def _witness_value(expr: sp.Expr) -> sp.Expr:
    """The gradient at d = 1, j = 1, x_{n,1} = 1, w_1 = 1, depth 1 (pre-activation at the
    breakpoint minus 1) and Psi(a, n, theta) = a (so Psi' = 1)."""
    a_ = sp.Symbol("a_")
    value = expr.replace(PSI, sp.Lambda((a_, NN, THETA), a_))
    value = value.subs({DIM: 1, J: 1}).doit()
    return sp.simplify(value.subs({X[NN, 1]: 1, W[1]: 1, DEPTH[NN]: 1}).doit())


def _prove_gradient_survives(name: str) -> Verdict:
    result = dead_gradient(name, 0, assumed_parameters(name))
    witness = _witness_value(result.dead_weight_gradient)
    certificate = result.to_dict() | {
        "witness": "d = 1, j = 1, x_{n,1} = 1, w_1 = 1, p_n = 1 (z_n = -1), Psi(a) = a",
        "dL_n/dw_1 at the witness": str(witness),
    }
    if result.all_zero:
        return refuted("the gradient vanished identically on the negative half-line", **certificate)
    if witness.is_nonzero is not True:
        return undecided("SymPy could not decide the witness value nonzero", **certificate)
    return proved(
        f"with z_n < 0 the weight gradient stays f'(z_n) x_j Psi'(...), and at the witness it "
        f"is {witness}, nonzero by SymPy's assumptions on the parameters",
        **certificate,
    )


for _name, _spec in NO_DEATH.items():
    theorem(
        f"dead.gradient_survives.{_name}",
        rf"For ${get(_name).title}$ with ${_spec.condition_latex}$, the same chain rule on a "
        r"negative pre-activation does not give zero: there are a differentiable $\Psi$ and "
        r"data with $z_n < 0$ and $\partial \Psi(f(z_n), n, \theta) / \partial w_j \ne 0$.",
        Method.EXACT_SYMBOLIC,
    )(functools.partial(_prove_gradient_survives, _name))
