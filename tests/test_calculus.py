"""The calculus, tested generically over the catalogue (OpInfo style) and against the
facts the issue names (ELU differentiable iff alpha = 1, SELU not, CELU C^1, ...)."""

import json
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import extreme_parameter_values, parameter_values

from derivations.calculus import DIES, NEITHER, SATURATES, derive, equality_condition
from derivations.catalogue import CATALOGUE, get, z
from derivations.errors import ReluproofError

ALL = list(CATALOGUE)
DPS = 40


def _bound(name, values):
    a = get(name)
    return {a.symbols[k]: sp.Rational(v) for k, v in values.items()}


def _mp(expr):
    return sp.lambdify(z, expr, "mpmath")


@pytest.mark.parametrize("name", ALL)
@given(data=st.data())
def test_derivative_matches_finite_difference(name, data):
    """f' from SymPy against a central difference of f, at 40 digits, away from kinks."""
    a = get(name)
    values = _bound(name, data.draw(parameter_values(a), label="params"))
    d = derive(name)
    breaks = [float(b.subs(values)) for b in a.breakpoints]
    x = data.draw(
        st.floats(-8, 8).filter(lambda t: all(abs(t - b) > 1e-3 for b in breaks)), label="z"
    )
    f = _mp(a.expr.subs(values))
    df = _mp(d.derivative.subs(values))
    with mpmath.workdps(DPS):
        h = mpmath.mpf("1e-12")
        point = mpmath.mpf(x)
        numeric = (f(point + h) - f(point - h)) / (2 * h)
        exact = df(point)
        assert abs(numeric - exact) <= mpmath.mpf("1e-15") * (1 + abs(exact))


@pytest.mark.parametrize("name", [n for n in ALL if get(n).breakpoints])
@given(data=st.data())
def test_continuous_at_every_breakpoint_for_drawn_parameters(name, data):
    """One-sided values agree at every breakpoint, for parameters across their domains:
    the Piecewise itself at b -+ 1e-30, evaluated with 50 digits."""
    a = get(name)
    values = _bound(name, data.draw(parameter_values(a), label="params"))
    f = _mp(a.expr.subs(values))
    with mpmath.workdps(50):
        eps = mpmath.mpf("1e-30")
        for b in a.breakpoints:
            at = mpmath.mpf(sp.N(b.subs(values), 60))
            assert abs(f(at - eps) - f(at + eps)) < mpmath.mpf("1e-25")
    assert all(bp.continuous_condition == sp.true for bp in derive(name).breakpoints)


def test_elu_differentiable_at_zero_iff_alpha_is_one():
    bp = derive("elu").breakpoints[0]
    assert bp.differentiable_condition == sp.Eq(get("elu").symbols["alpha"], 1)
    assert derive("elu").breakpoints[0].differentiable  # PyTorch's default alpha = 1
    for alpha in ("0.1", "0.2", "0.3", "2"):
        assert not derive("elu", {"alpha": alpha}).breakpoints[0].differentiable
    assert derive("elu", {"alpha": "0.2"}).smoothness == 0
    assert derive("elu").smoothness == 1


def test_selu_is_not_differentiable_at_zero():
    bp = derive("selu").breakpoints[0]
    assert bp.continuous and not bp.differentiable
    lam = get("selu").symbols["lambda"]
    alpha = get("selu").symbols["alpha"]
    assert bp.subgradient == (sp.Min(lam, alpha * lam), sp.Max(lam, alpha * lam))
    values = derive("selu").values
    assert bp.subgradient_at_values == (lam.subs(values), (alpha * lam).subs(values))


@given(alpha=st.fractions(Fraction(1, 100), Fraction(10), max_denominator=100))
def test_celu_is_c1_for_every_alpha(alpha):
    a = get("celu")
    s = a.symbols["alpha"]
    bp = derive("celu").breakpoints[0]
    assert bp.differentiable_condition == sp.true
    # and not C^2: f''(0-) = 1/alpha, f''(0+) = 0
    second_left = sp.diff(a.pieces[0].expr, z, 2).subs(z, 0).subs(s, sp.Rational(alpha))
    assert second_left == 1 / sp.Rational(alpha)


