"""SELU parameters for any other fixed point (mean, variance) of the moment map.

`solve_alpha_lambda` solves the fixed-point equations in closed form -- a quadratic in alpha
whose coefficients are Gaussian expectations -- in ball arithmetic, rounds the solution
correctly and checks it by substitution.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp
from flint import arb, ctx

from derivations.catalogue import exact_number
from derivations.errors import ReluproofError
from numeric.decimals import LOG2_10, ball_text, check_digits, decimal_text, significant
from numeric.intervals import ball, ends
from proofs.selu.moments import gaussian_parts, moments_arb


@dataclass(frozen=True)
class FixedPointSolution:
    """SELU parameters (alpha, lambda) for which (mean, variance) is a fixed point.

    Formulation (the SELU authors' `getSELUparameters` notebook, i.e. the paper's map g with
    omega = tau = 1): for z ~ N(mean, variance), E[selu(z)] = mean and Var[selu(z)] =
    variance. At (0, 1) it gives alpha_01, lambda_01 (there it coincides with omega = 0,
    tau = 1). With omega = 0 literally, z ~ N(0, nu) whatever mu is, so the input mean could
    not matter; the authors' code, and this, feed the fixed point's own mean and variance.
    `alternatives` lists any other admissible (alpha > 0, lambda > 0) solution, the primary
    being the one nearest (alpha_01, lambda_01).
    """

    mean: str
    variance: str
    alpha: str
    lam: str
    digits: int
    residual_mean: str  # E[selu(z)] - mean at the printed (rounded) alpha, lambda: a ball
    residual_variance: str
    alternatives: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "variance": self.variance,
            "alpha": self.alpha,
            "lambda": self.lam,
            "digits": self.digits,
            "residual_mean": self.residual_mean,
            "residual_variance": self.residual_variance,
            "alternatives": [list(a) for a in self.alternatives],
        }


def _fixed_point_roots(m: Fraction, s: Fraction, prec: int) -> list[tuple[arb, arb]] | None:
    """Balls for every admissible (alpha, lambda); None if `prec` cannot decide.

    With P = E[z; z>0], Q = E[e^z - 1; z<=0], R = E[z^2; z>0], S = E[(e^z - 1)^2; z<=0]:
    lambda (P + alpha Q) = m and lambda^2 (R + alpha^2 S) = m^2 + s. Eliminating lambda gives
    the quadratic (m^2+s)(P + alpha Q)^2 = m^2 (R + alpha^2 S); then lambda = m / (P + alpha Q)
    (or, for m = 0, alpha = -P/Q and lambda = sqrt(s / (R + alpha^2 S))).
    """
    with ctx.workprec(prec):
        ma, sa = ball(m), ball(s)
        g = gaussian_parts(ma, sa)
        p = ma * g.cdf_pos + g.sd * g.density
        q = g.exp1 - g.cdf_neg
        r = (ma * ma + sa) * g.cdf_pos + ma * g.sd * g.density
        sq = g.exp2 - 2 * g.exp1 + g.cdf_neg
        if m == 0:
            alpha = -p / q
            candidates = [(alpha, (sa / (r + alpha * alpha * sq)).sqrt())]
        else:
            total = ma * ma + sa
            a2 = total * q * q - ma * ma * sq
            a1 = 2 * total * p * q
            a0 = total * p * p - ma * ma * r
            if a2.contains(0):
                return None
            disc = a1 * a1 - 4 * a2 * a0
            if disc < 0:
                return []
            if not disc > 0:
                return None
            root = disc.sqrt()
            alphas = [(-a1 + root) / (2 * a2), (-a1 - root) / (2 * a2)]
            candidates = []
            for alpha in alphas:
                lam = ma / (p + alpha * q)
                candidates.append((alpha, lam))
        admissible = []
        for alpha, lam in candidates:
            if not (alpha.is_finite() and lam.is_finite()):
                return None
            if alpha.contains(0) or lam.contains(0):
                return None
            if alpha > 0 and lam > 0:
                admissible.append((alpha, lam))
        return admissible


def solve_alpha_lambda(mean: Any, variance: Any, digits: int = 30) -> FixedPointSolution:
    """alpha, lambda (correctly rounded to `digits`) making (mean, variance) a fixed point.

    See `FixedPointSolution` for the formulation. Solved in closed form (a quadratic in alpha
    whose coefficients are Gaussian expectations) in ball arithmetic, then checked by
    substitution. Raises ReluproofError when no alpha > 0, lambda > 0 exists.
    """
    check_digits(digits)
    m_exact = exact_number(mean, "mean")
    s_exact = exact_number(variance, "variance")
    if not (m_exact.is_Rational and s_exact.is_Rational):
        raise ReluproofError("mean and variance must be rational numbers, e.g. 0.1 or 1/3.")
    if s_exact <= 0:
        raise ReluproofError(f"the variance must be positive; got {s_exact}.")
    m = Fraction(int(m_exact.p), int(m_exact.q))
    s = Fraction(int(s_exact.p), int(s_exact.q))
    prec = int(digits * LOG2_10) + 64
    for _ in range(10):
        roots = _fixed_point_roots(m, s, prec)
        if roots is not None:
            if not roots:
                raise ReluproofError(
                    f"no SELU parameters alpha > 0, lambda > 0 make (mean={m_exact}, "
                    f"variance={s_exact}) a fixed point; try a mean closer to 0."
                )
            texts = []
            for alpha, lam in roots:
                a_lo, a_hi = ends(alpha)
                l_lo, l_hi = ends(lam)
                ra, rb = significant(a_lo, digits), significant(a_hi, digits)
                la, lb = significant(l_lo, digits), significant(l_hi, digits)
                if ra != rb or la != lb:
                    break
                texts.append((decimal_text(*ra), decimal_text(*la)))
            else:
                # the root nearest the standard (alpha_01, lambda_01) comes first
                texts.sort(key=lambda t: abs(float(t[0]) - 1.6733) + abs(float(t[1]) - 1.0507))
                return _checked_solution(m, s, texts, digits)
        prec *= 2
    raise ArithmeticError(f"could not isolate the fixed-point equations' roots at {prec} bits")


def _checked_solution(
    m: Fraction, s: Fraction, texts: list[tuple[str, str]], digits: int
) -> FixedPointSolution:
    """Substitute the rounded (alpha, lambda) back into the moments and bound the residuals."""
    alpha_text, lam_text = texts[0]
    prec = int(digits * LOG2_10) + 64
    moments = moments_arb(m, s, alpha_text, lam_text, prec)
    with ctx.workprec(prec):
        res_mean = moments.mean - ball(m)
        res_var = moments.variance - ball(s)
    # Rounding alpha, lambda to `digits` digits moves the moments by about 10^-digits times
    # their scale; a larger residual would mean a wrong solution, not a rounded one.
    tolerance = Fraction(10) ** (3 - digits) * (1 + abs(m) + s) ** 2
    largest = max(abs(x) for x in (*ends(res_mean), *ends(res_var)))
    if largest >= tolerance:
        raise ArithmeticError(f"substitution check failed: residuals {res_mean}, {res_var}")
    return FixedPointSolution(
        mean=str(sp.Rational(m.numerator, m.denominator)),
        variance=str(sp.Rational(s.numerator, s.denominator)),
        alpha=alpha_text,
        lam=lam_text,
        digits=digits,
        residual_mean=ball_text(res_mean, 5),
        residual_variance=ball_text(res_var, 5),
        alternatives=tuple(texts[1:]),
    )
