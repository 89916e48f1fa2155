"""For users' own test suites: check an activation implementation against the catalogue.

    from reluproof.testing import assert_activation_matches
    assert_activation_matches(my_elu, "elu", alpha=1.0, dtype="float32")

runs every check of `reluproof check` (values in ulps against the correctly rounded
definition, special values, limits, a Hypothesis search, the derivative through autograd or
`grad`, the array contract, continuity and monotonicity) with the function in a forked child
process, and raises AssertionError with the counterexamples and a two-line reproduction when
one fails. `activation_inputs` and `activation_arrays` are Hypothesis strategies over a
format's floats, edge-heavy: zeros, subnormals, the extremes, the exp thresholds and the
neighbourhood of the activation's breakpoints come up often.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numeric.check.checks import SEARCH_EXAMPLES, CheckOptions, run_checks
from numeric.check.results import CheckReport

__all__ = ["activation_arrays", "activation_inputs", "assert_activation_matches"]


def _framework_of(fn: Callable, framework: str | None) -> str:
    if framework is not None:
        return framework
    module = (getattr(fn, "__module__", None) or "").split(".")[0]
    return module if module in ("torch", "jax") else "numpy"


def assert_activation_matches(
    fn: Callable,
    name: str,
    *,
    dtype: str = "float32",
    grad: Callable | None = None,
    tolerance: float | None = None,
    timeout: float = 60.0,
    examples: int = SEARCH_EXAMPLES,
    exhaustive: bool = False,
    framework: str | None = None,
    **params: Any,
) -> CheckReport:
    """Check `fn` as the catalogue's activation `name` at `params` (e.g. alpha=1.0).

    `fn` takes one array of the framework's type (NumPy unless `fn` comes from torch or
    jax, or `framework` says so) and returns one. `grad`, if given, is f' (a NumPy function
    needs it for the derivative checks; torch and jax use autograd). Returns the report
    when every check passes."""
    from numeric.check.adapters import TargetSpec

    kind = _framework_of(fn, framework)
    label = getattr(fn, "__qualname__", None) or repr(fn)
    target = TargetSpec(f"<python>:{label}", kind)
    grad_spec = None
    if grad is not None:
        grad_label = getattr(grad, "__qualname__", None) or repr(grad)
        grad_spec = TargetSpec(f"<python>:{grad_label}", _framework_of(grad, framework))
    options = CheckOptions(
        dtype=dtype,
        tolerance=tolerance,
        exhaustive=exhaustive,
        timeout=timeout,
        search_examples=examples,
    )
    report = run_checks(
        target,
        name,
        {k: v for k, v in params.items()},
        options,
        grad_spec,
        function=fn,
        grad_function=grad,
    )
    if not report.passed:
        raise AssertionError(
            f"{label} does not match {report.activation}: failed "
            f"{', '.join(report.failed)}\n{report.text()}"
        )
    return report


def activation_inputs(name: str, dtype: str = "float32", **params: Any):
    """Hypothesis strategy: Python floats that are numbers of `dtype`, half of them from
    the edge set and the breakpoints' neighbourhoods of activation `name` at `params`."""
    from numeric.check.inputs import float_strategy
    from numeric.check.reference import Reference

    breakpoints = Reference(name, params).breakpoints
    return float_strategy(dtype, breakpoints)


def activation_arrays(name: str, dtype: str = "float32", max_size: int = 64, **params: Any):
    """Hypothesis strategy: 1-D NumPy arrays of `dtype` (float16, float32, float64) drawn
    from `activation_inputs`."""
    import numpy as np
    from hypothesis import strategies as st

    if dtype == "bfloat16":
        raise ValueError("NumPy has no bfloat16: draw activation_inputs and convert them.")
    return st.lists(activation_inputs(name, dtype, **params), min_size=1, max_size=max_size).map(
        lambda values: np.array(values, dtype=dtype)
    )
