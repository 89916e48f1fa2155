"""Dead units: when a unit's gradient is exactly zero, when it stays so, and when it does not.

This module owns the theorems about dying ReLUs and their relatives:

* `dead.zero_gradient` (and `dead.zero_gradient.<name>` for every catalogue activation
  with a constant piece): a unit whose pre-activation lies in a zero-gradient interval on
  every example has exactly zero gradient for its incoming weights and bias, for any
  differentiable loss and any layers above -- a symbolic chain rule with the layers above
  an undefined SymPy function; `dead.gradient_survives.<name>` shows the same derivative
  is not zero for Leaky ReLU, PReLU, ELU, SELU and CELU;
* `dead.permanent_first_layer`: a dead first-layer unit stays dead under (minibatch) SGD
  with weight decay on weights and bias and 0 <= eta*lambda < 1; and the conditions that
  matter, settled with exact counterexamples: decay on the weights but not the bias
  (`dead.revives_weight_decay_without_bias`), momentum (`dead.revives_momentum`),
  eta*lambda > 1 (`dead.revives_large_decay`); and Adam (`dead.revives_adam`), whose first
  moment keeps a dead unit moving -- sqrt makes its steps irrational, so that trajectory is
  computed in `arb` balls and every ReLU branch is decided from a ball that excludes 0;
* `dead.second_layer_revives`: a dead unit of the second hidden layer comes back when the
  first layer moves (so "a dead ReLU never revives", settled in `proofs.claims`, is false);
* `dead.layer_cut`: a fully dead layer gives every earlier parameter exactly zero gradient;
* `dead.minibatch_nuance`: zero on part of a batch is not dead;
* `dead.no_exact_death`: f' never vanishes for Leaky ReLU, PReLU, ELU, SELU, CELU;
* `dead.isolated_zeros.<name>`: GELU, SiLU and Mish have f' = 0 at exactly one point,
  located to 10 significant digits in ball arithmetic.

Conventions. A unit is *dead* on a dataset when its pre-activation is < 0 on every example
(for other activations: inside a zero-gradient interval). The exact rational networks
(`ExactMLP`) use ReLU in the hidden layers, a linear output layer, the loss
mean over the batch of |yhat - y|^2 / 2, and PyTorch's conventions: relu'(0) = 0, SGD
weight decay adds lambda*theta to the gradient, momentum keeps v <- mu*v + g and steps
theta <- theta - eta*v. Nothing here is proved by sampling floats: SymPy simplifies to 0 or
decides a sign from assumptions, Fractions are exact, and `flint.arb` balls are rigorous.
Heavy work happens inside functions, never at import.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sympy as sp
from flint import arb, ctx, fmpq

from derivations.calculus import derive
from derivations.catalogue import CATALOGUE, Activation, get, latex_names, z
from numeric.intervals import (
    PREC,
    RootEnclosure,
    locate_root,
    outward,
)
from numeric.intervals import ball as _ball
from numeric.intervals import ends as _ends
from numeric.intervals import sign as _sign
from numeric.oracle import arb_function
from proofs.theorem import (
    Method,
    Source,
    Verdict,
    proved,
    refuted,
    theorem,
    undecided,
)

DEAD_NEURON_DOC = "000_cce168a880d2299d.txt"
STANFORD_DOC = "002_3bf8178524fc587d.txt"
DERIVATION_DOC = "003_bdd817aebe3d8cbc.txt"

# =======================================================================================
# Exact rational networks
# =======================================================================================

Vector = tuple[Fraction, ...]
Matrix = tuple[Vector, ...]
Example = tuple[Vector, Vector]  # (input, target)


def _vector(values: Any) -> Vector:
    return tuple(Fraction(v) for v in values)


def _texts(values: Any) -> Any:
    """Nested tuples of Fractions as nested lists of exact strings (for certificates)."""
    if isinstance(values, (tuple, list)):
        return [_texts(v) for v in values]
    return str(values)


@dataclass(frozen=True)
class _Arithmetic:
    """The number type a network is evaluated in: `lift` makes an exact input number one of
    them, `active` decides ReLU's branch of a pre-activation (relu'(0) = 0, as PyTorch)."""

    lift: Callable[[Any], Any]
    active: Callable[[Any], bool]


def _forward(net: ExactMLP, x: Sequence[Any], arithmetic: _Arithmetic) -> tuple:
    """z_1, ..., z_L on input x: hidden layers apply ReLU, the last is linear."""
    zero = arithmetic.lift(0)
    activation, pres = tuple(arithmetic.lift(v) for v in x), []
    last = len(net.weights) - 1
    for l, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        pre = tuple(
            sum((w * a for w, a in zip(row, activation, strict=True)), zero) + bias
            for row, bias in zip(W, b, strict=True)
        )
        pres.append(pre)
        if l != last:
            activation = tuple(v if arithmetic.active(v) else zero for v in pre)
    return tuple(pres)


def _backward(net: ExactMLP, batch: Sequence[Example], arithmetic: _Arithmetic) -> ExactMLP:
    """d/dtheta of the batch mean of |yhat - y|^2 / 2, by backpropagation. A unit below 0 on
    every example gets the exact gradient 0 (times the exact zero), in either arithmetic."""
    zero, one = arithmetic.lift(0), arithmetic.lift(1)
    total = net.map(lambda _bias, _v: zero)
    for x, y in batch:
        pres = _forward(net, x, arithmetic)
        inputs = [tuple(arithmetic.lift(v) for v in x)] + [
            tuple(v if arithmetic.active(v) else zero for v in pre) for pre in pres[:-1]
        ]
        delta = tuple(p - arithmetic.lift(t) for p, t in zip(pres[-1], y, strict=True))
        grad_w: list[Any] = [()] * len(net.weights)
        grad_b: list[Any] = [()] * len(net.weights)
        for l in reversed(range(len(net.weights))):
            grad_w[l] = tuple(tuple(d * a for a in inputs[l]) for d in delta)
            grad_b[l] = delta
            if l:
                W = net.weights[l]
                delta = tuple(
                    sum((W[r][c] * delta[r] for r in range(len(W))), zero)
                    * (one if arithmetic.active(pres[l - 1][c]) else zero)
                    for c in range(len(W[0]))
                )
        total = total.map(lambda _bias, s, g: s + g, ExactMLP(tuple(grad_w), tuple(grad_b)))
    count = len(batch)
    return total.map(lambda _bias, g: g / count)


EXACT = _Arithmetic(Fraction, lambda q: q > 0)


@dataclass(frozen=True)
class ExactMLP:
    """A fully connected network with exact rational parameters.

    Layer l computes z_l = W_l a_{l-1} + b_l; hidden layers apply ReLU, the last layer is
    linear. The same shape also holds gradients and momentum buffers.
    """

    weights: tuple[Matrix, ...]
    biases: tuple[Vector, ...]

    @classmethod
    def of(cls, weights: Any, biases: Any) -> ExactMLP:
        """From nested lists of numbers or strings ('1/3')."""
        return cls(
            tuple(tuple(_vector(row) for row in W) for W in weights),
            tuple(_vector(b) for b in biases),
        )

    def map(self, fn: Callable[..., Fraction], *others: ExactMLP) -> ExactMLP:
        """Combine parameter-wise: fn(is_bias, own value, other values...)."""
        weights = tuple(
            tuple(
                tuple(
                    fn(False, w, *(o.weights[l][r][c] for o in others)) for c, w in enumerate(row)
                )
                for r, row in enumerate(W)
            )
            for l, W in enumerate(self.weights)
        )
        biases = tuple(
            tuple(fn(True, v, *(o.biases[l][r] for o in others)) for r, v in enumerate(b))
            for l, b in enumerate(self.biases)
        )
        return ExactMLP(weights, biases)

    def zeros(self) -> ExactMLP:
        return self.map(lambda _bias, _v: Fraction(0))

    def pre_activations(self, x: Sequence[Any]) -> tuple[Vector, ...]:
        """z_1, ..., z_L on input x."""
        return _forward(self, x, EXACT)

    def output(self, x: Sequence[Any]) -> Vector:
        return self.pre_activations(x)[-1]

    def gradients(self, batch: Sequence[Example]) -> ExactMLP:
        """d/dtheta of mean over the batch of |yhat - y|^2 / 2, by backpropagation."""
        return _backward(self, batch, EXACT)

    def touches_kink(self, xs: Sequence[Sequence[Any]]) -> bool:
        """Whether a hidden pre-activation is exactly 0 on some input (where relu'(0) = 0
        is a convention rather than a derivative)."""
        return any(v == 0 for x in xs for pre in self.pre_activations(x)[:-1] for v in pre)

    def to_dict(self) -> dict[str, Any]:
        return {"weights": _texts(self.weights), "biases": _texts(self.biases)}


@dataclass(frozen=True)
class SGD:
    """Stochastic gradient descent as PyTorch's torch.optim.SGD does it (dampening 0, no
    Nesterov): g = grad + weight_decay*theta (biases only if decay_bias), v = momentum*v + g,
    theta = theta - lr*v."""

    lr: Fraction
    momentum: Fraction = Fraction(0)
    weight_decay: Fraction = Fraction(0)
    decay_bias: bool = True

    def step(
        self, net: ExactMLP, batch: Sequence[Example], velocity: ExactMLP | None = None
    ) -> tuple[ExactMLP, ExactMLP, ExactMLP]:
        """One step on a batch: (new network, new velocity, the loss gradient used)."""
        gradient = net.gradients(batch)
        lam, mu, eta = Fraction(self.weight_decay), Fraction(self.momentum), Fraction(self.lr)

        def decayed(is_bias: bool, g: Fraction, theta: Fraction) -> Fraction:
            return g + lam * theta if (self.decay_bias or not is_bias) else g

        direction = gradient.map(decayed, net)
        old = velocity if velocity is not None else net.zeros()
        new_velocity = direction.map(lambda _bias, d, v: mu * v + d, old)
        new_net = net.map(lambda _bias, theta, v: theta - eta * v, new_velocity)
        return new_net, new_velocity, gradient

    def to_dict(self) -> dict[str, Any]:
        return {
            "lr": str(self.lr),
            "momentum": str(self.momentum),
            "weight_decay": str(self.weight_decay),
            "decay_bias": self.decay_bias,
            "convention": "g = grad + weight_decay*theta; v = momentum*v + g; theta -= lr*v",
        }


def unit_pre_activations(
    net: ExactMLP, xs: Sequence[Sequence[Any]], layer: int, unit: int
) -> tuple[Fraction, ...]:
    """The pre-activation of one hidden unit (layer counted from 0) on every input."""
    return tuple(net.pre_activations(x)[layer][unit] for x in xs)


def is_dead(net: ExactMLP, xs: Sequence[Sequence[Any]], layer: int, unit: int) -> bool:
    return all(v < 0 for v in unit_pre_activations(net, xs, layer, unit))


def unit_gradient(net: ExactMLP, batch: Sequence[Example], layer: int, unit: int) -> Vector:
    """The loss gradient for one unit's incoming weights, then its bias."""
    g = net.gradients(batch)
    return (*g.weights[layer][unit], g.biases[layer][unit])


