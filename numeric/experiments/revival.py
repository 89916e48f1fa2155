"""`reluproof experiment revival`: do dead units come back, and what moves their parameters?

A ReLU network is trained at a high learning rate until units die (phase 1), its
parameters are snapshot, and training goes on for as many epochs again (phase 2) with the
same optimizer. For every unit dead at the snapshot: did it revive by the end, and are its
incoming weights and bias bit-identical to the snapshot (compared as bits, not within a
tolerance)?

This is the numeric side of the `dead.*` theorems:
- sgd: a dead first-layer unit gets exactly zero gradient, so its parameters never change
  (dead.zero_gradient, dead.permanent_first_layer); a dead unit of a deeper layer can
  revive when the layers below it move (dead.second_layer_revives);
- momentum and adam: the velocity / first moment from before the death keeps moving a dead
  unit's weights, and it can revive (dead.revives_momentum, dead.revives_adam);
- weight decay on the weights only shrinks w and leaves the bias, so a dead unit with a
  positive bias can revive (dead.revives_weight_decay_without_bias); decay on weights and
  bias with eta*lambda < 1 scales every z by (1 - eta*lambda): the parameters move but the
  unit stays dead (dead.permanent_first_layer).
"""

from __future__ import annotations

from typing import Any

from numeric.experiments import Config, Summary
from numeric.experiments import stats as st
from numeric.experiments.runner import Run, RunResult
from numeric.experiments.training import base_settings, train_runs

NAME = "revival"
QUICK = {"epochs": 10}
FULL = {"epochs": 40}

# (label, optimizer settings, learning rate, the theorems it is the numeric side of)
ARMS: tuple[tuple[str, dict[str, Any], float, tuple[str, ...]], ...] = (
    (
        "sgd",
        {"optimizer": "sgd"},
        0.7,
        ("dead.zero_gradient", "dead.permanent_first_layer", "dead.second_layer_revives"),
    ),
    ("momentum 0.9", {"optimizer": "momentum", "momentum": 0.9}, 0.07, ("dead.revives_momentum",)),
    ("adam", {"optimizer": "adam"}, 0.01, ("dead.revives_adam",)),
    (
        "sgd, decay on weights",
        {"optimizer": "sgd", "weight_decay": 0.001, "decay_biases": False},
        0.7,
        ("dead.revives_weight_decay_without_bias",),
    ),
    (
        "sgd, decay on weights+bias",
        {"optimizer": "sgd", "weight_decay": 0.001, "decay_biases": True},
        0.7,
        ("dead.permanent_first_layer",),
    ),
)
THEOREMS = {label: theorems for label, _, _, theorems in ARMS}


def plan(config: Config) -> list[Run]:
    preset = FULL if config.full else QUICK
    runs = []
    for label, optimizer, lr, _ in ARMS:
        phase = config.epochs or preset["epochs"]  # --epochs: each phase's length
        settings = base_settings(config.but(epochs=None), epochs=2 * phase, **optimizer)
        settings["snapshot_epoch"] = phase
        runs += [
            Run.make(NAME, "relu", seed, {**settings, "lr": config.lr or lr}, label=label)
            for seed in range(config.seeds)
        ]
    return runs


def train_batch(runs) -> list[dict]:
    return train_runs(runs, revival=True)


def arm_figures(results: list[dict]) -> dict[str, Any]:
    finite = [r for r in results if not r["diverged"]]
    layers = len(results[0]["widths"])
    per_layer = []
    for i in range(layers):
        dead = sum(r["revival"][i]["dead_at_snapshot"] for r in finite)
        revived = sum(r["revival"][i]["revived"] for r in finite)
        unchanged = sum(r["revival"][i]["unchanged"] for r in finite)
        per_layer.append(
            {
                "dead_at_snapshot": dead,
                "revived": revived,
                "parameters_bit_identical": unchanged,
                "revived_fraction": st.proportion(revived, dead).to_dict(),
                "unchanged_fraction": st.proportion(unchanged, dead).to_dict(),
            }
        )
    return {
        "seeds": len(results),
        "diverged": len(results) - len(finite),
        "layers": per_layer,
        # the audit concerns finite arithmetic: runs with non-finite values are left out
        "audit_violations": sum(r["audit"]["violations"] for r in finite if r["audit"]["finite"]),
        "audit_dead_units": sum(r["audit"]["dead_units"] for r in finite if r["audit"]["finite"]),
    }


