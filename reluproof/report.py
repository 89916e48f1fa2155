"""The main job, `reluproof report`: every result of the project in one directory.

Writes report.tex (standalone), report.md, report.json and plots/<activation>.png first,
each atomically, then compiles report.pdf with pdflatex when it is present. A failing
pdflatex costs only the PDF: the other files stay, and the error comes back in
`Report.pdf_error` (the CLI prints it on one line and exits 1).

The document opens with a summary a reader takes in at a glance (one table of the
activations, one of the verdicts by family), then each activation (with its plot),
then each theorem with its verdict and a readable digest of its certificate (the whole
certificate is in report.json), then the experiments (reluproof/experiments_report.py:
their tables and plots, each number beside the theorem it confirms). More parts join as a
`ReportPart`: sections built from derivations.render's blocks (Prose, Table, Figure, ...)
and the files their figures name.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from derivations import render
from derivations.catalogue import names
from derivations.mathtex import width
from derivations.render import Code, Heading, Literal, Prose, Section, Table
from numeric.output import ensure_directory, write_atomic
from proofs.registry import all_theorems, theorem_by_id
from proofs.theorem import Result, Status, Theorem
from reluproof import __version__
from reluproof.experiments_report import experiments_section
from reluproof.latex import PdfError, compile_pdf, pdflatex_available
from reluproof.parallel import ordered_map
from reluproof.survey_report import load_survey, quick_survey, survey_section

TITLE = "reluproof report: activation functions and the dying ReLU"
PLOTS = "plots"  # the figures' directory, beside the documents

GROUPS = {
    "dead": "Theorems: dead units",
    "smooth": "Theorems: smoothness",
    "vanish": "Theorems: vanishing gradients and means",
    "selu": "Theorems: SELU from first principles",
    "claims": "The source documents' claims, settled",
}

# A certificate's digest in the documents: values longer than this are cut (whole in JSON)
CERTIFICATE_VALUE_CHARS = 160
CERTIFICATE_ROWS = 14
ELIDED = "whole in report.json"


@dataclass(frozen=True)
class ReportPart:
    """Sections to append to the report, and the files (path relative to the report's
    directory -> bytes) that their figures show."""

    sections: tuple[Section, ...]
    files: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    written: tuple[Path, ...]
    results: tuple[Result, ...]
    pdf_error: str | None  # why report.pdf was not made, when pdflatex failed


# ---------------------------------------------------------------------------------------
# The work, in worker processes


def _activation_outputs(task: tuple[str, dict, bool, bool]) -> tuple:
    """One activation's Section and/or JSON row (a worker's unit of work)."""
    name, overrides, want_section, want_row = task
    section = render.activation_section(name, overrides) if want_section else None
    row = render.activation_data(name, overrides) if want_row else None
    return section, row


def derive_many(
    chosen: list[str],
    overrides: dict[str, dict],
    progress: Callable[[str], None],
    jobs: int,
    sections: bool = True,
    rows: bool = True,
) -> list[tuple]:
    """(Section, row) per activation, computed in `jobs` worker processes."""
    tasks = [(n, overrides.get(n) or {}, sections, rows) for n in chosen]
    out = []
    for i, result in enumerate(ordered_map(_activation_outputs, tasks, jobs), 1):
        progress(f"[{i}/{len(chosen)}] derived {chosen[i - 1]}")
        out.append(result)
    return out


@dataclass(frozen=True)
class ActivationPart:
    """Everything the report shows of one activation."""

    section: Section
    row: dict  # for report.json
    summary: dict  # its row of the summary table
    plot: bytes  # PNG


def _report_activation(name: str) -> ActivationPart:
    from reluproof.plots import plot_png

    return ActivationPart(
        section=render.activation_section(name, None, f"{PLOTS}/{name}.png"),
        row=render.activation_data(name),
        summary=render.activation_summary(name),
        plot=plot_png(name),
    )


def report_activations(progress: Callable[[str], None], jobs: int) -> list[ActivationPart]:
    """Every catalogue entry at its defaults, with its plot, in `jobs` worker processes."""
    chosen = names()
    out = []
    for i, part in enumerate(ordered_map(_report_activation, chosen, jobs), 1):
        progress(f"[{i}/{len(chosen)}] derived {chosen[i - 1]}")
        out.append(part)
    return out


def _prove_by_id(theorem_id: str) -> tuple:
    start = time.perf_counter()
    verdict = theorem_by_id(theorem_id).prove()
    return verdict, time.perf_counter() - start


def prove_many(theorems: list[Theorem], progress: Callable[[str], None], jobs: int) -> list[Result]:
    """Every theorem's Result, proved in `jobs` worker processes (proofs are pure)."""
    results = []
    ids = [t.id for t in theorems]
    for i, (verdict, seconds) in enumerate(ordered_map(_prove_by_id, ids, jobs), 1):
        progress(f"[{i}/{len(ids)}] proved {ids[i - 1]}")
        results.append(Result(theorems[i - 1], verdict, seconds))
    return results


