"""The report's lines for the depth experiments (vanishing, selu-depth, recycle): each
measured number beside the theorem, bound or claim it checks, as `experiments_report`
lists them (`number <- theorem (verdict)`). The runs are `proofs.measured.measurement`'s
(quick settings, cached), shared with the measured claims of `proofs.measured_depth`."""

from __future__ import annotations


def _sci(x) -> str:
    return "n/a" if x is None else f"{x:.2e}"


def _epochs(per_seed: list) -> str:
    return ",".join("-" if e is None else str(e) for e in per_seed)


def vanishing_lines(summary) -> list[tuple[str, str]]:
    data = summary.data
    lines = []
    for name, f in data["activations"].items():
        lines.append(
            (
                f"{name}: g_0 = {_sci(f['gradient_at_init'][0])} <= bound "
                f"{_sci(f['bound_at_init'][0])} (G = {f['gain']}, L = {f['depth']}); "
                f"{f['violations']} of {f['checks']} layer-epoch checks above the bound",
                f["theorem"],
            )
        )
    acts = data["activations"]
    if {"relu", "sigmoid", "tanh"} <= set(acts):
        lines.append(
            (
                "g_0/g_L at init: "
                + ", ".join(
                    f"{a} {_sci(acts[a]['attenuation_at_init']['geometric_mean'])}"
                    for a in ("relu", "sigmoid", "tanh")
                ),
                "claims.measured.relu_alleviates_vanishing",
            )
        )
        lines.append(
            (
                "epochs to the target loss: "
                + "; ".join(
                    f"{a} {_epochs(acts[a]['epochs_to_target'])}"
                    for a in ("relu", "leaky_relu", "tanh", "sigmoid")
                    if a in acts
                ),
                "claims.measured.relu_sparsity_faster_convergence",
            )
        )
    timing = data.get("timing")
    if timing:
        kernel, epoch = timing["kernel_seconds"], timing["epoch_seconds"]
        lines.append(
            (
                "time relu/other (medians): f and f' "
                + ", ".join(f"{a} {r:.2f}" for a, r in kernel["relu_ratio"].items())
                + "; epoch "
                + ", ".join(f"{a} {r:.2f}" for a, r in epoch["relu_ratio"].items()),
                "claims.measured.relu_computation_faster_learning",
            )
        )
    return lines


def selu_depth_lines(summary) -> list[tuple[str, str]]:
    lines = []
    for label, f in summary.data["arms"].items():
        depth = f["depth"]
        if "moment_map" in f:
            theorem = "selu.alpha_dropout" if f["dropout"] else "selu.contraction"
            lines.append(
                (
                    f"{label}: distance to (0, 1) at layer {depth} {f['final_distance']:.3g} "
                    f"(map {f['moment_map']['distance'][-1]:.2g}); measured within "
                    f"{f['measured_minus_map']['max_distance']:.2g} of the map",
                    theorem,
                )
            )
        else:
            lines.append(
                (
                    f"{label}: mean {f['mean'][-1]:+.3f}, variance {f['variance'][-1]:.3g} at "
                    f"layer {depth} (distance {f['final_distance']:.3g})",
                    # the proved E[f(z)], z ~ N(0, 1): relu's is 1/sqrt(2 pi) > 0, tanh's 0
                    f"vanish.gaussian_mean.{f['activation']}",
                )
            )
    return lines


def recycle_lines(summary) -> list[tuple[str, str]]:
    arms = summary.data["arms"]
    lines = []
    for label, f in arms.items():
        dead = f["dead_fraction"]["value"]
        text = (
            f"{label}: {100 * (dead or 0):.1f}% dead, held-out accuracy "
            f"{100 * (f['test_accuracy']['value'] or 0):.1f}%"
        )
        # recycling (beyond the documents) revives what plain SGD leaves dead for good
        theorem = THEOREM_OF_ARM.get(label, "dead.permanent_first_layer")
        if f["activation"] == "leaky_relu":
            theorem = "dead.no_exact_death"
        lines.append((text, theorem))
    return lines


THEOREM_OF_ARM = {
    "plain": "dead.permanent_first_layer",
    "fix: lower lr": "claims.measured.smaller_lr_fixes_dying",
    "fix: He init": "claims.measured.he_init_reduces_dying",
}
LINES = {
    "vanishing": vanishing_lines,
    "selu-depth": selu_depth_lines,
    "recycle": recycle_lines,
}
TITLES = {
    "vanishing": "gradient norms through 20 layers against the proved bound",
    "selu-depth": "mean and variance through 50 layers: SELU against its moment map",
    "recycle": "recycling dead and dormant units (ReDo) against the documents' fixes",
}
