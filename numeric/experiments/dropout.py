"""`reluproof experiment dropout`: is a dead neuron "a natural Dropout"?

Measurably, the analogy would mean three things, each measured on ReLU networks trained at
a proper and at a high learning rate (digits by default):
1. removal: on the training inputs the network equals, bit for bit, the network with its
   dead units deleted (their outgoing weights removed) -- as a dropped unit, a dead one
   contributes nothing;
2. off the training set: dropout's mask does not depend on the input, a dead unit's
   silence does: the fraction of held-out inputs on which some dead unit fires, and the
   held-out loss with and without the dead units;
3. regularisation: dropout narrows the gap between held-out and training loss; if death
   acted so, runs with more dead units would have a smaller gap (Spearman's rank
   correlation between dead fraction and gap, over the seeds of one learning rate).
Unlike dropout's fresh random mask at every step, a dead first-layer unit is dropped for
good (dead.permanent_first_layer; the revival experiment measures it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as sps

from numeric.experiments import Config, Summary
from numeric.experiments import stats as st
from numeric.experiments.runner import Run, RunResult
from numeric.experiments.stats import UNIT, percent_text
from numeric.experiments.training import base_settings, train_runs

NAME = "dropout"
QUICK = {"epochs": 10}
FULL = {"epochs": 50}
LEARNING_RATES = (0.1, 0.7)  # on digits: trains well / kills units (see lr-sweep)


def plan(config: Config) -> list[Run]:
    preset = FULL if config.full else QUICK
    settings = base_settings(config, epochs=preset["epochs"], optimizer="sgd")
    lrs = (config.lr,) if config.lr is not None else LEARNING_RATES
    return [
        Run.make(NAME, "relu", seed, {**settings, "lr": lr}, label=f"lr {lr:g}")
        for lr in lrs
        for seed in range(max(config.seeds, 5))  # a rank correlation needs a few points
    ]


def train_batch(runs) -> list[dict]:
    return train_runs(runs, pruning=True)


def lr_figures(results: list[dict]) -> dict[str, Any]:
    finite = [r for r in results if not r["diverged"]]
    dead = [sum(r["dead_per_layer"][-1]) / sum(r["widths"]) for r in finite]
    gap = [r["test_loss"] - r["losses"][-1] for r in finite]
    with_dead = [r for r in finite if r["pruning"]["dead_units"] > 0]
    if len(finite) >= 3 and np.ptp(dead) > 0 and np.ptp(gap) > 0:
        rho, p = sps.spearmanr(dead, gap)
        correlation = {"spearman_rho": round(float(rho), 6), "p_value": round(float(p), 6)}
    else:
        correlation = {"spearman_rho": None, "p_value": None}
    return {
        "seeds": len(results),
        "diverged": len(results) - len(finite),
        "dead_fraction": st.mean(dead, UNIT).to_dict(),
        "runs_with_dead_units": len(with_dead),
        "train_outputs_bit_identical": sum(
            1 for r in with_dead if r["pruning"]["train_outputs_bit_identical"]
        ),
        "test_outputs_bit_identical": sum(
            1 for r in with_dead if r["pruning"]["test_outputs_bit_identical"]
        ),
        "test_inputs_waking_a_dead_unit": st.mean(
            [r["pruning"]["test_inputs_waking_a_dead_unit"] for r in with_dead], UNIT
        ).to_dict(),
        "test_loss_change_when_pruned": st.mean(
            [r["pruning"]["test_loss_pruned"] - r["pruning"]["test_loss"] for r in with_dead]
        ).to_dict(),
        "generalisation_gap": st.mean(gap).to_dict(),
        "dead_vs_gap": correlation,
    }


def by_lr(results: list[RunResult]) -> dict[float, dict]:
    grouped: dict[float, list[dict]] = {}
    for item in results:
        grouped.setdefault(item.run.setting["lr"], []).append(item.result)
    return {lr: lr_figures(rs) for lr, rs in grouped.items()}


def summarise(config: Config, results: list[RunResult]) -> Summary:
    table = by_lr(results)
    settings = results[0].run.setting
    lines = [
        f"dropout on task {settings['task']!r}: ReLU MLP {settings['widths']}, "
        f"{settings['epochs']} epochs of SGD, batch {settings['batch_size']}",
        "",
        f"{'lr':>6s} {'dead':>18s} {'train bits same':>16s} {'test bits same':>15s} "
        f"{'held-out inputs waking one':>28s} {'test loss change':>22s} {'rho(dead, gap)':>15s}",
    ]
    for lr, f in table.items():
        n = f["runs_with_dead_units"]
        rho = f["dead_vs_gap"]["spearman_rho"]
        lines.append(
            f"{lr:6g} {percent_text(f['dead_fraction']):>18s} "
            f"{f['train_outputs_bit_identical']:>9d}/{n:<6d} "
            f"{f['test_outputs_bit_identical']:>8d}/{n:<6d} "
            f"{percent_text(f['test_inputs_waking_a_dead_unit']):>28s} "
            f"{_num(f['test_loss_change_when_pruned']):>22s} "
            f"{'n/a' if rho is None else f'{rho:+.2f}':>15s}"
        )
    data = {
        "task": settings["task"],
        "settings": {k: v for k, v in settings.items() if k != "lr"},
        "by_lr": {f"{lr:g}": f for lr, f in table.items()},
        "theorems": ["dead.zero_gradient", "dead.permanent_first_layer"],
    }
    return Summary(NAME, "\n".join(lines), data)


def _num(e: dict) -> str:
    if e["value"] is None:
        return "n/a"
    lo, hi = e["ci95"]
    return f"{e['value']:+.3g} [{lo:+.2g},{hi:+.2g}]"


def plot(config: Config, summary: Summary) -> bytes:
    from numeric.experiments.plots import figure, png_bytes

    fig, axes = figure(columns=2)
    waking_ax, gap_ax = axes[0]
    labels = list(summary.data["by_lr"])
    rows = list(summary.data["by_lr"].values())
    x = np.arange(len(labels))
    waking = [100 * (r["test_inputs_waking_a_dead_unit"]["value"] or 0.0) for r in rows]
    dead = [100 * (r["dead_fraction"]["value"] or 0.0) for r in rows]
    waking_ax.bar(x - 0.2, dead, width=0.4, label="dead units (%)")
    waking_ax.bar(x + 0.2, waking, width=0.4, label="held-out inputs waking one (%)")
    waking_ax.set_xticks(x, [f"lr {lr}" for lr in labels])
    waking_ax.legend(fontsize=7)
    waking_ax.set_title("dead on the training set, awake off it", fontsize=9)
    gap = [r["generalisation_gap"]["value"] or 0.0 for r in rows]
    gap_ax.bar(x, gap, width=0.5)
    gap_ax.set_xticks(x, [f"lr {lr}" for lr in labels])
    gap_ax.set_title("held-out minus training loss", fontsize=9)
    return png_bytes(fig)
