"""Limits at +-oo of a piece from its asymptotic form, without Gruntz where possible.

SymPy's Gruntz algorithm took most of a cold `derive --all` (a second for GELU-tanh's four
limits). Most limits of the catalogue's pieces are settled by a few rules about how each
subexpression behaves as z -> +-oo: its limit, and for 0 and oo whether the approach is
polynomial or exponential (z**3 exp(-z) -> 0: an exponential beats any polynomial). The
rules are applied to a few equal forms of the expression (over one denominator, numerator
multiplied out, divided by a power of an exponential, erf written through erfc), and
`asymptotic_limit` returns None when none decides: the caller then asks Gruntz. Polynomial
and rational pieces go by their leading terms. Everything is exact: a limit is returned
only when the rules prove it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derivations.catalogue import z


def limit_form(expr: sp.Expr) -> sp.Expr:
    """The same function in a form SymPy's Gruntz algorithm handles faster, by the identity
    tanh(u) = 1 - 2/(exp(2u) + 1) (GELU-tanh's four limits: 3.5 s -> 1 s). Derivatives for
    limits are taken of this form: rewriting a derivative instead can make Gruntz hang."""
    return expr.replace(sp.tanh, lambda u: 1 - 2 / (sp.exp(2 * u) + 1))


# How a subexpression behaves as z -> +-oo: the limit, and for 0 and oo the kind of
# approach, polynomial or exponential (z**3 exp(-z) -> 0 exponentially; 1/z -> 0
# polynomially), with its sign (None: unknown). A product of an exponentially small
# factor and polynomially large ones tends to 0; 0*oo of any other kind is not decided.
_FIN, _ZERO, _INF = "finite", "zero", "infinite"
_POLY, _EXP, _UNKNOWN = "poly", "exp", "unknown"


@dataclass(frozen=True)
class _Asymptote:
    kind: str  # _FIN (a nonzero finite limit), _ZERO or _INF
    value: sp.Expr = sp.S.Zero  # the finite limit
    rate: str = _POLY  # for _ZERO and _INF
    sign: int | None = None  # for _ZERO and _INF


class _NoDecision(Exception):
    pass


def _sign_of(value: sp.Expr) -> int | None:
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    return None


def _finite(value: sp.Expr) -> _Asymptote:
    if value.is_zero:
        raise _NoDecision  # a cancellation: the rate of approach to 0 is unknown
    if value.is_zero is None or not value.is_finite:
        raise _NoDecision
    return _Asymptote(_FIN, value)


def _asymptote(expr: sp.Expr, at: int) -> _Asymptote:
    """The behaviour of expr as z -> at*oo (at = +-1); _NoDecision when the rules below do
    not decide it (the caller then asks Gruntz)."""
    if not expr.has(z):
        return _finite(expr) if not expr.is_zero else _Asymptote(_ZERO, rate=_EXP, sign=0)
    if expr == z:
        return _Asymptote(_INF, rate=_POLY, sign=at)
    if isinstance(expr, sp.Add):
        return _add([_asymptote(t, at) for t in expr.args])
    if isinstance(expr, sp.Mul):
        return _mul([_asymptote(f, at) for f in expr.args])
    if isinstance(expr, sp.Pow) and not expr.exp.has(z):
        return _pow(_asymptote(expr.base, at), expr.exp)
    if isinstance(expr, sp.exp):
        inner = _asymptote(expr.args[0], at)
        if inner.kind == _INF and inner.sign == 1:
            return _Asymptote(_INF, rate=_EXP, sign=1)
        if inner.kind == _INF and inner.sign == -1:
            return _Asymptote(_ZERO, rate=_EXP, sign=1)
        if inner.kind == _ZERO:
            return _Asymptote(_FIN, sp.S.One)
        if inner.kind == _FIN:
            return _finite(sp.exp(inner.value))
    if isinstance(expr, (sp.erf, sp.tanh)):
        inner = _asymptote(expr.args[0], at)
        if inner.kind == _INF and inner.sign:
            return _Asymptote(_FIN, sp.Integer(inner.sign))
        if inner.kind == _FIN:
            return _finite(expr.func(inner.value))
    if isinstance(expr, sp.erfc):
        inner = _asymptote(expr.args[0], at)
        if inner.kind == _INF and inner.sign == 1:
            return _Asymptote(_ZERO, rate=_EXP, sign=1)
        if inner.kind == _INF and inner.sign == -1:
            return _Asymptote(_FIN, sp.Integer(2))
        if inner.kind == _FIN:
            return _finite(sp.erfc(inner.value))
    if isinstance(expr, sp.log):
        rest = expr.args[0] - 1
        if isinstance(expr.args[0], sp.Add) and not (rest.is_Add and sp.S.One in rest.args):
            small = _asymptote(rest, at)
            if small.kind == _ZERO:  # log(1 + t) ~ t
                return small
        inner = _asymptote(expr.args[0], at)
        if inner.kind == _INF and inner.sign == 1:
            return _Asymptote(_INF, rate=_POLY, sign=1)  # slower than any power: still poly
        if inner.kind == _FIN and inner.value.is_positive:
            return _finite(sp.log(inner.value))
    raise _NoDecision


def _add(terms: list[_Asymptote]) -> _Asymptote:
    terms = [t for t in terms if not (t.kind == _ZERO and t.sign == 0)]  # exact zeros
    for rate in (_EXP, _POLY):
        big = [t for t in terms if t.kind == _INF and t.rate == rate]
        if big:
            signs = {t.sign for t in big}
            if len(signs) != 1 or None in signs:
                raise _NoDecision
            return _Asymptote(_INF, rate=rate, sign=signs.pop())
    if any(t.kind == _INF for t in terms):
        raise _NoDecision
    finite = [t.value for t in terms if t.kind == _FIN]
    if finite:
        return _finite(sp.Add(*finite))
    zeros = [t for t in terms if t.kind == _ZERO]
    if not zeros:
        return _Asymptote(_ZERO, rate=_EXP, sign=0)
    rate = _EXP if all(t.rate == _EXP for t in zeros) else _UNKNOWN
    signs = {t.sign for t in zeros}
    return _Asymptote(_ZERO, rate=rate, sign=signs.pop() if len(signs) == 1 else None)


def _mul(factors: list[_Asymptote]) -> _Asymptote:
    if any(f.kind == _ZERO and f.sign == 0 for f in factors):
        return _Asymptote(_ZERO, rate=_EXP, sign=0)
    zeros = [f for f in factors if f.kind == _ZERO]
    infs = [f for f in factors if f.kind == _INF]
    value = sp.Mul(*[f.value for f in factors if f.kind == _FIN])
    signs = [_sign_of(value), *(f.sign for f in zeros + infs)]
    sign = None if None in signs else int(sp.prod(signs))
    if zeros and infs:
        exp_zero = any(f.rate == _EXP for f in zeros)
        if not exp_zero or any(f.rate != _POLY for f in infs):
            raise _NoDecision  # 0 * oo unless an exponential beats polynomials
        return _Asymptote(_ZERO, rate=_EXP, sign=sign)
    if zeros:
        rate = _EXP if any(f.rate == _EXP for f in zeros) else _UNKNOWN
        return _Asymptote(_ZERO, rate=rate, sign=sign)
    if infs:
        if sign is None:
            raise _NoDecision
        rate = _EXP if any(f.rate == _EXP for f in infs) else _POLY
        return _Asymptote(_INF, rate=rate, sign=sign)
    return _finite(value)


def _pow(base: _Asymptote, exponent: sp.Expr) -> _Asymptote:
    if exponent.is_Integer and exponent > 0:
        return _mul([base] * int(exponent))
    if exponent.is_Integer and exponent < 0:
        inverse = _reciprocal(base)
        return _mul([inverse] * int(-exponent))
    if exponent.is_positive and base.kind == _INF and base.sign == 1:
        return base  # sqrt of a large positive quantity: still large, same rate class
    if base.kind == _FIN and base.value.is_positive:
        return _finite(base.value**exponent)
    raise _NoDecision


def _reciprocal(a: _Asymptote) -> _Asymptote:
    if a.kind == _FIN:
        return _finite(1 / a.value)
    if a.kind == _INF:
        return _Asymptote(_ZERO, rate=a.rate, sign=a.sign)
    if a.sign in (None, 0) or a.rate == _UNKNOWN:
        raise _NoDecision
    return _Asymptote(_INF, rate=a.rate, sign=a.sign)


def asymptotic_limit(expr: sp.Expr, at: sp.Expr) -> sp.Expr | None:
    """lim expr at +-oo from the rules of `_asymptote`; None when they do not decide it.

    Forms tried, all equal to expr: as given; over one denominator N/D; with N multiplied
    out (1 - 1/(E + 1) -> E/(E + 1), whose 0 at -oo is exponential); N and D divided by a
    power of an exponential of D (E/(E + 1) -> 1/(1 + 1/E) at +oo); and with
    erf(u) = erfc(-u) - 1, so that GELU's 1 + erf(z/sqrt(2)) reads erfc(-z/sqrt(2))."""
    if not expr.has(z):
        return expr
    direction = 1 if at == sp.oo else -1
    for form in _equal_forms(expr):
        try:
            a = _asymptote(form, direction)
        except _NoDecision:
            continue
        if a.kind == _FIN:
            return a.value
        if a.kind == _ZERO:
            return sp.S.Zero
        if a.sign:
            return a.sign * sp.oo
    return None


def _equal_forms(expr: sp.Expr):
    yield expr
    # erfc(-u) unevaluated: SymPy would write it back as 2 - erfc(u)
    with_erfc = expr.replace(sp.erf, lambda u: sp.erfc(-u, evaluate=False) - 1)
    if with_erfc != expr:
        yield with_erfc
    for start in (expr, with_erfc):
        numerator, denominator = sp.fraction(sp.together(start))
        numerator = sp.expand(numerator, power_exp=False, power_base=False, log=False)
        yield start
        yield numerator / denominator
        denominator = sp.expand(denominator, power_exp=False, power_base=False, log=False)
        for e in sorted(denominator.atoms(sp.exp), key=sp.default_sort_key):
            for k in (1, 2):
                yield sp.powsimp(sp.expand(numerator / e**k)) / sp.powsimp(
                    sp.expand(denominator / e**k)
                )


def polynomial_limit(expr: sp.Expr, at: sp.Expr) -> sp.Expr | None:
    """The limit of a polynomial at +-oo from its leading term, when the sign of the leading
    coefficient is known (no Gruntz: most pieces are linear); None otherwise."""
    poly = sp.Poly(expr, z)
    if poly.degree() <= 0:
        return expr
    lead = poly.LC()
    direction = 1 if at == sp.oo else (-1) ** poly.degree()
    if lead.is_positive:
        return direction * sp.oo
    if lead.is_negative:
        return -direction * sp.oo
    return None


def rational_limit(numerator: sp.Poly, denominator: sp.Poly, at: sp.Expr) -> sp.Expr | None:
    """The limit of a ratio of polynomials (leading coefficients of known sign)."""
    ratio = numerator.LC() / denominator.LC()
    excess = numerator.degree() - denominator.degree()
    if excess < 0:
        return sp.S.Zero
    if excess == 0:
        return ratio
    sign = _sign_of(ratio * (1 if at == sp.oo else (-1) ** excess))
    return None if sign is None else sign * sp.oo
