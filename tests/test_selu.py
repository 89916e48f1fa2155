"""Tests for the proofs.selu package: every SELU theorem's verdict, the constants' digits against an
independent oracle (mpmath), the moment formulas against numerical quadrature (SciPy, as a
measurement), the moment map's pull towards (0, 1), and the moonshot proofs."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import arb, ctx, fmpq
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from derivations.errors import ReluproofError
from numeric.decimals import decimal_text, significant
from numeric.intervals import ends
from proofs import selu
from proofs.selu import constants, moments
from proofs.selu.base import selu_constants_arb
from proofs.theorem import _REGISTRY, Status, run

ALPHA_01 = "1.6732632423543772848170429916717"
LAMBDA_01 = "1.0507009873554804934193349852946"


def selu_theorems(slow: bool) -> list[str]:
    return sorted(t for t, thm in _REGISTRY.items() if t.startswith("selu.") and thm.slow == slow)


@pytest.fixture(scope="module")
def reference_digits() -> dict[str, str]:
    """alpha_01, lambda_01 to 160 digits from mpmath, by the paper's formulas typed afresh."""
    with mpmath.workdps(200):
        erfc1 = mpmath.erfc(1 / mpmath.sqrt(2))
        e = mpmath.e
        alpha = -mpmath.sqrt(2 / mpmath.pi) / (erfc1 * mpmath.sqrt(e) - 1)
        lam = (
            (1 - erfc1 * mpmath.sqrt(e))
            * mpmath.sqrt(2 * mpmath.pi)
            / mpmath.sqrt(
                2 * mpmath.erfc(mpmath.sqrt(2)) * e**2
                + mpmath.pi * erfc1**2 * e
                - 2 * (2 + mpmath.pi) * erfc1 * mpmath.sqrt(e)
                + mpmath.pi
                + 2
            )
        )
        return {"alpha": mpmath.nstr(alpha, 160), "lambda": mpmath.nstr(lam, 160)}


def round_decimal(text: str, digits: int) -> str:
    with localcontext() as context:
        context.prec = digits
        context.rounding = ROUND_HALF_EVEN
        value = +Decimal(text)
    return format(value, "f")


# ---- theorems ---------------------------------------------------------------------------


@pytest.mark.parametrize("theorem_id", selu_theorems(slow=False))
def test_theorem_verdict_is_expected(theorem_id):
    result = run(_REGISTRY[theorem_id])
    assert result.verdict.status == result.theorem.expected, result.verdict.summary
    json.dumps(result.to_dict())  # the certificate must serialise


# This one takes half a minute or more in full; tests/test_selu_domains.py runs its code on
# small boxes, a too-large box among them.
RUN_ON_SMALL_BOXES = {"selu.largest_domain"}


@pytest.mark.parametrize(
    "theorem_id", [t for t in selu_theorems(slow=True) if t not in RUN_ON_SMALL_BOXES]
)
def test_moonshot_theorem_runs_in_full(theorem_id):
    # The full proofs take seconds, so they run here as they are, not on a shrunken domain.
    start = time.perf_counter()
    result = run(_REGISTRY[theorem_id])
    assert result.verdict.status == Status.PROVED, result.verdict.summary
    assert time.perf_counter() - start < 60


def test_expected_theorems_are_registered():
    ids = set(selu_theorems(False)) | set(selu_theorems(True))
    assert {
        "selu.constants_closed_form",
        "selu.fixed_point",
        "selu.float64_nearest",
        "selu.float32_nearest",
        "selu.seed_alpha_typo",
        "selu.seed_lambda_digits",
        "selu.alpha_dropout",
        "selu.jacobian",
        "selu.contraction",
    } <= ids
    assert _REGISTRY["selu.contraction"].slow
    assert _REGISTRY["selu.seed_alpha_typo"].expected == Status.REFUTED
    assert _REGISTRY["selu.seed_alpha_typo"].source.document == "003_bdd817aebe3d8cbc.txt"


def test_seed_lambda_certificate_names_the_right_digits():
    verdict = run(_REGISTRY["selu.seed_lambda_digits"]).verdict
    assert verdict.status == Status.REFUTED
    assert verdict.certificate["correctly_rounded"] == "1.050700987355480"
    assert "decimal place 14" in verdict.certificate["diagnosis"]


def test_seed_alpha_certificate_names_the_doubled_digit():
    verdict = run(_REGISTRY["selu.seed_alpha_typo"]).verdict
    assert verdict.certificate["correctly_rounded"] == "1.67326324235438"
    assert "extra digit '7'" in verdict.certificate["diagnosis"]


