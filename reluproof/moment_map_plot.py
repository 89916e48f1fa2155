"""The SELU moment map in one picture, for the report: its vector field on (mu, nu), the
fixed point, and the regions the SELU theorems prove things about.

The field is g: (mu, nu) -> (mu~, nu~) at omega = 0, tau = 1 (the paper's normalised
weights), evaluated in float64 by the same formulas the proofs use (a drawing, not a proof).
nu runs on a log scale so that Theorem 3's small variances and Theorem 2's large ones fit
beside Theorem 1's box; each arrow points from (mu, nu) towards g(mu, nu), its length fixed
and its colour the size of the step. The rectangles are the (mu, nu) sides of the proved
domains, labelled with their theorems' verdicts in this run.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA
from derivations.render import Figure, Prose, Section
from proofs.theorem import Result

PATH = "plots/selu-moment-map.png"
DPI = 110


def _regions(results: Sequence[Result]) -> list[tuple[str, tuple, str, str]]:
    """(label, ((mu_lo, mu_hi), (nu_lo, nu_hi)), colour, line style) per region to draw."""
    from proofs.selu.contraction import THEOREM1_DOMAIN
    from proofs.selu.variance_bounds import THEOREM2_DOMAIN, THEOREM3_DOMAINS

    verdicts = {r.theorem.id: r.verdict for r in results}

    def status(theorem_id: str) -> str:
        verdict = verdicts.get(theorem_id)
        return verdict.status.value if verdict is not None else "not run"

    def sides(box) -> tuple:
        return (box.sides[0], box.sides[2])

    regions = [
        (f"Theorem 1: contraction {status('selu.contraction')}", sides(THEOREM1_DOMAIN), "C0", "-"),
        (
            f"Theorem 2: nu~ < nu {status('selu.variance_decreases')}",
            sides(THEOREM2_DOMAIN),
            "C3",
            "-",
        ),
    ]
    for box, tau, style in zip(THEOREM3_DOMAINS, ("0.8", "0.9"), ("-", "--"), strict=True):
        label = f"Theorem 3 (tau >= {tau}): nu~ > nu {status('selu.variance_increases')}"
        regions.append((label, sides(box), "C2", style))
    largest = verdicts.get("selu.largest_domain")
    if largest is not None and "shape" in largest.certificate:
        box = largest.certificate["shape"]["box"]
        mu, nu = (tuple(Fraction(x) for x in box[k]) for k in ("mu", "nu"))
        regions.append(
            (f"grown box: contraction into itself {largest.status.value}", (mu, nu), "C1", "-")
        )
    return regions


def moment_map_png(results: Sequence[Result] = ()) -> bytes:
    """The PNG: the field of g at omega = 0, tau = 1, the fixed point (0, 1), the regions."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.patches import Rectangle

    from proofs.selu.moments import paper_moments

    mu, log_nu = np.meshgrid(np.linspace(-1.2, 1.2, 17), np.linspace(-2, np.log10(20), 19))
    nu = 10.0**log_nu
    zero, one = np.zeros_like(mu), np.ones_like(mu)
    mean, variance = paper_moments(mu, zero, nu, one, float(SELU_ALPHA), float(SELU_LAMBDA))
    step_mu, step_log_nu = mean - mu, np.log10(variance) - log_nu
    size = np.hypot(step_mu, step_log_nu)
    figure = MplFigure(figsize=(7.0, 5.2), dpi=DPI)
    ax = figure.subplots()
    arrows = ax.quiver(
        mu, log_nu, step_mu / size, step_log_nu / size, np.log10(size),
        cmap="viridis", angles="xy", scale_units="xy", scale=9, width=0.003,
    )  # fmt: skip
    colourbar = figure.colorbar(arrows, ax=ax, pad=0.01)
    colourbar.set_label("log10 of the step |g(x) - x| (nu on log10 scale)", fontsize=8)
    for label, ((mu_lo, mu_hi), (nu_lo, nu_hi)), colour, style in _regions(results):
        low, high = np.log10(float(nu_lo)), np.log10(float(nu_hi))
        rectangle = Rectangle(
            (float(mu_lo), low), float(mu_hi - mu_lo), high - low,
            fill=False, edgecolor=colour, lw=1.6, ls=style, label=label,
        )  # fmt: skip
        ax.add_patch(rectangle)
    ax.plot([0], [0], marker="*", color="k", markersize=11, ls="none", label="fixed point (0, 1)")
    ticks = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]
    ax.set_yticks(np.log10(ticks), [f"{t:g}" for t in ticks])
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-2.05, np.log10(20) + 0.05)
    ax.set_xlabel("mean mu", fontsize=9)
    ax.set_ylabel("variance nu (log scale)", fontsize=9)
    ax.set_title("SELU moment map g(mu, nu) at omega = 0, tau = 1", fontsize=10)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=6.5, loc="lower left", framealpha=0.92)
    figure.subplots_adjust(left=0.1, right=0.98, bottom=0.1, top=0.94)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def moment_map_section(results: Sequence[Result] = ()) -> tuple[Section, dict[str, bytes]]:
    """The report's section with the picture, and the file it shows."""
    prose = Prose(
        "The SELU moment map $g: (\\mu, \\nu) \\mapsto (\\tilde\\mu, \\tilde\\nu)$ drawn at "
        "$\\omega = 0$, $\\tau = 1$ (floats, a drawing): arrows point from $(\\mu, \\nu)$ "
        "towards $g(\\mu, \\nu)$. The rectangles are the $(\\mu, \\nu)$ sides of the domains "
        "of theorems `selu.contraction` (Theorem 1), `selu.variance_decreases` (Theorem 2), "
        "`selu.variance_increases` (Theorem 3) and `selu.largest_domain`, which prove their "
        "claims for every $\\omega$, $\\tau$ of their domains, not only those drawn."
    )
    figure = Figure(PATH, "the SELU moment map at omega = 0, tau = 1, and the proved regions")
    return Section("The SELU moment map", (prose, figure)), {PATH: moment_map_png(results)}