def _example(x: Sequence[Any], y: Sequence[Any]) -> Example:
    return _vector(x), _vector(y)


# =======================================================================================
# The symbolic chain rule: a unit, everything above it an undefined function
# =======================================================================================

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


def _dot(n: sp.Expr) -> sp.Expr:
    return sp.Sum(W[I] * X[n, I], (I, 1, DIM))


def _pre(n: sp.Expr) -> sp.Expr:
    return _dot(n) + B


def _is_zero(expr: sp.Expr) -> bool:
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


def _interval_point(lo: sp.Expr, hi: sp.Expr, depth: sp.Expr) -> sp.Expr | None:
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
        return _is_zero(self.dead_weight_gradient) and _is_zero(self.dead_bias_gradient)

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
    point = _interval_point(lo, hi, DEPTH[NN])
    if point is None:
        raise ValueError(f"{name}: piece {piece_index} on ({lo}, {hi}) is not a half-line")
    loss = PSI(a.expr.subs(substitution).subs(z, _pre(NN)), NN, THETA)
    weight_gradient = sp.diff(loss, W[J])
    bias_gradient = sp.diff(loss, B)
    dead = {B: point - _dot(NN)}
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
    loss = sp.Sum(C[NN] * PSI(relu_expr.subs(z, _pre(NN)), NN, THETA), (NN, 1, COUNT))
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
        dead_term = term.subs(B, BETA[NN] - _dot(NN))
        total = sp.Sum(dead_term, *gradient.limits).doit()
        certificate[f"dL/d{name}"] = str(gradient)
        certificate[f"term n of dL/d{name}, dead"] = str(dead_term)
        certificate[f"dL/d{name}, dead"] = str(total)
        if not (_is_zero(dead_term) and _is_zero(total)):
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


def _assumed_parameters(name: str) -> dict[sp.Symbol, sp.Symbol]:
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
    result = dead_gradient(name, 0, _assumed_parameters(name))
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


# =======================================================================================
# Permanence in the first layer, and what breaks it
# =======================================================================================

KAPPA = sp.Symbol("kappa", positive=True)  # 1 - eta*lambda when eta*lambda < 1
KAPPA_NEGATIVE = sp.Symbol("kappa", negative=True)  # 1 - eta*lambda when eta*lambda > 1


@dataclass(frozen=True)
class DecayStep:
    """One SGD step of a dead first-layer unit, symbolically: its batch gradient and its new
    pre-activation z_{t+1}(x_m) compared with kappa * z_t(x_m)."""

    kappa: sp.Symbol  # 1 - eta*lambda, with the sign assumption under study
    batch_gradient_w: sp.Expr
    batch_gradient_b: sp.Expr
    new_pre_activation: sp.Expr
    difference: sp.Expr  # z_{t+1}(x_m) - kappa * z_t(x_m), simplified
    new_sign_negative: bool | None  # SymPy's answer for kappa * z_t(x_m) < 0

    @property
    def gradient_vanishes(self) -> bool:
        return _is_zero(self.batch_gradient_w) and _is_zero(self.batch_gradient_b)

    def to_dict(self) -> dict[str, str]:
        return {
            "batch_gradient_w_j": str(self.batch_gradient_w),
            "batch_gradient_b": str(self.batch_gradient_b),
            "new_pre_activation": str(self.new_pre_activation),
            "substitution": f"lambda = (1 - kappa)/eta, kappa {_sign_word(self.kappa)}; "
            "b = beta[m] - Sum(w[i]*x[m, i], (i, 1, d)), beta[m] = z_t(x_m) < 0",
            "z_{t+1}(x_m) - kappa*z_t(x_m)": str(self.difference),
            "kappa*z_t(x_m) < 0": str(self.new_sign_negative),
        }


def _sign_word(symbol: sp.Symbol) -> str:
    return "> 0" if symbol.is_positive else "< 0" if symbol.is_negative else "real"


def decay_step(kappa: sp.Symbol) -> DecayStep:
    """One SGD step of a dead first-layer ReLU unit with weight decay on weights and bias.

    The batch gradient is built from the dead per-example gradients (exactly 0 by
    `dead.zero_gradient`) with arbitrary example weights c_n; the new pre-activation on any
    data point m is then compared with kappa * z_t(x_m), kappa = 1 - eta*lambda.
    """
    relu_expr = get("relu").expr
    term = C[NN] * PSI(relu_expr.subs(z, _pre(NN)), NN, THETA)
    dead = {B: BETA[NN] - _dot(NN)}
    grad_w = sp.Sum(sp.diff(term, W[J]).subs(dead), (NN, 1, COUNT)).doit()
    grad_b = sp.Sum(sp.diff(term, B).subs(dead), (NN, 1, COUNT)).doit()
    new_w = W[J] - ETA * (grad_w + LAM * W[J])
    new_b = B - ETA * (grad_b + LAM * B)
    new_pre = sp.Sum(new_w.subs(J, I) * X[MM, I], (I, 1, DIM)) + new_b
    at_point = new_pre.subs(LAM, (1 - kappa) / ETA).subs(B, BETA[MM] - _dot(MM))
    difference = sp.simplify(at_point - kappa * BETA[MM])
    return DecayStep(kappa, grad_w, grad_b, new_pre, difference, (kappa * BETA[MM]).is_negative)


