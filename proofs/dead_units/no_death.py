"""Activations that cannot die: f' never vanishes (theorem `dead.no_exact_death`)."""

from __future__ import annotations

from typing import Any

import sympy as sp

from derivations.calculus import derive
from derivations.catalogue import get, z
from proofs.dead_units.zero_gradient import NO_DEATH, assumed_parameters, interval_point
from proofs.theorem import Method, Verdict, proved, theorem, undecided


def no_death_checks(name: str) -> list[dict[str, Any]]:
    """Each piece's derivative on its open interval, and both one-sided derivatives at each
    breakpoint, with the parameters replaced by symbols carrying NO_DEATH's assumptions;
    for each the answer of SymPy's assumption system."""
    spec = NO_DEATH[name]
    a = get(name)
    derivation = derive(name)
    params = assumed_parameters(name)
    depth = sp.Symbol("p", positive=True)
    prop = "is_positive" if spec.positive else "is_nonzero"
    checks = []
    for k, (piece, d) in enumerate(zip(a.pieces, derivation.piece_derivatives, strict=True)):
        point = interval_point(piece.lo, piece.hi, depth)
        where = z if point is None else point
        value = sp.sympify(d).subs(params).subs(z, where)
        checks.append(
            {
                "where": f"piece {k} on ({piece.lo}, {piece.hi}), z = {where}",
                "derivative": str(value),
                "decided": getattr(value, prop),
                "slope_positive": value.is_positive,
            }
        )
    for bp in derivation.breakpoints:
        for side, d in (("left", bp.left_derivative), ("right", bp.right_derivative)):
            value = sp.sympify(d).subs(params)
            checks.append(
                {
                    "where": f"{side} derivative at z = {bp.at}",
                    "derivative": str(value),
                    "decided": getattr(value, prop),
                    "slope_positive": value.is_positive,
                }
            )
    return checks


def _no_death_statement() -> str:
    parts = [rf"${get(n).title}$ (${spec.condition_latex}$)" for n, spec in NO_DEATH.items()]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    strict = [get(n).title for n, spec in NO_DEATH.items() if spec.positive]
    return (
        rf"For {listed}: $f'(z) \ne 0$ for every $z \ne 0$, and both one-sided derivatives "
        rf"at the breakpoint $0$ are $\ne 0$; for ${', '.join(strict)}$ they are all $> 0$. So "
        r"no pre-activation gives an exactly zero gradient."
    )


@theorem("dead.no_exact_death", _no_death_statement(), Method.EXACT_SYMBOLIC)
def _prove_no_exact_death() -> Verdict:
    certificate: dict[str, Any] = {}
    failed: list[str] = []
    for name, spec in NO_DEATH.items():
        checks = no_death_checks(name)
        certificate[name] = {
            "assumptions": {
                p: sorted(k for k, v in a.items() if v) for p, a in spec.assumptions.items()
            },
            "decides": "f' > 0" if spec.positive else "f' != 0",
            "checks": [
                c | {"decided": str(c["decided"]), "slope_positive": str(c["slope_positive"])}
                for c in checks
            ],
        }
        failed += [f"{name}: {c['where']}" for c in checks if c["decided"] is not True]
    certificate["prelu"]["note"] = (
        "for a < 0 the one-sided derivatives a and 1 have opposite signs, so the subgradient "
        "interval [a, 1] at the kink contains 0; f' itself is never 0"
    )
    if failed:
        return undecided(
            f"SymPy's assumptions did not decide the sign at: {'; '.join(failed)}", **certificate
        )
    count = sum(len(c["checks"]) for c in certificate.values() if isinstance(c, dict))
    return proved(
        f"all {count} checks -- each piece's derivative on its open interval (z written as -p "
        "or p with p > 0) and each one-sided derivative at a breakpoint, from the calculus "
        "module's derivation -- are decided positive (PReLU: nonzero) by SymPy's assumption "
        "system",
        **certificate,
    )
