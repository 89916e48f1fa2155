"""Tests for the proofs.dead_units package: every dead-unit theorem's verdict, negative
controls that must fail (a live gradient is not zero, a wrong root is excluded, eta*lambda > 1
breaks permanence), the exact rational network checked against exact central differences, and
Hypothesis over random exact datasets: a dead first-layer unit stays dead under minibatch SGD
with 0 <= eta*lambda < 1, and weight decay without the bias can wake it only through b > 0."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
import sympy as sp
from flint import arb, ctx
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import parameter_values

from derivations.calculus import derive
from derivations.catalogue import CATALOGUE, get, z
from numeric import intervals
from numeric.oracle import arb_function
from proofs import dead_units as du
from proofs.theorem import _REGISTRY, Status, run

DEAD_IDS = sorted(t for t in _REGISTRY if t.startswith("dead."))


# ---- theorems ---------------------------------------------------------------------------


@pytest.mark.parametrize("theorem_id", DEAD_IDS)
def test_theorem_verdict_is_expected(theorem_id):
    result = run(_REGISTRY[theorem_id])
    assert result.verdict.status == result.theorem.expected, result.verdict.summary
    json.dumps(result.to_dict())  # the certificate must serialise


def test_the_theorems_asked_for_are_registered():
    # proofs.claims settles source claims by some of these ids: they must not change.
    required = {
        "dead.zero_gradient",
        "dead.permanent_first_layer",
        "dead.revives_weight_decay_without_bias",
        "dead.revives_momentum",
        "dead.revives_adam",
        "dead.revives_large_decay",
        "dead.second_layer_revives",
        "dead.no_exact_death",
        "dead.layer_cut",
        "dead.minibatch_nuance",
        "dead.isolated_zeros.gelu",
        "dead.isolated_zeros.silu",
        "dead.isolated_zeros.mish",
    }
    required |= {f"dead.zero_gradient.{n}" for n in ("relu6", "hardtanh", "hardsigmoid")}
    required |= {f"dead.gradient_survives.{n}" for n in ("leaky_relu", "elu", "selu")}
    assert required <= set(DEAD_IDS)


def test_dying_activations_are_read_off_the_catalogue():
    # The constant pieces and the calculus module agree on who can die exactly.
    assert set(du.DYING) == {"relu6", "hardtanh", "hardsigmoid", "hardswish"}
    for name in (*du.DYING, "relu"):
        assert derive(name).zero_gradient_set.positive_measure
    for name in du.NO_DEATH:
        assert not derive(name).zero_gradient_set.positive_measure
        assert not du.constant_pieces(get(name))


@pytest.mark.parametrize("theorem_id", DEAD_IDS)
def test_statement_is_valid_prose(theorem_id):
    # The report escapes text outside $...$, so LaTeX commands belong inside math only.
    parts = _REGISTRY[theorem_id].statement.split("$")
    assert len(parts) % 2 == 1, "unbalanced $"
    for text in parts[::2]:
        assert "\\" not in text and "_" not in text, text


# Every theorem's quote is checked against its document in tests/test_claims.py.


# ---- negative controls: the arguments must be able to fail ------------------------------


@pytest.mark.parametrize("name", sorted(du.NO_DEATH))
def test_zero_gradient_argument_does_not_kill_the_variants(name):
    result = du.dead_gradient(name, 0, du.zero_gradient.assumed_parameters(name))
    assert not result.all_zero
    assert du.zero_gradient._witness_value(result.dead_weight_gradient).is_nonzero


def test_no_death_check_fails_without_the_assumption(monkeypatch):
    # A slope that may be 0 is not decided positive: the theorem must not be PROVED.
    weaker = du.NoDeathSpec({"negative_slope": {"nonnegative": True}}, r"s \ge 0", True)
    monkeypatch.setitem(du.NO_DEATH, "leaky_relu", weaker)
    assert any(c["decided"] is not True for c in du.no_death_checks("leaky_relu"))
    assert run(_REGISTRY["dead.no_exact_death"]).verdict.status == Status.UNDECIDED


def test_leaky_relu_with_slope_zero_is_relu_and_dies():
    slope = get("leaky_relu").symbols["negative_slope"]
    assert du.dead_gradient("leaky_relu", 0, {slope: sp.Integer(0)}).all_zero


def test_relu_on_its_positive_piece_has_a_gradient():
    result = du.dead_gradient("relu", 1)
    assert not result.all_zero
    assert du.zero_gradient._witness_value(result.dead_weight_gradient) == 1


@given(data=st.data())
@settings(deadline=None, max_examples=25)  # each draw is a symbolic derivation (~40 ms)
def test_dead_gradient_vanishes_at_concrete_parameters(data):
    # Only the activations with parameters: the others have nothing to draw.
    name = data.draw(st.sampled_from([n for n in du.DYING if get(n).params]), label="activation")
    a = get(name)
    values = data.draw(parameter_values(a), label="params")
    concrete = {a.symbols[p]: sp.Rational(v) for p, v in values.items()}
    for k in du.constant_pieces(a):
        assert du.dead_gradient(name, k, concrete).all_zero


def test_permanence_invariant_fails_when_eta_lambda_exceeds_one():
    assert du.decay_step(du.KAPPA).new_sign_negative is True
    flipped = du.decay_step(du.KAPPA_NEGATIVE)
    assert flipped.gradient_vanishes and flipped.difference == 0
    assert flipped.new_sign_negative is not True
    net = du.ExactMLP.of([[[2, -1]], [[1]]], [[-5], [0]])
    xs = [[1, 1], [0, 2], [1, -1]]
    data = [du.make_example(x, [1]) for x in xs]
    assert du.is_dead(net, xs, 0, 0)
    stepped, _, _ = du.SGD(Fraction(3, 2), weight_decay=Fraction(1)).step(net, data)
    before = du.unit_pre_activations(net, xs, 0, 0)
    after = du.unit_pre_activations(stepped, xs, 0, 0)
    assert after == tuple(-v / 2 for v in before)
    assert all(v > 0 for v in after)


def test_layer_cut_control_with_a_live_unit():
    assert du.layer_cut(3).dead_gradient == 0
    assert du.layer_cut(3, alive=2).dead_gradient != 0
    assert du.layer_cut_general().dead_gradient == 0


@pytest.mark.parametrize("name", sorted(du.STATED_ROOTS))
def test_wrong_root_values_are_excluded(name, monkeypatch):
    result = du.ZERO_FINDERS[name]()
    enclosure = result.enclosure
    stated = Fraction(du.STATED_ROOTS[name])
    unit = Fraction(10) ** Decimal(du.STATED_ROOTS[name]).as_tuple().exponent  # last digit
    for wrong in (stated + unit, stated - unit):
        assert enclosure.excludes(wrong)
    assert enclosure.hi - enclosure.lo < unit
    wrong_text = str(intervals.round_significant(stated + unit))
    monkeypatch.setitem(du.STATED_ROOTS, name, wrong_text)
    assert du.isolated_zeros._root_verdict(name, result).status == Status.REFUTED


def test_roots_agree_with_the_calculus_module():
    # derivations.calculus finds the zeros numerically (mpmath, labelled numeric); the
    # rigorous enclosures must contain them.
    for name, find in du.ZERO_FINDERS.items():
        (point,) = derive(name).zero_gradient_set.points
        assert not find().enclosure.excludes(sp.Rational(str(point)))


def test_locate_root_refuses_a_bracket_without_a_sign_change():
    square = arb_function(z**2 + 1)
    with pytest.raises(ArithmeticError):
        intervals.locate_root(square, Fraction(-1), Fraction(1))


def test_box_cover_counts_two_zeros():
    # zeros at +-1/sqrt(3), never a dyadic box end (where the sign would be undecidable)
    first = arb_function(z**2 - sp.Rational(1, 3))
    second = arb_function(2 * z)
    cover = intervals.sign_cover(first, second, Fraction(-1), Fraction(1))
    assert cover.zeros == 2
    assert cover.tiles(Fraction(-1), Fraction(1))


def test_mish_tail_bound_holds_where_it_is_claimed():
    # f' < 0 on (-oo, -3] by the tail lemma: spot-check the derivative itself in balls.
    f1 = arb_function(derive("mish").piece_derivatives[0])
    # f'(-60) is about -1e-26: enough bits to see 1 + e^z differ from 1
    with ctx.workprec(256):
        for point in (-3, -5, -20, -60):
            assert f1(arb(point)) < 0


def test_arb_function_encloses_sympy_values():
    expr = derive("gelu").piece_derivatives[0]
    fn = arb_function(expr)
    with ctx.workprec(128):
        for point in (Fraction(-3, 2), Fraction(1, 3), Fraction(7)):
            ball = fn(intervals.ball(point))
            exact = sp.N(expr.subs(z, sp.Rational(point)), 40)
            lo, hi = intervals.ends(ball)
            assert lo <= Fraction(str(exact)) + Fraction(1, 10**35)
            assert Fraction(str(exact)) - Fraction(1, 10**35) <= hi


@pytest.mark.parametrize(
    "value, digits, expected",
    [
        (Fraction(-7517915247, 10**10), 10, "-0.7517915247"),
        (Fraction(12345, 10**4), 4, "1.234"),  # half-even: ...45 -> ...4
        (Fraction(12355, 10**4), 4, "1.236"),
        (Fraction(99996, 10**5), 4, "1.000"),
        (Fraction(1, 3), 3, "0.333"),
    ],
)
def test_round_significant(value, digits, expected):
    assert str(intervals.round_significant(value, digits)) == expected


# ---- the exact network ------------------------------------------------------------------

# small exact rationals in [-3, 3]; built from integers, which Hypothesis draws much faster
fractions = st.builds(Fraction, st.integers(-24, 24), st.sampled_from((8, 4, 2, 1, 3, 6)))


def _perturbed(net: du.ExactMLP, target: tuple, delta: Fraction) -> du.ExactMLP:
    layer, row, col = target
    weights = [list(map(list, W)) for W in net.weights]
    biases = [list(b) for b in net.biases]
    if col is None:
        biases[layer][row] += delta
    else:
        weights[layer][row][col] += delta
    return du.ExactMLP.of(weights, biases)


def _patterns(net: du.ExactMLP, xs) -> tuple:
    return tuple(
        tuple((v > 0) - (v < 0) for pre in net.pre_activations(x)[:-1] for v in pre) for x in xs
    )


def _loss(net: du.ExactMLP, batch) -> Fraction:
    total = sum(
        (sum(((p - t) ** 2 for p, t in zip(net.output(x), y, strict=True)), Fraction(0)) / 2)
        for x, y in batch
    )
    return total / len(batch)


@st.composite
def networks(draw, widths=(2, 3, 2, 1)):
    weights = [
        [[draw(fractions) for _ in range(widths[l])] for _ in range(widths[l + 1])]
        for l in range(len(widths) - 1)
    ]
    biases = [[draw(fractions) for _ in range(widths[l + 1])] for l in range(len(widths) - 1)]
    return du.ExactMLP.of(weights, biases)


@given(net=networks(), data=st.data())
@settings(deadline=None)
def test_backprop_is_exact(net, data):
    """Along one parameter, with every hidden sign fixed on [theta - h, theta + h] (checked
    at both ends; pre-activations are affine there layer by layer), the loss is a quadratic,
    and a central difference of a quadratic is its exact derivative."""
    xs = data.draw(st.lists(st.tuples(fractions, fractions), min_size=1, max_size=3))
    batch = [du.make_example(x, [data.draw(fractions)]) for x in xs]
    gradient = net.gradients(batch)
    h = Fraction(1, 10**6)
    pattern = _patterns(net, xs)
    assume(all(0 not in p for p in pattern))
    every = [
        (l, r, c)
        for l, W in enumerate(net.weights)
        for r, row in enumerate(W)
        for c in [*range(len(row)), None]
    ]
    chosen = data.draw(st.lists(st.sampled_from(every), min_size=1, max_size=4, unique=True))
    for l, r, c in chosen:
        plus = _perturbed(net, (l, r, c), h)
        minus = _perturbed(net, (l, r, c), -h)
        assume(_patterns(plus, xs) == pattern and _patterns(minus, xs) == pattern)
        central = (_loss(plus, batch) - _loss(minus, batch)) / (2 * h)
        exact = gradient.biases[l][r] if c is None else gradient.weights[l][r][c]
        assert central == exact, (l, r, c)


def test_sgd_follows_pytorch_conventions():
    net = du.ExactMLP.of([[[2]], [[1]]], [[1], [0]])
    batch = [du.make_example([1], [0])]
    # z = 3, a = 3, yhat = 3: dL/dw1 = 3*1*1, dL/db1 = 3, dL/dw2 = 3*a = 9, dL/db2 = 3
    gradient = net.gradients(batch)
    assert gradient.weights == (((3,),), ((9,),)) and gradient.biases == ((3,), (3,))
    opt = du.SGD(Fraction(1, 10), momentum=Fraction(1, 2), weight_decay=Fraction(1))
    stepped, velocity, _ = opt.step(net, batch)
    assert velocity.weights[0][0][0] == 3 + 2  # grad + lambda * w
    assert stepped.weights[0][0][0] == 2 - Fraction(1, 10) * 5
    again, velocity2, grad2 = opt.step(stepped, batch, velocity)
    w = stepped.weights[0][0][0]
    assert velocity2.weights[0][0][0] == Fraction(1, 2) * 5 + grad2.weights[0][0][0] + w
    no_bias = du.SGD(Fraction(1, 10), weight_decay=Fraction(1), decay_bias=False)
    assert no_bias.step(net, batch)[0].biases[0][0] == 1 - Fraction(3, 10)


# ---- Hypothesis: a dead first-layer unit stays dead, and what revives it ----------------


@st.composite
def dead_first_layer(draw):
    """A 2-layer exact network on a random exact dataset whose first hidden unit is dead."""
    dim = draw(st.integers(1, 3))
    width = draw(st.integers(1, 3))
    xs = draw(st.lists(st.tuples(*[fractions] * dim), min_size=1, max_size=4))
    W1 = [[draw(fractions) for _ in range(dim)] for _ in range(width)]
    b1 = [draw(fractions) for _ in range(width)]
    margin = draw(st.fractions(min_value=Fraction(1, 8), max_value=2, max_denominator=8))
    # the unit's bias below -max(w.x) makes it dead on every data point
    b1[0] = -max(sum(w * x for w, x in zip(W1[0], point, strict=True)) for point in xs) - margin
    W2 = [[draw(fractions) for _ in range(width)]]
    b2 = [draw(fractions)]
    ys = [[draw(fractions)] for _ in xs]
    net = du.ExactMLP.of([W1, W2], [b1, b2])
    return net, [du.make_example(x, y) for x, y in zip(xs, ys, strict=True)]


@given(
    case=dead_first_layer(),
    lr=st.fractions(min_value=Fraction(1, 16), max_value=4, max_denominator=16),
    decay=st.fractions(min_value=0, max_value=Fraction(15, 16), max_denominator=16),
    data=st.data(),
)
@settings(deadline=None)
def test_dead_first_layer_unit_stays_dead_under_sgd(case, lr, decay, data):
    net, dataset = case
    xs = [x for x, _ in dataset]
    opt = du.SGD(lr, weight_decay=decay / lr)  # eta*lambda = decay in [0, 1)
    start = du.unit_pre_activations(net, xs, 0, 0)
    steps = data.draw(st.integers(1, 3), label="steps")
    for t in range(1, steps + 1):
        batch = data.draw(
            st.lists(st.sampled_from(dataset), min_size=1, max_size=len(dataset)), label="batch"
        )
        assert all(g == 0 for g in du.unit_gradient(net, batch, 0, 0))
        net, _, _ = opt.step(net, batch)
        now = du.unit_pre_activations(net, xs, 0, 0)
        assert now == tuple((1 - decay) ** t * v for v in start)
        assert du.is_dead(net, xs, 0, 0)


@given(case=dead_first_layer(), data=st.data())
@settings(deadline=None)
def test_weight_decay_without_bias_can_only_revive_through_the_bias(case, data):
    """With decay on weights only, z_{t+1}(x) = (1 - eta*lambda) w.x + b: the unit revives
    exactly when that is > 0 somewhere, which needs b > 0."""
    net, dataset = case
    xs = [x for x, _ in dataset]
    decay = data.draw(
        st.fractions(min_value=Fraction(1, 16), max_value=Fraction(15, 16), max_denominator=16)
    )
    stepped, _, _ = du.SGD(Fraction(1), weight_decay=decay, decay_bias=False).step(net, dataset)
    b = net.biases[0][0]
    predicted = tuple(
        (1 - decay) * sum(w * x_i for w, x_i in zip(net.weights[0][0], x, strict=True)) + b
        for x in xs
    )
    assert du.unit_pre_activations(stepped, xs, 0, 0) == predicted
    if b <= 0:
        assert du.is_dead(stepped, xs, 0, 0)


def test_momentum_example_needs_momentum():
    for mu in (Fraction(0), Fraction(1, 10)):
        assert du.momentum_revival(mu).dead(2)
    assert du.momentum_revival(Fraction(9, 10)).alive_somewhere(2)


def test_adam_revival_needs_the_first_moment():
    run = du.adam_revival()
    assert run.alive_somewhere(0) and run.dead(1) and run.dead(2) and run.alive_somewhere(3)
    assert run.revival_step() == 3
    assert run.zero_gradient(2) and run.zero_gradient(3)
    assert not run.zero_gradient(1)
    # beta1 = 0: step 1 is the same (m_hat = g, v_hat = g^2 whatever the betas), but then
    # m = g = 0 exactly, so the update is exactly 0 and the unit stays where it died.
    memoryless = du.adam_revival(Fraction(0), steps=6)
    for a, b in zip(memoryless.pre_activations(1), run.pre_activations(1), strict=True):
        assert a.overlaps(b)  # the same real numbers, rounded along different paths
    for t in range(1, 7):
        assert memoryless.dead(t)
        assert [intervals.ends(v) for v in memoryless.pre_activations(t)] == [
            intervals.ends(v) for v in memoryless.pre_activations(1)
        ]
    assert all(m.is_zero() for m in memoryless.first_moments[1])
    assert memoryless.revival_step() is None
    # plain SGD from Adam's dead state: zero gradient, no motion, dead
    plain = du.sgd_from_dead_state(run, 1, steps=3)
    assert all(plain.zero_gradient(t) and plain.dead(t) for t in range(1, 4))


def test_adam_first_step_matches_the_formula():
    # Step 1: m_hat = g and v_hat = g^2 exactly, so theta moves by lr * g / (|g| + eps).
    run = du.adam_revival(steps=1)
    lr, eps = Fraction(1, 10), Fraction(1, 10**8)
    with ctx.workprec(2 * du.ADAM_PREC):  # exact values as balls much narrower than the run's
        _check_first_step(run, lr, eps)


def _check_first_step(run, lr, eps):
    g_w, g_b = Fraction(1, 10), Fraction(1, 20)  # (1/10 - 0) * x = 2, averaged over 2 points
    assert all(
        ball.contains(du.exact_ball(g))
        for ball, g in zip(run.gradients[0], (g_w, g_b), strict=True)
    )
    w = Fraction(1, 10) - lr * g_w / (g_w + eps)
    b = Fraction(-1, 10) - lr * g_b / (g_b + eps)
    stepped = run.nets[1]
    assert stepped.weights[0][0][0].contains(du.exact_ball(w))
    assert stepped.biases[0][0].contains(du.exact_ball(b))
    for (x, _), z_ball in zip(run.data, run.pre_activations(1), strict=True):
        assert z_ball.contains(du.exact_ball(w * x[0] + b))


def test_undecided_relu_branch_is_refused():
    # A pre-activation ball around 0 cannot pick relu' and must not be guessed.
    with pytest.raises(ArithmeticError):
        du.exact_mlp._relu_sign(arb(0, 1e-3))
    at_kink = du.ball_network(du.first_layer_net(1, -2))  # z(2) = 0 exactly
    with pytest.raises(ArithmeticError):
        du.ball_gradients(at_kink, [du.make_example([2], [0])])


def test_second_layer_revival_is_through_the_first_layer():
    result = du.second_layer_revival()
    assert result.dead(0) and result.alive_somewhere(1)
    assert not result.touches_kink
    frozen = du.ExactMLP.of(
        [list(map(list, W)) for W in result.net.weights], [list(b) for b in result.net.biases]
    )
    # Keep the first layer fixed: the dead unit's own parameters do not move, so it stays dead.
    gradient = frozen.gradients(result.data)
    step = du.SGD(Fraction(1, 5)).step(frozen, result.data)[0]
    kept = du.ExactMLP(frozen.weights[:1] + step.weights[1:], frozen.biases[:1] + step.biases[1:])
    assert all(g == 0 for g in gradient.weights[1][0]) and gradient.biases[1][0] == 0
    assert du.is_dead(kept, [x for x, _ in result.data], 1, 0)


def test_catalogue_has_no_other_constant_pieces():
    for name, a in CATALOGUE.items():
        if name not in (*du.DYING, "relu"):
            assert not du.constant_pieces(a), name
