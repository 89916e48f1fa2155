"""The target runs in a child process, so that whatever it does the checker survives.

`Session` starts a child (a fresh interpreter that loads the target from its spec, or, for
a Python callable handed to the API, a fork that inherits it), then sends it steps one at a
time and waits for each with a timeout. A step that raises comes back as `raised` with the
exception's text; a child that does not answer in time is killed (`timeout`); a child that
dies (a segfault, os._exit, an abort) is `crashed`, with its exit status and the end of its
stderr. After a timeout or a crash the next step starts a new child, so one bad input set
fails one check, not all of them.

The steps, run in the child (`_STEPS`): `call` (f on a 1-D array, with the warnings it
raised and whether it changed its input), `contract` (f on 2-D, transposed and 0-d arrays;
twice on the same input), `grad` (f' by autograd or by the derivative target) and
`exhaustive` (one range of encodings compared with the reference inside the child: only a
summary crosses the pipe).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from numeric.check.adapters import (
    Returned,
    TargetSpec,
    autograd,
    from_native,
    load_target,
    native_scalar_kwargs,
    to_native,
)

STARTUP_SECONDS = 180.0  # importing torch or jax on a loaded machine takes a while


@dataclass(frozen=True)
class ChildConfig:
    """Everything the child needs: the target (spec, or a callable for a fork), its
    derivative target, the format, and the reference's activation for exhaustive steps."""

    target: TargetSpec
    fmt: str
    grad: TargetSpec | None = None
    activation: str | None = None
    overrides: tuple[tuple[str, str], ...] = ()
    function: Callable | None = field(default=None, compare=False)
    grad_function: Callable | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Outcome:
    status: str  # ok | raised | timeout | crashed | load_error
    value: Any = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self, timeout: float) -> str:
        if self.status == "timeout":
            return f"the target did not return within {timeout:g} s (killed)"
        if self.status == "crashed":
            return f"the target crashed the interpreter ({self.message})"
        if self.status == "load_error":
            return f"the target could not be loaded: {self.message}"
        if self.status == "raised":
            return f"the target raised {self.message}"
        return "ok"


# ---------------------------------------------------------------------------------------
# the child


