"""Tests for proofs/smoothness.py and proofs/vanishing.py: every theorem's verdict against its
expectation, negative controls (a wrong constant, a wrong identity, a wrong class claim is
refuted), the statements' LaTeX, and properties drawn by Hypothesis, with mpmath and SciPy
as independent measurements."""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import integrate
from strategies import parameter_values

from derivations.calculus import derive
from derivations.catalogue import CATALOGUE, SELU_ALPHA, Piece, get, z
from proofs import smoothness, vanishing
from proofs.theorem import _REGISTRY, Status, run

SLOPE = get("leaky_relu").symbols["negative_slope"]


def theorem_ids(prefix: str) -> list[str]:
    return sorted(t for t in _REGISTRY if t.startswith(prefix))


OURS = theorem_ids("smooth.") + theorem_ids("vanish.")


# ---- every theorem ----------------------------------------------------------------------


@pytest.mark.parametrize("theorem_id", OURS)
def test_theorem_verdict_is_expected(theorem_id):
    result = run(_REGISTRY[theorem_id])
    assert result.verdict.status == result.theorem.expected, result.verdict.summary
    json.dumps(result.to_dict())  # the certificate must serialise


def test_one_continuity_class_and_mean_theorem_per_catalogue_entry():
    for name in CATALOGUE:
        for prefix in ("smooth.continuous.", "smooth.class.", "vanish.gaussian_mean."):
            assert prefix + name in _REGISTRY
    for name in ("elu", "selu", "celu", "softsign", "relu", "hardtanh", "gelu"):
        assert name in smoothness.CLASS_CLAIMS


def _outside_math(statement: str) -> str:
    parts = re.split(r"(?<!\\)\$", statement)
    assert len(parts) % 2 == 1, f"unbalanced $ in {statement!r}"
    return "".join(parts[::2])


@pytest.mark.parametrize("theorem_id", OURS)
def test_statement_is_valid_latex_text(theorem_id):
    statement = _REGISTRY[theorem_id].statement
    text = _outside_math(statement)
    assert not re.search(r"(?<!\\)[_^&%#]", text), f"unescaped special character in {text!r}"
    assert statement.count("{") == statement.count("}")


# Every theorem's quote is checked against its document in tests/test_claims.py.


# ---- smoothness: negative controls and properties ---------------------------------------


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("elu", smoothness._claim(1)),  # ELU is C^1 only at alpha = 1
        ("elu", smoothness._claim(0, [({"alpha": "2"}, 1)], at_defaults=1)),
        ("celu", smoothness._claim(2)),  # CELU is not C^2
        ("softsign", smoothness._claim(smoothness.C_INFINITY)),
        ("relu", smoothness._claim(1)),
        ("leaky_relu", smoothness._claim(0)),  # misses the identity at slope 1
        ("selu", smoothness._claim(0, [({"alpha": "1"}, 1)], at_defaults=1)),
    ],
)
def test_wrong_class_claims_are_refuted(name, wrong):
    verdict = smoothness.class_verdict(name, wrong)
    assert verdict.status == Status.REFUTED, verdict.summary


def test_selu_alpha_is_rigorously_not_one():
    answer, evidence = smoothness.decide_zero(SELU_ALPHA - 1)
    assert answer is False and "excludes 0" in evidence
    assert smoothness.decide_zero(sp.sqrt(2) ** 2 - 2)[0] is True


def test_elu_identity_with_a_wrong_offset_fails():
    assert smoothness.elu_identity_verdict().status == Status.PROVED
    wrong = smoothness.elu_identity_verdict(lambda alpha: 2 * alpha)
    assert wrong.status == Status.REFUTED
    counterexample = wrong.certificate["counterexample"]
    assert counterexample["derivative"] != counterexample["formula"]
    assert smoothness.elu_identity_verdict(lambda alpha: 0).status == Status.REFUTED


def test_elu_identity_certificate_says_left_derivative_at_zero():
    at_zero = smoothness.elu_identity_verdict().certificate["at_zero"]
    assert at_zero["formula_is_left_derivative"] is True
    assert at_zero["right_derivative"] == "1"
    assert "left derivative" in at_zero["reading"]


def test_pieces_that_are_not_analytic_are_caught():
    pole = smoothness.analyse_piece(Piece(1 / z, -1, 1))
    assert not pole.analytic and "vanish" in pole.reason
    root = smoothness.analyse_piece(Piece(sp.sqrt(z), 0, 1))
    assert not root.analytic
    log = smoothness.analyse_piece(Piece(sp.log(z), -1, 1))
    assert not log.analytic
    fine = smoothness.analyse_piece(Piece(z / (1 + z), 0, sp.oo))
    assert fine.analytic


