"""The report's formulas: named functions that equal what they replace, signs as a
person writes them, long formulas broken over lines."""

import mpmath
import pytest
import sympy as sp

from derivations import backprop, render
from derivations.calculus import derive
from derivations.catalogue import CATALOGUE, z
from derivations.mathtex import (
    LINE_BUDGET,
    Logistic,
    NormalDensity,
    Phi,
    Softplus,
    _agrees,
    display_lines,
    expand_named,
    pull_common_factors,
    recognise,
    tex,
    tidy_signs,
    width,
)

ALL = list(CATALOGUE)
POINTS = [sp.Rational(k, 7) for k in range(-40, 41, 3)]  # 27 rational points in [-5.7, 5.6]


def _shown_formulas(name):
    """The formulas an activation's section displays, as it displays them."""
    d = derive(name)
    yield "f", d.activation.expr
    yield "f'", d.derivative
    yield "f''", d.second_derivative
    yield from d.param_derivatives.items()
    rule = backprop.chain_rule(name)
    yield "dL/dw1", rule.product
    yield from rule.dead_gradients
    for label, gradient in rule.dead_gradients:  # shown as v x_1 (yhat - y) (...)
        rest = render._divide_out(gradient, render.ERROR_SIGNAL)
        shown = tidy_signs(pull_common_factors(recognise(rest)))
        yield f"{label} / (yhat - y)", rest, shown


def _pieces(expr):
    if isinstance(expr, sp.Piecewise):
        return [e for e, _ in expr.args]
    return [expr]


@pytest.mark.parametrize("name", ALL)
def test_every_shown_formula_equals_the_derived_one(name):
    """The rendering cannot lie: each displayed form, its named functions expanded back,
    is the derived expression (SymPy simplifies the difference to 0, or, where simplify
    gives up, it vanishes at 27 rational points to 40 digits)."""
    for label, expr, *given in _shown_formulas(name):
        shown = given[0] if given else recognise(expr)
        for original, displayed in zip(_pieces(expr), _pieces(shown), strict=True):
            difference = expand_named(displayed) - original
            if sp.expand(difference) == 0 or sp.simplify(difference) == 0:
                continue
            symbols = sorted(difference.free_symbols, key=str)
            f = sp.lambdify(symbols, difference, "mpmath")
            with mpmath.workdps(60):
                for p in POINTS:
                    args = [mpmath.mpf(p.p) / p.q + i / mpmath.mpf(3) for i in range(len(symbols))]
                    assert abs(f(*args)) < mpmath.mpf(10) ** -40, (name, label, p)


def test_the_guard_rejects_a_wrong_substitution():
    # erf(z) is 2 Phi(sqrt(2) z) - 1, not 2 Phi(z) - 1: a rendering that says so is refused
    assert not _agrees(sp.erf(z), 2 * Phi(z) - 1)
    assert _agrees(sp.erf(z), 2 * Phi(sp.sqrt(2) * z) - 1)
    assert not _agrees(1 / (1 + sp.exp(z)), Logistic(z))


def test_gelu_reads_as_in_the_paper():
    d = derive("gelu")
    assert tex(d.activation.expr) == r"z \Phi\left(z\right)"
    assert tex(d.derivative) == r"\Phi\left(z\right) + z \varphi\left(z\right)"
    assert "erf" not in tex(d.second_derivative)


@pytest.mark.parametrize(
    "name, named",
    [("sigmoid", Logistic), ("silu", Logistic), ("softplus", Softplus), ("mish", Softplus)],
)
def test_logistic_and_softplus_are_named(name, named):
    d = derive(name)
    f, df = recognise(d.activation.expr), recognise(d.derivative)
    assert f.has(named) and df.has(Logistic)
    assert not f.has(sp.exp) and not df.has(sp.exp), (f, df)


def test_normal_density_is_even_and_named():
    z1 = sp.Symbol("z_1", negative=True)
    shown = recognise(sp.exp(-(z1**2) / 2) / sp.sqrt(2 * sp.pi))
    assert shown == NormalDensity(z1)


def test_signs_as_a_person_writes_them():
    yhat, y, v, x1 = backprop.yhat, backprop.y, backprop.v, backprop.x1
    assert tex(-v * x1 * (y - yhat)) == r"v x_{1} \left(\hat{y} - y\right)"
    assert tex(y - yhat) == r"y - \hat{y}"
    assert tex(-yhat + 2) == r"2 - \hat{y}"


@pytest.fixture(scope="module")
def documents():
    sections = [render.activation_section(n) for n in ALL]
    return (
        render.latex_document(sections, "t", "v"),
        render.markdown_document(sections, "t", "v"),
        sections,
    )


def test_no_typo_and_no_double_minus_in_the_documents(documents):
    latex, markdown, _ = documents
    for text in (latex, markdown):
        assert r"\partial dw" not in text and r"\partial db" not in text
        assert r"- \hat{y} + y" not in text
        assert r"\frac{\partial L}{\partial w_{1}}" in text


def test_long_formulas_are_broken_over_lines(documents):
    """Every displayed line fits the line budget, except a product that has no sum at
    its top to break at (those are few and only a little wider)."""
    *_, sections = documents
    widest = []
    for section in sections:
        for block in section.blocks:
            if isinstance(block, render.Aligned):
                widest.extend((width(line), section.title, line) for line in block.lines)
    too_wide = [w for w in widest if w[0] > 1.5 * LINE_BUDGET]
    assert not too_wide, too_wide[:3]
    breaks = display_lines("f", sum(sp.Symbol(f"a_{i}") * sp.exp(i * z) for i in range(1, 15)))
    assert len(breaks) > 1 and all(width(line) <= LINE_BUDGET + 5 for line in breaks)
