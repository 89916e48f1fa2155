"""The chain-rule weight gradient and the dead-unit substitution, for every activation."""

import pytest
import sympy as sp

from derivations import backprop
from derivations.calculus import derive
from derivations.catalogue import CATALOGUE
from derivations.errors import ReluproofError

ALL = list(CATALOGUE)


@pytest.mark.parametrize("loss", backprop.LOSSES)
def test_chain_rule_identity_holds_for_any_f(loss):
    assert backprop.chain_rule_identity(loss)


@pytest.mark.parametrize("loss", backprop.LOSSES)
@pytest.mark.parametrize("wrong", [sp.Integer(2), backprop.x2, backprop.v])
def test_chain_rule_identity_rejects_a_wrong_factor(loss, wrong):
    assert not backprop.chain_rule_identity(loss, wrong)


@pytest.mark.parametrize("loss", backprop.LOSSES)
@pytest.mark.parametrize("name", ALL)
def test_dead_substitution(name, loss):
    rule = backprop.chain_rule(name, loss)
    assert rule.matches_direct
    assert [n for n, _ in rule.gradients] == ["dL/dw1", "dL/dw2", "dL/db1"]
    if name in ("relu", "relu6"):
        assert rule.dead_all_zero
        assert all(g == 0 for _, g in rule.dead_gradients)
        assert rule.witness is None
    else:
        # z1 < 0 leaves a gradient: the witness is an explicit nonzero value
        assert not rule.dead_all_zero
        assert rule.witness is not None
        assert abs(float(rule.witness["dL/dw1 (30 digits)"])) > 1e-6


def test_factors_are_the_documents_four():
    rule = backprop.chain_rule("relu", "squared")
    dL, dyhat, da, dz = (f for _, f in rule.factors)
    assert dL == backprop.yhat - backprop.y
    assert dyhat == backprop.v
    assert dz == backprop.x1
    assert da == derive("relu").derivative.subs(backprop.z, backprop.z1)


def test_bce_factor_simplifies_to_the_residual():
    rule = backprop.chain_rule("leaky_relu", "bce")
    slope = derive("leaky_relu").values
    dead = dict(rule.dead_gradients)["dL/dw1"].subs(slope)
    expected = (backprop.yhat - backprop.y) * backprop.v * sp.Rational(1, 100) * backprop.x1
    assert sp.simplify(dead - expected) == 0


def test_unknown_loss():
    with pytest.raises(ReluproofError, match="unknown loss"):
        backprop.chain_rule("relu", "hinge")


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "hardswish", "softsign", "gelu"])
def test_matrix_form_agrees_with_direct_differentiation(name):
    check = backprop.verify_matrix_form(name, seed=3)
    assert check.agrees
    if name in ("relu", "leaky_relu", "hardswish", "softsign"):
        assert check.exact  # rational activations at a rational point: exactly equal


@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "gelu"])
def test_a_dead_unit_beside_a_live_one(name):
    pair = backprop.two_units(name)
    assert pair.dead_unit_all_zero == (name in ("relu", "relu6"))
    assert abs(float(pair.live_unit_witness)) > 0.1  # the live unit learns in every case
    assert all(g != 0 for _, g in pair.live_unit)


def test_two_units_follow_the_parameters():
    slope_zero = backprop.two_units("leaky_relu", {"negative_slope": "0"})
    assert slope_zero.dead_unit_all_zero  # slope 0 is ReLU


# ---------------------------------------------------------------------------------------
# The witness: every number on it recomputed from its own point, independently of SymPy's
# calculus (the catalogue's piece evaluated by mpmath, dL/dw1 by numerical differentiation
# of the whole composite loss in w1).

WITNESS_CASES = [(name, {}) for name in ALL] + [
    ("prelu", {"a": "-2"}),  # f(-1/2) = 1 = y: the residual vanishes there, another point
    ("hardtanh", {"min_val": "-1/2"}),  # -1/2 is a kink: the witness must avoid it
    ("elu", {"alpha": "3/7"}),
    ("softplus", {"beta": "5/2"}),
]


def _numeric_piece(name, overrides, at):
    """f as an mpmath function: the catalogue piece whose interval holds `at`."""
    activation = CATALOGUE[name]
    values = activation.bind(overrides)
    for piece in activation.pieces:
        lo, hi = piece.lo.subs(values), piece.hi.subs(values)
        if (lo < at) == sp.true and (at < hi) == sp.true:
            return sp.lambdify(backprop.z, piece.expr.subs(values), "mpmath")
    raise AssertionError(f"{name}: the witness z1 = {at} sits on a breakpoint")


@pytest.mark.parametrize("loss", backprop.LOSSES)
@pytest.mark.parametrize("name, overrides", WITNESS_CASES)
def test_every_witness_number_follows_from_the_witness_point(name, overrides, loss):
    import mpmath

    rule = backprop.chain_rule(name, loss, overrides)
    if rule.witness is None:
        assert rule.dead_all_zero
        return
    w = {k: sp.sympify(val) for k, val in rule.witness.items() if not k.startswith("dL")}
    assert w["z_1"] == w["w_1"] * w["x_1"] + w["w_2"] * w["x_2"] + w["b_1"]
    assert w["z_1"] < 0  # a unit that is off on this input
    f = _numeric_piece(name, overrides, w["z_1"])
    # the point is dyadic (integers, halves, quarters): exact in any mpf precision
    x_1, x_2, w_1, w_2, b_1, v, c, y = (
        mpmath.mpf(sp.N(w[k], 50)) for k in ("x_1", "x_2", "w_1", "w_2", "b_1", "v", "c", "y")
    )

    def forward(weight_1):
        hidden = f(weight_1 * x_1 + w_2 * x_2 + b_1)
        out = v * hidden + c
        return hidden, (out if loss == "squared" else 1 / (1 + mpmath.exp(-out)))

    def loss_of(weight_1):
        _, prediction = forward(weight_1)
        if loss == "squared":
            return (prediction - y) ** 2 / 2
        return -(y * mpmath.log(prediction) + (1 - y) * mpmath.log(1 - prediction))

    with mpmath.workdps(40):
        hidden, prediction = forward(w_1)
        gradient = mpmath.diff(loss_of, w_1)
        tolerance = mpmath.mpf(10) ** -25
        assert abs(hidden - mpmath.mpf(sp.N(w["a_1"], 40))) < tolerance
        assert abs(prediction - mpmath.mpf(sp.N(w["yhat"], 40))) < tolerance
        assert abs(gradient - mpmath.mpf(sp.N(sp.sympify(rule.witness["dL/dw1"]), 40))) < tolerance
        assert abs(gradient - mpmath.mpf(rule.witness["dL/dw1 (30 digits)"])) < tolerance
        assert abs(gradient) > tolerance


def test_elu_witness_is_the_consistent_value():
    # z1 = -1/2, a1 = e^(-1/2) - 1, yhat = a1, y = 1: dL/dw1 = -(2 - e^(-1/2)) e^(-1/2)
    witness = backprop.chain_rule("elu", "squared").witness
    assert sp.sympify(witness["a_1"]) == sp.exp(sp.Rational(-1, 2)) - 1
    expected = -(2 - sp.exp(sp.Rational(-1, 2))) * sp.exp(sp.Rational(-1, 2))
    assert sp.simplify(sp.sympify(witness["dL/dw1"]) - expected) == 0
    assert witness["dL/dw1 (30 digits)"].startswith("-0.84518187825382452561")
