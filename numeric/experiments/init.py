"""`reluproof experiment init`: what the initialisation does to dying units.

Arms, each over several seeds, ReLU unless named:
- zeros (every weight and bias 0), for relu, leaky_relu and sigmoid: do the hidden
  parameters ever leave 0 (death), and are the hidden units of a layer all alike
  (symmetry)? The loss is compared with the constant predictor's (only the output bias
  learning), which is all a network stuck at zero can reach (claims.zero_initialisation_*).
- He vs Xavier vs LeCun (normal), bias 0: dead units at initialisation and after training,
  at a proper learning rate and at a high one.
- He with bias -1 (a large negative bias kills units at once) and He with bias +0.01 (one
  document's fix: whether it helps is measured and said either way).
"""

from __future__ import annotations

from typing import Any

from numeric.experiments import Config, Summary
from numeric.experiments import stats as st
from numeric.experiments.runner import Run, RunResult
from numeric.experiments.stats import UNIT, percent_text
from numeric.experiments.training import base_settings, train_runs

NAME = "init"

QUICK = {"epochs": 10}
FULL = {"epochs": 50}
PROPER_LR, HIGH_LR = 0.1, 0.7  # on digits: trains well / kills units (see lr-sweep)

# (label, activation, init, bias_init)
ARMS = (
    ("zeros/relu", "relu", "zeros", 0.0),
    ("zeros/leaky_relu", "leaky_relu", "zeros", 0.0),
    ("zeros/sigmoid", "sigmoid", "zeros", 0.0),
    ("he_normal", "relu", "he_normal", 0.0),
    ("xavier_normal", "relu", "xavier_normal", 0.0),
    ("lecun_normal", "relu", "lecun_normal", 0.0),
    ("he_normal, bias -1", "relu", "he_normal", -1.0),
    ("he_normal, bias +0.01", "relu", "he_normal", 0.01),
)


def learning_rates(config: Config) -> tuple[float, ...]:
    return (config.lr,) if config.lr is not None else (PROPER_LR, HIGH_LR)


def plan(config: Config) -> list[Run]:
    preset = FULL if config.full else QUICK
    runs = []
    for lr in learning_rates(config):
        for label, activation, init, bias in ARMS:
            settings = base_settings(
                config, epochs=preset["epochs"], optimizer="sgd", init=init, bias_init=bias
            )
            runs += [
                Run.make(NAME, activation, seed, {**settings, "lr": lr}, label=label)
                for seed in range(config.seeds)
            ]
    return runs


def train_batch(runs) -> list[dict]:
    return train_runs(runs, parameters=True)


def arm_figures(results: list[dict]) -> dict[str, Any]:
    finite = [r for r in results if not r["diverged"]]
    total = sum(results[0]["widths"])
    return {
        "seeds": len(results),
        "diverged": st.proportion(len(results) - len(finite), len(results)).to_dict(),
        "dead_at_init": st.mean(
            [sum(r["dead_per_layer"][0]) / total for r in results], UNIT
        ).to_dict(),
        "dead_final": st.mean(
            [sum(r["dead_per_layer"][-1]) / total for r in finite], UNIT
        ).to_dict(),
        "final_loss": st.mean([r["losses"][-1] for r in finite]).to_dict(),
        "initial_loss": st.mean([r["losses"][0] for r in results]).to_dict(),
        "constant_predictor_loss": st.mean([r["constant_loss"] for r in results]).to_dict(),
        "test_loss": st.mean([r["test_loss"] for r in finite]).to_dict(),
        "hidden_parameters_stayed_zero": sum(1 for r in results if r["hidden_all_zero"]),
        "distinct_units_per_layer": [
            max(r["distinct_units_per_layer"][i] for r in results)
            for i in range(len(results[0]["widths"]))
        ],
    }


def arms(results: list[RunResult]) -> dict[float, dict[str, dict]]:
    """lr -> arm label -> figures, in plan order."""
    grouped: dict[float, dict[str, list[dict]]] = {}
    for item in results:
        grouped.setdefault(item.run.setting["lr"], {}).setdefault(item.run.label, []).append(
            item.result
        )
    return {lr: {label: arm_figures(rs) for label, rs in by.items()} for lr, by in grouped.items()}


