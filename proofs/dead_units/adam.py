"""Training trajectories in ball arithmetic: Adam, and plain SGD from a given state.

Adam's steps involve square roots, so its trajectory is not rational: `train_balls` runs it
in `arb` balls (every ReLU branch decided from a ball that excludes 0), `BallRun` records
the watched unit. Used by theorem `dead.revives_adam` in `permanence`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flint import arb, ctx

from numeric.intervals import ends, outward
from proofs.dead_units.exact_mlp import (
    SGD,
    BallMLP,
    ExactMLP,
    Example,
    as_texts,
    ball_gradients,
    ball_network,
    ball_pre_activations,
    exact_ball,
    first_layer_net,
    make_example,
)

ADAM_PREC = 128  # bits: the balls are rigorous at any precision, this only keeps them narrow


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
        b1, b2 = exact_ball(self.beta1), exact_ball(self.beta2)
        c1, c2 = exact_ball(1 - self.beta1), exact_ball(1 - self.beta2)
        m = moments[0].map(lambda _bias, old, g: b1 * old + c1 * g, gradient)
        # g*g may be a ball reaching below 0; v >= 0 is true, so clip the ball to [0, oo)
        v = moments[1].map(
            lambda _bias, old, g: (b2 * old + c2 * (g * g)).nonnegative_part(), gradient
        )
        correction1, correction2 = exact_ball(1 - self.beta1**t), exact_ball(1 - self.beta2**t)
        lr, eps = exact_ball(self.lr), exact_ball(self.eps)

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


def enclosure_text(x: arb) -> str:
    """A ball as a decimal interval that contains it (outward rounding)."""
    lo, hi = ends(x)
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
            "data": [{"x": as_texts(x), "y": as_texts(y)} for x, y in self.data],
            "optimizer": self.optimizer.to_dict(),
            "loss": "mean over the batch of |yhat - y|^2 / 2 (full batch)",
            "watched_unit": {"layer": self.layer + 1, "unit": self.unit + 1},
            "arithmetic": f"arb balls at {ADAM_PREC} bits; each interval below contains the "
            "exact value",
            "unit_pre_activations_by_step": [
                [enclosure_text(v) for v in self.pre_activations(t)] for t in range(len(self.nets))
            ],
            "unit_gradient_by_step_(w, b)": [
                [enclosure_text(g) for g in grads] for grads in self.gradients
            ],
            "unit_first_moment_by_step_(w, b)": [
                [enclosure_text(m) for m in moment] for moment in self.first_moments
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
        lr = exact_ball(optimizer.lr)
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


ADAM_DATA = (make_example([2], [0]), make_example([-3], [0]))


def adam_revival(beta1: Fraction = Fraction(9, 10), steps: int = 3) -> BallRun:
    """w = 1/10, b = -1/10: active on x = 2 (z = 1/10), dead on x = -3 (z = -2/5). Step 1 is
    sign-like (about -lr on w and b): z(2) and z(-3) both fall to about -1/5. Then the
    gradient is exactly 0, but m keeps lowering w and b by about lr * (2/3, 1/2, ...), which
    raises z(-3) = -3w + b by twice that: it crosses 0 at step 3."""
    net = first_layer_net("1/10", "-1/10")
    return train_balls(net, ADAM_DATA, Adam(Fraction(1, 10), beta1=beta1), steps, 0, 0)


def sgd_from_dead_state(run: BallRun, t: int, steps: int = 2) -> BallRun:
    """Plain SGD (same lr) for `steps` steps from the dead state reached by `run` at step t."""
    lr = run.optimizer.lr
    return train_balls(run.nets[t], run.data, SGD(lr), steps, run.layer, run.unit, run.net)
