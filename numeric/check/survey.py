"""The conformance matrix: every catalogue activation in each installed framework, for
each format, every check (activation x dtype x check), read like Zimmermann et al.'s
"Accuracy of mathematical functions" tables: the max ulp error found per function and
library, and which checks failed.

`BINDINGS` says how each framework spells each activation at the catalogue's defaults
(which are PyTorch's). `numpy` means reluproof's own kernels (`numeric/kernels.py`): NumPy
has no activation functions of its own. RReLU in training mode draws random slopes and has
no deterministic value to check; PyTorch has no identity function and JAX no PReLU or RReLU.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from derivations.catalogue import names
from numeric.check.adapters import TargetSpec, installed
from numeric.check.checks import CheckOptions, run_checks
from numeric.check.results import CheckReport

F = "nn.functional."
BINDINGS: dict[str, dict[str, tuple[str, dict]]] = {
    "torch": {
        "relu": ("relu", {}),
        "leaky_relu": (F + "leaky_relu", {}),
        "prelu": (F + "prelu", {"weight": {"tensor": [0.25]}}),
        "rrelu": (F + "rrelu", {"training": False}),
        "elu": (F + "elu", {}),
        "selu": ("selu", {}),
        "celu": ("celu", {}),
        "gelu": (F + "gelu", {}),
        "gelu_tanh": (F + "gelu", {"approximate": "tanh"}),
        "silu": (F + "silu", {}),
        "mish": (F + "mish", {}),
        "softplus": (F + "softplus", {}),
        "sigmoid": ("sigmoid", {}),
        "tanh": ("tanh", {}),
        "relu6": (F + "relu6", {}),
        "hardtanh": (F + "hardtanh", {}),
        "hardsigmoid": (F + "hardsigmoid", {}),
        "hardswish": (F + "hardswish", {}),
        "softsign": (F + "softsign", {}),
    },
    "jax": {
        "relu": ("nn.relu", {}),
        "leaky_relu": ("nn.leaky_relu", {}),
        "elu": ("nn.elu", {}),
        "selu": ("nn.selu", {}),
        "celu": ("nn.celu", {}),
        "gelu": ("nn.gelu", {"approximate": False}),
        "gelu_tanh": ("nn.gelu", {"approximate": True}),
        "silu": ("nn.silu", {}),
        "mish": ("nn.mish", {}),
        "softplus": ("nn.softplus", {}),
        "sigmoid": ("nn.sigmoid", {}),
        "tanh": ("numpy.tanh", {}),
        "relu6": ("nn.relu6", {}),
        "hardtanh": ("nn.hard_tanh", {}),
        "hardsigmoid": ("nn.hard_sigmoid", {}),
        "hardswish": ("nn.hard_swish", {}),
        "softsign": ("nn.soft_sign", {}),
        "identity": ("nn.identity", {}),
    },
    "numpy": {n: (n, {}) for n in names() if n != "rrelu_train"},
}
DTYPES = {
    "torch": ("float64", "float32", "float16", "bfloat16"),
    "jax": ("float64", "float32", "float16", "bfloat16"),
    "numpy": ("float64", "float32"),  # the kernels' formats
}
SURVEY_EXAMPLES = 50
SURVEY_PER_BINADE = 4  # half the sweep of a single check: 88 runs per framework


def target_for(framework: str, activation: str) -> tuple[TargetSpec, TargetSpec | None]:
    attr, kwargs = BINDINGS[framework][activation]
    if framework == "numpy":
        module = "numeric.check.kernel_targets"
        return (
            TargetSpec(f"{module}:f.{attr}", "numpy"),
            TargetSpec(f"{module}:df.{attr}", "numpy"),
        )
    return TargetSpec(f"{framework}:{attr}", framework, tuple(kwargs.items())), None


@dataclass(frozen=True)
class Survey:
    reports: tuple[CheckReport, ...]
    frameworks: tuple[str, ...]
    missing: tuple[str, ...]  # frameworks not installed, with what to install
    seconds: float


def run_survey(
    frameworks: list[str] | None = None,
    dtypes: list[str] | None = None,
    timeout: float = 60.0,
    search_examples: int = SURVEY_EXAMPLES,
    progress: Callable[[str], None] = lambda _: None,
    jobs: int = 1,
    activations: list[str] | None = None,
) -> Survey:
    from numeric.check.adapters import INSTALL

    start = time.perf_counter()
    asked = frameworks or ["torch", "jax", "numpy"]
    present = [f for f in asked if f == "numpy" or installed(f)]
    missing = tuple(f"{f}: {INSTALL[f]}" for f in asked if f not in present)
    for line in missing:
        progress(f"not installed, skipped: {line}")
    tasks = [
        (
            activation,
            [f for f in present if activation in BINDINGS[f]],
            dtypes,
            timeout,
            search_examples,
        )
        for activation in activations or names()
        if any(activation in BINDINGS[f] for f in present)
    ]
    by_activation: dict[str, list[CheckReport]] = {}
    for activation, reports in _ordered_map(_survey_activation, tasks, jobs):
        for r in reports:
            verdict = r.verdict + (f" ({', '.join(r.failed)})" if r.failed else "")
            progress(f"{r.target.framework} {activation} {r.dtype}: {verdict}")
        by_activation[activation] = reports
    reports = [
        r
        for framework in present
        for activation in BINDINGS[framework]
        for r in by_activation.get(activation, [])
        if r.target.framework == framework
    ]
    return Survey(tuple(reports), tuple(present), missing, time.perf_counter() - start)


def _survey_activation(task) -> tuple[str, list[CheckReport]]:
    """Every framework and format for one activation, in one process: the reference values
    computed for the first framework are reused for the others."""
    activation, frameworks, dtypes, timeout, search_examples = task
    reports = []
    for framework in frameworks:
        for dtype in dtypes or DTYPES[framework]:
            if dtype not in DTYPES[framework]:
                continue
            target, grad = target_for(framework, activation)
            options = CheckOptions(
                dtype=dtype,
                timeout=timeout,
                search_examples=search_examples,
                per_binade=SURVEY_PER_BINADE,
            )
            reports.append(run_checks(target, activation, {}, options, grad))
    return activation, reports


def _ordered_map(fn, items, jobs):
    import multiprocessing

    if jobs <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    with multiprocessing.get_context("fork").Pool(min(jobs, len(items))) as pool:
        yield from pool.imap(fn, items, chunksize=1)


def _ulp_cell(report: CheckReport) -> str:
    parts = []
    for name in ("values", "derivative"):
        c = report.check(name)
        if c.passed is None:
            parts.append("-")
        elif c.worst is not None and c.worst.ulp is None:
            parts.append("NaN")
        else:
            parts.append(str(c.max_ulp))
    return " / ".join(parts)


def survey_markdown(survey: Survey) -> str:
    lines = [
        "# reluproof check --survey: conformance matrix",
        "",
        "Each implementation against the catalogue's definition at its defaults, correctly "
        "rounded (`reluproof check`). Cells: max ulp error of the values on the sweep / of the "
        "derivative; then the checks that failed (none: PASS). Tolerances: float32 and "
        "float64 4 ulp, float16 and bfloat16 2 ulp.",
        "",
    ]
    for line in survey.missing:
        lines.append(f"- not installed: {line}")
    for framework in survey.frameworks:
        rows = [r for r in survey.reports if r.target.framework == framework]
        if not rows:
            continue
        dtypes = [d for d in DTYPES[framework] if any(r.dtype == d for r in rows)]
        lines += ["", f"## {framework}", ""]
        lines.append("| activation | " + " | ".join(dtypes) + " |")
        lines.append("|---" * (len(dtypes) + 1) + "|")
        for activation in BINDINGS[framework]:
            cells = []
            for d in dtypes:
                match = [r for r in rows if r.activation == activation and r.dtype == d]
                if not match:
                    cells.append("")
                    continue
                r = match[0]
                failed = ", ".join(r.failed) if r.failed else "PASS"
                cells.append(f"{_ulp_cell(r)}: {failed}")
            lines.append(f"| {activation} | " + " | ".join(cells) + " |")
    lines += ["", "## Findings (first counterexample of each failed check)", ""]
    for r in survey.reports:
        for c in r.checks:
            if c.passed is False:
                head = f"- {r.target.spec} ({r.activation}, {r.dtype}) **{c.name}**: {c.detail}"
                lines.append(head)
                if c.failures:
                    lines.append(f"  `FAIL {c.failures[0].line()}`")
    lines.append("")
    lines.append(f"{len(survey.reports)} runs in {survey.seconds:.0f} s.")
    return "\n".join(lines) + "\n"


def survey_json(survey: Survey) -> dict:
    return {
        "frameworks": list(survey.frameworks),
        "missing": list(survey.missing),
        "seconds": round(survey.seconds, 1),
        "reports": [r.to_dict() for r in survey.reports],
    }
