"""Permanence of a dead first-layer unit, and what breaks it.

`dead.permanent_first_layer`: under (minibatch) SGD with weight decay on weights and bias
and 0 <= eta*lambda < 1 a dead first-layer unit stays dead (`decay_step`, symbolically).
Exact counterexamples for each condition: decay on the weights but not the bias
(`dead.revives_weight_decay_without_bias`), momentum (`dead.revives_momentum`), Adam
(`dead.revives_adam`, in ball arithmetic) and eta*lambda > 1 (`dead.revives_large_decay`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from derivations.catalogue import get, z
from proofs.dead_units.adam import adam_revival, enclosure_text, sgd_from_dead_state
from proofs.dead_units.exact_mlp import (
    SGD,
    ExactMLP,
    Example,
    Vector,
    as_texts,
    first_layer_net,
    make_example,
    unit_gradient,
    unit_pre_activations,
)
from proofs.dead_units.sources import STANFORD_DOC
from proofs.dead_units.zero_gradient import (
    BETA,
    COUNT,
    DIM,
    ETA,
    LAM,
    MM,
    NN,
    PSI,
    THETA,
    B,
    C,
    I,
    J,
    W,
    X,
    dot_product,
    is_zero,
    pre_activation,
)
from proofs.theorem import Method, Source, Verdict, proved, theorem, undecided

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
        return is_zero(self.batch_gradient_w) and is_zero(self.batch_gradient_b)

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
    term = C[NN] * PSI(relu_expr.subs(z, pre_activation(NN)), NN, THETA)
    dead = {B: BETA[NN] - dot_product(NN)}
    grad_w = sp.Sum(sp.diff(term, W[J]).subs(dead), (NN, 1, COUNT)).doit()
    grad_b = sp.Sum(sp.diff(term, B).subs(dead), (NN, 1, COUNT)).doit()
    new_w = W[J] - ETA * (grad_w + LAM * W[J])
    new_b = B - ETA * (grad_b + LAM * B)
    new_pre = sp.Sum(new_w.subs(J, I) * X[MM, I], (I, 1, DIM)) + new_b
    at_point = new_pre.subs(LAM, (1 - kappa) / ETA).subs(B, BETA[MM] - dot_product(MM))
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
            "data": [{"x": as_texts(x), "y": as_texts(y)} for x, y in self.data],
            "optimizer": self.optimizer.to_dict(),
            "loss": "mean over the batch of |yhat - y|^2 / 2 (full batch)",
            "watched_unit": {"layer": self.layer + 1, "unit": self.unit + 1},
            "unit_pre_activations_by_step": [
                as_texts(self.pre_activations(t)) for t in range(len(self.nets))
            ],
            "unit_gradient_by_step": [as_texts(g) for g in self.gradients],
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
    net = first_layer_net(-5, 3)
    data = (make_example([1], [1]),)
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
                as_texts(both.pre_activations(t)) for t in range(len(both.nets))
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
    net = first_layer_net(1, -1)
    data = (make_example([2], [-10]), make_example([-1], [0]))
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
            as_texts(plain.pre_activations(t)) for t in range(len(plain.nets))
        ]
    }
    killed = with_momentum.alive_somewhere(0) and with_momentum.dead(1)
    zero_gradient = all(g == 0 for g in with_momentum.gradients[1])
    revived = with_momentum.alive_somewhere(2)
    plain_stays = plain.dead(1) and plain.dead(2)
    if killed and zero_gradient and revived and plain_stays:
        return proved(
            f"from zero velocity, step 1 kills the unit (pre-activations "
            f"{as_texts(with_momentum.pre_activations(1))}); at step 2 its gradient is exactly 0, "
            f"yet momentum 9/10 moves it to {as_texts(with_momentum.pre_activations(2))}: active "
            f"on x = -1; plain SGD from the same start stays at "
            f"{as_texts(plain.pre_activations(2))}",
            **certificate,
        )
    return undecided("the constructed example did not revive under momentum", **certificate)


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
            [enclosure_text(v) for v in memoryless.pre_activations(t)]
            for t in range(len(memoryless.nets))
        ],
        "plain_sgd_from_step_1_pre_activations_by_step": [
            [enclosure_text(v) for v in plain.pre_activations(t)] for t in range(len(plain.nets))
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
        z = [enclosure_text(v) for v in adam.pre_activations(3)]
        return proved(
            f"step 1 kills the unit (pre-activations on x = 2, -3 in "
            f"{[enclosure_text(v) for v in adam.pre_activations(1)]}, all < 0); at steps 2 and 3 "
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
        first_layer_net(-5, 3),
        (make_example([1], [1]),),
        SGD(Fraction(3, 2), weight_decay=1),
        1,
        0,
        0,
    )
    positive = (KAPPA_NEGATIVE * BETA[MM]).is_positive
    certificate = step.to_dict() | {
        "kappa*z_t(x_m) > 0": str(positive),
        "example_eta_lambda_3/2": {
            "unit_pre_activations_by_step": [
                as_texts(example.pre_activations(t)) for t in range(len(example.nets))
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
