"""The documents' claims about depth, settled by measurement: vanishing gradients, sparsity
and speed.

Like `proofs.measured` (whose cached runs, provenance and thresholds these share): each claim
is quoted verbatim, settled SUPPORTED / CONTRADICTED / MIXED by the quick settings of
`reluproof experiment vanishing` (20 hidden layers of 32 units on digits, float64, SGD,
each activation with its customary initialisation, `proofs.measured.SEEDS` seeds), and
never PROVED. The proved side is `vanish.*` (the experiment checks its bound on every run).

Timing claims are measured on this machine at the moment the runs were made (the figures
are cached with the runs): times of relu, sigmoid and tanh are taken interleaved, repeated,
and compared as ratios of medians with a 10% margin, so that noise of a few percent cannot
flip a verdict.
"""

from __future__ import annotations

import math
from typing import Any

from proofs.measured import (
    CONTRADICTED,
    DOC_PYNOTE,
    DOC_VANISHING,
    MIXED,
    SUPPORTED,
    _ci,
    _claim,
    measurement,
)
from proofs.theorem import Verdict, measured

EXPERIMENT = "vanishing"
FIX_FACTOR = 10.0  # "fixes": the input layer gets within a factor 10 of the last layer's
SPARSE = 0.25  # ReLU's activations count as sparse when at least this fraction is exactly 0
MARGIN = 0.10  # f and f' count as faster only below (1 - MARGIN) times the other's time
# learning counts as faster only below (1 - LEARNING_MARGIN) times the other's time to the
# target: that time multiplies a per-epoch timing (which moves by tens of percent with the
# machine's load) by whole epochs, so a narrow margin would let the load decide the verdict
LEARNING_MARGIN = 0.25


def _figures() -> dict[str, Any]:
    _, _, summary = measurement(EXPERIMENT)
    return summary.data


def _provenance() -> dict[str, Any]:
    config, results, summary = measurement(EXPERIMENT)
    return {
        "experiment": f"reluproof experiment {EXPERIMENT} --seeds {config.seeds}",
        "task": summary.data["task"],
        "settings": summary.data["settings"],
        "seeds": sorted({r.run.seed for r in results}),
        "runs": len(results),
    }


def _log_attenuation(activation: str) -> list[float]:
    _, results, _ = measurement(EXPERIMENT)
    values = []
    for r in results:
        if r.run.label == activation:
            g = r.result["input_gradient_norms"][0]
            values.append(math.log10(g[0] / g[-1]) if g[0] > 0 and g[-1] > 0 else -math.inf)
    return values


@_claim(
    "relu_alleviates_vanishing",
    r"In 20-layer networks at initialisation (Xavier for sigmoid and tanh, He for ReLU), the "
    r"gradient reaching the input relative to the last hidden layer, $g_0/g_L$ with "
    r"$g_l = \|\partial L/\partial h_l\|_F$, is larger for ReLU than for sigmoid and for tanh "
    r"(Welch 95% interval of the difference of $\log_{10} g_0/g_L$ above 0): ReLU alleviates "
    r"vanishing. It fixes it when moreover ReLU's $g_0/g_L$ lies within a factor 10 of 1 "
    r"(95% t interval of its $\log_{10}$ inside $[-1, 1]$). SUPPORTED if it alleviates (the "
    r"quote's 'at least alleviating'), MIXED if only against one of the two.",
    DOC_VANISHING,
    "Here’s how ReLU helps in fixing or at least alleviating the vanishing gradient problem:",
    MIXED,
)
def _relu_alleviates() -> Verdict:
    from numeric.experiments import stats as st

    relu = _log_attenuation("relu")
    comparisons, better = {}, []
    for other in ("sigmoid", "tanh"):
        values = _log_attenuation(other)
        finite = [v for v in values if math.isfinite(v)]
        if len(finite) < len(values):  # underflowed to exactly 0: vanished entirely
            comparisons[other] = {"log10_attenuation": "underflow to 0 in some seeds"}
            better.append(True)
            continue
        diff = st.difference(relu, values)
        comparisons[other] = {
            "log10_attenuation": st.mean(values).to_dict(),
            "relu_minus_other": diff.to_dict(),
        }
        better.append(diff.low > 0)
    relu_mean = st.mean(relu)
    fixes = -1 <= relu_mean.low and relu_mean.high <= 1
    figures = _figures()["activations"]
    certificate = _provenance() | {
        "relu_log10_attenuation": relu_mean.to_dict(),
        "comparisons": comparisons,
        "fixes_within_factor": FIX_FACTOR,
        "fixes": fixes,
        "bound_violations": {a: f["violations"] for a, f in figures.items()},
        "by": "vanish.deep_sigmoid, vanish.relu_derivative_values",
    }
    versus = "; ".join(
        f"vs {other}: "
        + (
            "the other underflowed to 0"
            if "relu_minus_other" not in c
            else f"{c['relu_minus_other']['value']:+.2f} decades ({_ci(c['relu_minus_other'])})"
        )
        for other, c in comparisons.items()
    )
    text = (
        f"g_0/g_L at init: relu {_pow(relu_mean.value)}, sigmoid "
        f"{_pow(st.mean(_log_attenuation('sigmoid')).value)}, tanh "
        f"{_pow(st.mean(_log_attenuation('tanh')).value)} (geometric means); log10 relu minus "
        f"{versus}; relu {'is' if fixes else 'is not'} within a factor {FIX_FACTOR:g} of 1"
    )
    if all(better):
        return measured(SUPPORTED, text, **certificate)
    return measured(MIXED if any(better) else CONTRADICTED, text, **certificate)


