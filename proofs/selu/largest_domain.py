"""How far the paper's Theorem 1 domain can grow: a search steered by float measurements,
then the rigorous proof on the box it finds.

The boxes considered have the paper's shape: mu, omega in [-m, m], nu in [1 - a, 1 + b],
tau in [1 - c, 1 + d] (`DomainShape`), with every side at least the paper's (m >= 0.1,
a >= 0.2, b >= 0.5, c >= 0.05, d >= 0.1), so tau's range always holds [0.95, 1.1]. A box is
good when the moment map g is a contraction on it (spectral norm of d(mu~, nu~)/d(mu, nu)
below 1) and maps the (mu, nu) rectangle into itself, for every (omega, tau) of the box.

`search_largest_domain` measures (NumPy floats on a grid through the box, the same formulas
as the proofs; a measurement, not a proof) with safety margins, first scaling the paper's box
as a whole by bisection, then pushing each side alone as far as it goes (two passes). The
box found is maximal in that sense -- no single side can move further by the search's
tolerance -- not the unique largest: another order of growth gives another maximal box.
`prove_domain` then proves both properties on it rigorously (`prove_contraction`,
`prove_maps_into`), theorem `selu.largest_domain`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, ctx

from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA
from derivations.errors import ReluproofError
from numeric.decimals import ball_text, decimal_upper
from numeric.intervals import Box, ball
from proofs.selu.base import as_arb
from proofs.selu.contraction import (
    THEOREM1_DOMAIN,
    VARIABLES,
    ContractionResult,
    ImageResult,
    paper_box,
    prove_contraction,
    prove_maps_into,
    spectral_norm_ball,
)
from proofs.selu.moments import jacobian_arb, paper_jacobian, paper_moments
from proofs.theorem import Method, Verdict, proved, theorem, undecided

SIDES = ("m", "a", "b", "c", "d")
SIDE_MEANINGS = {
    "m": "mu, omega in [-m, m]",
    "a": "nu >= 1 - a",
    "b": "nu <= 1 + b",
    "c": "tau >= 1 - c",
    "d": "tau <= 1 + d",
}
# How far the search looks: a < 1 and c < 1 keep nu, tau positive.
SIDE_LIMITS = {"m": 2.0, "a": 0.99, "b": 10.0, "c": 0.99, "d": 5.0}


@dataclass(frozen=True)
class DomainShape:
    """The box mu, omega in [-m, m], nu in [1 - a, 1 + b], tau in [1 - c, 1 + d]."""

    m: Fraction
    a: Fraction
    b: Fraction
    c: Fraction
    d: Fraction

    @classmethod
    def of(cls, **sides: Any) -> DomainShape:
        return cls(**{k: Fraction(str(v)) for k, v in sides.items()})

    def box(self) -> Box:
        return paper_box(
            mu=(-self.m, self.m),
            omega=(-self.m, self.m),
            nu=(1 - self.a, 1 + self.b),
            tau=(1 - self.c, 1 + self.d),
        )

    @property
    def volume(self) -> Fraction:
        return (2 * self.m) ** 2 * (self.a + self.b) * (self.c + self.d)

    def scaled(self, factor: Fraction) -> DomainShape:
        return DomainShape(*(factor * getattr(self, s) for s in SIDES))

    def contains(self, other: DomainShape) -> bool:
        return all(getattr(self, s) >= getattr(other, s) for s in SIDES)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sides": {s: str(getattr(self, s)) for s in SIDES},
            "box": {k: [str(lo), str(hi)] for k, (lo, hi) in self.box().to_dict().items()},
            "volume": str(self.volume),
        }


PAPER_SHAPE = DomainShape.of(m="0.1", a="0.2", b="0.5", c="0.05", d="0.1")
assert PAPER_SHAPE.box() == THEOREM1_DOMAIN


# ---- the measurement that steers the search (floats; never a proof) ----------------------


@dataclass(frozen=True)
class Measured:
    """Float measurements of the two properties on a grid through a box."""

    max_norm: float  # largest spectral norm of the Jacobian on the grid
    mean_slack: float  # m - max |mu~|
    variance_low_slack: float  # min nu~ - (1 - a)
    variance_high_slack: float  # (1 + b) - max nu~

    def limits(self, norm_margin: float, image_margin: float) -> list[str]:
        """Which properties fail, with the safety margins the rigorous proof needs."""
        failing = []
        if self.max_norm > 1 - norm_margin:
            failing.append("contraction (spectral norm)")
        if self.mean_slack < image_margin:
            failing.append("maps into: mean")
        if self.variance_low_slack < image_margin:
            failing.append("maps into: variance from below")
        if self.variance_high_slack < image_margin:
            failing.append("maps into: variance from above")
        return failing


@dataclass(frozen=True)
class GridValues:
    """g, its Jacobian's spectral norm and the grid points, in float64 (a measurement)."""

    points: tuple[np.ndarray, ...]  # exact grid coordinates per axis, as Fractions (object)
    mean: np.ndarray
    variance: np.ndarray
    norm: np.ndarray

    def point(self, flat_index: int) -> dict[str, Fraction]:
        """The exact grid point (a point of the box) at a flat index of the arrays."""
        index = np.unravel_index(flat_index, self.mean.shape)
        return {n: axis[i] for n, axis, i in zip(VARIABLES, self.points, index, strict=True)}


