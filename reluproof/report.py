"""The main job, `reluproof report`: every result of the project in one directory.

Writes report.tex (standalone), report.pdf (when pdflatex is present), report.md and
report.json: the derivations of every activation, then every theorem with its verdict
and certificate. Everything is computed first and written last, each file atomically,
so an error or Ctrl-C leaves no partial file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from derivations import backprop, render
from derivations.calculus import derive
from derivations.catalogue import names
from derivations.render import Code, Heading, Prose, Section
from proofs.registry import all_theorems
from proofs.theorem import Result, run
from reluproof import __version__
from reluproof.latex import compile_pdf, pdflatex_available
from reluproof.output import ensure_directory, write_atomic

TITLE = "reluproof report: activation functions and the dying ReLU"
CERTIFICATE_VALUE_CHARS = 400  # longer values are cut in the documents (whole in JSON)

GROUPS = {
    "dead": "Theorems: dead units",
    "smooth": "Theorems: smoothness",
    "vanish": "Theorems: vanishing gradients and means",
    "selu": "Theorems: SELU from first principles",
    "claims": "The source documents' claims, settled",
}


def _derivations(progress: Callable[[str], None]) -> tuple[list, list]:
    sections, rows = [], []
    all_names = names()
    for i, n in enumerate(all_names, 1):
        progress(f"[{i}/{len(all_names)}] deriving {n}")
        sections.append(render.activation_section(n))
        row = derive(n).to_dict()
        row["chain_rule"] = {
            loss: backprop.chain_rule(n, loss).to_dict() for loss in backprop.LOSSES
        }
        row["chain_rule"]["two_units"] = backprop.two_units(n).to_dict()
        rows.append(row)
    return sections, rows


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
                blocks.append(Prose(f"Source: {t.source.document}, quoted:"))
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


def prove_all(progress: Callable[[str], None]) -> list[Result]:
    theorems = all_theorems(include_slow=True)
    results = []
    for i, t in enumerate(theorems, 1):
        progress(f"[{i}/{len(theorems)}] proving {t.id}")
        results.append(run(t))
    return results


def build_report(
    out_dir: str | Path, progress: Callable[[str], None] = lambda _: None, pdf: bool = True
) -> tuple[list[Path], list[Result]]:
    directory = ensure_directory(out_dir)
    sections, rows = _derivations(progress)
    results = prove_all(progress)
    sections += theorem_sections(results)
    latex = render.latex_document(sections, TITLE, __version__)
    markdown = render.markdown_document(sections, TITLE, __version__)
    data = {
        "version": __version__,
        "activations": rows,
        "theorems": [r.to_dict() for r in results],
    }
    pdf_bytes = None
    if pdf and pdflatex_available():
        progress("compiling report.pdf with pdflatex")
        pdf_bytes = compile_pdf(latex)
    elif pdf:
        progress("pdflatex not found: skipping report.pdf (apt-get install texlive-latex-base)")
    written = [
        write_atomic(directory / "report.tex", latex),
        write_atomic(directory / "report.md", markdown),
        write_atomic(directory / "report.json", json.dumps(data, indent=2) + "\n"),
    ]
    if pdf_bytes is not None:
        written.append(write_atomic(directory / "report.pdf", pdf_bytes))
    return written, results