def _pow(log10_value: float | None) -> str:
    if log10_value is None or not math.isfinite(log10_value):
        return "0"
    return f"{10**log10_value:.2g}"


def _epochs(activation: str) -> list[float]:
    """Epochs to the target loss per seed; a seed that never reached it counts as infinity
    (it is slower than any that did)."""
    reached = _figures()["activations"][activation]["epochs_to_target"]
    return [math.inf if e is None else float(e) for e in reached]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n % 2:
        return ordered[n // 2]
    low, high = ordered[n // 2 - 1], ordered[n // 2]
    return math.inf if math.isinf(high) else (low + high) / 2


@_claim(
    "relu_sparsity_faster_convergence",
    r"ReLU's hidden activations are sparse (at least 25% exactly 0 at initialisation and "
    r"after training), ReLU reaches the target training loss ($0.65 \ln 10$) in fewer "
    r"epochs than sigmoid and than tanh (medians over seeds; never reached counts as "
    r"infinitely many), and not later than Leaky ReLU, the same network without the zeros "
    r"(else the sparsity is not what makes it fast). SUPPORTED if all hold, MIXED if ReLU "
    r"is faster than one of sigmoid and tanh, CONTRADICTED otherwise.",
    DOC_VANISHING,
    "It introduces sparsity in neural network activations by zeroing out negative input "
    "values, leading to faster convergence.",
    MIXED,
)
def _sparsity_convergence() -> Verdict:
    figures = _figures()["activations"]
    relu = figures["relu"]
    sparse = (relu["zero_fraction_at_init"]["value"] or 0) >= SPARSE and (
        relu["zero_fraction_final"]["value"] or 0
    ) >= SPARSE
    medians = {a: _median(_epochs(a)) for a in ("relu", "sigmoid", "tanh", "leaky_relu")}
    faster = {a: medians["relu"] < medians[a] for a in ("sigmoid", "tanh")}
    not_later_than_leaky = medians["relu"] <= medians["leaky_relu"]
    certificate = _provenance() | {
        "target_loss": _figures()["target_loss"],
        "epochs_to_target": {a: figures[a]["epochs_to_target"] for a in medians},
        "median_epochs_to_target": {a: _inf_text(m) for a, m in medians.items()},
        "relu_zero_fraction": {
            "at_init": relu["zero_fraction_at_init"],
            "final": relu["zero_fraction_final"],
        },
        "relu_faster_than": faster,
        "relu_not_later_than_leaky_relu": not_later_than_leaky,
    }
    text = (
        f"relu {100 * relu['zero_fraction_final']['value']:.0f}% zeros; median epochs to loss "
        f"{_figures()['target_loss']:.3f}: "
        + ", ".join(f"{a} {_inf_text(m)}" for a, m in medians.items())
    )
    if sparse and all(faster.values()) and not_later_than_leaky:
        return measured(SUPPORTED, text, **certificate)
    if sparse and any(faster.values()):
        return measured(MIXED, text, **certificate)
    return measured(CONTRADICTED, text, **certificate)


def _inf_text(x: float) -> str | float:
    return "never" if math.isinf(x) else x


@_claim(
    "relu_computation_faster_learning",
    r"Evaluating ReLU and its derivative takes less time than sigmoid's and tanh's (ratio "
    r"of medians over interleaved repeats below 0.9), and so learning is faster: ReLU's time "
    r"to the target training loss (median epochs times median seconds per epoch, same "
    r"seeds) is below 0.75 times sigmoid's and tanh's. SUPPORTED if both hold; MIXED if the "
    r"computation is faster but learning is not measurably faster; CONTRADICTED if the "
    r"computation is not faster.",
    DOC_PYNOTE,
    "ReLU函数的计算更快,加快神经网络的计算,也就是能够加快学习过程。",
    MIXED,
    translation="The ReLU function computes faster, which speeds up the network's "
    "computation, that is, it can speed up the learning process.",
)
def _computation_faster() -> Verdict:
    timing = _figures()["timing"]
    kernel, epoch = timing["kernel_seconds"], timing["epoch_seconds"]
    computation = all(kernel["relu_is"][a] == "faster" for a in ("sigmoid", "tanh"))
    to_target = {a: _median(_epochs(a)) * epoch["median"][a] for a in ("relu", "sigmoid", "tanh")}
    learning = {
        a: to_target["relu"] < (1 - LEARNING_MARGIN) * to_target[a] for a in ("sigmoid", "tanh")
    }
    certificate = _provenance() | {
        "method": "f and f' on one layer's pre-activations over the training set, and one "
        "training epoch, each timed for relu, sigmoid and tanh in turn within every repeat; "
        "medians; faster = ratio below 1 - margin",
        "margin": MARGIN,
        "learning_margin": LEARNING_MARGIN,
        "kernel_seconds": kernel,
        "epoch_seconds": epoch,
        "seconds_to_target": {a: _inf_text(t) for a, t in to_target.items()},
        "learning_faster_than": learning,
    }
    text = (
        f"relu/sigmoid, relu/tanh: f and f' {kernel['relu_ratio']['sigmoid']:.2f}, "
        f"{kernel['relu_ratio']['tanh']:.2f}; per epoch {epoch['relu_ratio']['sigmoid']:.2f}, "
        f"{epoch['relu_ratio']['tanh']:.2f}; time to the target loss "
        + ", ".join(f"{a} {_seconds(t)}" for a, t in to_target.items())
    )
    if computation and all(learning.values()):
        return measured(SUPPORTED, text, **certificate)
    if computation:
        return measured(MIXED, text, **certificate)
    return measured(CONTRADICTED, text, **certificate)


def _seconds(t: float) -> str:
    return "never" if math.isinf(t) else f"{t:.2f} s"
