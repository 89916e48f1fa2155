"""The catalogue's structure and its small API, pinned exactly (written to kill the
mutants that tools/mutation.py found surviving in derivations/catalogue.py): pieces tile
the line, parameters and entries serialise to what they hold, user input is made exact
or refused with the message that says why."""

import re

import pytest
import sympy as sp

from derivations import catalogue
from derivations.catalogue import CATALOGUE, exact_number, get, z
from derivations.errors import ReluproofError

ALL = list(CATALOGUE)


@pytest.mark.parametrize("name", ALL)
def test_pieces_tile_the_real_line(name):
    a = get(name)
    assert a.pieces[0].lo == -sp.oo and a.pieces[-1].hi == sp.oo
    for left, right in zip(a.pieces[:-1], a.pieces[1:], strict=True):
        assert left.hi == right.lo
    assert a.breakpoints == tuple(p.hi for p in a.pieces[:-1])
    assert a.symbols == {p.name: p.symbol for p in a.params}
    assert a.defaults == {p.symbol: p.default for p in a.params}
    assert catalogue.names() == ALL


@pytest.mark.parametrize("name", ALL)
def test_entry_serialises_what_it_holds(name):
    a = get(name)
    d = a.to_dict()
    keys = {"name", "title", "aliases", "params", "expr", "breakpoints", "citation", "note"}
    assert set(d) == keys
    assert (d["name"], d["title"], d["citation"], d["note"]) == (
        a.name, a.title, a.citation, a.note
    )  # fmt: skip
    assert d["aliases"] == list(a.aliases) and len(d["params"]) == len(a.params)
    # the SymPy strings read back as what they say (SELU's `lambda` cannot: see issue 6)
    if name != "selu":
        symbols = {s.name: s for s in [z, *a.defaults]}
        assert sp.sympify(d["expr"], locals=symbols) == a.expr
        assert [sp.sympify(b, locals=symbols) for b in d["breakpoints"]] == list(a.breakpoints)
    for p, pd in zip(a.params, d["params"], strict=True):
        assert pd["name"] == p.name and pd["description"] == p.description
        assert abs(sp.N(sp.sympify(pd["default"]) - p.default, 30)) < 1e-25
        assert pd["default_float"] == float(p.default)
        assert pd["domain"] == str(p.domain) and pd["learnable"] == p.learnable


def test_a_random_parameter_serialises_its_law():
    r = get("rrelu_train").param("r").to_dict()
    assert r["random"] == {"law": "uniform", "between": ["lower", "upper"]}
    assert get("rrelu_train").param("lower").to_dict()["random"] is None
    assert get("prelu").param("a").to_dict()["learnable"] is True


def test_the_piecewise_of_a_clamp_reads_as_its_definition():
    hardtanh = get("hardtanh")
    lo, hi = hardtanh.symbols["min_val"], hardtanh.symbols["max_val"]
    assert hardtanh.expr == sp.Piecewise((lo, z < lo), (z, z < hi), (hi, True))
    elu = get("elu")
    alpha = elu.symbols["alpha"]
    assert elu.expr == sp.Piecewise((alpha * (sp.exp(z) - 1), z <= 0), (z, True))
    assert get("gelu").expr == get("gelu").pieces[0].expr  # one piece: no Piecewise


@pytest.mark.parametrize(
    "raw, exact",
    [
        (3, sp.Integer(3)),
        (0.5, sp.Rational(1, 2)),
        (0.1, sp.Rational(3602879701896397, 36028797018963968)),  # the float, exactly
        ("0.1", sp.Rational(1, 10)),
        (" 1/3 ", sp.Rational(1, 3)),
        ("-2", sp.Integer(-2)),
        (sp.Rational(2, 7), sp.Rational(2, 7)),
    ],
)
def test_numbers_are_made_exact(raw, exact):
    value = exact_number(raw, "x")
    assert value == exact and type(value) is type(exact)


