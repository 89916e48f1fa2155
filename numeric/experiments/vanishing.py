"""`reluproof experiment vanishing`: gradient norms through deep networks, against the bound.

For each activation (sigmoid, tanh, relu, leaky_relu, elu, selu by default), a deep MLP
(20 hidden layers of 32 units by default) with the activation's customary initialisation
(Xavier for sigmoid and tanh, He for the ReLU family, LeCun for SELU) is trained with SGD
on digits, several seeds each, in float64. At initialisation and after every epoch, on the
full training set, it records per layer:
- g_l = ||dL/dh_l||_F, the backpropagated gradient at the input h_l of layer l+1 (h_0 = X,
  h_L the last hidden layer), what the `vanish.*` theorems bound;
- ||dL/dW_l||_F, the weight gradients training uses;
- ||W_l||_2, the operator norms of the sampled weights.

The bound. One layer's step is dL/dh_{l-1} = (f'(z_l) * dL/dh_l) W_l^T, so per input
||dL/dh_{l-1}|| <= G ||W_l||_2 ||dL/dh_l|| with G = sup |f'| (vanish.deep_sigmoid's
one-layer step: a diagonal Jacobian bounded by G, the operator norm, ||W^T||_2 = ||W||_2;
summed over the inputs it holds for the Frobenius norm over the batch too). From the top,
g_l <= G^(L-l) prod_{k>l} ||W_k||_2 g_L: for sigmoid G = 1/4 (vanish.sigmoid_bound), the
(1/4)^L of vanish.deep_sigmoid; tanh G = 1 (vanish.tanh_bound); relu G = 1
(vanish.relu_derivative_values); for the others G is sup |f'| over the catalogue's pieces,
computed exactly by SymPy. The table shows measured / bound ("by how much"): a ratio above 1
(beyond float64 rounding, `TOLERANCE`) would refute the theorem.

Also measured, for the documents' claims (proofs.measured_depth):
- attenuation g_0 / g_L at initialisation ("ReLU fixes (or alleviates) the vanishing
  gradient problem");
- epochs to a target training loss and the sparsity (fraction of hidden activations that are
  exactly 0) ("sparsity ... leading to faster convergence");
- time per epoch and time per evaluation of f and f' for relu, sigmoid and tanh, interleaved
  over repeats, medians ("ReLU's computation is faster, so learning is faster"). Timings are
  measurements of this machine at that moment: they are never part of a reproducibility
  check, and the verdicts use ratios of medians with a margin.
"""

from __future__ import annotations

import math
import time
from functools import cache
from typing import Any

import numpy as np

from numeric import mlp
from numeric.experiments import Config, Summary
from numeric.experiments import stats as st
from numeric.experiments.runner import Run, RunResult
from numeric.experiments.training import base_settings, mlp_settings, task_split

NAME = "vanishing"
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu")
INIT = {  # the initialisation each activation is customarily paired with
    "sigmoid": "xavier_normal",
    "tanh": "xavier_normal",
    "relu": "he_normal",
    "leaky_relu": "he_normal",
    "elu": "he_normal",
    "selu": "lecun_normal",
}
THEOREM = {
    "sigmoid": "vanish.deep_sigmoid",
    "tanh": "vanish.tanh_bound",
    "relu": "vanish.relu_derivative_values",
}
STEP_THEOREM = "vanish.deep_sigmoid"  # its one-layer step holds with any gain G >= |f'|
TOLERANCE = 1e-9  # relative float64 rounding allowed above the bound
QUICK = {"depth": 20, "width": 32, "epochs": 20, "lr": 0.01}
FULL = {"depth": 50, "width": 64, "epochs": 50, "lr": 0.01}
TARGET_FRACTION = 0.65  # target loss: this fraction of the constant predictor's (ln 10)
TIMED = ("relu", "sigmoid", "tanh")
TIMING_REPEATS = {"quick": 5, "full": 15}
TIMING_EPOCHS = 2


