"""The experiment runner: runs as content-keyed specs, executed in lock-step batches.

A `Run` is one training run, described completely by plain values (experiment, activation,
parameters, settings, seed). Its `key` hashes that description together with the source
of the code that trains it (`code_version`), so a result on disk is reused only when both
the settings and that code are the same.

Runs that share everything but their learning rate and seed share a shape: they are
trained together, in lock-step, as one batched array program (the MLP's leading runs
axis). A `Batch` of such runs is the unit of work a worker receives, locally through
joblib or on a Dask `distributed` cluster (`--scheduler ADDRESS`). Both call the same
pure function, `execute_batch`, so the numbers are the same bit for bit wherever they ran.

Each run's result is written to `DIR/runs/KEY.json` (atomically) as soon as its batch
comes back; a rerun of the same command skips every key already there, so an interrupted
sweep resumes where it stopped and loses nothing.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from derivations.cache import source_digest
from derivations.errors import ReluproofError

# The settings a batch may vary from run to run; every other setting fixes the shape.
PER_RUN_SETTINGS = ("lr",)
CONNECT_TIMEOUT = "10s"  # how long to wait for a Dask scheduler before saying so


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the code that computes a run's numbers: the `numeric` modules (MLP, kernels,
    census, tasks, ...), this runner and `training.py`. A result is reused only when that
    code is byte-for-byte the code that computed it. The experiment modules' tables and
    plots are left out, so improving a table does not retrain; their `train_batch` only
    passes a run on to `training.train_runs`, and whatever changes numbers is a setting."""
    here = Path(__file__).resolve().parent
    root = here.parent
    sources = [*root.glob("*.py"), here / "runner.py", here / "training.py"]
    return source_digest(sources, root)[:16]


def _plain(value: Any) -> Any:
    """A setting's value as a JSON scalar: tuples and lists become lists, floats stay exact."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value
    raise TypeError(f"a run setting must be a JSON scalar or list, not {type(value).__name__}")


def _frozen(items: dict[str, Any] | Iterable[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    pairs = items.items() if isinstance(items, dict) else items
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in pairs)  # hashable
    )


@dataclass(frozen=True)
class Run:
    """One training run, described by plain values only (so it pickles and hashes)."""

    experiment: str
    activation: str
    seed: int
    settings: tuple[tuple[str, Any], ...] = ()
    params: tuple[tuple[str, float], ...] = ()
    label: str = ""  # the experiment's name for the arm this run belongs to (e.g. "he_normal")

    @staticmethod
    def make(
        experiment: str,
        activation: str,
        seed: int,
        settings: dict[str, Any],
        params: dict[str, float] | None = None,
        label: str = "",
    ) -> Run:
        return Run(
            experiment, activation, int(seed), _frozen(settings), _frozen(params or {}), label
        )

    @property
    def setting(self) -> dict[str, Any]:
        return dict(self.settings)

    @property
    def param(self) -> dict[str, float]:
        return dict(self.params)

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "activation": self.activation,
            "params": {k: _plain(v) for k, v in self.params},
            "settings": {k: _plain(v) for k, v in self.settings},
            "seed": self.seed,
            "label": self.label,
        }

    @property
    def key(self) -> str:
        text = json.dumps([self.to_dict(), code_version()], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    @property
    def shape_key(self) -> tuple:
        """What runs trained in lock-step must share: all but the per-run settings and seed."""
        fixed = tuple((k, v) for k, v in self.settings if k not in PER_RUN_SETTINGS)
        return (self.experiment, self.activation, self.params, fixed)


@dataclass(frozen=True)
class Batch:
    """Runs of one shape, trained together as one batched program."""

    runs: tuple[Run, ...]

    def __len__(self) -> int:
        return len(self.runs)


@dataclass(frozen=True)
class RunResult:
    run: Run
    result: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.run.key,
            "code_version": code_version(),
            "run": self.run.to_dict(),
            "result": self.result,
        }


def batches(runs: Sequence[Run], max_runs: int = 128) -> list[Batch]:
    """Group runs by shape, in plan order; split a group into chunks of at most `max_runs`.

    The grouping depends on the plan only (never on what is already done or on --jobs), so a
    run is always trained beside the same companions and its numbers never depend on how the
    work was scheduled or resumed."""
    groups: dict[tuple, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.shape_key, []).append(run)
    out = []
    for members in groups.values():
        for start in range(0, len(members), max_runs):
            out.append(Batch(tuple(members[start : start + max_runs])))
    return out


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: a non-finite measurement is recorded as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def execute_batch(batch: Batch) -> list[dict[str, Any]]:
    """Train one batch: the pure function every backend calls. Returns one result per run,
    in the batch's order, as plain JSON values."""
    experiment = batch.runs[0].experiment
    module = importlib.import_module(f"numeric.experiments.{experiment.replace('-', '_')}")
    results = module.train_batch(batch.runs)
    if len(results) != len(batch.runs):
        raise RuntimeError(f"{experiment}: {len(results)} results for {len(batch.runs)} runs")
    return [_finite(r) for r in results]


