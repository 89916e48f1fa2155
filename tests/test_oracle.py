"""numeric.oracle: ball arithmetic encloses the true value of catalogue expressions."""

import pytest
import sympy as sp
from flint import arb, ctx
from hypothesis import given
from hypothesis import strategies as st

from derivations.calculus import derive
from derivations.catalogue import SELU_ALPHA, z
from numeric.oracle import arb_constant, arb_function, integer_power

SMOOTH = ["gelu", "gelu_tanh", "silu", "mish", "softplus", "sigmoid", "tanh"]


@pytest.mark.parametrize("name", SMOOTH)
@given(x=st.fractions(-6, 6, max_denominator=64))
def test_ball_contains_the_value_of_f_and_its_derivative(name, x):
    d = derive(name)
    for expr in (d.activation.expr.subs(d.values), d.derivative.subs(d.values)):
        with ctx.workprec(80):
            ball = arb_function(expr)(arb(sp.Rational(x).p) / sp.Rational(x).q)
        with ctx.workprec(200):
            reference = arb(str(sp.N(expr.subs(z, sp.Rational(x)), 50)))
            assert ball.overlaps(reference)
            assert ball.rad() < 1e-15


def test_constant_and_its_errors():
    with ctx.workprec(100):
        alpha = arb_constant(SELU_ALPHA)
    assert alpha.overlaps(arb("1.6732632423543772848170429916717"))
    with pytest.raises(ValueError, match="free symbols"):
        arb_constant(z + 1)
    with pytest.raises(ValueError, match="no ball arithmetic"):
        arb_function(sp.besselj(0, z))


def test_integer_power_on_a_ball_around_zero():
    ball = arb(0).union(arb(1)) - arb("0.5")  # [-0.5, 0.5]
    square = integer_power(ball, 2)
    assert square.contains(arb(0)) and square.contains(arb("0.25")) and square.is_finite()
