"""The data a network trains on: seeded synthetic tasks, scikit-learn's digits, user files.

A `Task` holds inputs X (N, d) float64, targets Y (N, k) float64 and the loss that fits
them (`mse` for regression, `softmax_ce` for classes, one-hot in Y). Built-in tasks are
generated from a seed, so a task is reproducible bit for bit:

- `regression`: X ~ N(0, I_d); Y = a random teacher network's output (one tanh hidden
  layer of width 32, weights N(0, 1/fan_in)), so the targets are a smooth nonlinear
  function of the inputs that an MLP can fit.
- `classification`: X ~ N(0, I_d); the label is the argmax of a random teacher's k outputs.
- `digits`: scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes; the
  file ships inside the scikit-learn wheel, nothing is downloaded), pixels scaled to [0, 1].
  Needs the optional extra `reluproof[digits]`.

`load_npz(path)` reads a user's file with arrays `X` (N, d) and `y`: integer labels (N,)
make a classification task, floats (N,) or (N, k) a regression task. A malformed file
raises one `ReluproofError` saying what is wrong.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from derivations.errors import ReluproofError
from numeric.choices import TASKS


@dataclass(frozen=True)
class Task:
    name: str
    X: np.ndarray = field(repr=False)
    Y: np.ndarray = field(repr=False)
    loss: str
    seed: int | None = None
    source: str = ""

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_inputs(self) -> int:
        return self.X.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.Y.shape[1]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "seed": self.seed,
            "source": self.source,
            "n_samples": self.n_samples,
            "n_inputs": self.n_inputs,
            "n_outputs": self.n_outputs,
            "loss": self.loss,
        }


def _teacher(rng: np.random.Generator, X: np.ndarray, n_outputs: int, hidden: int = 32):
    W1 = rng.standard_normal((X.shape[1], hidden)) / np.sqrt(X.shape[1])
    b1 = rng.standard_normal(hidden) * 0.1
    W2 = rng.standard_normal((hidden, n_outputs)) / np.sqrt(hidden)
    return np.tanh(X @ W1 + b1) @ W2


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return (labels[:, None] == np.arange(classes)[None, :]).astype(np.float64)


def make_task(
    name: str,
    seed: int = 0,
    n_samples: int = 1024,
    n_inputs: int = 16,
    n_outputs: int | None = None,
) -> Task:
    """A built-in task by name (`TASKS`), generated from `seed` (digits ignores the sizes)."""
    if name == "digits":
        return _digits()
    if name not in ("regression", "classification"):
        import difflib

        close = difflib.get_close_matches(name, TASKS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ReluproofError(
            f"unknown task {name!r}.{hint} Tasks: {', '.join(TASKS)}, or --data FILE.npz."
        )
    if n_samples < 1 or n_inputs < 1:
        raise ReluproofError("a task needs at least one sample and one input feature.")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))  # 7: the task stream
    X = rng.standard_normal((n_samples, n_inputs))
    if name == "regression":
        Y = _teacher(rng, X, n_outputs or 1)
        return Task(name, X, Y, "mse", seed, "X ~ N(0, I); Y = random tanh teacher")
    classes = n_outputs or 4
    labels = np.argmax(_teacher(rng, X, classes), axis=1)
    return Task(name, X, one_hot(labels, classes), "softmax_ce", seed, "argmax of a random teacher")


def _digits() -> Task:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ReluproofError(
            "the digits task needs scikit-learn: pip install 'reluproof[digits]'."
        ) from None
    data = load_digits()
    X = data.data.astype(np.float64) / 16.0
    return Task(
        "digits",
        X,
        one_hot(data.target, 10),
        "softmax_ce",
        None,
        "scikit-learn load_digits (8x8, bundled)",
    )


def load_npz(path: str | Path) -> Task:
    """A user's task from an .npz with arrays X (N, d) and y ((N,) labels or (N[, k]))."""
    path = Path(path)
    what = f"--data {path}"
    if not path.is_file():
        raise ReluproofError(f"{what}: no such file; give an .npz with arrays X and y.")
    if not zipfile.is_zipfile(path):
        raise ReluproofError(
            f"{what}: not an .npz archive; save one with numpy.savez(path, X=..., y=...)."
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ReluproofError(
            f"{what}: not a readable .npz file ({exc}); save one with numpy.savez(path, X=, y=)."
        ) from None
    missing = [key for key in ("X", "y") if key not in arrays]
    if missing:
        raise ReluproofError(
            f"{what}: missing array(s) {', '.join(missing)} (found: "
            f"{', '.join(sorted(arrays)) or 'none'}); it needs X (N, d) and y (N,) or (N, k)."
        )
    X, y = arrays["X"], arrays["y"]
    for key, array in (("X", X), ("y", y)):
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise ReluproofError(f"{what}: {key} has dtype {array.dtype}; it must be numeric.")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ReluproofError(f"{what}: X has shape {X.shape}; it must be (N, d) with N, d >= 1.")
    if y.ndim not in (1, 2) or y.shape[0] != X.shape[0] or (y.ndim == 2 and y.shape[1] == 0):
        raise ReluproofError(
            f"{what}: y has shape {y.shape} but X has {X.shape[0]} rows; y must be (N,) or (N, k)."
        )
    if np.issubdtype(X.dtype, np.complexfloating) or np.issubdtype(y.dtype, np.complexfloating):
        raise ReluproofError(f"{what}: complex arrays are not supported; give real numbers.")
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise ReluproofError(f"{what}: X contains NaN or infinity; clean the data first.")
    if np.issubdtype(y.dtype, np.integer) or y.dtype == bool:
        if y.ndim != 1:
            raise ReluproofError(f"{what}: integer labels y must be 1-D (N,), not {y.shape}.")
        if y.min() < 0:
            raise ReluproofError(f"{what}: labels in y must be 0, 1, ..., k-1; found {y.min()}.")
        labels = y.astype(np.int64)
        classes = int(labels.max()) + 1
        return Task(path.name, X, one_hot(labels, classes), "softmax_ce", None, str(path))
    Y = y.astype(np.float64).reshape(len(y), -1)
    if not np.isfinite(Y).all():
        raise ReluproofError(f"{what}: y contains NaN or infinity; clean the data first.")
    return Task(path.name, X, Y, "mse", None, str(path))