@pytest.mark.parametrize(
    "raw, message",
    [
        (True, "x: expected a number, got True."),
        (float("inf"), "x: inf is not a finite real number."),
        (float("nan"), "x: nan is not a finite real number."),
        (sp.oo, "x: oo is not a finite real number."),
        (sp.I, "x: I is not a finite real number."),
        (
            "pi/4",
            "x: 'pi/4' is not a number; give a decimal like 0.1 or a fraction like 1/3.",
        ),
        ("1/0", "x: '1/0' is not a number"),
    ],
)
def test_bad_numbers_are_refused_with_the_reason(raw, message):
    with pytest.raises(ReluproofError) as error:
        exact_number(raw, "x")
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    "name, overrides, message",
    [
        (
            "elu",
            {"alpha": "-1"},
            "elu: parameter alpha=-1 is outside its domain (0, oo); choose a value inside it.",
        ),
        ("leaky_relu", {"negative_slope": "-1/2"}, "outside its domain [0, oo);"),
        ("rrelu_train", {"r": "0.5"}, "parameter r=1/2 is outside its domain [1/8, 1/3];"),
        (
            "hardtanh",
            {"min_val": "2"},
            "hardtanh: the parameters break the constraint min_val < max_val "
            "(min_val=2, max_val=1).",
        ),
        ("relu", {"x": 1}, "relu has no parameter 'x' (its parameters: none)."),
        ("elu", {"beta": 1}, "elu has no parameter 'beta' (its parameters: alpha)."),
    ],
)
def test_binding_errors_say_what_and_why(name, overrides, message):
    with pytest.raises(ReluproofError) as error:
        get(name).bind(overrides)
    assert message in str(error.value)


def test_a_random_slope_may_sit_on_either_end_of_its_law():
    train = get("rrelu_train")
    for r in ("1/8", "1/3"):
        assert train.bind({"r": r})[train.symbols["r"]] == sp.Rational(r)
    values = train.bind({"lower": "1/2", "upper": "1", "r": "3/4"})
    assert values[train.symbols["r"]] == sp.Rational(3, 4)
    assert get("rrelu").bind({"lower": "1/4", "upper": "1/4"})  # lower == upper is allowed


def test_names_are_found_by_alias_and_spelling():
    assert get(" SiLU ").name == "silu"
    assert get("swish").name == "silu"
    assert get("LEAKY-RELU").name == "leaky_relu"
    assert catalogue.ALIASES == {"swish": "silu"}
    with pytest.raises(ReluproofError) as error:
        get("zzzzzz")
    assert str(error.value) == "unknown activation 'zzzzzz'. `reluproof list` shows the catalogue."
    with pytest.raises(ReluproofError) as error:
        get("hardswich")
    assert "Did you mean 'hardswish'?" in str(error.value)


def test_set_text_and_latex_names():
    assert catalogue._set_text(sp.Interval.Lopen(0, 1)) == "(0, 1]"
    assert catalogue._set_text(sp.Interval.Ropen(0, 1)) == "[0, 1)"
    assert catalogue._set_text(sp.FiniteSet(1)) == "{1}"
    names = {s.name: tex for s, tex in catalogue.latex_names().items()}
    assert names == {
        "negative_slope": "s",
        "lower": "l",
        "upper": "u",
        "lambda_": r"\lambda",
        "beta_": r"\beta",
        "min_val": r"z_{\min}",
        "max_val": r"z_{\max}",
    }


def test_parameters_carry_the_assumptions_their_domains_allow():
    for name in ("elu", "selu", "celu", "silu", "softplus"):
        for p in get(name).params:
            assert p.symbol.is_positive, (name, p.name)
    for p in get("hardtanh").params + get("prelu").params:
        assert p.symbol.is_real and p.symbol.is_positive is None


# LaTeX commands the titles may use: ones plain LaTeX (texlive-latex-base) knows
TITLE_COMMANDS = {"mathrm", "sigma", "tanh"}


@pytest.mark.parametrize("name", ALL)
def test_texts_are_present_and_titles_are_plain_latex(name):
    a = get(name)
    assert isinstance(a.title, str) and a.title
    assert set(re.findall(r"\\([A-Za-z]+)", a.title)) <= TITLE_COMMANDS, a.title
    assert a.title.count("{") == a.title.count("}")
    assert isinstance(a.citation, str) and a.citation
    assert isinstance(a.note, str)
    for p in a.params:
        assert isinstance(p.description, str) and p.description
        assert isinstance(p.latex, str)