@theorem(
    "dead.permanent_first_layer",
    r"Let a ReLU unit of the first hidden layer, $z_t(x) = w_t \cdot x + b_t$, be dead at "
    r"step $t$: $z_t(x) < 0$ for every $x$ in the training set. One step of full-batch or "
    r"minibatch SGD with any learning rate $\eta > 0$ and L2 weight decay $\lambda$ on the "
    r"unit's weights and bias with $0 \le \eta\lambda < 1$ gives "
    r"$z_{t+1}(x) = (1 - \eta\lambda)\, z_t(x) < 0$ for every $x$, whatever the loss, the "
    r"layers above and the batch. By induction the unit is dead at every later step, and "
    r"$z_{t+k}(x) = (1-\eta\lambda)^k z_t(x)$.",
    Method.EXACT_SYMBOLIC,
    source=Source(
        STANFORD_DOC,
        "That is, the ReLU units can irreversibly die during training since they can get "
        "knocked off the data manifold.",
    ),
)
def _prove_permanent_first_layer() -> Verdict:
    step = decay_step(KAPPA)
    certificate = step.to_dict() | {
        "induction": "the invariant 'z_t(x) < 0 for every data point x' holds at t, and the "
        "step keeps it (the data, the inputs of a first layer, never change); the layers "
        "above may change arbitrarily, Psi being arbitrary at every step",
        "boundary": "eta*lambda = 1 sends every z to 0 exactly; with relu'(0) = 0 the unit "
        "then stays at 0 with zero gradient",
    }
    if not step.gradient_vanishes:
        return undecided("the batch gradient of the dead unit did not vanish", **certificate)
    if step.difference != 0 or step.new_sign_negative is not True:
        return undecided("the one-step invariant was not established", **certificate)
    return proved(
        "the dead unit's batch gradient is exactly 0 for any example weights, so the step "
        "only decays: z_{t+1}(x_m) - (1 - eta*lambda) z_t(x_m) simplifies to 0 at every data "
        "point m, and kappa*beta[m] is negative by SymPy's assumptions (kappa > 0, beta < 0)",
        **certificate,
    )


def _first_layer_net(w: Any, b: Any, v: Any = 1, c: Any = 0) -> ExactMLP:
    """x -> v relu(w x + b) + c, one input, one hidden unit, one output."""
    return ExactMLP.of([[[w]], [[v]]], [[b], [c]])


@dataclass(frozen=True)
class Revival:
    """A trajectory of exact SGD steps, with the watched unit's pre-activations."""

    net: ExactMLP
    data: tuple[Example, ...]
    optimizer: SGD
    layer: int
    unit: int
    nets: tuple[ExactMLP, ...]  # after each step (nets[0] is the start)
    gradients: tuple[Vector, ...]  # the unit's gradient used at each step

    def pre_activations(self, t: int) -> tuple[Fraction, ...]:
        return unit_pre_activations(self.nets[t], [x for x, _ in self.data], self.layer, self.unit)

    def dead(self, t: int) -> bool:
        return all(v < 0 for v in self.pre_activations(t))

    def alive_somewhere(self, t: int) -> bool:
        return any(v > 0 for v in self.pre_activations(t))

    @property
    def touches_kink(self) -> bool:
        return any(n.touches_kink([x for x, _ in self.data]) for n in self.nets)

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.net.to_dict() | {"form": "z1 = W1 x + b1, a1 = relu(z1), ..."},
            "data": [{"x": _texts(x), "y": _texts(y)} for x, y in self.data],
            "optimizer": self.optimizer.to_dict(),
            "loss": "mean over the batch of |yhat - y|^2 / 2 (full batch)",
            "watched_unit": {"layer": self.layer + 1, "unit": self.unit + 1},
            "unit_pre_activations_by_step": [
                _texts(self.pre_activations(t)) for t in range(len(self.nets))
            ],
            "unit_gradient_by_step": [_texts(g) for g in self.gradients],
            "parameters_by_step": [n.to_dict() for n in self.nets],
            "relu_prime_at_0": "0 (PyTorch); "
            + (
                "some hidden pre-activation is exactly 0 here"
                if self.touches_kink
                else "no hidden pre-activation is exactly 0 here, so it is immaterial"
            ),
        }


def train(
    net: ExactMLP, data: Sequence[Example], optimizer: SGD, steps: int, layer: int, unit: int
) -> Revival:
    """Full-batch exact SGD for `steps` steps, watching one hidden unit."""
    nets, gradients, velocity = [net], [], None
    for _ in range(steps):
        gradients.append(unit_gradient(nets[-1], data, layer, unit))
        new, velocity, _ = optimizer.step(nets[-1], data, velocity)
        nets.append(new)
    return Revival(net, tuple(data), optimizer, layer, unit, tuple(nets), tuple(gradients))


def weight_decay_without_bias() -> tuple[Revival, Revival]:
    """w.x = -5, b = 3 (z = -2); decay halves w but not b; with decay on b as well."""
    net = _first_layer_net(-5, 3)
    data = (_example([1], [1]),)
    half = Fraction(1, 2)
    weights_only = train(net, data, SGD(half, weight_decay=Fraction(1), decay_bias=False), 1, 0, 0)
    both = train(net, data, SGD(half, weight_decay=Fraction(1), decay_bias=True), 1, 0, 0)
    return weights_only, both


@theorem(
    "dead.revives_weight_decay_without_bias",
    r"With L2 weight decay applied to the weights but not to the bias (a common default), a "
    r"dead first-layer ReLU unit can come back to life: there are data, a network and "
    r"$0 < \eta\lambda < 1$ with $z_0(x) < 0$ on every data point and $z_1(x) > 0$ on one.",
    Method.COUNTEREXAMPLE,
)
def _prove_revives_weight_decay_without_bias() -> Verdict:
    weights_only, both = weight_decay_without_bias()
    certificate = {
        "weight_decay_on_weights_only": weights_only.to_dict(),
        "weight_decay_on_weights_and_bias": {
            "unit_pre_activations_by_step": [
                _texts(both.pre_activations(t)) for t in range(len(both.nets))
            ]
        },
    }
    zero_gradient = all(g == 0 for g in weights_only.gradients[0])
    if weights_only.dead(0) and zero_gradient and weights_only.alive_somewhere(1):
        z0, z1 = weights_only.pre_activations(0)[0], weights_only.pre_activations(1)[0]
        return proved(
            f"x = 1, w = -5, b = 3: z = {z0} < 0 and the unit's gradient is exactly 0; "
            f"eta = 1/2, lambda = 1 decay w to -5/2 and leave b = 3, so z = {z1} > 0; with "
            f"the bias decayed too z = {both.pre_activations(1)[0]} < 0",
            **certificate,
        )
    return undecided("the constructed example did not revive", **certificate)


def momentum_revival(momentum: Fraction = Fraction(9, 10)) -> Revival:
    """Step 1 kills the unit (alive on x = 2, dead on x = -1, moved so that z(2) falls and
    z(-1) rises but stays < 0); step 2 has zero gradient but the velocity repeats the move."""
    net = _first_layer_net(1, -1)
    data = (_example([2], [-10]), _example([-1], [0]))
    return train(net, data, SGD(Fraction(1, 4), momentum=momentum), 2, 0, 0)


@theorem(
    "dead.revives_momentum",
    r"Under SGD with momentum ($v \leftarrow \mu v + g$, $\theta \leftarrow \theta - \eta v$), "
    r"a first-layer ReLU unit that is dead on the whole training set, with exactly zero "
    r"gradient, can come back to life: the velocity from before its death keeps moving its "
    r"weights. Plain SGD ($\mu = 0$) from the same state leaves it dead.",
    Method.COUNTEREXAMPLE,
)
def _prove_revives_momentum() -> Verdict:
    with_momentum = momentum_revival()
    plain = momentum_revival(Fraction(0))
    certificate = with_momentum.to_dict() | {
        "plain_sgd_pre_activations_by_step": [
            _texts(plain.pre_activations(t)) for t in range(len(plain.nets))
        ]
    }
    killed = with_momentum.alive_somewhere(0) and with_momentum.dead(1)
    zero_gradient = all(g == 0 for g in with_momentum.gradients[1])
    revived = with_momentum.alive_somewhere(2)
    plain_stays = plain.dead(1) and plain.dead(2)
    if killed and zero_gradient and revived and plain_stays:
        return proved(
            f"from zero velocity, step 1 kills the unit (pre-activations "
            f"{_texts(with_momentum.pre_activations(1))}); at step 2 its gradient is exactly 0, "
            f"yet momentum 9/10 moves it to {_texts(with_momentum.pre_activations(2))}: active "
            f"on x = -1; plain SGD from the same start stays at "
            f"{_texts(plain.pre_activations(2))}",
            **certificate,
        )
    return undecided("the constructed example did not revive under momentum", **certificate)


# ---- Adam: the first moment keeps a dead unit moving ------------------------------------

ADAM_PREC = 128  # bits: the balls are rigorous at any precision, this only keeps them narrow

# The parameters of an Adam trajectory are not rational (sqrt), so they are `arb` balls held
# in the same `ExactMLP` container; the data and the hyperparameters stay exact rationals.
BallMLP = ExactMLP


