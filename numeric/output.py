"""Atomic output: a file is either written whole or not at all.

It lives low in the house (numeric/, not the reluproof face) because the experiment runner
writes each finished run as it comes back, and the face writes the report: one writer.

Text goes to a temporary file in the target's own directory and is renamed over the
target, so a crash, a full disk or Ctrl-C never leaves a partial file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from derivations.errors import ReluproofError


def check_writable(path: str | os.PathLike) -> Path:
    """Fail fast, before any work, on a target that cannot be written."""
    target = Path(path)
    if target.is_dir():
        raise ReluproofError(f"cannot write {target}: it is a directory; give a file name.")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise ReluproofError(
            f"cannot write {target}: the directory {parent} does not exist; create it first."
        )
    if not os.access(parent, os.W_OK):
        raise ReluproofError(f"cannot write {target}: {parent} is not writable.")
    return target


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    target = check_writable(path)
    parent = target.parent if str(target.parent) else Path(".")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ReluproofError(
            f"cannot write {target}: {exc.strerror or exc}; choose a writable location."
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise ReluproofError(
                f"cannot write {target}: {exc.strerror or exc}; choose a writable location."
            ) from None
        raise
    return target


def ensure_directory(path: str | os.PathLike) -> Path:
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReluproofError(
            f"cannot create the output directory {directory}: {exc.strerror or exc}."
        ) from None
    if not os.access(directory, os.W_OK):
        raise ReluproofError(f"the output directory {directory} is not writable.")
    return directory