class _Child:
    def __init__(self, config: ChildConfig):
        self.config = config
        self.framework = config.target.framework
        self.fn = config.function or load_target(config.target.spec)
        self.kwargs = dict(config.target.kwargs)
        self.grad_fn = None
        if config.grad is not None:
            self.grad_fn = config.grad_function or load_target(config.grad.spec)

    def native(self, x: np.ndarray, framework: str | None = None):
        return to_native(x, self.config.fmt, framework or self.framework)

    def apply(self, x_native) -> tuple[Any, list[str]]:
        kwargs = native_scalar_kwargs(self.kwargs, x_native, self.framework)
        # NumPy's default floating-point policy (underflow is silent), whatever the parent set
        policy = np.errstate(divide="warn", over="warn", invalid="warn", under="ignore")
        with warnings.catch_warnings(record=True) as caught, policy:
            warnings.simplefilter("always")
            y = self.fn(x_native, **kwargs)
        return y, [f"{w.category.__name__}: {w.message}" for w in caught]

    def call(self, x: np.ndarray) -> dict:
        x_native = self.native(x)
        before = from_native(x_native, self.framework).values.copy()
        y, caught = self.apply(x_native)
        after = from_native(x_native, self.framework).values
        return {
            "returned": from_native(y, self.framework),
            "warnings": caught,
            "mutated": not _same(before, after),
        }

    def contract(self, x: np.ndarray) -> dict:
        first, caught = self.apply(self.native(x))
        second, _ = self.apply(self.native(x))
        n = (x.size // 4) * 4
        grid = x[:n].reshape(4, -1) if n else x.reshape(1, -1)
        transposed = self.native(grid.T.copy())
        if self.framework == "numpy":
            transposed = self.native(grid).T  # a strided (non-contiguous) view
        elif self.framework == "torch":
            transposed = self.native(grid).t()
        out = {
            "first": from_native(first, self.framework),
            "second": from_native(second, self.framework),
            "warnings": caught,
            "grid_input": grid,
            "grid": from_native(self.apply(self.native(grid))[0], self.framework),
            "transposed": from_native(self.apply(transposed)[0], self.framework),
            "scalar": from_native(self.apply(self.native(np.asarray(x[0])))[0], self.framework),
        }
        return out

    def grad(self, x: np.ndarray) -> Returned:
        if self.grad_fn is not None:
            framework = self.config.grad.framework
            y = self.grad_fn(self.native(x, framework), **self.kwargs)
            return from_native(y, framework)
        return autograd(self.fn, x, self.config.fmt, self.framework, self.kwargs)

    def signature(self, _payload) -> list[str]:
        import inspect

        try:
            parameters = inspect.signature(self.fn).parameters
        except (TypeError, ValueError):
            return []
        return [name for name in parameters]

    def exhaustive(self, payload: tuple[int, int, float]) -> dict:
        from numeric.check.exhaustive import compare_range

        start, stop, tolerance = payload
        return compare_range(self, start, stop, tolerance)


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None or a.shape != b.shape:
        return a is b
    return bool(np.all((a.view(np.uint64) == b.view(np.uint64)) | (np.isnan(a) & np.isnan(b))))


def _serve(conn: Connection, config: ChildConfig) -> None:
    try:
        child = _Child(config)
    except BaseException as exc:  # anything at all: the parent reports it
        conn.send(("load_error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        step, payload = request
        try:
            value = getattr(child, step)(payload)
            conn.send(("ok", value))
        except BaseException as exc:
            text = f"{type(exc).__name__}: {exc}".strip()
            conn.send(("raised", text[:500]))


def child_main() -> None:
    """Entry point of a spawned child: fds for the pipe come on the command line."""
    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    inbox, outbox = Connection(read_fd, writable=False), Connection(write_fd, readable=False)

    class _Duplex:
        send, recv = outbox.send, inbox.recv

    config = pickle.loads(inbox.recv_bytes())
    _serve(_Duplex(), config)


# ---------------------------------------------------------------------------------------
# the parent


class Session:
    """One child process at a time for a ChildConfig; `request` runs one step."""

    def __init__(self, config: ChildConfig, timeout: float):
        self.config = config
        self.timeout = timeout
        self._process = None
        self._stderr = None
        self.load_error: str | None = None
        self.hard_failures = 0  # timeouts and crashes so far

    # -- process management --
    def _start(self) -> Outcome | None:
        self._stderr = tempfile.TemporaryFile()
        if self.config.function is not None:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            parent_end, child_end = context.Pipe()
            self._process = context.Process(
                target=_serve_forked, args=(child_end, self.config, self._stderr.fileno())
            )
            self._process.start()
            child_end.close()
            self._inbox = self._outbox = parent_end
        else:
            to_child_r, to_child_w = os.pipe()
            from_child_r, from_child_w = os.pipe()
            env = dict(os.environ)
            paths = [p for p in sys.path if p and os.path.isdir(p)]
            env["PYTHONPATH"] = os.pathsep.join([os.getcwd(), *paths])
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from numeric.check.runner import child_main; child_main()",
                    str(to_child_r),
                    str(from_child_w),
                ],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                env=env,
            )
            os.close(to_child_r)
            os.close(from_child_w)
            self._outbox = Connection(to_child_w, readable=False)
            self._inbox = Connection(from_child_r, writable=False)
            self._outbox.send_bytes(pickle.dumps(self.config))
        outcome = self._receive(max(STARTUP_SECONDS, self.timeout))
        if outcome.status == "ok" and outcome.value == "ready":
            return None
        self.hard_failures += 1
        if outcome.status == "raised" or outcome.status == "load_error":
            outcome = Outcome("load_error", message=outcome.message)
        self.load_error = outcome.describe(self.timeout)
        self.close()
        return outcome

    def _alive(self) -> bool:
        if self._process is None:
            return False
        if isinstance(self._process, subprocess.Popen):
            return self._process.poll() is None
        return self._process.is_alive()

    def _exit_text(self) -> str:
        proc = self._process
        if isinstance(proc, subprocess.Popen):
            proc.wait(timeout=5)
            code = proc.returncode
        else:
            proc.join(timeout=5)
            code = proc.exitcode
        status = f"exit status {code}"
        if code is not None and code < 0:
            import signal

            try:
                status = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                status = f"killed by signal {-code}"
        tail = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            lines = [ln for ln in self._stderr.read().decode(errors="replace").splitlines() if ln]
            if lines:
                tail = f"; stderr: {lines[-1][:200]}"
        return status + tail

    def _receive(self, timeout: float) -> Outcome:
        try:
            ready = self._inbox.poll(timeout)
        except (OSError, EOFError):
            ready = True
        if not ready:
            self.close(kill=True)
            return Outcome("timeout")
        try:
            status, value = self._inbox.recv()
        except (EOFError, OSError, pickle.UnpicklingError):
            message = self._exit_text()
            self.close(kill=True)
            return Outcome("crashed", message=message)
        if status == "ready":
            return Outcome("ok", "ready")
        if status == "ok":
            return Outcome("ok", value)
        return Outcome(status, message=value)

    def request(self, step: str, payload: Any, timeout: float | None = None) -> Outcome:
        if not self._alive():
            failed = self._start()
            if failed is not None:
                return failed
        try:
            self._outbox.send((step, payload))
        except (OSError, EOFError, BrokenPipeError):
            message = self._exit_text()
            self.close(kill=True)
            return Outcome("crashed", message=message)
        outcome = self._receive(self.timeout if timeout is None else timeout)
        if outcome.status in ("timeout", "crashed"):
            self.hard_failures += 1
        return outcome

    def close(self, kill: bool = False) -> None:
        proc = self._process
        if proc is None:
            return
        if not kill and self._alive():
            try:
                self._outbox.send(None)
            except (OSError, BrokenPipeError):
                pass
        if isinstance(proc, subprocess.Popen):
            if kill and proc.poll() is None:
                proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        else:
            if kill and proc.is_alive():
                proc.kill()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for end in {id(self._inbox): self._inbox, id(self._outbox): self._outbox}.values():
            try:
                end.close()
            except OSError:
                pass
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._process = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve_forked(conn: Connection, config: ChildConfig, stderr_fd: int) -> None:
    import faulthandler

    faulthandler.disable()  # a crash is reported by the parent, not dumped on the terminal
    os.dup2(stderr_fd, 2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    _serve(conn, config)


def signature_names(target: TargetSpec) -> set[str]:
    """The keyword names a target's signature accepts, read in a child (loading a target
    runs its code); empty when it has no inspectable signature (a C builtin)."""
    config = ChildConfig(target, "float32")
    with Session(config, timeout=STARTUP_SECONDS) as session:
        outcome = session.request("signature", None)
    return set(outcome.value) if outcome.ok else set()
