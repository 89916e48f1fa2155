"""A content-addressed disk cache for pure symbolic results.

A result is stored under the hash of (what, key, the source of every `derivations`
module and of the two `numeric` modules the calculus runs, SymPy's version): when the
code or SymPy changes, the key changes and the result is computed afresh. The cache is
an optimisation only: an unreadable, corrupt or unwritable cache is ignored. Writes are
atomic (temporary file, then rename).

Location: $RELUPROOF_CACHE_DIR, else $XDG_CACHE_HOME/reluproof, else ~/.cache/reluproof.
RELUPROOF_NO_CACHE=1 turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path

import sympy


def directory() -> Path:
    explicit = os.environ.get("RELUPROOF_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "reluproof"


def enabled() -> bool:
    return os.environ.get("RELUPROOF_NO_CACHE", "") in ("", "0")


def source_digest(paths, root: Path, salt: str = "") -> str:
    """SHA-256 of `salt` and each file's path (relative to `root`) and bytes, in sorted
    order: the key under which a result computed by that code may be reused."""
    digest = hashlib.sha256(salt.encode())
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    # the calculus also runs numeric/intervals.py and numeric/oracle.py (its zero finder)
    root = Path(__file__).resolve().parent.parent
    numeric = root / "numeric"
    sources = [
        *(root / "derivations").glob("*.py"),
        numeric / "intervals.py",
        numeric / "oracle.py",
    ]
    return source_digest([p for p in sources if p.exists()], root, sympy.__version__)


def _path(what: str, key: object) -> Path:
    digest = hashlib.sha256(f"{_code_fingerprint()}|{what}|{key!r}".encode()).hexdigest()
    return directory() / f"{what}-{digest[:32]}.pickle"


def load(what: str, key: object):
    if not enabled():
        return None
    try:
        with open(_path(what, key), "rb") as handle:
            return pickle.load(handle)
    except Exception:  # absent, corrupt, or from an incompatible version: recompute
        return None


def store(what: str, key: object, value: object) -> None:
    if not enabled():
        return
    path = _path(what, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except Exception:  # an unwritable cache only costs time
        return
