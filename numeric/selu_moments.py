"""SELU's moments under a Gaussian and alpha dropout's affine correction: the formulas,
written once, generic over the arithmetic.

`gaussian_parts`, `mean_of` and `second_moment_of` give E[selu(z)] and E[selu(z)^2] for
z ~ N(m, s) from the Gaussian expectations they are built from; they run on SymPy
expressions, on arb balls and on forward-mode duals (numeric.intervals' `sqrt_of`, `exp_of`,
`erfc_of`). `dropped_moments` and `alpha_dropout_affine` give alpha dropout's (a, b) exactly
(SymPy). The proofs (`proofs.selu`: selu.moments_closed_form, selu.interval_formulas,
selu.alpha_dropout, the contraction) prove these formulas; the measurements
(numeric.experiments.selu_depth) iterate the same ones in floats (`moment_map`), so a
measured layer is compared with the map the theorems are about, not with a copy of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp
from flint import arb, ctx

from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA, exact_number
from derivations.errors import ReluproofError
from numeric.intervals import constant_like, enclose, erfc_of, exp_of, sqrt_of


@dataclass(frozen=True)
class GaussianParts:
    """The Gaussian expectations every SELU moment is built from, for z ~ N(m, s)."""

    m: arb
    s: arb
    sd: arb  # sqrt(s)
    cdf_pos: arb  # P(z > 0) = Phi(m/sd)
    cdf_neg: arb  # P(z < 0) = Phi(-m/sd)
    density: arb  # phi(m/sd); the density of z at 0 is density / sd
    exp1: arb  # E[e^z ; z < 0] = e^(m+s/2) Phi(-(m+s)/sd)
    exp2: arb  # E[e^2z; z < 0] = e^(2m+2s) Phi(-(m+2s)/sd)


def phi_cdf(x: Any) -> Any:
    return erfc_of(-x / sqrt_of(constant_like(sp.Integer(2), x))) / 2


def gaussian_parts(m: Any, s: Any) -> GaussianParts:
    sd = sqrt_of(s)
    return GaussianParts(
        m=m,
        s=s,
        sd=sd,
        cdf_pos=phi_cdf(m / sd),
        cdf_neg=phi_cdf(-m / sd),
        density=exp_of(-(m * m) / (2 * s)) / sqrt_of(2 * constant_like(sp.pi, s)),
        exp1=exp_of(m + s / 2) * phi_cdf(-(m + s) / sd),
        exp2=exp_of(2 * m + 2 * s) * phi_cdf(-(m + 2 * s) / sd),
    )


def mean_of(g: GaussianParts, alpha: arb, lam: arb) -> arb:
    return lam * (g.m * g.cdf_pos + g.sd * g.density + alpha * (g.exp1 - g.cdf_neg))


def second_moment_of(g: GaussianParts, alpha: arb, lam: arb) -> arb:
    positive = (g.m * g.m + g.s) * g.cdf_pos + g.m * g.sd * g.density
    negative = g.exp2 - 2 * g.exp1 + g.cdf_neg
    return lam * lam * (positive + alpha * alpha * negative)


def _dropout_keep(q: Any) -> sp.Expr:
    keep = exact_number(q, "keep probability q") if not isinstance(q, sp.Basic) else q
    if keep.is_number and not (0 < keep <= 1):
        raise ReluproofError(f"the keep probability q must lie in (0, 1]; got {keep}.")
    return keep


def dropped_moments(q: Any, saturation: Any, mean: Any, variance: Any) -> tuple[sp.Expr, sp.Expr]:
    """(E, Var) of x*d + saturation*(1 - d), d ~ Bernoulli(q) independent of x, E[x] = mean,
    Var[x] = variance: E = q*mean + (1-q)*saturation and
    Var = q*(variance + mean^2) + (1-q)*saturation^2 - E^2
        = q*variance + q(1-q)(mean - saturation)^2."""
    q, sat, mu, nu = (sp.sympify(v) for v in (q, saturation, mean, variance))
    expected = q * mu + (1 - q) * sat
    second = q * (nu + mu**2) + (1 - q) * sat**2
    return expected, second - expected**2


def alpha_dropout_affine(
    q: Any, alpha: Any = SELU_ALPHA, lam: Any = SELU_LAMBDA, mean: Any = 0, variance: Any = 1
) -> tuple[sp.Expr, sp.Expr]:
    """(a, b) of alpha dropout with keep probability q (Klambauer et al. 2017), for inputs at
    the fixed point (mean, variance) of SELU with these alpha, lambda.

    A dropped unit is set to alpha' = -lambda*alpha (SELU's negative saturation value) and
    the layer output becomes a * x + b. With the dropped variable's moments E and Var
    (`dropped_moments`), a = sqrt(variance / Var) and b = mean - a*E restore the input's mean
    and variance (theorem `selu.alpha_dropout`); at (0, 1) these are the paper's
    a = (q + alpha'^2 q (1-q))^(-1/2), b = -a (1-q) alpha'.
    """
    keep = _dropout_keep(q)
    mu = exact_number(mean, "mean") if not isinstance(mean, sp.Basic) else mean
    nu = exact_number(variance, "variance") if not isinstance(variance, sp.Basic) else variance
    if nu.is_number and not nu > 0:
        raise ReluproofError(f"the variance must be positive; got {nu}.")
    saturation = -sp.sympify(lam) * sp.sympify(alpha)
    if mu == 0 and nu == 1:  # the paper's form, unchanged
        a = (keep + saturation**2 * keep * (1 - keep)) ** sp.Rational(-1, 2)
        return a, -a * (1 - keep) * saturation
    expected, _ = dropped_moments(keep, saturation, mu, nu)
    a = sp.sqrt(nu / (keep * nu + keep * (1 - keep) * (mu - saturation) ** 2))
    return a, mu - a * expected


def moment_map(
    mean: float, variance: float, keep: float | None = None, prec: int = 64
) -> tuple[float, float]:
    """One layer of the mean-field map in floats: inputs of mean `mean` and variance
    `variance` through a LeCun-normal layer of infinite width (pre-activations
    z ~ N(0, variance + mean^2): the paper's g at omega = 0, tau = 1 + mean^2/variance), then
    SELU; with `keep`, then alpha dropout with the (a, b) of `alpha_dropout_affine(keep)`.
    Evaluated in arb at `prec` bits and rounded to float64 (a measurement's comparison, not
    a proof)."""
    with ctx.workprec(prec):
        s = arb(float(variance)) + arb(float(mean)) ** 2
        parts = gaussian_parts(arb(0), s)
        alpha, lam = enclose(SELU_ALPHA, prec), enclose(SELU_LAMBDA, prec)
        out_mean = mean_of(parts, alpha, lam)
        out_variance = second_moment_of(parts, alpha, lam) - out_mean * out_mean
        m, v = float(out_mean.mid()), float(out_variance.mid())
    if keep is not None and keep < 1:
        a, b = (float(x) for x in alpha_dropout_affine(sp.Rational(str(keep))))
        saturation = -float(SELU_LAMBDA * SELU_ALPHA)
        dropped_mean, dropped_variance = (float(x) for x in dropped_moments(keep, saturation, m, v))
        m, v = a * dropped_mean + b, a * a * dropped_variance
    return m, v
