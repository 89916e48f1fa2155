"""numeric.intervals' tools for claims over a region: Box, Dual, mean-value enclosures and
subdivision, checked against SymPy's derivatives and against sampled points."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from flint import arb, ctx
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.errors import ReluproofError
from numeric.intervals import (
    Box,
    Dual,
    ball,
    ends,
    exp_of,
    mean_value_enclosures,
    sqrt_of,
    subdivide,
)
from numeric.oracle import arb_constant


def formulas(x, y, c):
    """Written once; runs on balls, Duals and SymPy symbols alike."""
    return (exp_of(x) * y / sqrt_of(x + y + 3) + c, x * x - y * c)


SQUARE = Box.of(("x", "y"), x=("-0.5", "0.25"), y=(0, "0.5"))


def test_box_of_checks_its_sides():
    assert SQUARE.to_dict() == {"x": ["-1/2", "1/4"], "y": ["0", "1/2"]}
    with pytest.raises(ReluproofError, match="needs sides for y"):
        Box.of(("x", "y"), x=(0, 1))
    with pytest.raises(ReluproofError, match="no variable z"):
        Box.of(("x",), x=(0, 1), z=(0, 1))
    with pytest.raises(ReluproofError, match="empty"):
        Box.of(("x",), x=(1, 0))
    left, right = SQUARE.split(0)
    assert left.sides[0] == (Fraction(-1, 2), Fraction(-1, 8)) and right.names == ("x", "y")
    assert SQUARE.contains(left) and not left.contains(SQUARE)


def test_dual_gradients_are_sympys_derivatives():
    x, y, c = sp.symbols("x y c", positive=True)
    exact = formulas(x, y, c)
    point = {x: sp.Rational(1, 3), y: sp.Rational(2, 7), c: sp.Rational(5, 2)}
    with ctx.workprec(128):
        duals = [Dual.variable(arb_constant(point[v]), i, 2) for i, v in enumerate((x, y))]
        values = formulas(*duals, Dual.constant(arb_constant(point[c]), 2))
        for value, expr in zip(values, exact, strict=True):
            assert value.value.overlaps(arb_constant(expr.subs(point)))
            for derivative, v in zip(value.grad, (x, y), strict=True):
                truth = arb_constant(sp.diff(expr, v).subs(point))
                assert derivative.overlaps(truth) and derivative.rad() < 1e-30


@settings(max_examples=50, deadline=None)
@given(
    sx=st.fractions(Fraction(-1, 2), Fraction(1, 4)),
    sy=st.fractions(Fraction(0), Fraction(1, 2)),
)
def test_mean_value_enclosures_contain_every_point(sx, sy):
    with ctx.workprec(64):
        c = arb(5) / 2
        values, scores = mean_value_enclosures(SQUARE, formulas, (c,))
        at_point = formulas(ball(sx), ball(sy), c)
        for enclosure, value in zip(values, at_point, strict=True):
            assert enclosure.overlaps(value)
            low, high = ends(enclosure)
            value_low, value_high = ends(value)
            assert low <= value_high and value_low <= high
        assert len(scores) == 2 and all(s >= 0 for s in scores)


def test_mean_value_form_is_tighter_than_the_direct_one_on_small_boxes():
    small = Box.of(("x", "y"), x=("0.1", "0.1001"), y=("0.2", "0.2001"))
    with ctx.workprec(64):
        c = arb(5) / 2
        (value, _), _ = mean_value_enclosures(small, formulas, (c,))
        direct = formulas(*small.balls(), c)[0]
        assert value.rad() <= direct.rad()


def _difference_of_squares(x, y):
    return ((x - y) * (x + y),)


def _lower_bound_check(threshold: Fraction):
    def check(box: Box) -> tuple[bool, list[Fraction]]:
        with ctx.workprec(64):
            (value,), scores = mean_value_enclosures(box, _difference_of_squares)
        return ends(value)[0] > threshold, scores

    return check


def test_subdivide_proves_a_bound_and_gives_up_honestly():
    # x^2 - y^2 >= -1/4 on [-1/2, 1/2]^2, attained at x = 0, y = +-1/2. On the whole box
    # both enclosures are [-1, 1]: > -0.26 needs subdivision; > -1/4 is never provable.
    domain = Box.of(("x", "y"), x=("-0.5", "0.5"), y=("-0.5", "0.5"))
    run = subdivide(domain, _lower_bound_check(Fraction(-26, 100)), 100_000, None, None)
    assert run.complete and run.undecided == 0 and run.verified > 1 and not run.reason
    assert run.evaluated == 2 * run.verified - 1  # a binary tree: every failure splits in two
    seen = []
    stuck = subdivide(
        domain, _lower_bound_check(Fraction(-1, 4)), 200, None, lambda e, p: seen.append((e, p))
    )
    assert not stuck.complete and "gave up after 200 boxes" in stuck.reason
    assert stuck.evaluated == 200 and seen[-1] == (200, stuck.undecided)
