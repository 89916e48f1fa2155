"""`reluproof experiment recycle` (beyond the documents): recycle dead or dormant units.

ReDo (Sokar, Agarwal, Castro & Evci 2023, "The Dormant Neuron Phenomenon in Deep
Reinforcement Learning"): a unit is tau-dormant when its mean |activation| over the training
inputs, divided by the mean of the same over its layer's units, is at most tau; ReDo gives it
fresh incoming weights (from the initialiser), zero outgoing weights (a dead unit's
recycling leaves the network's output unchanged at that moment; a dormant unit's small
contribution is dropped) and resets the optimiser's state for them
(`numeric.mlp.Training.reinitialise`). Here after every epoch but the last.

On digits with a ReLU MLP at a learning rate that kills units (SGD 0.7, Xavier-normal
weights), same seeds in every arm:
- plain training;
- ReDo, tau-dormant units (tau = 0.1, `--tau`);
- recycling only the dead units (those whose every training input lands in ReLU's
  zero-gradient set, numeric.deadness; for ReLU these are the units dormant at tau = 0);
and the documents' fixes, without recycling: a lower learning rate (0.1), Leaky ReLU, He
initialisation. Measured at the end: dead fraction, training and held-out loss and accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeric.experiments import Config, Summary
from numeric.experiments import stats as st
from numeric.experiments.runner import Run, RunResult
from numeric.experiments.stats import UNIT, percent_text
from numeric.experiments.training import base_settings, recycle_runs

NAME = "recycle"
QUICK = {"epochs": 10}
FULL = {"epochs": 40}
HIGH_LR, LOW_LR = 0.7, 0.1  # on digits: kills units / trains well (see lr-sweep, init)
TAU = 0.1

# (label, activation, init, lr (None: the high one), recycling)
ARMS = (
    ("plain", "relu", "xavier_normal", None, None),
    ("ReDo (tau-dormant)", "relu", "xavier_normal", None, "dormant"),
    ("recycle dead units", "relu", "xavier_normal", None, "dead"),
    ("fix: lower lr", "relu", "xavier_normal", LOW_LR, None),
    ("fix: leaky_relu", "leaky_relu", "xavier_normal", None, None),
    ("fix: He init", "relu", "he_normal", None, None),
)


def plan(config: Config) -> list[Run]:
    preset = FULL if config.full else QUICK
    high = config.lr or HIGH_LR
    runs = []
    for label, activation, init, lr, recycling in ARMS:
        settings = base_settings(
            config, epochs=preset["epochs"], optimizer="sgd", init=init, tau=config.tau or TAU
        )
        if config.depth:  # --depth N: N hidden layers of the (first) width
            settings["widths"] = (settings["widths"][0],) * config.depth
        settings |= {"lr": high if lr is None else lr, "recycle": recycling}
        runs += [
            Run.make(NAME, activation, seed, settings, label=label) for seed in range(config.seeds)
        ]
    return runs


def train_batch(runs) -> list[dict]:
    return recycle_runs(runs)


def _dead(result: dict) -> float:
    return sum(result["dead_per_layer"][-1]) / sum(result["widths"])


def arm_figures(results: list[dict]) -> dict[str, Any]:
    finite = [r for r in results if not r["diverged"]]
    return {
        "seeds": len(results),
        "diverged": len(results) - len(finite),
        "dead_fraction": st.mean([_dead(r) for r in finite], UNIT).to_dict(),
        "dead_fraction_per_seed": [_dead(r) for r in results],
        "peak_dead_fraction": st.mean(
            [max(sum(d) for d in r["dead_per_layer"]) / sum(r["widths"]) for r in finite], UNIT
        ).to_dict(),
        "recycled_units": st.mean([sum(r["recycled"]) for r in results]).to_dict(),
        "final_loss": st.mean([r["losses"][-1] for r in finite]).to_dict(),
        "test_loss": st.mean([r["test_loss"] for r in finite]).to_dict(),
        "train_accuracy": st.mean([r["train_accuracy"] for r in finite], UNIT).to_dict(),
        "test_accuracy": st.mean([r["test_accuracy"] for r in finite], UNIT).to_dict(),
    }


def summarise(config: Config, results: list[RunResult]) -> Summary:
    grouped: dict[str, list[RunResult]] = {}
    for item in results:
        grouped.setdefault(item.run.label, []).append(item)
    table = {label: arm_figures([i.result for i in items]) for label, items in grouped.items()}
    setting = {label: items[0].run.setting for label, items in grouped.items()}
    plain = [i.result for i in grouped.get("plain", [])]
    for label, items in grouped.items():  # each arm against plain training, same seeds
        if label != "plain" and plain:
            arm = [i.result for i in items]
            table[label]["versus_plain"] = {
                "dead_fraction": _paired(arm, plain, _dead),
                "test_accuracy": _paired(arm, plain, lambda r: r["test_accuracy"]),
                "test_loss": _paired(arm, plain, lambda r: r["test_loss"]),
            }
    s = results[0].run.setting
    lines = [
        f"recycle on task {s['task']!r}: MLP {s['widths']}, {s['epochs']} epochs of SGD, batch "
        f"{s['batch_size']}, {config.seeds} seeds per arm (the same seeds in every arm); "
        f"recycling after every epoch but the last; tau = {s['tau']:g}",
        "dead: fraction of hidden units dead at the end [95% t]; recycled: units reinitialised "
        "over training (mean per run); accuracy on the held-out half",
        "",
        f"{'arm':20s} {'act.':10s} {'init':13s} {'lr':>4s} {'dead at end':>18s} "
        f"{'recycled':>9s} {'train loss':>11s} {'test loss':>10s} {'test accuracy':>20s}",
    ]
    for label, f in table.items():
        a = setting[label]
        lines.append(
            f"{label:20s} {grouped[label][0].run.activation:10s} {a['init']:13s} "
            f"{a['lr']:4g} {percent_text(f['dead_fraction']):>18s} "
            f"{_v(f['recycled_units'], '.0f'):>9s} {_v(f['final_loss'], '.3f'):>11s} "
            f"{_v(f['test_loss'], '.3f'):>10s} {percent_text(f['test_accuracy']):>20s}"
            + (f"  ({f['diverged']} diverged)" if f["diverged"] else "")
        )
    lines += ["", "against plain training, same seeds (mean paired difference [95% t]):"]
    for label, f in table.items():
        if "versus_plain" in f:
            v = f["versus_plain"]
            lines.append(
                f"  {label:20s} dead {_points(v['dead_fraction'])}, test accuracy "
                f"{_points(v['test_accuracy'])}, test loss {_signed(v['test_loss'])}"
            )
    data = {
        "task": s["task"],
        "settings": {k: v for k, v in s.items() if k not in ("lr", "init", "recycle")},
        "arms": {
            label: {
                **f,
                "activation": grouped[label][0].run.activation,
                "init": setting[label]["init"],
                "lr": setting[label]["lr"],
                "recycle": setting[label]["recycle"],
            }
            for label, f in table.items()
        },
        "theorems": ["dead.zero_gradient", "dead.permanent_first_layer"],
    }
    return Summary(NAME, "\n".join(lines), data)


def _paired(arm: list[dict], plain: list[dict], key) -> dict:
    """Mean over seeds of key(arm) - key(plain), seed by seed (runs that diverged left out)."""
    differences = [
        key(a) - key(p)
        for a, p in zip(arm, plain, strict=True)
        if not a["diverged"] and not p["diverged"]
    ]
    return st.mean(differences).to_dict()


def _v(e: dict, spec: str) -> str:
    return "n/a" if e["value"] is None else format(e["value"], spec)


def _points(e: dict) -> str:
    return _difference(e, 100, " points", ".1f")


def _signed(e: dict) -> str:
    return _difference(e, 1, "", ".3f")


def _difference(e: dict, scale: float, unit: str, spec: str) -> str:
    """A paired difference with its 95% interval, signed: `+1.2 points [-0.3, +2.7]`."""
    if e["value"] is None:
        return "n/a"
    lo, hi = (scale * x for x in e["ci95"])
    return f"{scale * e['value']:+{spec}}{unit} [{lo:+{spec}}, {hi:+{spec}}]"


def plot(config: Config, summary: Summary) -> bytes:
    from numeric.experiments.plots import figure, png_bytes

    arms = summary.data["arms"]
    labels = list(arms)
    y = np.arange(len(labels))
    fig, axes = figure(columns=3, width=4.2)
    panels = (
        ("dead_fraction", "dead units at the end (%)", 100),
        ("test_accuracy", "held-out accuracy (%)", 100),
        ("test_loss", "held-out loss", 1),
    )
    for ax, (key, title, scale) in zip(axes[0], panels, strict=True):
        values = [scale * (arms[a][key]["value"] or 0.0) for a in labels]
        errors = [
            [
                scale * ((arms[a][key]["value"] or 0) - (arms[a][key]["ci95"][0] or 0))
                for a in labels
            ],
            [
                scale * ((arms[a][key]["ci95"][1] or 0) - (arms[a][key]["value"] or 0))
                for a in labels
            ],
        ]
        ax.barh(y, values, xerr=errors, height=0.6, color="tab:blue", alpha=0.8)
        ax.set_yticks(y, labels if ax is axes[0][0] else [""] * len(labels), fontsize=7)
        ax.invert_yaxis()
        ax.set_title(title, fontsize=9)
    return png_bytes(fig)
