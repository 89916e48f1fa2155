"""The source documents' empirical claims, settled by measurement.

What the documents say about training ("as much as 40% of your network can be dead if the
learning rate is set too high", "He initialization ... reducing the likelihood", "bias set
+ve value example 0.01") cannot be proved: it is settled by seeded training runs, and the
verdict is SUPPORTED, CONTRADICTED or MIXED, never PROVED. Each claim is quoted verbatim
(`Source`), its statement says what was measured, and its certificate holds the
experiment, the settings, the seeds and the figures with 95% confidence intervals (Wilson
for proportions, Student/Welch t for means, Spearman's rank test for trends).

The runs are the quick settings of `reluproof experiment` (lr-sweep, init, dropout) on the
stated task (scikit-learn's digits), shared by the claims and trained once: the results go
to the content-addressed cache directory (derivations.cache), keyed by the settings and the
source of `numeric`, so a second `prove` or `report` reads them back in milliseconds, and a
change of code retrains. A cold run trains about 300 small networks (about a minute on two
cores); hence these theorems are `slow`: a plain `reluproof prove` leaves them out, `prove
--slow`, `prove claims.measured` and `reluproof report` settle them. Worker processes that
need the same runs wait on a file lock rather than train them twice.

Thresholds are stated in each statement; the verdict follows from the numbers, whatever
they are (a claim registered SUPPORTED that measures otherwise fails `prove`, exit 1).
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

from proofs.theorem import Method, Source, Status, Verdict, measured, theorem

DOC_DEAD_NEURON = "000_cce168a880d2299d.txt"
DOC_VANISHING = "001_5a897a5912340601.txt"
DOC_PYNOTE = "002_3bf8178524fc587d.txt"
DOC_NOTES = "003_bdd817aebe3d8cbc.txt"

SUPPORTED, CONTRADICTED, MIXED = Status.SUPPORTED, Status.CONTRADICTED, Status.MIXED
SEEDS = 4  # per cell: enough for a t interval, few enough for a quick cold run
# the sweep's activations the claims compare (selu is in no claim: left out to save time)
SWEEP_ACTIVATIONS = ("relu", "leaky_relu", "prelu", "rrelu", "elu")
DEAD_THRESHOLD = 0.40
VARIANTS = ("leaky_relu", "prelu", "rrelu")


def _claim(id, statement, document, quote, expected, translation=""):
    return theorem(
        f"claims.measured.{id}",
        statement,
        Method.MEASURED,
        expected=expected,
        source=Source(document, quote, translation),
        slow=True,
    )


# ---------------------------------------------------------------------------------------
# the runs, trained once and cached


def _directory(experiment: str) -> Path:
    from derivations import cache

    if not cache.enabled():
        return Path(tempfile.gettempdir()) / f"reluproof-measured-{os.getpid()}" / experiment
    return cache.directory() / "measured" / experiment


@contextlib.contextmanager
def _exclusive(directory: Path):
    """One process trains a plan; another that needs it waits, then reads the results."""
    import fcntl

    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _jobs() -> int:
    """Worker processes for training: the cores, unless this process is itself a worker of
    `prove -j N` (a daemonic process may not start processes; its siblings use the cores)."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


@cache
def measurement(experiment: str):
    """(config, results, summary) of an experiment at the claims' quick settings."""
    from numeric.experiments import Config, experiment_module
    from numeric.experiments.runner import run_all

    module = experiment_module(experiment)
    config = Config(experiment, seeds=SEEDS)
    if experiment == "lr-sweep":
        config = config.but(activations=SWEEP_ACTIVATIONS)
    directory = _directory(experiment)
    with _exclusive(directory):
        results = run_all(module.plan(config), directory, jobs=_jobs())
    return config, results, module.summarise(config, results)


def _provenance(experiment: str) -> dict[str, Any]:
    config, results, summary = measurement(experiment)
    return {
        "experiment": f"reluproof experiment {experiment} --seeds {config.seeds}"
        + (f" --activations {','.join(config.activations)}" if experiment == "lr-sweep" else ""),
        "task": summary.data.get("task"),
        "settings": summary.data.get("settings"),
        "seeds": sorted({r.run.seed for r in results}),
        "runs": len(results),
    }


def _sweep_values(activation: str, lr: float, key) -> list[float]:
    _, results, _ = measurement("lr-sweep")
    return [
        key(r.result)
        for r in results
        if r.run.activation == activation and r.run.setting["lr"] == lr and not r.result["diverged"]
    ]


