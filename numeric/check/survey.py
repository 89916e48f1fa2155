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
from typing import Any

from derivations.catalogue import names
from numeric.check.adapters import TargetSpec, installed
from numeric.check.checks import CheckOptions, run_checks
from numeric.check.compare import finding_line
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
    settings: tuple[tuple[str, Any], ...] = ()  # dtypes and Hypothesis examples asked for


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
    settings = (("dtypes", list(dtypes) if dtypes else "all"), ("search_examples", search_examples))
    return Survey(tuple(reports), tuple(present), missing, time.perf_counter() - start, settings)


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


def framework_versions(frameworks: tuple[str, ...] | list[str]) -> dict[str, str]:
    """The installed versions the survey measured (read from the package metadata, so
    nothing is imported): a survey is a statement about these versions only."""
    from importlib.metadata import PackageNotFoundError, version

    packages = {"numpy": ["numpy"], "torch": ["torch"], "jax": ["jax", "jaxlib"]}
    found = {}
    for framework in ["numpy", *frameworks]:
        for package in packages.get(framework, []):
            try:
                found[package] = version(package)
            except PackageNotFoundError:
                continue
    return found


def _ulp_cell(report: dict) -> str:
    """'values / derivative' max ulp of one report (in its JSON form)."""
    parts = []
    for name in ("values", "derivative"):
        check = next((c for c in report["checks"] if c["name"] == name), None)
        if check is None or check["passed"] is None:
            parts.append("-")
        elif check["failures"] and check["failures"][0]["ulp"] is None:
            parts.append("NaN")  # the worst input is a NaN where a number was due, or back
        else:
            parts.append(str(check["max_ulp"]))
    return " / ".join(parts)


def _failed(report: dict) -> list[str]:
    return [c["name"] for c in report["checks"] if c["passed"] is False]


TOLERANCES_TEXT = "float32 and float64 4 ulp, float16 and bfloat16 2 ulp"


def matrix(data: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """(framework, dtypes, rows) per framework of a survey's JSON form: a row is the
    activation then one cell per format, 'values / derivative ulp: failed checks'."""
    tables = []
    for framework in data["frameworks"]:
        reports = [r for r in data["reports"] if r["framework"] == framework]
        if not reports:
            continue
        dtypes = [d for d in DTYPES[framework] if any(r["dtype"] == d for r in reports)]
        rows = []
        for activation in BINDINGS[framework]:
            cells = [activation]
            for dtype in dtypes:
                match = [
                    r for r in reports if r["activation"] == activation and r["dtype"] == dtype
                ]
                if not match:
                    cells.append("")
                    continue
                failed = ", ".join(_failed(match[0])) or "PASS"
                cells.append(f"{_ulp_cell(match[0])}: {failed}")
            if len(cells) > 1 and any(cells[1:]):
                rows.append(cells)
        tables.append((framework, dtypes, rows))
    return tables


def findings(data: dict) -> list[tuple[str, str, str, str]]:
    """(implementation, check, detail, first counterexample) for every failed check of a
    survey's JSON form."""
    out = []
    for r in data["reports"]:
        for c in r["checks"]:
            if c["passed"] is False:
                where = f"{r['target']} ({r['activation']}, {r['dtype']})"
                line = finding_line(c["failures"][0]) if c["failures"] else ""
                out.append((where, c["name"], c["detail"], line))
    return out


def versions_text(data: dict) -> str:
    versions = data.get("versions") or {}
    return ", ".join(f"{k} {v}" for k, v in versions.items()) or "versions not recorded"


def survey_markdown(data: dict) -> str:
    """The survey's JSON form (`survey_json`, or a saved survey.json) as Markdown."""
    settings = data.get("settings") or {}
    lines = [
        "# reluproof check --survey: conformance matrix",
        "",
        "Each implementation against the catalogue's definition at its defaults, correctly "
        "rounded (`reluproof check`). Cells: max ulp error of the values on the sweep / of the "
        "derivative; then the checks that failed (none: PASS). Tolerances: "
        f"{TOLERANCES_TEXT}.",
        "",
        f"Measured on: {versions_text(data)}"
        + (f"; {settings['search_examples']} Hypothesis examples a run" if settings else "")
        + ".",
        "",
    ]
    for line in data["missing"]:
        lines.append(f"- not installed: {line}")
    for framework, dtypes, rows in matrix(data):
        lines += ["", f"## {framework}", ""]
        lines.append("| activation | " + " | ".join(dtypes) + " |")
        lines.append("|---" * (len(dtypes) + 1) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", "## Findings (first counterexample of each failed check)", ""]
    for where, check, detail, line in findings(data):
        lines.append(f"- {where} **{check}**: {detail}")
        if line:
            lines.append(f"  `FAIL {line}`")
    lines.append("")
    lines.append(f"{len(data['reports'])} runs in {data['seconds']:.0f} s.")
    return "\n".join(lines) + "\n"


def survey_json(survey: Survey) -> dict:
    return {
        "frameworks": list(survey.frameworks),
        "versions": framework_versions(survey.frameworks),
        "settings": dict(survey.settings),
        "missing": list(survey.missing),
        "seconds": round(survey.seconds, 1),
        "reports": [r.to_dict() for r in survey.reports],
    }
