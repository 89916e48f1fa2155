"""What a check found, as frozen results with one `to_dict()` path, and as text a person can
act on: one line per check, and under every failure the counterexample as CORE-MATH prints
it (`FAIL x=%a ref=%a y=%a`: hex floats, exact) and two lines of Python that reproduce it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from numeric.check.adapters import TargetSpec
from numeric.check.compare import Comparison, Finding, hexf


@dataclass(frozen=True)
class CheckResult:
    """One named check. `passed` is None when the check did not apply (the detail says
    why: no autograd, no kink, a definition that is not monotone)."""

    name: str
    passed: bool | None
    detail: str
    inputs: int = 0
    max_ulp: int | None = None
    worst: Finding | None = None
    failures: tuple[Finding, ...] = ()
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    notes: tuple[str, ...] = ()
    derivative: bool = False  # the reproduction calls the derivative

    @classmethod
    def from_comparison(
        cls, name: str, c: Comparison, tolerance: float, what: str, derivative: bool = False
    ) -> CheckResult:
        nan = f"; {c.nan_mismatches} NaN mismatches" if c.nan_mismatches else ""
        over = f"; {c.over_tolerance} inputs beyond it" if c.over_tolerance else ""
        detail = (
            f"{c.count} {what}: max {c.max_ulp} ulp (tolerance {tolerance:g}){over}{nan}; "
            f"max abs error {c.max_abs_error:.3g}, max rel error {c.max_rel_error:.3g}"
        )
        notes = ()
        if c.negative_zeros:
            shown = ", ".join(hexf(v) for v in c.negative_zeros[:4])
            notes = (f"convention: returns -0.0 at x = {shown}",)
        return cls(
            name,
            c.passed,
            detail,
            c.count,
            c.max_ulp,
            c.worst,
            c.failures,
            c.max_abs_error,
            c.max_rel_error,
            notes,
            derivative,
        )

    def to_dict(self) -> dict:
        worst = self.worst.to_dict() if self.worst else {}
        return {
            "name": self.name,
            "passed": None if self.passed is None else bool(self.passed),
            "max_ulp": self.max_ulp,
            "worst_input": worst.get("input"),
            "expected": worst.get("expected"),
            "got": worst.get("got"),
            "detail": self.detail,
            "inputs": self.inputs,
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "failures": [f.to_dict() for f in self.failures],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CheckReport:
    target: TargetSpec
    activation: str
    params: dict[str, str]
    dtype: str
    tolerance: float
    checks: tuple[CheckResult, ...]
    seconds: float
    grad: TargetSpec | None = None
    callable_name: str | None = field(default=None)

    @property
    def passed(self) -> bool:
        return all(c.passed is not False for c in self.checks)

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def check(self, name: str) -> CheckResult:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.passed is False]

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "target": self.callable_name or self.target.spec,
            "framework": self.target.framework,
            "grad": self.grad.spec if self.grad else None,
            "activation": self.activation,
            "params": self.params,
            "dtype": self.dtype,
            "tolerance_ulp": self.tolerance,
            "seconds": round(self.seconds, 3),
            "checks": [c.to_dict() for c in self.checks],
        }

    def text(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self.params.items())
        name = self.callable_name or self.target.spec
        lines = [
            f"{name} as {self.activation}({params}) in {self.dtype}, tolerance "
            f"{self.tolerance:g} ulp (values and derivative)",
        ]
        for c in self.checks:
            mark = {True: "ok  ", False: "FAIL", None: "-   "}[c.passed]
            lines.append(f"{mark} {c.name:22s} {c.detail}")
            for note in c.notes:
                lines.append(f"       {note}")
            if c.passed is False:
                for finding in c.failures[:3]:
                    lines.append(f"       FAIL {finding.line()}")
                if c.failures:
                    for repro in reproduction(self, c.failures[0].x, c.derivative):
                        lines.append(f"       >>> {repro}")
        failed = self.failed
        summary = f"{self.verdict}: {len(self.checks) - len(failed)} of {len(self.checks)} "
        summary += "checks passed or did not apply"
        if failed:
            summary += f"; failed: {', '.join(failed)}"
        lines.append(f"{summary} ({self.seconds:.1f} s)")
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# reproductions


def _literal(x: float) -> str:
    if x != x:
        return "float('nan')"
    if x in (float("inf"), float("-inf")):
        return f"float('{'-' if x < 0 else ''}inf')"
    return f"float.fromhex('{hexf(x)}')"


_IMPORTS = {
    "numpy": "import numpy as np",
    "torch": "import torch",
    "jax": "import jax, jax.numpy as jnp",
}


def _callee(target: TargetSpec) -> tuple[str, str]:
    """(import line, expression naming the function)."""
    module, _, attr = target.spec.rpartition(":")
    if module == "<python>":  # a callable handed to the Python API: its own name
        return _IMPORTS[target.framework], attr
    if module == "torch":
        root = "torch"
        try:
            import torch

            if not hasattr(torch, attr.split(".")[0]):
                root = "torch.nn.functional"
        except ImportError:
            pass
        return "import torch", f"{root}.{attr}"
    if module == "jax":
        return _IMPORTS["jax"], f"jax.{attr}"
    if module == "numpy":
        return _IMPORTS["numpy"], f"np.{attr}"
    head, _, rest = attr.partition(".")
    tail = f".{rest}" if rest else ""
    if module.endswith(".py"):
        path = os.path.abspath(module)
        return (
            f"import numpy as np, runpy; {head} = runpy.run_path({path!r})[{head!r}]",
            f"{head}{tail}",
        )
    return f"{_IMPORTS[target.framework]}; from {module} import {head}", f"{head}{tail}"


def _array(x: float, dtype: str, framework: str) -> str:
    value = _literal(x)
    if framework == "torch":
        return f"torch.tensor([{value}], dtype=torch.{dtype})"
    if framework == "jax":
        return f"jnp.array([{value}], dtype=jnp.{dtype})"
    if dtype == "bfloat16":
        return f"np.array([{value}]).astype(__import__('ml_dtypes').bfloat16)"
    return f"np.array([{value}], dtype=np.{dtype})"


def _kwargs(target: TargetSpec, dtype: str) -> str:
    parts = []
    for key, value in target.kwargs:
        if isinstance(value, dict) and "tensor" in value:
            data = value["tensor"]
            if target.framework == "torch":
                value_text = f"torch.tensor({data!r}, dtype=torch.{dtype})"
            elif target.framework == "jax":
                value_text = f"jnp.array({data!r}, dtype=jnp.{dtype})"
            else:
                value_text = f"np.array({data!r}, dtype=np.{dtype})"
        else:
            value_text = repr(value)
        parts.append(f", {key}={value_text}")
    return "".join(parts)


def reproduction(report: CheckReport, x: float, derivative: bool) -> list[str]:
    """Two lines of Python that show the implementation's value (or gradient) at x."""
    target, dtype = report.target, report.dtype
    if derivative and report.grad is not None:
        imports, fn = _callee(report.grad)
        return [imports, f"{fn}({_array(x, dtype, report.grad.framework)})"]
    imports, fn = _callee(target)
    kwargs = _kwargs(target, dtype)
    if target.framework == "jax" and dtype == "float64":
        imports += "; jax.config.update('jax_enable_x64', True)"
    array = _array(x, dtype, target.framework)
    if not derivative:
        return [imports, f"{fn}({array}{kwargs})"]
    if target.framework == "torch":
        return [
            imports,
            f"x = {array[:-1]}, requires_grad=True); {fn}(x{kwargs}).sum().backward(); x.grad",
        ]
    return [imports, f"jax.grad(lambda t: {fn}(t{kwargs}).sum())({array})"]
