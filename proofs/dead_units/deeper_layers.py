"""Dead units beyond the first layer, dead layers, and minibatches.

`dead.second_layer_revives`: a dead second-layer unit comes back when the first layer moves;
`dead.layer_cut`: a fully dead layer gives every earlier parameter exactly zero gradient;
`dead.minibatch_nuance`: zero on part of a batch is not dead.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from derivations.catalogue import get, z
from proofs.dead_units.exact_mlp import (
    SGD,
    ExactMLP,
    Vector,
    as_texts,
    first_layer_net,
    make_example,
    unit_gradient,
    unit_pre_activations,
)
from proofs.dead_units.permanence import Revival, train
from proofs.dead_units.sources import DEAD_NEURON_DOC, STANFORD_DOC
from proofs.dead_units.zero_gradient import PSI, THETA
from proofs.theorem import Method, Source, Verdict, proved, theorem, undecided


def second_layer_revival() -> Revival:
    """x in {1, 2}; h = relu(x); u1 = relu(1/2 - h) is dead (h >= 1), u2 = relu(h) is alive;
    yhat = u1 + u2, targets 0. The gradient reaches the first layer through u2 only and
    lowers h below 1/2 on x = 1, which wakes u1."""
    net = ExactMLP.of(
        [[[1]], [[-1], [1]], [[1, 1]]],
        [[0], ["1/2", 0], [0]],
    )
    data = (make_example([1], [0]), make_example([2], [0]))
    return train(net, data, SGD(Fraction(1, 5)), 1, 1, 0)


def _second_layer_certificate(result: Revival) -> dict[str, Any]:
    gradient = result.net.gradients(result.data)
    return result.to_dict() | {
        "architecture": "1 input -> 1 ReLU unit h -> 2 ReLU units (u1 watched, u2) -> linear",
        "first_layer_(W, b)_before_after": [
            as_texts((result.nets[t].weights[0], result.nets[t].biases[0])) for t in (0, 1)
        ],
        "first_layer_gradient_(W, b)": as_texts((gradient.weights[0], gradient.biases[0])),
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
                f"u1's pre-activations go from {as_texts(result.pre_activations(0))} (dead, zero "
                f"gradient, its parameters unchanged) to {as_texts(result.pre_activations(1))} "
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
            "unit_pre_activations": as_texts(self.pre_activations),
            "unit_gradient_(w, b)_batch_{-1,1}": as_texts(self.mixed),
            "unit_gradient_(w, b)_batch_{-1}": as_texts(self.only_negative),
            "unit_gradient_(w, b)_batch_{1}": as_texts(self.only_positive),
        }


def minibatch_example() -> MinibatchExample:
    """z = x on x in {-1, 1}: zero on x = -1, active on x = 1."""
    net = first_layer_net(1, 0)
    negative, positive = make_example([-1], [0]), make_example([1], [0])
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
            f"(dL/dw, dL/db) is {as_texts(e.mixed)}; on the batch (-1) alone it is exactly 0, "
            f"on (1) it is {as_texts(e.only_positive)}",
            **certificate,
        )
    return undecided("the example did not show the nuance", **certificate)
