"""One figure per activation for the report: f and f' side by side, the zero-gradient
set shaded and the breakpoints marked, as PNG bytes.

Drawn from the same `Derivation` the text is rendered from (f' is SymPy's derivative,
evaluated by NumPy/SciPy through lambdify), with matplotlib's Agg backend. The PNG
carries no timestamp or software version, so the same input gives the same bytes.
"""

from __future__ import annotations

import io

import numpy as np
import sympy as sp

from derivations.calculus import Derivation, derive
from derivations.catalogue import z

DPI = 110
SAMPLES = 1201
HALF_WIDTH = 6.0  # the plotted window is [-6, 6], widened to show every breakpoint
SHADE = "#f4c7c3"
F_COLOUR, DF_COLOUR = "#1f4e9c", "#b03a2e"


def _window(d: Derivation) -> tuple[float, float]:
    marks = [float(b.at.subs(d.values)) for b in d.breakpoints]
    marks += [float(p) for p in d.zero_gradient_set.points]
    low = min([-HALF_WIDTH, *(m - 2 for m in marks)])
    high = max([HALF_WIDTH, *(m + 2 for m in marks)])
    return low, high


def _numeric(expr: sp.Expr, values: dict, grid: np.ndarray) -> np.ndarray:
    fn = sp.lambdify(z, expr.subs(values), modules=["scipy", "numpy"])
    with np.errstate(all="ignore"):
        out = np.asarray(fn(grid), dtype=float)
    return np.broadcast_to(out, grid.shape).copy()


def _finite_end(value: sp.Expr, fallback: float) -> float:
    return fallback if value.is_infinite else float(value)


def plot_png(name: str, overrides: dict | None = None) -> bytes:
    """The PNG of f and f' for one activation (at its defaults, or `overrides`)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    d = derive(name, overrides)
    low, high = _window(d)
    grid = np.linspace(low, high, SAMPLES)
    breakpoints = sorted(float(b.at.subs(d.values)) for b in d.breakpoints)
    # a jump drawn through would be a steep segment: split the line at each jump
    f_values = _numeric(d.activation.expr, d.values, grid)
    df_values = _numeric(d.derivative, d.values, grid)
    for b in d.breakpoints:
        cut = np.argmin(np.abs(grid - float(b.at.subs(d.values))))
        if not b.continuous:
            f_values[cut] = np.nan
        if not b.differentiable:
            df_values[cut] = np.nan

    figure = Figure(figsize=(7.0, 2.6), dpi=DPI)
    axes = figure.subplots(1, 2)
    zero_set = d.zero_gradient_set
    for ax, values, label, colour in (
        (axes[0], f_values, "f(z)", F_COLOUR),
        (axes[1], df_values, "f'(z)", DF_COLOUR),
    ):
        for lo, hi in zero_set.intervals:
            left = max(_finite_end(lo.subs(d.values), low), low)
            right = min(_finite_end(hi.subs(d.values), high), high)
            ax.axvspan(left, right, color=SHADE, lw=0, label="f' = 0")
        for point in zero_set.points:
            ax.axvline(float(point), color=SHADE, lw=3, label="f' = 0")
        for b in breakpoints:
            ax.axvline(b, color="0.45", lw=0.8, ls=":", label="breakpoint")
        ax.axhline(0, color="0.75", lw=0.6)
        ax.plot(grid, values, color=colour, lw=1.6)
        ax.set_xlim(low, high)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("z", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(True, color="0.92", lw=0.5)
    handles, labels = axes[1].get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    if unique:
        axes[1].legend(unique.values(), unique.keys(), fontsize=7, loc="upper left", framealpha=0.9)
    # fixed margins: tight_layout would draw the figure twice over to find them
    figure.subplots_adjust(left=0.07, right=0.985, bottom=0.17, top=0.9, wspace=0.18)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
