"""Theorems with machine-checked verdicts, and the registry that holds them.

A `Theorem` couples a LaTeX statement with a `prove()` that returns a `Verdict`:
PROVED, REFUTED (with a counterexample) or UNDECIDED (with why). The verdict carries
its certificate -- the expression that simplified to exactly 0, the rigorous enclosure,
the counterexample's numbers -- so a reader can check it without trusting us.
Nothing is PROVED by sampling floats: a source document's empirical claim (proofs/measured.py)
is settled by seeded training runs as SUPPORTED, CONTRADICTED or MIXED (method MEASURED),
its certificate holding the settings, the seeds and the figures with confidence intervals.

Each theorem also says which verdict it *expects*: a claim from a source document
that is false is registered with `expected=REFUTED`, and `reluproof prove` fails
(exit 1) only when a verdict differs from its expectation.
"""

from __future__ import annotations

import enum
import functools
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


class Status(str, enum.Enum):
    PROVED = "PROVED"
    REFUTED = "REFUTED"
    UNDECIDED = "UNDECIDED"
    # an empirical claim settled by measurement (proofs/measured.py): never PROVED
    SUPPORTED = "SUPPORTED"
    CONTRADICTED = "CONTRADICTED"
    MIXED = "MIXED"


class Method(str, enum.Enum):
    EXACT_SYMBOLIC = "exact symbolic"
    INTERVAL = "rigorous interval/ball arithmetic"
    EXHAUSTIVE = "exhaustive finite check"
    COUNTEREXAMPLE = "constructed counterexample"
    EXACT_RATIONAL = "exact rational arithmetic"
    MEASURED = "measured: seeded training runs, 95% confidence intervals"


@dataclass(frozen=True)
class Verdict:
    """The outcome of a proof attempt.

    `certificate` maps names to JSON-serialisable values (exact values as strings).
    `summary` is one readable sentence for tables and reports.
    """

    status: Status
    summary: str
    certificate: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.status.value,
            "summary": self.summary,
            "certificate": self.certificate,
        }


def proved(summary: str, **certificate: Any) -> Verdict:
    return Verdict(Status.PROVED, summary, certificate)


def refuted(summary: str, **certificate: Any) -> Verdict:
    return Verdict(Status.REFUTED, summary, certificate)


def undecided(summary: str, **certificate: Any) -> Verdict:
    return Verdict(Status.UNDECIDED, summary, certificate)


def measured(status: Status, summary: str, **certificate: Any) -> Verdict:
    """The verdict on an empirical claim: SUPPORTED, CONTRADICTED or MIXED, with a
    certificate holding the experiment, its settings and seeds, and the figures with
    their confidence intervals."""
    if status not in (Status.SUPPORTED, Status.CONTRADICTED, Status.MIXED):
        raise ValueError(f"a measurement supports or contradicts; it cannot be {status.value}")
    return Verdict(status, summary, certificate)


# The source documents sit beside the project, in ../shared/seeds from its root.
SEEDS_DIRECTORY = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

# Each document's title (its first heading), stored so that a report made where the
# documents are absent still cites them by title. `document_title` reads it from the file
# when the file is there, and a test checks every stored title against its file.
DOCUMENT_TITLES = {
    "000_cce168a880d2299d.txt": "AI/ML Neural Network: The Dead Neuron",
    "001_5a897a5912340601.txt": "Fix the Vanishing gradient problem",
    "002_3bf8178524fc587d.txt": "会死掉的ReLU",
    "003_bdd817aebe3d8cbc.txt": "Dying ReLU Problem",
}
# English for a title in a script the LaTeX report cannot typeset.
TITLE_TRANSLATIONS = {"002_3bf8178524fc587d.txt": "The ReLU that can die"}

# Date lines above a title (a blog's "Sunday, October 2, 2022", the notes' "03-Oct-2024").
_DATE_FORMATS = ("%A, %B %d, %Y", "%d-%b-%Y", "%Y-%m-%d")


def _is_date(line: str) -> bool:
    for fmt in _DATE_FORMATS:
        try:
            datetime.strptime(line, fmt)
        except ValueError:
            continue
        return True
    return False


def title_from_text(text: str) -> str:
    """A document's title: its first non-blank line that is not a date, without a trailing
    colon and without the lede a blog runs on after an en dash ("Title – In deep ...")."""
    for line in text.splitlines():
        line = line.strip()
        if line and not _is_date(line):
            return line.split(" \u2013 ")[0].removesuffix(":").strip()
    raise ValueError("the document has no title line")


@functools.cache
def document_title(document: str) -> str:
    """The title of a source document: read from the file when it is present, else stored."""
    path = SEEDS_DIRECTORY / document
    if path.is_file():
        return title_from_text(path.read_text(encoding="utf-8"))
    return DOCUMENT_TITLES[document]


