"""The checker's reference: correctly rounded values of the catalogue's definitions.

The exact route (ball arithmetic with Ziv's loop, exact fractions for rational pieces) is
compared with `numeric.floats.nearest_float` of the SymPy expression at the same rational
point (an independent route: SymPy substitution, its own enclosure); the float64 fast path
with its stated error bound must agree with the exact route on edge-heavy inputs of every
activation in every narrow format -- the measurement behind the bound."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from derivations.catalogue import get, names, z
from numeric.check.inputs import all_inputs, special_inputs, sweep_inputs
from numeric.check.reference import Reference
from numeric.floats import nearest_float

CHECKABLE = [n for n in names() if n != "rrelu_train"]


@pytest.mark.parametrize("name", CHECKABLE)
def test_exact_route_agrees_with_nearest_float_of_the_sympy_value(name):
    ref = Reference(name)
    a = get(name)
    points = [-7.25, -3.0, -1.5, -0.1, 1e-3, 0.75, 2.5, 6.0, 20.0]
    for fmt in ("float32", "float64"):
        for x in points:
            q = sp.Rational(Fraction(x))
            piece = a.pieces[ref.piece_index(Fraction(x))].expr.subs(ref.values)
            want = nearest_float(sp.sympify(piece).subs(z, q), fmt).value
            assert ref.exact_one(x, fmt) == want, (name, fmt, x)


@pytest.mark.parametrize("name", CHECKABLE)
@pytest.mark.parametrize("fmt", ["float32", "bfloat16"])
def test_fast_path_agrees_with_exact_route_on_edge_heavy_inputs(name, fmt):
    ref = Reference(name)
    xs = np.concatenate([special_inputs(fmt, ref.breakpoints), sweep_inputs(fmt, 1)])
    fast, undecided = ref.fast(xs, fmt)
    exact = ref.exact(xs, fmt)
    same = (fast == exact) | (np.isnan(fast) & np.isnan(exact))
    assert same.all(), (name, xs[~same][:5], fast[~same][:5], exact[~same][:5])
    assert undecided < xs.size // 20 + 4  # the exact route is the exception


def test_fast_path_every_float16_input_of_elu_and_softplus():
    for name in ("elu", "softplus"):
        ref = Reference(name)
        xs = all_inputs("float16")
        fast, _ = ref.fast(xs, "float16")
        sample = xs[::97]
        exact = ref.exact(sample, "float16")
        assert np.array_equal(fast[::97], exact, equal_nan=True)


def test_limits_and_nan():
    ref = Reference("selu")
    assert ref.exact_one(math.inf, "float32") == math.inf
    assert ref.exact_one(-math.inf, "float32") == float(np.float32(-1.7580993408473766))
    assert math.isnan(ref.exact_one(math.nan, "float16"))
    assert ref.exact_one(-math.inf, "float64", derivative=True) == 0.0


def test_overflow_rounds_to_infinity_and_underflow_to_zero():
    ref = Reference("softplus")
    big = float(np.finfo(np.float16).max)
    assert ref.exact_one(big, "float16") == big  # log(1 + e^65504) rounds to 65504
    assert Reference("selu").exact_one(big, "float16") == math.inf  # lambda * 65504 > max
    assert ref.exact_one(-1e4, "float32") == 0.0  # e^-10000 is far below the subnormals
