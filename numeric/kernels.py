"""Vectorised NumPy kernels: f and f' of every catalogue activation, float32 and float64.

`kernel(name, overrides)` returns a frozen `Kernel` whose `f(z)` and `df(z)` keep the dtype
of `z` (float32 stays float32) and are written to be numerically careful: `expm1` rather
than exp - 1, `logaddexp` for softplus, the logistic function through `scipy.special.expit`,
sech^2 as 4e/(1+e)^2 with e = exp(-2|u|) rather than 1 - tanh^2 (which cancels), arguments
clipped where the function has already saturated so that no finite input overflows, and the
limits at +-inf returned where a naive formula would give inf*0 = NaN.

The catalogue is the single source of truth: a kernel carries no constant of its own. Its
parameter values are the catalogue's exact values (closed forms for SELU's alpha and
lambda) rounded once to the nearest float of the working dtype (`parameter_values`); the
formulas below are the catalogue's pieces written in floating point. `tests/test_kernels.py`
checks every kernel against the exact definition through `numeric/oracle.py`.

Derivative convention at kinks: PyTorch's (what autograd returns), recorded per activation
in `KINK_PIECE`: the index of the piece whose derivative the kernel uses AT each breakpoint.
relu'(0) = 0, leaky/prelu/rrelu'(0) = the negative slope, elu/selu/celu use the left piece
(z <= 0), relu6, hardtanh and hardsigmoid are 0 at both corners, hardswish uses its middle
piece on the closed interval [-3, 3] (so hardswish'(-3) = -1/2, as torch gives).

float32 input gives float32 output; the smooth gates (`PROMOTED`) are evaluated in float64
and rounded once, because float32 loses their tails to underflow.

Learnable parameters (PReLU's slope `a`) may be passed to `f`, `df` and `dparam` as arrays
that broadcast against `z` (the MLP passes one slope per layer and run, shape (R, 1, 1)).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp
from scipy.special import expit, ndtr

from derivations.catalogue import get, names

Array = np.ndarray
Formula = Callable[[Array, dict], Array]

# Past |t| = SATURATE the logistic function and exp(-t) are exactly 0 or 1 in float64 and in
# float32 (exp(-745) underflows), so arguments are clipped there: no finite input overflows.
SATURATE = 800.0


def _finite(z: Array) -> Array:
    """z with -inf replaced by the most negative finite float: a factor z in z * g(z) where
    g(-inf) = 0 then gives 0 instead of -inf * 0 = NaN (the limit is what the math says)."""
    return np.maximum(z, np.finfo(z.dtype).min)


def _sech2(u: Array) -> Array:
    """sech(u)^2 = 4e/(1+e)^2 with e = exp(-2|u|): no cancellation, 0 at +-inf."""
    e = np.exp(-2.0 * np.minimum(np.abs(u), SATURATE / 2).astype(u.dtype, copy=False))
    return 4 * e / ((1 + e) * (1 + e))


# Selections between pieces are written as branch-free blends, not np.where: where() on a
# random mask costs ~10 ns per element (branch mispredictions), ten times a multiply. Each
# blend is exact: max(z, 0) + s*min(z, 0) adds an exact 0 to the live piece, and
# step + (1 - step)*g with step in {0, 1} gives exactly 1 or exactly g.


def _step(z: Array) -> Array:
    """1 where z > 0, else 0 (NaN -> 0), in z's dtype."""
    return (z > 0).astype(z.dtype)


def _leaky(slope_name: str) -> tuple[Formula, Formula, dict[str, Formula]]:
    def f(z, p):
        slope = p[slope_name]
        if np.ndim(slope) == 0 and 0 <= slope <= 1:  # then f = max(z, s z): two passes
            return np.maximum(z, slope * z) if slope else np.maximum(z, 0)
        return np.maximum(z, 0) + slope * np.minimum(z, 0)

    def df(z, p):
        step = _step(z)
        return step + p[slope_name] * (1 - step)

    return f, df, {}