def test_symbolic_checks_can_fail():
    # A proof that cannot fail proves nothing: a perturbed formula must not simplify to 0.
    parts = moments.gaussian_parts(selu.M, selu.S)
    paper = selu.moments_sympy(selu.M, selu.S, selu.ALPHA, selu.LAMBDA)
    mean = moments.mean_of(parts, selu.ALPHA, selu.LAMBDA)
    assert moments._symbolic_zero(mean - paper.mean)
    assert not moments._symbolic_zero(mean - paper.mean + sp.exp(-selu.M) / 1000)
    assert constants._rational_normal_form(selu.SELU_ALPHA * Fraction(1000001, 1000000)) != 0


# ---- digits -----------------------------------------------------------------------------


def test_hundred_digits_match_known_values(reference_digits):
    # The 32-digit values quoted everywhere (TensorFlow's, the paper's code) are rounded.
    assert selu.selu_constants(32) == {"alpha": ALPHA_01, "lambda": LAMBDA_01}
    digits = selu.selu_constants(100)
    assert round_decimal(digits["alpha"], 32) == ALPHA_01
    assert round_decimal(digits["lambda"], 32) == LAMBDA_01
    assert len(digits["alpha"].replace(".", "")) == 100
    assert digits["alpha"] == round_decimal(reference_digits["alpha"], 100)
    assert digits["lambda"] == round_decimal(reference_digits["lambda"], 100)


def test_hundred_digits_take_under_a_second():
    selu.enclose.cache_clear()
    start = time.perf_counter()
    selu.selu_constants(100)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("digits", "alpha", "lam"),
    [
        (1, "2", "1"),
        (2, "1.7", "1.1"),
        (5, "1.6733", "1.0507"),
        (16, "1.673263242354377", "1.050700987355480"),
        (17, "1.6732632423543773", "1.0507009873554805"),
    ],
)
def test_small_digits_are_correctly_rounded(digits, alpha, lam):
    assert selu.selu_constants(digits) == {"alpha": alpha, "lambda": lam}


@given(st.integers(min_value=1, max_value=150))
def test_every_digit_count_rounds_like_decimal(reference_digits, digits):
    got = selu.selu_constants(digits)
    assert got["alpha"] == round_decimal(reference_digits["alpha"], digits)
    assert got["lambda"] == round_decimal(reference_digits["lambda"], digits)


@pytest.mark.parametrize("bad", [0, -1, 10_001, 2.5, True, "10", None])
def test_bad_digits_raise(bad):
    with pytest.raises(ReluproofError, match="digits"):
        selu.selu_constants(bad)


def test_rounding_handles_carries_and_ties():
    assert decimal_text(*significant(Fraction(99996, 100000), 4)) == "1.000"
    assert decimal_text(*significant(Fraction(125, 1000), 2)) == "0.12"
    assert decimal_text(*significant(Fraction(135, 1000), 2)) == "0.14"
    assert decimal_text(*significant(Fraction(-2675, 1000), 3)) == "-2.68"


def test_ten_thousand_digits():
    digits = selu.selu_constants(10_000)
    assert len(digits["alpha"]) == 10_001 and digits["alpha"].startswith(ALPHA_01[:-1])


# ---- nearest floats and printed digits --------------------------------------------------


def test_nearest_float64():
    alpha = selu.nearest_float(selu.SELU_ALPHA, "float64")
    lam = selu.nearest_float(selu.SELU_LAMBDA, "binary64")
    assert alpha.proved and lam.proved
    assert alpha.value == 1.6732632423543772 and alpha.hex == (1.6732632423543772).hex()
    assert lam.value == 1.0507009873554805 and lam.repr == "1.0507009873554805"


def test_nearest_float32():
    alpha = selu.nearest_float(selu.SELU_ALPHA, "float32")
    lam = selu.nearest_float(selu.SELU_LAMBDA, "float32")
    assert alpha.proved and lam.proved
    assert alpha.value == float(np.float32(1.6732632423543772)) and alpha.repr == "1.6732632"
    assert lam.value == float(np.float32(1.0507009873554805)) and lam.repr == "1.050701"
    low, high = (Fraction(x) for x in alpha.interval)
    assert low < Fraction(ALPHA_01) < high


