"""Every input of a format: all 65,536 of float16 and bfloat16, all 2^32 of float32.

The encodings are cut into chunks (2^20 inputs each) and handed to `jobs` child processes,
each holding the target and the reference: a child decodes its range, calls the target
once on the whole chunk, computes the correctly rounded reference by the float64 fast
path (`Reference.fast`, exact arithmetic for the few undecided inputs) and compares; only
a summary crosses the pipe. A child that hangs or crashes fails the check with the range
it was working on. The inputs-per-second figure is measured and reported.
"""

from __future__ import annotations

import queue
import threading
import time

from numeric.check.compare import FAILURES_KEPT, Comparison, compare
from numeric.check.inputs import all_inputs
from numeric.check.reference import Reference
from numeric.check.results import CheckResult
from numeric.check.runner import ChildConfig, Outcome, Session
from numeric.floats import float_format

CHUNK = 1 << 20  # 8 MB float64 temporaries: measured 1.5x faster per input than 2^22
CHUNK_ALLOWANCE = 300.0  # seconds for the reference on one chunk, on top of --timeout
TOTAL_OVERRIDE: int | None = None  # benchmarks' smoke runs: only the first encodings

_REFERENCES: dict = {}


def compare_range(child, start: int, stop: int, tolerance: float) -> dict:
    """In the child: the comparison over encodings [start, stop)."""
    config = child.config
    key = (config.activation, config.overrides)
    if key not in _REFERENCES:
        _REFERENCES[key] = Reference(config.activation, dict(config.overrides))
    ref = _REFERENCES[key]
    x = all_inputs(config.fmt, start, stop)
    from numeric.check.adapters import from_native

    returned = from_native(child.apply(child.native(x))[0], child.framework)
    if returned.values is None or returned.values.shape != x.shape:
        return {"problem": f"returned a {returned.kind} of shape {returned.shape}"}
    expected, undecided = ref.fast(x, config.fmt)
    comparison = compare(x, returned.values, expected, config.fmt, tolerance)
    return {"comparison": comparison, "undecided": undecided, "dtype": returned.dtype}


def merge(parts: list[Comparison]) -> Comparison:
    failures = sorted(
        (f for p in parts for f in p.failures),
        key=lambda f: (f.ulp is not None, -(f.ulp or 0)),
    )[:FAILURES_KEPT]
    worsts = [p.worst for p in parts if p.worst is not None]
    worst = min(worsts, key=lambda f: (f.ulp is not None, -(f.ulp or 0)), default=None)
    return Comparison(
        count=sum(p.count for p in parts),
        max_ulp=max((p.max_ulp for p in parts), default=0),
        nan_mismatches=sum(p.nan_mismatches for p in parts),
        over_tolerance=sum(p.over_tolerance for p in parts),
        worst=worst,
        failures=tuple(failures),
        max_abs_error=max((p.max_abs_error for p in parts), default=0.0),
        max_rel_error=max((p.max_rel_error for p in parts), default=0.0),
        negative_zeros=tuple(v for p in parts for v in p.negative_zeros)[:8],
    )


def exhaustive_check(config: ChildConfig, tolerance: float, options, progress) -> CheckResult:
    f = float_format(config.fmt)
    total = 1 << f.width if TOTAL_OVERRIDE is None else min(1 << f.width, TOTAL_OVERRIDE)
    ranges = [(s, min(s + CHUNK, total)) for s in range(0, total, CHUNK)]
    todo: queue.Queue = queue.Queue()
    for r in ranges:
        todo.put(r)
    parts: list[Comparison] = []
    problems: list[str] = []
    undecided = [0]
    lock = threading.Lock()
    bar = _progress_bar(total, options.progress)
    start = time.perf_counter()

    def worker() -> None:
        with Session(config, options.timeout + CHUNK_ALLOWANCE) as session:
            while not problems:
                try:
                    lo, hi = todo.get_nowait()
                except queue.Empty:
                    return
                outcome: Outcome = session.request("exhaustive", (lo, hi, tolerance))
                with lock:
                    if not outcome.ok:
                        problems.append(
                            f"{outcome.describe(options.timeout)} on encodings [{lo:#x}, {hi:#x})"
                        )
                    elif "problem" in outcome.value:
                        problems.append(outcome.value["problem"])
                    else:
                        parts.append(outcome.value["comparison"])
                        undecided[0] += outcome.value["undecided"]
                    if bar is not None:
                        bar.update(hi - lo)

    threads = [
        threading.Thread(target=worker) for _ in range(max(1, min(options.jobs, len(ranges))))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    if problems:
        return CheckResult("exhaustive", False, problems[0])
    c = merge(parts)
    rate = c.count / seconds if seconds > 0 else float("nan")
    every = "every encoding" if total == 1 << f.width else f"the first {total:,} encodings"
    result = CheckResult.from_comparison("exhaustive", c, tolerance, f"{f.name} inputs ({every})")
    detail = (
        f"{result.detail}; {seconds:.1f} s, {rate:,.0f} inputs/s with {len(threads)} "
        f"process{'es' if len(threads) > 1 else ''}; "
        f"{undecided[0]} inputs decided by exact arithmetic"
    )
    return CheckResult(
        result.name,
        result.passed,
        detail,
        result.inputs,
        result.max_ulp,
        result.worst,
        result.failures,
        result.max_abs_error,
        result.max_rel_error,
        result.notes,
    )


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="inputs", unit_scale=True, desc="exhaustive", leave=False)