def summarise(config: Config, results: list[RunResult]) -> Summary:
    table = arms(results)
    settings = results[0].run.setting
    lines = [
        f"init on task {settings['task']!r}: MLP {settings['widths']}, {settings['epochs']} "
        f"epochs of SGD, batch {settings['batch_size']}, {config.seeds} seeds per arm",
        "dead: mean fraction of the network's units [95% t interval]; loss: final training "
        "loss (constant predictor: the loss of predicting the training mean)",
    ]
    for lr, by_arm in table.items():
        lines += ["", f"lr = {lr:g}"]
        lines.append(
            f"{'arm':24s} {'dead at init':>20s} {'dead at end':>20s} {'final loss':>24s} "
            f"{'const. pred.':>12s} {'hidden=0':>8s} {'distinct units':>15s}"
        )
        for label, f in by_arm.items():
            lines.append(
                f"{label:24s} {percent_text(f['dead_at_init']):>20s} "
                f"{percent_text(f['dead_final']):>20s} "
                f"{_num(f['final_loss']):>24s} {_num1(f['constant_predictor_loss']):>12s} "
                f"{f['hidden_parameters_stayed_zero']:>4d}/{f['seeds']:<3d} "
                f"{','.join(str(d) for d in f['distinct_units_per_layer']):>15s}"
            )
    lines.append("")
    lines.append(_verdict_lines(table))
    data = {
        "task": settings["task"],
        "settings": {k: v for k, v in settings.items() if k not in ("lr", "init", "bias_init")},
        "arms": {f"{lr:g}": by for lr, by in table.items()},
        "theorems": ["claims.zero_initialisation_freezes_hidden_layer", "dead.zero_gradient"],
    }
    return Summary(NAME, "\n".join(lines).rstrip(), data)


def bias_effect(table: dict[float, dict[str, dict]], raw: list[RunResult]) -> dict[float, dict]:
    """Dead fraction with bias +0.01 minus with bias 0 (He init), per lr, Welch interval."""
    out = {}
    for lr in table:
        base = _dead_values(raw, lr, "he_normal")
        plus = _dead_values(raw, lr, "he_normal, bias +0.01")
        out[lr] = st.difference(plus, base).to_dict()
    return out


def _dead_values(raw: list[RunResult], lr: float, label: str) -> list[float]:
    return [
        sum(r.result["dead_per_layer"][-1]) / sum(r.result["widths"])
        for r in raw
        if r.run.setting["lr"] == lr and r.run.label == label and not r.result["diverged"]
    ]


def _verdict_lines(table: dict[float, dict[str, dict]]) -> str:
    lines = []
    for lr, by_arm in table.items():
        zero = by_arm.get("zeros/relu")
        if zero:
            stuck = zero["hidden_parameters_stayed_zero"] == zero["seeds"]
            lines.append(
                f"lr {lr:g}: zeros/relu hidden parameters stayed exactly 0 in "
                f"{zero['hidden_parameters_stayed_zero']}/{zero['seeds']} seeds"
                + (" (it cannot learn beyond the output bias)" if stuck else "")
            )
        base, plus = by_arm.get("he_normal"), by_arm.get("he_normal, bias +0.01")
        if base and plus and base["dead_final"]["value"] is not None:
            b, p = base["dead_final"]["value"], plus["dead_final"]["value"] or 0.0
            verdict = "fewer" if p < b else ("more" if p > b else "as many")
            lines.append(
                f"lr {lr:g}: bias +0.01 leaves {100 * p:.1f}% dead vs {100 * b:.1f}% with bias 0 "
                f"({verdict} dead units)"
            )
    return "\n".join(lines)


def _num(e: dict) -> str:
    if e["value"] is None:
        return "diverged"
    lo, hi = e["ci95"]
    return f"{e['value']:.4g} [{lo:.3g},{hi:.3g}]"


def _num1(e: dict) -> str:
    return "n/a" if e["value"] is None else f"{e['value']:.4g}"


def plot(config: Config, summary: Summary) -> bytes:
    import numpy as np

    from numeric.experiments.plots import figure, png_bytes

    by_lr = summary.data["arms"]
    fig, axes = figure(columns=len(by_lr), width=5.5)
    for ax, (lr, by_arm) in zip(axes[0], by_lr.items(), strict=True):
        labels = list(by_arm)
        y = np.arange(len(labels))
        for offset, key, name in ((-0.2, "dead_at_init", "at init"), (0.2, "dead_final", "end")):
            values = [100 * (by_arm[a][key]["value"] or 0.0) for a in labels]
            ax.barh(y + offset, values, height=0.4, label=name)
        ax.set_yticks(y, labels, fontsize=7)
        ax.invert_yaxis()
        ax.set(xlabel="dead units (%)", xlim=(0, 100))
        ax.set_title(f"lr = {lr}", fontsize=9)
        ax.legend(fontsize=7)
    return png_bytes(fig)
