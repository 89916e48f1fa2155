"""`reluproof experiment vanishing`: the measured gradient norms never exceed the proved
bound (many seeds, every activation), the recorded gradients are backpropagation's own, a
seed fixes every number, and bad input is one line with exit status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from numeric import mlp
from numeric.experiments import Config, experiment_module, run_experiment
from numeric.experiments import vanishing as van
from numeric.experiments.runner import Run
from numeric.tasks import make_task
from reluproof.cli import main


def _runs(activation: str, seeds: range, depth: int = 20, width: int = 8, epochs: int = 1):
    config = Config("vanishing", seeds=1, depth=depth, widths=(width,), epochs=epochs)
    settings = next(r for r in van.plan(config) if r.label != "timing").setting
    return [Run.make("vanishing", activation, seed, settings) for seed in seeds]


@pytest.mark.parametrize("activation", van.ACTIVATIONS)
def test_the_bound_holds_for_every_seed_layer_and_epoch(activation):
    results = van.gradient_records(_runs(activation, range(24)))
    _, gain = van.gain(activation)
    for result in results:
        assert van.violations(result, gain) == 0
        table = van.bound_table(result, gain)
        for ratios in table["ratio"] + table["step_ratio"]:
            assert max(ratios) <= 1 + van.TOLERANCE
    # the bound is not vacuous: at the last hidden layer it is the measured norm itself
    assert all(van.bound_table(r, gain)["ratio"][0][-1] == 1.0 for r in results)


def test_sigmoid_gain_is_the_theorems_quarter_and_selu_is_lambda_alpha():
    from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA

    assert van.gain("sigmoid") == ("1/4", 0.25)
    assert van.gain("relu")[1] == 1.0
    selu = van.gain("selu")[1]
    exact = float(SELU_ALPHA * SELU_LAMBDA)
    assert exact <= selu <= np.nextafter(exact, np.inf)


def test_recorded_gradients_are_backpropagations_and_change_nothing():
    """dL/dX from `layer_inputs` matches central differences; the weight gradients are
    bit-identical with and without recording."""
    task = make_task("regression", seed=0, n_samples=6)
    settings = mlp.Settings(activation="tanh", widths=(5, 4), dtype="float64")
    network = mlp.Network(settings, task.n_inputs, task.n_outputs, "mse")
    params = network.init([3])
    Y = task.Y[None]
    recorded: list = []
    _, with_record, _ = network.gradients(params, task.X, Y, layer_inputs=recorded)
    _, plain, _ = network.gradients(params, task.X, Y)
    for a, b in zip(with_record.arrays(), plain.arrays(), strict=True):
        assert np.array_equal(a[1], b[1])
    assert [g.shape[-1] for g in recorded] == [task.n_inputs, 5, 4]
    # loss is a batch mean: d(loss)/dX[i, j] by central differences
    step, X = 1e-6, task.X.astype(np.float64)
    numeric = np.zeros_like(X)
    for i, j in np.ndindex(*X.shape):
        up, down = X.copy(), X.copy()
        up[i, j] += step
        down[i, j] -= step
        lo = network.loss(network.forward(params, down).output, Y)[0]
        hi = network.loss(network.forward(params, up).output, Y)[0]
        numeric[i, j] = (hi - lo) / (2 * step)
    assert np.allclose(recorded[0][0], numeric, rtol=1e-5, atol=1e-9)


def _tiny() -> Config:
    return Config.from_options("vanishing", seeds="2", epochs="1", widths="8", depth="6")


def _gradient_files(directory) -> dict[str, bytes]:
    """Every run file but the timing run's (timings are this machine's, never reproducible)."""
    out = {}
    for path in sorted((directory / "runs").glob("*.json")):
        record = json.loads(path.read_text())
        if record["run"]["label"] != "timing":
            out[path.name] = path.read_bytes()
    return out


def test_same_seed_same_bits_and_the_seed_matters(tmp_path):
    module = experiment_module("vanishing")
    run_experiment(module, _tiny(), tmp_path / "a", plot=False)
    run_experiment(module, _tiny(), tmp_path / "b", plot=False)
    first = _gradient_files(tmp_path / "a")
    assert first and first == _gradient_files(tmp_path / "b")
    records = [json.loads(v)["result"] for v in first.values()]
    assert records[0]["input_gradient_norms"] != records[1]["input_gradient_norms"]


def test_the_table_and_json(tmp_path, capsys):
    argv = ["experiment", "vanishing", "--seeds", "1", "--epochs", "1", "--widths", "8"]
    argv += ["--depth", "5", "--activations", "sigmoid,relu", "-o", str(tmp_path), "-q"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "vanish.deep_sigmoid" in out and "above bound" in out
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sigmoid = data["activations"]["sigmoid"]
    assert sigmoid["violations"] == 0 and sigmoid["gain"] == "1/4"
    assert len(sigmoid["gradient_at_init"]) == 6  # h_0 .. h_5
    assert set(data["timing"]["epoch_seconds"]["relu_ratio"]) == {"sigmoid", "tanh"}


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--depth", "0"], "--depth must be at least 1"),
        (["--depth", "x"], "--depth takes a whole number"),
        (["--depth", "3", "--widths", "8,8"], "disagree"),
        (["--activations", "sigmod"], "unknown activation"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, needle, capsys, tmp_path):
    assert main(["experiment", "vanishing", *argv, "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# ---- the measured claims' verdicts follow the numbers (negative controls) ---------------


def _fake_figures(relu_epochs, tanh_epochs, relu_kernel_ratio):
    def cell(epochs, zeros=0.0):
        fraction = {"value": zeros}
        return {
            "epochs_to_target": epochs,
            "zero_fraction_at_init": fraction,
            "zero_fraction_final": fraction,
        }

    def timing(ratio):
        relu_is = {a: van._compare(ratio, 0.1) for a in ("sigmoid", "tanh")}
        return {
            "median": {"relu": ratio, "sigmoid": 1.0, "tanh": 1.0},
            "relu_ratio": {"sigmoid": ratio, "tanh": ratio},
            "relu_is": relu_is,
        }

    return {
        "target_loss": 1.5,
        "activations": {
            "relu": cell(relu_epochs, zeros=0.5),
            "sigmoid": cell([None, None, None]),
            "tanh": cell(tanh_epochs),
            "leaky_relu": cell([None, None, None]),
        },
        "timing": {
            "kernel_seconds": timing(relu_kernel_ratio),
            "epoch_seconds": timing(relu_kernel_ratio),
        },
    }


@pytest.mark.parametrize(
    ("relu", "tanh", "ratio", "sparsity", "speed"),
    [
        ([3, 3, 4], [9, 9, 9], 0.5, "SUPPORTED", "SUPPORTED"),
        ([9, 9, 9], [3, 3, 4], 0.5, "MIXED", "MIXED"),
        ([3, 3, 4], [9, 9, 9], 1.0, "SUPPORTED", "CONTRADICTED"),
    ],
)
def test_measured_verdicts_follow_the_numbers(monkeypatch, relu, tanh, ratio, sparsity, speed):
    from proofs import measured_depth
    from proofs.registry import theorem_by_id

    monkeypatch.setattr(measured_depth, "_figures", lambda: _fake_figures(relu, tanh, ratio))
    monkeypatch.setattr(measured_depth, "_provenance", lambda: {})
    verdict = theorem_by_id("claims.measured.relu_sparsity_faster_convergence").prove()
    assert verdict.status.value == sparsity
    verdict = theorem_by_id("claims.measured.relu_computation_faster_learning").prove()
    assert verdict.status.value == speed