def _elu_like(scale_of_alpha: bool, rate: bool) -> tuple[Formula, Formula, dict[str, Formula]]:
    """lambda * alpha * (exp(z/c) - 1) for z <= 0, lambda * z above; ELU (lambda = 1, c = 1),
    SELU (c = 1), CELU (lambda = 1, c = alpha)."""

    def negative(z, p):
        neg = np.minimum(z, 0)
        return neg / p["alpha"] if rate else neg

    def f(z, p):
        inner = np.maximum(z, 0) + p["alpha"] * np.expm1(negative(z, p))
        if not scale_of_alpha:
            return inner
        with np.errstate(over="ignore"):  # lambda*z > max: the true value rounds to inf
            return p["lambda"] * inner

    def df(z, p):
        slope = np.exp(negative(z, p))
        if not rate:
            slope *= p["alpha"]
        step = _step(z)
        inner = step + (1 - step) * slope
        return p["lambda"] * inner if scale_of_alpha else inner

    return f, df, {}


def _gelu_f(z, p):
    return _finite(z) * ndtr(z)


def _gelu_df(z, p):
    zc = np.clip(z, -40, 40)  # beyond, z*phi(z) < 1e-340: 0 in both dtypes
    phi = np.exp(-0.5 * zc * zc) * z.dtype.type(1 / np.sqrt(2 * np.pi))
    return ndtr(z) + zc * phi


_SQRT_2_OVER_PI = float(sp.N(sp.sqrt(2 / sp.pi), 40))


def _gelu_tanh_parts(z, p):
    """(z clipped where the gate is saturated, the gate sigmoid(2u), 2u).
    f = z/2 (1 + tanh u) = z * sigmoid(2u), u = sqrt(2/pi) (z + c z^3)."""
    zc = np.clip(z, -30, 30)  # sigmoid(2u(30)) = 1 - e^-1975: saturated in both dtypes
    k = z.dtype.type(_SQRT_2_OVER_PI)
    two_u = 2 * k * (zc + p["c"] * zc * zc * zc)
    return zc, two_u, k


def _gelu_tanh_f(z, p):
    _, two_u, _ = _gelu_tanh_parts(z, p)
    return _finite(z) * expit(two_u)


def _gelu_tanh_df(z, p):
    zc, two_u, k = _gelu_tanh_parts(z, p)
    du = 2 * k * (1 + 3 * p["c"] * zc * zc)
    return expit(two_u) + zc * du * expit(two_u) * expit(-two_u)


def _silu_f(z, p):
    t = p["beta"] * np.clip(z, -SATURATE / p["beta"], SATURATE / p["beta"])
    return _finite(z) * expit(t)


def _silu_df(z, p):
    zc = np.clip(z, -SATURATE / p["beta"], SATURATE / p["beta"])
    t = p["beta"] * zc
    s = expit(t)
    return s + t * s * expit(-t)


def _mish_f(z, p):
    return _finite(z) * np.tanh(np.logaddexp(0, z))


def _mish_df(z, p):
    zc = np.clip(z, -SATURATE, SATURATE)
    softplus = np.logaddexp(0, zc)
    return np.tanh(softplus) + zc * _sech2(softplus) * expit(zc)


def _softplus_f(z, p):
    limit = SATURATE / p["beta"]
    t = p["beta"] * np.clip(z, -limit, limit)
    # past the clip log1p(exp(-beta z)) / beta is below half an ulp of z: f = z exactly
    return np.where(z > limit, z, np.logaddexp(0, t) / p["beta"])


def _softplus_df(z, p):
    limit = SATURATE / p["beta"]
    return expit(p["beta"] * np.clip(z, -limit, limit))


def _sigmoid_df(z, p):
    return expit(z) * expit(-z)


def _tanh_df(z, p):
    return _sech2(z)


def _indicator(mask: Array, z: Array) -> Array:
    return mask.astype(z.dtype)


def _hardtanh_f(z, p):
    return np.minimum(np.maximum(z, p["min_val"]), p["max_val"])


def _hardtanh_df(z, p):
    return _indicator((z > p["min_val"]) & (z < p["max_val"]), z)


def _relu6_f(z, p):
    return np.minimum(np.maximum(z, 0), 6).astype(z.dtype, copy=False)


def _relu6_df(z, p):
    return _indicator((z > 0) & (z < 6), z)


def _hardsigmoid_f(z, p):
    # (z + 3)/6 rather than z/6 + 1/2: z + 3 is exact near -3, where the result is small
    return np.clip((z + 3) / 6, 0, 1).astype(z.dtype, copy=False)