# ---------------------------------------------------------------------------------------
# The summary


def _family(result: Result) -> str:
    return result.theorem.id.split(".")[0]


def _gaussian_mean_cell(result: Result | None) -> str:
    """E[f(z)] from the theorem that encloses it: exact when short, and its value."""
    if result is None:
        return "not computed"
    certificate = result.verdict.certificate
    value = certificate.get("value")
    exact = certificate.get("exact_latex")
    if value is None:
        return "not enclosed"
    number = f"{float(value):.6g}"
    if exact and width(exact) <= 10:
        return f"${exact}$" if exact == number else f"${exact} \\approx {number}$"
    return f"$\\approx {number}$"


def summary_section(summaries: list[dict], results: list[Result]) -> Section:
    by_id = {r.theorem.id: r for r in results}
    activation_rows = tuple(
        (
            f"{s['name']} ({s['title']})",
            s["breakpoints"],
            s["zero_set"],
            s["death"],
            _gaussian_mean_cell(by_id.get(f"vanish.gaussian_mean.{s['name']}")),
        )
        for s in summaries
    )
    activations = Table(
        header=("activation", "breakpoints", "$\\{z : f'(z) = 0\\}$", "dies?", "$E[f(z)]$"),
        rows=activation_rows,
        widths=(0.19, 0.2, 0.21, 0.1, 0.16),
        caption=(
            "At the catalogue's default parameters. A kink is continuous but not "
            "differentiable; $C^k$: $k$ times continuously differentiable there. A unit "
            "**can die** when $f' = 0$ on a set of positive measure; one that only "
            "saturates has $f' \\to 0$ at an infinity but never exactly 0 on an interval. "
            "$E[f(z)]$ for $z \\sim \\mathcal{N}(0, 1)$, from the theorems "
            "vanish.gaussian_mean (rigorous enclosures)."
        ),
    )
    families: dict[str, list[Result]] = {}
    for r in results:
        families.setdefault(_family(r), []).append(r)
    verdict_rows = []
    for prefix, members in families.items():
        counts = [sum(r.verdict.status == s for r in members) for s in Status]
        expected = sum(r.as_expected for r in members)
        mark = f"{expected}" if expected == len(members) else f"**{expected}**"
        verdict_rows.append(
            (GROUPS.get(prefix, prefix), str(len(members)), *map(str, counts), mark)
        )
    totals = [sum(r.verdict.status == s for r in results) for s in Status]
    verdict_rows.append(
        ("**all**", str(len(results)), *map(str, totals), str(sum(r.as_expected for r in results)))
    )
    verdicts = Table(
        header=("family", "theorems", *(s.value.lower() for s in Status), "as expected"),
        rows=tuple(verdict_rows),
        caption=(
            "A claim from a source document that is false is expected to be REFUTED; "
            "a verdict differing from its expectation is printed in bold and fails the run."
        ),
    )
    unexpected = [r.theorem.id for r in results if not r.as_expected]
    lead = (
        "Every verdict is as expected."
        if not unexpected
        else f"**Not as expected:** {', '.join(unexpected)}."
    )
    return Section(
        "Summary",
        (
            Prose(
                f"{len(summaries)} activation functions derived by SymPy, and {len(results)} "
                f"theorems decided by machine. {lead} The details follow."
            ),
            Heading("The activations at a glance"),
            activations,
            Heading("The theorems by family"),
            verdicts,
        ),
    )


# ---------------------------------------------------------------------------------------
# Certificates


def _cut(text: str, limit: int = CERTIFICATE_VALUE_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[: limit - 40].rstrip()} ... ({len(text):,} characters, {ELIDED})"


def _compact(value) -> str:
    """A JSON value as a person writes it: no quotes, lists in brackets, dicts as k: v."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _digest(value) -> str:
    """A value in one readable line: scalars as they are, a list's items and a dict's
    entries separated by semicolons, long content cut with a pointer to report.json."""
    if isinstance(value, list):
        return _cut("; ".join(_compact(v) for v in value) if value else "(none)")
    if isinstance(value, dict):
        return _cut("; ".join(f"{k}: {_compact(v)}" for k, v in value.items()))
    return _cut(_compact(value))


def certificate_table(certificate: Mapping) -> Table:
    """The certificate as key / value rows; a nested dict's entries as indented rows."""
    rows: list[tuple] = []
    for key, value in certificate.items():
        if isinstance(value, dict) and len(json.dumps(value)) > CERTIFICATE_VALUE_CHARS:
            rows.append((key, Literal(f"{len(value)} entries:")))
            for sub_key, sub_value in value.items():
                rows.append((f"-- {sub_key}", Literal(_digest(sub_value))))
        elif key.endswith("_latex") and isinstance(value, str) and width(value) < 60:
            rows.append((key, f"${value}$"))
        else:
            rows.append((key, Literal(_digest(value))))
    if len(rows) > CERTIFICATE_ROWS:
        hidden = len(rows) - CERTIFICATE_ROWS
        rows = rows[:CERTIFICATE_ROWS] + [("...", Literal(f"{hidden} more rows, {ELIDED}"))]
    return Table(header=("certificate", "value"), rows=tuple(rows), widths=(0.27, 0.66))