def activations(config: Config) -> tuple[str, ...]:
    # Config's default list is the lr-sweep's; this experiment's own default is the
    # saturating activations beside the ReLU family
    if config.activations == Config.__dataclass_fields__["activations"].default:
        return ACTIVATIONS
    return config.activations


def network_widths(config: Config) -> tuple[int, ...]:
    preset = FULL if config.full else QUICK
    if config.widths and len(config.widths) > 1:
        if config.depth is not None and config.depth != len(config.widths):
            from derivations.errors import ReluproofError

            raise ReluproofError(
                f"--depth {config.depth} and --widths with {len(config.widths)} layers "
                "disagree: give one width with --depth, or the widths alone."
            )
        return tuple(config.widths)
    width = config.widths[0] if config.widths else preset["width"]
    return (width,) * (config.depth or preset["depth"])


def plan(config: Config) -> list[Run]:
    preset = FULL if config.full else QUICK
    widths = network_widths(config)
    runs = []
    for activation in activations(config):
        settings = base_settings(
            config.but(widths=None),
            epochs=preset["epochs"],
            optimizer="sgd",
            init=INIT.get(activation, "he_normal"),
            dtype="float64",
            widths=widths,
        )
        settings["lr"] = config.lr or preset["lr"]
        runs += [
            Run.make(NAME, activation, seed, settings, label=activation)
            for seed in range(config.seeds)
        ]
    timing = base_settings(
        config.but(widths=None),
        epochs=TIMING_EPOCHS,
        optimizer="sgd",
        widths=widths,
        dtype="float64",  # as the gradient runs, whose epochs to the target it prices
    )
    timing |= {
        "lr": config.lr or preset["lr"],
        "timed_activations": list(TIMED),
        "repeats": TIMING_REPEATS["full" if config.full else "quick"],
    }
    runs.append(Run.make(NAME, "relu", 0, timing, label="timing"))
    return runs


def train_batch(runs) -> list[dict]:
    if "timed_activations" in runs[0].setting:
        return [timing_record(run) for run in runs]
    return gradient_records(runs)


# ---------------------------------------------------------------------------------------
# measurement


def _norms(arrays: list[np.ndarray]) -> np.ndarray:
    """(R, len(arrays)): the Frobenius norm of each run's slice of each array."""
    return np.stack([np.linalg.norm(a.reshape(a.shape[0], -1), axis=1) for a in arrays], axis=1)


def gradient_census(training: mlp.Training) -> dict[str, np.ndarray]:
    """Per run, on the full training set: g_l = ||dL/dh_l||_F (l = 0..L), ||dL/dW_l||_F
    (l = 1..L+1), ||W_l||_2 (l = 1..L, the layers the activation's derivative multiplies),
    and the fraction of hidden activations exactly 0."""
    network, params = training.network, training.params
    layer_inputs: list[np.ndarray] = []
    Y = np.broadcast_to(training.Y, (training.runs, *training.Y.shape))
    with np.errstate(all="ignore"):
        _, grads, fwd = network.gradients(params, training.X, Y, layer_inputs=layer_inputs)
        hidden = network.hidden_layers
        operator = np.stack(
            [np.linalg.norm(w, ord=2, axis=(-2, -1)) for w in params.weights[:hidden]], axis=1
        )
        zeros = sum(np.count_nonzero(h == 0, axis=(1, 2)) for h in fwd.post[1:])
    per_run = sum(h.shape[1] * h.shape[2] for h in fwd.post[1:])
    return {
        "input_gradient": _norms(layer_inputs),
        "weight_gradient": _norms(grads.weights),
        "operator_norm": operator,
        "zero_fraction": zeros / per_run,
    }