def _arb(q: Any) -> arb:
    """The exact ball of a rational."""
    q = Fraction(q)
    return arb(fmpq(q.numerator, q.denominator))


def _relu_sign(q: arb) -> int:
    """The sign of a pre-activation ball; a ball that contains 0 cannot be settled."""
    if q > 0:
        return 1
    if q < 0:
        return -1
    raise ArithmeticError(f"pre-activation ball {q} contains 0: its ReLU branch is undecided")


def ball_network(net: ExactMLP) -> BallMLP:
    return net.map(lambda _bias, q: _arb(q))


BALLS = _Arithmetic(_arb, lambda q: _relu_sign(q) > 0)


def ball_pre_activations(net: BallMLP, x: Sequence[Any]) -> tuple[tuple[arb, ...], ...]:
    """z_1, ..., z_L on an exact input x, as balls (hidden ReLU branches must be decided)."""
    return _forward(net, x, BALLS)


def ball_gradients(net: BallMLP, batch: Sequence[Example]) -> BallMLP:
    """`ExactMLP.gradients` in balls. relu'(z) = 0 for a ball z < 0 is the exact ball 0, so a
    unit below 0 on every example gets the exact gradient 0, not a small ball around it."""
    return _backward(net, batch, BALLS)


@dataclass(frozen=True)
class Adam:
    """torch.optim.Adam with weight_decay 0, amsgrad False: m = beta1*m + (1-beta1)*g,
    v = beta2*v + (1-beta2)*g^2, m_hat = m/(1-beta1^t), v_hat = v/(1-beta2^t),
    theta = theta - lr*m_hat/(sqrt(v_hat) + eps), t = 1, 2, ... counting steps.

    PyTorch computes lr/(1-beta1^t) * m / (sqrt(v)/sqrt(1-beta2^t) + eps): the same real
    number, so the same ball encloses both. The hyperparameters are exact rationals (eps is
    10^-8 exactly, not the binary float 1e-8); every step is done in `arb` balls."""

    lr: Fraction
    beta1: Fraction = Fraction(9, 10)
    beta2: Fraction = Fraction(999, 1000)
    eps: Fraction = Fraction(1, 10**8)

    def step(
        self, net: BallMLP, batch: Sequence[Example], moments: tuple[BallMLP, BallMLP], t: int
    ) -> tuple[BallMLP, tuple[BallMLP, BallMLP], BallMLP]:
        """Step t (from 1) on a batch: (new network, new (m, v), the gradient used)."""
        gradient = ball_gradients(net, batch)
        b1, b2 = _arb(self.beta1), _arb(self.beta2)
        c1, c2 = _arb(1 - self.beta1), _arb(1 - self.beta2)
        m = moments[0].map(lambda _bias, old, g: b1 * old + c1 * g, gradient)
        # g*g may be a ball reaching below 0; v >= 0 is true, so clip the ball to [0, oo)
        v = moments[1].map(
            lambda _bias, old, g: (b2 * old + c2 * (g * g)).nonnegative_part(), gradient
        )
        correction1, correction2 = _arb(1 - self.beta1**t), _arb(1 - self.beta2**t)
        lr, eps = _arb(self.lr), _arb(self.eps)

        def update(_bias: bool, theta: arb, m_: arb, v_: arb) -> arb:
            return theta - lr * (m_ / correction1) / ((v_ / correction2).sqrt() + eps)

        return net.map(update, m, v), (m, v), gradient

    def to_dict(self) -> dict[str, Any]:
        return {
            "lr": str(self.lr),
            "beta1": str(self.beta1),
            "beta2": str(self.beta2),
            "eps": str(self.eps),
            "weight_decay": "0",
            "amsgrad": False,
            "convention": "m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g^2; "
            "m_hat = m/(1-beta1^t); v_hat = v/(1-beta2^t); "
            "theta -= lr*m_hat/(sqrt(v_hat) + eps); m = v = 0 before step t = 1",
        }


def _enclosure(x: arb) -> str:
    """A ball as a decimal interval that contains it (outward rounding)."""
    lo, hi = _ends(x)
    return f"[{outward(lo, up=False)}, {outward(hi, up=True)}]"


@dataclass(frozen=True)
class BallRun:
    """A trajectory in ball arithmetic, watching one hidden unit."""

    net: ExactMLP
    data: tuple[Example, ...]
    optimizer: Adam | SGD
    layer: int
    unit: int
    nets: tuple[BallMLP, ...]  # after each step (nets[0] is the exact start)
    gradients: tuple[tuple[arb, ...], ...]  # the unit's gradient (weights, bias) at each step
    first_moments: tuple[tuple[arb, ...], ...]  # the unit's m after each step (SGD: velocity)

    def pre_activations(self, t: int) -> tuple[arb, ...]:
        with ctx.workprec(ADAM_PREC):
            return tuple(
                ball_pre_activations(self.nets[t], x)[self.layer][self.unit] for x, _ in self.data
            )

    def dead(self, t: int) -> bool:
        return all(v < 0 for v in self.pre_activations(t))

    def alive_somewhere(self, t: int) -> bool:
        return any(v > 0 for v in self.pre_activations(t))

    def zero_gradient(self, t: int) -> bool:
        """The unit's gradient at step t (on the parameters nets[t-1]) is exactly 0."""
        return all(g.is_zero() for g in self.gradients[t - 1])

    def revival_step(self) -> int | None:
        """The first t at which the unit is active somewhere after having been dead."""
        was_dead = False
        for t in range(len(self.nets)):
            if was_dead and self.alive_somewhere(t):
                return t
            was_dead = was_dead or self.dead(t)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.net.to_dict() | {"form": "yhat = v relu(w x + b) + c"},
            "data": [{"x": _texts(x), "y": _texts(y)} for x, y in self.data],
            "optimizer": self.optimizer.to_dict(),
            "loss": "mean over the batch of |yhat - y|^2 / 2 (full batch)",
            "watched_unit": {"layer": self.layer + 1, "unit": self.unit + 1},
            "arithmetic": f"arb balls at {ADAM_PREC} bits; each interval below contains the "
            "exact value",
            "unit_pre_activations_by_step": [
                [_enclosure(v) for v in self.pre_activations(t)] for t in range(len(self.nets))
            ],
            "unit_gradient_by_step_(w, b)": [
                [_enclosure(g) for g in grads] for grads in self.gradients
            ],
            "unit_first_moment_by_step_(w, b)": [
                [_enclosure(m) for m in moment] for moment in self.first_moments
            ],
            "relu_prime_at_0": "0 (PyTorch); no pre-activation ball here contains 0 (each "
            "branch is decided), so the convention is immaterial",
        }


def _unit_entries(net: BallMLP, layer: int, unit: int) -> tuple[arb, ...]:
    return (*net.weights[layer][unit], net.biases[layer][unit])


def train_balls(
    net: ExactMLP | BallMLP,
    data: Sequence[Example],
    optimizer: Adam | SGD,
    steps: int,
    layer: int,
    unit: int,
    start: ExactMLP | None = None,
) -> BallRun:
    """Full-batch steps in ball arithmetic from `net` (exact or balls; `start` labels an exact
    origin for the certificate). SGD here is plain (no momentum, no decay)."""
    with ctx.workprec(ADAM_PREC):
        current = net if isinstance(net.biases[0][0], arb) else ball_network(net)
        nets, gradients, moments_seen = [current], [], []
        zero = current.map(lambda _bias, _v: arb(0))
        moments = (zero, zero)
        lr = _arb(optimizer.lr)
        for t in range(1, steps + 1):
            if isinstance(optimizer, Adam):
                current, moments, gradient = optimizer.step(current, data, moments, t)
                moment = _unit_entries(moments[0], layer, unit)
            else:
                if optimizer.momentum or optimizer.weight_decay:
                    raise ValueError("ball SGD is plain: no momentum, no weight decay")
                gradient = ball_gradients(current, data)
                current = current.map(lambda _bias, theta, g: theta - lr * g, gradient)
                moment = _unit_entries(gradient, layer, unit)
            gradients.append(_unit_entries(gradient, layer, unit))
            moments_seen.append(moment)
            nets.append(current)
    origin = start if start is not None else net
    return BallRun(
        origin,
        tuple(data),
        optimizer,
        layer,
        unit,
        tuple(nets),
        tuple(gradients),
        tuple(moments_seen),
    )


ADAM_DATA = (_example([2], [0]), _example([-3], [0]))


