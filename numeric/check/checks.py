"""The checks, run against one target for one activation, parameter binding and format.

Values (ulps against the correctly rounded reference):
  values          the log sweep and the grid over [-10, 10]
  special_values  the curated edge set (zeros, subnormals, extremes, exp thresholds,
                  around every breakpoint, deep tails) and NaN -> NaN
  limits          f(-inf) and f(+inf) against the definition's limits
  values_search   a Hypothesis search over the format's floats, shrunk to a minimal input
  exhaustive      (--exhaustive) every input of the format
Derivative (autograd for torch and jax, or the --grad target):
  derivative        f' on every input except the kinks (+-inf: the limits of f')
  derivative_kinks  the value chosen at each kink, reported as the implementation's
                    convention; it fails only outside the subgradient interval (or NaN)
Contract:
  returns_array, dtype, shape, broadcasting (2-D, transposed, 0-d inputs give the same
  numbers as 1-D), no_mutation, deterministic, no_warnings (on finite inputs whose value
  is finite)
Properties:
  continuity (at every breakpoint where the definition is continuous), monotonicity
  (where the definition is monotone), and the limits above.

Tolerances (`DEFAULT_TOLERANCE`, ulps, overridable): loose enough that careful code
(expm1, logaddexp, constants rounded once; 16-bit formats computed in float32 and rounded)
passes -- it is typically 1 to 3 ulps off -- and tight enough that exp(x) - 1 near 0 or a
constant wrong in its fifth digit fails (in float32 that is about 170 ulps; in float16 the
fifth digit is below the format's resolution and cannot be seen).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from derivations.errors import ReluproofError
from numeric.check.adapters import Returned, TargetSpec, installed, not_installed
from numeric.check.compare import Finding, as_format, compare, hexf
from numeric.check.inputs import (
    _unique,
    float_strategy,
    next_float,
    nonfinite_inputs,
    special_inputs,
    sweep_inputs,
)
from numeric.check.reference import Reference
from numeric.check.results import CheckReport, CheckResult
from numeric.check.runner import ChildConfig, Outcome, Session
from numeric.floats import float_format, round_array, ulp_distance

DEFAULT_TOLERANCE = {"float64": 4.0, "float32": 4.0, "float16": 2.0, "bfloat16": 2.0}
DTYPES = tuple(DEFAULT_TOLERANCE)
SEARCH_EXAMPLES = 200
CONTRACT_INPUTS = 4096
GIVE_UP_AFTER = 2  # hangs or crashes of the target before the remaining checks are skipped


@dataclass(frozen=True)
class CheckOptions:
    dtype: str = "float32"
    tolerance: float | None = None
    exhaustive: bool = False
    timeout: float = 60.0
    search_examples: int = SEARCH_EXAMPLES
    jobs: int = 1
    progress: bool = False
    per_binade: int | None = None  # significands per binade in the sweep (None: default)

    def tolerance_for(self) -> float:
        return DEFAULT_TOLERANCE[self.dtype] if self.tolerance is None else self.tolerance


def validate(target: TargetSpec, grad: TargetSpec | None, options: CheckOptions) -> None:
    """Usage errors before any work: unknown dtype, a missing framework, float64 exhaustive."""
    if options.dtype not in DTYPES:
        raise ReluproofError(f"--dtype {options.dtype}: use one of {', '.join(DTYPES)}.")
    for spec in (target, grad):
        if spec is None:
            continue
        needed = [spec.framework] if spec.framework in ("torch", "jax") else []
        if spec.framework in ("numpy", "jax") and options.dtype == "bfloat16":
            needed.append("ml_dtypes")
        for module in needed:
            if not installed(module):
                raise not_installed(module)  # saying what to install
    if options.exhaustive and options.dtype == "float64":
        raise ReluproofError(
            "--exhaustive covers float16, bfloat16 and float32; float64 has 2^64 inputs."
        )
    if options.tolerance is not None and not (options.tolerance >= 0):
        raise ReluproofError("--tolerance must be a number of ulps >= 0.")
    if not (options.timeout > 0):
        raise ReluproofError("--timeout must be a positive number of seconds.")


class _Run:
    """The state of one check run: the reference, the inputs, the child session."""

    def __init__(self, ref: Reference, options: CheckOptions, session: Session, framework: str):
        self.ref = ref
        self.framework = framework
        self.options = options
        self.fmt = float_format(options.dtype)
        self.tolerance = options.tolerance_for()
        self.session = session

    def expected(self, x: np.ndarray, derivative: bool = False) -> np.ndarray:
        finite = np.isfinite(x)
        out = np.empty_like(x)
        if finite.any():
            if derivative or self.fmt.name == "float64":
                out[finite] = self.ref.exact(x[finite], self.fmt, derivative)
            else:
                out[finite] = self.ref.fast(x[finite], self.fmt)[0]
        for i in np.flatnonzero(~finite):
            out[i] = self.ref.exact_one(float(x[i]), self.fmt, derivative)
        return out

    def call(self, step: str, x) -> Outcome:
        if self.session.hard_failures >= GIVE_UP_AFTER:
            return Outcome("not_run")
        outcome = self.session.request(step, x)
        if outcome.status == "load_error":  # a wrong spec, a missing module: usage errors
            raise ReluproofError(f"cannot load the target: {outcome.message}")
        return outcome


def _failed_call(name: str, outcome: Outcome, timeout: float, what: str) -> CheckResult:
    if outcome.status == "not_run":
        return CheckResult(name, None, f"not run: the target hung or crashed {GIVE_UP_AFTER} times")
    return CheckResult(name, False, f"{outcome.describe(timeout)} on {what}")


def _returned_values(r: Returned, x: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The returned numbers if they can be compared with x's, else why not."""
    if r.values is None:
        return None, f"the target returned a {r.kind}, not an array of numbers"
    if r.values.shape != x.shape:
        return None, f"the target returned shape {r.shape} for input shape {x.shape}"
    return r.values, ""