def _hardsigmoid_df(z, p):
    return _indicator((z > -3) & (z < 3), z) / 6


def _hardswish_f(z, p):
    zc = np.clip(z, -3, 3)  # the middle piece only matters there; no overflow outside
    middle = zc * (zc + 3) / 6
    return np.where(z <= -3, 0, np.where(z >= 3, z, middle)).astype(z.dtype, copy=False)


def _hardswish_df(z, p):
    middle = (2 * np.clip(z, -3, 3) + 3) / 6  # exact near the zero at -3/2
    return np.where(z < -3, 0, np.where(z > 3, 1, middle)).astype(z.dtype, copy=False)


def _softsign_f(z, p):
    big = np.finfo(z.dtype).max  # 1 + |z| never overflows; +-inf -> +-1
    zc = np.clip(z, -big, big)
    return zc / (1 + np.abs(zc))


def _softsign_df(z, p):
    big = np.finfo(z.dtype).max
    inverse = 1 / (1 + np.abs(np.clip(z, -big, big)))
    return inverse * inverse


def _prelu_da(z, p):
    return np.minimum(z, 0)


# name -> (f, f', {learnable parameter: df/dparameter})
_FORMULAS: dict[str, tuple[Formula, Formula, dict[str, Formula]]] = {
    "relu": (
        lambda z, p: np.maximum(z, 0).astype(z.dtype, copy=False),
        lambda z, p: _indicator(z > 0, z),
        {},
    ),
    "leaky_relu": _leaky("negative_slope"),
    "prelu": (*_leaky("a")[:2], {"a": _prelu_da}),
    "rrelu": _leaky("slope"),
    "rrelu_train": _leaky("r"),
    "elu": _elu_like(scale_of_alpha=False, rate=False),
    "selu": _elu_like(scale_of_alpha=True, rate=False),
    "celu": _elu_like(scale_of_alpha=False, rate=True),
    "gelu": (_gelu_f, _gelu_df, {}),
    "gelu_tanh": (_gelu_tanh_f, _gelu_tanh_df, {}),
    "silu": (_silu_f, _silu_df, {}),
    "mish": (_mish_f, _mish_df, {}),
    "softplus": (_softplus_f, _softplus_df, {}),
    "sigmoid": (lambda z, p: expit(z), _sigmoid_df, {}),
    "tanh": (lambda z, p: np.tanh(z), _tanh_df, {}),
    "relu6": (_relu6_f, _relu6_df, {}),
    "hardtanh": (_hardtanh_f, _hardtanh_df, {}),
    "hardsigmoid": (_hardsigmoid_f, _hardsigmoid_df, {}),
    "hardswish": (_hardswish_f, _hardswish_df, {}),
    "softsign": (_softsign_f, _softsign_df, {}),
    "identity": (lambda z, p: z.copy(), lambda z, p: np.ones_like(z), {}),
}

# Smooth gates evaluated in float64 when given float32, then rounded once: scipy's float32
# expit flushes to 0 below -88 and the tails (silu(-100) ~ -4e-42) live in float32's
# subnormals, where a float32 product loses every bit. The piecewise kernels (the relu
# family, elu/selu/celu, the hard ones) stay native: they are exact or within 2 ulps.
PROMOTED = frozenset(
    {"gelu", "gelu_tanh", "silu", "mish", "softplus", "sigmoid", "tanh", "softsign"}
)

# Which piece's derivative the kernel returns AT each breakpoint (PyTorch's autograd).
KINK_PIECE: dict[str, tuple[int, ...]] = {
    "relu": (0,),
    "leaky_relu": (0,),
    "prelu": (0,),
    "rrelu": (0,),
    "rrelu_train": (0,),
    "elu": (0,),
    "selu": (0,),
    "celu": (0,),
    "relu6": (0, 2),
    "hardtanh": (0, 2),
    "hardsigmoid": (0, 2),
    "hardswish": (1, 1),
    "softsign": (0,),  # differentiable there: both pieces agree
}