def theorem_sections(results: list[Result]) -> list[Section]:
    grouped: dict[str, list[Result]] = {}
    for r in results:
        grouped.setdefault(_family(r), []).append(r)
    sections = []
    for prefix, members in grouped.items():
        blocks: list = []
        for r in members:
            t, v = r.theorem, r.verdict
            mark = "as expected" if r.as_expected else f"NOT as expected ({t.expected.value})"
            blocks.append(Heading(f"{t.id}: {v.status.value}"))
            blocks.append(Prose(t.statement))
            if t.source is not None:
                cited, cited_latin = t.source.citation(), t.source.citation(latin_only=True)
                blocks.append(Prose(f"Source: {cited}, quoted:", f"Source: {cited_latin}, quoted:"))
                translated = f"(translated) {t.source.translation}" if t.source.translation else ""
                blocks.append(Code(t.source.quote, translated))
            blocks.append(
                Prose(
                    f"Method: {t.method.value}. Verdict **{v.status.value}**, {mark}, "
                    f"in {r.seconds:.2f} s. {v.summary}"
                )  # fmt: skip
            )
            if v.certificate:
                blocks.append(certificate_table(v.certificate))
        sections.append(Section(GROUPS.get(prefix, f"Theorems: {prefix}"), tuple(blocks)))
    return sections


# ---------------------------------------------------------------------------------------
# The job


def build_report(
    out_dir: str | Path,
    progress: Callable[[str], None] = lambda _: None,
    pdf: bool = True,
    jobs: int = 1,
    parts: Sequence[ReportPart] = (),
    survey: str | Path | None = "quick",
) -> Report:
    """`survey`: "quick" runs (or reads back from the cache) a float32 survey of the
    installed frameworks, a path includes a saved survey.json, None leaves it out."""
    saved = load_survey(survey) if survey not in (None, "quick") else None  # fail fast
    directory = ensure_directory(out_dir)
    activations = report_activations(progress, jobs)
    results = prove_many(all_theorems(include_slow=True), progress, jobs)
    files = {f"{PLOTS}/{a.row['name']}.png": a.plot for a in activations}
    sections = [summary_section([a.summary for a in activations], results)]
    sections += [a.section for a in activations]
    sections += theorem_sections(results)
    experiments = experiments_section(results, progress)  # the measured side, its plots
    parts = (*parts, ReportPart(experiments.sections, experiments.files))
    if survey == "quick":
        saved, source = quick_survey(progress, jobs), "A quick survey run by the report"
    else:
        source = f"The saved survey `{survey}`"
    parts = (*parts, ReportPart((survey_section(saved, source),)))
    for part in parts:
        sections += part.sections
        files.update(part.files)
    latex = render.latex_document(sections, TITLE, __version__)
    markdown = render.markdown_document(sections, TITLE, __version__)
    data = {
        "version": __version__,
        "activations": [a.row for a in activations],
        "theorems": [r.to_dict() for r in results],
        "experiments": experiments.data,
        "survey": saved,
    }
    # Everything but the PDF first: a TeX problem must not cost the rest.
    ensure_directory(directory / PLOTS)
    written = [write_atomic(directory / name, data) for name, data in files.items()]
    written += [
        write_atomic(directory / "report.tex", latex),
        write_atomic(directory / "report.md", markdown),
        write_atomic(directory / "report.json", json.dumps(data, indent=2) + "\n"),
    ]
    pdf_error = None
    if pdf and pdflatex_available():
        progress("compiling report.pdf with pdflatex")
        try:
            written.append(write_atomic(directory / "report.pdf", compile_pdf(latex, files)))
        except PdfError as exc:
            pdf_error = str(exc)
            stale = directory / "report.pdf"
            if stale.exists():  # an earlier run's PDF no longer matches the .tex beside it
                stale.unlink()
    elif pdf:
        progress(
            "pdflatex not found: skipping report.pdf "
            "(apt-get install --no-install-recommends texlive-latex-base)"
        )
    return Report(tuple(written), tuple(results), pdf_error)
