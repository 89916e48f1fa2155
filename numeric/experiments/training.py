"""Training for the experiments: a batch of runs of one shape -> one `numeric.mlp.Training`.

`train_runs` turns runs that share everything but their learning rate and seed into one
lock-step training on the MLP's runs axis R, and returns per run the plain-JSON record the
experiments summarise: the training loss per epoch (index 0: at initialisation), dead
units per hidden layer per epoch, divergence, the held-out loss, the gradient audit
(numeric.deadness), and on request facts about the final parameters (zero-init symmetry),
a revival record (units dead at a snapshot: revived by the end? incoming parameters
bit-identical?) or a pruning record (the network with its dead units removed).

The task is generated once from a fixed seed (`TASK_SEED`); the first half of its samples
train, the second half is held out. A run's seed fixes its initialisation and its
minibatch order, so every number is reproducible bit for bit.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from numeric import mlp
from numeric.tasks import Task, make_task

# The default task: scikit-learn's 8x8 digits (bundled, pixels in [0, 1]: non-negative
# inputs, as images are, the setting of the Stanford notes' "40% dead"); `--task
# regression` or `classification` for the synthetic ones.
TASK = "digits"
TASK_SEED = 0
TRAIN_SAMPLES = 512  # as many again are held out

DEFAULTS: dict[str, Any] = {
    "task": TASK,
    "widths": (64, 64, 64),
    "batch_size": 32,
    "init": "he_normal",
    "bias_init": 0.0,
    "optimizer": "sgd",
    "dtype": "float32",
    "tau": 0.1,  # tau-dormant threshold (Sokar et al. 2023 use 0.1 and 0.025)
}
SHARED = (  # run settings that go to mlp.Settings as they are
    "widths",
    "init",
    "optimizer",
    "momentum",
    "weight_decay",
    "decay_biases",
    "batch_size",
    "epochs",
    "dtype",
    "tau",
)


def base_settings(config, epochs: int, **overrides: Any) -> dict[str, Any]:
    """A run's settings: the house defaults, the experiment's, then the user's options."""
    settings = dict(DEFAULTS)
    settings.update(overrides)
    settings["epochs"] = config.epochs or epochs
    if config.widths:
        settings["widths"] = tuple(config.widths)
    if config.task:
        settings["task"] = config.task
    return settings


