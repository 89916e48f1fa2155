"""`reluproof experiment selu-depth`: SELU/LeCun stays near (0, 1) through 50 layers, ReLU/He
does not keep mean 0 and tanh/Xavier loses its variance; the float moment map is the proved
map (fixed point (0, 1), contracting towards it); alpha dropout's (a, b) are those of
`selu-constants --dropout-keep`; a seed fixes every number; bad input is one line, exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from numeric.experiments import Config, experiment_module, run_experiment
from numeric.experiments import selu_depth as sd
from numeric.experiments.runner import run_all
from numeric.selu_moments import moment_map
from reluproof.cli import main


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    config = Config("selu-depth", seeds=4)
    results = run_all(sd.plan(config), tmp_path_factory.mktemp("selu-depth"))
    return sd.summarise(config, results).data["arms"]


def test_selu_stays_near_the_fixed_point_through_50_layers(figures):
    for label in ("selu/lecun", "selu/lecun + alpha dropout"):
        f = figures[label]
        assert f["depth"] == 50
        assert max(f["distance_max_over_seeds"]) < 0.25, label  # every seed, every layer
        assert f["final_distance"] < 0.1
        assert f["measured_minus_map"]["max_distance"] < 0.25


def test_relu_does_not_keep_mean_zero_and_tanh_loses_variance(figures):
    relu = figures["relu/he"]
    assert min(relu["mean"][1:]) > 0.3  # relu >= 0: its outputs' mean is positive at every layer
    assert min(relu["distance"][1:]) > 0.5
    tanh = figures["tanh/xavier"]
    assert tanh["variance"][-1] < 0.05 and tanh["variance"][-1] < tanh["variance"][1] / 10


def test_the_float_map_has_the_fixed_point_and_contracts_to_it():
    for keep in (None, 0.9, 0.95):
        m, v = moment_map(0.0, 1.0, keep)
        assert abs(m) < 1e-12 and abs(v - 1) < 1e-12
    start = np.hypot(0.3, 0.5)
    m, v = 0.3, 1.5
    for _ in range(20):
        m, v = moment_map(m, v)
    assert np.hypot(m, v - 1) < start / 10


def test_alpha_dropout_constants_are_selu_constants(capsys):
    assert main(["selu-constants", "--dropout-keep", "0.9", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)["alpha_dropout"]
    run = next(r for r in sd.plan(Config("selu-depth", seeds=1)) if r.setting["dropout"])
    assert run.setting["alpha_dropout_a"] == pytest.approx(float(cli["a"]), rel=1e-15)
    assert run.setting["alpha_dropout_b"] == pytest.approx(float(cli["b"]), rel=1e-15)


def test_same_seed_same_bits(tmp_path):
    module = experiment_module("selu-depth")
    config = Config.from_options("selu-depth", seeds="2", depth="8", widths="16")
    run_experiment(module, config, tmp_path / "a", plot=False)
    run_experiment(module, config, tmp_path / "b", plot=False)
    files = {p.name: p.read_bytes() for p in (tmp_path / "a" / "runs").glob("*.json")}
    assert files == {p.name: p.read_bytes() for p in (tmp_path / "b" / "runs").glob("*.json")}
    results = [json.loads(v)["result"] for v in files.values()]
    assert results[0]["mean"] != results[1]["mean"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--dropout-keep", "1.5"], "--dropout-keep must lie in (0, 1]"),
        (["--dropout-keep", "0"], "--dropout-keep must be a positive"),
        (["--depth", "-2"], "--depth must be at least 1"),
        (["--activations", "gelu"], "names none"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, needle, capsys, tmp_path):
    assert main(["experiment", "selu-depth", *argv, "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()
