"""The catalogue: every entry well formed, defaults valid, lookup and binding errors."""

from fractions import Fraction

import pytest
import sympy as sp

from derivations import catalogue
from derivations.catalogue import CATALOGUE, get, z
from derivations.errors import ReluproofError

ALL = list(CATALOGUE)
REQUIRED = {
    "relu", "leaky_relu", "prelu", "rrelu", "rrelu_train", "elu", "selu", "celu", "gelu",
    "gelu_tanh", "silu", "mish", "softplus", "sigmoid", "tanh", "relu6", "hardtanh",
    "hardsigmoid", "hardswish", "softsign", "identity",
}  # fmt: skip


def test_catalogue_has_every_required_activation():
    assert REQUIRED <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_entry_is_well_formed(name):
    a = get(name)
    values = a.bind()  # defaults lie in their domains and satisfy the constraints
    assert a.expr.free_symbols <= {z} | set(values)
    breaks = [sp.N(b.subs(values)) for b in a.breakpoints]
    assert breaks == sorted(breaks)
    assert a.citation
    # the Piecewise agrees with the pieces away from breakpoints
    for piece in a.pieces:
        lo, hi = piece.lo.subs(values), piece.hi.subs(values)
        inside = (
            (lo + hi) / 2 if lo.is_finite and hi.is_finite else (hi - 1 if hi.is_finite else lo + 1)
        )
        if not inside.is_finite:
            inside = sp.S.Zero
        got = sp.N(a.expr.subs(values).subs(z, inside), 30)
        want = sp.N(piece.expr.subs(values).subs(z, inside), 30)
        assert abs(got - want) < 1e-25


def test_pytorch_defaults():
    assert get("leaky_relu").defaults[get("leaky_relu").symbols["negative_slope"]] == sp.Rational(
        1, 100
    )
    assert get("prelu").defaults[get("prelu").symbols["a"]] == sp.Rational(1, 4)
    rr = get("rrelu")
    assert rr.defaults[rr.symbols["lower"]] == sp.Rational(1, 8)
    assert rr.defaults[rr.symbols["upper"]] == sp.Rational(1, 3)
    assert get("elu").defaults[get("elu").symbols["alpha"]] == 1
    assert get("prelu").param("a").learnable


def test_selu_constants_are_closed_forms_with_the_right_value():
    assert not catalogue.SELU_ALPHA.is_Float and not catalogue.SELU_LAMBDA.is_Float
    assert str(sp.N(catalogue.SELU_ALPHA, 30)).startswith("1.67326324235437728481704299")
    assert str(sp.N(catalogue.SELU_LAMBDA, 30)).startswith("1.05070098735548049341933498")


def test_rrelu_models_both_modes():
    eval_mode, train_mode = get("rrelu"), get("rrelu_train")
    values = eval_mode.bind()
    slope = eval_mode.pieces[0].expr.subs(values) / z
    assert slope == (sp.Rational(1, 8) + sp.Rational(1, 3)) / 2
    r = train_mode.param("r")
    assert r.uniform_between is not None
    with pytest.raises(ReluproofError, match="outside its domain"):
        train_mode.bind({"r": "0.5"})  # outside U(1/8, 1/3)


def test_aliases_and_spelling():
    assert get("swish").name == "silu"
    assert get("Leaky-ReLU").name == "leaky_relu"


@pytest.mark.parametrize(
    "bad, hint", [("relux", "relu"), ("selu2", "selu"), ("gleu", "gelu"), ("leaky", "leaky_relu")]
)
def test_unknown_name_suggests_the_closest(bad, hint):
    with pytest.raises(ReluproofError, match=f"Did you mean '{hint}'"):
        get(bad)


@pytest.mark.parametrize(
    "name, overrides, message",
    [
        ("elu", {"alpha": "-1"}, "outside its domain"),
        ("elu", {"alpha": "abc"}, "is not a number"),
        ("elu", {"beta": "1"}, "has no parameter 'beta'"),
        ("rrelu", {"lower": "0.5", "upper": "0.25"}, "constraint"),
        ("hardtanh", {"min_val": "2"}, "constraint"),
        ("softplus", {"beta": "nan"}, "not a number"),
    ],
)
def test_bad_parameters_raise_clear_errors(name, overrides, message):
    with pytest.raises(ReluproofError, match=message):
        get(name).bind(overrides)


def test_parameters_are_made_exact():
    values = get("elu").bind({"alpha": "0.1"})
    assert values[get("elu").symbols["alpha"]] == sp.Rational(1, 10)
    values = get("leaky_relu").bind({"negative_slope": 0.5})
    assert values[get("leaky_relu").symbols["negative_slope"]] == sp.Rational(1, 2)


@pytest.mark.parametrize("name", [n for n in ALL if get(n).params])
@pytest.mark.parametrize("text", ["1e400", "1e-400", "1e4000", "-1e-4000"])
def test_huge_and_tiny_numbers_bind_exactly_or_are_refused_in_one_line(name, text):
    a = get(name)
    for p in a.params:
        try:
            values = a.bind({p.name: text})
        except ReluproofError as error:
            message = str(error)
            assert "\n" not in message and len(message) < 300  # never 4000 digits
            assert "outside its domain" in message or "constraint" in message
            continue
        assert values[p.symbol] == sp.Rational(Fraction(text))


def test_the_constraint_is_named_before_a_law_that_depends_on_it():
    with pytest.raises(ReluproofError, match="constraint lower <= upper"):
        get("rrelu_train").bind({"lower": "1e400"})


@pytest.mark.parametrize("name", ALL)
def test_parameter_symbols_read_back_with_sympify(name):
    """A symbol's name must parse back as that symbol: SELU's lambda is `lambda_` (lambda
    is a Python keyword), SiLU's beta `beta_` (beta is SymPy's beta function); LaTeX still
    shows the Greek letter."""
    for p in get(name).params:
        parsed = sp.sympify(p.symbol.name)
        assert isinstance(parsed, sp.Symbol) and parsed.name == p.symbol.name
        if p.symbol.name != p.name:  # renamed for sympify: LaTeX keeps the Greek letter
            shown = sp.latex(p.symbol, symbol_names=catalogue.latex_names())
            assert shown == sp.latex(sp.Symbol(p.name)) and shown.startswith("\\")
