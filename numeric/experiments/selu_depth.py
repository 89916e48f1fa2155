"""`reluproof experiment selu-depth`: do activations stay normalised through 50+ layers?

Standard normal inputs (N(0, I), one sample set per seed) go forward through a deep MLP
with zero biases at initialisation: SELU with LeCun-normal weights, ReLU with He-normal and
tanh with Xavier-normal, each without and with dropout (alpha dropout for SELU, with the
(a, b) of `selu-constants --dropout-keep Q`, i.e. numeric.selu_moments.alpha_dropout_affine,
the formula theorem selu.alpha_dropout proves; ordinary inverted dropout for the others).
Per layer it measures the mean and the variance of the layer's outputs (pooled over units and
inputs, after dropout) and their distance to the fixed point (0, 1),
sqrt(mean^2 + (variance - 1)^2).

For SELU the measurement stands beside the moment map the `selu.*` theorems are about
(numeric.selu_moments.moment_map, iterated in floats from the measured input moments): the
mean-field map of a LeCun-normal layer of infinite width, the paper's g at omega = 0,
tau = 1 + mu^2/nu, whose fixed point (0, 1) the theorems prove (selu.fixed_point) and around
which they prove g contracts (selu.contraction, selu.jacobian).
A finite layer's weights are one draw, so the measured moments wander around the map's by
a sampling error that the table shows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA
from numeric import mlp
from numeric.experiments import Config, Summary
from numeric.experiments.runner import Run, RunResult

NAME = "selu-depth"
QUICK = {"depth": 50, "width": 128, "samples": 512}
FULL = {"depth": 100, "width": 256, "samples": 2048}
KEEP = 0.9  # dropout's keep probability unless --dropout-keep

# (label, activation, init, dropout kind)
ARMS = (
    ("selu/lecun", "selu", "lecun_normal", None),
    ("selu/lecun + alpha dropout", "selu", "lecun_normal", "alpha"),
    ("relu/he", "relu", "he_normal", None),
    ("relu/he + dropout", "relu", "he_normal", "inverted"),
    ("tanh/xavier", "tanh", "xavier_normal", None),
    ("tanh/xavier + dropout", "tanh", "xavier_normal", "inverted"),
)
THEOREMS = (
    "selu.fixed_point",
    "selu.contraction",
    "selu.jacobian",
    "selu.alpha_dropout",
    "selu.moments_closed_form",
    "claims.selu_always_normalises",
)
NEAR = 0.1  # "near (0, 1)": distance below this


def plan(config: Config) -> list[Run]:
    preset = FULL if config.full else QUICK
    width = config.widths[0] if config.widths else preset["width"]
    depth = config.depth or (len(config.widths) if config.widths and len(config.widths) > 1 else 0)
    keep = config.dropout_keep or KEEP
    runs = []
    for label, activation, init, dropout in ARMS:
        if config.activations != Config.__dataclass_fields__["activations"].default and (
            activation not in config.activations
        ):
            continue
        settings = {
            "depth": depth or preset["depth"],
            "width": width,
            "samples": preset["samples"],
            "init": init,
            "dropout": dropout,
            "keep": keep if dropout else 1.0,
        }
        if dropout == "alpha":
            from numeric.selu_moments import alpha_dropout_affine

            a, b = alpha_dropout_affine(str(keep))  # exact, then to floats
            settings |= {"alpha_dropout_a": float(a), "alpha_dropout_b": float(b)}
        runs += [
            Run.make(NAME, activation, seed, settings, label=label) for seed in range(config.seeds)
        ]
    if not runs:
        from derivations.errors import ReluproofError

        raise ReluproofError("selu-depth compares selu, relu and tanh: --activations names none.")
    return runs


def train_batch(runs) -> list[dict]:
    """Forward the seeds' inputs through the seeds' networks, all runs at once (R axis)."""
    s = runs[0].setting
    depth, width, samples = s["depth"], s["width"], s["samples"]
    settings = mlp.Settings(
        activation=runs[0].activation, widths=(width,) * depth, init=s["init"], dtype="float64"
    )
    network = mlp.Network(settings, width, 1, "mse")
    seeds = [r.seed for r in runs]
    params = network.init(seeds)
    noise = [np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2]) for seed in seeds]
    h = np.stack([rng.standard_normal((samples, width)) for rng in noise])
    means, variances = [_moments(h)[0]], [_moments(h)[1]]  # layer 0: the inputs
    keep = s["keep"]
    saturation = -float(SELU_LAMBDA * SELU_ALPHA)  # alpha dropout's value for a dropped unit
    for l in range(depth):
        z = mlp.layer_matmul(h, params.weights[l])
        z += params.biases[l]
        h = network.kernel.f(z)
        if s["dropout"] is not None:
            kept = np.stack([rng.random((samples, width)) < keep for rng in noise])
            if s["dropout"] == "alpha":
                h = s["alpha_dropout_a"] * np.where(kept, h, saturation) + s["alpha_dropout_b"]
            else:
                h = np.where(kept, h / keep, 0.0)
        mean, variance = _moments(h)
        means.append(mean)
        variances.append(variance)
    means, variances = np.stack(means, axis=1), np.stack(variances, axis=1)
    return [
        {"mean": means[r].tolist(), "variance": variances[r].tolist()} for r in range(len(runs))
    ]


def _moments(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R,) mean and variance of every run's values, pooled over inputs and units."""
    flat = h.reshape(h.shape[0], -1)
    return flat.mean(axis=1), flat.var(axis=1)