def test_nearest_float_at_a_power_of_two():
    # Just below 2 the spacing halves: the rounding interval is lopsided there.
    value = sp.Integer(2) - sp.Rational(1, 2**60)
    result = selu.nearest_float(value, "float64")
    assert result.value == 2.0 and result.proved
    low, high = (Fraction(x) for x in result.interval)
    assert 2 - low == Fraction(1, 2**53) and high - 2 == Fraction(1, 2**52)


def test_unknown_float_format_raises():
    with pytest.raises(ReluproofError, match="format"):
        selu.nearest_float(selu.SELU_ALPHA, "float8")


@given(st.integers(min_value=1, max_value=40))
def test_correct_roundings_pass_the_printed_digits_check(digits):
    printed = selu.selu_constants(digits)["lambda"]
    check = selu.check_printed_digits(selu.SELU_LAMBDA, printed)
    assert check.decided and check.correct


def test_truncation_can_be_right_to_its_digits():
    check = selu.check_printed_digits(selu.SELU_LAMBDA, "1.050700987355480")
    assert check.decided and check.correct


# ---- moments ----------------------------------------------------------------------------


def selu_float(x, alpha=float(ALPHA_01), lam=float(LAMBDA_01)):
    return lam * x if x > 0 else lam * alpha * math.expm1(x)


def quadrature_moments(m: float, s: float) -> tuple[float, float]:
    """E[selu(z)], E[selu(z)^2] by SciPy quadrature: a float measurement, split at the kink."""
    sd = math.sqrt(s)

    def density(x):
        return math.exp(-((x - m) ** 2) / (2 * s)) / math.sqrt(2 * math.pi * s)

    out = []
    for power in (1, 2):
        total = 0.0
        for lo, hi in ((m - 40 * sd, 0.0), (0.0, m + 40 * sd)):
            if lo < hi:
                total += integrate.quad(
                    lambda x, p=power: selu_float(x) ** p * density(x),
                    lo,
                    hi,
                    epsabs=1e-13,
                    epsrel=1e-12,
                    limit=200,
                )[0]
        out.append(total)
    return out[0], out[1]


@settings(deadline=None)
@given(
    st.floats(min_value=-2, max_value=2, allow_nan=False),
    st.floats(min_value=0.05, max_value=4, allow_nan=False),
)
def test_moments_match_quadrature(m, s):
    moments = selu.moments_arb(m, s, prec=64)
    mean, second = quadrature_moments(m, s)
    assert float(moments.mean.mid()) == pytest.approx(mean, rel=1e-8, abs=1e-10)
    assert float(moments.second_moment.mid()) == pytest.approx(second, rel=1e-8, abs=1e-10)


def test_moments_at_the_fixed_point_contain_zero_and_one():
    moments = selu.moments_arb(0, 1, prec=200)
    assert moments.mean.contains(0) and moments.variance.contains(1)
    assert moments.mean.rad() < 1e-50


def test_symbolic_moments_evaluate_like_the_balls():
    symbolic = selu.moments_sympy(sp.Rational(1, 3), 2)
    balls = selu.moments_arb("1/3", 2)
    assert balls.mean.overlaps(selu.enclose(symbolic.mean, 128))
    assert balls.variance.overlaps(selu.enclose(symbolic.variance, 128))
    assert balls.mean.rad() < 1e-30


def test_variance_must_be_positive():
    with pytest.raises(ReluproofError, match="positive"):
        selu.moments_arb(0, 0)
    with pytest.raises(ReluproofError, match="positive"):
        selu.moments_sympy(0, -1)


def paper_map(mu: float, nu: float, omega: float = 0.0, tau: float = 1.0):
    moments = selu.moments_paper_arb(mu, omega, nu, tau, prec=64)
    return float(moments.mean.mid()), float(moments.variance.mid())


@settings(deadline=None)
@given(
    st.floats(min_value=-0.1, max_value=0.1, allow_nan=False),
    st.floats(min_value=0.8, max_value=1.5, allow_nan=False),
)
def test_moment_map_pulls_towards_the_fixed_point(mu, nu):
    # g with omega = 0, tau = 1 (the SELU initialisation) has the fixed point (0, 1); on the
    # Theorem 1 domain its Jacobian norm is proved <= 0.9, so by the mean-value inequality
    # the Euclidean distance to (0, 1) shrinks by that factor at least. Floats: measurement.
    before = math.hypot(mu, nu - 1)
    new_mu, new_nu = paper_map(mu, nu)
    after = math.hypot(new_mu, new_nu - 1)
    if before > 0:
        assert after < before
        assert after <= 0.9 * before + 1e-12


