"""The moments of selu(z) for z ~ N(m, s): closed forms, integrals, balls and derivatives.

The paper's closed forms in erfc and exp (`moments_sympy`, `moments_paper_sympy`) are proved
equal to SymPy's integrals of the catalogue's definition (`integrated_moments`, theorem
`selu.moments_closed_form`). The same formulas, written once over the Gaussian expectations
they are built from (`gaussian_parts`), run on arb balls (`moments_arb`,
`moments_paper_arb`, `jacobian_arb`), on forward-mode duals (gradient enclosures for the
contraction proof) and on SymPy symbols -- the last to prove them equal to the closed forms
and their derivatives (theorem `selu.interval_formulas`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sympy as sp
from flint import arb, ctx

from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA, z
from derivations.errors import ReluproofError
from numeric.decimals import ball_text
from numeric.intervals import Dual
from numeric.selu_moments import (  # the formulas, shared with the measurements
    GaussianParts,
    gaussian_parts,
    mean_of,
    second_moment_of,
)
from proofs.selu.base import (
    ALPHA,
    LAMBDA,
    MU,
    NU,
    OMEGA,
    SELU,
    TAU,
    M,
    S,
    as_arb,
    selu_constants_arb,
)
from proofs.theorem import Method, Verdict, proved, theorem, undecided


@dataclass(frozen=True)
class SymbolicMoments:
    """E[selu(z)], E[selu(z)^2] and Var[selu(z)] as SymPy expressions."""

    mean: sp.Expr
    second_moment: sp.Expr

    @property
    def variance(self) -> sp.Expr:
        return self.second_moment - self.mean**2

    def to_dict(self) -> dict[str, str]:
        return {
            "mean": str(self.mean),
            "second_moment": str(self.second_moment),
            "variance": str(self.variance),
        }


@dataclass(frozen=True)
class ArbMoments:
    """Rigorous balls for E[selu(z)], E[selu(z)^2] and Var[selu(z)]."""

    mean: arb
    second_moment: arb
    variance: arb
    prec: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": ball_text(self.mean),
            "second_moment": ball_text(self.second_moment),
            "variance": ball_text(self.variance),
            "precision_bits": self.prec,
        }


def _symbolic_variance(nu: Any) -> sp.Expr:
    nu = sp.sympify(nu)
    if nu.is_positive is False or nu.is_zero:
        raise ReluproofError(f"the variance must be positive; got {nu}.")
    return nu


def moments_sympy(
    mu: Any, nu: Any, alpha: Any = SELU_ALPHA, lam: Any = SELU_LAMBDA
) -> SymbolicMoments:
    """The paper's closed forms of E[selu(z)] and E[selu(z)^2] for z ~ N(mu, nu).

    Klambauer et al. (2017), eqs. for mu~ and xi~ with mu*omega -> mu, nu*tau -> nu (nu is
    the variance). Theorem `selu.moments_closed_form` proves them equal to the integrals.
    """
    m, s = sp.sympify(mu), _symbolic_variance(nu)
    a, l = sp.sympify(alpha), sp.sympify(lam)
    r = sp.sqrt(2 * s)
    gauss = sp.sqrt(2 / sp.pi) * sp.sqrt(s) * sp.exp(-(m**2) / (2 * s))
    mean = (
        l
        / 2
        * (
            m
            + gauss
            + m * sp.erf(m / r)
            - a * sp.erfc(m / r)
            + a * sp.exp(m + s / 2) * sp.erfc((m + s) / r)
        )
    )
    second = (
        l**2
        / 2
        * (
            (m**2 + s) * (1 + sp.erf(m / r))
            + a**2 * sp.erfc(m / r)
            - 2 * a**2 * sp.exp(m + s / 2) * sp.erfc((m + s) / r)
            + a**2 * sp.exp(2 * (m + s)) * sp.erfc((m + 2 * s) / r)
            + m * gauss
        )
    )
    return SymbolicMoments(mean, second)


def moments_paper_sympy(
    mu: Any = MU,
    omega: Any = OMEGA,
    nu: Any = NU,
    tau: Any = TAU,
    alpha: Any = SELU_ALPHA,
    lam: Any = SELU_LAMBDA,
) -> SymbolicMoments:
    """The paper's mu~ and xi~ (and nu~ = xi~ - mu~^2): z ~ N(mu*omega, nu*tau)."""
    return moments_sympy(
        sp.sympify(mu) * sp.sympify(omega), sp.sympify(nu) * sp.sympify(tau), alpha, lam
    )


