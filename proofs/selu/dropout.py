"""Alpha dropout: the affine correction (a, b) that keeps a fixed point's mean and variance.

A dropped unit is set to SELU's negative saturation alpha' = -lambda*alpha and the layer
output becomes a*x + b. For inputs of mean mu and variance nu the dropped variable has mean
E = q mu + (1-q) alpha' and variance q nu + q(1-q)(mu - alpha')^2 (`dropped_moments`);
a = sqrt(nu / that variance), b = mu - a E restore (mu, nu) (`alpha_dropout_affine`, derived
by SymPy from the moment equations in `derive_alpha_dropout`, theorem `selu.alpha_dropout`).
At (0, 1) they are the paper's a = (q + alpha'^2 q(1-q))^(-1/2), b = -a(1-q) alpha'.
"""

from __future__ import annotations

import sympy as sp

from numeric.selu_moments import (  # the formulas, shared with the measurements
    alpha_dropout_affine,
    dropped_moments,
)
from proofs.selu.base import MU, NU
from proofs.theorem import Method, Verdict, proved, theorem, undecided


def derive_alpha_dropout() -> dict[str, sp.Expr]:
    """Solve E[a*x' + b] = mu, Var[a*x' + b] = nu for a > 0 and b, x' the dropped variable
    (`dropped_moments`), with symbolic q, alpha', mu, nu.

    Var[a*x' + b] = a^2 Var[x'] is linear in a^2: SymPy solves it for a^2, a is its positive
    square root (Var[x'] >= q*nu > 0 for q in (0, 1]), and the mean equation, linear in b,
    gives b.
    """
    q = sp.Symbol("q", positive=True)
    saturation = sp.Symbol("alpha_prime", real=True)
    a_squared, b = sp.Symbol("A", positive=True), sp.Symbol("b", real=True)
    expected, dropped_variance = dropped_moments(q, saturation, MU, NU)
    (a_squared_value,) = sp.solve(a_squared * dropped_variance - NU, a_squared)
    a = sp.sqrt(sp.factor(a_squared_value))
    (b_value,) = sp.solve(a * expected + b - MU, b)
    return {"q": q, "alpha_prime": saturation, "a": a, "b": b_value}


@theorem(
    "selu.alpha_dropout",
    r"For keep probability $q \in (0, 1]$, any $\alpha'$, $\mu$, $\nu > 0$, $x$ with "
    r"$E[x] = \mu$, $\operatorname{Var}[x] = \nu$ and $d \sim \mathrm{Bernoulli}(q)$ "
    r"independent of $x$: $y = a(xd + \alpha'(1-d)) + b$ has $E[y] = \mu$ and "
    r"$\operatorname{Var}[y] = \nu$ exactly when $a = \sqrt{\nu / (q\nu + q(1-q)(\mu - "
    r"\alpha')^2)}$ ($a > 0$) and $b = \mu - a(q\mu + (1-q)\alpha')$; at $(\mu, \nu) = (0, 1)$ "
    r"these are the paper's $a = (q + \alpha'^2 q(1-q))^{-1/2}$, $b = -a(1-q)\alpha'$.",
    Method.EXACT_SYMBOLIC,
)
def _prove_alpha_dropout() -> Verdict:
    derived = derive_alpha_dropout()
    q, saturation = derived["q"], derived["alpha_prime"]
    # alpha_dropout_affine builds alpha' = -lambda*alpha; alpha = -alpha', lambda = 1 gives
    # a general alpha'.
    a, b = alpha_dropout_affine(q, -saturation, 1, MU, NU)
    second_x = NU + MU**2  # E[x^2]
    kept_mean = a * MU + b  # E[y | d = 1]
    kept_second = a**2 * second_x + 2 * a * b * MU + b**2  # E[y^2 | d = 1]
    dropped = a * saturation + b  # y when d = 0
    checks = {
        "E[y] - mu": q * kept_mean + (1 - q) * dropped - MU,
        "E[y^2] - (nu + mu^2)": q * kept_second + (1 - q) * dropped**2 - second_x,
        # a and SymPy's a are positive square roots: equal squares mean equal values; then
        # b = mu - a*E[x'] is SymPy's b too.
        "a^2 - a_solved^2": a**2 - derived["a"] ** 2,
        "b_solved - (mu - a_solved*E[x'])": derived["b"]
        - (MU - derived["a"] * (q * MU + (1 - q) * saturation)),
    }
    standard_a, standard_b = alpha_dropout_affine(q, -saturation, 1)
    at_standard = {MU: 0, NU: 1}
    # a and the paper's a are positive square roots: equal squares mean equal values.
    checks["a(0, 1)^2 - paper a^2"] = a.subs(at_standard) ** 2 - standard_a**2
    checks["b(0, 1) - paper b (at a = paper a)"] = (
        b.subs(at_standard).subs(a.subs(at_standard), standard_a) - standard_b
    )
    failed = [name for name, d in checks.items() if sp.simplify(d) != 0]
    if failed:
        return undecided(f"SymPy did not simplify to 0: {', '.join(failed)}")
    numbers = {}
    for keep in ("0.95", "0.9", "0.8"):
        ka, kb = alpha_dropout_affine(keep)
        numbers[keep] = {"a": f"{float(ka):.12g}", "b": f"{float(kb):.12g}"}
    return proved(
        "E[y] - mu and E[y^2] - (nu + mu^2), computed exactly over d in {0, 1} with symbolic "
        "q, alpha', mu, nu, simplify to 0; SymPy's solution of the two moment equations "
        "(a^2 linear, a > 0) is the same (a, b), and at (mu, nu) = (0, 1) it is the paper's",
        a=str(a),
        b=str(b),
        solved={"a": str(derived["a"]), "b": str(derived["b"])},
        standard={"a": str(standard_a), "b": str(standard_b)},
        checks={name: "0" for name in checks},
        at_selu_constants_float_measurement=numbers,
    )
