"""Isolated zeros of f': GELU, SiLU and Mish have f' = 0 at exactly one point.

Each argument is a list of `Step`s (SymPy identities and signs) plus a rigorous enclosure of
the zero (`numeric.intervals.locate_root`), to 10 significant digits; Mish's middle stretch
is settled by a sign cover (`numeric.intervals.sign_cover`). Theorems
`dead.isolated_zeros.<name>`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sympy as sp
from flint import arb, ctx

from derivations.calculus import derive
from derivations.catalogue import get, z
from numeric.intervals import PREC, RootEnclosure, ends, locate_root, outward, sign_cover
from numeric.oracle import arb_function
from proofs.theorem import Method, Verdict, proved, refuted, theorem, undecided


@dataclass(frozen=True)
class Step:
    """One step of an argument: what was computed, and whether it came out as needed."""

    claim: str
    value: Any  # a SymPy result, a bool from the assumption system or a ball comparison
    holds: bool

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim, "value": str(self.value), "holds": self.holds}


def _step(claim: str, value: Any, needed: Any = True) -> Step:
    """`needed` True asks for a decided True (SymPy's None is not enough); else equality."""
    holds = value is True if needed is True else bool(value == needed)
    return Step(claim, value, holds)


@dataclass(frozen=True)
class IsolatedZero:
    """The argument that f' has exactly one real zero, and that zero's enclosure."""

    activation: str
    derivative: sp.Expr
    steps: tuple[Step, ...]
    enclosure: RootEnclosure | None
    argument: str
    details: dict[str, Any]  # JSON-ready: closed forms, balls, boxes

    @property
    def established(self) -> bool:
        return self.enclosure is not None and all(s.holds for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "activation": self.activation,
            "derivative": str(self.derivative),
            "argument": self.argument,
            "steps": [s.to_dict() for s in self.steps],
            "root": None if self.enclosure is None else self.enclosure.to_dict(),
            **self.details,
        }


def gelu_zero() -> IsolatedZero:
    """GELU: f'' = phi(z) (2 - z^2); f' falls from 0 on (-oo, -sqrt2], rises on
    [-sqrt2, sqrt2] (f'(0) = 1/2), falls towards 1 on [sqrt2, oo)."""
    f1 = derive("gelu").piece_derivatives[0]
    f2 = sp.diff(f1, z)
    phi = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    quadratic = 2 - z**2
    p = sp.Symbol("p", positive=True)
    q = sp.Symbol("q", positive=True)
    sqrt2 = sp.sqrt(2)
    steps = (
        _step("f'' - phi(z) (2 - z^2) = 0", sp.simplify(f2 - phi * quadratic), 0),
        _step("phi(z) > 0", phi.is_positive),
        # z = -sqrt2 - p and z = sqrt2 + p sweep the outer half-lines as p runs over (0, oo);
        # z = sqrt2 (q-1)/(q+1) sweeps (-sqrt2, sqrt2) as q does.
        _step("2 - z^2 < 0 on (-oo, -sqrt2)", sp.expand(quadratic.subs(z, -sqrt2 - p)).is_negative),
        _step("2 - z^2 < 0 on (sqrt2, oo)", sp.expand(quadratic.subs(z, sqrt2 + p)).is_negative),
        _step(
            "2 - z^2 > 0 on (-sqrt2, sqrt2)",
            sp.factor(quadratic.subs(z, sqrt2 * (q - 1) / (q + 1))).is_positive,
        ),
        _step("f'(-oo) = 0", sp.limit(f1, z, -sp.oo), 0),
        _step("f'(+oo) = 1", sp.limit(f1, z, sp.oo), 1),
        _step("f'(0) = 1/2", f1.subs(z, 0), sp.Rational(1, 2)),
    )
    # [-1, -1/2] lies inside (-sqrt2, 0), where f' is strictly increasing.
    enclosure = locate_root(arb_function(f1), Fraction(-1), Fraction(-1, 2))
    return IsolatedZero(
        "gelu",
        f1,
        steps,
        enclosure,
        "f'' < 0 on (-oo, -sqrt2): f' strictly decreasing from its limit 0, so f' < 0 on "
        "(-oo, -sqrt2]; f'' > 0 on (-sqrt2, sqrt2): f' strictly increasing with f'(0) = 1/2, "
        "so f' >= 1/2 on [0, sqrt2] and f' has at most one zero on [-sqrt2, 0]; f'' < 0 on "
        "(sqrt2, oo): f' decreasing to 1, so f' > 1 there. The ball signs f'(-1) < 0 < "
        "f'(-1/2) give the zero, bisection narrows it",
        {"second_derivative": str(f2)},
    )


def silu_zero() -> IsolatedZero:
    """SiLU (beta = 1): f' = e^z (e^z + 1 + z) / (1 + e^z)^2; g = e^z + 1 + z is strictly
    increasing from -oo to oo; z* = -1 - W(1/e)."""
    beta = get("silu").symbols["beta"]
    f1_beta = derive("silu").piece_derivatives[0]
    f1 = f1_beta.subs(beta, 1)
    g = sp.exp(z) + 1 + z
    factor = sp.exp(z) / (1 + sp.exp(z)) ** 2
    omega = sp.Symbol("omega", positive=True)  # stands for W(1/e), defined by w e^w = 1/e
    closed_form = -1 - sp.LambertW(sp.exp(-1))
    steps = (
        _step("f'_beta(z) = f'_1(beta z)", sp.simplify(f1_beta - f1.subs(z, beta * z)), 0),
        _step("f' = e^z g(z) / (1 + e^z)^2", sp.simplify(f1 - factor * g), 0),
        _step("e^z / (1 + e^z)^2 > 0", factor.is_positive),
        _step("g'(z) = e^z + 1 > 0", sp.diff(g, z).is_positive),
        _step("g(-oo) = -oo", sp.limit(g, z, -sp.oo), -sp.oo),
        _step("g(+oo) = +oo", sp.limit(g, z, sp.oo), sp.oo),
        _step(
            "e^w g(-1 - w) = 1/e - w e^w",
            sp.expand(sp.exp(omega) * g.subs(z, -1 - omega) - (sp.exp(-1) - omega * sp.exp(omega))),
            0,
        ),
    )
    with ctx.workprec(PREC):
        closed_ball = arb_function(closed_form)(arb(0))
    # Widen the tiny ball a little so that g has a definite sign at both ends.
    margin = Fraction(1, 10**20)
    lo, hi = ends(closed_ball)
    enclosure = locate_root(arb_function(g), lo - margin, hi + margin)
    return IsolatedZero(
        "silu",
        f1,
        steps,
        enclosure,
        "f' = 0 iff g(z) = e^z + 1 + z = 0 (the factor e^z/(1+e^z)^2 is positive); g' > 0 and "
        "g runs from -oo to oo, so g has exactly one zero; e^w g(-1-w) = 1/e - w e^w vanishes "
        "at w = W(1/e) by the definition of W, so the zero is -1 - W(1/e); g has opposite "
        "ball signs at the ends of the enclosure; f'_beta(z) = f'_1(beta z) moves the zero to "
        "z*/beta",
        {
            "closed_form": str(closed_form),
            "closed_form_ball": closed_ball.str(30, radius=True),
        },
    )


MISH_TAIL = -3


def mish_zero() -> IsolatedZero:
    """Mish: f' > 0 on [0, oo), f' < 0 on (-oo, -3], and a box cover of [-3, 0]."""
    f1 = derive("mish").piece_derivatives[0]
    f2 = sp.diff(f1, z)
    softplus = sp.log(1 + sp.exp(z))
    sigma = sp.exp(z) / (1 + sp.exp(z))
    form = sp.tanh(softplus) + z * sp.sech(softplus) ** 2 * sigma
    nonnegative = sp.Symbol("p", nonnegative=True)
    # The tail z <= -3, with t = e^z in (0, e^-3] and s = log(1 + t) > 0:
    #   tanh(s) <= s <= t                      (tanh u <= u for u >= 0; log(1+t) <= t)
    #   sech(s)^2 >= sech(log(1 + e^-3))^2     (sech^2 decreases in s >= 0, s increases in z)
    #   sigma(z) = t/(1 + t) >= t/(1 + e^-3)   (1 + t <= 1 + e^-3)
    #   z sech(s)^2 sigma(z) <= -3 sech(s)^2 sigma(z)   (z <= -3, the product is positive)
    # so f'(z) <= t (1 - 3 sech(log(1 + e^-3))^2 / (1 + e^-3)) = t * TAIL, and TAIL < 0
    # (checked in ball arithmetic) makes f' < 0 on the whole tail.
    e3 = sp.exp(sp.Integer(MISH_TAIL))
    s3 = sp.log(1 + e3)
    tail_constant = 1 - 3 * (1 - sp.tanh(s3) ** 2) / (1 + e3)  # sech^2 = 1 - tanh^2
    with ctx.workprec(PREC):
        tail_ball = arb_function(tail_constant)(arb(0))
    first, second = arb_function(f1), arb_function(f2)
    cover = sign_cover(first, second, Fraction(MISH_TAIL), Fraction(0))
    crossing = [b for b in cover.monotone_boxes if b[3] != b[4]]
    steps = (
        _step("f' = tanh(s) + z sech(s)^2 sigma(z), s = log(1 + e^z)", sp.simplify(f1 - form), 0),
        _step("f' > 0 on [0, oo)", form.subs(z, nonnegative).is_positive),
        _step("tail constant < 0 (so f' < 0 on (-oo, -3])", tail_ball < 0),
        _step("the boxes tile [-3, 0]", cover.tiles(Fraction(MISH_TAIL), Fraction(0))),
        _step("zeros of f' on [-3, 0]", cover.zeros, 1),
    )
    enclosure = locate_root(first, crossing[0][0], crossing[0][1]) if len(crossing) == 1 else None
    return IsolatedZero(
        "mish",
        f1,
        steps,
        enclosure,
        "f' > 0 on [0, oo) (tanh(s) > 0, the other term >= 0); f' < 0 on (-oo, -3] (tail "
        "lemma); on [-3, 0] each box has f' of one sign (no zero) or f'' of one sign (f' "
        "strictly monotone: one zero if its ends differ in sign, else none); the zeros add up "
        "to exactly one",
        {
            "tail_lemma": "for z <= -3, t = e^z: tanh(s) <= t, sech(s)^2 >= "
            "sech(log(1+e^-3))^2, sigma(z) >= t/(1+e^-3), so f'(z) <= t * tail_constant",
            "tail_constant": str(tail_constant),
            "tail_constant_ball": tail_ball.str(20, radius=True),
            "cover_of_[-3,0]": cover.to_dict(),
        },
    )


STATED_ROOTS = {"gelu": "-0.7517915247", "silu": "-1.278464543", "mish": "-1.192431215"}
ZERO_FINDERS: dict[str, Callable[[], IsolatedZero]] = {
    "gelu": gelu_zero,
    "silu": silu_zero,
    "mish": mish_zero,
}
ZERO_STATEMENTS = {
    "gelu": r"GELU's derivative $f'(z) = \Phi(z) + z\varphi(z)$ vanishes at exactly one real "
    r"point $z^*$, and $z^* = -0.7517915247$ to 10 significant digits.",
    "silu": r"SiLU's derivative ($\beta = 1$) $f'(z) = \sigma(z)(1 + z(1 - \sigma(z)))$ "
    r"vanishes at exactly one real point $z^* = -1 - W(1/e)$ ($W$ the Lambert W function), "
    r"and $z^* = -1.278464543$ to 10 significant digits; for general $\beta > 0$ the zero "
    r"is $z^*/\beta$.",
    "mish": r"Mish's derivative $f'(z) = \tanh(s) + z\,\mathrm{sech}^2(s)\,\sigma(z)$, "
    r"$s = \log(1 + e^z)$, vanishes at exactly one real point $z^*$, and "
    r"$z^* = -1.192431215$ to 10 significant digits.",
}


def _root_verdict(name: str, result: IsolatedZero) -> Verdict:
    certificate = result.to_dict() | {"stated": STATED_ROOTS[name]}
    if not result.established:
        failed = [s.claim for s in result.steps if not s.holds]
        return undecided(f"steps not established: {'; '.join(failed) or 'the root'}", **certificate)
    enclosure = result.enclosure
    if enclosure.rounded != Decimal(STATED_ROOTS[name]):
        return refuted(
            f"the unique zero rounds to {enclosure.rounded}, not {STATED_ROOTS[name]}",
            **certificate,
        )
    return proved(
        f"{len(result.steps)} steps establish exactly one zero; it lies in "
        f"[{outward(enclosure.lo, up=False)}, {outward(enclosure.hi, up=True)}] (exact ends "
        f"in the certificate) and rounds to {enclosure.rounded}",
        **certificate,
    )


def _prove_isolated_zero(name: str) -> Verdict:
    return _root_verdict(name, ZERO_FINDERS[name]())


for _name, _statement in ZERO_STATEMENTS.items():
    theorem(f"dead.isolated_zeros.{_name}", _statement, Method.INTERVAL)(
        functools.partial(_prove_isolated_zero, _name)
    )
