"""`reluproof experiment recycle` and ReDo's mechanism (`mlp.Training.reinitialise`): a
recycled unit gets fresh incoming weights, zero bias and outgoing weights, and its optimiser
state is reset, nothing else moves; recycling dead units leaves the outputs bit-identical;
a seed fixes every number; ReDo leaves fewer dead units than plain training; bad input is
one line with exit status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from numeric import mlp
from numeric.experiments import Config, experiment_module, run_experiment
from numeric.experiments import recycle as rc
from numeric.experiments.runner import run_all
from numeric.tasks import make_task
from reluproof.cli import main


def _trained(optimizer: str) -> mlp.Training:
    task = make_task("classification", seed=0, n_samples=64)
    settings = mlp.Settings(widths=(8, 6), optimizer=optimizer, lr=0.01, epochs=2)
    training = mlp.Training(settings, task, seeds=[0, 1])
    training.fit()
    return training


def _chosen() -> list[np.ndarray]:
    first = np.zeros((2, 8), dtype=bool)
    first[0, [1, 5]] = True
    second = np.zeros((2, 6), dtype=bool)
    second[0, 2] = True
    return [first, second]


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_a_recycled_unit_is_fresh_silent_and_forgotten_by_the_optimiser(optimizer):
    training = _trained(optimizer)
    before = training.params.copy()
    state_before = {
        k: [a.copy() for a in training.state[k]] for k in ("m", "v") if k in training.state
    }
    assert state_before and all(np.any(a[0]) for v in state_before.values() for a in v[:2])
    rngs = [np.random.default_rng(7), np.random.default_rng(8)]
    assert training.reinitialise(_chosen(), rngs) == 3
    p, n, chosen = training.params, len(before.weights), _chosen()
    # what ReDo must leave: the old values, outgoing rows of recycled units zeroed, biases
    # and state of recycled units zeroed; the fresh incoming columns are checked apart
    expected = before.copy()
    expected_state = {k: [a.copy() for a in v] for k, v in state_before.items()}
    fresh = [np.zeros_like(w, dtype=bool) for w in before.weights]
    for l, mask in enumerate(chosen):
        fresh[l][0][:, mask[0]] = True
        expected.biases[l][0][:, mask[0]] = 0
        expected.weights[l + 1][0][mask[0], :] = 0
        for arrays in expected_state.values():
            arrays[l][0][:, mask[0]] = 0
            arrays[n + l][0][:, mask[0]] = 0
            arrays[l + 1][0][mask[0], :] = 0
    for l, mask in enumerate(chosen):
        new_columns = p.weights[l][0][:, mask[0]]
        assert np.all(new_columns != before.weights[l][0][:, mask[0]])  # fresh draws
    for l in range(n):
        keep = ~fresh[l]
        assert np.array_equal(p.weights[l][keep], expected.weights[l][keep])  # bit for bit
        assert np.array_equal(p.biases[l], expected.biases[l])
    for key, arrays in expected_state.items():
        for actual, wanted in zip(training.state[key], arrays, strict=True):
            assert np.array_equal(actual, wanted)  # reset exactly there, nowhere else
    assert not p.weights[1][0][[1, 5], :].any() and not p.weights[2][0][2, :].any()


def test_recycling_dead_units_leaves_the_outputs_bit_identical():
    training = _trained("sgd")
    dead = _chosen()
    for l, mask in enumerate(dead):
        training.params.biases[l][mask[:, None, :]] = -1e6  # nothing reaches them now
    with np.errstate(all="ignore"):
        before = training.network.forward(training.params, training.X).output
    assert [m.tolist() for m in training.census().dead] == [m.tolist() for m in dead]
    training.reinitialise(dead, [np.random.default_rng(1), np.random.default_rng(2)])
    after = training.network.forward(training.params, training.X).output
    assert np.array_equal(before, after)


def test_same_seed_same_bits(tmp_path):
    module = experiment_module("recycle")
    config = Config.from_options("recycle", seeds="2", epochs="2", widths="8,8")
    run_experiment(module, config, tmp_path / "a", plot=False)
    run_experiment(module, config, tmp_path / "b", plot=False)
    files = {p.name: p.read_bytes() for p in (tmp_path / "a" / "runs").glob("*.json")}
    assert files == {p.name: p.read_bytes() for p in (tmp_path / "b" / "runs").glob("*.json")}


def test_redo_leaves_fewer_dead_units_than_plain_training(tmp_path):
    config = Config("recycle", seeds=3)
    arms = rc.summarise(config, run_all(rc.plan(config), tmp_path)).data["arms"]
    plain, redo = arms["plain"], arms["ReDo (tau-dormant)"]
    assert redo["recycled_units"]["value"] > 0 and plain["recycled_units"]["value"] == 0
    assert redo["dead_fraction"]["value"] < plain["dead_fraction"]["value"]
    assert redo["versus_plain"]["dead_fraction"]["ci95"][1] < 0  # seed by seed
    assert arms["fix: leaky_relu"]["dead_fraction"]["value"] == 0.0  # dead.no_exact_death


def test_the_table_and_json(tmp_path, capsys):
    argv = ["experiment", "recycle", "--seeds", "1", "--epochs", "2", "--widths", "8", "-q"]
    assert main([*argv, "-o", str(tmp_path)]) == 0
    assert "ReDo (tau-dormant)" in capsys.readouterr().out
    assert main([*argv, "-o", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["arms"]) == {label for label, *_ in rc.ARMS}
    assert set(data["arms"]["plain"]) >= {"dead_fraction", "test_accuracy", "test_loss"}


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--tau", "2"], "--tau must lie in (0, 1]"),
        (["--tau", "x"], "--tau takes a number"),
        (["--lr", "0"], "--lr must be a positive"),
        (["--seeds", "-1"], "--seeds must be at least 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, needle, capsys, tmp_path):
    assert main(["experiment", "recycle", *argv, "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()
