"""The calculus's stable verdicts against PyTorch's autograd, an implementation this
project did not write: at every breakpoint the one-sided values and derivatives up to
the third (autograd's double and triple backward just left and right of the point), hence
continuity, differentiability, the subgradient interval and the smoothness class; the
limits of f and f' at +-oo; the death class; monotonicity. At the defaults and at
parameters chosen where the verdicts change (slope 1, alpha 1, ...).

torch is optional; see tests/test_references.py for the skip (and, under CI, the error)
when it is missing.
"""

from __future__ import annotations

import pytest
import sympy as sp
from test_references import _torch_default, _torch_reference, torch  # skips without torch

from derivations.calculus import DIES, NEITHER, SATURATES, derive
from derivations.catalogue import CATALOGUE, get

KINKED = [name for name, a in CATALOGUE.items() if a.breakpoints]
# parameters at which a verdict changes: a kink straightens, a clamp moves, a scale flips
SPECIAL = [
    ("leaky_relu", {"negative_slope": 1.0}),  # the identity: differentiable, smooth
    ("prelu", {"a": -0.5}),
    ("rrelu_train", {"lower": 0.5, "upper": 2.0, "r": 1.0}),
    ("elu", {"alpha": 0.5}),
    ("selu", {"alpha": 1.0, "lambda": 2.0}),  # alpha = 1: differentiable at 0
    ("celu", {"alpha": 0.25}),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}),
]
CASES = [(name, {}) for name in KINKED] + SPECIAL
STEP = 2.0**-30  # "just left / just right" of a breakpoint
FAR = 1e8


def _reference(name, overrides):
    return _torch_reference(name, _floats(name, overrides)) if overrides else _torch_default(name)


def _floats(name, overrides):
    values = get(name).bind(overrides)
    return {p.name: float(values[p.symbol]) for p in get(name).params}


def _derivatives(fn, x: float, order: int = 3) -> list[float]:
    """f(x), f'(x), ..., by autograd (a backward that is constant in x gives 0); fewer
    when PyTorch has no higher backward (hardsigmoid has no double backward)."""
    t = torch.tensor([x], dtype=torch.float64, requires_grad=True)
    current = fn(t)
    out = [current.item()]
    for _ in range(order):
        if not current.requires_grad:
            out.append(0.0)
            continue
        try:
            (current,) = torch.autograd.grad(current.sum(), t, create_graph=True, allow_unused=True)
        except RuntimeError as error:
            if "not implemented" not in str(error):
                raise
            break
        if current is None:
            current = torch.zeros(1, dtype=torch.float64)
        out.append(current.item())
    return out


def _same(a: float, b: float, tol: float = 1e-6) -> bool:
    return abs(a - b) <= tol * (1 + abs(a) + abs(b))


@pytest.mark.parametrize("name, overrides", CASES)
def test_breakpoints_against_autograd(name, overrides):
    fn = _reference(name, overrides)
    d = derive(name, overrides or None)
    for bp in d.breakpoints:
        b = float(bp.at_value)
        left, right = _derivatives(fn, b - STEP), _derivatives(fn, b + STEP)
        bound = d.values
        assert _same(float(bp.left_value.subs(bound)), left[0])
        assert _same(float(bp.right_value.subs(bound)), right[0])
        assert _same(float(bp.left_derivative.subs(bound)), left[1])
        assert _same(float(bp.right_derivative.subs(bound)), right[1])
        assert bp.continuous is _same(left[0], right[0])
        assert bp.differentiable is _same(left[1], right[1])
        lo, hi = sorted((left[1], right[1]))
        assert _same(float(bp.subgradient_at_values[0]), lo)
        assert _same(float(bp.subgradient_at_values[1]), hi)
        known = min(len(left), len(right))
        agree = 0
        while agree < known and _same(left[agree], right[agree], 1e-5):
            agree += 1
        if agree == 4:  # equal through f''': C^3 at least (C^inf when nothing kinks)
            assert bp.smoothness is None or bp.smoothness >= 3, bp.smoothness  # None: C^inf
            assert d.smoothness in (None, bp.smoothness)
        elif agree < known:
            assert bp.smoothness == agree - 1
        else:  # autograd stops before the orders disagree
            assert bp.smoothness is None or bp.smoothness >= agree - 1


