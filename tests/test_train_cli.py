"""`reluproof train`: the per-epoch lines, the JSON shape, and one-line errors (exit 2)
that leave no file behind."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reluproof.cli import main

QUICK = ["--widths", "16,16", "--epochs", "2"]


def _status(argv: list[str]) -> int:
    """The exit status, whether main returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def test_text_output_has_each_epoch_and_the_audit(capsys):
    assert main(["train", *QUICK, "--bias-init", "-1"]) == 0
    out = capsys.readouterr().out
    assert out.count("epoch ") == 3  # epochs 0, 1, 2
    assert "dead per layer" in out and "0 violations" in out


def test_json_shape(capsys, tmp_path):
    target = tmp_path / "run.json"
    assert main(["train", *QUICK, "--json", "--activation", "relu6", "-o", str(target)]) == 0
    data = json.loads(target.read_text())
    assert set(data) >= {"settings", "epochs", "final", "audit"}
    assert data["settings"]["activation"] == "relu6" and data["settings"]["widths"] == [16, 16]
    assert [e["epoch"] for e in data["epochs"]] == [0, 1, 2]
    assert set(data["epochs"][0]) >= {"epoch", "loss", "dead_per_layer"}
    assert set(data["final"]) >= {"dead_per_layer", "dead_fraction", "diverged", "loss"}
    assert set(data["audit"]) >= {"dead_units", "violations", "alive_zero_gradient"}
    assert data["audit"]["violations"] == 0


def test_same_seed_same_json(capsys):
    main(["train", *QUICK, "--json", "--seed", "3", "--optimizer", "adam", "--lr", "0.001"])
    first = capsys.readouterr().out
    main(["train", *QUICK, "--json", "--seed", "3", "--optimizer", "adam", "--lr", "0.001"])
    assert capsys.readouterr().out == first


def test_user_data(tmp_path, capsys):
    path = tmp_path / "d.npz"
    rng = np.random.default_rng(0)
    np.savez(path, X=rng.standard_normal((40, 3)), y=rng.integers(0, 3, 40))
    assert main(["train", *QUICK, "--data", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["loss"] == "softmax_ce"


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--activation", "relux"], "Did you mean 'relu'"),
        (["--init", "xavier"], "Did you mean"),
        (["--optimizer", "sgdm"], "Did you mean 'sgd'"),
        (["--lr", "-0.1"], "--lr"),
        (["--widths", "8,0"], "--widths"),
        (["--widths", "8,x"], "--widths"),
        (["--epochs", "-1"], "--epochs"),
        (["--data", "/nonexistent/file.npz"], "no such file"),
        (["--param", "alpha=1"], "alpha"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(args, needle, capsys, tmp_path):
    target = tmp_path / "out.json"
    assert _status(["train", *QUICK, *args, "-o", str(target)]) == 2
    captured = capsys.readouterr()
    assert needle in captured.err and captured.err.count("\n") == 1
    assert not target.exists() and not list(tmp_path.iterdir())


def test_a_malformed_file_is_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.npz"
    np.savez(path, X=np.ones((3, 2)))
    assert main(["train", *QUICK, "--data", str(path)]) == 2
    assert "missing array" in capsys.readouterr().err