def _value_check(run: _Run, name: str, x: np.ndarray, outcome: Outcome, what: str):
    if not outcome.ok:
        return _failed_call(name, outcome, run.options.timeout, what), None
    values, why = _returned_values(outcome.value["returned"], x)
    if values is None:
        return CheckResult(name, False, why), None
    c = compare(x, values, run.expected(x), run.fmt, run.tolerance)
    return CheckResult.from_comparison(name, c, run.tolerance, what), values


def _contract_checks(
    run: _Run, first: Returned | None, x: np.ndarray, pool: np.ndarray
) -> list[CheckResult]:
    """returns_array, dtype, shape from the first call; the rest from a `contract` step."""
    results = []
    if first is None:
        for name in ("returns_array", "dtype", "shape"):
            results.append(CheckResult(name, None, "not run: the target did not return"))
    else:
        results.append(
            CheckResult(
                "returns_array",
                first.kind == "array",
                "returned an array"
                if first.kind == "array"
                else f"returned a {first.kind}, not a {run.framework} array",
            )
        )
        results.append(
            CheckResult(
                "dtype",
                first.dtype == run.fmt.name,
                f"{run.fmt.name} in, {first.dtype} out",
            )
        )
        results.append(
            CheckResult("shape", first.shape == x.shape, f"shape {x.shape} in, {first.shape} out")
        )
    finite = pool[np.isfinite(pool)]
    expected = run.expected(finite)
    probe = finite[np.isfinite(expected)]
    if probe.size > CONTRACT_INPUTS:
        probe = probe[np.linspace(0, probe.size - 1, CONTRACT_INPUTS).astype(int)]
    outcome = run.call("contract", probe)
    names = ("broadcasting", "no_mutation", "deterministic", "no_warnings")
    if not outcome.ok:
        what = f"{probe.size} finite inputs"
        return results + [_failed_call(n, outcome, run.options.timeout, what) for n in names]
    v = outcome.value
    mutated = run.call("call", probe)
    results.append(_broadcasting(v))
    if mutated.ok:
        m = mutated.value["mutated"]
        results.append(
            CheckResult(
                "no_mutation",
                not m,
                "the input array was changed by the call" if m else "the input is left as it was",
            )
        )
    else:
        results.append(_failed_call("no_mutation", mutated, run.options.timeout, "the probe"))
    same = _bitwise_same(v["first"].values, v["second"].values)
    results.append(
        CheckResult(
            "deterministic",
            same,
            "two calls on the same input gave the same bits"
            if same
            else "two calls on the same input gave different results",
        )
    )
    caught = v["warnings"]
    results.append(
        CheckResult(
            "no_warnings",
            not caught,
            f"no warnings on {probe.size} finite inputs"
            if not caught
            else f"{len(caught)} warnings on finite inputs with finite values: {caught[0]}",
        )
    )
    return results