@pytest.mark.parametrize(
    "name, at, differentiable, smoothness",
    [
        ("relu", 0, False, 0),
        ("leaky_relu", 0, False, 0),
        ("relu6", 6, False, 0),
        ("hardswish", -3, False, 0),
        ("hardswish", 3, False, 0),
        ("softsign", 0, True, 1),
        ("celu", 0, True, 1),
        ("elu", 0, True, 1),
    ],
)
def test_breakpoint_verdicts(name, at, differentiable, smoothness):
    (bp,) = [b for b in derive(name).breakpoints if b.at_value == at]
    assert bp.differentiable is differentiable
    assert bp.smoothness == smoothness


def test_subgradients_at_kinks():
    assert derive("relu").breakpoints[0].subgradient == (0, 1)
    hs = {b.at_value: b.subgradient for b in derive("hardswish").breakpoints}
    assert hs[-3] == (sp.Rational(-1, 2), 0)
    assert hs[3] == (1, sp.Rational(3, 2))


def test_zero_gradient_sets():
    oo = sp.oo
    assert derive("relu").zero_gradient_set.as_set == sp.Interval.open(-oo, 0)
    assert derive("relu6").zero_gradient_set.as_set == sp.Union(
        sp.Interval.open(-oo, 0), sp.Interval.open(6, oo)
    )
    assert derive("leaky_relu").zero_gradient_set.as_set == sp.S.EmptySet
    assert derive("hardswish").zero_gradient_set.as_set == sp.Union(
        sp.Interval.open(-oo, -3), sp.FiniteSet(sp.Rational(-3, 2))
    )
    # leaky ReLU with slope 0 is ReLU, and dies
    assert derive("leaky_relu", {"negative_slope": "0"}).death == DIES


@pytest.mark.parametrize(
    "name, point",
    [("gelu", "-0.7517915247"), ("silu", "-1.2784645428"), ("mish", "-1.1924312145")],
)
def test_isolated_zeros_of_smooth_gates(name, point):
    zs = derive(name).zero_gradient_set
    assert not zs.positive_measure and zs.numeric
    (only,) = zs.points
    assert f"{float(only):.10f}" == point


EXPECTED_DEATH = {
    "relu": DIES, "relu6": DIES, "hardtanh": DIES, "hardsigmoid": DIES, "hardswish": DIES,
    "leaky_relu": NEITHER, "prelu": NEITHER, "rrelu": NEITHER, "rrelu_train": NEITHER,
    "identity": NEITHER,
    "elu": SATURATES, "selu": SATURATES, "celu": SATURATES, "gelu": SATURATES,
    "gelu_tanh": SATURATES, "silu": SATURATES, "mish": SATURATES, "softplus": SATURATES,
    "sigmoid": SATURATES, "tanh": SATURATES, "softsign": SATURATES,
}  # fmt: skip


@pytest.mark.parametrize("name", ALL)
def test_death_classification(name):
    d = derive(name)
    assert d.death == EXPECTED_DEATH[name]
    assert d.can_die == (EXPECTED_DEATH[name] == DIES)


def test_limits_range_monotonicity():
    alpha = get("elu").symbols["alpha"]
    assert derive("elu").limits_symbolic["f(-oo)"] == -alpha
    assert derive("elu", {"alpha": "0.3"}).limits["f(-oo)"] == sp.Rational(-3, 10)
    assert derive("sigmoid").range == sp.Interval.open(0, 1)
    assert derive("tanh").range == sp.Interval.open(-1, 1)
    assert derive("relu").range == sp.Interval(0, sp.oo)
    assert derive("hardswish").range == sp.Interval(sp.Rational(-3, 8), sp.oo)
    assert derive("relu6").range == sp.Interval(0, 6)
    assert derive("gelu").monotonicity == "not monotone"
    assert derive("sigmoid").monotonicity == "strictly increasing"
    assert derive("relu").monotonicity == "non-decreasing"
    assert abs(float(derive("gelu").range.inf) + 0.1699712074799) < 1e-12
    assert derive("sigmoid").limits["f'(+oo)"] == 0


def test_prelu_derivative_in_its_slope():
    a = get("prelu").symbols["a"]
    assert derive("prelu").param_derivatives["a"] == sp.Piecewise((z, z < 0), (0, True))
    assert derive("prelu").derivative == sp.Piecewise((a, z < 0), (1, True))


def test_equality_condition_drops_nonzero_factors():
    lam = sp.Symbol("lam", positive=True)
    alpha = sp.Symbol("alpha", positive=True)
    assert equality_condition(lam * alpha, lam) == sp.Eq(alpha, 1)
    assert equality_condition(lam, lam) == sp.true
    assert equality_condition(sp.Integer(1), sp.Integer(2)) == sp.false