@settings(deadline=None, max_examples=5)
@given(st.fractions(min_value=Fraction(1, 10), max_value=3, max_denominator=12))
@example(Fraction(1))
@example(Fraction(1, 10))
def test_elu_differentiable_at_zero_iff_alpha_is_one(alpha):
    # derive() with new parameters runs SymPy limits: few examples.
    derivation = derive("elu", {"alpha": str(alpha)})
    assert derivation.breakpoints[0].differentiable == (alpha == 1)
    assert derivation.smoothness == (1 if alpha == 1 else 0)


@given(parameter_values(get("elu")))
def test_elu_regime_at_drawn_alpha(values):
    a = get("elu")
    regime, _ = smoothness.smoothness_profile("elu").regime_at(a.bind(values))
    assert regime.smoothness == (1 if values["alpha"] == 1 else 0)


@given(st.sampled_from(["leaky_relu", "prelu", "rrelu_train"]), st.data())
def test_slope_one_makes_the_relu_family_analytic(name, data):
    a = get(name)
    values = data.draw(parameter_values(a))
    slope = {"leaky_relu": "negative_slope", "prelu": "a", "rrelu_train": "r"}[name]
    if data.draw(st.booleans()) and name != "rrelu_train":
        values[slope] = Fraction(1)
    regime, _ = smoothness.smoothness_profile(name).regime_at(a.bind(values))
    expected = smoothness.C_INFINITY if values[slope] == 1 else 0
    assert regime.smoothness == expected


@pytest.mark.parametrize("name", [n for n, a in CATALOGUE.items() if a.breakpoints])
def test_class_agrees_with_the_calculus_at_the_defaults(name):
    # (entries without breakpoints: derive() reports C^inf by construction; skipped for speed)
    profile = smoothness.smoothness_profile(name)
    regime, _ = profile.regime_at(get(name).defaults)
    assert regime.smoothness == derive(name).smoothness


# ---- vanishing: negative controls and properties ----------------------------------------


@pytest.mark.parametrize(
    ("name", "bound", "status"),
    [
        ("sigmoid", sp.Rational(1, 4), Status.PROVED),
        ("sigmoid", sp.Rational(1, 5), Status.REFUTED),  # sigma'(0) = 1/4 > 1/5
        ("sigmoid", sp.Rational(1, 3), Status.REFUTED),  # holds but is never attained
        ("tanh", 1, Status.PROVED),
        ("tanh", sp.Rational(9, 10), Status.REFUTED),
    ],
)
def test_derivative_bound_with_other_constants(name, bound, status):
    verdict = vanishing.derivative_bound_verdict(name, bound)
    assert verdict.status == status, verdict.summary


def test_sigmoid_counterexample_is_at_zero():
    verdict = vanishing.derivative_bound_verdict("sigmoid", sp.Rational(1, 5))
    assert verdict.certificate["counterexample"] == {"z": "0", "derivative": "1/4", "bound": "1/5"}


def test_deep_bound_with_a_too_small_gain_is_refuted():
    assert vanishing.deep_gain_verdict("sigmoid", sp.Rational(1, 5)).status == Status.REFUTED
    # a larger gain is a weaker, still true, bound
    assert vanishing.deep_gain_verdict("sigmoid", sp.Rational(1, 3)).status == Status.PROVED


_SIGMOID_DERIVATIVE = sp.lambdify(z, derive("sigmoid").piece_derivatives[0], "mpmath")
_TANH_DERIVATIVE = sp.lambdify(z, derive("tanh").piece_derivatives[0], "mpmath")


@given(st.floats(min_value=-700, max_value=700, allow_nan=False))
def test_derivative_bounds_at_drawn_points(x):
    with mpmath.workdps(50):
        slope = _SIGMOID_DERIVATIVE(mpmath.mpf(x))
        assert 0 <= slope <= mpmath.mpf(1) / 4 + mpmath.mpf(10) ** -45
        assert 0 <= _TANH_DERIVATIVE(mpmath.mpf(x)) <= 1 + mpmath.mpf(10) ** -45
        if abs(x) > 1e-3:
            assert slope < mpmath.mpf(1) / 4


@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(2, 24))
def test_measured_gradient_never_exceeds_the_bound(seed, depth, width):
    measured = vanishing.measure_deep_sigmoid(seed=seed, depth=depth, width=width)
    assert measured.gradient_norm <= measured.bound * (1 + 1e-9)


def test_tail_bound_refuses_what_it_cannot_bound():
    with pytest.raises(ArithmeticError):
        vanishing.tail_bound(sp.exp(z**2), 1, Fraction(12), 96)
    bound, _ = vanishing.tail_bound(z, 1, Fraction(12), 96)
    assert math.isclose(float(bound), math.exp(-72) / math.sqrt(2 * math.pi), rel_tol=1e-6)


