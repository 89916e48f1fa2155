"""Spreading independent pure work over the machine's cores.

Derivations and proofs are pure and independent of one another, so `reluproof derive`,
`prove` and `report` hand them to worker processes (forked, so they start with every
module already imported). Results come back in order; `jobs=1` runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def ordered_map(fn: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[R]:
    """fn over items, results in the order of items, as they become available."""
    if jobs <= 1 or len(items) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(fn, items)
        return
    with multiprocessing.get_context("fork").Pool(min(jobs, len(items))) as pool:
        yield from pool.imap(fn, items, chunksize=1)