def _bitwise_same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None or a.shape != b.shape:
        return False
    return bool(np.all((a.view(np.uint64) == b.view(np.uint64)) | (np.isnan(a) & np.isnan(b))))


def _broadcasting(v: dict) -> CheckResult:
    first = v["first"].values
    grid_input = v["grid_input"]
    problems = []
    for key, shape in (
        ("grid", grid_input.shape),
        ("transposed", grid_input.T.shape),
        ("scalar", ()),
    ):
        r: Returned = v[key]
        if r.values is None or tuple(r.shape or ()) != tuple(shape):
            problems.append(f"{key} input of shape {shape} gave {r.kind} of shape {r.shape}")
            continue
        if first is None:
            continue
        if key == "grid":
            want = first[: grid_input.size].reshape(grid_input.shape)
        elif key == "transposed":
            want = first[: grid_input.size].reshape(grid_input.shape).T
        else:
            want = first[:1].reshape(())
        if not _bitwise_same(np.asarray(r.values, np.float64), np.asarray(want, np.float64)):
            problems.append(f"{key} input of shape {shape} gave other numbers than 1-D input")
    if problems:
        return CheckResult("broadcasting", False, "; ".join(problems))
    return CheckResult(
        "broadcasting", True, "2-D, transposed (strided) and 0-d inputs give the 1-D numbers"
    )


def _continuity(run: _Run, x: np.ndarray, got: np.ndarray, expected: np.ndarray) -> CheckResult:
    if not run.ref.breakpoints:
        return CheckResult("continuity", None, "no breakpoints")
    lines, ok = [], True
    for b, continuous in zip(run.ref.breakpoints, run.ref.continuous_at, strict=True):
        at = float(round_array([float(b)], run.fmt)[0])
        if not continuous:
            lines.append(f"{float(b):g}: discontinuous by definition")
            continue
        below, above = next_float(at, -math.inf, run.fmt), next_float(at, math.inf, run.fmt)
        idx = [np.flatnonzero(x == v) for v in (below, above)]
        if any(i.size == 0 for i in idx):
            continue
        lo, hi = idx[0][0], idx[1][-1]
        pair = as_format(np.array([got[lo], got[hi]]), run.fmt)
        ref_pair = as_format(np.array([expected[lo], expected[hi]]), run.fmt)
        jump = int(ulp_distance(pair[0], pair[1], run.fmt, signed_zeros=False))
        ref_jump = int(ulp_distance(ref_pair[0], ref_pair[1], run.fmt, signed_zeros=False))
        fine = jump <= ref_jump + 2 * run.tolerance
        ok &= fine
        lines.append(
            f"at {float(b):g}: f({hexf(below)}) = {hexf(got[lo])}, f({hexf(above)}) = "
            f"{hexf(got[hi])}, {jump} ulp apart (definition: {ref_jump})"
        )
    return CheckResult("continuity", ok, "; ".join(lines) or "no breakpoint is a float")


def _monotonicity(run: _Run, x: np.ndarray, got: np.ndarray) -> CheckResult:
    kind = run.ref.monotonicity
    if kind not in ("strictly increasing", "non-decreasing", "strictly decreasing"):
        return CheckResult("monotonicity", None, f"the definition is {kind}")
    sign = -1.0 if kind == "strictly decreasing" else 1.0
    keep = ~np.isnan(x) & ~np.isnan(got)
    order = np.argsort(x[keep], kind="stable")
    xs, ys = x[keep][order], got[keep][order]
    with np.errstate(invalid="ignore"):  # inf - inf at a flat infinite tail
        steps = sign * np.diff(ys)
    bad = np.flatnonzero(steps < 0)
    if bad.size == 0:
        return CheckResult("monotonicity", True, f"{kind}: no reversal on {xs.size} sorted inputs")
    i = bad[np.argmin(steps[bad])]
    return CheckResult(
        "monotonicity",
        False,
        f"{kind} by definition, but f({hexf(xs[i])}) = {hexf(ys[i])} > "
        f"f({hexf(xs[i + 1])}) = {hexf(ys[i + 1])} ({bad.size} reversals)",
        failures=(Finding(float(xs[i + 1]), float(ys[i]), float(ys[i + 1]), None),),
    )