def gradient_records(runs) -> list[dict]:
    settings = mlp_settings(runs[0])
    train_task, _ = task_split(runs[0].setting["task"])
    training = mlp.Training(
        settings, train_task, seeds=[r.seed for r in runs], lrs=[r.setting["lr"] for r in runs]
    )
    census = [gradient_census(training)]
    for _ in range(settings.epochs):
        training.epoch()
        census.append(gradient_census(training))
        if training.diverged.all():
            break
    out = []
    for r, result in enumerate(training.results()):
        out.append(
            {
                "widths": list(result.widths),
                "losses": [e.loss for e in result.epochs],
                "diverged": result.diverged,
                "diverged_epoch": result.diverged_epoch,
                "input_gradient_norms": [c["input_gradient"][r].tolist() for c in census],
                "weight_gradient_norms": [c["weight_gradient"][r].tolist() for c in census],
                "operator_norms": [c["operator_norm"][r].tolist() for c in census],
                "zero_fraction": [float(c["zero_fraction"][r]) for c in census],
                "dead_per_layer": [list(e.dead_per_layer) for e in result.epochs],
            }
        )
    return out


def timing_record(run) -> dict:
    """Seconds per training epoch and per evaluation of f and f' (on an array the size of
    one layer's pre-activations over the training set), each activation in turn within every
    repeat (interleaved, so a slow moment of the machine hits all of them alike)."""
    from numeric.kernels import kernel

    s = run.setting
    train_task, _ = task_split(s["task"])
    epoch_seconds: dict[str, list[float]] = {a: [] for a in s["timed_activations"]}
    kernel_seconds: dict[str, list[float]] = {a: [] for a in s["timed_activations"]}
    z = np.random.default_rng(run.seed).standard_normal((1, train_task.n_samples, max(s["widths"])))
    for _ in range(s["repeats"]):
        for activation in s["timed_activations"]:
            timed = Run.make(NAME, activation, run.seed, {**s, "init": INIT[activation]})
            training = mlp.Training(mlp_settings(timed), train_task, [run.seed], [s["lr"]])
            for _ in range(s["epochs"]):
                start = time.perf_counter()
                training.train_epoch()
                epoch_seconds[activation].append(time.perf_counter() - start)
            k = kernel(activation)
            start = time.perf_counter()
            for _ in range(20):
                k.f(z)
                k.df(z)
            kernel_seconds[activation].append((time.perf_counter() - start) / 20)
    return {
        "timing": True,
        "epoch_seconds": epoch_seconds,
        "kernel_seconds": kernel_seconds,
        "kernel_array_shape": list(z.shape),
    }


# ---------------------------------------------------------------------------------------
# the bound


@cache
def gain(activation: str) -> tuple[str, float]:
    """G = sup |f'| over the reals, exact (SymPy, over the catalogue's pieces) and as the
    float64 just above it (so the bound computed in floats is never below the true one)."""
    import sympy as sp

    from derivations.calculus import derive
    from derivations.catalogue import get, z

    a, derivation = get(activation), derive(activation)
    suprema = [
        sp.calculus.util.maximum(sp.Abs(d.subs(derivation.values)), z, sp.Interval(p.lo, p.hi))
        for p, d in zip(a.pieces, derivation.piece_derivatives, strict=True)
    ]
    value = sp.Max(*suprema).subs(derivation.values)
    text = str(value if value.is_rational else sp.N(value, 17))
    nearest = float(sp.N(value, 30))
    if sp.Rational(nearest) < value:  # round up: the bound must not shrink in floats
        nearest = float(np.nextafter(nearest, np.inf))
    return text, nearest


def theorem_for(activation: str) -> str:
    return THEOREM.get(activation, STEP_THEOREM)


def bound_table(result: dict, gain_value: float) -> dict[str, list[list[float]]]:
    """Per recorded epoch: the bound on g_l from the top, g_l / bound, and per layer the step
    ratio g_{l-1} / (G ||W_l||_2 g_l) (each <= 1 by the one-layer step)."""
    bounds, ratios, steps = [], [], []
    for g, w in zip(result["input_gradient_norms"], result["operator_norms"], strict=True):
        g, w = np.asarray(g, dtype=float), np.asarray(w, dtype=float)
        depth = len(w)
        # bound_l = G^(L-l) prod_{k=l+1..L} ||W_k|| g_L, l = 0..L (1-based W_k is w[k-1])
        factors = gain_value * w  # G ||W_k||, k = 1..L
        tail = np.concatenate([np.cumprod(factors[::-1])[::-1], [1.0]])
        with np.errstate(all="ignore"):
            bound = tail * g[depth]
            ratio = np.where(bound > 0, g / bound, np.where(g == 0, 0.0, np.inf))
            step_bound = factors * g[1:]
            step = np.where(step_bound > 0, g[:-1] / step_bound, np.where(g[:-1] == 0, 0.0, np.inf))
        bounds.append(bound.tolist())
        ratios.append(ratio.tolist())
        steps.append(step.tolist())
    return {"bound": bounds, "ratio": ratios, "step_ratio": steps}


