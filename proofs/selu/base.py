"""What every SELU module shares: the catalogue's SELU symbols, the paper's variables, and
balls for the constants and for a user's numbers.

Conventions (the paper's, Klambauer et al. 2017). selu(z) = lambda*z for z > 0 and
lambda*alpha*(exp(z) - 1) for z <= 0. The moment map g sends the mean mu and variance nu of a
layer's inputs to the mean mu~ = E[selu(z)] and variance nu~ = E[selu(z)^2] - mu~^2 of its
outputs, where z ~ N(mu*omega, nu*tau), omega = sum of the unit's weights and tau = sum of
their squares. `m`, `s` are a pre-activation's own mean and variance (s is a variance,
never a standard deviation).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp
from flint import arb, fmpq

from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA, exact_number, get
from numeric.intervals import ball, enclose
from numeric.oracle import arb_constant

# The symbols of the catalogue's SELU entry, so that integrals are taken of THE definition.
SELU = get("selu")
ALPHA = SELU.symbols["alpha"]
LAMBDA = SELU.symbols["lambda"]
# Pre-activation mean and variance; the paper's mu, omega (real) and nu, tau (positive).
M = sp.Symbol("m", real=True)
S = sp.Symbol("s", positive=True)
MU, OMEGA = sp.symbols("mu omega", real=True)
NU, TAU = sp.symbols("nu tau", positive=True)

SEED_DOCUMENT = "003_bdd817aebe3d8cbc.txt"


def selu_constants_arb(prec: int) -> tuple[arb, arb]:
    return enclose(SELU_ALPHA, prec), enclose(SELU_LAMBDA, prec)


def as_arb(value: Any, what: str) -> arb:
    """A ball for a user's number at the working precision (call inside `ctx.workprec`)."""
    if isinstance(value, arb):
        return +value
    if isinstance(value, fmpq):
        return arb(value)
    if isinstance(value, Fraction):
        return ball(value)
    if isinstance(value, sp.Basic) and not value.is_Rational:
        return arb_constant(value)
    exact = exact_number(value, what)
    if exact.is_Rational:
        return arb(fmpq(int(exact.p), int(exact.q)))
    return arb_constant(exact)