def adam_revival(beta1: Fraction = Fraction(9, 10), steps: int = 3) -> BallRun:
    """w = 1/10, b = -1/10: active on x = 2 (z = 1/10), dead on x = -3 (z = -2/5). Step 1 is
    sign-like (about -lr on w and b): z(2) and z(-3) both fall to about -1/5. Then the
    gradient is exactly 0, but m keeps lowering w and b by about lr * (2/3, 1/2, ...), which
    raises z(-3) = -3w + b by twice that: it crosses 0 at step 3."""
    net = _first_layer_net("1/10", "-1/10")
    return train_balls(net, ADAM_DATA, Adam(Fraction(1, 10), beta1=beta1), steps, 0, 0)


def sgd_from_dead_state(run: BallRun, t: int, steps: int = 2) -> BallRun:
    """Plain SGD (same lr) for `steps` steps from the dead state reached by `run` at step t."""
    lr = run.optimizer.lr
    return train_balls(run.nets[t], run.data, SGD(lr), steps, run.layer, run.unit, run.net)


@theorem(
    "dead.revives_adam",
    r"Under Adam (PyTorch's update: $m \leftarrow \beta_1 m + (1-\beta_1) g$, "
    r"$v \leftarrow \beta_2 v + (1-\beta_2) g^2$, $\hat m = m/(1-\beta_1^t)$, "
    r"$\hat v = v/(1-\beta_2^t)$, $\theta \leftarrow \theta - \eta\,\hat m/(\sqrt{\hat v} + "
    r"\epsilon)$) with the defaults $\beta_1 = 9/10$, $\beta_2 = 999/1000$, "
    r"$\epsilon = 10^{-8}$, a first-layer ReLU unit that is dead on the whole training set, "
    r"with exactly zero gradient (convention $\mathrm{ReLU}'(0) = 0$), can come back to "
    r"life: the first moment $m$ from before its death keeps moving its weights. Plain SGD "
    r"from the same state leaves it dead.",
    Method.COUNTEREXAMPLE,
)
def _prove_revives_adam() -> Verdict:
    adam = adam_revival()
    memoryless = adam_revival(Fraction(0))
    plain = sgd_from_dead_state(adam, 1)
    certificate = adam.to_dict() | {
        "beta1_0_control_pre_activations_by_step": [
            [_enclosure(v) for v in memoryless.pre_activations(t)]
            for t in range(len(memoryless.nets))
        ],
        "plain_sgd_from_step_1_pre_activations_by_step": [
            [_enclosure(v) for v in plain.pre_activations(t)] for t in range(len(plain.nets))
        ],
    }
    try:
        killed = adam.alive_somewhere(0) and adam.dead(1) and adam.dead(2)
        zero_gradient = adam.zero_gradient(2) and adam.zero_gradient(3)
        moving = all(not m.is_zero() for m in adam.first_moments[1] + adam.first_moments[2])
        revived = adam.revival_step()
        memoryless_stays = all(memoryless.dead(t) for t in range(1, len(memoryless.nets)))
        plain_stays = all(plain.dead(t) for t in range(len(plain.nets))) and all(
            plain.zero_gradient(t) for t in range(1, len(plain.nets))
        )
    except ArithmeticError as error:
        return undecided(f"a ReLU branch was not decided: {error}", **certificate)
    certificate["revival_step"] = revived
    if killed and zero_gradient and moving and revived == 3 and plain_stays and memoryless_stays:
        z = [_enclosure(v) for v in adam.pre_activations(3)]
        return proved(
            f"step 1 kills the unit (pre-activations on x = 2, -3 in "
            f"{[_enclosure(v) for v in adam.pre_activations(1)]}, all < 0); at steps 2 and 3 "
            f"its gradient is exactly 0, yet the nonzero first moment moves it to {z} after "
            f"step 3: active on x = -3; plain SGD from the step-1 state keeps it where it is, "
            "dead (and so does Adam with beta1 = 0)",
            **certificate,
        )
    return undecided("the constructed example did not revive under Adam", **certificate)


@theorem(
    "dead.revives_large_decay",
    r"If $\eta\lambda > 1$ (weight decay on weights and bias), one SGD step turns every dead "
    r"first-layer ReLU unit into a unit active on every data point: "
    r"$z_{t+1}(x) = (1 - \eta\lambda)\, z_t(x) > 0$. So the bound $\eta\lambda < 1$ of the "
    r"first-layer permanence theorem cannot be dropped.",
    Method.EXACT_SYMBOLIC,
)
def _prove_revives_large_decay() -> Verdict:
    step = decay_step(KAPPA_NEGATIVE)
    example = train(
        _first_layer_net(-5, 3), (_example([1], [1]),), SGD(Fraction(3, 2), weight_decay=1), 1, 0, 0
    )
    positive = (KAPPA_NEGATIVE * BETA[MM]).is_positive
    certificate = step.to_dict() | {
        "kappa*z_t(x_m) > 0": str(positive),
        "example_eta_lambda_3/2": {
            "unit_pre_activations_by_step": [
                _texts(example.pre_activations(t)) for t in range(len(example.nets))
            ]
        },
    }
    if (
        step.gradient_vanishes
        and step.difference == 0
        and positive is True
        and example.alive_somewhere(1)
    ):
        return proved(
            "z_{t+1}(x_m) - (1 - eta*lambda) z_t(x_m) simplifies to 0 and the product of "
            "kappa < 0 with z_t(x_m) < 0 is positive by SymPy's assumptions; e.g. eta = 3/2, "
            f"lambda = 1: z goes from {example.pre_activations(0)[0]} to "
            f"{example.pre_activations(1)[0]}",
            **certificate,
        )
    return undecided("the sign flip was not established", **certificate)


# =======================================================================================
# Deeper layers: revival through the layers below
# =======================================================================================


def second_layer_revival() -> Revival:
    """x in {1, 2}; h = relu(x); u1 = relu(1/2 - h) is dead (h >= 1), u2 = relu(h) is alive;
    yhat = u1 + u2, targets 0. The gradient reaches the first layer through u2 only and
    lowers h below 1/2 on x = 1, which wakes u1."""
    net = ExactMLP.of(
        [[[1]], [[-1], [1]], [[1, 1]]],
        [[0], ["1/2", 0], [0]],
    )
    data = (_example([1], [0]), _example([2], [0]))
    return train(net, data, SGD(Fraction(1, 5)), 1, 1, 0)


def _second_layer_certificate(result: Revival) -> dict[str, Any]:
    gradient = result.net.gradients(result.data)
    return result.to_dict() | {
        "architecture": "1 input -> 1 ReLU unit h -> 2 ReLU units (u1 watched, u2) -> linear",
        "first_layer_(W, b)_before_after": [
            _texts((result.nets[t].weights[0], result.nets[t].biases[0])) for t in (0, 1)
        ],
        "first_layer_gradient_(W, b)": _texts((gradient.weights[0], gradient.biases[0])),
    }


@theorem(
    "dead.second_layer_revives",
    r"A ReLU unit of the second hidden layer that is dead on the whole training set (so its "
    r"own weights and bias get exactly zero gradient and do not move) can be active on a "
    r"training input after one plain SGD step without weight decay: the first layer, "
    r"trained through another path, changes the dead unit's inputs.",
    Method.COUNTEREXAMPLE,
)
def _prove_second_layer_revives() -> Verdict:
    result = second_layer_revival()
    certificate = _second_layer_certificate(result)
    first_layer_moved = result.nets[1].weights[0] != result.net.weights[0]
    unit_frozen = (
        result.nets[1].weights[1][0] == result.net.weights[1][0]
        and result.nets[1].biases[1][0] == result.net.biases[1][0]
    )
    zero_gradient = all(g == 0 for g in result.gradients[0])
    if result.dead(0) and zero_gradient and unit_frozen and first_layer_moved:
        if result.alive_somewhere(1):
            return proved(
                f"u1's pre-activations go from {_texts(result.pre_activations(0))} (dead, zero "
                f"gradient, its parameters unchanged) to {_texts(result.pre_activations(1))} "
                "after one step with eta = 1/5: active on x = 1",
                **certificate,
            )
    return undecided("the constructed example did not revive", **certificate)


# ---- a dead layer cuts the gradient -----------------------------------------------------


@dataclass(frozen=True)
class LayerCut:
    """d/dtheta of the loss through one ReLU layer, before and after making its units dead."""

    width: int | sp.Symbol
    loss: sp.Expr
    gradient: sp.Expr
    dead_gradient: sp.Expr

    def to_dict(self) -> dict[str, str]:
        return {
            "width": str(self.width),
            "loss": str(self.loss),
            "dL/dtheta": str(self.gradient),
            "dL/dtheta, dead": str(self.dead_gradient),
        }