@pytest.mark.parametrize("name, overrides", CASES)
def test_conditions_on_parameters_decide_as_autograd_does(name, overrides):
    """The symbolic conditions, evaluated at the parameters, give the verdicts that
    autograd's one-sided derivatives give."""
    fn = _reference(name, overrides)
    d = derive(name, overrides or None)
    for bp in d.breakpoints:
        b = float(bp.at_value)
        left, right = _derivatives(fn, b - STEP, 1), _derivatives(fn, b + STEP, 1)
        for condition, (l_, r_) in (
            (bp.continuous_condition, (left[0], right[0])),
            (bp.differentiable_condition, (left[1], right[1])),
        ):
            decided = condition.subs(d.values)
            if decided not in (sp.true, sp.false):  # an equation between closed forms
                decided = sp.true if abs(sp.N(decided.lhs - decided.rhs, 30)) < 1e-25 else sp.false
            assert (decided == sp.true) is _same(l_, r_), (condition, l_, r_)


def _limit_agrees(limit: sp.Expr, far_value: float) -> bool:
    if limit == sp.oo:
        return far_value > 1e3
    if limit == -sp.oo:
        return far_value < -1e3
    return _same(float(limit), far_value, 1e-7)


@pytest.mark.parametrize("name, overrides", [(n, {}) for n in CATALOGUE] + SPECIAL)
def test_limits_at_infinity_against_pytorch(name, overrides):
    fn = _reference(name, overrides)
    d = derive(name, overrides or None)
    minus, plus = _derivatives(fn, -FAR, 1), _derivatives(fn, FAR, 1)
    limits = {k: v.subs(d.values) for k, v in d.limits.items()}
    assert _limit_agrees(limits["f(-oo)"], minus[0]), (limits["f(-oo)"], minus[0])
    assert _limit_agrees(limits["f(+oo)"], plus[0]), (limits["f(+oo)"], plus[0])
    assert _limit_agrees(limits["f'(-oo)"], minus[1]), (limits["f'(-oo)"], minus[1])
    assert _limit_agrees(limits["f'(+oo)"], plus[1]), (limits["f'(+oo)"], plus[1])


def _gradients_on_a_grid(fn) -> torch.Tensor:
    # within [-6, 6]: further out float64 rounds tanh to 1 and autograd's gradient to an
    # exact 0 where the true one is positive (GELU-tanh below -6.5, tanh beyond 19)
    x = torch.linspace(-6, 6, 481, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(fn(x).sum(), x)
    return grad


@pytest.mark.parametrize("name, overrides", [(n, {}) for n in CATALOGUE] + SPECIAL)
def test_death_and_monotonicity_against_autograd(name, overrides):
    """Dies: autograd's gradient is exactly 0 along a whole stretch of the grid (not at a
    lone point); saturates: it tends to 0 at an end; monotonicity from its signs."""
    fn = _reference(name, overrides)
    d = derive(name, overrides or None)
    grad = _gradients_on_a_grid(fn)
    zero = (grad == 0).int()
    runs = torch.nn.functional.conv1d(zero.double().view(1, 1, -1), torch.ones(1, 1, 10).double())
    dies = bool((runs >= 10).any())
    ends = _derivatives(fn, -FAR, 1)[1], _derivatives(fn, FAR, 1)[1]
    saturates = any(abs(g) < 1e-12 for g in ends)
    expected = DIES if dies else (SATURATES if saturates else NEITHER)
    assert d.death == expected
    if bool((grad > 0).all()):
        assert d.monotonicity == "strictly increasing"
    elif bool((grad >= 0).all()):
        assert d.monotonicity in ("non-decreasing", "strictly increasing")
        # only lone zeros keep a function strictly increasing; a stretch of them does not
        assert (d.monotonicity == "non-decreasing") is dies
    elif bool((grad <= 0).all()):
        assert d.monotonicity in ("non-increasing", "strictly decreasing")
    else:
        assert d.monotonicity == "not monotone"
