"""The NumPy MLP: backprop against finite differences and against the exact rational
backprop of proofs.dead_units; optimisers against torch.optim; seeding, lock-step batching,
divergence, and the gradient audit over many seeds and settings."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest

from derivations.catalogue import names
from derivations.errors import ReluproofError
from numeric.mlp import INITS, Network, Optimizer, Params, Settings, Training, train
from numeric.tasks import Task, make_task
from proofs.dead_units import ExactMLP

SMALL = (4, 5)


def _small_task(loss: str, n: int = 7, seed: int = 3) -> Task:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    if loss == "mse":
        Y = rng.standard_normal((n, 2))
    elif loss == "bce":
        Y = rng.uniform(0, 1, (n, 2))
    else:
        Y = np.eye(2)[rng.integers(0, 2, n)]
    return Task("small", X, Y, loss)


def _flat(params: Params) -> list[np.ndarray]:
    return [a for _, a in params.arrays()]


@pytest.mark.parametrize("loss", ["mse", "bce", "softmax_ce"])
@pytest.mark.parametrize("name", names())
def test_backprop_matches_central_differences(name, loss):
    task = _small_task(loss)
    settings = Settings(activation=name, widths=SMALL, dtype="float64", init="xavier_normal")
    net = Network(settings, 3, 2, loss)
    params = net.init([11, 12])
    params.biases = [b + 0.1 for b in params.biases]
    Y = np.broadcast_to(task.Y, (2, *task.Y.shape))
    _, grads, fwd = net.gradients(params, task.X, Y)
    # central differences are only meaningful away from kinks
    breaks = [0.0, 6.0, -1.0, 1.0, -3.0, 3.0]
    margin = min(np.abs(z[..., None] - np.array(breaks)).min() for z in fwd.pre)
    assert margin > 1e-4, "a pre-activation sits on a kink; pick other seeds"
    h = 1e-6
    for array, gradient in zip(_flat(params), _flat(grads), strict=True):
        flat = array.reshape(-1)
        for i in range(0, flat.size, max(1, flat.size // 6)):
            old = flat[i]
            flat[i] = old + h
            up = net.loss(net.forward(params, task.X).output, Y)
            flat[i] = old - h
            down = net.loss(net.forward(params, task.X).output, Y)
            flat[i] = old
            run = np.unravel_index(i, array.shape)[0]
            numeric = (up[run] - down[run]) / (2 * h)
            analytic = gradient.reshape(-1)[i]
            assert abs(numeric - analytic) <= 1e-6 * max(1.0, abs(analytic)), (name, i)


def test_backprop_equals_the_exact_rational_backprop():
    """A relu network with dyadic parameters and inputs: the exact backprop of
    proofs.dead_units (ExactMLP stores W as (out, in)) against float64 backprop."""
    rng = np.random.default_rng(5)
    sizes = (3, 4, 4, 2)
    eighths = [rng.integers(-8, 9, (i, o)) / 8 for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.integers(-4, 5, (1, o)) / 8 for o in sizes[1:]]
    X = rng.integers(-8, 9, (6, 3)) / 4
    Y = rng.integers(-8, 9, (6, 2)) / 4
    exact = ExactMLP.of(
        [[[Fraction(w) for w in row] for row in W.T] for W in eighths],
        [[Fraction(v) for v in b[0]] for b in biases],
    )
    exact_grad = exact.gradients(
        [(tuple(map(Fraction, x)), tuple(map(Fraction, y))) for x, y in zip(X, Y, strict=True)]
    )
    settings = Settings(activation="relu", widths=sizes[1:-1], dtype="float64")
    net = Network(settings, 3, 2, "mse")
    params = Params([W[None].copy() for W in eighths], [b[None].copy() for b in biases])
    _, grads, fwd = net.gradients(params, X, Y[None])
    assert all((z < 0).any() for z in fwd.pre), "relu must cut somewhere for the test to bite"
    for l in range(3):
        expected_w = np.array([[float(v) for v in row] for row in exact_grad.weights[l]]).T
        expected_b = np.array([float(v) for v in exact_grad.biases[l]])
        np.testing.assert_allclose(grads.weights[l][0], expected_w, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(grads.biases[l][0, 0], expected_b, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    "optimizer,decay_biases",
    [("sgd", False), ("momentum", True), ("nesterov", False), ("adam", True)],
)
def test_optimisers_follow_torch_optim(optimizer, decay_biases):
    torch = pytest.importorskip("torch")
    settings = Settings(
        activation="relu",
        widths=(3,),
        optimizer=optimizer,
        lr=0.05,
        weight_decay=0.1,
        decay_biases=decay_biases,
        dtype="float64",
    )
    net = Network(settings, 2, 1, "mse")
    params = net.init([0])
    rng = np.random.default_rng(1)
    ours = Optimizer(settings)
    state = ours.init(params)
    tensors = [torch.tensor(a[0].copy(), requires_grad=True) for a in _flat(params)]
    kinds = [k for k, _ in params.arrays()]
    groups = [
        {"params": [t for t, k in zip(tensors, kinds, strict=True) if k == "weight"]},
        {
            "params": [t for t, k in zip(tensors, kinds, strict=True) if k != "weight"],
            "weight_decay": 0.1 if decay_biases else 0.0,
        },
    ]
    if optimizer == "adam":
        theirs = torch.optim.Adam(groups, lr=0.05, weight_decay=0.1)
    else:
        momentum = 0.0 if optimizer == "sgd" else 0.9
        theirs = torch.optim.SGD(
            groups, lr=0.05, momentum=momentum, nesterov=optimizer == "nesterov", weight_decay=0.1
        )
    lr, wd = np.full((1, 1, 1), 0.05), np.full((1, 1, 1), 0.1)
    for _ in range(4):
        fake = [rng.standard_normal(a.shape) for a in _flat(params)]
        for t, g in zip(tensors, fake, strict=True):
            t.grad = torch.tensor(g[0].copy())
        theirs.step()
        ours.step(params, Params(fake[:2], fake[2:4]), state, lr, wd)
    for t, a in zip(tensors, _flat(params), strict=True):
        np.testing.assert_allclose(a[0], t.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_same_seed_same_bits_and_a_run_does_not_depend_on_its_batch():
    task = make_task("classification", seed=2, n_samples=200)
    settings = Settings(activation="rrelu", widths=(16, 16), epochs=3, optimizer="adam", lr=1e-3)
    together = Training(settings, task, [5, 6, 7], lrs=[1e-3, 1e-2, 3e-3])
    together.fit()
    again = Training(settings, task, [5, 6, 7], lrs=[1e-3, 1e-2, 3e-3])
    again.fit()
    alone = Training(settings, task, [6], lrs=[1e-2])
    alone.fit()
    for a, b in zip(_flat(together.params), _flat(again.params), strict=True):
        assert a.tobytes() == b.tobytes()
    for a, b in zip(_flat(together.params), _flat(alone.params), strict=True):
        assert a[1].tobytes() == b[0].tobytes()
    assert together.results()[1].epochs == alone.results()[0].epochs  # census too
    other = Training(settings, task, [8], lrs=[1e-2])
    other.fit()
    assert _flat(other.params)[0].tobytes() != _flat(alone.params)[0].tobytes()


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_divergence_is_recorded_without_a_warning_and_the_run_freezes(optimizer):
    task = make_task("regression", seed=0, n_samples=128)
    settings = Settings(activation="relu", widths=(32, 32), epochs=4, optimizer=optimizer)
    lrs = [1e-3, 1e6]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        training = Training(settings, task, [0, 1], lrs=lrs)
        training.fit(2)
        frozen = training.params.run(1)
        results = training.fit(2)
    assert not results[0].diverged and np.isfinite(results[0].final.loss)
    assert results[0].final.loss < results[0].epochs[0].loss
    assert results[1].diverged and results[1].diverged_epoch in (1, 2)
    for a, b in zip(_flat(frozen), _flat(training.params.run(1)), strict=True):
        assert a.tobytes() == b.tobytes()  # frozen bit for bit after divergence
    assert results[1].to_dict()["final"]["diverged"] is True


AUDIT_CASES = [
    ("relu", "sgd", 0.5, "0"),
    ("relu", "momentum", 0.2, "-1"),
    ("relu", "adam", 0.05, "0.01"),
    ("relu6", "sgd", 0.3, "0"),
    ("hardtanh", "nesterov", 0.3, "-1"),
    ("hardsigmoid", "sgd", 1.0, "-1"),
    ("hardswish", "sgd", 0.5, "-4"),
    ("leaky_relu", "sgd", 0.5, "0"),
]


@pytest.mark.parametrize("name,optimizer,lr,bias", AUDIT_CASES)
def test_audit_finds_no_violation_over_many_seeds(name, optimizer, lr, bias):
    task = make_task("regression", seed=1, n_samples=256)
    settings = Settings(
        activation=name, widths=(24, 24, 24), optimizer=optimizer, bias_init=bias, epochs=3
    )
    lrs = np.geomspace(lr / 100, lr, 4).repeat(3)
    results = train(settings, task, list(range(12)), lrs=lrs)
    finite = [r for r in results if r.audit.finite]
    assert finite, "every run diverged: the case tests nothing"
    assert all(r.audit.violations == 0 for r in finite)
    if name != "leaky_relu":  # the case must exercise dead units to mean anything
        assert sum(r.audit.dead_units for r in finite) > 0
    else:
        assert sum(r.audit.dead_units for r in finite) == 0


@pytest.mark.parametrize("init", INITS)
def test_every_init_and_its_scale(init):
    settings = Settings(widths=(50, 40), init=init, bias_init="normal:0.5", dtype="float64")
    params = Network(settings, 30, 3, "mse").init([0, 1])
    W = params.weights[0]
    assert W.shape == (2, 30, 50) and params.biases[0].shape == (2, 1, 50)
    expected_std = {
        "xavier_normal": np.sqrt(2 / 80),
        "he_normal": np.sqrt(2 / 30),
        "lecun_normal": np.sqrt(1 / 30),
        "he_uniform": np.sqrt(6 / 30) / np.sqrt(3),
        "xavier_uniform": np.sqrt(6 / 80) / np.sqrt(3),
        "normal": 0.01,
        "uniform": 0.05 / np.sqrt(3),
    }
    if init in expected_std:
        assert abs(W.std() / expected_std[init] - 1) < 0.1
    if init == "zeros":
        assert not W.any()
    if init == "orthogonal":
        np.testing.assert_allclose(W[0] @ W[0].T, np.eye(30), atol=1e-12)
    assert 0.4 < params.biases[0].std() < 0.6


def test_prelu_slope_learns_per_layer():
    task = make_task("regression", seed=0, n_samples=64)
    training = Training(Settings(activation="prelu", widths=(8, 8), epochs=2), task, [0])
    assert [s.shape for s in training.params.slopes] == [(1, 1, 1), (1, 1, 1)]
    training.fit()
    assert all(s[0, 0, 0] != np.float32(0.25) for s in training.params.slopes)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"widths": (8, 0)}, "at least one unit"),
        ({"lr": -1.0}, "lr"),
        ({"init": "he_norml"}, "Did you mean 'he_normal'"),
        ({"optimizer": "adamw"}, "Did you mean 'adam'"),
        ({"activation": "relux"}, "Did you mean 'relu'"),
        ({"bias_init": "big"}, "bias init"),
    ],
)
def test_bad_settings_raise_one_line(change, message):
    with pytest.raises(ReluproofError, match=message) as info:
        Settings(**change)
    assert "\n" not in str(info.value)


def test_rrelu_trains_with_random_slopes_and_is_evaluated_with_their_mean():
    task = make_task("regression", seed=0, n_samples=64)
    training = Training(Settings(activation="rrelu", widths=(8,), epochs=1), task, [0])
    noise = training._noise(steps=2, batch=32)
    assert noise.shape == (1, 64, 8)
    assert 1 / 8 <= noise.min() < noise.max() <= 1 / 3 and len(np.unique(noise)) > 100
    z = -np.ones((1, 64, 8), np.float32)
    k = training.network.kernel
    assert (k.f(z, slope=noise) == -noise).all()
    assert (k.f(z) == np.float32(-(1 / 8 + 1 / 3) / 2)).all()