# ---------------------------------------------------------------------------------------
# Every parameter value: zeros, range and monotonicity against an independent computation

PARAMETRISED = [n for n in ALL if get(n).params]
EXTREME_EXAMPLES = max(3, settings.default.max_examples // 5)


def _independent_profile(name: str, values: dict, decades: int = 16, dps: int = 50):
    """Zeros of f', the extremes of f and the signs of f', computed WITHOUT the calculus:
    f' by SymPy's diff of each bound piece, evaluated by mpmath at `dps` digits (no
    underflow) on a log-spaced grid |z| in [10^-decades, 10^decades] (8 points a decade),
    sign changes refined by mpmath's bisection-safe solver."""
    a = get(name)
    breaks = [b.subs(values) for b in a.breakpoints]
    ends = [-sp.oo, *breaks, sp.oo]
    magnitudes = [mpmath.mpf(10) ** (mpmath.mpf(e) / 8) for e in range(-8 * decades, 8 * decades)]
    zeros, signs, f_values, zero_pieces = [], set(), [], 0
    with mpmath.workdps(dps):
        for piece, lo, hi in zip(a.pieces, ends[:-1], ends[1:], strict=True):
            expr = piece.expr.subs(values)
            f = sp.lambdify(z, expr, "mpmath")
            df = sp.lambdify(z, sp.diff(expr, z), "mpmath")
            lo_f = -mpmath.inf if lo == -sp.oo else mpmath.mpf(sp.N(lo, dps))
            hi_f = mpmath.inf if hi == sp.oo else mpmath.mpf(sp.N(hi, dps))
            grid = sorted({-m for m in magnitudes} | {mpmath.mpf(0)} | set(magnitudes))
            inner = [x for x in grid if lo_f < x < hi_f]
            if lo_f > -mpmath.inf and hi_f < mpmath.inf:  # a bounded piece: its midpoint too
                inner = sorted({*inner, (lo_f + hi_f) / 2})
            slopes = [mpmath.mpf(df(x)) for x in inner]
            if all(s == 0 for s in slopes):
                zero_pieces += 1
                signs.add(0)
            else:
                signs |= {int(mpmath.sign(s)) for s in slopes}
            f_values += [mpmath.mpf(f(x)) for x in inner]
            for x0, x1, s0, s1 in zip(inner, inner[1:], slopes, slopes[1:], strict=False):
                if s0 * s1 < 0:
                    root = mpmath.findroot(df, (x0, x1), solver="anderson")
                    zeros.append(root)
                    f_values.append(mpmath.mpf(f(root)))
        f_values += [mpmath.mpf(sp.N(a.expr.subs(values).subs(z, b), dps)) for b in breaks]
    return zeros, signs, f_values, zero_pieces


def _expected_monotonicity(signs: set) -> str:
    if signs == {1}:
        return "strictly increasing"
    if signs <= {0, 1} and 1 in signs:
        return "non-decreasing"
    if signs == {-1}:
        return "strictly decreasing"
    if signs <= {0, -1}:
        return "non-increasing"
    return "not monotone"


def _close(x, y, rel: str | mpmath.mpf = "1e-20") -> bool:
    return abs(x - y) <= mpmath.mpf(rel) * max(abs(x), abs(y), mpmath.mpf("1e-300"))


def _check_against_independent(name: str, values: dict):
    names = {p.symbol: p.name for p in get(name).params}
    d = derive(name, {names[s]: str(v) for s, v in values.items()})
    zeros, signs, f_values, zero_pieces = _independent_profile(name, values)
    zs = d.zero_gradient_set
    assert zs.method != "numeric", f"{name} at {values}: zeros only found numerically"
    assert len(zs.intervals) == zero_pieces
    assert len(zs.points) == len(zeros), (name, values, zs.points, zeros)
    with mpmath.workdps(50):
        for reported, independent in zip(sorted(zs.points, key=float), zeros, strict=True):
            assert _close(mpmath.mpf(sp.N(reported, 40)), independent), (reported, independent)
        assert d.monotonicity == _expected_monotonicity(signs)
        assert not d.range.free_symbols
        low, high = min(f_values), max(f_values)
        # no value of f lies outside the range, and a finite end is attained or approached
        if d.range.inf.is_finite:
            inf = mpmath.mpf(sp.N(d.range.inf, 40))
            assert low >= inf - mpmath.mpf("1e-20") * (1 + abs(inf))
            assert _close(low, inf, mpmath.mpf("1e-12")) or abs(low - inf) < mpmath.mpf("1e-12")
        if d.range.sup.is_finite:
            sup = mpmath.mpf(sp.N(d.range.sup, 40))
            assert high <= sup + mpmath.mpf("1e-20") * (1 + abs(sup))
            assert _close(high, sup, mpmath.mpf("1e-12")) or abs(high - sup) < mpmath.mpf("1e-12")


@pytest.mark.parametrize("name", PARAMETRISED)
@settings(max_examples=EXTREME_EXAMPLES)
@given(data=st.data())
def test_zeros_range_monotonicity_for_extreme_parameters(name, data):
    """Parameters across the whole domain (10^-12 .. 10^12, 0, 1, the ends), checked against
    mpmath on a log-spaced grid out to |z| = 10^16: a zero outside [-40, 40], an f' that
    underflows a double, a slope of exactly 0 or 1 must all come out right."""
    a = get(name)
    drawn = data.draw(extreme_parameter_values(a), label="params")
    _check_against_independent(name, {a.symbols[k]: sp.Rational(v) for k, v in drawn.items()})


@pytest.mark.parametrize("beta", ["1", "0.01", "1e-3", "3/100", "1e6", "10", "1000", "1e-300"])
def test_silu_zero_scales_as_one_over_beta(beta):
    """u = beta*z turns SiLU' into sigma(u)(1 + u(1 - sigma(u))), free of beta: its one zero
    u* (mpmath, independently) gives z* = u*/beta and the minimum u* sigma(u*)/beta."""
    with mpmath.workdps(50):
        u = mpmath.findroot(lambda t: 1 + t * (1 - 1 / (1 + mpmath.exp(-t))), -1.3)
        minimum = u / (1 + mpmath.exp(-u))
        b = mpmath.mpf(sp.N(sp.Rational(Fraction(beta)), 50))
        d = derive("silu", {"beta": beta})
        (point,) = d.zero_gradient_set.points
        assert d.zero_gradient_set.method == "rigorous"
        assert _close(mpmath.mpf(sp.N(point, 40)), u / b, mpmath.mpf("1e-25"))
        assert _close(mpmath.mpf(sp.N(d.range.inf, 40)), minimum / b, mpmath.mpf("1e-25"))
    assert not d.range.left_open and d.range.sup == sp.oo
    assert d.monotonicity == "not monotone" and d.death == SATURATES


def test_silu_json_for_beta_001_reports_the_zero_and_the_minimum():
    row = derive("silu", {"beta": "0.01"}).to_dict()
    (point,) = row["zero_gradient_set"]["points"]
    assert point.startswith("-127.846454276")
    assert row["range"].startswith("Interval(-27.846454276")
    assert row["monotonicity"] == "not monotone"
    lo, hi = (sp.Rational(e) for e in row["zero_gradient_set"]["enclosures"][0])
    assert hi - lo < sp.Rational(1, 10**25)  # the enclosure, 30 digits; the point shows 20
    assert abs(sp.Rational(sp.Float(point, 30)) - lo) < sp.Rational(1, 10**16)


# ---------------------------------------------------------------------------------------
# Huge, tiny and special parameter values


def _domain_specials(p) -> list[str]:
    domain = p.domain
    points = {sp.S.Zero, sp.S.One, domain.inf, domain.sup}
    return [str(v) for v in points if v.is_finite and domain.contains(v) == sp.true]


SPECIAL_CASES = [
    (a.name, p.name, v) for a in CATALOGUE.values() for p in a.params for v in _domain_specials(p)
]
HUGE_CASES = [
    (a.name, p.name, v)
    for a in CATALOGUE.values()
    for p in a.params
    for v in ("1e400", "1e-400", "-1e400", "-1e-400")
]


def _json_row(name, overrides):
    """derive(...).to_dict() through json, or the one-line error."""
    try:
        return json.loads(json.dumps(derive(name, overrides).to_dict())), None
    except ReluproofError as error:
        message = str(error)
        assert "\n" not in message and len(message) < 300, message
        return None, message


@pytest.mark.parametrize("name, param, value", HUGE_CASES)
def test_huge_and_tiny_parameters_work_or_say_why(name, param, value):
    row, error = _json_row(name, {param: value})
    if row is None:
        assert "outside its domain" in error or "constraint" in error
        return
    assert sp.Rational(row["params"][param]) == sp.Rational(Fraction(value))
    assert row["params_float"][param] in (None, float(value))
    assert all(sp.sympify(v).is_number for v in row["limits"].values())


@pytest.mark.parametrize(
    "args", [["elu", "--param", "alpha=1e400"], ["celu", "--param", "alpha=1e-400"]]
)
def test_the_issues_huge_and_tiny_examples_through_the_cli(args, capsys):
    from reluproof.cli import main

    assert main(["derive", *args, "--json", "-q", "-j", "1"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["death"] == SATURATES and row["monotonicity"] == "strictly increasing"


@pytest.mark.parametrize("value", ["1e4001", "1e-4001", "1" * 4100])
def test_numbers_too_long_to_print_are_refused_in_one_line(value):
    with pytest.raises(ReluproofError, match="digits|exponent"):
        get("silu").bind({"beta": value})


@pytest.mark.parametrize("name, param, value", SPECIAL_CASES)
def test_special_parameter_values(name, param, value):
    """Each parameter at 0, 1 and its domain's finite ends: values, not symbols, in the
    range and limits; a piece with f' = 0 makes the unit die with range from its value; a
    kink whose two pieces are one function (slope exactly 1) is C^inf and differentiable."""
    row, error = _json_row(name, {param: value})
    if row is None:
        assert "constraint" in error or "outside its domain" in error
        return
    d = derive(name, {param: value})
    assert not d.range.free_symbols
    assert all(not v.free_symbols for v in d.limits.values())
    bound = [p.expr.subs(d.values) for p in get(name).pieces]
    flat = [sp.diff(e, z) == 0 for e in bound]
    assert d.can_die == any(flat)
    assert (d.dies_condition.subs(d.values) == sp.true) == any(flat)
    for index, bp in enumerate(d.breakpoints):
        same = sp.simplify(bound[index] - bound[index + 1]) == 0
        assert (bp.smoothness is None) == same
        if same:
            assert bp.differentiable and bp.subgradient_at_values[0] == bp.subgradient_at_values[1]
    if all(sp.simplify(e - bound[0]) == 0 for e in bound):
        assert d.smoothness is None


@pytest.mark.parametrize(
    "name, overrides",
    [
        ("leaky_relu", {"negative_slope": "0"}),
        ("prelu", {"a": "0"}),
        ("rrelu", {"lower": "0", "upper": "0"}),
        ("rrelu_train", {"lower": "0", "r": "0"}),
    ],
)
def test_slope_zero_is_relu(name, overrides):
    d = derive(name, overrides)
    assert d.range == sp.Interval(0, sp.oo)
    assert d.death == DIES and d.monotonicity == "non-decreasing"
    assert d.zero_gradient_set.as_set == sp.Interval.open(-sp.oo, 0)


@pytest.mark.parametrize(
    "name, overrides",
    [
        ("leaky_relu", {"negative_slope": "1"}),
        ("prelu", {"a": "1"}),
        ("rrelu", {"lower": "1", "upper": "1"}),
        ("rrelu_train", {"upper": "1", "r": "1"}),
        ("hardtanh", {"min_val": "-1e400", "max_val": "1e400"}),
    ],
)
def test_slope_one_is_smooth(name, overrides):
    d = derive(name, overrides)
    if name != "hardtanh":
        assert d.smoothness is None and d.range == sp.Interval(-sp.oo, sp.oo)
        assert all(b.differentiable and b.smoothness is None for b in d.breakpoints)
        assert d.death == NEITHER and d.monotonicity == "strictly increasing"
    else:  # a clamp far out is still a clamp: C^0, and it dies
        assert d.smoothness == 0 and d.death == DIES


def test_rrelu_train_states_its_results_as_conditions_on_r():
    d = derive("rrelu_train", {"lower": "0", "upper": "2", "r": "3/2"})
    r = get("rrelu_train").symbols["r"]
    (bp,) = d.breakpoints
    assert d.dies_condition == sp.Eq(r, 0)
    assert bp.differentiable_condition == sp.Eq(r, 1)
    assert bp.subgradient == (sp.Min(1, r), sp.Max(1, r))
    assert bp.subgradient_at_values == (1, sp.Rational(3, 2))  # [1, r], not [r, 1]
    assert derive("rrelu_train", {"lower": "0", "upper": "2", "r": "0"}).death == DIES
    assert derive("rrelu_train", {"lower": "0", "upper": "2", "r": "1"}).smoothness is None
    note = get("rrelu_train").note
    assert "r given" in note and "every statement holds" not in note


@pytest.mark.parametrize("name", ALL)
@given(data=st.data())
def test_subgradient_is_ordered(name, data):
    a = get(name)
    drawn = data.draw(parameter_values(a), label="params")
    d = derive(name, {k: str(v) for k, v in drawn.items()})
    for bp in d.breakpoints:
        lo, hi = bp.subgradient_at_values
        one_sided = {bp.left_derivative.subs(d.values), bp.right_derivative.subs(d.values)}
        assert sp.N(lo, 30) <= sp.N(hi, 30)
        assert {sp.nsimplify(sp.N(v, 30)) for v in (lo, hi)} == {
            sp.nsimplify(sp.N(v, 30)) for v in one_sided
        }


# ---------------------------------------------------------------------------------------
# derive --json reads back


NOT_SYMPY = {"name", "title", "latex", "citation", "note", "death", "monotonicity"}
NOT_SYMPY |= {"smoothness", "method", "activation", "loss"}


def _strings(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in NOT_SYMPY:
                yield from _strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v, key)
    elif isinstance(node, str):
        yield key, node


@pytest.mark.parametrize("name", ALL)
def test_every_sympy_string_in_derive_json_round_trips(name):
    from derivations.render import activation_data

    row = json.loads(json.dumps(activation_data(name)))
    count = 0
    for key, text in _strings(row):
        parsed = sp.sympify(text)  # raises on "lambda", on "\\hat{y}", on beta(...) misuse
        assert sp.sympify(str(parsed)) == parsed, (key, text)
        count += 1
    assert count > 10
    a = get(name)
    names = {s.name: s for s in a.expr.free_symbols}
    assert sp.sympify(row["expr"]["sympy"], locals=names) == a.expr
    assert row["note"] == a.note
    assert set(row["params"]) == {p.name for p in a.params}


# ---------------------------------------------------------------------------------------
# Limits from asymptotic forms agree with Gruntz; the upward edge stays lazy


@pytest.mark.parametrize("name", ALL)
def test_asymptotic_limits_agree_with_gruntz(name):
    from derivations.asymptotics import asymptotic_limit, limit_form

    a = get(name)
    values = a.bind()
    outer = [limit_form(a.pieces[0].expr), limit_form(a.pieces[-1].expr)]
    cases = [(outer[0], -sp.oo), (outer[1], sp.oo)]
    cases += [(sp.diff(outer[0], z), -sp.oo), (sp.diff(outer[1], z), sp.oo)]
    for expr, at in cases:
        bound = expr.subs(values)
        fast = asymptotic_limit(bound, at)
        if fast is None:
            continue
        slow = sp.limit(bound, z, at)
        if slow.is_finite:
            assert abs(sp.N(fast - slow, 30)) < 1e-25, (name, at, fast, slow)
        else:
            assert fast == slow, (name, at, fast, slow)


def test_importing_derivations_loads_no_numeric_code():
    import subprocess
    import sys

    probe = "import sys, derivations.render; print(sorted(m for m in sys.modules if m in "
    probe += "('numeric', 'numeric.intervals', 'numeric.oracle', 'numpy', 'proofs')))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_zero_found_only_numerically_is_labelled_so(monkeypatch):
    """Should the rigorous argument not close, the zeros still come (a 50-digit scan) but
    the output says `numeric`, and the report says they are not proved."""
    from derivations import calculus, render, zeros

    def give_up(self, g, lo, hi, depth=0):
        raise zeros.Undecided("forced by the test")

    monkeypatch.setattr(zeros.ZeroFinder, "zeros", give_up)
    monkeypatch.setattr(calculus, "_CACHE", {})
    monkeypatch.setenv("RELUPROOF_NO_CACHE", "1")
    d = calculus.derive("silu", {"beta": "0.01"})
    assert d.zero_gradient_set.method == "numeric"
    (point,) = d.zero_gradient_set.points
    assert abs(float(point) + 127.846454276107) < 1e-9
    row = d.to_dict()["zero_gradient_set"]
    assert row["numeric"] is True and row["method"] == "numeric"
    section = render.activation_section("silu", {"beta": "0.01"})
    assert "not proved" in render.markdown_document([section], "t", "0")