def layer_cut(width: int, inputs: int = 3, alive: int | None = None) -> LayerCut:
    """d/dtheta of Psi(relu(z_1), ..., relu(z_width)) with z_j = sum_k W_jk h_k(theta) + b_j,
    h_k arbitrary functions of an earlier parameter theta, after setting every z_j to a
    negative beta_j (or, for `alive`, that one unit's z to a positive value)."""
    relu_expr = get("relu").expr
    hs = [sp.Function(f"h_{k + 1}")(THETA) for k in range(inputs)]
    weights = [
        [sp.Symbol(f"W_{j + 1}_{k + 1}", real=True) for k in range(inputs)] for j in range(width)
    ]
    biases = [sp.Symbol(f"b_{j + 1}", real=True) for j in range(width)]
    betas = [
        sp.Symbol(f"beta_{j + 1}", positive=True)
        if j == alive
        else sp.Symbol(f"beta_{j + 1}", negative=True)
        for j in range(width)
    ]
    lin = [sum(weights[j][k] * hs[k] for k in range(inputs)) for j in range(width)]
    loss = PSI(*[relu_expr.subs(z, lin[j] + biases[j]) for j in range(width)])
    gradient = sp.diff(loss, THETA)
    dead = gradient.subs({biases[j]: betas[j] - lin[j] for j in range(width)})
    return LayerCut(width, loss, gradient, sp.simplify(dead))


def layer_cut_general() -> LayerCut:
    """Any width n: the chain rule gives dL/dtheta = sum_j G_j relu'(z_j) dz_j/dtheta with
    G_j = dPsi/da_j (arbitrary); each unit's term is computed with a symbolic index j and
    vanishes, so the sum does. `loss` holds the linear model of Psi that has these G_j."""
    relu_expr = get("relu").expr
    width, inputs = sp.symbols("n_width m_inputs", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    unit = sp.Symbol("j", integer=True, positive=True)
    G = sp.IndexedBase("G", real=True)
    Wl = sp.IndexedBase("W", real=True)
    bl = sp.IndexedBase("b", real=True)
    betas = sp.IndexedBase("beta", negative=True)
    h = sp.Function("h")  # h(k, theta): output k of the layers below
    lin = sp.Sum(Wl[unit, k] * h(k, THETA), (k, 1, inputs))
    unit_output = relu_expr.subs(z, lin + bl[unit])
    term = G[unit] * sp.diff(unit_output, THETA)
    dead_term = term.subs(bl[unit], betas[unit] - lin)
    return LayerCut(
        width,
        sp.Sum(G[unit] * unit_output, (unit, 1, width)),
        sp.Sum(term, (unit, 1, width)),
        sp.Sum(dead_term, (unit, 1, width)).doit(),
    )


@theorem(
    "dead.layer_cut",
    r"If every unit of a ReLU hidden layer is dead (negative pre-activation $z_j$ on every "
    r"example), every parameter $\theta$ of every earlier layer gets exactly zero gradient, "
    r"for any differentiable loss and layers above: with the layer's inputs "
    r"$h_k(\theta)$ arbitrary differentiable functions, "
    r"$\partial \Psi(\mathrm{ReLU}(z_1), \dots, \mathrm{ReLU}(z_n)) / \partial\theta = 0$. "
    r"Shown with the full chain rule for widths $n = 3, 4, 5$ and, unit by unit, for any $n$.",
    Method.EXACT_SYMBOLIC,
    source=Source(
        DEAD_NEURON_DOC,
        "But the problem is if every neuron in a specific hidden layer is dead, it cuts the "
        "gradient to the previous layer resulting in zero gradients to the layers behind it.",
    ),
)
def _prove_layer_cut() -> Verdict:
    certificate: dict[str, Any] = {}
    for width in (3, 4, 5):
        result = layer_cut(width)
        certificate[f"width_{width}"] = (
            result.to_dict() if width == 3 else {"dL/dtheta, dead": str(result.dead_gradient)}
        )
        if result.dead_gradient != 0:
            return undecided(f"width {width}: the gradient did not vanish", **certificate)
    control = layer_cut(3, alive=0)
    certificate["control_unit_1_alive"] = str(control.dead_gradient)
    general = layer_cut_general()
    certificate["any_width"] = general.to_dict()
    if general.dead_gradient != 0:
        return undecided("the general-width sum did not vanish", **certificate)
    if control.dead_gradient == 0:
        return undecided("the control with a live unit also vanished", **certificate)
    return proved(
        "with b_j = beta_j - sum_k W_jk h_k(theta), beta_j < 0 for every unit, SymPy's chain "
        "rule through Psi gives exactly 0 for widths 3, 4, 5, and each unit's term vanishes for "
        "a symbolic unit index, so the sum over any width does; with one unit alive the "
        "gradient is nonzero (control); per example, and so for any dataset sum",
        **certificate,
    )


# ---- minibatches -------------------------------------------------------------------------


@dataclass(frozen=True)
class MinibatchExample:
    """One unit's gradient (dL/dw, dL/db) on three batches of the same two-point dataset."""

    net: ExactMLP
    pre_activations: tuple[Fraction, ...]  # on x = -1 and x = 1
    mixed: Vector  # batch {-1, 1}
    only_negative: Vector  # batch {-1}
    only_positive: Vector  # batch {1}

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.net.to_dict() | {"form": "yhat = v relu(w x + b) + c"},
            "data": "x = -1 and x = 1, targets 0",
            "unit_pre_activations": _texts(self.pre_activations),
            "unit_gradient_(w, b)_batch_{-1,1}": _texts(self.mixed),
            "unit_gradient_(w, b)_batch_{-1}": _texts(self.only_negative),
            "unit_gradient_(w, b)_batch_{1}": _texts(self.only_positive),
        }


def minibatch_example() -> MinibatchExample:
    """z = x on x in {-1, 1}: zero on x = -1, active on x = 1."""
    net = _first_layer_net(1, 0)
    negative, positive = _example([-1], [0]), _example([1], [0])
    return MinibatchExample(
        net,
        unit_pre_activations(net, [[-1], [1]], 0, 0),
        unit_gradient(net, [negative, positive], 0, 0),
        unit_gradient(net, [negative], 0, 0),
        unit_gradient(net, [positive], 0, 0),
    )


@theorem(
    "dead.minibatch_nuance",
    r"A ReLU unit that is 0 on some inputs of a minibatch but not on all gets a nonzero "
    r"averaged gradient in general, and a unit that is 0 on every input of one minibatch "
    r"(zero gradient on that step) can get a nonzero gradient on another: dead means "
    r"negative pre-activation on every input of the whole dataset.",
    Method.COUNTEREXAMPLE,
    source=Source(
        STANFORD_DOC,
        "(i.e. neurons that never activate across the entire training dataset)",
    ),
)
def _prove_minibatch_nuance() -> Verdict:
    e = minibatch_example()
    certificate = e.to_dict() | {
        "source_note": "the document's Chinese notes make the same point: averaging a "
        "minibatch's gradients, a unit that is 0 on some inputs but not others still gets a "
        "nonzero gradient; only units that are 0 on every input are dead",
    }
    mixed_nonzero = any(g != 0 for g in e.mixed)
    silent = all(g == 0 for g in e.only_negative)
    partly_zero = e.pre_activations[0] < 0 < e.pre_activations[1]
    if partly_zero and mixed_nonzero and silent and any(g != 0 for g in e.only_positive):
        return proved(
            f"on the batch (-1, 1) the unit is 0 on x = -1 yet its averaged gradient "
            f"(dL/dw, dL/db) is {_texts(e.mixed)}; on the batch (-1) alone it is exactly 0, "
            f"on (1) it is {_texts(e.only_positive)}",
            **certificate,
        )
    return undecided("the example did not show the nuance", **certificate)


# =======================================================================================
# No exact death: f' never vanishes
# =======================================================================================


