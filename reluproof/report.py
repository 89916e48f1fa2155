"""The main job, `reluproof report`: every result of the project in one directory.

Writes report.tex (standalone), report.pdf (when pdflatex is present), report.md and
report.json: the derivations of every activation, then every theorem with its verdict
and certificate, then the experiments (reluproof/experiments_report.py) with their plots
in plots/. Everything is computed first and written last, each file atomically, so an
error or Ctrl-C leaves no partial file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from derivations import render
from derivations.catalogue import names
from derivations.render import Code, Heading, Prose, Section
from proofs.registry import all_theorems, theorem_by_id
from proofs.theorem import Result, Theorem
from reluproof import __version__
from reluproof.experiments_report import PLOTS, experiments_section
from reluproof.latex import compile_pdf, pdflatex_available
from reluproof.output import ensure_directory, write_atomic
from reluproof.parallel import ordered_map

TITLE = "reluproof report: activation functions and the dying ReLU"
CERTIFICATE_VALUE_CHARS = 400  # longer values are cut in the documents (whole in JSON)

GROUPS = {
    "dead": "Theorems: dead units",
    "smooth": "Theorems: smoothness",
    "vanish": "Theorems: vanishing gradients and means",
    "selu": "Theorems: SELU from first principles",
    "claims": "The source documents' claims, settled",
}


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


def _certificate_text(certificate: dict) -> str:
    lines = []
    for key, value in certificate.items():
        text = value if isinstance(value, str) else json.dumps(value)
        if len(text) > CERTIFICATE_VALUE_CHARS:
            text = text[:CERTIFICATE_VALUE_CHARS] + " ... (whole in report.json)"
        lines.append(f"{key}: {text}")
    return "\n".join(lines)


def theorem_sections(results: list[Result]) -> list[Section]:
    grouped: dict[str, list[Result]] = {}
    for r in results:
        grouped.setdefault(r.theorem.id.split(".")[0], []).append(r)
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
                blocks.append(Code(_certificate_text(v.certificate)))
        sections.append(Section(GROUPS.get(prefix, f"Theorems: {prefix}"), tuple(blocks)))
    return sections


def build_report(
    out_dir: str | Path,
    progress: Callable[[str], None] = lambda _: None,
    pdf: bool = True,
    jobs: int = 1,
) -> tuple[list[Path], list[Result]]:
    directory = ensure_directory(out_dir)
    outputs = derive_many(names(), {}, progress, jobs)
    sections = [section for section, _ in outputs]
    rows = [row for _, row in outputs]
    results = prove_many(all_theorems(include_slow=True), progress, jobs)
    sections += theorem_sections(results)
    experiments = experiments_section(results, progress)
    sections += experiments.sections
    latex = render.latex_document(sections, TITLE, __version__)
    markdown = render.markdown_document(sections, TITLE, __version__)
    data = {
        "version": __version__,
        "activations": rows,
        "theorems": [r.to_dict() for r in results],
        "experiments": experiments.data,
    }
    pdf_bytes = None
    if pdf and pdflatex_available():
        progress("compiling report.pdf with pdflatex")
        pdf_bytes = compile_pdf(latex)
    elif pdf:
        progress("pdflatex not found: skipping report.pdf (apt-get install texlive-latex-base)")
    (directory / PLOTS).mkdir(exist_ok=True)
    written = [write_atomic(directory / path, png) for path, png in experiments.files.items()]
    written += [
        write_atomic(directory / "report.tex", latex),
        write_atomic(directory / "report.md", markdown),
        write_atomic(directory / "report.json", json.dumps(data, indent=2) + "\n"),
    ]
    if pdf_bytes is not None:
        written.append(write_atomic(directory / "report.pdf", pdf_bytes))
    return written, results