@settings(deadline=None)
@given(
    st.floats(min_value=-0.1, max_value=0.1, allow_nan=False),
    st.floats(min_value=0.8, max_value=1.5, allow_nan=False),
    st.floats(min_value=-0.1, max_value=0.1, allow_nan=False),
    st.floats(min_value=0.95, max_value=1.1, allow_nan=False),
)
def test_moment_map_stays_in_the_domain(mu, nu, omega, tau):
    new_mu, new_nu = paper_map(mu, nu, omega, tau)
    assert -0.1 < new_mu < 0.1 and 0.8 < new_nu < 1.5


# ---- fixed point, Jacobian, contraction --------------------------------------------------


def test_fixed_point_jacobian_values():
    jac = selu.fixed_point_jacobian()
    j11, j12, j21, j22 = jac.enclosures
    assert j11 == 0 and j21 == 0
    assert float(j12.mid()) == pytest.approx(0.0888347551068901, rel=1e-12)
    assert float(j22.mid()) == pytest.approx(0.7826478831968128, rel=1e-12)
    assert float(jac.spectral_norm_upper) == pytest.approx(0.7876733604657156, rel=1e-9)
    assert jac.spectral_norm_upper < 1


def test_jacobian_matches_finite_differences():
    point = (0.05, -0.08, 1.2, 1.05)
    j11, j12, j21, j22 = (float(e.mid()) for e in selu.jacobian_arb(*point))
    h = 1e-6
    mu, omega, nu, tau = point
    up, down = paper_map(mu + h, nu, omega, tau), paper_map(mu - h, nu, omega, tau)
    assert j11 == pytest.approx((up[0] - down[0]) / (2 * h), rel=1e-5)
    assert j21 == pytest.approx((up[1] - down[1]) / (2 * h), rel=1e-5)
    up, down = paper_map(mu, nu + h, omega, tau), paper_map(mu, nu - h, omega, tau)
    assert j12 == pytest.approx((up[0] - down[0]) / (2 * h), rel=1e-5)
    assert j22 == pytest.approx((up[1] - down[1]) / (2 * h), rel=1e-5)


def test_dual_gradients_match_finite_differences():
    # The gradients the mean-value enclosures use, at a point, against central differences.
    point = (Fraction(3, 100), Fraction(-7, 100), Fraction(11, 10), Fraction(1))
    h = Fraction(1, 10**8)
    with ctx.workprec(128):
        alpha, lam = selu_constants_arb(128)
        balls = [arb(fmpq(p.numerator, p.denominator)) for p in point]
        duals = [selu.Dual.variable(b, i, 4) for i, b in enumerate(balls)]
        consts = (selu.Dual.constant(alpha, 4), selu.Dual.constant(lam, 4))
        for formulas in (moments.paper_moments, moments.paper_jacobian):
            for k, dual in enumerate(formulas(*duals, *consts)):
                for i in range(4):
                    up, down = list(balls), list(balls)
                    up[i] += arb(fmpq(h.numerator, h.denominator))
                    down[i] -= arb(fmpq(h.numerator, h.denominator))
                    slope = (formulas(*up, alpha, lam)[k] - formulas(*down, alpha, lam)[k]) / (
                        2 * arb(fmpq(h.numerator, h.denominator))
                    )
                    assert float(dual.grad[i].mid()) == pytest.approx(
                        float(slope.mid()), rel=1e-9, abs=1e-12
                    )


def test_contraction_on_the_hardest_corner_with_progress():
    corner = selu.paper_box(mu=(0.05, 0.1), omega=(0.05, 0.1), nu=(0.8, 0.9), tau=(1.05, 1.1))
    calls = []
    result = selu.prove_contraction(progress=lambda *args: calls.append(args), domain=corner)
    assert result.proved and result.max_bound < 1 and calls
    assert corner.contains(result.worst_box)
    assert result.to_dict()["boxes_verified"] == result.boxes_verified


def test_contraction_proof_can_fail():
    # The norm reaches 0.8976 at (0.1, 0.1, 0.8, 1.1), so no subdivision proves < 0.89.
    corner = selu.paper_box(mu=(0.09, 0.1), omega=(0.09, 0.1), nu=(0.8, 0.81), tau=(1.09, 1.1))
    result = selu.prove_contraction(domain=corner, threshold=Fraction(89, 100), max_boxes=300)
    assert not result.proved and "gave up" in result.reason


