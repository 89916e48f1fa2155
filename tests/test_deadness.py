"""The dead-unit census, tau-dormancy and the gradient audit, on networks built by hand
whose dead units are known, and the zero-gradient sets taken from the calculus."""

from __future__ import annotations

import numpy as np
import pytest

from derivations.calculus import derive
from derivations.catalogue import names
from numeric import deadness
from numeric.mlp import Network, Params, Settings
from numeric.tasks import make_task


def _hand_built(activation: str, dtype="float64"):
    """2 inputs -> 4 hidden -> 3 hidden -> 1. Inputs lie in [0, 1]^2.
    Layer 1: unit 0 alive, unit 1 dead (bias -10), unit 2 dead (weights -1, bias 0: z <= 0,
    touching 0 at the origin), unit 3 alive. Layer 2: unit 0 reads only dead units -> its
    pre-activation is its bias -1 -> dead; unit 1 alive; unit 2's only outgoing weight is 0:
    alive, yet every incoming gradient is exactly 0."""
    W1 = np.array([[1.0, 0.0, -1.0, 0.5], [1.0, 0.0, -1.0, 0.5]])
    b1 = np.array([[0.1, -10.0, 0.0, 0.2]])
    W2 = np.array([[0.0, 1.0, 0.5], [5.0, 0.0, 0.0], [5.0, 0.0, 0.0], [0.0, 1.0, 0.5]])
    b2 = np.array([[-1.0, 0.1, 0.3]])
    W3 = np.array([[1.0], [1.0], [0.0]])
    b3 = np.array([[0.0]])
    settings = Settings(activation=activation, widths=(4, 3), dtype=dtype)
    net = Network(settings, 2, 1, "mse")
    params = Params(
        [W[None].astype(dtype) for W in (W1, W2, W3)],
        [b[None].astype(dtype) for b in (b1, b2, b3)],
    )
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0], [0.2, 0.9]], dtype=dtype)
    Y = np.array([[1.0], [0.0], [2.0], [-1.0], [0.5]], dtype=dtype)
    return net, params, X, Y


def test_census_and_audit_on_a_hand_built_relu_network():
    net, params, X, Y = _hand_built("relu")
    test = deadness.zero_gradient_test("relu")
    _, grads, fwd = net.gradients(params, X, Y[None])
    dead = [deadness.dead_units(test, z) for z in fwd.pre]
    assert dead[0][0].tolist() == [False, True, True, False]
    assert dead[1][0].tolist() == [True, False, False]
    (audit,) = deadness.audit(dead, grads.weights[:2], grads.biases[:2])
    assert audit.dead_per_layer == (2, 1)
    assert audit.violations == 0
    assert audit.alive_zero_gradient_per_layer == (0, 1)  # layer 2 unit 2: W3 row is 0
    assert audit.to_dict()["dead_units"] == 3


def test_a_dead_unit_with_a_nonzero_gradient_is_a_violation():
    net, params, X, Y = _hand_built("relu")
    test = deadness.zero_gradient_test("relu")
    _, grads, fwd = net.gradients(params, X, Y[None])
    dead = [deadness.dead_units(test, z) for z in fwd.pre]
    grads.weights[0][0, 0, 1] = 1e-300  # tamper: the dead unit 1 gets a tiny gradient
    grads.biases[1][0, 0, 0] = np.nan
    (audit,) = deadness.audit(dead, grads.weights[:2], grads.biases[:2])
    assert audit.violations_per_layer == (1, 1)


def test_leaky_relu_has_no_dead_units_on_the_same_network():
    net, params, X, _ = _hand_built("leaky_relu")
    test = deadness.zero_gradient_test("leaky_relu")
    assert test.empty
    fwd = net.forward(params, X)
    assert not any(deadness.dead_units(test, z).any() for z in fwd.pre)


def test_exactly_zero_reads_bits_and_accepts_both_signed_zeros():
    values = np.array([0.0, -0.0, 5e-324, -5e-324, np.nan, 1.0])
    assert deadness.exactly_zero(values).tolist() == [True, True, False, False, False, False]
    assert deadness.exactly_zero(values.astype(np.float32)).tolist()[:2] == [True, True]


@pytest.mark.parametrize("name", names())
def test_the_zero_gradient_test_agrees_with_the_kernel_and_the_calculus(name):
    """Every point the test calls zero-gradient has kernel f' exactly 0; and the test is empty
    exactly when the calculus says the set has no interval and no float point."""
    from numeric.kernels import kernel

    zero_set = derive(name).zero_gradient_set
    for dtype in (np.float32, np.float64):
        test = deadness.zero_gradient_test(name, dtype=dtype)
        grid = np.concatenate([np.linspace(-10, 10, 4001), [-3, -1.5, 0, 1, 3, 6]]).astype(dtype)
        inside = test.contains(grid)
        assert (kernel(name).df(grid)[inside] == 0).all()
        if zero_set.intervals:
            assert inside.any()
        if not zero_set.intervals and not test.closed_points:
            assert not inside.any()


def test_dead_set_of_the_clamps_covers_both_sides():
    relu6 = deadness.zero_gradient_test("relu6")
    z = np.array([[[-1.0, 0.0, 3.0, 6.0, 7.0]]])
    assert relu6.contains(z).tolist() == [[[True, True, False, True, True]]]
    hardswish = deadness.zero_gradient_test("hardswish")
    assert hardswish.contains(np.array([-4.0, -3.0, -1.5, 0.0])).tolist() == [
        True,
        False,  # hardswish'(-3) = -1/2 by torch's convention: alive
        True,  # the isolated exact zero of f'
        False,
    ]


def test_dormant_scores_follow_sokar_et_al():
    h = np.array([[[0.0, 1.0, 3.0], [0.0, 1.0, 1.0]]])  # means |h|: 0, 1, 2; layer mean 1
    np.testing.assert_allclose(deadness.dormancy_scores(h), [[0.0, 1.0, 2.0]])
    assert deadness.dormant_units(h, 0.0).tolist() == [[True, False, False]]
    assert deadness.dormant_units(h, 1.0).tolist() == [[True, True, False]]
    assert deadness.dormant_units(np.zeros((1, 2, 3)), 0.0).all()


def test_census_in_training_matches_a_direct_count():
    from numeric.mlp import Training

    task = make_task("regression", seed=0, n_samples=100)
    training = Training(Settings(widths=(16, 16), bias_init="-1", epochs=1), task, [0, 1])
    stats = training.history[0]
    fwd = training.network.forward(training.params, training.X)
    for layer, z in enumerate(fwd.pre):
        assert (stats.dead[layer] == (z <= 0).all(axis=1)).all()