def no_death_checks(name: str) -> list[dict[str, Any]]:
    """Each piece's derivative on its open interval, and both one-sided derivatives at each
    breakpoint, with the parameters replaced by symbols carrying NO_DEATH's assumptions;
    for each the answer of SymPy's assumption system."""
    spec = NO_DEATH[name]
    a = get(name)
    derivation = derive(name)
    params = _assumed_parameters(name)
    depth = sp.Symbol("p", positive=True)
    prop = "is_positive" if spec.positive else "is_nonzero"
    checks = []
    for k, (piece, d) in enumerate(zip(a.pieces, derivation.piece_derivatives, strict=True)):
        point = _interval_point(piece.lo, piece.hi, depth)
        where = z if point is None else point
        value = sp.sympify(d).subs(params).subs(z, where)
        checks.append(
            {
                "where": f"piece {k} on ({piece.lo}, {piece.hi}), z = {where}",
                "derivative": str(value),
                "decided": getattr(value, prop),
                "slope_positive": value.is_positive,
            }
        )
    for bp in derivation.breakpoints:
        for side, d in (("left", bp.left_derivative), ("right", bp.right_derivative)):
            value = sp.sympify(d).subs(params)
            checks.append(
                {
                    "where": f"{side} derivative at z = {bp.at}",
                    "derivative": str(value),
                    "decided": getattr(value, prop),
                    "slope_positive": value.is_positive,
                }
            )
    return checks


def _no_death_statement() -> str:
    parts = [rf"${get(n).title}$ (${spec.condition_latex}$)" for n, spec in NO_DEATH.items()]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    strict = [get(n).title for n, spec in NO_DEATH.items() if spec.positive]
    return (
        rf"For {listed}: $f'(z) \ne 0$ for every $z \ne 0$, and both one-sided derivatives "
        rf"at the breakpoint $0$ are $\ne 0$; for ${', '.join(strict)}$ they are all $> 0$. So "
        r"no pre-activation gives an exactly zero gradient."
    )


@theorem("dead.no_exact_death", _no_death_statement(), Method.EXACT_SYMBOLIC)
def _prove_no_exact_death() -> Verdict:
    certificate: dict[str, Any] = {}
    failed: list[str] = []
    for name, spec in NO_DEATH.items():
        checks = no_death_checks(name)
        certificate[name] = {
            "assumptions": {
                p: sorted(k for k, v in a.items() if v) for p, a in spec.assumptions.items()
            },
            "decides": "f' > 0" if spec.positive else "f' != 0",
            "checks": [
                c | {"decided": str(c["decided"]), "slope_positive": str(c["slope_positive"])}
                for c in checks
            ],
        }
        failed += [f"{name}: {c['where']}" for c in checks if c["decided"] is not True]
    certificate["prelu"]["note"] = (
        "for a < 0 the one-sided derivatives a and 1 have opposite signs, so the subgradient "
        "interval [a, 1] at the kink contains 0; f' itself is never 0"
    )
    if failed:
        return undecided(
            f"SymPy's assumptions did not decide the sign at: {'; '.join(failed)}", **certificate
        )
    count = sum(len(c["checks"]) for c in certificate.values() if isinstance(c, dict))
    return proved(
        f"all {count} checks -- each piece's derivative on its open interval (z written as -p "
        "or p with p > 0) and each one-sided derivative at a breakpoint, from the calculus "
        "module's derivation -- are decided positive (PReLU: nonzero) by SymPy's assumption "
        "system",
        **certificate,
    )


# =======================================================================================
# Isolated zeros of f': GELU, SiLU, Mish
# =======================================================================================


@dataclass(frozen=True)
class Step:
    """One step of an argument: what was computed, and whether it came out as needed."""

    claim: str
    value: Any  # a SymPy result, a bool from the assumption system or a ball comparison
    holds: bool

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim, "value": str(self.value), "holds": self.holds}


def _step(claim: str, value: Any, needed: Any = True) -> Step:
    """`needed` True asks for a decided True (SymPy's None is not enough); else equality."""
    holds = value is True if needed is True else bool(value == needed)
    return Step(claim, value, holds)


@dataclass(frozen=True)
class IsolatedZero:
    """The argument that f' has exactly one real zero, and that zero's enclosure."""

    activation: str
    derivative: sp.Expr
    steps: tuple[Step, ...]
    enclosure: RootEnclosure | None
    argument: str
    details: dict[str, Any]  # JSON-ready: closed forms, balls, boxes

    @property
    def established(self) -> bool:
        return self.enclosure is not None and all(s.holds for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "activation": self.activation,
            "derivative": str(self.derivative),
            "argument": self.argument,
            "steps": [s.to_dict() for s in self.steps],
            "root": None if self.enclosure is None else self.enclosure.to_dict(),
            **self.details,
        }


def gelu_zero() -> IsolatedZero:
    """GELU: f'' = phi(z) (2 - z^2); f' falls from 0 on (-oo, -sqrt2], rises on
    [-sqrt2, sqrt2] (f'(0) = 1/2), falls towards 1 on [sqrt2, oo)."""
    f1 = derive("gelu").piece_derivatives[0]
    f2 = sp.diff(f1, z)
    phi = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    quadratic = 2 - z**2
    p = sp.Symbol("p", positive=True)
    q = sp.Symbol("q", positive=True)
    sqrt2 = sp.sqrt(2)
    steps = (
        _step("f'' - phi(z) (2 - z^2) = 0", sp.simplify(f2 - phi * quadratic), 0),
        _step("phi(z) > 0", phi.is_positive),
        # z = -sqrt2 - p and z = sqrt2 + p sweep the outer half-lines as p runs over (0, oo);
        # z = sqrt2 (q-1)/(q+1) sweeps (-sqrt2, sqrt2) as q does.
        _step("2 - z^2 < 0 on (-oo, -sqrt2)", sp.expand(quadratic.subs(z, -sqrt2 - p)).is_negative),
        _step("2 - z^2 < 0 on (sqrt2, oo)", sp.expand(quadratic.subs(z, sqrt2 + p)).is_negative),
        _step(
            "2 - z^2 > 0 on (-sqrt2, sqrt2)",
            sp.factor(quadratic.subs(z, sqrt2 * (q - 1) / (q + 1))).is_positive,
        ),
        _step("f'(-oo) = 0", sp.limit(f1, z, -sp.oo), 0),
        _step("f'(+oo) = 1", sp.limit(f1, z, sp.oo), 1),
        _step("f'(0) = 1/2", f1.subs(z, 0), sp.Rational(1, 2)),
    )
    # [-1, -1/2] lies inside (-sqrt2, 0), where f' is strictly increasing.
    enclosure = locate_root(arb_function(f1), Fraction(-1), Fraction(-1, 2))
    return IsolatedZero(
        "gelu",
        f1,
        steps,
        enclosure,
        "f'' < 0 on (-oo, -sqrt2): f' strictly decreasing from its limit 0, so f' < 0 on "
        "(-oo, -sqrt2]; f'' > 0 on (-sqrt2, sqrt2): f' strictly increasing with f'(0) = 1/2, "
        "so f' >= 1/2 on [0, sqrt2] and f' has at most one zero on [-sqrt2, 0]; f'' < 0 on "
        "(sqrt2, oo): f' decreasing to 1, so f' > 1 there. The ball signs f'(-1) < 0 < "
        "f'(-1/2) give the zero, bisection narrows it",
        {"second_derivative": str(f2)},
    )


def silu_zero() -> IsolatedZero:
    """SiLU (beta = 1): f' = e^z (e^z + 1 + z) / (1 + e^z)^2; g = e^z + 1 + z is strictly
    increasing from -oo to oo; z* = -1 - W(1/e)."""
    beta = get("silu").symbols["beta"]
    f1_beta = derive("silu").piece_derivatives[0]
    f1 = f1_beta.subs(beta, 1)
    g = sp.exp(z) + 1 + z
    factor = sp.exp(z) / (1 + sp.exp(z)) ** 2
    omega = sp.Symbol("omega", positive=True)  # stands for W(1/e), defined by w e^w = 1/e
    closed_form = -1 - sp.LambertW(sp.exp(-1))
    steps = (
        _step("f'_beta(z) = f'_1(beta z)", sp.simplify(f1_beta - f1.subs(z, beta * z)), 0),
        _step("f' = e^z g(z) / (1 + e^z)^2", sp.simplify(f1 - factor * g), 0),
        _step("e^z / (1 + e^z)^2 > 0", factor.is_positive),
        _step("g'(z) = e^z + 1 > 0", sp.diff(g, z).is_positive),
        _step("g(-oo) = -oo", sp.limit(g, z, -sp.oo), -sp.oo),
        _step("g(+oo) = +oo", sp.limit(g, z, sp.oo), sp.oo),
        _step(
            "e^w g(-1 - w) = 1/e - w e^w",
            sp.expand(sp.exp(omega) * g.subs(z, -1 - omega) - (sp.exp(-1) - omega * sp.exp(omega))),
            0,
        ),
    )
    with ctx.workprec(PREC):
        closed_ball = arb_function(closed_form)(arb(0))
    # Widen the tiny ball a little so that g has a definite sign at both ends.
    margin = Fraction(1, 10**20)
    lo, hi = _ends(closed_ball)
    enclosure = locate_root(arb_function(g), lo - margin, hi + margin)
    return IsolatedZero(
        "silu",
        f1,
        steps,
        enclosure,
        "f' = 0 iff g(z) = e^z + 1 + z = 0 (the factor e^z/(1+e^z)^2 is positive); g' > 0 and "
        "g runs from -oo to oo, so g has exactly one zero; e^w g(-1-w) = 1/e - w e^w vanishes "
        "at w = W(1/e) by the definition of W, so the zero is -1 - W(1/e); g has opposite "
        "ball signs at the ends of the enclosure; f'_beta(z) = f'_1(beta z) moves the zero to "
        "z*/beta",
        {
            "closed_form": str(closed_form),
            "closed_form_ball": closed_ball.str(30, radius=True),
        },
    )


