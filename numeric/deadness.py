"""Dead and tau-dormant units, and the bit-exact gradient audit.

A hidden unit is DEAD on a data set when every input puts its pre-activation in the
activation's zero-gradient set. The set is taken from the calculus
(`derivations.calculus.derive(name, params).zero_gradient_set`), never typed here:

- its open intervals (relu: (-oo, 0); relu6: (-oo, 0) and (6, oo); hardtanh, hardsigmoid,
  hardswish likewise) test as lo < z < hi;
- a breakpoint at an end of such an interval belongs to the set exactly when the kernel's
  derivative convention (`numeric.kernels`, PyTorch's) gives f' = 0 there (relu'(0) = 0, so
  z <= 0 is dead for relu; hardswish'(-3) = -1/2, so z = -3 is alive for hardswish);
- isolated zeros of f' (gelu near -0.7518, hardswish at -3/2, silu, mish) test as
  exact equality with the point, and only when the point is a float exactly (-3/2 is; an
  irrational root such as gelu's is not, so no float pre-activation is ever in it, which
  is the truth: the float next to it has f' != 0). Such sets have measure zero, so a unit
  is dead on them only by an exact coincidence on every input.

With an empty set (leaky_relu, prelu, elu, tanh, ...) no unit is ever dead.

`dormant`: the tau-dormant score of Sokar, Agarwal, Castro & Evci 2023: unit i's mean
|activation| over the data divided by the mean of that over its layer; dormant when the
score is <= tau (a layer whose activations are all 0 scores 0 everywhere).

`audit`: for every dead unit, the full-batch gradient of each incoming weight and of its
bias must be exactly zero (+0.0 or -0.0: the bits other than the sign are compared, never
a tolerance); a dead unit with a nonzero or NaN gradient is a violation. Alive units
whose incoming gradients are all exactly zero (for instance when everything downstream is
dead) are counted apart as `alive_zero_gradient` and are never called dead.

Arrays carry a leading runs axis R: pre-activations (R, N, n), weight gradients
(R, fan_in, fan_out), bias gradients (R, 1, fan_out).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from derivations.calculus import derive
from numeric.kernels import kernel, nearest_float


@dataclass(frozen=True)
class ZeroGradientTest:
    """A vectorised membership test for an activation's zero-gradient set, in one dtype."""

    activation: str
    open_intervals: tuple[tuple[float, float], ...]
    closed_points: tuple[float, ...]  # breakpoints with f' = 0 and exact isolated zeros

    def contains(self, z: np.ndarray) -> np.ndarray:
        """Boolean array: z is in the zero-gradient set (elementwise)."""
        inside = np.zeros(z.shape, dtype=bool)
        for lo, hi in self.open_intervals:
            inside |= (z > lo) & (z < hi)
        for point in self.closed_points:
            inside |= z == point
        return inside

    @property
    def empty(self) -> bool:
        return not self.open_intervals and not self.closed_points

    def to_dict(self) -> dict:
        return {
            "activation": self.activation,
            "open_intervals": [list(i) for i in self.open_intervals],
            "points": list(self.closed_points),
        }


def _exact_float(value: sp.Expr, dtype: np.dtype) -> float | None:
    """The value as a float of `dtype` when it is one exactly, else None."""
    if not value.is_Rational:
        return None
    as_float = dtype.type(float(value))
    return float(as_float) if sp.Rational(float(as_float)) == value else None


@functools.cache
def _zero_gradient_test(name: str, overrides: tuple, dtype_name: str) -> ZeroGradientTest:
    dtype = np.dtype(dtype_name)
    params = dict(overrides)
    zero_set = derive(name, params).zero_gradient_set
    k = kernel(name, params)

    def as_float(end: sp.Expr) -> float:
        # the ends are exact at the bound parameters; rounded as the kernel rounds them
        return float(end) if end in (sp.oo, -sp.oo) else float(nearest_float(end, dtype))

    intervals = tuple((as_float(lo), as_float(hi)) for lo, hi in zero_set.intervals)
    points: list[float] = []
    ends = {e for interval in intervals for e in interval if np.isfinite(e)}
    for end in sorted(ends):
        if k.df(np.array([end], dtype=dtype))[0] == 0:  # the kernel's convention at the kink
            points.append(end)
    for point in zero_set.points:
        exact = _exact_float(sp.nsimplify(point) if not point.is_Float else point, dtype)
        if exact is not None:
            points.append(exact)
    return ZeroGradientTest(k.name, intervals, tuple(points))


