"""Small fully connected ReLU networks in exact rational or rigorous ball arithmetic.

`ExactMLP` holds Fraction parameters (or `arb` balls: `ball_network`); one forward pass and
one backpropagation serve both number types (`_Arithmetic`), so a counterexample computed
in exact rationals and an Adam trajectory computed in balls follow the same code. `SGD` is
PyTorch's update. Conventions: ReLU in the hidden layers, a linear output layer, the loss
mean over the batch of |yhat - y|^2 / 2, relu'(0) = 0 as in PyTorch; a ball pre-activation
that contains 0 leaves its ReLU branch undecided and raises ArithmeticError.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flint import arb

from numeric.intervals import ball

Vector = tuple[Fraction, ...]
Matrix = tuple[Vector, ...]
Example = tuple[Vector, Vector]  # (input, target)


def as_vector(values: Any) -> Vector:
    return tuple(Fraction(v) for v in values)


def as_texts(values: Any) -> Any:
    """Nested tuples of Fractions as nested lists of exact strings (for certificates)."""
    if isinstance(values, (tuple, list)):
        return [as_texts(v) for v in values]
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
            tuple(tuple(as_vector(row) for row in W) for W in weights),
            tuple(as_vector(b) for b in biases),
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
        return {"weights": as_texts(self.weights), "biases": as_texts(self.biases)}


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


def make_example(x: Sequence[Any], y: Sequence[Any]) -> Example:
    return as_vector(x), as_vector(y)


def first_layer_net(w: Any, b: Any, v: Any = 1, c: Any = 0) -> ExactMLP:
    """x -> v relu(w x + b) + c, one input, one hidden unit, one output."""
    return ExactMLP.of([[[w]], [[v]]], [[b], [c]])


# The parameters of an Adam trajectory are not rational (sqrt), so they are `arb` balls held
# in the same `ExactMLP` container; the data and the hyperparameters stay exact rationals.
BallMLP = ExactMLP


def exact_ball(q: Any) -> arb:
    """The exact ball of a rational."""
    return ball(Fraction(q))


def _relu_sign(q: arb) -> int:
    """The sign of a pre-activation ball; a ball that contains 0 cannot be settled."""
    if q > 0:
        return 1
    if q < 0:
        return -1
    raise ArithmeticError(f"pre-activation ball {q} contains 0: its ReLU branch is undecided")


def ball_network(net: ExactMLP) -> BallMLP:
    return net.map(lambda _bias, q: exact_ball(q))


BALLS = _Arithmetic(exact_ball, lambda q: _relu_sign(q) > 0)


def ball_pre_activations(net: BallMLP, x: Sequence[Any]) -> tuple[tuple[arb, ...], ...]:
    """z_1, ..., z_L on an exact input x, as balls (hidden ReLU branches must be decided)."""
    return _forward(net, x, BALLS)


def ball_gradients(net: BallMLP, batch: Sequence[Example]) -> BallMLP:
    """`ExactMLP.gradients` in balls. relu'(z) = 0 for a ball z < 0 is the exact ball 0, so a
    unit below 0 on every example gets the exact gradient 0, not a small ball around it."""
    return _backward(net, batch, BALLS)