# ---------------------------------------------------------------------------------------
# the results directory


@dataclass
class ResultStore:
    """`DIR/runs/KEY.json`, one file per completed run, each written atomically."""

    directory: Path

    def __post_init__(self) -> None:
        from numeric.output import ensure_directory

        self.directory = Path(self.directory)
        ensure_directory(self.directory / "runs")

    def path(self, run: Run) -> Path:
        return self.directory / "runs" / f"{run.key}.json"

    def load(self, run: Run) -> dict | None:
        """The stored result of `run`, or None. A file that does not parse or does not match
        the run (edited by hand, truncated by a disk failure) is treated as absent."""
        try:
            record = json.loads(self.path(run).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if record.get("key") != run.key or record.get("run") != run.to_dict():
            return None
        return record["result"]

    def store(self, outcome: RunResult) -> None:
        from numeric.output import write_atomic

        text = json.dumps(outcome.to_dict(), indent=1, sort_keys=True, allow_nan=False)
        write_atomic(self.path(outcome.run), text + "\n")


# ---------------------------------------------------------------------------------------
# execution


def _local(todo: list[Batch], jobs: int) -> Iterator[tuple[Batch, list[dict]]]:
    if jobs <= 1 or len(todo) <= 1:
        for batch in todo:
            yield batch, execute_batch(batch)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=min(jobs, len(todo)), return_as="generator_unordered")
    yield from parallel(delayed(_tagged)(batch) for batch in todo)


def _tagged(batch: Batch) -> tuple[Batch, list[dict]]:
    return batch, execute_batch(batch)


def connect(address: str):
    """A `distributed.Client` for the scheduler at `address`, or a one-line error."""
    try:
        from distributed import Client
    except ImportError:
        raise ReluproofError(
            "--scheduler needs Dask's `distributed` (pip install 'reluproof[dask]')."
        ) from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReluproofError(
            f"cannot reach the Dask scheduler at {address!r} ({reason}); start one with "
            "`dask scheduler` and give its tcp://HOST:PORT address."
        ) from None


def _dask(todo: list[Batch], client) -> Iterator[tuple[Batch, list[dict]]]:
    from distributed import as_completed

    futures = {client.submit(execute_batch, batch, pure=False): batch for batch in todo}
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        client.cancel(list(futures))


def run_all(
    runs: Sequence[Run],
    directory: str | Path,
    jobs: int = 1,
    scheduler: str | None = None,
    client=None,
    progress: bool = False,
    on_result: Callable[[RunResult], None] | None = None,
    max_batch: int = 128,
) -> list[RunResult]:
    """Every run's result, in plan order: read from `directory` when already done with the
    same settings and code, trained otherwise (locally with `jobs` processes, or on the
    Dask cluster at `scheduler` / through `client`), each stored as soon as it is back.

    `on_result` is called after each newly stored run (a test interrupts a sweep there)."""
    if len({r.key for r in runs}) != len(runs):
        raise ValueError("the plan holds the same run twice")
    store = ResultStore(Path(directory))
    done: dict[str, dict] = {}
    for run in runs:
        found = store.load(run)
        if found is not None:
            done[run.key] = found
    # a batch is trained whole (so its numbers never depend on what was done before);
    # only its missing runs are written
    todo = [b for b in batches(runs, max_batch) if any(r.key not in done for r in b.runs)]
    bar = _bar(len(runs), len(done), progress)
    own_client = None
    try:
        if scheduler is not None and client is None:
            client = own_client = connect(scheduler)
        stream = _dask(todo, client) if client is not None else _local(todo, jobs)
        for batch, results in stream:
            for run, result in zip(batch.runs, results, strict=True):
                if run.key in done:
                    continue
                outcome = RunResult(run, result)
                store.store(outcome)
                done[run.key] = result
                bar.update(1)
                if on_result is not None:
                    on_result(outcome)
    finally:
        bar.close()
        if own_client is not None:
            own_client.close()
    return [RunResult(run, done[run.key]) for run in runs]


def _bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="run",
        file=sys.stderr,
        disable=not (enabled and sys.stderr.isatty()),
        dynamic_ncols=True,
        leave=False,
    )