def zero_gradient_test(
    name: str, overrides: Mapping[str, object] | None = None, dtype="float64"
) -> ZeroGradientTest:
    """The zero-gradient membership test of an activation (cached per parameters, dtype)."""
    key = tuple(sorted((k, str(v)) for k, v in (overrides or {}).items()))
    return _zero_gradient_test(name, key, np.dtype(dtype).name)


def dead_units(test: ZeroGradientTest, pre_activation: np.ndarray) -> np.ndarray:
    """(R, n) bool: the unit's pre-activation (R, N, n) is in the zero-gradient set on every
    one of the N inputs."""
    if test.empty:
        return np.zeros(pre_activation.shape[::2], dtype=bool)
    if len(test.open_intervals) == 1 and test.open_intervals[0][0] == -np.inf:
        # a ray (-oo, h), with h itself when f'(h) = 0 (relu): decided by the maximum
        h = test.open_intervals[0][1]
        highest = pre_activation.max(axis=1)
        below = highest < h
        if h in test.closed_points:
            below |= highest == h
        others = [p for p in test.closed_points if p != h]
        if not others:
            return below
    return test.contains(pre_activation).all(axis=1)


def dormant_units(activation: np.ndarray, tau: float) -> np.ndarray:
    """(R, n) bool: tau-dormant (Sokar et al. 2023) from activations h (R, N, n)."""
    return dormancy_scores(activation) <= tau


def dormancy_scores(activation: np.ndarray) -> np.ndarray:
    """(R, n): mean_x |h_i(x)| / mean over the layer's units of the same (0 when all are 0)."""
    with np.errstate(all="ignore"):
        per_unit = np.abs(activation).mean(axis=1)
        layer = per_unit.mean(axis=-1, keepdims=True)
        return np.where(layer > 0, per_unit / np.where(layer > 0, layer, 1), 0.0)


def exactly_zero(values: np.ndarray) -> np.ndarray:
    """Elementwise: the value is +0.0 or -0.0, decided on the bits with the sign masked off
    (NaN and every nonzero, however tiny, are not)."""
    bits = np.ascontiguousarray(values).view(np.uint64 if values.itemsize == 8 else np.uint32)
    sign = np.uint64(1 << 63) if values.itemsize == 8 else np.uint32(1 << 31)
    return (bits & ~sign) == 0


@dataclass(frozen=True)
class Audit:
    """The gradient audit of one run: counts per hidden layer, and their totals.

    `finite` is False when the run's parameters or gradients are not all finite (a diverged
    run): then inf * 0 = NaN can reach a dead unit's gradient, which says nothing about the
    theorem (it concerns finite arithmetic); such a run's counts are kept but labelled."""

    dead_per_layer: tuple[int, ...]
    violations_per_layer: tuple[int, ...]
    alive_zero_gradient_per_layer: tuple[int, ...]
    finite: bool = True

    @property
    def dead_units(self) -> int:
        return sum(self.dead_per_layer)

    @property
    def violations(self) -> int:
        return sum(self.violations_per_layer)

    @property
    def alive_zero_gradient(self) -> int:
        return sum(self.alive_zero_gradient_per_layer)

    def to_dict(self) -> dict:
        return {
            "dead_units": self.dead_units,
            "violations": self.violations,
            "alive_zero_gradient": self.alive_zero_gradient,
            "dead_per_layer": list(self.dead_per_layer),
            "violations_per_layer": list(self.violations_per_layer),
            "alive_zero_gradient_per_layer": list(self.alive_zero_gradient_per_layer),
            "finite": self.finite,
        }


def audit(
    dead: Sequence[np.ndarray],
    weight_gradients: Sequence[np.ndarray],
    bias_gradients: Sequence[np.ndarray],
    finite: Sequence[bool] | None = None,
) -> list[Audit]:
    """One `Audit` per run. `dead[l]` (R, n_l) for hidden layer l; its incoming gradients are
    weight_gradients[l] (R, fan_in, n_l) and bias_gradients[l] (R, 1, n_l); `finite[r]`:
    run r's parameters and gradients are all finite (default: True)."""
    per_layer = []
    for mask, g_w, g_b in zip(dead, weight_gradients, bias_gradients, strict=False):
        incoming_zero = exactly_zero(g_w).all(axis=1) & exactly_zero(g_b).all(axis=1)
        per_layer.append(
            (
                mask.sum(axis=1),
                (mask & ~incoming_zero).sum(axis=1),
                (~mask & incoming_zero).sum(axis=1),
            )
        )
    runs = dead[0].shape[0] if dead else 0
    return [
        Audit(
            tuple(int(layer[0][r]) for layer in per_layer),
            tuple(int(layer[1][r]) for layer in per_layer),
            tuple(int(layer[2][r]) for layer in per_layer),
            True if finite is None else bool(finite[r]),
        )
        for r in range(runs)
    ]