def violations(result: dict, gain_value: float) -> int:
    """How many (epoch, layer) pairs have a measured norm above its bound (beyond rounding)."""
    table = bound_table(result, gain_value)
    count = 0
    for key in ("ratio", "step_ratio"):
        for row in table[key]:
            values = np.asarray(row, dtype=float)
            count += int(np.sum(~(values <= 1 + TOLERANCE) & np.isfinite(values)))
            count += int(np.sum(np.isinf(values)))
    return count


# ---------------------------------------------------------------------------------------
# the summary


def _log10(values: list[float]) -> list[float]:
    return [math.log10(v) if v and v > 0 and math.isfinite(v) else float("nan") for v in values]


def target_loss() -> float:
    return TARGET_FRACTION * math.log(10)


def epochs_to(losses: list, target: float) -> int | None:
    for epoch, loss in enumerate(losses):
        if loss is not None and math.isfinite(loss) and loss <= target:
            return epoch
    return None


def geometric_mean(values) -> float | None:
    """The mean of log10 over seeds, back to a value: norms span orders of magnitude (and
    the JSON keeps every digit: a 1e-12 gradient is not rounded to 0)."""
    logs = np.asarray(_log10(list(values)), dtype=float)
    logs = logs[np.isfinite(logs)]
    return float(10 ** logs.mean()) if logs.size else None


def _per_layer(rows: list[list[float]]) -> list[float | None]:
    return [geometric_mean(column) for column in zip(*rows, strict=True)]


def activation_figures(activation: str, results: list[dict], target: float) -> dict[str, Any]:
    gain_text, gain_value = gain(activation)
    finite = [r for r in results if not r["diverged"]]
    tables = [bound_table(r, gain_value) for r in results]
    depth = len(results[0]["widths"])
    at_init = [r["input_gradient_norms"][0] for r in results]
    attenuation = [g[0] / g[depth] if g[depth] > 0 else float("nan") for g in at_init]
    at_end = [r["input_gradient_norms"][-1] for r in finite]
    attenuation_end = [g[0] / g[depth] if g[depth] > 0 else float("nan") for g in at_end]
    ratio_init = [t["ratio"][0][0] for t in tables]  # layer 0: the whole depth
    # layer L is where the bound starts (ratio 1 by definition): the worst of the others
    worst = max(max(max(row[:-1]) for row in t["ratio"]) for t in tables)
    worst_step = max(max(max(row) for row in t["step_ratio"]) for t in tables)
    reached = [epochs_to(r["losses"], target) for r in results]
    return {
        "init": INIT.get(activation, "he_normal"),
        "gain": gain_text,
        "gain_float": gain_value,
        "theorem": theorem_for(activation),
        "seeds": len(results),
        "diverged": len(results) - len(finite),
        "depth": depth,
        "gradient_at_init": _per_layer(at_init),
        "bound_at_init": _per_layer([t["bound"][0] for t in tables]),
        "ratio_at_init": _per_layer([t["ratio"][0] for t in tables]),
        "weight_gradient_at_init": _per_layer([r["weight_gradient_norms"][0] for r in results]),
        "weight_gradient_final": _per_layer([r["weight_gradient_norms"][-1] for r in finite])
        if finite
        else None,
        "gradient_final": _per_layer(at_end) if at_end else None,
        "attenuation_at_init": {
            "geometric_mean": geometric_mean(attenuation),
            "per_seed": attenuation,
        },
        "attenuation_final": {
            "geometric_mean": geometric_mean(attenuation_end),
            "per_seed": attenuation_end,
        },
        "log10_attenuation_at_init": st.mean(_log10(attenuation)).to_dict(),
        "log10_ratio_to_bound_at_init": st.mean(_log10(ratio_init)).to_dict(),
        "largest_ratio_to_bound": worst,
        "largest_step_ratio": worst_step,
        "violations": sum(violations(r, gain_value) for r in results),
        "checks": sum(len(t["ratio"]) * (2 * depth + 1) for t in tables),
        "initial_loss": st.mean([r["losses"][0] for r in results]).to_dict(),
        "final_loss": st.mean([r["losses"][-1] for r in finite]).to_dict(),
        "epochs_to_target": reached,
        "zero_fraction_at_init": st.mean([r["zero_fraction"][0] for r in results]).to_dict(),
        "zero_fraction_final": st.mean([r["zero_fraction"][-1] for r in finite]).to_dict(),
    }


