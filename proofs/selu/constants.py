"""alpha_01 and lambda_01: derived from first principles and digit by digit.

`derive_constants` solves E[selu(z)] = 0, E[selu(z)^2] = 1 for z ~ N(0, 1) from the
catalogue's definition; theorems `selu.constants_closed_form` and `selu.fixed_point` prove the
solution equal to the catalogue's closed forms (as rational functions of independent symbols:
`_rational_normal_form`). `selu_constants` gives their digits correctly rounded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA, z
from numeric.decimals import ball_text, check_digits, correctly_rounded
from numeric.intervals import enclose
from proofs.selu.base import ALPHA, LAMBDA, SELU
from proofs.theorem import Method, Verdict, proved, theorem, undecided


def selu_constants(digits: int) -> dict[str, str]:
    """alpha_01 and lambda_01 with `digits` significant digits, correctly rounded.

    >>> selu_constants(5)
    {'alpha': '1.6733', 'lambda': '1.0507'}
    """
    check_digits(digits)
    return {
        "alpha": correctly_rounded(lambda prec: enclose(SELU_ALPHA, prec), digits),
        "lambda": correctly_rounded(lambda prec: enclose(SELU_LAMBDA, prec), digits),
    }


@dataclass(frozen=True)
class DerivedConstants:
    """alpha_01 and lambda_01 as solved from the fixed-point equations at z ~ N(0, 1)."""

    alpha: sp.Expr
    lam: sp.Expr
    mean_equation: sp.Expr  # E[selu(z)] = 0, linear in alpha, lambda a common factor
    second_moment_equation: sp.Expr  # E[selu(z)^2] = 1, lambda^2 times a function of alpha

    def to_dict(self) -> dict[str, str]:
        return {
            "alpha": str(self.alpha),
            "lambda": str(self.lam),
            "mean_equation": f"{self.mean_equation} = 0",
            "second_moment_equation": f"{self.second_moment_equation} = 1",
        }


@functools.lru_cache(maxsize=1)
def derive_constants() -> DerivedConstants:
    """Solve E[selu(z)] = 0 and E[selu(z)^2] = 1 for z ~ N(0, 1), from the catalogue.

    E[selu(z)] = lambda * (linear in alpha), so alpha comes from the mean equation alone,
    independent of lambda. E[selu(z)^2] = lambda^2 * K(alpha), so lambda = K(alpha)^(-1/2),
    the positive root (the catalogue requires lambda > 0).
    """
    density = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    mean = sum(sp.integrate(p.expr * density, (z, p.lo, p.hi)) for p in SELU.pieces)
    second = sum(sp.integrate(p.expr**2 * density, (z, p.lo, p.hi)) for p in SELU.pieces)
    roots = sp.solve(sp.expand(mean / LAMBDA), ALPHA)
    if len(roots) != 1:
        raise ArithmeticError(f"the mean equation should be linear in alpha; roots {roots}")
    alpha = sp.simplify(roots[0].rewrite(sp.erfc))
    per_lambda2 = sp.expand(second / LAMBDA**2)
    if per_lambda2.has(LAMBDA):
        raise ArithmeticError("E[selu^2] should be lambda^2 times a function of alpha")
    scale_sq = sp.simplify(per_lambda2.subs(ALPHA, alpha).rewrite(sp.erfc))
    return DerivedConstants(alpha, 1 / sp.sqrt(scale_sq), mean, second)


_T = sp.Symbol("t", positive=True)  # stands for exp(1/2)
_R = sp.Symbol("r", positive=True)  # stands for sqrt(pi)


def _rational_normal_form(expr: sp.Expr) -> sp.Expr:
    """Write a constant expression as a rational function of independent symbols and cancel.

    erf -> 1 - erfc; exp(k/2) -> t^k; pi -> r^2; each distinct erfc(c) -> its own symbol.
    If the result is 0 the original is 0: an identity of rational functions in independent
    symbols stays true at any values where its denominators do not vanish.
    """
    e = sp.sympify(expr).rewrite(sp.erfc)
    e = e.replace(
        lambda x: isinstance(x, sp.exp) and x.args[0].is_Rational,
        lambda x: _T ** (2 * x.args[0]),
    )
    e = e.subs(sp.E, _T**2)
    atoms = sorted(e.atoms(sp.erfc), key=sp.default_sort_key)
    e = e.xreplace({f: sp.Symbol(f"u{i}", real=True) for i, f in enumerate(atoms)})
    e = e.subs(sp.pi, _R**2)
    return sp.cancel(sp.expand(e))


@theorem(
    "selu.constants_closed_form",
    r"Solving $E[\mathrm{selu}(z)] = 0$ and $E[\mathrm{selu}(z)^2] = 1$ for "
    r"$z \sim \mathcal{N}(0, 1)$ gives a unique $\alpha$ (from the mean equation alone, for "
    r"every $\lambda > 0$) and a unique $\lambda > 0$, and they equal the catalogue's "
    r"$\alpha_{01}$ and $\lambda_{01}$.",
    Method.EXACT_SYMBOLIC,
)
def _prove_constants_closed_form() -> Verdict:
    derived = derive_constants()
    alpha_difference = _rational_normal_form(derived.alpha - SELU_ALPHA)
    # lambda: both sides are positive reals, so equal squares (here: equal reciprocal
    # squares, which are sqrt-free) mean equal values.
    inverse_square_difference = _rational_normal_form(1 / derived.lam**2 - 1 / SELU_LAMBDA**2)
    prec = 128
    derived_lambda = enclose(derived.lam, prec)
    catalogue_lambda = enclose(SELU_LAMBDA, prec)
    positive = derived_lambda > 0 and catalogue_lambda > 0
    if alpha_difference != 0 or inverse_square_difference != 0 or not positive:
        return undecided(
            "the derived and catalogue forms were not shown equal",
            alpha_difference=str(alpha_difference),
            inverse_square_difference=str(inverse_square_difference),
        )
    return proved(
        "alpha_derived - alpha_catalogue and 1/lambda_derived^2 - 1/lambda_catalogue^2 cancel "
        "to exactly 0 as rational functions of erfc(1/sqrt2), erfc(sqrt2), exp(1/2), sqrt(pi); "
        "both lambdas are enclosed in balls > 0",
        derived=derived.to_dict(),
        catalogue={"alpha": str(SELU_ALPHA), "lambda": str(SELU_LAMBDA)},
        alpha_difference="0",
        inverse_square_difference="0",
        lambda_enclosures=[ball_text(derived_lambda), ball_text(catalogue_lambda)],
    )


@theorem(
    "selu.fixed_point",
    r"At $\alpha = \alpha_{01}$, $\lambda = \lambda_{01}$ and $z \sim \mathcal{N}(0, 1)$: "
    r"$E[\mathrm{selu}(z)] = 0$ and $E[\mathrm{selu}(z)^2] = 1$ exactly.",
    Method.EXACT_SYMBOLIC,
)
def _prove_fixed_point() -> Verdict:
    # The integrals at N(0, 1) taken directly (the general ones have removable 0/0 at m = 0).
    derived = derive_constants()
    at_constants = {ALPHA: SELU_ALPHA, LAMBDA: SELU_LAMBDA}
    mean = _rational_normal_form(derived.mean_equation.subs(at_constants))
    second = _rational_normal_form(derived.second_moment_equation.subs(at_constants) - 1)
    if mean != 0 or second != 0:
        return undecided(
            "the moments did not cancel to 0 and 1",
            mean=str(mean),
            second_moment_minus_1=str(second),
        )
    return proved(
        "E[selu(z)] and E[selu(z)^2] - 1, integrated from the catalogue at the catalogue's "
        "closed-form constants, cancel to exactly 0",
        mean="0",
        second_moment="1",
    )