def test_maps_into_a_too_small_target_fails():
    corner = selu.paper_box(mu=(-0.1, -0.09), omega=(0.09, 0.1), nu=(0.8, 0.81), tau=(0.95, 0.96))
    result = selu.prove_maps_into(
        domain=corner, mean_target=("-0.03106", "0.1"), max_boxes=300
    )  # mu~ = -0.0310605... at the corner: the paper's rounded bound is not an enclosure
    assert not result.proved


def test_box_validation():
    with pytest.raises(ReluproofError, match="empty"):
        selu.paper_box(mu=(0.1, -0.1), omega=(0, 0), nu=(1, 1), tau=(1, 1))
    with pytest.raises(ReluproofError, match="tau"):
        selu.paper_box(mu=(0, 0), omega=(0, 0), nu=(1, 1))


# ---- other fixed points; alpha dropout --------------------------------------------------


def test_standard_fixed_point_gives_the_standard_constants():
    solution = selu.solve_alpha_lambda(0, 1, digits=30)
    assert {"alpha": solution.alpha, "lambda": solution.lam} == selu.selu_constants(30)
    assert solution.alternatives == ()


def test_other_fixed_point_against_an_independent_root_finder():
    # mpmath findroot on the fixed-point equations with quadrature moments (a check
    # independent of the closed forms and of the quadratic the solver uses).
    mean, variance = mpmath.mpf("0.1"), mpmath.mpf(1)
    with mpmath.workdps(30):

        def equations(alpha, lam):
            def moment(p):
                def f(x):
                    y = lam * x if x > 0 else lam * alpha * mpmath.expm1(x)
                    return y**p * mpmath.npdf(x, mean, mpmath.sqrt(variance))

                return mpmath.quad(f, [-mpmath.inf, 0, mpmath.inf])

            m1 = moment(1)
            return m1 - mean, moment(2) - m1**2 - variance

        alpha, lam = mpmath.findroot(equations, (mpmath.mpf("1.66"), mpmath.mpf("1.04")))
    solution = selu.solve_alpha_lambda("0.1", 1, digits=20)
    assert float(solution.alpha) == pytest.approx(float(alpha), rel=1e-15)
    assert float(solution.lam) == pytest.approx(float(lam), rel=1e-15)


@pytest.mark.parametrize(("mean", "variance"), [(0, 0), (0, -1), ("x", 1)])
def test_bad_fixed_points_raise(mean, variance):
    with pytest.raises(ReluproofError):
        selu.solve_alpha_lambda(mean, variance)


def test_alpha_dropout_matches_the_keras_formula():
    alpha_p = -float(LAMBDA_01) * float(ALPHA_01)
    for q in (0.95, 0.9, 0.5):
        rate = 1 - q
        a_keras = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
        b_keras = -a_keras * alpha_p * rate
        a, b = selu.alpha_dropout_affine(str(q))
        assert float(a) == pytest.approx(a_keras, rel=1e-13)
        assert float(b) == pytest.approx(b_keras, rel=1e-13)
    assert selu.alpha_dropout_affine(1) == (1, 0)


@pytest.mark.parametrize("q", [0, -0.1, 1.5])
def test_alpha_dropout_rejects_bad_keep_probability(q):
    with pytest.raises(ReluproofError, match="keep probability"):
        selu.alpha_dropout_affine(q)


def dropout_moments_arb(mean, variance, keep, alpha, lam, a, b, prec=256):
    """E[y], Var[y] for y = a*(x*d + alpha'*(1-d)) + b, x = selu(z), z ~ N(mean, variance),
    d ~ Bernoulli(keep), alpha' = -lam*alpha: rigorous balls, summed over d in {0, 1} here
    (not by the module's formulas), with E[x], E[x^2] from `moments_arb`."""
    x = selu.moments_arb(mean, variance, alpha, lam, prec)
    with ctx.workprec(prec):
        q = selu.enclose(sp.Rational(keep), prec)
        a_, b_ = selu.enclose(a, prec), selu.enclose(b, prec)
        saturation = -selu.enclose(sp.sympify(lam), prec) * selu.enclose(sp.sympify(alpha), prec)
        kept_mean = a_ * x.mean + b_
        kept_second = a_ * a_ * x.second_moment + 2 * a_ * b_ * x.mean + b_ * b_
        dropped = a_ * saturation + b_
        mean_y = q * kept_mean + (1 - q) * dropped
        second_y = q * kept_second + (1 - q) * dropped * dropped
        return mean_y, second_y - mean_y * mean_y


def _close(ball, value, tolerance):
    lo, hi = ends(ball - selu.enclose(sp.Rational(value), 256))
    return -tolerance < lo and hi < tolerance