def grid_values(box: Box, alpha: float, lam: float, points: int = 9) -> GridValues:
    """Evaluate g and its Jacobian in float64 on a `points`^4 grid through the box, its
    corners included: a measurement to steer a search or aim a counterexample, not a bound.
    The grid's points are exact rationals of the box; floats only evaluate there."""
    exact = tuple(
        np.array([lo + (hi - lo) * Fraction(k, points - 1) for k in range(points)], dtype=object)
        for lo, hi in box.sides
    )
    axes = [np.array([float(x) for x in axis]) for axis in exact]
    mu, omega, nu, tau = np.meshgrid(*axes, indexing="ij")
    with np.errstate(all="ignore"):
        mean, variance = paper_moments(mu, omega, nu, tau, alpha, lam)
        a, b, c, d = paper_jacobian(mu, omega, nu, tau, alpha, lam)
    frob = a * a + b * b + c * c + d * d
    det = a * d - b * c
    norm = np.sqrt((frob + np.sqrt(np.maximum(frob * frob - 4 * det * det, 0))) / 2)
    return GridValues(exact, mean, variance, norm)


def measure(shape: DomainShape, points: int = 9) -> Measured:
    """The float measurement of a shape's box with alpha_01, lambda_01 (steers the search)."""
    grid = grid_values(shape.box(), float(SELU_ALPHA), float(SELU_LAMBDA), points)
    return Measured(
        max_norm=float(np.max(grid.norm)),
        mean_slack=float(shape.m) - float(np.max(np.abs(grid.mean))),
        variance_low_slack=float(np.min(grid.variance)) - float(1 - shape.a),
        variance_high_slack=float(1 + shape.b) - float(np.max(grid.variance)),
    )


@dataclass(frozen=True)
class SearchStep:
    """One stage of the search: the shape reached and what stops it one step further."""

    stage: str
    shape: DomainShape
    stopped_by: tuple[str, ...]  # what failed just beyond this step's end

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "sides": {s: str(getattr(self.shape, s)) for s in SIDES},
            "stopped_by": list(self.stopped_by),
        }


@dataclass(frozen=True)
class DomainSearch:
    """The search's outcome (the shape found), its steps and its settings."""

    shape: DomainShape
    steps: tuple[SearchStep, ...]
    norm_margin: float
    image_margin: float
    tolerance: Fraction
    grid_points: int

    def limits(self) -> dict[str, list[str]]:
        """Per side, what fails one tolerance step further (its last growth step)."""
        found: dict[str, list[str]] = {}
        for step in self.steps:
            for side in SIDES:
                if step.stage.endswith(f"grow {side} alone"):
                    found[side] = list(step.stopped_by)
        return {f"{side} ({SIDE_MEANINGS[side]})": found.get(side, []) for side in SIDES}

    def to_dict(self) -> dict[str, Any]:
        return {
            "found": self.shape.to_dict(),
            "each_side_limited_by": self.limits(),
            "steps": [s.to_dict() for s in self.steps],
            "settings": {
                "measurement": f"float64 on a {self.grid_points}^4 grid through the box, "
                "corners included (steers the search; not a proof)",
                "norm_margin": self.norm_margin,
                "image_margin": self.image_margin,
                "tolerance": str(self.tolerance),
            },
        }