@functools.lru_cache(maxsize=1)
def integrated_moments() -> SymbolicMoments:
    """E[selu(z)] and E[selu(z)^2] for z ~ N(m, s), integrated by SymPy from the catalogue.

    Free symbols: m, s (> 0) and the catalogue's alpha, lambda. Each piece of the catalogue's
    SELU is integrated against the normal density over its own interval.
    """
    density = sp.exp(-((z - M) ** 2) / (2 * S)) / sp.sqrt(2 * sp.pi * S)
    mean = sum(sp.integrate(p.expr * density, (z, p.lo, p.hi)) for p in SELU.pieces)
    second = sum(sp.integrate(p.expr**2 * density, (z, p.lo, p.hi)) for p in SELU.pieces)
    return SymbolicMoments(sp.sympify(mean), sp.sympify(second))


def moments_arb(
    mu: Any, nu: Any, alpha: Any = None, lam: Any = None, prec: int = 128
) -> ArbMoments:
    """Rigorous balls for the moments of selu(z), z ~ N(mu, nu); alpha, lam default to the
    exact alpha_01, lambda_01. Inputs may be arb balls (then every point is covered)."""
    with ctx.workprec(prec):
        m, s = as_arb(mu, "mean"), as_arb(nu, "variance")
        if not s > 0:
            raise ReluproofError(f"the variance must be positive; got {nu}.")
        a0, l0 = selu_constants_arb(prec)
        a = +a0 if alpha is None else as_arb(alpha, "alpha")
        l = +l0 if lam is None else as_arb(lam, "lambda")
        g = gaussian_parts(m, s)
        mean, second = mean_of(g, a, l), second_moment_of(g, a, l)
        return ArbMoments(mean, second, second - mean * mean, prec)


def moments_paper_arb(
    mu: Any, omega: Any, nu: Any, tau: Any, alpha: Any = None, lam: Any = None, prec: int = 128
) -> ArbMoments:
    """The paper's mu~, xi~, nu~ in ball arithmetic: z ~ N(mu*omega, nu*tau)."""
    with ctx.workprec(prec):
        m = as_arb(mu, "mu") * as_arb(omega, "omega")
        s = as_arb(nu, "nu") * as_arb(tau, "tau")
        return moments_arb(m, s, alpha, lam, prec)


# ---- derivatives of the moments, in the form the interval proofs evaluate ---------------
#
# For a Gaussian z ~ N(m, s), d/dm E[f(z)] = E[f'(z)] and d/ds E[f(z)] = E[f''(z)]/2 (the
# heat equation), f'' taken as a distribution. selu has a kink at 0, so E[selu''] picks up
# the jump lambda*(1 - alpha) times the density at 0; selu^2 is C^1 and has no such term.
# Theorem `selu.interval_formulas` proves them equal to SymPy's derivatives of the closed forms.


def moment_partials(g: GaussianParts, alpha: arb, lam: arb) -> tuple[arb, arb, arb, arb]:
    """(d mean/dm, d mean/ds, d second/dm, d second/ds)."""
    lam2, alpha2 = lam * lam, alpha * alpha
    mean_m = lam * (g.cdf_pos + alpha * g.exp1)
    mean_s = lam / 2 * (alpha * g.exp1 + (1 - alpha) * g.density / g.sd)
    second_m = 2 * lam2 * (g.m * g.cdf_pos + g.sd * g.density + alpha2 * (g.exp2 - g.exp1))
    second_s = lam2 * (g.cdf_pos + alpha2 * (2 * g.exp2 - g.exp1))
    return mean_m, mean_s, second_m, second_s