@dataclass(frozen=True)
class Source:
    """Where a claim comes from: a source document's file name and the quoted words,
    verbatim (only the line breaks may differ; the notes' strike-through stays as ~~it~~).

    A quote in a script LaTeX cannot typeset here (the Chinese of one document) carries an
    English `translation`, which the LaTeX report shows in its place."""

    document: str
    quote: str
    translation: str = ""

    def __post_init__(self) -> None:
        if self.document not in DOCUMENT_TITLES:
            raise ValueError(
                f"unknown source document {self.document!r}: add its title to DOCUMENT_TITLES"
            )

    @property
    def title(self) -> str:
        return document_title(self.document)

    @property
    def title_translation(self) -> str:
        return TITLE_TRANSLATIONS.get(self.document, "")

    def citation(self, latin_only: bool = False) -> str:
        """'"Title" (file name)' for a report; `latin_only` puts an English translation in
        place of a title that LaTeX cannot typeset."""
        translation = self.title_translation
        if latin_only and translation:
            return f"\u201c{translation}\u201d (translated title; {self.document})"
        if translation:
            return f"\u201c{self.title}\u201d (\u201c{translation}\u201d; {self.document})"
        return f"\u201c{self.title}\u201d ({self.document})"

    def to_dict(self) -> dict[str, str]:
        out = {"document": self.document, "title": self.title, "quote": self.quote}
        if self.title_translation:
            out["title_translation"] = self.title_translation
        if self.translation:
            out["translation"] = self.translation
        return out


@dataclass(frozen=True)
class Theorem:
    id: str
    statement: str  # LaTeX, inline-math fragments between $...$
    method: Method
    prove_fn: Callable[[], Verdict]
    expected: Status = Status.PROVED
    source: Source | None = None
    slow: bool = False  # excluded from a plain `reluproof prove` (the moonshot)

    def to_dict(self) -> dict[str, Any]:
        """What the theorem says, without proving it (`reluproof prove --list --json`)."""
        out: dict[str, Any] = {
            "id": self.id,
            "statement": self.statement,
            "method": self.method.value,
            "expected": self.expected.value,
            "slow": self.slow,
        }
        if self.source is not None:
            out["source"] = self.source.to_dict()
        return out

    def prove(self) -> Verdict:
        """Run the proof. An exception inside a proof is a bug, reported as UNDECIDED."""
        try:
            verdict = self.prove_fn()
        except Exception as exc:  # a proof that crashes decides nothing
            return undecided(
                f"the proof raised {type(exc).__name__}: {exc}",
                traceback=traceback.format_exc(limit=3),
            )
        if not isinstance(verdict, Verdict):
            return undecided(f"the proof returned {type(verdict).__name__}, not a Verdict")
        return verdict


@dataclass(frozen=True)
class Result:
    theorem: Theorem
    verdict: Verdict
    seconds: float

    @property
    def as_expected(self) -> bool:
        return self.verdict.status == self.theorem.expected

    def to_dict(self) -> dict[str, Any]:
        out = self.theorem.to_dict()
        source = out.pop("source", None)
        out.update(self.verdict.to_dict(), as_expected=self.as_expected)
        out["seconds"] = round(self.seconds, 3)
        if source is not None:
            out["source"] = source
        return out


_REGISTRY: dict[str, Theorem] = {}


def theorem(
    id: str,
    statement: str,
    method: Method,
    expected: Status = Status.PROVED,
    source: Source | None = None,
    slow: bool = False,
) -> Callable[[Callable[[], Verdict]], Callable[[], Verdict]]:
    """Decorator: register `fn` as the proof of a theorem."""

    def register(fn: Callable[[], Verdict]) -> Callable[[], Verdict]:
        if id in _REGISTRY:
            raise ValueError(f"theorem id {id!r} registered twice")
        _REGISTRY[id] = Theorem(id, statement, method, fn, expected, source, slow)
        return fn

    return register


_VERDICTS: dict[str, Verdict] = {}


def run(thm: Theorem) -> Result:
    start = time.perf_counter()
    verdict = thm.prove()
    return Result(thm, verdict, time.perf_counter() - start)


def verdict_of(theorem_id: str) -> Verdict:
    """The verdict of a registered theorem, for a claim that another theorem settles:
    proved once per process and kept (proofs are pure). `run` never reads this cache, so a
    theorem run directly is always proved afresh."""
    if theorem_id not in _VERDICTS:
        if theorem_id not in _REGISTRY:
            raise KeyError(f"no theorem {theorem_id!r} is registered")
        _VERDICTS[theorem_id] = _REGISTRY[theorem_id].prove()
    return _VERDICTS[theorem_id]
