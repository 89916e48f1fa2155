"""The calculus, tested generically over the catalogue (OpInfo style) and against the
facts the issue names (ELU differentiable iff alpha = 1, SELU not, CELU C^1, ...)."""

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from strategies import parameter_values

from derivations.calculus import DIES, NEITHER, SATURATES, derive, equality_condition
from derivations.catalogue import CATALOGUE, get, z

ALL = list(CATALOGUE)
DPS = 40


def _bound(name, values):
    a = get(name)
    return {a.symbols[k]: sp.Rational(v) for k, v in values.items()}


def _mp(expr):
    return sp.lambdify(z, expr, "mpmath")


@pytest.mark.parametrize("name", ALL)
@given(data=st.data())
def test_derivative_matches_finite_difference(name, data):
    """f' from SymPy against a central difference of f, at 40 digits, away from kinks."""
    a = get(name)
    values = _bound(name, data.draw(parameter_values(a), label="params"))
    d = derive(name)
    breaks = [float(b.subs(values)) for b in a.breakpoints]
    x = data.draw(
        st.floats(-8, 8).filter(lambda t: all(abs(t - b) > 1e-3 for b in breaks)), label="z"
    )
    f = _mp(a.expr.subs(values))
    df = _mp(d.derivative.subs(values))
    with mpmath.workdps(DPS):
        h = mpmath.mpf("1e-12")
        point = mpmath.mpf(x)
        numeric = (f(point + h) - f(point - h)) / (2 * h)
        exact = df(point)
        assert abs(numeric - exact) <= mpmath.mpf("1e-15") * (1 + abs(exact))


@pytest.mark.parametrize("name", [n for n in ALL if get(n).breakpoints])
@given(data=st.data())
def test_continuous_at_every_breakpoint_for_drawn_parameters(name, data):
    """One-sided values agree at every breakpoint, for parameters across their domains:
    the Piecewise itself at b -+ 1e-30, evaluated with 50 digits."""
    a = get(name)
    values = _bound(name, data.draw(parameter_values(a), label="params"))
    f = _mp(a.expr.subs(values))
    with mpmath.workdps(50):
        eps = mpmath.mpf("1e-30")
        for b in a.breakpoints:
            at = mpmath.mpf(sp.N(b.subs(values), 60))
            assert abs(f(at - eps) - f(at + eps)) < mpmath.mpf("1e-25")
    assert all(bp.continuous_condition == sp.true for bp in derive(name).breakpoints)


def test_elu_differentiable_at_zero_iff_alpha_is_one():
    bp = derive("elu").breakpoints[0]
    assert bp.differentiable_condition == sp.Eq(get("elu").symbols["alpha"], 1)
    assert derive("elu").breakpoints[0].differentiable  # PyTorch's default alpha = 1
    for alpha in ("0.1", "0.2", "0.3", "2"):
        assert not derive("elu", {"alpha": alpha}).breakpoints[0].differentiable
    assert derive("elu", {"alpha": "0.2"}).smoothness == 0
    assert derive("elu").smoothness == 1


def test_selu_is_not_differentiable_at_zero():
    bp = derive("selu").breakpoints[0]
    assert bp.continuous and not bp.differentiable
    lam = get("selu").symbols["lambda"]
    alpha = get("selu").symbols["alpha"]
    assert {bp.subgradient[0], bp.subgradient[1]} == {lam, alpha * lam}


@given(alpha=st.fractions(Fraction(1, 100), Fraction(10), max_denominator=100))
def test_celu_is_c1_for_every_alpha(alpha):
    a = get("celu")
    s = a.symbols["alpha"]
    bp = derive("celu").breakpoints[0]
    assert bp.differentiable_condition == sp.true
    # and not C^2: f''(0-) = 1/alpha, f''(0+) = 0
    second_left = sp.diff(a.pieces[0].expr, z, 2).subs(z, 0).subs(s, sp.Rational(alpha))
    assert second_left == 1 / sp.Rational(alpha)