def timing_figures(record: dict, margin: float = 0.1) -> dict[str, Any]:
    """Medians per activation and relu's ratio to each other activation; `faster` only when
    the ratio of medians is below 1 - margin, `slower` above 1 + margin."""
    out: dict[str, Any] = {"method": "median over interleaved repeats", "margin": margin}
    for what in ("epoch_seconds", "kernel_seconds"):
        medians = {a: float(np.median(v)) for a, v in record[what].items()}
        ratios = {
            a: medians["relu"] / m for a, m in medians.items() if a != "relu" and m > 0
        }  # fmt: skip
        out[what] = {
            "median": medians,
            "samples": {a: len(v) for a, v in record[what].items()},
            "relu_ratio": ratios,
            "relu_is": {a: _compare(r, margin) for a, r in ratios.items()},
        }
    return out


def _compare(ratio: float, margin: float) -> str:
    if ratio < 1 - margin:
        return "faster"
    if ratio > 1 + margin:
        return "slower"
    return "about as fast"


def summarise(config: Config, results: list[RunResult]) -> Summary:
    target = target_loss()
    grouped: dict[str, list[dict]] = {}
    timing = None
    for item in results:
        if item.run.label == "timing":
            timing = timing_figures(item.result)
        else:
            grouped.setdefault(item.run.activation, []).append(item.result)
    table = {a: activation_figures(a, rs, target) for a, rs in grouped.items()}
    settings = next(r.run.setting for r in results if r.run.label != "timing")
    depth = len(settings["widths"])
    lines = [
        f"vanishing on task {settings['task']!r}: {depth} hidden layers of "
        f"{settings['widths'][0]}, float64, SGD lr {settings['lr']:g}, {settings['epochs']} "
        f"epochs, {config.seeds} seeds per activation",
        "g_l = ||dL/dh_l||_F on the training set (h_0 = X); bound: g_0 <= G^L prod ||W_l||_2 "
        "g_L with G = sup|f'|, from the sampled weights",
        "",
        f"{'activation':11s} {'init':14s} {'G':>7s} {'g_0/g_L at init':>16s} {'at end':>9s} "
        f"{'g_0/bound':>10s} {'max g/bound':>11s} {'max step':>9s} {'above bound':>12s}  theorem",
    ]
    for a, f in table.items():
        lines.append(
            f"{a:11s} {f['init']:14s} {_short(f['gain_float']):>7s} "
            f"{_sci(f['attenuation_at_init']['geometric_mean']):>16s} "
            f"{_sci(f['attenuation_final']['geometric_mean']):>9s} "
            f"{_sci(f['ratio_at_init'][0]):>10s} {f['largest_ratio_to_bound']:11.3g} "
            f"{f['largest_step_ratio']:9.3g} {f['violations']:>5d}/{f['checks']:<6d}  "
            f"{f['theorem']}"
        )
    lines += [
        "at end: g_0/g_L after training; max g/bound over layers 0..L-1 and every epoch; max "
        "step: g_(l-1) / (G ||W_l|| g_l); geometric means over seeds",
        "",
        f"per-layer g_l <= bound at initialisation (layer 0 = input, {depth} = last hidden):",
    ]
    shown = sorted({0, depth // 4, depth // 2, 3 * depth // 4, depth})
    lines.append(f"{'activation':11s} " + " ".join(f"{'l=' + str(l):>19s}" for l in shown))
    for a, f in table.items():
        cells = []
        for l in shown:
            g, b = f["gradient_at_init"][l], f["bound_at_init"][l]
            cells.append(f"{_sci(g)} <= {_sci(b)}")
        lines.append(f"{a:11s} " + " ".join(f"{c:>19s}" for c in cells))
    lines += [
        "",
        f"training: epochs to a training loss <= {target:.3f} ({TARGET_FRACTION:g} x ln 10, the "
        "constant predictor's), per seed (- = not reached); zero activations (sparsity)",
    ]
    for a, f in table.items():
        reached = ",".join("-" if e is None else str(e) for e in f["epochs_to_target"])
        lines.append(
            f"{a:11s} loss {_num(f['initial_loss'])} -> {_num(f['final_loss'])}  epochs to "
            f"target {reached:>10s}  zeros {100 * (f['zero_fraction_at_init']['value'] or 0):5.1f}%"
            f" -> {100 * (f['zero_fraction_final']['value'] or 0):5.1f}%"
            + (f"  ({f['diverged']} diverged)" if f["diverged"] else "")
        )
    if timing:
        lines += ["", "timing (this machine, now; median over interleaved repeats):"]
        for what, label in (("epoch_seconds", "per epoch"), ("kernel_seconds", "f and f'")):
            t = timing[what]
            lines.append(
                f"  {label:10s} "
                + ", ".join(f"{a} {1e3 * m:.2f} ms" for a, m in t["median"].items())
                + "; relu/other "
                + ", ".join(f"{a} {r:.2f} ({t['relu_is'][a]})" for a, r in t["relu_ratio"].items())
            )
    data = {
        "task": settings["task"],
        "settings": {k: v for k, v in settings.items() if k != "init"},
        "target_loss": target,
        "tolerance": TOLERANCE,
        "activations": table,
        "timing": timing,
        "theorems": sorted({f["theorem"] for f in table.values()} | {STEP_THEOREM}),
    }
    return Summary(NAME, "\n".join(lines), data)


def _short(x: float) -> str:
    return f"{x:.4g}"


def _sci(x) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.2e}"


def _num(e: dict) -> str:
    return "n/a" if e["value"] is None else f"{e['value']:.3f}"


def plot(config: Config, summary: Summary) -> bytes:
    from numeric.experiments.plots import figure, png_bytes

    fig, axes = figure(columns=2, width=5.5)
    norm_ax, weight_ax = axes[0]
    for activation, f in summary.data["activations"].items():
        layers = np.arange(f["depth"] + 1)
        g = np.array([_nan(x) for x in f["gradient_at_init"]])
        b = np.array([_nan(x) for x in f["bound_at_init"]])
        (line,) = norm_ax.plot(layers, g, marker="o", ms=2, label=activation)
        norm_ax.plot(layers, b, ls="--", lw=0.8, color=line.get_color())
        w0 = np.array([_nan(x) for x in f["weight_gradient_at_init"]])
        w1 = np.array([_nan(x) for x in f["weight_gradient_final"] or [None] * len(layers)])
        weight_ax.plot(layers + 1, w0, marker="o", ms=2, color=line.get_color(), label=activation)
        weight_ax.plot(layers + 1, w1, ls=":", color=line.get_color())
    norm_ax.set(yscale="log", xlabel="layer l (0 = input)", ylabel="||dL/dh_l||")
    norm_ax.set_title("at initialisation: measured (solid) and proved bound (dashed)", fontsize=9)
    weight_ax.set(yscale="log", xlabel="layer", ylabel="||dL/dW_l||")
    weight_ax.set_title("weight gradients: at init (solid), after training (dotted)", fontsize=9)
    norm_ax.legend(fontsize=7)
    return png_bytes(fig)


def _nan(x) -> float:
    return float("nan") if x is None else float(x)