def paper_jacobian(
    mu: arb, omega: arb, nu: arb, tau: arb, alpha: arb, lam: arb
) -> tuple[arb, arb, arb, arb]:
    """(J11, J12, J21, J22) of (mu, nu) -> (mu~, nu~), nu~ = xi~ - mu~^2, at fixed omega, tau.

    With m = mu*omega and s = nu*tau: d/dmu = omega d/dm and d/dnu = tau d/ds.
    """
    g = gaussian_parts(mu * omega, nu * tau)
    mean = mean_of(g, alpha, lam)
    mean_m, mean_s, second_m, second_s = moment_partials(g, alpha, lam)
    return (
        omega * mean_m,
        tau * mean_s,
        omega * (second_m - 2 * mean * mean_m),
        tau * (second_s - 2 * mean * mean_s),
    )


def jacobian_arb(
    mu: Any, omega: Any, nu: Any, tau: Any, alpha: Any = None, lam: Any = None, prec: int = 128
) -> tuple[arb, arb, arb, arb]:
    """Balls for the entries (J11, J12, J21, J22) of the Jacobian of the paper's map g."""
    with ctx.workprec(prec):
        a0, l0 = selu_constants_arb(prec)
        return paper_jacobian(
            as_arb(mu, "mu"),
            as_arb(omega, "omega"),
            as_arb(nu, "nu"),
            as_arb(tau, "tau"),
            +a0 if alpha is None else as_arb(alpha, "alpha"),
            +l0 if lam is None else as_arb(lam, "lambda"),
        )


def _symbolic_zero(expr: sp.Expr) -> bool:
    """True when SymPy simplifies expr (erf/erfc/exp in m, s, ...) to exactly 0."""
    e = sp.expand(sp.sympify(expr).rewrite(sp.erfc))
    e = sp.powsimp(e, combine="exp")
    e = e.replace(lambda x: isinstance(x, sp.exp), lambda x: sp.exp(sp.expand(x.args[0])))
    return sp.simplify(e) == 0


def paper_moments(mu: arb, omega: arb, nu: arb, tau: arb, alpha: arb, lam: arb) -> tuple[arb, arb]:
    """(mu~, nu~) of the paper's map g."""
    g = gaussian_parts(mu * omega, nu * tau)
    mean = mean_of(g, alpha, lam)
    return mean, second_moment_of(g, alpha, lam) - mean * mean


@theorem(
    "selu.moments_closed_form",
    r"For $z \sim \mathcal{N}(m, s)$, all real $m$, $s > 0$, $\alpha$, $\lambda$: "
    r"$E[\mathrm{selu}(z)]$ and $E[\mathrm{selu}(z)^2]$, integrated from the catalogue's "
    r"definition, equal the closed forms $\tilde\mu$, $\tilde\xi$ of Klambauer et al. (2017) "
    r"in $\operatorname{erfc}$ and $\exp$.",
    Method.EXACT_SYMBOLIC,
)
def _prove_moments_closed_form() -> Verdict:
    integrated = integrated_moments()
    paper = moments_sympy(M, S, ALPHA, LAMBDA)
    differences = {
        "mean": integrated.mean - paper.mean,
        "second_moment": integrated.second_moment - paper.second_moment,
    }
    failed = [name for name, d in differences.items() if not _symbolic_zero(d)]
    if failed:
        return undecided(
            f"SymPy did not simplify integral - closed form to 0 for {', '.join(failed)}",
            integrated=integrated.to_dict(),
            closed_form=paper.to_dict(),
        )
    return proved(
        "SymPy's integrals of the catalogue SELU against the N(m, s) density minus the paper's "
        "closed forms simplify to exactly 0, for symbolic m, s, alpha, lambda",
        closed_form=paper.to_dict(),
        integrated=integrated.to_dict(),
        difference="0",
    )


