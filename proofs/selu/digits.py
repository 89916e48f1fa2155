"""The constants' floats and printed digits, each decided by a rigorous enclosure.

Theorems `selu.float64_nearest` and `selu.float32_nearest`: the binary64 and binary32 values
nearest to alpha_01 and lambda_01 (`numeric.floats.nearest_float`). `check_printed_digits`
decides whether a printed decimal is the true value to its printed digits, and names the slip
when it is not (theorems `selu.seed_alpha_typo`, `selu.seed_lambda_digits` for the source
document's constants).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA
from derivations.errors import ReluproofError
from numeric.decimals import ball_text, correctly_rounded, decimal_text, significant
from numeric.floats import nearest_float
from numeric.intervals import enclose, ends
from proofs.selu.base import SEED_DOCUMENT
from proofs.theorem import Method, Source, Status, Verdict, proved, refuted, theorem, undecided


@dataclass(frozen=True)
class PrintedDigitsCheck:
    """Is a printed decimal the true value to its printed digits (|true - printed| <= half
    a unit in its last place)? Decided by a ball for the true value."""

    printed: str
    decided: bool
    correct: bool
    enclosure: str
    interval: tuple[str, str]  # printed +- half a unit in the last printed place
    error: str  # true - printed, to 6 significant digits
    correct_rounding: str  # the true value correctly rounded to as many digits
    diagnosis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "printed": self.printed,
            "correct_to_printed_digits": self.correct if self.decided else None,
            "enclosure": self.enclosure,
            "half_unit_interval": list(self.interval),
            "true_minus_printed": self.error,
            "correctly_rounded": self.correct_rounding,
            "diagnosis": self.diagnosis,
        }


def _diagnose(printed: str, rounded: str, truth: str) -> str:
    """Name the slip in a printed constant: `rounded` is the true value correctly rounded to
    as many digits, `truth` the true value with more digits than printed."""
    if printed == rounded:
        return "the printed digits are the true value correctly rounded"
    if truth.startswith(printed):
        return "the printed digits are the true value truncated (not rounded)"
    point = printed.find(".")

    def place(i: int) -> str:
        return f"decimal place {i - point}" if 0 <= point < i else f"character {i + 1}"

    for i, (shown, true) in enumerate(zip(printed, truth, strict=False)):
        if shown == true:
            continue
        without = printed[:i] + printed[i + 1 :]
        if truth.startswith(without):
            return (
                f"an extra digit {shown!r} at {place(i)}: without it the text reads {without}, "
                "the true digits truncated"
            )
        if truth.startswith(printed[:i] + true + printed[i + 1 :]):
            return (
                f"one wrong digit: {place(i)} prints {shown!r} where the true value has {true!r}; "
                "every other printed digit is right"
            )
        return f"the printed text departs from the true value at {place(i)}"
    return "the printed text is a prefix of the true value"


def check_printed_digits(expr: sp.Expr, printed: str) -> PrintedDigitsCheck:
    """Decide whether `printed` equals the constant `expr` to its printed digits."""
    try:
        value = Fraction(printed)
    except ValueError:
        raise ReluproofError(f"{printed!r} is not a decimal number like 1.0507.") from None
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    half_unit = Fraction(1, 2 * 10**decimals)
    low, high = value - half_unit, value + half_unit
    printed_digits = len(printed.replace("-", "").replace(".", "").lstrip("0"))
    truth = correctly_rounded(lambda prec: enclose(expr, prec), printed_digits)
    truth_long = correctly_rounded(lambda prec: enclose(expr, prec), printed_digits + 10)
    decided, correct, ball = False, False, None
    for prec in (128, 512, 2048):
        ball = enclose(expr, prec)
        lo, hi = ends(ball)
        if low <= lo and hi <= high:
            decided, correct = True, True
            break
        if hi < low or lo > high:
            decided, correct = True, False
            break
    lo, hi = ends(ball)
    error = significant((lo + hi) / 2 - value, 6)
    return PrintedDigitsCheck(
        printed=printed,
        decided=decided,
        correct=correct,
        enclosure=ball_text(ball, 25),
        interval=(
            decimal_text(*significant(low, printed_digits + 1)),
            decimal_text(*significant(high, printed_digits + 1)),
        ),
        error=decimal_text(*error),
        correct_rounding=truth,
        diagnosis=_diagnose(printed, truth, truth_long),
    )


ALPHA_FLOAT64 = 1.6732632423543772
LAMBDA_FLOAT64 = 1.0507009873554805
ALPHA_FLOAT32_BITS = "3fd62d7d"
LAMBDA_FLOAT32_BITS = "3f867d5f"


def _nearest_float_verdict(fmt: str, stated: dict[str, str], key: str) -> Verdict:
    results = {
        "alpha": nearest_float(SELU_ALPHA, fmt),
        "lambda": nearest_float(SELU_LAMBDA, fmt),
    }
    certificate = {name: r.to_dict() for name, r in results.items()}
    if not all(r.proved for r in results.values()):
        return undecided("an enclosure did not separate from a rounding boundary", **certificate)
    wrong = [n for n, r in results.items() if getattr(r, key) != stated[n]]
    if wrong:
        return refuted(
            f"the nearest {fmt} to {', '.join(wrong)} is not the stated value",
            stated=stated,
            **certificate,
        )
    return proved(
        f"each constant's ball lies strictly inside the {fmt} rounding interval of the stated "
        f"value: alpha -> {results['alpha'].repr} ({results['alpha'].hex}), "
        f"lambda -> {results['lambda'].repr} ({results['lambda'].hex})",
        **certificate,
    )


@theorem(
    "selu.float64_nearest",
    r"The binary64 values nearest to $\alpha_{01}$ and $\lambda_{01}$ are "
    r"$1.6732632423543772$ and $1.0507009873554805$ (no tie).",
    Method.INTERVAL,
)
def _prove_float64_nearest() -> Verdict:
    stated = {"alpha": repr(ALPHA_FLOAT64), "lambda": repr(LAMBDA_FLOAT64)}
    return _nearest_float_verdict("float64", stated, "repr")


@theorem(
    "selu.float32_nearest",
    r"The binary32 values nearest to $\alpha_{01}$ and $\lambda_{01}$ have the bit patterns "
    rf"{ALPHA_FLOAT32_BITS} ($1.6732632$) and {LAMBDA_FLOAT32_BITS} "
    r"($1.050701$) (no tie).",
    Method.INTERVAL,
)
def _prove_float32_nearest() -> Verdict:
    stated = {"alpha": ALPHA_FLOAT32_BITS, "lambda": LAMBDA_FLOAT32_BITS}
    return _nearest_float_verdict("float32", stated, "bits")


def _printed_digits_verdict(name: str, expr: sp.Expr, printed: str) -> Verdict:
    check = check_printed_digits(expr, printed)
    certificate = check.to_dict()
    if not check.decided:
        return undecided(f"the ball for {name} did not settle the printed digits", **certificate)
    if check.correct:
        return proved(
            f"{name} lies within half a unit of the last printed digit of {printed}",
            **certificate,
        )
    return refuted(
        f"{name} = {check.correct_rounding}... to as many digits; its enclosure lies outside "
        f"{printed} +- half a unit in the last place ({check.diagnosis})",
        **certificate,
    )


@theorem(
    "selu.seed_alpha_typo",
    r"$\alpha_{01} = 1.67732632423543$ to the printed digits, i.e. "
    r"$|\alpha_{01} - 1.67732632423543| \le \tfrac12 \cdot 10^{-14}$.",
    Method.INTERVAL,
    expected=Status.REFUTED,
    source=Source(SEED_DOCUMENT, r"\alpha \approx 1.67732632423543"),
)
def _prove_seed_alpha() -> Verdict:
    return _printed_digits_verdict("alpha_01", SELU_ALPHA, "1.67732632423543")


@theorem(
    "selu.seed_lambda_digits",
    r"$\lambda_{01} = 1.050700987355460$ to the printed digits, i.e. "
    r"$|\lambda_{01} - 1.050700987355460| \le \tfrac12 \cdot 10^{-15}$.",
    Method.INTERVAL,
    expected=Status.REFUTED,
    source=Source(SEED_DOCUMENT, r"\lambda \approx 1.050700987355460"),
)
def _prove_seed_lambda() -> Verdict:
    return _printed_digits_verdict("lambda_01", SELU_LAMBDA, "1.050700987355460")