@pytest.mark.parametrize(
    "mean, variance, keep",
    [("0", "1", "0.9"), ("0.1", "0.9", "0.9"), ("-0.05", "1.2", "0.8"), ("0.2", "1", "0.95")],
)
def test_alpha_dropout_restores_the_fixed_point_moments(mean, variance, keep):
    # x = selu(z) at the fixed point (mean, variance) has those moments (up to the rounding of
    # alpha, lambda to 30 digits); after dropout and a*x + b the moments must be the same.
    solution = selu.solve_alpha_lambda(mean, variance, digits=30)
    alpha, lam = sp.Rational(solution.alpha), sp.Rational(solution.lam)
    a, b = selu.alpha_dropout_affine(keep, alpha, lam, mean, variance)
    mean_y, var_y = dropout_moments_arb(mean, variance, keep, alpha, lam, a, b)
    assert _close(mean_y, mean, Fraction(1, 10**25)), mean_y
    assert _close(var_y, variance, Fraction(1, 10**25)), var_y


def test_the_standard_dropout_formula_fails_off_the_standard_fixed_point():
    # The bug this guards against: the (0, 1) formula used at (0.1, 0.9) gives mean 0.0837
    # and variance 0.949 -- the moment check above must reject it.
    solution = selu.solve_alpha_lambda("0.1", "0.9", digits=30)
    alpha, lam = sp.Rational(solution.alpha), sp.Rational(solution.lam)
    a, b = selu.alpha_dropout_affine("0.9", alpha, lam)  # the mean-0, variance-1 formula
    mean_y, var_y = dropout_moments_arb("0.1", "0.9", "0.9", alpha, lam, a, b)
    assert not _close(mean_y, "0.1", Fraction(1, 100)) and not _close(
        var_y, "0.9", Fraction(1, 100)
    )
    assert abs(float(mean_y.mid()) - 0.0837) < 5e-4 and abs(float(var_y.mid()) - 0.949) < 5e-4


@settings(max_examples=25, deadline=None)
@given(
    mean=st.fractions(-2, 2, max_denominator=50),
    variance=st.fractions(Fraction(1, 20), 5, max_denominator=50),
    keep=st.fractions(Fraction(1, 50), 1, max_denominator=50),
    saturation=st.fractions(-4, 1, max_denominator=50),
)
def test_alpha_dropout_moments_exactly(mean, variance, keep, saturation):
    # Any x with E[x] = mean, Var[x] = variance: E[y] and E[y^2] summed over d in {0, 1}
    # exactly (a is the square root of a rational; SymPy's expand decides the identity).
    mu, nu, q, s = (
        sp.Rational(v.numerator, v.denominator) for v in (mean, variance, keep, saturation)
    )
    a, b = selu.alpha_dropout_affine(q, -s, 1, mu, nu)
    assert a.is_positive
    second_x = nu + mu**2
    mean_y = q * (a * mu + b) + (1 - q) * (a * s + b)
    second_y = q * (a**2 * second_x + 2 * a * b * mu + b**2) + (1 - q) * (a * s + b) ** 2
    assert sp.expand(mean_y - mu) == 0
    assert sp.expand(second_y - mean_y**2 - nu) == 0


@pytest.mark.parametrize("mean, variance", [("0", "1"), ("0.1", "0.9")])
def test_alpha_dropout_preserves_moments_by_simulation(mean, variance):
    # A seeded float measurement of what theorem selu.alpha_dropout proves exactly: the
    # standard error of the mean is 0.0007, the bug's error in it 0.016.
    solution = selu.solve_alpha_lambda(mean, variance, digits=20)
    alpha, lam = float(solution.alpha), float(solution.lam)
    rng = np.random.default_rng(0)
    z = float(mean) + math.sqrt(float(variance)) * rng.standard_normal(2_000_000)
    x = lam * np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))
    keep = rng.random(x.size) < 0.9
    a, b = (
        float(v)
        for v in selu.alpha_dropout_affine("0.9", solution.alpha, solution.lam, mean, variance)
    )
    y = a * np.where(keep, x, -lam * alpha) + b
    assert abs(y.mean() - float(mean)) < 0.004 and abs(y.var() - float(variance)) < 0.006


# ---- import ----------------------------------------------------------------------------


def test_import_is_fast_and_lazy():
    code = (
        "import time; t = time.perf_counter(); import proofs.selu as s; "
        "print(time.perf_counter() - t, s.integrated_moments.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout.split()
    assert float(out[0]) < 5 and out[1] == "0"
