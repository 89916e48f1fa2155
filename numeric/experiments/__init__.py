"""`reluproof experiment NAME`: one module per experiment, and what they share.

Each experiment module (`lr_sweep`, `init`, `revival`, `dropout`) provides
  plan(config) -> list[Run]          the runs, every one described by plain values;
  train_batch(runs) -> list[dict]    trains runs of one shape in lock-step (pure);
  summarise(config, results) -> Summary   the table, the JSON and the plot.
`runner.py` executes the plan (joblib or Dask, resumable); `Config` validates the user's
options once, with one-line errors. An experiment with options of its own (`born-dead`: no
training) provides `configure(args) -> config` instead, and its own config type.
"""

from __future__ import annotations

import difflib
import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from derivations.errors import ReluproofError

EXPERIMENTS = {
    "lr-sweep": "numeric.experiments.lr_sweep",
    "init": "numeric.experiments.init",
    "revival": "numeric.experiments.revival",
    "dropout": "numeric.experiments.dropout",
    "born-dead": "numeric.experiments.born_dead",
    "vanishing": "numeric.experiments.vanishing",
    "selu-depth": "numeric.experiments.selu_depth",
    "recycle": "numeric.experiments.recycle",
}

SWEEP_ACTIVATIONS = ("relu", "leaky_relu", "prelu", "rrelu", "elu", "selu")


def experiment_module(name: str) -> ModuleType:
    if name not in EXPERIMENTS:
        close = difflib.get_close_matches(name, list(EXPERIMENTS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ReluproofError(
            f"unknown experiment {name!r}.{hint} The experiments: {', '.join(EXPERIMENTS)}."
        )
    return importlib.import_module(EXPERIMENTS[name])


def _whole(option: str, text: str | None, default: int, low: int = 1) -> int:
    if text is None:
        return default
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise ReluproofError(f"{option} takes a whole number, not {text!r}.") from None
    if value < low:
        raise ReluproofError(f"{option} must be at least {low}, not {value}.")
    return value


def _positive(option: str, text: str | None, default: float | None) -> float | None:
    if text is None:
        return default
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ReluproofError(f"{option} takes a number, not {text!r}.") from None
    if not math.isfinite(value) or value <= 0:
        raise ReluproofError(f"{option} must be a positive finite number, not {text}.")
    return value


def _fraction(option: str, text: str | None) -> float | None:
    """A number in (0, 1], or None when the option was not given."""
    value = _positive(option, text, None)
    if value is not None and value > 1:
        raise ReluproofError(f"{option} must lie in (0, 1], not {text}.")
    return value


def _widths(text: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    if text is None:
        return default
    parts = [p.strip() for p in text.split(",")]
    try:
        widths = tuple(int(p) for p in parts)
    except ValueError:
        raise ReluproofError(
            f"--widths takes whole numbers separated by commas (e.g. 64,64,64), not {text!r}."
        ) from None
    if not widths or min(widths) < 1:
        raise ReluproofError(f"--widths: every layer needs at least one unit, not {text!r}.")
    return widths


def _activations(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if text is None:
        return default
    from derivations.catalogue import get

    chosen = []
    for part in text.split(","):
        canonical = get(part.strip()).name  # unknown names: the catalogue's own error
        if canonical not in chosen:
            chosen.append(canonical)
    return tuple(chosen)


@dataclass(frozen=True)
class Config:
    """An experiment's validated options. Defaults are quick (under a minute on two cores);
    `full` gives paper-grade ones. `None` fields take the experiment's own default."""

    experiment: str
    seeds: int
    full: bool = False
    epochs: int | None = None
    widths: tuple[int, ...] | None = None
    lr: float | None = None
    lr_max: float | None = None
    activations: tuple[str, ...] = SWEEP_ACTIVATIONS
    task: str | None = None
    # depth experiments (vanishing, selu-depth, recycle)
    depth: int | None = None
    dropout_keep: float | None = None
    tau: float | None = None

    @staticmethod
    def from_options(
        experiment: str,
        seeds: str | None = None,
        full: bool = False,
        epochs: str | None = None,
        widths: str | None = None,
        lr: str | None = None,
        lr_max: str | None = None,
        activations: str | None = None,
        task: str | None = None,
        depth: str | None = None,
        dropout_keep: str | None = None,
        tau: str | None = None,
    ) -> Config:
        experiment_module(experiment)
        if task is not None:
            from numeric.experiments.training import check_task

            check_task(task)  # an unknown task: one line with a did-you-mean, before any work
        return Config(
            experiment,
            seeds=_whole("--seeds", seeds, 10 if full else 3),
            full=full,
            epochs=_whole("--epochs", epochs, 0) if epochs is not None else None,
            widths=_widths(widths, None) if widths is not None else None,
            lr=_positive("--lr", lr, None),
            lr_max=_positive("--lr-max", lr_max, None),
            activations=_activations(activations, SWEEP_ACTIVATIONS),
            task=task,
            depth=_whole("--depth", depth, 0) if depth is not None else None,
            dropout_keep=_fraction("--dropout-keep", dropout_keep),
            tau=_fraction("--tau", tau),
        )

    def but(self, **changes: Any) -> Config:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "seeds": self.seeds,
            "full": self.full,
            "epochs": self.epochs,
            "widths": list(self.widths) if self.widths else None,
            "lr": self.lr,
            "lr_max": self.lr_max,
            "activations": list(self.activations),
            "task": self.task,
            "depth": self.depth,
            "dropout_keep": self.dropout_keep,
            "tau": self.tau,
        }


@dataclass(frozen=True)
class Summary:
    """What an experiment reports: a table on stdout, JSON, and the files it wrote."""

    experiment: str
    text: str
    data: dict[str, Any]
    files: tuple[Path, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"experiment": self.experiment, **self.data, "files": [str(p) for p in self.files]}


def run_experiment(
    module: ModuleType,
    config: Config,
    directory: str | Path,
    jobs: int = 1,
    scheduler: str | None = None,
    client=None,
    progress: bool = False,
    on_result: Callable | None = None,
    plot: bool = True,
) -> Summary:
    """Plan, run (resuming from `directory`), summarise; write NAME.json and NAME.png."""
    import json

    from numeric.experiments.runner import run_all
    from numeric.output import write_atomic

    runs = module.plan(config)
    results = run_all(
        runs,
        directory,
        jobs=jobs,
        scheduler=scheduler,
        client=client,
        progress=progress,
        on_result=on_result,
    )
    summary = module.summarise(config, results)
    directory = Path(directory)
    files = [directory / f"{config.experiment}.json"]
    payload = {"config": config.to_dict(), **summary.to_dict()}
    write_atomic(files[0], json.dumps(payload, indent=2, allow_nan=False) + "\n")
    if plot:
        png = directory / f"{config.experiment}.png"
        write_atomic(png, module.plot(config, summary))
        files.append(png)
    return replace(summary, files=tuple(files))