@lru_cache(maxsize=4)
def task_split(name: str) -> tuple[Task, Task]:
    """(training, held-out) halves of a built-in task, generated from TASK_SEED."""
    whole = make_task(name, seed=TASK_SEED, n_samples=2 * TRAIN_SAMPLES)
    order = np.random.default_rng(TASK_SEED).permutation(whole.n_samples)  # digits is sorted
    cut = min(TRAIN_SAMPLES, whole.n_samples // 2)
    halves = order[:cut], order[cut:]
    return tuple(
        Task(whole.name, whole.X[i], whole.Y[i], whole.loss, whole.seed, whole.source)
        for i in halves
    )


def check_task(name: str) -> None:
    """Fail before any work on an unknown task (one line, with a did-you-mean)."""
    task_split(name)


def mlp_settings(run) -> mlp.Settings:
    s = run.setting
    shared = {k: s[k] for k in SHARED if k in s}
    shared["widths"] = tuple(shared["widths"])
    return mlp.Settings(
        activation=run.activation,
        params=tuple((k, repr(v)) for k, v in run.params),
        bias_init=repr(float(s["bias_init"])),
        lr=0.0,
        **shared,
    )


def _distinct_units(weights: np.ndarray, biases: np.ndarray) -> int:
    """How many different hidden units (columns of incoming weights and bias) a layer has:
    1 means perfect symmetry, every unit a copy of the others."""
    return int(len(np.unique(np.concatenate([weights, biases]).T, axis=0)))


def _constant_output(loss: str, Y: np.ndarray) -> np.ndarray:
    """The best output that ignores the input (what an output bias alone can learn): the
    targets' mean for mse; its logit / log for the cross-entropies (the class frequencies)."""
    mean = Y.mean(axis=0, keepdims=True).astype(np.float64)
    with np.errstate(divide="ignore"):
        if loss == "bce":
            mean = np.log(mean) - np.log1p(-mean)
        elif loss == "softmax_ce":
            mean = np.log(mean)
    return np.broadcast_to(mean.astype(Y.dtype), Y.shape)[None]


def _same_bits(after: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Per unit (column): are all its incoming values the same bits (so +0.0 != -0.0)?"""
    unsigned = np.uint64 if after.dtype.itemsize == 8 else np.uint32
    return np.all(after.view(unsigned) == before.view(unsigned), axis=0)


def _pruned_outputs(training: mlp.Training, dead: list[np.ndarray], X: np.ndarray):
    """Outputs of the full network and of the network without its dead units (their
    outgoing weights removed, which is what deleting the units does), on X."""
    network, params = training.network, training.params
    pruned = params.copy()
    for l, mask in enumerate(dead):
        pruned.weights[l + 1][mask] = 0  # (R, n_l) selects rows of (R, n_l, n_next)
    with np.errstate(all="ignore"):
        full = network.forward(params, X)
        cut = network.forward(pruned, X)
    return full, cut


def held_out(training: mlp.Training, test_task: Task) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The held-out inputs and targets in the training's dtype, and every run's loss on them."""
    network, dtype = training.network, training.network.dtype
    X_test = np.ascontiguousarray(test_task.X, dtype=dtype)
    Y_test = np.ascontiguousarray(test_task.Y, dtype=dtype)
    with np.errstate(all="ignore"):
        output = network.forward(training.params, X_test).output
        return X_test, Y_test, network.loss(output, np.broadcast_to(Y_test, output.shape))


def train_runs(
    runs, parameters: bool = False, revival: bool = False, pruning: bool = False
) -> list[dict]:
    settings = mlp_settings(runs[0])
    train_task, test_task = task_split(runs[0].setting["task"])
    training = mlp.Training(
        settings,
        train_task,
        seeds=[r.seed for r in runs],
        lrs=[r.setting["lr"] for r in runs],
    )
    snapshot = None
    if revival:
        first = runs[0].setting["snapshot_epoch"]
        training.fit(first)
        snapshot = (training.params.copy(), [d.copy() for d in training.history[-1].dead])
        results = training.fit(settings.epochs - first)
    else:
        results = training.fit()
    network = training.network
    X_test, Y_test, test_loss = held_out(training, test_task)
    with np.errstate(all="ignore"):
        constant = network.loss(_constant_output(network.loss_name, training.Y), training.Y[None])
    final_dead = training.history[-1].dead
    if pruning:
        prune_train = _pruned_outputs(training, final_dead, training.X)
        prune_test = _pruned_outputs(training, final_dead, X_test)
    out = []
    for r, result in enumerate(results):
        record: dict[str, Any] = {
            "widths": list(result.widths),
            "losses": [e.loss for e in result.epochs],
            "dead_per_layer": [list(e.dead_per_layer) for e in result.epochs],
            "dormant_per_layer": list(result.final.dormant_per_layer),
            "diverged": result.diverged,
            "diverged_epoch": result.diverged_epoch,
            "test_loss": float(test_loss[r]),
            "constant_loss": float(constant[0]),
            "audit": result.audit.to_dict() if result.audit else None,
        }
        if parameters:
            p = training.params
            hidden = range(network.hidden_layers)
            record["hidden_all_zero"] = bool(
                all(not p.weights[l][r].any() and not p.biases[l][r].any() for l in hidden)
            )
            record["distinct_units_per_layer"] = [
                _distinct_units(p.weights[l][r], p.biases[l][r]) for l in hidden
            ]
        if revival:
            before, dead_before = snapshot
            record["revival"] = []
            for l in range(network.hidden_layers):
                was_dead = dead_before[l][r]
                same = _same_bits(training.params.weights[l][r], before.weights[l][r])
                same &= _same_bits(training.params.biases[l][r], before.biases[l][r])
                record["revival"].append(
                    {
                        "dead_at_snapshot": int(was_dead.sum()),
                        "revived": int((was_dead & ~final_dead[l][r]).sum()),
                        "unchanged": int((was_dead & same).sum()),
                    }
                )
        if pruning:
            record["pruning"] = _pruning_record(training, prune_train, prune_test, Y_test, r)
        out.append(record)
    return out


def _pruning_record(training, on_train, on_test, Y_test: np.ndarray, r: int) -> dict:
    """What removing run r's dead units changes: on the training inputs (where they are dead
    by definition) and on held-out inputs (where a unit dead on the training set may fire)."""
    network = training.network
    (full_train, cut_train), (full_test, cut_test) = on_train, on_test
    dead = training.history[-1].dead
    woken = np.zeros(Y_test.shape[0], dtype=bool)
    for l, mask in enumerate(dead):
        if mask[r].any():
            z = full_test.pre[l][r][:, mask[r]]
            woken |= (~training.zero_test.contains(z)).any(axis=1)
    with np.errstate(all="ignore"):
        losses = [
            float(network.loss(out.output[r : r + 1], Y[None])[0])
            for out, Y in ((full_test, Y_test), (cut_test, Y_test))
        ]
    return {
        "dead_units": int(sum(int(m[r].sum()) for m in dead)),
        "train_outputs_bit_identical": bool(
            np.array_equal(_bits(full_train.output[r]), _bits(cut_train.output[r]))
        ),
        "test_outputs_bit_identical": bool(
            np.array_equal(_bits(full_test.output[r]), _bits(cut_test.output[r]))
        ),
        "test_inputs_waking_a_dead_unit": float(woken.mean()),
        "test_loss": losses[0],
        "test_loss_pruned": losses[1],
    }


def _bits(values: np.ndarray) -> np.ndarray:
    return values.view(np.uint64 if values.dtype.itemsize == 8 else np.uint32)


def accuracy(network: mlp.Network, params: mlp.Params, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """(R,) the fraction of inputs whose largest output is the target's class (one-hot Y)."""
    with np.errstate(all="ignore"):
        output = network.forward(params, X).output
    return (output.argmax(axis=-1) == Y.argmax(axis=-1)[None]).mean(axis=-1)


def recycle_runs(runs) -> list[dict]:
    """Train with ReDo (`mlp.Training.reinitialise`) after every `recycle_every` epochs (never
    after the last, so the final census sees what training left): the units dead on the
    training set (`recycle` = "dead") or tau-dormant (`recycle` = "dormant", tau = the run's
    `tau`); `recycle` = None trains plainly. Each run draws the fresh weights from its own
    stream (the 4th child of its seed; the MLP uses the first three)."""
    first = runs[0].setting
    settings = mlp_settings(runs[0])
    train_task, test_task = task_split(first["task"])
    training = mlp.Training(
        settings, train_task, seeds=[r.seed for r in runs], lrs=[r.setting["lr"] for r in runs]
    )
    rngs = [np.random.default_rng(np.random.SeedSequence(r.seed).spawn(4)[3]) for r in runs]
    mode, every = first.get("recycle"), int(first.get("recycle_every", 1))
    recycled = np.zeros((settings.epochs + 1, training.runs), dtype=int)
    for epoch in range(1, settings.epochs + 1):
        stats = training.epoch()
        if mode is None or epoch == settings.epochs or epoch % every:
            continue
        chosen = stats.dead if mode == "dead" else stats.dormant
        chosen = [mask & ~training.diverged[:, None] for mask in chosen]
        for r in range(training.runs):
            recycled[epoch, r] = sum(int(mask[r].sum()) for mask in chosen)
        training.reinitialise(chosen, rngs)
    network = training.network
    X_test, Y_test, test_loss = held_out(training, test_task)
    classes = training.Y.shape[1] > 1
    train_accuracy = accuracy(network, training.params, training.X, training.Y) if classes else None
    test_accuracy = accuracy(network, training.params, X_test, Y_test) if classes else None
    out = []
    for r, result in enumerate(training.results()):
        out.append(
            {
                "widths": list(result.widths),
                "losses": [e.loss for e in result.epochs],
                "dead_per_layer": [list(e.dead_per_layer) for e in result.epochs],
                "dormant_per_layer": [list(e.dormant_per_layer) for e in result.epochs],
                "recycled": recycled[:, r].tolist(),
                "diverged": result.diverged,
                "diverged_epoch": result.diverged_epoch,
                "test_loss": float(test_loss[r]),
                "train_accuracy": None if train_accuracy is None else float(train_accuracy[r]),
                "test_accuracy": None if test_accuracy is None else float(test_accuracy[r]),
            }
        )
    return out
