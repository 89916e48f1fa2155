"""The report's survey section: how the installed frameworks' activations measure up
against the catalogue (`reluproof check --survey`), as a conformance matrix per framework
and the first counterexample of every failed check.

Where the survey comes from, by the report's `--survey` option:
- by default, a quick survey run by the report itself: every installed framework
  (reluproof's own NumPy kernels always; PyTorch and JAX when installed), float32 only,
  `QUICK_EXAMPLES` Hypothesis examples a run. It is cached on disk under a key made of
  the frameworks' versions, the checker's source and these settings, so a second report
  costs nothing and a new torch or a changed check runs it afresh;
- `--survey FILE`: a survey saved by `reluproof check --survey -o DIR` (DIR/survey.json),
  such as the full one over all four formats, which takes about 20 minutes;
- `--no-survey`: none; the section says how to get one.
The section states the versions the survey measured and how it was run, since a survey is
a statement about those versions only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from derivations import cache
from derivations.errors import ReluproofError
from derivations.render import Heading, Literal, Prose, Section, Table

QUICK_DTYPES = ("float32",)
QUICK_EXAMPLES = 10
SURVEY_FILE_KEYS = ("frameworks", "missing", "seconds", "reports")


@lru_cache(maxsize=1)
def _checker_fingerprint() -> str:
    """The source of everything a survey's numbers depend on besides the frameworks."""
    numeric = Path(__file__).resolve().parent.parent / "numeric"
    return cache.source_digest([*(numeric / "check").glob("*.py"), *numeric.glob("*.py")], numeric)[
        :16
    ]


def quick_survey(
    progress: Callable[[str], None], jobs: int, activations: list[str] | None = None
) -> dict:
    """The quick survey's JSON form, from the cache when these versions, this checker and
    these settings have been surveyed before (`activations`: a subset, for tests)."""
    from numeric.check.adapters import installed
    from numeric.check.survey import framework_versions, run_survey, survey_json

    present = [f for f in ("torch", "jax") if installed(f)]
    key = (
        tuple(sorted(framework_versions(present).items())),
        _checker_fingerprint(),
        QUICK_DTYPES,
        QUICK_EXAMPLES,
        tuple(activations or ()),
    )
    stored = cache.load("survey", key)
    if stored is not None:
        progress("survey: read back from the cache (same versions, checker and settings)")
        return stored
    progress(f"survey: {', '.join(['numpy', *present])}, {'/'.join(QUICK_DTYPES)}")
    survey = run_survey(
        dtypes=list(QUICK_DTYPES),
        search_examples=QUICK_EXAMPLES,
        progress=lambda line: progress(f"survey: {line}"),
        jobs=jobs,
        activations=activations,
    )
    data = survey_json(survey)
    cache.store("survey", key, data)
    return data


def load_survey(path: str | Path) -> dict:
    """A survey.json saved by `reluproof check --survey`, checked for its shape."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ReluproofError(
            f"no survey at {path}; make one with `reluproof check --survey -o DIR` "
            "(it writes DIR/survey.json)."
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReluproofError(f"cannot read the survey {path}: {exc}.") from None
    if not isinstance(data, dict) or any(k not in data for k in SURVEY_FILE_KEYS):
        raise ReluproofError(
            f"{path} is not a survey.json from `reluproof check --survey` "
            f"(it needs the keys {', '.join(SURVEY_FILE_KEYS)})."
        )
    return data


def _how(data: dict, source: str) -> str:
    from numeric.check.survey import TOLERANCES_TEXT, versions_text

    settings = data.get("settings") or {}
    dtypes = settings.get("dtypes", "all")
    formats = "all formats" if dtypes == "all" else ", ".join(dtypes)
    examples = settings.get("search_examples")
    run = f"{formats}, {examples} Hypothesis examples a run" if examples else formats
    return (
        f"{source} ({run}; {len(data['reports'])} runs in {data['seconds']:.0f} s), measured "
        f"on {versions_text(data)}. Each installed framework's activations against the "
        "catalogue's definition at its defaults, correctly rounded: values on a log-spaced "
        "sweep and the edge set, the derivative through autograd, the contract (dtype, "
        "shape, no mutation, determinism) and the limits. A cell is the max ulp error of "
        "the values / of the derivative, then the checks that failed (PASS: none). "
        f"Tolerances: {TOLERANCES_TEXT}. `numpy` is reluproof's own kernels."
    )


def survey_section(data: dict | None, source: str) -> Section:
    """The matrix and the findings of a survey's JSON form (None: how to get one)."""
    from numeric.check.survey import findings, matrix

    title = "Implementations checked: the conformance survey"
    if data is None:
        return Section(
            title,
            (
                Prose(
                    "Not included (`--no-survey`). `reluproof report` runs a quick float32 "
                    "survey by default; `reluproof check --survey -o DIR` runs the full one "
                    "and `reluproof report --survey DIR/survey.json` includes it."
                ),
            ),
        )
    blocks: list = [Prose(_how(data, source))]
    for line in data["missing"]:
        blocks.append(Prose(f"Not installed, so not surveyed: {line}."))
    for framework, dtypes, rows in matrix(data):
        blocks.append(Heading(framework))
        blocks.append(
            Table(
                ("activation", *dtypes),
                tuple(tuple(Literal(c) for c in r) for r in rows),
                widths=(0.16, *[0.84 / len(dtypes)] * len(dtypes)),
            )
        )
    found = findings(data)
    blocks.append(Heading("Findings"))
    if not found:
        blocks.append(Prose("Every check passed in every framework surveyed."))
    else:
        blocks.append(
            Prose(
                f"{len(found)} failed checks, each with its first counterexample (hex floats, "
                "exact; `reluproof check TARGET --as NAME` prints a two-line reproduction). "
                "Some are conventions rather than defects (the value at a kink, the sign of "
                "-0.0, the derivative at NaN); the details are in report.json."
            )
        )
        rows = tuple(
            (Literal(where), Literal(check), Literal(line)) for where, check, _, line in found
        )
        header = ("implementation", "check", "first counterexample")
        blocks.append(Table(header, rows, widths=(0.3, 0.17, 0.53)))
    return Section(title, tuple(blocks))