def _derivative_checks(run: _Run, x: np.ndarray, has_grad: bool) -> list[CheckResult]:
    others = ("derivative_kinks", "derivative_nan")
    if not has_grad:
        why = "no derivative: NumPy has no autograd; pass --grad TARGET (f') to check it"
        return [CheckResult(n, None, why) for n in ("derivative", *others)]
    outcome = run.call("grad", x)
    if not outcome.ok:
        what = f"{x.size} inputs (the gradient)"
        return [_failed_call("derivative", outcome, run.options.timeout, what)] + [
            CheckResult(n, None, "not run: the gradient failed") for n in others
        ]
    values, why = _returned_values(outcome.value, x)
    if values is None:
        return [CheckResult("derivative", False, why)] + [
            CheckResult(n, None, "not run") for n in others
        ]
    nan = np.isnan(x)
    kink = np.array([run.ref.is_kink(_fraction(v)) if np.isfinite(v) else False for v in x])
    smooth = ~kink & ~nan
    expected = run.expected(x[smooth], derivative=True)
    c = compare(x[smooth], values[smooth], expected, run.fmt, run.tolerance)
    results = [
        CheckResult.from_comparison(
            "derivative", c, run.tolerance, "inputs off the kinks (+-inf: limits of f')", True
        )
    ]
    results.append(_kinks(run, x, values))
    at_nan = values[nan]
    propagated = bool(np.isnan(at_nan).all())
    results.append(
        CheckResult(
            "derivative_nan",
            propagated,
            "f'(NaN) is NaN"
            if propagated
            else f"f'(NaN) = {hexf(at_nan[~np.isnan(at_nan)][0])}: a NaN input gets a number",
            inputs=int(nan.sum()),
            failures=()
            if propagated
            else (Finding(math.nan, math.nan, float(at_nan[~np.isnan(at_nan)][0]), None),),
            derivative=True,
        )
    )
    return results


def _fraction(v: float) -> Fraction:
    return Fraction(float(v))


def _kinks(run: _Run, x: np.ndarray, grads: np.ndarray) -> CheckResult:
    if not run.ref.kinks:
        return CheckResult("derivative_kinks", None, "differentiable everywhere: no kink")
    notes, ok, checked = [], True, 0
    for k in run.ref.kinks:
        lo, hi = (float(v) for v in k.subgradient)
        lo_r, hi_r = round_array([lo, hi], run.fmt)
        for i in np.flatnonzero((x == float(k.at)) & np.isfinite(x)):
            g = float(grads[i])
            checked += 1
            inside = lo_r <= g <= hi_r
            if not inside and not math.isnan(g):  # a slope rounded once may sit just outside
                nearest = lo_r if g < lo_r else hi_r
                pair = as_format(np.array([g, nearest]), run.fmt)
                inside = int(ulp_distance(pair[0], pair[1], run.fmt)) <= run.tolerance
            ok &= inside
            where = "inside" if inside else "OUTSIDE"
            notes.append(
                f"f'({hexf(x[i])}) = {g!r} ({hexf(g)}); subgradient [{lo:g}, {hi:g}]: {where}"
            )
    if checked == 0:
        return CheckResult("derivative_kinks", None, "no kink is a float of this format")
    return CheckResult(
        "derivative_kinks",
        ok,
        f"{checked} kink inputs; the value chosen there is the implementation's convention",
        notes=tuple(notes),
        failures=()
        if ok
        else tuple(
            Finding(float(x[i]), float("nan"), float(grads[i]), None)
            for i in np.flatnonzero(np.isin(x, [float(k.at) for k in run.ref.kinks]))[:1]
        ),
        derivative=True,
    )