def arms(results: list[RunResult]) -> dict[str, dict]:
    grouped: dict[str, list[dict]] = {}
    for item in results:
        grouped.setdefault(item.run.label, []).append(item.result)
    return {label: arm_figures(rs) for label, rs in grouped.items()}


def summarise(config: Config, results: list[RunResult]) -> Summary:
    table = arms(results)
    settings = results[0].run.setting
    lrs = {r.run.label: r.run.setting["lr"] for r in results}
    lines = [
        f"revival on task {settings['task']!r}: ReLU MLP {settings['widths']}, "
        f"{settings['snapshot_epoch']} epochs to kill units, then {settings['snapshot_epoch']} "
        f"more; {config.seeds} seeds per arm; units dead at the snapshot, summed over seeds",
        "",
        f"{'arm (lr)':34s} {'layer':>5s} {'dead':>6s} {'revived':>8s} "
        f"{'params bit-identical':>21s}  theorems",
    ]
    for label, f in table.items():
        for i, layer in enumerate(f["layers"]):
            theorems = ", ".join(THEOREMS.get(label, ())) if i == 0 else ""
            lines.append(
                f"{f'{label} ({lrs[label]:g})' if i == 0 else '':34s} {i + 1:>5d} "
                f"{layer['dead_at_snapshot']:>6d} {layer['revived']:>8d} "
                f"{layer['parameters_bit_identical']:>21d}  {theorems}"
            )
        if f["diverged"]:
            lines.append(f"{'':34s} ({f['diverged']} seeds diverged, left out)")
    lines.append("")
    lines.append(
        "gradient audit at the end (every dead unit's incoming weights and bias have a "
        "gradient of exactly 0.0): "
        + "; ".join(
            f"{label}: {f['audit_dead_units']} dead, {f['audit_violations']} violations"
            for label, f in table.items()
        )
    )
    data = {
        "task": settings["task"],
        "settings": {
            k: v
            for k, v in settings.items()
            if k not in ("lr", "optimizer", "momentum", "weight_decay", "decay_biases")
        },
        "arms": {
            label: {**f, "lr": lrs[label], "theorems": list(THEOREMS[label])}
            for label, f in table.items()
        },  # fmt: skip
    }
    return Summary(NAME, "\n".join(lines), data)


def plot(config: Config, summary: Summary) -> bytes:
    import numpy as np

    from numeric.experiments.plots import figure, png_bytes

    arms_ = summary.data["arms"]
    fig, axes = figure(columns=2, width=5.5)
    revived_ax, same_ax = axes[0]
    labels = list(arms_)
    layers = len(next(iter(arms_.values()))["layers"])
    y = np.arange(len(labels))
    height = 0.8 / layers
    for i in range(layers):
        revived = [
            100 * (arms_[a]["layers"][i]["revived_fraction"]["value"] or 0.0) for a in labels
        ]
        same = [100 * (arms_[a]["layers"][i]["unchanged_fraction"]["value"] or 0.0) for a in labels]
        offset = (i - (layers - 1) / 2) * height
        revived_ax.barh(y + offset, revived, height=height, label=f"layer {i + 1}")
        same_ax.barh(y + offset, same, height=height, label=f"layer {i + 1}")
    for ax, title in (
        (revived_ax, "dead at the snapshot, alive at the end (%)"),
        (same_ax, "dead at the snapshot, parameters bit-identical at the end (%)"),
    ):
        ax.set_yticks(y, labels, fontsize=7)
        ax.invert_yaxis()
        ax.set(xlim=(0, 100))
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    return png_bytes(fig)
