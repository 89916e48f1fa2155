"""`reluproof experiment lr-sweep`: dead units against the learning rate.

For each activation (relu, leaky_relu, prelu, rrelu, elu, selu by default), plain SGD on a
log grid of learning rates up to divergence, several seeds each: the fraction of dead
units per layer at the end of training (a unit is dead when every training input puts its
pre-activation in the activation's zero-gradient set), the fraction of runs that diverged
(non-finite loss: reported as such, never as "dead"), and the final training and test loss.

It locates, on a stated task, where "as much as 40% of your network can be dead" happens
and where it does not. The runs of one activation share a shape, so each activation's whole
grid x seeds is trained in lock-step as one batched program.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeric.experiments import Config, Summary
from numeric.experiments import stats as st
from numeric.experiments.runner import Run, RunResult
from numeric.experiments.stats import UNIT
from numeric.experiments.training import base_settings, train_runs

NAME = "lr-sweep"
DEAD_THRESHOLD = 0.40  # the Stanford notes' "as much as 40% of your network"

QUICK = {"epochs": 10, "lr_count": 10, "lr_min": 1e-3, "lr_max": 30.0}
FULL = {"epochs": 50, "lr_count": 15, "lr_min": 1e-4, "lr_max": 30.0}


def lr_grid(config: Config) -> list[float]:
    """A log grid; rounded to 4 significant digits so the settings (and keys) read cleanly."""
    preset = FULL if config.full else QUICK
    top = config.lr_max or preset["lr_max"]
    low = min(preset["lr_min"], top / 10)
    grid = np.geomspace(low, top, preset["lr_count"])
    return [float(f"{x:.4g}") for x in grid]


def plan(config: Config) -> list[Run]:
    preset = FULL if config.full else QUICK
    settings = base_settings(config, epochs=preset["epochs"], optimizer="sgd")
    return [
        Run.make(NAME, activation, seed, {**settings, "lr": lr}, label=activation)
        for activation in config.activations
        for lr in lr_grid(config)
        for seed in range(config.seeds)
    ]


def train_batch(runs) -> list[dict]:
    return train_runs(runs)


def dead_fraction(result: dict) -> float:
    """The whole network's dead fraction at the end of training."""
    dead = result["dead_per_layer"][-1]
    return sum(dead) / sum(result["widths"])


def _cell(results: list[dict]) -> dict[str, Any]:
    """One (activation, lr) cell over its seeds."""
    finite = [r for r in results if not r["diverged"]]
    layers = len(results[0]["widths"])
    per_layer = [
        st.mean([r["dead_per_layer"][-1][i] / r["widths"][i] for r in finite], UNIT).to_dict()
        for i in range(layers)
    ]
    return {
        "seeds": len(results),
        "diverged": st.proportion(len(results) - len(finite), len(results)).to_dict(),
        "dead_fraction": st.mean([dead_fraction(r) for r in finite], UNIT).to_dict(),
        "dead_fraction_per_layer": per_layer,
        "max_dead_fraction": max((dead_fraction(r) for r in finite), default=None),
        "dormant_fraction": st.mean(
            [sum(r["dormant_per_layer"]) / sum(r["widths"]) for r in finite], UNIT
        ).to_dict(),
        "final_loss": st.mean([r["losses"][-1] for r in finite]).to_dict(),
        "initial_loss": st.mean([r["losses"][0] for r in results]).to_dict(),
        "test_loss": st.mean([r["test_loss"] for r in finite]).to_dict(),
        "cost_grew": sum(1 for r in results if r["diverged"] or r["losses"][-1] > r["losses"][0]),
    }


def cells(results: list[RunResult]) -> dict[str, dict[float, dict]]:
    """activation -> lr -> the cell's figures, in plan order."""
    grouped: dict[str, dict[float, list[dict]]] = {}
    for item in results:
        run = item.run
        grouped.setdefault(run.activation, {}).setdefault(run.setting["lr"], []).append(item.result)
    return {a: {lr: _cell(rs) for lr, rs in by_lr.items()} for a, by_lr in grouped.items()}


def where_forty_percent(by_lr: dict[float, dict]) -> dict[str, Any]:
    """The learning rates at which the mean dead fraction reaches 40%, and those where not."""
    reached = [
        lr
        for lr, c in by_lr.items()
        if c["dead_fraction"]["value"] is not None and c["dead_fraction"]["value"] >= DEAD_THRESHOLD
    ]
    diverged_all = [lr for lr, c in by_lr.items() if c["diverged"]["value"] == 1.0]
    peak_lr = max(
        (lr for lr, c in by_lr.items() if c["dead_fraction"]["value"] is not None),
        key=lambda lr: by_lr[lr]["dead_fraction"]["value"],
        default=None,
    )
    return {
        "reached_at_lr": reached,
        "smallest_lr_reaching": min(reached, default=None),
        "peak_lr": peak_lr,
        "peak_dead_fraction": by_lr[peak_lr]["dead_fraction"] if peak_lr is not None else None,
        "diverged_at_lr": diverged_all,
    }