def _search(run: _Run) -> CheckResult:
    """Hypothesis over the format's floats; the shrunk failing input is reported."""
    n = run.options.search_examples
    if n <= 0:
        return CheckResult("values_search", None, "not run (0 examples asked)")
    from hypothesis import HealthCheck, Phase, given, settings

    found: list[Finding] = []
    trouble: list[Outcome] = []

    class _TargetFailed(Exception):
        pass

    @settings(
        max_examples=n,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
    )
    @given(float_strategy(run.fmt, run.ref.breakpoints))
    def search(value: float) -> None:
        x = np.array([value])
        outcome = run.call("call", x)
        if not outcome.ok:
            trouble.append(outcome)
            raise _TargetFailed
        got, _ = _returned_values(outcome.value["returned"], x)
        if got is None:
            return  # the shape check reports it
        c = compare(x, got, run.expected(x), run.fmt, run.tolerance)
        if not c.passed:
            found.append(c.failures[0])
            raise AssertionError

    try:
        search()
    except _TargetFailed:
        return _failed_call("values_search", trouble[-1], run.options.timeout, "one input")
    except AssertionError:
        last = found[-1]
        return CheckResult(
            "values_search",
            False,
            f"Hypothesis found and shrank a counterexample in {n} examples",
            inputs=n,
            max_ulp=last.ulp,
            worst=last,
            failures=(last,),
        )
    return CheckResult(
        "values_search", True, f"Hypothesis: {n} edge-heavy examples within tolerance", inputs=n
    )


def run_checks(
    target: TargetSpec,
    activation: str,
    overrides: dict | None = None,
    options: CheckOptions | None = None,
    grad: TargetSpec | None = None,
    function: Callable | None = None,
    grad_function: Callable | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> CheckReport:
    """Every check of `target` as the catalogue's `activation` at `overrides`."""
    options = options or CheckOptions()
    validate(target, grad, options)
    start = time.perf_counter()
    ref = Reference(activation, overrides)
    fmt = float_format(options.dtype)
    config = ChildConfig(
        target,
        fmt.name,
        grad,
        ref.name,
        tuple((k, str(v)) for k, v in (overrides or {}).items()),
        function,
        grad_function,
    )
    session = Session(config, options.timeout)
    run = _Run(ref, options, session, target.framework)
    try:
        results = _all_checks(run, grad is not None or target.framework != "numpy", progress)
    finally:
        session.close()
    if options.exhaustive:
        from numeric.check.exhaustive import exhaustive_check

        progress(f"exhaustive: every {fmt.name} input")
        results.append(exhaustive_check(config, run.tolerance, options, progress))
    params = {s.name: str(v) for s, v in ref.values.items()}
    return CheckReport(
        target,
        ref.name,
        params,
        fmt.name,
        run.tolerance,
        tuple(results),
        time.perf_counter() - start,
        grad,
        None if function is None else getattr(function, "__qualname__", repr(function)),
    )


def _all_checks(run: _Run, has_grad: bool, progress) -> list[CheckResult]:
    fmt = run.fmt
    sweep = sweep_inputs(fmt, run.options.per_binade)
    specials = special_inputs(fmt, run.ref.breakpoints)
    specials_nan = np.concatenate([specials, [np.nan]])
    infinities = nonfinite_inputs()[:2]
    progress(f"values on {sweep.size} sweep inputs")
    values_result, sweep_got = _value_check(
        run, "values", sweep, run.call("call", sweep), "sweep inputs"
    )
    outcome = run.call("call", sweep[:8])
    first = outcome.value["returned"] if outcome.ok else None
    progress(f"special values on {specials_nan.size} edge inputs")
    special_result, special_got = _value_check(
        run, "special_values", specials_nan, run.call("call", specials_nan), "edge inputs"
    )
    limits_result, limits_got = _value_check(
        run, "limits", infinities, run.call("call", infinities), "infinite inputs"
    )
    results = [values_result, special_result, limits_result]
    progress("Hypothesis search")
    results.append(_search(run))
    everything = _unique(np.concatenate([sweep, specials]))
    # properties from the outputs already in hand
    if sweep_got is not None and special_got is not None:
        xs = np.concatenate([sweep, specials])
        ys = np.concatenate([sweep_got, special_got[:-1]])
        if limits_got is not None:
            xs, ys = np.concatenate([xs, infinities]), np.concatenate([ys, limits_got])
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
        results.append(_continuity(run, xs, ys, run.expected(xs)))
        results.append(_monotonicity(run, xs, ys))
    else:
        why = "not run: the target did not return values"
        results += [CheckResult("continuity", None, why), CheckResult("monotonicity", None, why)]
    progress("derivative")
    grad_inputs = np.concatenate([everything, nonfinite_inputs()])
    results += _derivative_checks(run, grad_inputs, has_grad)
    progress("contract")
    results += _contract_checks(run, first, sweep[:8], sweep)
    return results