def _round_down(x: Fraction, step: Fraction) -> Fraction:
    return (x // step) * step


def _bisect(
    good: Callable[[Fraction], bool], low: Fraction, high: Fraction, tolerance: Fraction
) -> Fraction:
    """The largest value in [low, high] (to `tolerance`) with good(value), good(low) given."""
    if good(high):
        return high
    while high - low > tolerance:
        mid = (low + high) / 2
        if good(mid):
            low = mid
        else:
            high = mid
    return low


def search_largest_domain(
    norm_margin: float = 0.005,
    image_margin: float = 0.001,
    tolerance: Fraction = Fraction(1, 1000),
    grid_points: int = 9,
    passes: int = 2,
) -> DomainSearch:
    """Grow the paper's box: first as a whole (bisection on a scale factor), then one side
    at a time, each time as far as the float measurement allows with the margins.

    The sides are rounded down to multiples of `tolerance`, so the box found has short
    exact decimal ends.
    """

    def good(shape: DomainShape) -> bool:
        return not measure(shape, grid_points).limits(norm_margin, image_margin)

    def stopped_by(shape: DomainShape) -> tuple[str, ...]:
        return tuple(measure(shape, grid_points).limits(norm_margin, image_margin))

    if not good(PAPER_SHAPE):
        raise ArithmeticError("the paper's own box fails the float measurement")
    steps = []
    top = min(Fraction(SIDE_LIMITS[s]) / getattr(PAPER_SHAPE, s) for s in SIDES)
    # bisect finer than the rounding grid, so that one grid step beyond the rounded end
    # fails the measurement (the `stopped_by` of each step)
    fine = tolerance / 8
    factor = _bisect(lambda f: good(PAPER_SHAPE.scaled(f)), Fraction(1), top, fine)
    shape = PAPER_SHAPE.scaled(factor)
    rounded = DomainShape(*(_round_down(getattr(shape, s), tolerance) for s in SIDES))
    shape = rounded if rounded.contains(PAPER_SHAPE) else shape
    beyond = PAPER_SHAPE.scaled(factor + tolerance)
    stage = f"scale the paper's box by {float(factor):.4f}"
    steps.append(SearchStep(stage, shape, stopped_by(beyond)))
    for round_index, side in itertools.product(range(passes), SIDES):
        start = getattr(shape, side)
        best = _bisect(
            lambda v, side=side, shape=shape: good(replace(shape, **{side: v})),
            start,
            Fraction(SIDE_LIMITS[side]),
            fine,
        )
        best = max(start, _round_down(best, tolerance))
        shape = replace(shape, **{side: best})
        beyond = replace(shape, **{side: best + tolerance})
        steps.append(
            SearchStep(f"pass {round_index + 1}: grow {side} alone", shape, stopped_by(beyond))
        )
    return DomainSearch(shape, tuple(steps), norm_margin, image_margin, tolerance, grid_points)


# ---- the rigorous part ------------------------------------------------------------------


@dataclass(frozen=True)
class DomainProof:
    """The rigorous proofs on a shape's box: spectral norm < `norm_bound` everywhere, and the
    image inside the (mu, nu) rectangle shrunk by `image_margin` on every side."""

    shape: DomainShape
    norm_bound: Fraction
    image_margin: Fraction
    contraction: ContractionResult
    image: ImageResult
    measured: Measured  # floats on the box, to show how close the proved bounds are

    @property
    def proved(self) -> bool:
        return self.contraction.proved and self.image.proved

    @property
    def volume_ratio(self) -> Fraction:
        return self.shape.volume / PAPER_SHAPE.volume

    def to_dict(self) -> dict[str, Any]:
        return {
            "shape": self.shape.to_dict(),
            "proved": self.proved,
            "claims": {
                "spectral_norm_below": str(self.norm_bound),
                "image_inside_by": str(self.image_margin),
            },
            "volume_ratio_to_paper": str(self.volume_ratio),
            "volume_ratio_to_paper_decimal": f"{float(self.volume_ratio):.4f}",
            "contraction": self.contraction.to_dict(),
            "maps_into": self.image.to_dict(),
            "measured_on_a_grid_float64": {
                "max_spectral_norm": round(self.measured.max_norm, 6),
                "m - max |mu~|": round(self.measured.mean_slack, 6),
                "min nu~ - (1 - a)": round(self.measured.variance_low_slack, 6),
                "(1 + b) - max nu~": round(self.measured.variance_high_slack, 6),
            },
        }


def prove_domain(
    shape: DomainShape,
    norm_bound: Fraction = Fraction(1),
    image_margin: Fraction = Fraction(0),
    time_limit: float = 270.0,
    prec: int = 64,
) -> DomainProof:
    """Prove, on `shape`'s box, spectral norm < `norm_bound` (a contraction when <= 1) and
    that g maps the (mu, nu) rectangle into itself with `image_margin` to spare on every
    side, each proof within `time_limit` seconds."""
    box = shape.box()
    contraction = prove_contraction(
        max_boxes=2_000_000, domain=box, prec=prec, time_limit=time_limit, threshold=norm_bound
    )
    image = prove_maps_into(
        domain=box,
        mean_target=(-shape.m + image_margin, shape.m - image_margin),
        variance_target=(1 - shape.a + image_margin, 1 + shape.b - image_margin),
        max_boxes=2_000_000,
        prec=prec,
        time_limit=time_limit,
    )
    return DomainProof(shape, norm_bound, image_margin, contraction, image, measure(shape))


@theorem(
    "selu.largest_domain",
    r"Theorem 1's domain grows: a float-steered search (the paper's box scaled as a whole, "
    r"then each side pushed alone) finds a box $\mu, \omega \in [-m, m]$, $\nu \in [1-a, 1+b]$, "
    r"$\tau \in [1-c, 1+d] \supseteq [0.95, 1.1]$ on which, rigorously, $g$ has Jacobian "
    r"spectral norm $< 1$ and maps the $(\mu, \nu)$ rectangle into itself for every "
    r"$(\omega, \tau)$ of the box; the certificate gives the box, its volume over the "
    r"paper's, and which bound is tight.",
    Method.INTERVAL,
    slow=True,
)
def _prove_largest_domain() -> Verdict:
    search = search_largest_domain()
    # Prove with half the search's margins: the claims are then quantitative, and the
    # measured values beside them show how tight each bound is.
    proof = prove_domain(
        search.shape,
        norm_bound=1 - Fraction(str(search.norm_margin)) / 2,
        image_margin=Fraction(str(search.image_margin)) / 2,
    )
    certificate = {"search": search.to_dict(), **proof.to_dict()}
    certificate["note"] = (
        "maximal, not unique: within the search's margins no single side grows by the "
        "search's tolerance (each step's stopped_by names the property that fails one step "
        "further); another order of growth gives another maximal box"
    )
    box = search.shape.box().to_dict()
    shown = ", ".join(
        f"{k} in [{float(Fraction(lo)):g}, {float(Fraction(hi)):g}]" for k, (lo, hi) in box.items()
    )
    if not proof.proved:
        reasons = "; ".join(r.reason for r in (proof.contraction, proof.image) if not r.proved)
        return undecided(f"not proved on {shown}: {reasons}", **certificate)
    return proved(
        f"{shown}: spectral norm < {float(proof.norm_bound):g} ({proof.contraction.boxes_verified}"
        f" boxes, {proof.contraction.seconds:.1f} s; measured max {proof.measured.max_norm:.4f}) "
        f"and the image inside the rectangle by {float(proof.image_margin):g} "
        f"({proof.image.boxes_verified} boxes, {proof.image.seconds:.1f} s); volume "
        f"{float(proof.volume_ratio):.2f} x the paper's; each side limited by: "
        + "; ".join(f"{k.split()[0]}: {', '.join(v) or '-'}" for k, v in search.limits().items()),
        **certificate,
    )


# ---- other constants: the box around a user's fixed point -------------------------------


def fixed_point_shape_box(mean: Any, variance: Any) -> Box:
    """The paper's Theorem 1 box moved to the fixed point (M, V) and scaled by V: mu in
    M + V * [-0.1, 0.1], nu in V * [0.8, 1.5], with omega in [-0.1, 0.1] and tau in
    [0.95, 1.1] as in the paper. At (0, 1) it is the paper's box."""
    m, v = Fraction(str(mean)), Fraction(str(variance))
    if v <= 0:
        raise ReluproofError(f"the variance must be positive; got {variance}.")
    tenth = Fraction(1, 10)
    return paper_box(
        mu=(m - tenth * v, m + tenth * v),
        omega=(-tenth, tenth),
        nu=(v * Fraction(4, 5), v * Fraction(3, 2)),
        tau=(Fraction(19, 20), Fraction(11, 10)),
    )


FIXED_POINT_NOTE = (
    "selu-constants solves E[selu(z)] = M, Var[selu(z)] = V for z ~ N(M, V), i.e. the map g at "
    "omega = tau = 1; the box is the paper's regime of normalised weights, omega near 0, tau "
    "near 1, where z ~ N(mu*omega, nu*tau) barely sees mu: for M far from 0, g there pulls "
    "the mean towards E[selu(N(0, nu*tau))], not towards M"
)


@dataclass(frozen=True)
class FixedPointContraction:
    """Whether g, with a user's (alpha, lambda), is a contraction mapping the box around
    their fixed point into itself (Banach: then a unique attracting fixed point there)."""

    alpha: str
    lam: str
    box: Box
    contraction: ContractionResult
    image: ImageResult
    eigenvalues_at_unit_weights: tuple[arb, arb]  # of the Jacobian at (M, 1, V, 1)

    @property
    def proved(self) -> bool:
        return self.contraction.proved and self.image.proved

    @property
    def repels_at_unit_weights(self) -> bool:
        """Whether (M, V) provably repels under g at omega = tau = 1, the formulation the
        constants were solved in (an eigenvalue of modulus > 1)."""
        return any(e.is_finite() and abs(e) > 1 for e in self.eigenvalues_at_unit_weights)

    def unit_weights_text(self) -> str:
        """One sentence on (M, V) as a fixed point of g at omega = tau = 1."""
        shown = ", ".join(e.str(5, radius=False) for e in self.eigenvalues_at_unit_weights)
        verdict = "repels" if self.repels_at_unit_weights else "is not shown to repel"
        return (
            f"at omega = tau = 1 (the equations solved) the Jacobian at the fixed point has "
            f"eigenvalues {shown}: the fixed point {verdict} there"
        )

    def summary(self) -> str:
        box = ", ".join(
            f"{k} in [{float(lo):g}, {float(hi):g}]"
            for k, (lo, hi) in zip(self.box.names, self.box.sides, strict=True)
        )
        if self.proved:
            return (
                f"PROVED on {box}: spectral norm < 1 ({self.contraction.boxes_verified} boxes, "
                f"largest bound {decimal_upper(self.contraction.max_bound, 6)}, "
                f"{self.contraction.seconds:.1f} s) and g maps the (mu, nu) rectangle into "
                f"itself ({self.image.boxes_verified} boxes, {self.image.seconds:.1f} s)"
            )
        failures = []
        for what, result in (("contraction", self.contraction), ("maps into", self.image)):
            if result.proved:
                failures.append(f"{what} proved")
            elif result.counterexample is not None:
                shown = ", ".join(
                    f"{k} = {v}" for k, v in result.counterexample.items() if k != "point"
                )
                point = ", ".join(
                    f"{k} = {float(Fraction(v)):g}"
                    for k, v in result.counterexample["point"].items()
                )
                failures.append(f"{what} FAILS at ({point}): {shown}")
            else:
                failures.append(f"{what} undecided: {result.reason}")
        return f"not proved on {box}: " + "; ".join(failures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "proved": self.proved,
            "alpha": self.alpha,
            "lambda": self.lam,
            "box": self.box.to_dict(),
            "box_rule": "the paper's Theorem 1 box moved to the fixed point (M, V) and scaled by "
            "V: mu in M + V * [-0.1, 0.1], nu in V * [0.8, 1.5], omega in [-0.1, 0.1], "
            "tau in [0.95, 1.1]",
            "note": FIXED_POINT_NOTE,
            "at_unit_weights": {
                "where": "(mu, omega, nu, tau) = (M, 1, V, 1), where (M, V) is the fixed point "
                "(a complex pair is shown as its modulus, twice)",
                "jacobian_eigenvalues": [
                    ball_text(e, 12) for e in self.eigenvalues_at_unit_weights
                ],
                "repels": self.repels_at_unit_weights,
            },
            "contraction": self.contraction.to_dict(),
            "maps_into": self.image.to_dict(),
            "summary": self.summary(),
        }


def unit_weight_eigenvalues(mean: Any, variance: Any, alpha: Any, lam: Any) -> tuple[arb, arb]:
    """Balls for the eigenvalue moduli of d(mu~, nu~)/d(mu, nu) at (M, 1, V, 1): the two real
    eigenvalues when the discriminant is provably positive, twice the modulus sqrt(det) of a
    complex pair when it is provably negative, two undecided (nan) balls otherwise."""
    with ctx.workprec(128):
        a, b, c, d = jacobian_arb(mean, 1, variance, 1, alpha, lam, prec=128)
        trace, det = a + d, a * d - b * c
        disc = trace * trace - 4 * det
        if disc > 0:
            root = disc.sqrt()
            return (trace + root) / 2, (trace - root) / 2
        if disc < 0:
            return det.sqrt(), det.sqrt()
        return arb("nan"), arb("nan")


def grid_counterexamples(
    box: Box, alpha: Any, lam: Any, mean_target: tuple, variance_target: tuple
) -> dict[str, dict[str, Any] | None]:
    """Counterexamples aimed by the float grid and proved in ball arithmetic: the grid point
    of largest spectral norm (a witness against the contraction when its norm is provably
    >= 1) and those of extreme mu~ and nu~ (witnesses against maps-into when provably outside
    the open target). None where the aimed point does not violate the claim."""
    with ctx.workprec(128):
        a, l = as_arb(alpha, "alpha"), as_arb(lam, "lambda")
        grid = grid_values(box, float(a.mid()), float(l.mid()))

        def at(flat_index: int) -> tuple[dict[str, Fraction], tuple[arb, ...]]:
            point = grid.point(flat_index)
            return point, tuple(ball(point[v]) for v in VARIABLES)

        def shown(point: dict[str, Fraction]) -> dict[str, str]:
            return {k: str(v) for k, v in point.items()}

        found: dict[str, dict[str, Any] | None] = {"contraction": None, "maps_into": None}
        point, balls = at(int(np.argmax(grid.norm)))
        norm = spectral_norm_ball(paper_jacobian(*balls, a, l))
        if norm >= 1:
            found["contraction"] = {"point": shown(point), "spectral_norm": ball_text(norm, 12)}
        candidates = [
            (0, "mu~", np.argmin(grid.mean), np.argmax(grid.mean), mean_target),
            (1, "nu~", np.argmin(grid.variance), np.argmax(grid.variance), variance_target),
        ]
        for k, name, low_index, high_index, (low, high) in candidates:
            for flat in (int(low_index), int(high_index)):
                point, balls = at(flat)
                value = paper_moments(*balls, a, l)[k]
                if value <= ball(Fraction(low)) or value >= ball(Fraction(high)):
                    found["maps_into"] = {"point": shown(point), name: ball_text(value, 12)}
                    break
            if found["maps_into"]:
                break
    return found


def prove_fixed_point_contraction(
    mean: Any, variance: Any, alpha: Any, lam: Any, time_limit: float = 240.0
) -> FixedPointContraction:
    """Prove, for the given (alpha, lambda) (exact decimals, e.g. those `selu-constants`
    prints), that g is a contraction on `fixed_point_shape_box(mean, variance)` and maps its
    (mu, nu) rectangle into itself; or find a point where either provably fails (first at
    points a float grid aims at, then during the subdivision)."""
    box = fixed_point_shape_box(mean, variance)
    constants = (alpha, lam)
    (mu_lo, mu_hi), _, (nu_lo, nu_hi), _ = box.sides
    found = grid_counterexamples(box, alpha, lam, (mu_lo, mu_hi), (nu_lo, nu_hi))
    if found["contraction"] is None:
        contraction = prove_contraction(
            max_boxes=2_000_000,
            domain=box,
            time_limit=time_limit,
            constants=constants,
            find_witness=True,
        )
    else:
        contraction = ContractionResult(
            proved=False,
            domain=box,
            threshold=Fraction(1),
            boxes_evaluated=0,
            boxes_verified=0,
            max_bound=Fraction(0),
            worst_box=None,
            seconds=0.0,
            precision_bits=128,
            reason="a grid point has spectral norm >= 1 (see the counterexample)",
            counterexample=found["contraction"],
        )
    if found["maps_into"] is None:
        image = prove_maps_into(
            domain=box,
            mean_target=(mu_lo, mu_hi),
            variance_target=(nu_lo, nu_hi),
            max_boxes=2_000_000,
            time_limit=time_limit,
            constants=constants,
            find_witness=True,
        )
    else:
        empty = (Fraction(0), Fraction(0))
        image = ImageResult(
            proved=False,
            domain=box,
            target=((mu_lo, mu_hi), (nu_lo, nu_hi)),
            mean_range=empty,
            variance_range=empty,
            boxes_evaluated=0,
            boxes_verified=0,
            seconds=0.0,
            precision_bits=128,
            reason="a grid point is mapped outside the rectangle (see the counterexample)",
            counterexample=found["maps_into"],
        )
    eigenvalues = unit_weight_eigenvalues(mean, variance, alpha, lam)
    return FixedPointContraction(str(alpha), str(lam), box, contraction, image, eigenvalues)