def _quad_mean(name: str) -> float:
    """E[f(z)] by SciPy quadrature of the catalogue's Piecewise (a measurement)."""
    a = get(name)
    f = sp.lambdify(z, a.expr.subs(a.defaults), ["scipy", "numpy"])
    breaks = sorted(float(b.subs(a.defaults)) for b in a.breakpoints)
    ends = [-40.0, *breaks, 40.0]
    total = 0.0
    for lo, hi in zip(ends[:-1], ends[1:], strict=True):
        value, _ = integrate.quad(
            lambda t: float(f(t)) * math.exp(-t * t / 2) / math.sqrt(2 * math.pi),
            lo,
            hi,
            epsabs=1e-13,
            epsrel=1e-12,
            limit=200,
        )
        total += value
    return total


def test_gaussian_means_table_matches_quadrature():
    table = vanishing.gaussian_means()
    assert set(table) == set(CATALOGUE)
    for name, (exact, value) in table.items():
        record = vanishing.gaussian_mean(name)
        slack = Fraction(math.ulp(value) if value else 0)  # the float's own rounding
        assert record.lower - slack <= Fraction(value) <= record.upper + slack, name
        assert abs(value - _quad_mean(name)) < 1e-9, name
        if exact is not None:
            assert abs(float(exact) - value) < 1e-15
    assert table["selu"][0] == 0 and table["sigmoid"][0] == sp.Rational(1, 2)
    assert table["tanh"][0] == table["identity"][0] == table["softsign"][0] == 0
    assert sp.simplify(table["relu"][0] - 1 / sp.sqrt(2 * sp.pi)) == 0
    assert sp.simplify(table["gelu"][0] - 1 / (2 * sp.sqrt(sp.pi))) == 0
    assert table["gelu_tanh"][0] is None  # enclosure only


@pytest.mark.parametrize(
    ("name", "claimed", "symbolic"),
    [
        ("relu", sp.Rational(1, 2), False),
        ("selu", sp.Rational(1, 1000), False),
        ("sigmoid", sp.Rational(1, 3), False),
        ("gelu_tanh", 1 / (2 * sp.sqrt(sp.pi)), False),  # GELU's mean, not its tanh form's
        (
            "leaky_relu",
            (1 - 2 * get("leaky_relu").symbols["negative_slope"]) / sp.sqrt(2 * sp.pi),
            True,
        ),
    ],
)
def test_wrong_gaussian_means_are_refuted(name, claimed, symbolic):
    verdict = vanishing.gaussian_mean_verdict(name, claimed, symbolic)
    assert verdict.status == Status.REFUTED, verdict.summary


@settings(deadline=None, max_examples=10)
@given(st.fractions(min_value=Fraction(1, 20), max_value=4, max_denominator=40))
def test_elu_mean_in_alpha_matches_quadrature(alpha):
    # the closed form in alpha, against mpmath quadrature of the catalogue's pieces
    a = get("elu")
    symbol = a.symbols["alpha"]
    closed = vanishing.gaussian_mean("elu").symbolic.subs(symbol, sp.Rational(str(alpha)))
    negative, positive = (sp.lambdify((z, symbol), p.expr, "mpmath") for p in a.pieces)
    value = mpmath.mpf(alpha.numerator) / alpha.denominator
    with mpmath.workdps(30):
        measured = mpmath.quad(
            lambda t: negative(t, value) * mpmath.npdf(t), [-mpmath.inf, 0]
        ) + mpmath.quad(lambda t: positive(t, value) * mpmath.npdf(t), [0, mpmath.inf])
    assert abs(float(closed) - float(measured)) < 1e-12


# ---- the operator-norm step of vanish.deep_sigmoid --------------------------------------


def test_transpose_norm_step_is_proved_not_asserted():
    lemmas, failed = vanishing.transpose_norm_lemmas()
    assert failed is None
    assert {"cauchy_schwarz", "transpose_norm", "transpose_spectra_check"} <= set(lemmas)
    certificate = run(_REGISTRY["vanish.deep_sigmoid"]).verdict.certificate
    assert set(lemmas) <= set(certificate["lemmas"])


@pytest.mark.parametrize("wrong_adjoint", [lambda w: 2 * w.T, lambda w: w])
def test_transpose_norm_step_fails_for_a_map_that_is_not_the_transpose(wrong_adjoint):
    _, failed = vanishing.transpose_norm_lemmas(wrong_adjoint)
    assert failed is not None


@settings(deadline=None, max_examples=20)
@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(0, 2**32 - 1),
)
def test_transpose_has_the_same_spectral_norm_measured(rows, cols, seed):
    # an independent measurement (LAPACK's SVD), floats: labelled as such
    w = np.random.default_rng(seed).normal(size=(rows, cols))
    assert np.linalg.norm(w, 2) == pytest.approx(np.linalg.norm(w.T, 2), rel=1e-12)
