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