@dataclass(frozen=True)
class BoxCover:
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


def cover_boxes(
    first: Callable[[arb], arb],
    second: Callable[[arb], arb],
    lo: Fraction,
    hi: Fraction,
    prec: int = PREC,
    max_boxes: int = 10_000,
) -> BoxCover:
    """Adaptive bisection of [lo, hi] until every box is settled (see `BoxCover`)."""
    sign_boxes, monotone_boxes, evaluated = [], [], 0
    stack = [(lo, hi)]
    with ctx.workprec(prec):
        while stack:
            a, b = stack.pop()
            evaluated += 1
            if evaluated > max_boxes:
                raise ArithmeticError(f"more than {max_boxes} boxes")
            box = _ball(a, b)
            s1 = _sign(first(box))
            if s1:
                sign_boxes.append((a, b, s1))
                continue
            s2 = _sign(second(box))
            if s2:
                s_lo, s_hi = _sign(first(_ball(a))), _sign(first(_ball(b)))
                if s_lo and s_hi:
                    monotone_boxes.append((a, b, s2, s_lo, s_hi))
                    continue
            mid = (a + b) / 2
            stack.extend([(mid, b), (a, mid)])
    return BoxCover(tuple(sign_boxes), tuple(monotone_boxes), evaluated)


def _contiguous(intervals: list[tuple[Fraction, Fraction]], lo: Fraction, hi: Fraction) -> bool:
    position = lo
    for a, b in intervals:
        if a != position:
            return False
        position = b
    return position == hi


MISH_TAIL = -3


def mish_zero() -> IsolatedZero:
    """Mish: f' > 0 on [0, oo), f' < 0 on (-oo, -3], and a box cover of [-3, 0]."""
    f1 = derive("mish").piece_derivatives[0]
    f2 = sp.diff(f1, z)
    softplus = sp.log(1 + sp.exp(z))
    sigma = sp.exp(z) / (1 + sp.exp(z))
    form = sp.tanh(softplus) + z * sp.sech(softplus) ** 2 * sigma
    nonnegative = sp.Symbol("p", nonnegative=True)
    # The tail z <= -3, with t = e^z in (0, e^-3] and s = log(1 + t) > 0:
    #   tanh(s) <= s <= t                      (tanh u <= u for u >= 0; log(1+t) <= t)
    #   sech(s)^2 >= sech(log(1 + e^-3))^2     (sech^2 decreases in s >= 0, s increases in z)
    #   sigma(z) = t/(1 + t) >= t/(1 + e^-3)   (1 + t <= 1 + e^-3)
    #   z sech(s)^2 sigma(z) <= -3 sech(s)^2 sigma(z)   (z <= -3, the product is positive)
    # so f'(z) <= t (1 - 3 sech(log(1 + e^-3))^2 / (1 + e^-3)) = t * TAIL, and TAIL < 0
    # (checked in ball arithmetic) makes f' < 0 on the whole tail.
    e3 = sp.exp(sp.Integer(MISH_TAIL))
    s3 = sp.log(1 + e3)
    tail_constant = 1 - 3 * (1 - sp.tanh(s3) ** 2) / (1 + e3)  # sech^2 = 1 - tanh^2
    with ctx.workprec(PREC):
        tail_ball = arb_function(tail_constant)(arb(0))
    first, second = arb_function(f1), arb_function(f2)
    cover = cover_boxes(first, second, Fraction(MISH_TAIL), Fraction(0))
    crossing = [b for b in cover.monotone_boxes if b[3] != b[4]]
    steps = (
        _step("f' = tanh(s) + z sech(s)^2 sigma(z), s = log(1 + e^z)", sp.simplify(f1 - form), 0),
        _step("f' > 0 on [0, oo)", form.subs(z, nonnegative).is_positive),
        _step("tail constant < 0 (so f' < 0 on (-oo, -3])", tail_ball < 0),
        _step("the boxes tile [-3, 0]", _contiguous(cover.covers, Fraction(MISH_TAIL), 0)),
        _step("zeros of f' on [-3, 0]", cover.zeros, 1),
    )
    enclosure = locate_root(first, crossing[0][0], crossing[0][1]) if len(crossing) == 1 else None
    return IsolatedZero(
        "mish",
        f1,
        steps,
        enclosure,
        "f' > 0 on [0, oo) (tanh(s) > 0, the other term >= 0); f' < 0 on (-oo, -3] (tail "
        "lemma); on [-3, 0] each box has f' of one sign (no zero) or f'' of one sign (f' "
        "strictly monotone: one zero if its ends differ in sign, else none); the zeros add up "
        "to exactly one",
        {
            "tail_lemma": "for z <= -3, t = e^z: tanh(s) <= t, sech(s)^2 >= "
            "sech(log(1+e^-3))^2, sigma(z) >= t/(1+e^-3), so f'(z) <= t * tail_constant",
            "tail_constant": str(tail_constant),
            "tail_constant_ball": tail_ball.str(20, radius=True),
            "cover_of_[-3,0]": cover.to_dict(),
        },
    )


STATED_ROOTS = {"gelu": "-0.7517915247", "silu": "-1.278464543", "mish": "-1.192431215"}
ZERO_FINDERS: dict[str, Callable[[], IsolatedZero]] = {
    "gelu": gelu_zero,
    "silu": silu_zero,
    "mish": mish_zero,
}
ZERO_STATEMENTS = {
    "gelu": r"GELU's derivative $f'(z) = \Phi(z) + z\varphi(z)$ vanishes at exactly one real "
    r"point $z^*$, and $z^* = -0.7517915247$ to 10 significant digits.",
    "silu": r"SiLU's derivative ($\beta = 1$) $f'(z) = \sigma(z)(1 + z(1 - \sigma(z)))$ "
    r"vanishes at exactly one real point $z^* = -1 - W(1/e)$ ($W$ the Lambert W function), "
    r"and $z^* = -1.278464543$ to 10 significant digits; for general $\beta > 0$ the zero "
    r"is $z^*/\beta$.",
    "mish": r"Mish's derivative $f'(z) = \tanh(s) + z\,\mathrm{sech}^2(s)\,\sigma(z)$, "
    r"$s = \log(1 + e^z)$, vanishes at exactly one real point $z^*$, and "
    r"$z^* = -1.192431215$ to 10 significant digits.",
}


def _root_verdict(name: str, result: IsolatedZero) -> Verdict:
    certificate = result.to_dict() | {"stated": STATED_ROOTS[name]}
    if not result.established:
        failed = [s.claim for s in result.steps if not s.holds]
        return undecided(f"steps not established: {'; '.join(failed) or 'the root'}", **certificate)
    enclosure = result.enclosure
    if enclosure.rounded != Decimal(STATED_ROOTS[name]):
        return refuted(
            f"the unique zero rounds to {enclosure.rounded}, not {STATED_ROOTS[name]}",
            **certificate,
        )
    return proved(
        f"{len(result.steps)} steps establish exactly one zero; it lies in "
        f"[{outward(enclosure.lo, up=False)}, {outward(enclosure.hi, up=True)}] (exact ends "
        f"in the certificate) and rounds to {enclosure.rounded}",
        **certificate,
    )


def _prove_isolated_zero(name: str) -> Verdict:
    return _root_verdict(name, ZERO_FINDERS[name]())


for _name, _statement in ZERO_STATEMENTS.items():
    theorem(f"dead.isolated_zeros.{_name}", _statement, Method.INTERVAL)(
        functools.partial(_prove_isolated_zero, _name)
    )
