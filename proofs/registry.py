"""The registry of all theorems: imports every theorem module and selects by id."""

from __future__ import annotations

import difflib
import importlib

from derivations.errors import ReluproofError
from proofs.theorem import _REGISTRY, Theorem

# In the order of the registry (and so of `reluproof prove` and the report).
THEOREM_MODULES = (
    "proofs.dead_units",
    "proofs.selu",
    "proofs.smoothness",
    "proofs.vanishing",
    "proofs.claims",
    "proofs.measured",
    "proofs.measured_depth",
)


def _load() -> None:
    for module in THEOREM_MODULES:
        importlib.import_module(module)


def all_theorems(include_slow: bool = True) -> list[Theorem]:
    _load()
    return [t for t in _REGISTRY.values() if include_slow or not t.slow]


def theorem_by_id(theorem_id: str) -> Theorem:
    _load()
    return _REGISTRY[theorem_id]


def select(ids: list[str], include_slow: bool = False) -> list[Theorem]:
    """Theorems by id or id prefix (`selu` selects every `selu.*`).

    With no ids: every theorem, the slow ones only when `include_slow`.
    """
    theorems = all_theorems(include_slow=True)
    if not ids:
        return [t for t in theorems if include_slow or not t.slow]
    by_id = {t.id: t for t in theorems}
    chosen: list[Theorem] = []
    for wanted in ids:
        matches = [t for t in theorems if t.id == wanted or t.id.startswith(wanted + ".")]
        if not matches:
            close = difflib.get_close_matches(wanted, list(by_id), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ReluproofError(
                f"unknown theorem {wanted!r}.{hint} `reluproof prove --list` lists them all."
            )
        chosen.extend(t for t in matches if t not in chosen)
    return chosen