def _dead(result: dict) -> float:
    return sum(result["dead_per_layer"][-1]) / sum(result["widths"])


def _new_dead(result: dict) -> float:
    """Dead at the end minus dead at initialisation: the units training killed."""
    return (sum(result["dead_per_layer"][-1]) - sum(result["dead_per_layer"][0])) / sum(
        result["widths"]
    )


def _relu_cells() -> dict[float, dict]:
    _, _, summary = measurement("lr-sweep")
    return {float(lr): cell for lr, cell in summary.data["cells"]["relu"].items()}


def _proper_lr(activation: str = "relu") -> float:
    """The learning rate with the lowest mean final training loss among cells in which no
    seed diverged: what a practitioner tuning the learning rate would pick."""
    _, _, summary = measurement("lr-sweep")
    cells = {float(lr): c for lr, c in summary.data["cells"][activation].items()}
    fine = {lr: c for lr, c in cells.items() if c["diverged"]["value"] == 0.0}
    return min(fine, key=lambda lr: fine[lr]["final_loss"]["value"])


def _dying_lrs() -> list[float]:
    """ReLU's learning rates at which the mean dead fraction reaches 40%."""
    return [
        lr
        for lr, c in _relu_cells().items()
        if c["dead_fraction"]["value"] is not None and c["dead_fraction"]["value"] >= DEAD_THRESHOLD
    ]


def _relu_table() -> list[dict]:
    return [
        {
            "lr": lr,
            "dead_fraction": c["dead_fraction"],
            "diverged": c["diverged"],
            "final_loss": c["final_loss"],
        }
        for lr, c in _relu_cells().items()
    ]


# ---------------------------------------------------------------------------------------
# learning rate