def _derived_values(name: str, exact: dict[str, sp.Expr]) -> dict[str, sp.Expr]:
    """Values a formula needs beyond the catalogue's parameters, derived from them."""
    if name == "rrelu":
        return {"slope": (exact["lower"] + exact["upper"]) / 2}
    if name == "gelu_tanh":
        from derivations.catalogue import GELU_TANH_C

        return {"c": GELU_TANH_C}
    return {}


def nearest_float(value: sp.Expr, dtype) -> np.floating:
    """The float of `dtype` nearest to an exact real constant, rounded once (the double
    rounding exact -> float64 -> float32 is avoided by comparing the neighbours exactly)."""
    dtype = np.dtype(dtype)
    exact = Fraction(str(sp.N(value, 60))) if not value.is_Rational else Fraction(str(value))
    candidate = dtype.type(float(exact))
    neighbours = [
        np.nextafter(candidate, dtype.type(-np.inf)),
        candidate,
        np.nextafter(candidate, dtype.type(np.inf)),
    ]
    finite = [c for c in neighbours if np.isfinite(c)]
    return min(finite, key=lambda c: abs(Fraction(float(c)) - exact))


@dataclass(frozen=True)
class Kernel:
    """f and f' of one activation at bound parameter values, for float32 and float64."""

    name: str
    exact: Mapping[str, sp.Expr]  # the catalogue's values (and derived ones), exact
    learnable: tuple[str, ...]
    _rounded: dict = field(default_factory=dict, repr=False, compare=False)

    def parameter_values(self, dtype) -> dict[str, np.floating]:
        """Every parameter rounded once to `dtype` (cached)."""
        dtype = np.dtype(dtype)
        if dtype not in self._rounded:
            self._rounded[dtype] = {k: nearest_float(v, dtype) for k, v in self.exact.items()}
        return self._rounded[dtype]

    def _apply(self, formula: Formula, z: Array, learned: dict) -> Array:
        z = np.asarray(z)
        if z.dtype == np.float32 and self.name in PROMOTED:
            wide = z.astype(np.float64)
            values = dict(self.parameter_values(np.float64))
            values.update({k: np.asarray(v, np.float64) for k, v in learned.items()})
            return formula(wide, values).astype(np.float32)
        values = dict(self.parameter_values(z.dtype))
        values.update(learned)
        return formula(z, values)

    def f(self, z: Array, **learned: Array) -> Array:
        """The activation; `learned` overrides a learnable parameter (an array is fine)."""
        return self._apply(_FORMULAS[self.name][0], z, learned)

    def df(self, z: Array, **learned: Array) -> Array:
        """f'(z), PyTorch's convention at kinks (see KINK_PIECE); NaN where z is NaN (an
        indicator like (z > 0) would otherwise say 0 or 1: `reluproof check` holds us to it)."""
        out = self._apply(_FORMULAS[self.name][1], z, learned)
        return np.where(np.isnan(z), np.asarray(z, dtype=out.dtype), out)

    def dparam(self, name: str, z: Array, **learned: Array) -> Array:
        """df/d(learnable parameter `name`) at z (PReLU: z where z <= 0, else 0)."""
        return self._apply(_FORMULAS[self.name][2][name], z, learned)


def kernel(name: str, overrides: Mapping[str, object] | None = None) -> Kernel:
    """The kernel of a catalogue activation (name or alias), parameters bound from the
    catalogue's defaults replaced by `overrides` (validated by the catalogue). Cached: the
    exact values (SELU's closed forms) are rounded once per process and dtype."""
    key = tuple(sorted((str(k), str(v)) for k, v in (overrides or {}).items()))
    return _kernel(get(name).name, key)


@functools.cache
def _kernel(name: str, overrides: tuple[tuple[str, str], ...]) -> Kernel:
    activation = get(name)
    values = activation.bind(dict(overrides))
    exact = {p.name: values[p.symbol] for p in activation.params}
    exact.update(_derived_values(activation.name, exact))
    learnable = tuple(p.name for p in activation.params if p.learnable)
    return Kernel(activation.name, exact, learnable)


def _check_complete() -> None:
    missing = set(names()) - set(_FORMULAS)
    if missing:  # a new catalogue entry needs its kernel (and a test picks this up)
        raise RuntimeError(f"no NumPy kernel for {sorted(missing)}")


_check_complete()