@pytest.mark.parametrize(
    "name, at, differentiable, smoothness",
    [
        ("relu", 0, False, 0),
        ("leaky_relu", 0, False, 0),
        ("relu6", 6, False, 0),
        ("hardswish", -3, False, 0),
        ("hardswish", 3, False, 0),
        ("softsign", 0, True, 1),
        ("celu", 0, True, 1),
        ("elu", 0, True, 1),
    ],
)
def test_breakpoint_verdicts(name, at, differentiable, smoothness):
    (bp,) = [b for b in derive(name).breakpoints if b.at_value == at]
    assert bp.differentiable is differentiable
    assert bp.smoothness == smoothness


def test_subgradients_at_kinks():
    assert derive("relu").breakpoints[0].subgradient == (0, 1)
    hs = {b.at_value: b.subgradient for b in derive("hardswish").breakpoints}
    assert hs[-3] == (sp.Rational(-1, 2), 0)
    assert hs[3] == (1, sp.Rational(3, 2))


def test_zero_gradient_sets():
    oo = sp.oo
    assert derive("relu").zero_gradient_set.as_set == sp.Interval.open(-oo, 0)
    assert derive("relu6").zero_gradient_set.as_set == sp.Union(
        sp.Interval.open(-oo, 0), sp.Interval.open(6, oo)
    )
    assert derive("leaky_relu").zero_gradient_set.as_set == sp.S.EmptySet
    assert derive("hardswish").zero_gradient_set.as_set == sp.Union(
        sp.Interval.open(-oo, -3), sp.FiniteSet(sp.Rational(-3, 2))
    )
    # leaky ReLU with slope 0 is ReLU, and dies
    assert derive("leaky_relu", {"negative_slope": "0"}).death == DIES


@pytest.mark.parametrize(
    "name, point",
    [("gelu", "-0.7517915247"), ("silu", "-1.2784645428"), ("mish", "-1.1924312145")],
)
def test_isolated_zeros_of_smooth_gates(name, point):
    zs = derive(name).zero_gradient_set
    assert not zs.positive_measure and zs.numeric
    (only,) = zs.points
    assert f"{float(only):.10f}" == point


EXPECTED_DEATH = {
    "relu": DIES, "relu6": DIES, "hardtanh": DIES, "hardsigmoid": DIES, "hardswish": DIES,
    "leaky_relu": NEITHER, "prelu": NEITHER, "rrelu": NEITHER, "rrelu_train": NEITHER,
    "identity": NEITHER,
    "elu": SATURATES, "selu": SATURATES, "celu": SATURATES, "gelu": SATURATES,
    "gelu_tanh": SATURATES, "silu": SATURATES, "mish": SATURATES, "softplus": SATURATES,
    "sigmoid": SATURATES, "tanh": SATURATES, "softsign": SATURATES,
}  # fmt: skip


@pytest.mark.parametrize("name", ALL)
def test_death_classification(name):
    d = derive(name)
    assert d.death == EXPECTED_DEATH[name]
    assert d.can_die == (EXPECTED_DEATH[name] == DIES)


def test_limits_range_monotonicity():
    alpha = get("elu").symbols["alpha"]
    assert derive("elu").limits["f(-oo)"] == -alpha
    assert derive("sigmoid").range == sp.Interval.open(0, 1)
    assert derive("tanh").range == sp.Interval.open(-1, 1)
    assert derive("relu").range == sp.Interval(0, sp.oo)
    assert derive("hardswish").range == sp.Interval(sp.Rational(-3, 8), sp.oo)
    assert derive("relu6").range == sp.Interval(0, 6)
    assert derive("gelu").monotonicity == "not monotone"
    assert derive("sigmoid").monotonicity == "strictly increasing"
    assert derive("relu").monotonicity == "non-decreasing"
    assert abs(float(derive("gelu").range.inf) + 0.1699712074799) < 1e-12
    assert derive("sigmoid").limits["f'(+oo)"] == 0


def test_prelu_derivative_in_its_slope():
    a = get("prelu").symbols["a"]
    assert derive("prelu").param_derivatives["a"] == sp.Piecewise((z, z < 0), (0, True))
    assert derive("prelu").derivative == sp.Piecewise((a, z < 0), (1, True))


def test_equality_condition_drops_nonzero_factors():
    lam = sp.Symbol("lam", positive=True)
    alpha = sp.Symbol("alpha", positive=True)
    assert equality_condition(lam * alpha, lam) == sp.Eq(alpha, 1)
    assert equality_condition(lam, lam) == sp.true
    assert equality_condition(sp.Integer(1), sp.Integer(2)) == sp.false