@_claim(
    "forty_percent_dead_at_high_lr",
    r"On digits (3x64 ReLU MLP, SGD, 10 epochs, He init), some learning rate on the sweep's "
    r"log grid leaves a mean of at least 40% of the hidden units dead (over the seeds that "
    r"did not diverge), while at the smallest learning rates of the grid the mean stays "
    r"below 40%.",
    DOC_PYNOTE,
    'For example, you may find that as much as 40% of your network can be "dead" (i.e. '
    "neurons that never activate across the entire training dataset) if the learning rate "
    "is set too high.",
    SUPPORTED,
)
def _forty_percent() -> Verdict:
    cells = _relu_cells()
    dying = _dying_lrs()
    low = sorted(cells)[: len(cells) // 2]
    low_below = all((cells[lr]["dead_fraction"]["value"] or 0.0) < DEAD_THRESHOLD for lr in low)
    certificate = _provenance("lr-sweep") | {
        "relu_by_lr": _relu_table(),
        "lrs_reaching_40_percent": dying,
    }
    if dying and low_below:
        at = min(dying)
        return measured(
            SUPPORTED,
            f"at lr {at:g} a mean {100 * cells[at]['dead_fraction']['value']:.1f}% of ReLU "
            f"units are dead ({_ci(cells[at]['dead_fraction'])}); below lr "
            f"{max(low):g} never more than "
            f"{100 * max(cells[lr]['dead_fraction']['value'] or 0 for lr in low):.1f}%",
            **certificate,
        )
    if dying:
        return measured(MIXED, "40% die, but also at the small learning rates", **certificate)
    peak = max(cells, key=lambda lr: cells[lr]["dead_fraction"]["value"] or 0.0)
    return measured(
        CONTRADICTED,
        f"no learning rate reaches 40% dead; the peak is "
        f"{100 * (cells[peak]['dead_fraction']['value'] or 0):.1f}% at lr {peak:g}",
        **certificate,
    )


def _lr_comparison() -> tuple[float, float, dict, dict]:
    """(proper lr, dying lr, the Welch difference of dead fractions dying - proper, the
    Wilson frequencies of runs with >= 40% dead at each)."""
    proper = _proper_lr()
    dying = min(_dying_lrs(), default=max(_relu_cells()))
    from numeric.experiments import stats as st

    at_proper = _sweep_values("relu", proper, _dead)
    at_dying = _sweep_values("relu", dying, _dead)
    difference = st.difference(at_dying, at_proper)
    frequencies = {
        f"lr {lr:g}": st.proportion(sum(v >= DEAD_THRESHOLD for v in values), len(values)).to_dict()
        for lr, values in ((proper, at_proper), (dying, at_dying))
    }
    return proper, dying, difference.to_dict(), frequencies


# (the next two claims come early: `prove -j N` dispatches claims in order, so
# workers start on different experiments rather than wait on one lock)


@_claim(
    "zero_init_cannot_learn",
    r"Trained from all-zero weights and biases, a ReLU MLP's hidden parameters stay exactly "
    r"0 in every run and its training loss ends no lower than the constant predictor's (the "
    r"training mean), at every learning rate tried; likewise for Leaky ReLU (any $f$ with "
    r"$f(0) = 0$), while sigmoid's hidden units move but stay identical (symmetry).",
    DOC_DEAD_NEURON,
    "The drawback of ReLU is that they cannot learn on examples for which their activation "
    "is zero. It usually happens if you initialize the entire neural network with zero and "
    "place ReLU on the hidden layers.",
    SUPPORTED,
)
def _zero_init() -> Verdict:
    _, results, summary = measurement("init")
    arms = summary.data["arms"]
    facts = {
        lr: {
            label: {
                "hidden_parameters_stayed_zero": (
                    f"{f['hidden_parameters_stayed_zero']}/{f['seeds']}"
                ),
                "distinct_units_per_layer": f["distinct_units_per_layer"],
                "final_loss": f["final_loss"],
                "constant_predictor_loss": f["constant_predictor_loss"],
            }
            for label, f in by_arm.items()
            if label.startswith("zeros/")
        }
        for lr, by_arm in arms.items()
    }
    relu = [r for r in results if r.run.label == "zeros/relu"]
    stuck = all(r.result["hidden_all_zero"] for r in relu)
    # the output bias alone can reach the constant predictor, never below it
    no_better = all(r.result["losses"][-1] >= r.result["constant_loss"] * (1 - 1e-6) for r in relu)
    certificate = _provenance("init") | {
        "zeros": facts,
        "by": "claims.zero_initialisation_freezes_hidden_layer",
    }
    text = (
        f"zeros/relu: hidden parameters exactly 0 after training in "
        f"{sum(r.result['hidden_all_zero'] for r in relu)}/{len(relu)} runs; final loss "
        f"{'never below' if no_better else 'BELOW'} the constant predictor's"
    )
    if stuck and no_better:
        return measured(SUPPORTED, text, **certificate)
    return measured(MIXED if stuck or no_better else CONTRADICTED, text, **certificate)


@_claim(
    "dead_neuron_natural_dropout",
    r"A dead unit acts like a dropped-out unit: (1) on the training set the network's "
    r"outputs equal, bit for bit, those of the network with its dead units deleted; (2) on "
    r"held-out inputs they still do (dropout's mask does not depend on the input); (3) like "
    r"dropout it regularises: over the seeds of a learning rate, more dead units go with a "
    r"smaller gap between held-out and training loss (Spearman $\rho < 0$, $p < 0.05$). "
    r"SUPPORTED if all three hold, MIXED if (1) holds and not all the others.",
    DOC_DEAD_NEURON,
    "A dead neuron can be thought of as a natural Dropout.",
    MIXED,
)
def _natural_dropout() -> Verdict:
    _, _, summary = measurement("dropout")
    by_lr = summary.data["by_lr"]
    removal = all(
        f["train_outputs_bit_identical"] == f["runs_with_dead_units"] for f in by_lr.values()
    )
    off_set = all(
        f["test_outputs_bit_identical"] == f["runs_with_dead_units"] for f in by_lr.values()
    )
    regularises = all(
        f["dead_vs_gap"]["spearman_rho"] is not None
        and f["dead_vs_gap"]["spearman_rho"] < 0
        and f["dead_vs_gap"]["p_value"] < 0.05
        for f in by_lr.values()
    )
    certificate = _provenance("dropout") | {
        "by_lr": by_lr,
        "removal_on_training_set": removal,
        "removal_on_held_out_set": off_set,
        "regularises": regularises,
        "unlike_dropout": "dropout draws a fresh random mask each step and rescales; a dead "
        "first-layer unit is removed for good (dead.permanent_first_layer)",
    }
    parts = "; ".join(
        f"lr {lr}: train outputs bit-identical without the dead units in "
        f"{f['train_outputs_bit_identical']}/{f['runs_with_dead_units']} runs, held-out "
        f"inputs waking a dead unit "
        f"{100 * (f['test_inputs_waking_a_dead_unit']['value'] or 0):.1f}%, "
        f"rho(dead, gap) = {_signed(f['dead_vs_gap']['spearman_rho'])}"
        for lr, f in by_lr.items()
    )
    if removal and off_set and regularises:
        return measured(SUPPORTED, parts, **certificate)
    return measured(MIXED if removal else CONTRADICTED, parts, **certificate)


@_claim(
    "proper_lr_less_frequent",
    r"At the proper learning rate (the grid's lowest mean final training loss with no "
    r"divergence) fewer ReLU units die than at the smallest learning rate where 40% die "
    r"(Welch 95% interval of the difference above 0), and fewer runs lose 40% of their "
    r"units.",
    DOC_PYNOTE,
    "With a proper setting of the learning rate this is less frequently an issue.",
    SUPPORTED,
)
def _proper_lr_claim() -> Verdict:
    proper, dying, difference, frequencies = _lr_comparison()
    certificate = _provenance("lr-sweep") | {
        "proper_lr": proper,
        "dying_lr": dying,
        "dead_fraction_difference_dying_minus_proper": difference,
        "runs_with_40_percent_dead": frequencies,
    }
    low = difference["ci95"][0]
    if low is not None and low > 0:
        return measured(
            SUPPORTED,
            f"proper lr {proper:g}: runs with >= 40% dead "
            f"{_frequency(frequencies[f'lr {proper:g}'])}; at lr {dying:g}: "
            f"{_frequency(frequencies[f'lr {dying:g}'])}; {100 * difference['value']:.1f} "
            f"points more dead ({_ci(difference)})",
            **certificate,
        )
    return measured(
        CONTRADICTED if (difference["value"] or 0) <= 0 else MIXED,
        "the proper learning rate does not leave measurably fewer dead units",
        **certificate,
    )


@_claim(
    "smaller_lr_fixes_dying",
    r"Lowering the learning rate fixes dying: over ReLU runs that did not diverge, the "
    r"fraction of units killed by training (dead at the end minus dead at initialisation) "
    r"grows with the learning rate (Spearman $\rho > 0$, $p < 0.05$) and at the proper "
    r"learning rate training kills under 1% of the units (95% t interval).",
    DOC_DEAD_NEURON,
    "It can be fixed by using smaller learning rates so that the big gradient doesn’t set "
    "a big negative weight and bias in a ReLU neuron.",
    SUPPORTED,
)
def _smaller_lr() -> Verdict:
    from numeric.experiments import stats as st

    _, results, _ = measurement("lr-sweep")
    relu = [r for r in results if r.run.activation == "relu" and not r.result["diverged"]]
    lrs = [r.run.setting["lr"] for r in relu]
    killed = [_new_dead(r.result) for r in relu]
    rho, p = sps.spearmanr(lrs, killed)
    proper = _proper_lr()
    at_proper = st.mean(_sweep_values("relu", proper, _new_dead))
    at_init = st.mean(_sweep_values("relu", proper, lambda r: _dead(r) - _new_dead(r)))
    certificate = _provenance("lr-sweep") | {
        "spearman_lr_vs_killed": {"rho": _r(rho), "p_value": _r(p), "runs": len(relu)},
        "proper_lr": proper,
        "killed_by_training_at_proper_lr": at_proper.to_dict(),
        "dead_at_initialisation": at_init.to_dict(),
    }
    trend = rho > 0 and p < 0.05
    fixed = at_proper.high < 0.01
    text = (
        f"rho(lr, units killed) = {rho:+.2f} (p = {p:.2g}, {len(relu)} runs); at lr "
        f"{proper:g} training changes the dead fraction by {100 * at_proper.value:+.1f} "
        f"points ({_ci(at_proper.to_dict())}); "
        f"{100 * at_init.value:.1f}% were dead at initialisation, which no learning rate fixes"
    )
    if trend and fixed:
        return measured(SUPPORTED, text, **certificate)
    return measured(MIXED if trend or fixed else CONTRADICTED, text, **certificate)


@_claim(
    "large_lr_cost_grows",
    r"At the top of the learning-rate grid the cost grows (overshooting): for most runs the "
    r"final training loss exceeds the initial one or the loss diverges (Wilson 95% "
    r"interval above 1/2), while at the proper learning rate it never does.",
    DOC_PYNOTE,
    "Learning Rate设置过大,确实是个问题。可以让ReLU彻底死掉,"
    "也可能出现overshooting现象,即cost不断变大。",
    SUPPORTED,
    translation="A learning rate set too large really is a problem: it can kill ReLUs "
    "outright, and overshooting can also occur, that is, the cost keeps growing.",
)
def _cost_grows() -> Verdict:
    from numeric.experiments import stats as st

    _, results, summary = measurement("lr-sweep")
    top = max(summary.data["learning_rates"])
    at_top = [r for r in results if r.run.setting["lr"] == top]
    grew = sum(1 for r in at_top if _cost_grew(r.result))
    top_share = st.proportion(grew, len(at_top))
    proper = {a: _proper_lr(a) for a in summary.data["cells"]}
    proper_rows = [r for r in results if r.run.setting["lr"] == proper[r.run.activation]]
    proper_grew = sum(1 for r in proper_rows if _cost_grew(r.result))
    certificate = _provenance("lr-sweep") | {
        "top_lr": top,
        "runs_whose_cost_grew_at_top_lr": top_share.to_dict(),
        "diverged_at_top_lr": sum(1 for r in at_top if r.result["diverged"]),
        "runs_whose_cost_grew_at_each_activations_proper_lr": {
            "count": proper_grew,
            "runs": len(proper_rows),
        },
        "relu_by_lr": _relu_table(),
    }
    text = (
        f"at lr {top:g} the cost grew in {grew}/{len(at_top)} runs, all activations "
        f"({_ci(top_share.to_dict())}; {certificate['diverged_at_top_lr']} diverged); at each "
        f"activation's proper lr in {proper_grew}/{len(proper_rows)}"
    )
    if top_share.low > 0.5 and proper_grew == 0:
        return measured(SUPPORTED, text, **certificate)
    return measured(MIXED if grew else CONTRADICTED, text, **certificate)


def _cost_grew(result: dict) -> bool:
    final = result["losses"][-1]
    return result["diverged"] or final is None or final > result["losses"][0]


@_claim(
    "very_high_lr_causes_death",
    r"A very high learning rate makes ReLU units die: at the smallest learning rate where "
    r"40% die, more units are dead than at the proper learning rate (Welch 95% interval of "
    r"the difference above 0).",
    DOC_NOTES,
    "learning rate is very high.",
    SUPPORTED,
)
def _very_high_lr() -> Verdict:
    proper, dying, difference, frequencies = _lr_comparison()
    certificate = _provenance("lr-sweep") | {
        "proper_lr": proper,
        "dying_lr": dying,
        "dead_fraction_difference_dying_minus_proper": difference,
        "relu_by_lr": _relu_table(),
    }
    low = difference["ci95"][0]
    status = SUPPORTED if low is not None and low > 0 else CONTRADICTED
    return measured(
        status,
        f"lr {dying:g} vs {proper:g}: {100 * (difference['value'] or 0):+.1f} points of dead "
        f"units ({_ci(difference)})",
        **certificate,
    )


# ---------------------------------------------------------------------------------------
# the fixes: variants, He initialisation, a positive bias


@_claim(
    "variants_reduce_dying",
    r"At every learning rate where ReLU loses at least 40% of its units, Leaky ReLU, PReLU "
    r"and RReLU runs that did not diverge have fewer dead units (exactly none: their "
    r"zero-gradient sets are empty, as the dead-unit theorems prove) and no more "
    r"$\tau$-dormant units ($\tau = 0.1$, Sokar et al. 2023) than ReLU has dead. SUPPORTED "
    r"if all three are compared and fewer die; MIXED if fewer die where compared but a "
    r"variant diverged in every seed at such a learning rate.",
    DOC_VANISHING,
    "Techniques like Leaky ReLU, parametric ReLU, randomized ReLU, and proper weight "
    "initialization can help address the issue of dying neurons",
    MIXED,
)
def _variants() -> Verdict:
    from numeric.experiments import stats as st

    dying = _dying_lrs()
    rows, better, diverged = [], True, {}
    for lr in dying:
        relu_dead = st.mean(_sweep_values("relu", lr, _dead))
        for name in VARIANTS:
            dead = _sweep_values(name, lr, _dead)
            dormant = _sweep_values(name, lr, _dormant)
            diverged[f"{name} at lr {lr:g}"] = SEEDS - len(dead)
            if not dead:
                continue
            d, dm = st.mean(dead), st.mean(dormant)
            better &= d.high < relu_dead.low and dm.value <= relu_dead.value
            rows.append(
                {
                    "lr": lr,
                    "activation": name,
                    "dead_fraction": d.to_dict(),
                    "dormant_fraction": dm.to_dict(),
                    "relu_dead_fraction": relu_dead.to_dict(),
                }
            )
    certificate = _provenance("lr-sweep") | {
        "comparisons": rows,
        "diverged_seeds": diverged,
        "by": "dead.no_exact_death",
    }
    compared = {r["activation"] for r in rows}
    if not dying:
        return measured(CONTRADICTED, "ReLU never lost 40%: nothing to reduce", **certificate)
    text = "; ".join(
        [
            f"{r['activation']} at lr {r['lr']:g}: {100 * r['dead_fraction']['value']:.0f}% "
            f"dead, {100 * r['dormant_fraction']['value']:.1f}% dormant vs ReLU "
            f"{100 * r['relu_dead_fraction']['value']:.0f}% dead"
            for r in rows
        ]
        + [f"every seed diverged for {where}" for where in _all_diverged(diverged)]
    )
    if better and compared == set(VARIANTS):
        return measured(SUPPORTED, text, **certificate)
    return measured(MIXED if better else CONTRADICTED, text or "every variant run diverged",
                    **certificate)  # fmt: skip


def _all_diverged(diverged: dict[str, int]) -> list[str]:
    """'prelu, rrelu at lr 0.97'-style groups of the (activation, lr) cells where every
    seed diverged."""
    by_lr: dict[str, list[str]] = {}
    for where, k in diverged.items():
        if k == SEEDS:
            name, _, lr = where.partition(" at ")
            by_lr.setdefault(lr, []).append(name)
    return [f"{', '.join(names)} at {lr}" for lr, names in by_lr.items()]


def _dormant(result: dict) -> float:
    return sum(result["dormant_per_layer"]) / sum(result["widths"])


def _init_values(lr: float, label: str, key) -> list[float]:
    _, results, _ = measurement("init")
    return [
        key(r.result)
        for r in results
        if r.run.setting["lr"] == lr and r.run.label == label and not r.result["diverged"]
    ]


def _init_lrs() -> list[float]:
    _, results, _ = measurement("init")
    return sorted({r.run.setting["lr"] for r in results})


@_claim(
    "he_init_reduces_dying",
    r"With He initialisation fewer ReLU units are dead than with Xavier or LeCun "
    r"initialisation (both normal, bias 0), at initialisation and after training at a "
    r"proper and a high learning rate (Welch 95% intervals of the differences below 0).",
    DOC_VANISHING,
    "Techniques such as “He initialization” which initializes weights based on the size of "
    "the network, can ensure that neurons receive non-zero inputs during the initial stages "
    "of training, reducing the likelihood of them becoming inactive.",
    CONTRADICTED,
)
def _he_init() -> Verdict:
    from numeric.experiments import stats as st

    comparisons, lower, higher = [], 0, 0
    for lr in _init_lrs():
        for stage, key in (("at initialisation", _dead_at_init), ("after training", _dead)):
            he = _init_values(lr, "he_normal", key)
            for other in ("xavier_normal", "lecun_normal"):
                diff = st.difference(he, _init_values(lr, other, key))
                lower += diff.high < 0
                higher += diff.low > 0
                comparisons.append(
                    {"lr": lr, "stage": stage, "versus": other, "he_minus_other": diff.to_dict()}
                )
    certificate = _provenance("init") | {
        "comparisons": comparisons,
        "why_equal_at_initialisation": "with bias 0, He, Xavier and LeCun draw the same "
        "normal weights up to a positive scale, so every pre-activation keeps its sign: the "
        "dead units at initialisation are the same ones",
    }
    n = len(comparisons)
    text = (
        f"He had significantly fewer dead units in {lower} of {n} comparisons, significantly "
        f"more in {higher}; at initialisation the dead units are the same set (the sign of "
        f"w.x does not depend on the weights' scale)"
    )
    if lower == n:
        return measured(SUPPORTED, text, **certificate)
    return measured(MIXED if lower else CONTRADICTED, text, **certificate)


def _dead_at_init(result: dict) -> float:
    return sum(result["dead_per_layer"][0]) / sum(result["widths"])


@_claim(
    "positive_bias_helps",
    r"Initialising the biases to $+0.01$ instead of 0 (He weights) leaves fewer ReLU units "
    r"dead after training, at a proper and at a high learning rate (Welch 95% intervals of "
    r"the differences below 0).",
    DOC_NOTES,
    "bias set +ve value example 0.01",
    CONTRADICTED,
)
def _positive_bias() -> Verdict:
    from numeric.experiments import stats as st

    rows, lower, higher = [], 0, 0
    for lr in _init_lrs():
        diff = st.difference(
            _init_values(lr, "he_normal, bias +0.01", _dead), _init_values(lr, "he_normal", _dead)
        )
        lower += diff.high < 0
        higher += diff.low > 0
        rows.append({"lr": lr, "bias_0.01_minus_bias_0": diff.to_dict()})
    certificate = _provenance("init") | {"comparisons": rows}
    text = "; ".join(
        f"lr {r['lr']:g}: {100 * (r['bias_0.01_minus_bias_0']['value'] or 0):+.1f} points of dead "
        f"units ({_ci(r['bias_0.01_minus_bias_0'])})"
        for r in rows
    )
    if lower == len(rows):
        return measured(SUPPORTED, text, **certificate)
    return measured(MIXED if lower and not higher else CONTRADICTED, text, **certificate)


@_claim(
    "negative_bias_kills",
    r"A large negative bias kills units: with every hidden bias initialised to $-1$ (He "
    r"weights) more ReLU units are dead at initialisation than with bias 0 (Welch 95% "
    r"interval of the difference above 0), and the loss stays near the constant predictor's.",
    DOC_NOTES,
    "High positive to negative bias",
    SUPPORTED,
)
def _negative_bias() -> Verdict:
    from numeric.experiments import stats as st

    lr = _init_lrs()[0]
    minus = _init_values(lr, "he_normal, bias -1", _dead_at_init)
    zero = _init_values(lr, "he_normal", _dead_at_init)
    diff = st.difference(minus, zero)
    loss = st.mean(_init_values(lr, "he_normal, bias -1", lambda r: r["losses"][-1]))
    constant = st.mean(_init_values(lr, "he_normal, bias -1", lambda r: r["constant_loss"]))
    certificate = _provenance("init") | {
        "lr": lr,
        "dead_at_init_bias_minus_1": st.mean(minus).to_dict(),
        "dead_at_init_bias_0": st.mean(zero).to_dict(),
        "difference": diff.to_dict(),
        "final_loss_bias_minus_1": loss.to_dict(),
        "constant_predictor_loss": constant.to_dict(),
    }
    text = (
        f"bias -1: {100 * st.mean(minus).value:.1f}% dead at initialisation vs "
        f"{100 * st.mean(zero).value:.1f}% with bias 0 ({_ci(diff.to_dict())}); final loss "
        f"{loss.value:.3g} vs the constant predictor's {constant.value:.3g}"
    )
    return measured(SUPPORTED if diff.low > 0 else CONTRADICTED, text, **certificate)


# ---------------------------------------------------------------------------------------
# what death does to a network


@_claim(
    "excessive_death_hurts_learning",
    r"Excessive death hurts learning: over ReLU runs that did not diverge, the final "
    r"training loss grows with the fraction of dead units (Spearman $\rho > 0$, "
    r"$p < 0.05$), and the runs with at least 40% dead end with a higher mean loss than "
    r"the runs at the proper learning rate (Welch 95% interval above 0).",
    DOC_VANISHING,
    "excessive neuron deaths can lead to overly sparse networks. This affects the neural "
    "network’s ability to learn complex patterns in the data.",
    SUPPORTED,
)
def _excessive_death() -> Verdict:
    from numeric.experiments import stats as st

    _, results, _ = measurement("lr-sweep")
    relu = [r.result for r in results if r.run.activation == "relu" and not r.result["diverged"]]
    dead = [_dead(r) for r in relu]
    loss = [r["losses"][-1] for r in relu]
    rho, p = sps.spearmanr(dead, loss)
    heavy = [r["losses"][-1] for r in relu if _dead(r) >= DEAD_THRESHOLD]
    proper = _sweep_values("relu", _proper_lr(), lambda r: r["losses"][-1])
    diff = st.difference(heavy, proper)
    certificate = _provenance("lr-sweep") | {
        "spearman_dead_vs_final_loss": {"rho": _r(rho), "p_value": _r(p), "runs": len(relu)},
        "loss_with_40_percent_dead_minus_proper": diff.to_dict(),
        "runs_with_40_percent_dead": len(heavy),
    }
    text = (
        f"rho(dead fraction, final loss) = {rho:+.2f} (p = {p:.2g}, {len(relu)} runs); runs "
        f"with >= 40% dead end {_signed(diff.value, 3)} higher in loss ({_ci(diff.to_dict())})"
    )
    trend = rho > 0 and p < 0.05
    worse = diff.low > 0 if math.isfinite(diff.low) else False
    if trend and worse:
        return measured(SUPPORTED, text, **certificate)
    return measured(MIXED if trend or worse else CONTRADICTED, text, **certificate)


# ---------------------------------------------------------------------------------------
# performance claims: each activation at its own proper learning rate


def _at_proper(activation: str, key) -> list[float]:
    return _sweep_values(activation, _proper_lr(activation), key)


def _compare(better: str, worse: str, key, what: str) -> Verdict:
    from numeric.experiments import stats as st

    diff = st.difference(_at_proper(better, key), _at_proper(worse, key))
    certificate = _provenance("lr-sweep") | {
        "compared": f"{what} of {better} minus {worse}, each at its proper learning rate",
        f"proper_lr_{better}": _proper_lr(better),
        f"proper_lr_{worse}": _proper_lr(worse),
        f"{better}": st.mean(_at_proper(better, key)).to_dict(),
        f"{worse}": st.mean(_at_proper(worse, key)).to_dict(),
        "difference": diff.to_dict(),
    }
    text = f"{what}: {better} minus {worse} = {_signed(diff.value, 3)} ({_ci(diff.to_dict())})"
    if diff.high < 0:
        return measured(SUPPORTED, text, **certificate)
    if diff.low > 0:
        return measured(CONTRADICTED, text + f": {better} is significantly worse", **certificate)
    return measured(CONTRADICTED, text + ": no significant difference", **certificate)


def _test_loss(result: dict) -> float:
    return result["test_loss"]


def _train_loss(result: dict) -> float:
    return result["losses"][-1]


@_claim(
    "elu_performs_better_than_relu",
    r"ELU reaches a lower final training loss than ReLU, each at its proper learning rate "
    r"(Welch 95% interval of the difference below 0; CONTRADICTED when it contains 0 or "
    r"lies above).",
    DOC_NOTES,
    "performance better than ReLU",
    CONTRADICTED,
)
def _elu_better() -> Verdict:
    return _compare("elu", "relu", _train_loss, "final training loss")


@_claim(
    "elu_generalises_better",
    r"ELU reaches a lower held-out loss than ReLU, each at its proper learning rate (Welch "
    r"95% interval of the difference below 0; CONTRADICTED when it contains 0 or lies "
    r"above).",
    DOC_NOTES,
    "generalized results are better (in test data)",
    CONTRADICTED,
)
def _elu_generalises() -> Verdict:
    return _compare("elu", "relu", _test_loss, "held-out loss")


@_claim(
    "prelu_performs_better_than_leaky",
    r"PReLU (learnable slope) reaches a lower held-out loss than Leaky ReLU, each at its "
    r"proper learning rate (Welch 95% interval of the difference below 0; CONTRADICTED "
    r"when it contains 0 or lies above).",
    DOC_NOTES,
    "it is flexible and performance better than the leaky ReLU",
    CONTRADICTED,
)
def _prelu_better() -> Verdict:
    return _compare("prelu", "leaky_relu", _test_loss, "held-out loss")


# ---------------------------------------------------------------------------------------


def _ci(estimate: dict) -> str:
    low, high = estimate["ci95"]
    if low is None or high is None:
        return "95% CI n/a"
    return f"95% CI [{low:.3g}, {high:.3g}]"


def _frequency(estimate: dict) -> str:
    low, high = estimate["ci95"]
    return f"{100 * estimate['value']:.0f}% of {estimate['n']} [{100 * low:.0f}, {100 * high:.0f}]"


def _signed(value, digits: int = 2) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:+.{digits}g}"


def _r(x: float) -> float | None:
    return round(float(x), 6) if np.isfinite(x) else None