def summarise(config: Config, results: list[RunResult]) -> Summary:
    table = cells(results)
    findings = {a: where_forty_percent(by_lr) for a, by_lr in table.items()}
    settings = results[0].run.setting
    lines = [
        f"lr-sweep on task {settings['task']!r}: MLP {settings['widths']}, "
        f"{settings['epochs']} epochs of SGD, batch {settings['batch_size']}, "
        f"init {settings['init']}, {config.seeds} seeds per cell",
        "cell: mean dead fraction of the whole network over the seeds that did not diverge "
        "[95% t interval]; (k div) = k seeds diverged",
        "",
    ]
    activations = list(table)
    lrs = list(next(iter(table.values())))
    width = 24
    lines.append("lr".rjust(9) + "".join(a.rjust(width) for a in activations))
    for lr in lrs:
        row = f"{lr:9.4g}"
        for a in activations:
            c = table[a][lr]
            row += _cell_text(c).rjust(width)
        lines.append(row)
    for a in activations:  # per layer, for the activations that lost units at all
        if not any((table[a][lr]["max_dead_fraction"] or 0) > 0 for lr in lrs):
            continue
        layers = len(table[a][lrs[0]]["dead_fraction_per_layer"])
        lines += ["", f"{a}, dead per layer (mean %): " + ", ".join(
            f"layer {i + 1}" for i in range(layers))]  # fmt: skip
        for lr in lrs:
            per_layer = table[a][lr]["dead_fraction_per_layer"]
            values = [
                "  div" if layer["value"] is None else f"{100 * layer['value']:5.1f}"
                for layer in per_layer
            ]
            lines.append(f"{lr:9.4g}   " + "  ".join(values))
    lines.append("")
    for a, f in findings.items():
        if f["reached_at_lr"]:
            where = f"reaches >= 40% dead at lr {', '.join(f'{x:.4g}' for x in f['reached_at_lr'])}"
        else:
            peak = f["peak_dead_fraction"]
            where = (
                f"never reaches 40% dead (peak {100 * peak['value']:.1f}% at lr {f['peak_lr']:.4g})"
                if peak and peak["value"] is not None
                else "no run finished"
            )
        diverged = ""
        if f["diverged_at_lr"]:
            all_lrs = sorted(table[a])
            above = all_lrs[all_lrs.index(min(f["diverged_at_lr"])) :]
            if above == sorted(f["diverged_at_lr"]):  # from there up, every seed diverged
                diverged = f"; every seed diverged at lr >= {min(above):.4g}"
            else:
                cells_ = ", ".join(f"{x:.4g}" for x in sorted(f["diverged_at_lr"]))
                diverged = f"; every seed diverged at lr {cells_}"
        lines.append(f"{a:12s} {where}{diverged}")
    audits = [r.result["audit"] for r in results if r.result.get("audit")]
    finite = [a for a in audits if a["finite"]]  # inf * 0 = NaN says nothing of the theorem
    audit = {
        "runs": len(finite),
        "non_finite_runs_left_out": len(audits) - len(finite),
        "dead_units": sum(a["dead_units"] for a in finite),
        "violations": sum(a["violations"] for a in finite),
        "alive_zero_gradient": sum(a["alive_zero_gradient"] for a in finite),
    }
    lines.append(
        f"gradient audit (dead.zero_gradient): {audit['dead_units']} dead units in "
        f"{audit['runs']} finite runs, {audit['violations']} with a nonzero gradient; "
        f"{audit['alive_zero_gradient']} alive units with an exactly zero gradient"
    )
    data = {
        "task": settings["task"],
        "settings": {k: v for k, v in settings.items() if k != "lr"},
        "audit": audit,
        "learning_rates": lrs,
        "seeds": config.seeds,
        "cells": {a: {f"{lr:.4g}": c for lr, c in by_lr.items()} for a, by_lr in table.items()},
        "forty_percent": findings,
        "theorems": ["dead.zero_gradient", "dead.permanent_first_layer", "dead.no_exact_death"],
    }
    return Summary(NAME, "\n".join(lines), data)


def _cell_text(c: dict) -> str:
    value = c["dead_fraction"]["value"]
    k = round(c["diverged"]["value"] * c["seeds"])
    div = f" ({k} div)" if k else ""
    if value is None:
        return "diverged" + ("" if k == c["seeds"] else div)
    low, high = c["dead_fraction"]["ci95"]
    return f"{100 * value:5.1f}% [{100 * low:.0f},{100 * high:.0f}]{div}"


def plot(config: Config, summary: Summary) -> bytes:
    from numeric.experiments.plots import figure, png_bytes

    fig, axes = figure(columns=2)
    dead_ax, loss_ax = axes[0]
    lrs = np.asarray(summary.data["learning_rates"])
    for activation, by_lr in summary.data["cells"].items():
        cells_ = list(by_lr.values())
        value = np.array([_nan(c["dead_fraction"]["value"]) for c in cells_])
        low = np.array([_nan(c["dead_fraction"]["ci95"][0]) for c in cells_])
        high = np.array([_nan(c["dead_fraction"]["ci95"][1]) for c in cells_])
        (line,) = dead_ax.plot(lrs, 100 * value, marker="o", ms=3, label=activation)
        dead_ax.fill_between(lrs, 100 * low, 100 * high, color=line.get_color(), alpha=0.15)
        diverged = np.array([c["diverged"]["value"] for c in cells_]) > 0
        dead_ax.plot(lrs[diverged], np.full(diverged.sum(), 102), "x", color=line.get_color())
        loss = np.array([_nan(c["final_loss"]["value"]) for c in cells_])
        loss_ax.plot(lrs, loss, marker="o", ms=3, color=line.get_color(), label=activation)
    dead_ax.axhline(100 * DEAD_THRESHOLD, color="grey", ls="--", lw=0.8)
    dead_ax.set(xscale="log", xlabel="learning rate", ylabel="dead units (%)", ylim=(-2, 105))
    dead_ax.set_title("dead units after training (x: some seeds diverged)", fontsize=9)
    loss_ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="final training loss")
    loss_ax.set_title("final loss (diverged runs left out)", fontsize=9)
    dead_ax.legend(fontsize=7)
    return png_bytes(fig)


def _nan(x) -> float:
    return float("nan") if x is None else float(x)
