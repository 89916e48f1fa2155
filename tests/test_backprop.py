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
