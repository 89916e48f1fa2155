"""High-precision values of catalogue expressions: rigorous ball arithmetic.

`arb_function` turns a SymPy expression in one variable into a python-flint `arb`
function whose every result contains the true value at every point of the argument
ball, so a ball that excludes 0 proves a sign on a whole interval; `arb_constant`
encloses a closed-form constant. Evaluate inside `flint.ctx.workprec(bits)`. The
proofs use these for every numeric claim that must be proved, not measured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp
from flint import arb, fmpq

from derivations.catalogue import z

_UNARY = {
    sp.exp: arb.exp,
    sp.log: arb.log,
    sp.erf: arb.erf,
    sp.erfc: arb.erfc,
    sp.tanh: arb.tanh,
    sp.LambertW: arb.lambertw,
}


def integer_power(x: arb, n: int) -> arb:
    """x**n by repeated squaring: arb's own ** goes through exp(n log x), which is nan on
    balls around 0."""
    if n < 0:
        return 1 / integer_power(x, -n)
    result, base = arb(1), x
    while n:
        if n & 1:
            result *= base
        base *= base
        n >>= 1
    return result


def arb_function(
    expr: sp.Expr, var: sp.Symbol = z, constants: Mapping[sp.Symbol, arb] | None = None
) -> Callable[[arb], arb]:
    """A ball-arithmetic version of a SymPy expression in `var`.

    `constants` gives balls for other symbols (parameters whose closed forms were enclosed
    once, so that a loop over many points does not recompute them)."""
    expr = sp.sympify(expr)
    if expr == var:
        return lambda x: x
    if constants and expr in constants:
        ball = constants[expr]
        return lambda x: ball
    if expr.is_Float:  # a binary float is an exact rational
        expr = sp.Rational(expr)
    if expr.is_Integer:
        n = int(expr)
        return lambda x: arb(n)
    if expr.is_Rational:
        q = fmpq(int(expr.p), int(expr.q))
        return lambda x: arb(q)
    if expr is sp.pi:
        return lambda x: arb.pi()
    if expr is sp.E:
        return lambda x: arb.const_e()
    args = [arb_function(a, var, constants) for a in expr.args]
    if isinstance(expr, sp.Add):
        return lambda x: _fold(args, x, lambda s, t: s + t)
    if isinstance(expr, sp.Mul):
        return lambda x: _fold(args, x, lambda s, t: s * t)
    if isinstance(expr, sp.Pow):
        base, exponent = args[0], expr.args[1]
        if exponent.is_Integer:
            n = int(exponent)
            return lambda x: integer_power(base(x), n)
        if exponent.is_Rational and exponent.q == 2:
            n = int(exponent.p)
            return lambda x: integer_power(base(x).sqrt(), n)
        power = args[1]
        return lambda x: (base(x).log() * power(x)).exp()
    for func, method in _UNARY.items():
        if isinstance(expr, func) and len(args) == 1:
            inner = args[0]
            return lambda x, method=method: method(inner(x))
    raise ValueError(f"no ball arithmetic for {expr.func.__name__} in {expr}")


def arb_constant(expr: sp.Expr) -> arb:
    """A ball containing the value of a closed-form real constant."""
    expr = sp.sympify(expr)
    if expr.free_symbols:
        raise ValueError(f"cannot enclose {expr}: it has free symbols {expr.free_symbols}")
    return arb_function(expr)(arb(0))


def _fold(fns: list[Callable[[arb], arb]], x: arb, op: Callable[[arb, arb], arb]) -> arb:
    result = fns[0](x)
    for fn in fns[1:]:
        result = op(result, fn(x))
    return result