def distance(mean, variance) -> np.ndarray:
    """Euclidean distance of (mean, variance) to the fixed point (0, 1)."""
    return np.hypot(np.asarray(mean), np.asarray(variance) - 1.0)


def predicted(mean0: float, variance0: float, depth: int, keep: float | None) -> dict:
    """The moment map iterated from the inputs' moments (SELU arms only)."""
    from numeric.selu_moments import moment_map

    means, variances = [mean0], [variance0]
    for _ in range(depth):
        m, v = moment_map(means[-1], variances[-1], keep)
        means.append(m)
        variances.append(v)
    return {"mean": means, "variance": variances, "distance": distance(means, variances).tolist()}


def arm_figures(results: list[RunResult]) -> dict[str, Any]:
    s = results[0].run.setting
    means = np.array([r.result["mean"] for r in results])
    variances = np.array([r.result["variance"] for r in results])
    distances = distance(means, variances)
    depth = s["depth"]
    figures: dict[str, Any] = {
        "activation": results[0].run.activation,
        "init": s["init"],
        "dropout": s["dropout"],
        "keep": s["keep"],
        "seeds": len(results),
        "mean": means.mean(axis=0).tolist(),
        "variance": variances.mean(axis=0).tolist(),
        "distance": distances.mean(axis=0).tolist(),
        "distance_max_over_seeds": distances.max(axis=0).tolist(),
        "final_distance": float(distances[:, -1].mean()),
        "layers_near_fixed_point": int(np.sum(distances.max(axis=0)[1:] < NEAR)),
        "depth": depth,
    }
    if s["dropout"] == "alpha":
        figures["alpha_dropout"] = {"a": s["alpha_dropout_a"], "b": s["alpha_dropout_b"]}
    if figures["activation"] == "selu":
        keep = s["keep"] if s["dropout"] == "alpha" else None
        theory = predicted(float(means[:, 0].mean()), float(variances[:, 0].mean()), depth, keep)
        figures["moment_map"] = theory
        gap = np.hypot(means - np.array(theory["mean"]), variances - np.array(theory["variance"]))
        figures["measured_minus_map"] = {
            "mean_distance": gap.mean(axis=0).tolist(),
            "max_distance": float(gap.max()),
        }
    return figures