@theorem(
    "selu.interval_formulas",
    r"The formulas the interval proofs evaluate are the paper's: run on SymPy symbols they give "
    r"$\tilde\mu$, $\tilde\xi$ for $z \sim \mathcal{N}(m, s)$, their four partial derivatives "
    r"in $m$ and $s$ (in the heat-equation form $\partial_m E[f(z)] = E[f'(z)]$, "
    r"$\partial_s E[f(z)] = \tfrac12 E[f''(z)]$), and the four entries of "
    r"$\partial(\tilde\mu, \tilde\nu)/\partial(\mu, \nu)$ for $z \sim "
    r"\mathcal{N}(\mu\omega, \nu\tau)$, each equal to the closed form or its SymPy derivative; "
    r"and the forward-differentiation rules behind the mean-value enclosures are exact.",
    Method.EXACT_SYMBOLIC,
)
def _prove_interval_formulas() -> Verdict:
    paper = moments_sympy(M, S, ALPHA, LAMBDA)
    parts = gaussian_parts(M, S)
    checks = {
        "mean": (mean_of(parts, ALPHA, LAMBDA), paper.mean),
        "second_moment": (second_moment_of(parts, ALPHA, LAMBDA), paper.second_moment),
    }
    partial_names = ("d_mean/dm", "d_mean/ds", "d_second/dm", "d_second/ds")
    targets = (
        sp.diff(paper.mean, M),
        sp.diff(paper.mean, S),
        sp.diff(paper.second_moment, M),
        sp.diff(paper.second_moment, S),
    )
    for name, form, target in zip(
        partial_names, moment_partials(parts, ALPHA, LAMBDA), targets, strict=True
    ):
        checks[name] = (form, target)
    g = moments_paper_sympy(MU, OMEGA, NU, TAU, ALPHA, LAMBDA)
    jacobian = paper_jacobian(MU, OMEGA, NU, TAU, ALPHA, LAMBDA)
    for (name, form), (f, x) in zip(
        zip(("J11", "J12", "J21", "J22"), jacobian, strict=True),
        ((g.mean, MU), (g.mean, NU), (g.variance, MU), (g.variance, NU)),
        strict=True,
    ):
        checks[name] = (form, sp.diff(f, x))
    for name, form, target in zip(
        ("mu~ (paper)", "nu~ (paper)"),
        paper_moments(MU, OMEGA, NU, TAU, ALPHA, LAMBDA),
        (g.mean, g.variance),
        strict=True,
    ):
        checks[name] = (form, target)
    # The differentiation rules of `Dual` (the gradients in the mean-value enclosures), run
    # on arbitrary SymPy functions u(x), v(x): each rule's result is d/dx of the operation;
    # a formula built from these rules therefore gets its exact gradient (chain rule).
    x = sp.Symbol("x", real=True)
    u, v = sp.Function("u")(x), sp.Function("v")(x)
    du, dv = Dual(u, (sp.diff(u, x),)), Dual(v, (sp.diff(v, x),))
    rules = {
        "u + v": (du + dv, u + v),
        "u - v": (du - dv, u - v),
        "-u": (-du, -u),
        "u * v": (du * dv, u * v),
        "u / v": (du / dv, u / v),
        "3 + u": (3 + du, 3 + u),
        "3 - u": (3 - du, 3 - u),
        "3 * u": (3 * du, 3 * u),
        "3 / u": (3 / du, 3 / u),
        "u / 3": (du / 3, u / 3),
        "exp(u)": (du.exp(), sp.exp(u)),
        "sqrt(u)": (du.sqrt(), sp.sqrt(u)),
        "erfc(u)": (du.erfc(), sp.erfc(u)),
    }
    for name, (dual, plain) in rules.items():
        checks[f"rule d/dx {name}"] = (dual.grad[0], sp.diff(plain, x))
        checks[f"rule value {name}"] = (dual.value, plain)
    failed = [name for name, (form, target) in checks.items() if not _symbolic_zero(form - target)]
    if failed:
        return undecided(f"SymPy did not simplify formula - closed form to 0 for {failed}")
    return proved(
        f"each of the {len(checks)} formulas minus its closed form (or SymPy derivative) "
        "simplifies to exactly 0",
        formulas={name: str(checks[name][0]) for name in ("mean", "second_moment", *partial_names)},
    )
