"""Activation implementations for the checker's tests: deliberately broken ones, each with
the check that must catch it, and careful ones that must pass (no false alarms).

Loaded by the tests as `tests/check_gallery.py:NAME` targets (a file, so that the child
process loads it afresh) and as callables for the Python API. Not a test module itself.
"""

import os
import time

import numpy as np

# SELU's constants rounded once to float64 (the catalogue's closed forms, 17 digits)
SELU_ALPHA = 1.6732632423543772
SELU_LAMBDA = 1.0507009873554805


def _typed(x, value):
    return np.asarray(value).astype(x.dtype, copy=False)


def _nan_kept(x, value):
    """f'(NaN) is NaN: the checker holds derivatives to it."""
    return np.where(np.isnan(x), x, _typed(x, value))


# ---- careful implementations: every check passes -------------------------------------


def elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def elu_grad(x):
    return _nan_kept(x, np.where(x > 0, np.ones_like(x), np.exp(np.minimum(x, 0))))


def selu(x):
    negative = SELU_ALPHA * np.expm1(np.minimum(x, 0).astype(np.float64))
    return _typed(x, SELU_LAMBDA * np.where(x > 0, x, negative))


def softplus(x):
    return _typed(x, np.logaddexp(0, x.astype(np.float64)))


def sigmoid(x):
    e = np.exp(-np.abs(x.astype(np.float64)))  # never overflows; float32's own expit
    return _typed(x, np.where(x < 0, e / (1 + e), 1 / (1 + e)))  # flushes to 0 below -88


def relu(x):
    return np.maximum(x, 0)


def leaky_relu(x):
    return np.where(x > 0, x, x * x.dtype.type(0.01))


def leaky_relu_grad(x):
    return _nan_kept(x, np.where(x > 0, np.ones_like(x), np.full_like(x, 0.01)))


def elu_float16(x):
    """float16 through float32 and one rounding back."""
    wide = x.astype(np.float32)
    return np.where(wide > 0, wide, np.expm1(np.minimum(wide, 0))).astype(np.float16)


# ---- broken ones, and the check that catches each -------------------------------------


def selu_wrong_constant(x):  # values: alpha = 1.6733 (wrong in its fifth digit)
    negative = 1.6733 * np.expm1(np.minimum(x, 0).astype(np.float64))
    return _typed(x, SELU_LAMBDA * np.where(x > 0, x, negative))


def elu_exp_minus_one(x):  # values: exp(x) - 1 cancels near 0
    with np.errstate(over="ignore"):
        return np.where(x > 0, x, np.exp(x) - 1)


def softplus_overflow(x):  # values (inf at 100) and no_warnings (overflow)
    return np.log(1 + np.exp(x))


def silu_nan_at_minus_inf(x):  # limits: -inf / (1 + inf) is NaN
    with np.errstate(over="ignore", invalid="ignore"):
        return x / (1 + np.exp(-x))


def relu_in_place(x):  # no_mutation
    np.maximum(x, 0, out=x)
    return x


def relu_to_float64(x):  # dtype
    return np.maximum(x, 0).astype(np.float64)


def leaky_relu_swapped(x):  # values: the slope on the wrong side
    return np.where(x > 0, x * x.dtype.type(0.01), x)


def relu_hangs(x):  # values: timeout
    time.sleep(3600)


def relu_raises(x):  # values: raised
    raise RuntimeError("this implementation is not done")


def relu_crashes(x):  # values: crashed
    os.abort()


def leaky_relu_wrong_grad(x):  # derivative: slope 0.1 for z < 0
    return _nan_kept(x, np.where(x > 0, np.ones_like(x), np.full_like(x, 0.1)))


def relu_returns_list(x):  # returns_array
    return np.maximum(x, 0).tolist()


def relu_flattens(x):  # broadcasting: a 2-D input comes back 1-D
    return np.maximum(x, 0).ravel()


def relu_kink_outside(x):  # derivative_kinks: f'(0) = 2 is no subgradient of relu
    return _nan_kept(x, np.where(x > 0, 1.0, np.where(x == 0, 2.0, 0.0)))


def elu_nondeterministic(x):  # deterministic: noise in the last place, drawn afresh
    noise = np.random.default_rng().integers(0, 2, size=np.shape(x))
    y = elu(x)
    return np.where(noise == 1, np.nextafter(y, np.inf), y).astype(x.dtype)
