"""The report's experiments section: the quick experiments' tables and plots, each number
beside the theorem it is the numeric side of.

The runs are the ones the measured claims use (`proofs.measured.measurement`: quick
settings, cached by content key), so building this section after `prove` costs only
reading them back; run first, it trains them (about a minute on two cores) and the claims
then read them. `experiments_section` returns the sections, the PNG files (path relative
to the report directory -> bytes) and the JSON data, and writes nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from derivations import render
from derivations.render import Code, Heading, Prose, Section
from reluproof import depth_report

PLOTS = "plots"  # as reluproof.report's: the figures' directory beside the documents
EXPERIMENTS = ("lr-sweep", "init", "revival", "dropout", *depth_report.LINES)


@dataclass(frozen=True)
class ExperimentsSection:
    sections: tuple[Section, ...]
    files: dict[str, bytes] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


def _verdicts(results: Sequence | None) -> dict[str, str]:
    return {r.theorem.id: r.verdict.status.value for r in results or ()}


def _beside(lines: list[tuple[str, str]], verdicts: dict[str, str]) -> Code:
    """`number  <-  theorem (verdict)` lines."""
    width = max(len(number) for number, _ in lines)
    text = "\n".join(
        f"{number:{width}s}  <-  {tid}" + (f" ({verdicts[tid]})" if tid in verdicts else "")
        for number, tid in lines
    )
    return Code(text)


def _figure(path: str, caption: str):
    figure = getattr(render, "Figure", None)  # the document model's figure, where it has one
    if figure is not None:
        return figure(path, caption)
    return Prose(f"Figure: `{path}` ({caption}).")


def _sweep_lines(summary) -> list[tuple[str, str]]:
    data = summary.data
    relu = data["forty_percent"]["relu"]
    lines = []
    if relu["reached_at_lr"]:
        lr = min(relu["reached_at_lr"])
        cell = data["cells"]["relu"][f"{lr:.4g}"]
        lines.append(
            (
                f"relu: {100 * cell['dead_fraction']['value']:.1f}% dead at lr {lr:g}",
                "claims.measured.forty_percent_dead_at_high_lr",
            )
        )
    for name in ("leaky_relu", "prelu", "elu"):
        if name in data["cells"]:
            peak = data["forty_percent"][name]["peak_dead_fraction"]
            value = 0.0 if not peak or peak["value"] is None else peak["value"]
            lines.append((f"{name}: at most {100 * value:.1f}% dead", "dead.no_exact_death"))
    return lines


def _audit_lines(results) -> list[tuple[str, str]]:
    """The bit-exact audit over every run whose parameters and gradients are finite (in a
    diverged run inf * 0 = NaN can reach a dead unit: the theorem is about finite numbers)."""
    audits = [r.result["audit"] for r in results if r.result.get("audit")]
    finite = [a for a in audits if a["finite"]]
    dead = sum(a["dead_units"] for a in finite)
    bad = sum(a["violations"] for a in finite)
    left_out = (
        f" ({len(audits) - len(finite)} non-finite runs left out)" if audits != finite else ""
    )
    return [
        (
            f"audit: {dead} dead units in {len(finite)} runs, {bad} nonzero gradients{left_out}",
            "dead.zero_gradient",
        )
    ]


def _revival_lines(summary) -> list[tuple[str, str]]:
    lines = []
    for label, arm in summary.data["arms"].items():
        first = arm["layers"][0]
        deeper = arm["layers"][1:]
        theorem = arm["theorems"][0]
        lines.append(
            (
                f"{label}: layer 1 {first['dead_at_snapshot']} dead, "
                f"{first['parameters_bit_identical']} bit-identical, {first['revived']} revived",
                "dead.permanent_first_layer" if label == "sgd" else theorem,
            )
        )
        if label == "sgd":
            revived = sum(layer["revived"] for layer in deeper)
            dead = sum(layer["dead_at_snapshot"] for layer in deeper)
            lines.append(
                (f"sgd: deeper layers {revived} of {dead} revived", "dead.second_layer_revives")
            )
    return lines


def _init_lines(summary) -> list[tuple[str, str]]:
    lines = []
    for lr, arms in summary.data["arms"].items():
        zero = arms["zeros/relu"]
        lines.append(
            (
                f"lr {lr}: zeros/relu hidden parameters stayed 0 in "
                f"{zero['hidden_parameters_stayed_zero']}/{zero['seeds']}",
                "claims.zero_initialisation_freezes_hidden_layer",
            )
        )
        he, plus = arms["he_normal"], arms["he_normal, bias +0.01"]
        if he["dead_final"]["value"] is not None and plus["dead_final"]["value"] is not None:
            lines.append(
                (
                    f"lr {lr}: dead {100 * plus['dead_final']['value']:.1f}% with bias +0.01 vs "
                    f"{100 * he['dead_final']['value']:.1f}% with 0",
                    "claims.measured.positive_bias_helps",
                )
            )
    return lines


def _dropout_lines(summary) -> list[tuple[str, str]]:
    return [
        (
            f"lr {lr}: outputs without the dead units bit-identical on the training set in "
            f"{f['train_outputs_bit_identical']}/{f['runs_with_dead_units']} runs",
            "claims.measured.dead_neuron_natural_dropout",
        )
        for lr, f in summary.data["by_lr"].items()
    ]


LINES = {
    "lr-sweep": _sweep_lines,
    "init": _init_lines,
    "revival": _revival_lines,
    "dropout": _dropout_lines,
    **depth_report.LINES,
}
TITLES = {
    "lr-sweep": "dead units against the learning rate",
    "init": "initialisation: zeros, He / Xavier / LeCun, bias -1 and +0.01",
    "revival": "do dead units revive? SGD, momentum, Adam, weight decay",
    "dropout": "is a dead neuron a natural dropout?",
    **depth_report.TITLES,
}


def experiments_section(
    results: Sequence | None = None, progress: Callable[[str], None] = lambda _: None
) -> ExperimentsSection:
    """The experiments at the measured claims' quick settings; `results` (the theorems'
    `Result`s, optional) put each theorem's verdict beside the number it confirms."""
    from numeric.experiments import experiment_module
    from proofs.measured import measurement

    verdicts = _verdicts(results)
    blocks: list = [
        Prose(
            "Seeded NumPy training runs (numeric/mlp.py, lock-step batches) at the quick "
            "settings the measured claims use; every figure is a measurement, labelled with its "
            "95% interval, and each is listed beside the theorem it is the numeric side of. "
            "Rerun any of them with `reluproof experiment NAME` (`--full` for paper-grade "
            "settings)."
        )
    ]
    files: dict[str, bytes] = {}
    data: dict[str, Any] = {}
    for name in EXPERIMENTS:
        progress(f"experiment {name}")
        config, runs, summary = measurement(name)
        path = f"{PLOTS}/experiment-{name}.png"
        files[path] = experiment_module(name).plot(config, summary)
        lines = LINES[name](summary)
        if name in ("revival", "lr-sweep"):
            lines += _audit_lines(runs)
        blocks += [
            Heading(f"{name}: {TITLES[name]}"),
            Code(summary.text),
            _beside(lines, verdicts),
            _figure(path, f"reluproof experiment {name} --seeds {config.seeds}"),
        ]
        data[name] = {"config": config.to_dict(), **summary.to_dict(), "plot": path}
    section = Section("Experiments: measured on trained networks", tuple(blocks))
    return ExperimentsSection((section,), files, data)
