"""The experiment runner and the `reluproof experiment` verbs: Dask and joblib give the same
bits as one process, an interrupted experiment resumes without retraining, a seed fixes
every number, and bad input is one line with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from numeric.experiments import EXPERIMENTS, Config, experiment_module, run_experiment, runner
from numeric.experiments import stats as st
from numeric.experiments.runner import Run, batches, run_all
from reluproof.cli import main


def tiny(name: str, **options) -> Config:
    defaults = {"seeds": "2", "epochs": "1", "widths": "8,8"}
    if name == "lr-sweep":
        defaults["activations"] = "relu,elu"
    return Config.from_options(name, **(defaults | options))


def run_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((directory / "runs").glob("*.json"))}


# the training experiments (born-dead, with options of its own: tests/test_born_dead.py)
TRAINING = [n for n in EXPERIMENTS if not hasattr(experiment_module(n), "configure")]


@pytest.mark.parametrize("name", TRAINING)
def test_every_experiment_runs_and_reports(name, tmp_path):
    summary = run_experiment(experiment_module(name), tiny(name), tmp_path)
    assert summary.text.strip()
    payload = json.loads((tmp_path / f"{name}.json").read_text())
    assert payload["config"]["seeds"] == 2
    assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    runs = experiment_module(name).plan(tiny(name))
    assert len(run_files(tmp_path)) == len(runs)


def test_seed_fixes_every_number(tmp_path):
    module = experiment_module("lr-sweep")
    run_experiment(module, tiny("lr-sweep"), tmp_path / "a", plot=False)
    run_experiment(module, tiny("lr-sweep"), tmp_path / "b", plot=False)
    assert run_files(tmp_path / "a") == run_files(tmp_path / "b")
    # and the seed matters: two seeds of one cell give different losses
    results = run_all(module.plan(tiny("lr-sweep")), tmp_path / "a")
    by_seed = {r.run.seed: r.result["losses"] for r in results[:2]}
    assert by_seed[0] != by_seed[1]


def test_joblib_workers_give_the_same_bits(tmp_path):
    module = experiment_module("init")
    run_experiment(module, tiny("init"), tmp_path / "one", jobs=1, plot=False)
    run_experiment(module, tiny("init"), tmp_path / "two", jobs=2, plot=False)
    assert run_files(tmp_path / "one") == run_files(tmp_path / "two")


def test_dask_cluster_gives_the_same_bits(tmp_path):
    distributed = pytest.importorskip("distributed")
    module = experiment_module("lr-sweep")
    config = tiny("lr-sweep", activations="relu")
    run_experiment(module, config, tmp_path / "local", jobs=1, plot=False)
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        # through the address, as `--scheduler ADDRESS` does
        run_experiment(module, config, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert run_files(tmp_path / "local") == run_files(tmp_path / "dask")
    local = json.loads((tmp_path / "local" / "lr-sweep.json").read_text())
    remote = json.loads((tmp_path / "dask" / "lr-sweep.json").read_text())
    assert local["cells"] == remote["cells"]


class Interrupted(Exception):
    pass


def test_an_interrupted_experiment_resumes_where_it_stopped(tmp_path):
    module = experiment_module("lr-sweep")
    config = tiny("lr-sweep")
    total = len(module.plan(config))
    stored: list[str] = []

    def stop_after_five(outcome):
        stored.append(outcome.run.key)
        if len(stored) == 5:
            raise Interrupted

    with pytest.raises(Interrupted):
        run_experiment(module, config, tmp_path / "resumed", on_result=stop_after_five)
    assert len(run_files(tmp_path / "resumed")) == 5  # each run was written as it completed
    assert not list((tmp_path / "resumed" / "runs").glob(".*"))  # no temporary file left

    retrained: list[str] = []
    run_experiment(
        module, config, tmp_path / "resumed", on_result=lambda o: retrained.append(o.run.key)
    )
    assert len(retrained) == total - 5 and not set(retrained) & set(stored)
    run_experiment(module, config, tmp_path / "straight", plot=False)
    assert run_files(tmp_path / "resumed") == run_files(tmp_path / "straight")

    # a third time: nothing to train
    again: list[str] = []
    run_experiment(module, config, tmp_path / "resumed", on_result=lambda o: again.append(1))
    assert again == []


def test_other_settings_are_other_runs(tmp_path):
    module = experiment_module("init")
    run_experiment(module, tiny("init"), tmp_path, plot=False)
    trained: list[str] = []
    run_experiment(
        module, tiny("init", epochs="2"), tmp_path, on_result=lambda o: trained.append(1)
    )
    assert len(trained) == len(module.plan(tiny("init")))


def test_a_damaged_result_file_is_recomputed(tmp_path):
    module = experiment_module("init")
    config = tiny("init")
    run_experiment(module, config, tmp_path, plot=False)
    first = sorted((tmp_path / "runs").glob("*.json"))[0]
    good = first.read_bytes()
    first.write_text('{"key": "truncat')
    trained: list[str] = []
    run_experiment(module, config, tmp_path, on_result=lambda o: trained.append(1), plot=False)
    assert trained == [1] and first.read_bytes() == good


def test_keys_name_the_settings_and_batches_share_a_shape():
    a = Run.make("lr-sweep", "relu", 0, {"lr": 0.1, "epochs": 3})
    assert a.key == Run.make("lr-sweep", "relu", 0, {"epochs": 3, "lr": 0.1}).key
    assert a.key != Run.make("lr-sweep", "relu", 1, {"lr": 0.1, "epochs": 3}).key
    assert a.key != Run.make("lr-sweep", "relu", 0, {"lr": 0.2, "epochs": 3}).key
    runs = [
        Run.make("lr-sweep", act, seed, {"lr": lr, "epochs": 3})
        for act in ("relu", "elu")
        for lr in (0.1, 0.2)
        for seed in range(3)
    ]
    grouped = batches(runs, max_runs=4)
    assert [len(b) for b in grouped] == [4, 2, 4, 2]
    assert all(len({r.activation for r in b.runs}) == 1 for b in grouped)


def test_the_plan_must_not_repeat_a_run(tmp_path):
    run = Run.make("init", "relu", 0, {"lr": 0.1})
    with pytest.raises(ValueError):
        run_all([run, run], tmp_path)


def test_wilson_interval_and_t_interval():
    none = st.proportion(0, 10)
    assert none.value == 0 and none.low == 0 and 0.2 < none.high < 0.35  # Wilson: 0.278
    half = st.proportion(5, 10)
    assert half.low < 0.5 < half.high and abs(half.low + half.high - 1) < 1e-12
    m = st.mean([1.0, 2.0, 3.0])
    assert m.value == 2.0 and m.low < 2.0 < m.high
    assert st.mean([0.0, 0.0, 0.01], st.UNIT).low == 0.0  # a fraction's interval stays in [0, 1]
    d = st.difference([1.0, 1.1, 0.9], [0.0, 0.1, -0.1])
    assert d.low > 0


# ---- the command line --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["experiment", "lr-sweeep"], "Did you mean 'lr-sweep'?"),
        (["experiment", "init", "--lr", "-0.1"], "--lr must be a positive"),
        (["experiment", "lr-sweep", "--lr-max", "nan"], "--lr-max must be a positive"),
        (["experiment", "init", "--seeds", "0"], "--seeds must be at least 1"),
        (["experiment", "init", "--seeds", "three"], "--seeds takes a whole number"),
        (["experiment", "init", "--widths", "8,0"], "at least one unit"),
        (["experiment", "lr-sweep", "--activations", "relu,rleu"], "unknown activation"),
        (["experiment", "init", "--task", "digit"], "Did you mean 'digits'?"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, needle, capsys, tmp_path):
    assert main([*argv, "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_unreachable_scheduler_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", "1s")
    argv = ["experiment", "init", "--seeds", "1", "--epochs", "1", "--widths", "4"]
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:9", "-o", str(tmp_path), "-q"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler" in err and err.count("\n") == 1


def test_cli_prints_a_table_and_json(capsys, tmp_path):
    argv = ["experiment", "revival", "--seeds", "1", "--epochs", "1", "--widths", "8", "-q"]
    assert main([*argv, "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "dead.permanent_first_layer" in out and "revived" in out
    assert main([*argv, "-o", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["experiment"] == "revival" and "sgd" in data["arms"]
