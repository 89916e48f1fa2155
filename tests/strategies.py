"""Hypothesis strategies drawn from the catalogue itself: parameter values across each
parameter's domain (respecting the activation's constraints) and points away from
breakpoints."""

from fractions import Fraction

import sympy as sp
from hypothesis import strategies as st

from derivations.catalogue import Activation
from derivations.errors import ReluproofError


def _number(lo: Fraction, hi: Fraction):
    return st.fractions(min_value=lo, max_value=hi, max_denominator=1000)


def _range_for(domain: sp.Set) -> tuple[Fraction, Fraction]:
    """A bounded stretch of a domain: at most 6 wide, open ends nudged inside by 1/1000."""
    lo = Fraction(str(domain.inf)) if domain.inf.is_finite else Fraction(-3)
    if getattr(domain, "left_open", False):
        lo += Fraction(1, 1000)
    hi = Fraction(str(domain.sup)) if domain.sup.is_finite else lo + 6
    if getattr(domain, "right_open", False) and domain.sup.is_finite:
        hi -= Fraction(1, 1000)
    return lo, min(hi, lo + 6)


@st.composite
def parameter_values(draw, activation: Activation) -> dict[str, Fraction]:
    """Values for every parameter, valid for `activation.bind` (rejected draws retried)."""
    values: dict[str, Fraction] = {}
    for p in activation.params:
        if p.uniform_between is not None:
            lo = values[str(p.uniform_between[0])]
            hi = values[str(p.uniform_between[1])]
            t = draw(_number(0, 1))
            values[p.name] = lo + t * (hi - lo)
        else:
            values[p.name] = draw(_number(*_range_for(p.domain)))
    # constraints like lower <= upper or min_val < max_val: order the pair
    for rel in activation.constraints:
        a, b = (str(s) for s in rel.args)
        if values[a] > values[b] or (isinstance(rel, sp.StrictLessThan) and values[a] == values[b]):
            values[a], values[b] = min(values[a], values[b]), max(values[a], values[b])
            if values[a] == values[b]:
                values[b] += 1
    try:
        activation.bind({k: str(v) for k, v in values.items()})
    except ReluproofError:
        from hypothesis import reject

        reject()
    return values


def _magnitude(draw, lo_exp: int, hi_exp: int) -> Fraction:
    """m * 10**e with m in [1, 10) a fraction and e drawn across [lo_exp, hi_exp]."""
    exponent = draw(st.integers(lo_exp, hi_exp))
    mantissa = draw(st.fractions(min_value=1, max_value=10, max_denominator=1000))
    return mantissa * Fraction(10) ** exponent


@st.composite
def extreme_parameter_values(draw, activation: Activation, decades: int = 12):
    """Values across each parameter's WHOLE domain, tiny and huge ones included (10^-decades
    to 10^decades), the domain's special points 0 and 1 and its finite ends among them."""
    values: dict[str, Fraction] = {}
    for p in activation.params:
        if p.uniform_between is not None:
            continue
        domain = p.domain
        ends = (sp.S.Zero, sp.S.One, domain.inf, domain.sup)
        specials = [Fraction(str(v)) for v in ends if v.is_finite]
        specials = [v for v in specials if domain.contains(sp.Rational(v)) == sp.true]
        if specials and draw(st.booleans()):
            values[p.name] = draw(st.sampled_from(specials))
            continue
        value = _magnitude(draw, -decades, decades)
        if domain.contains(-1) == sp.true and draw(st.booleans()):
            value = -value
        values[p.name] = value
    for rel in activation.constraints:
        a, b = (str(s) for s in rel.args)
        if values[a] > values[b] or (isinstance(rel, sp.StrictLessThan) and values[a] == values[b]):
            values[a], values[b] = min(values[a], values[b]), max(values[a], values[b])
            if values[a] == values[b]:
                values[b] += abs(values[b]) + 1
    for p in activation.params:
        if p.uniform_between is not None:
            lo = values[str(p.uniform_between[0])]
            hi = values[str(p.uniform_between[1])]
            t = draw(st.sampled_from([Fraction(0), Fraction(1), Fraction(1, 2)]) | _number(0, 1))
            values[p.name] = lo + t * (hi - lo)
    try:
        activation.bind({k: str(v) for k, v in values.items()})
    except ReluproofError:
        from hypothesis import reject

        reject()
    return values