def summarise(config: Config, results: list[RunResult]) -> Summary:
    grouped: dict[str, list[RunResult]] = {}
    for item in results:
        grouped.setdefault(item.run.label, []).append(item)
    table = {label: arm_figures(items) for label, items in grouped.items()}
    s = results[0].run.setting
    depth = s["depth"]
    shown = sorted(l for l in {1, 2, 5, 10, depth // 2, depth} if 0 < l <= depth)
    lines = [
        f"selu-depth: N(0, I) inputs ({s['samples']} per seed) through {depth} layers of "
        f"{s['width']} units, zero biases, at initialisation; {config.seeds} seeds per arm; "
        f"dropout keep {config.dropout_keep or KEEP:g}",
        "per layer: mean, variance of the layer's outputs (pooled over units and inputs, mean "
        "over seeds) and distance to the fixed point (0, 1); map: the proved SELU moment map",
        "",
        f"{'arm':28s} " + " ".join(f"{'layer ' + str(l):>22s}" for l in shown),
    ]
    for label, f in table.items():
        cells = [
            f"{f['mean'][l]:+.3f},{f['variance'][l]:.3f} d={_g(f['distance'][l])}" for l in shown
        ]
        lines.append(f"{label:28s} " + " ".join(f"{c:>22s}" for c in cells))
        if "moment_map" in f:
            m = f["moment_map"]
            cells = [
                f"{m['mean'][l]:+.3f},{m['variance'][l]:.3f} d={_g(m['distance'][l])}"
                for l in shown
            ]
            lines.append(f"{'  map (selu.*)':28s} " + " ".join(f"{c:>22s}" for c in cells))
    lines.append("")
    for label, f in table.items():
        text = (
            f"{label:28s} distance to (0, 1) at layer {depth}: {_g(f['final_distance'])}; "
            f"{f['layers_near_fixed_point']}/{depth} layers within {NEAR:g} in every seed"
        )
        if "measured_minus_map" in f:
            text += (
                f"; measured vs map: at most {_g(f['measured_minus_map']['max_distance'])} apart"
            )
        lines.append(text)
    data = {
        "settings": {k: v for k, v in s.items() if k not in ("init", "dropout", "keep")},
        "keep": config.dropout_keep or KEEP,
        "near": NEAR,
        "arms": table,
        "theorems": list(THEOREMS),
    }
    return Summary(NAME, "\n".join(lines), data)


def _g(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.3g}"


def plot(config: Config, summary: Summary) -> bytes:
    from numeric.experiments.plots import figure, png_bytes

    fig, axes = figure(columns=3, width=4.4)
    mean_ax, var_ax, dist_ax = axes[0]
    for label, f in summary.data["arms"].items():
        layers = np.arange(f["depth"] + 1)
        style = "--" if f["dropout"] else "-"
        (line,) = mean_ax.plot(layers, f["mean"], ls=style, lw=1, label=label)
        color = line.get_color()
        var_ax.plot(layers, f["variance"], ls=style, lw=1, color=color)
        dist_ax.plot(layers, np.maximum(f["distance"], 1e-15), ls=style, lw=1, color=color)
        if "moment_map" in f:
            m = f["moment_map"]
            mean_ax.plot(layers, m["mean"], ls=":", lw=1.5, color="black")
            var_ax.plot(layers, m["variance"], ls=":", lw=1.5, color="black")
            dist_ax.plot(layers, np.maximum(m["distance"], 1e-15), ls=":", lw=1.5, color="black")
    mean_ax.set(xlabel="layer", ylabel="mean of the outputs")
    var_ax.set(xlabel="layer", ylabel="variance of the outputs", yscale="log")
    dist_ax.set(xlabel="layer", ylabel="distance to (0, 1)", yscale="log")
    mean_ax.set_title("mean (dotted black: SELU moment map)", fontsize=9)
    var_ax.set_title("variance", fontsize=9)
    dist_ax.set_title("distance to the fixed point (0, 1)", fontsize=9)
    mean_ax.legend(fontsize=6)
    return png_bytes(fig)
