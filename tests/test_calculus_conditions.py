"""Deciding a condition on parameters at concrete values (`calculus.holds`), including
the equations between closed forms that SymPy leaves undecided and the calculus then
decides at 50 digits (killing mutants tools/mutation.py found surviving)."""

import sympy as sp

from derivations.calculus import equality_condition, holds

x = sp.Symbol("x", real=True)
HALF = sp.Rational(1, 2)


def test_an_equation_sympy_leaves_open_is_decided_numerically():
    one = sp.erf(HALF) + sp.erfc(HALF)  # exactly 1, but SymPy keeps the Eq unevaluated
    assert isinstance(sp.Eq(x, 1).subs(x, one), sp.Equality)
    assert holds(sp.Eq(x, 1), {x: one})
    assert not holds(sp.Eq(x, 1), {x: one + sp.Rational(1, 10**30)})
    assert not holds(sp.Eq(x, -1), {x: one})


def test_decided_conditions_pass_through():
    assert holds(sp.Eq(x, 1), {x: sp.Integer(1)})
    assert not holds(sp.Eq(x, 1), {x: sp.Integer(2)})
    assert holds(sp.true, {}) and not holds(sp.false, {})
    assert holds(sp.Or(sp.Eq(x, 1), sp.Eq(x, 2)), {x: sp.Integer(2)})


def test_an_equality_of_closed_forms_sympy_cannot_sign_stays_an_equation():
    condition = equality_condition(sp.erf(HALF) + sp.erfc(HALF), sp.Integer(1))
    assert isinstance(condition, sp.Equality) and condition.rhs == 0
    assert holds(condition, {})
    assert not holds(equality_condition(sp.erf(HALF), sp.erfc(HALF)), {})
