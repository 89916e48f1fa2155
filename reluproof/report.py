"""The main job, `reluproof report`: every result of the project in one directory.

Writes report.tex (standalone), report.pdf (when pdflatex is present), report.md and
report.json. Everything is computed first and written last, each file atomically, so
an error or Ctrl-C leaves no partial file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from derivations import backprop, render
from derivations.calculus import derive
from derivations.catalogue import names
from reluproof import __version__
from reluproof.latex import compile_pdf, pdflatex_available
from reluproof.output import ensure_directory, write_atomic

TITLE = "reluproof report: activation functions and the dying ReLU"


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
        rows.append(row)
    return sections, rows


def build_report(
    out_dir: str | Path, progress: Callable[[str], None] = lambda _: None, pdf: bool = True
) -> list[Path]:
    directory = ensure_directory(out_dir)
    sections, rows = _derivations(progress)
    latex = render.latex_document(sections, TITLE, __version__)
    markdown = render.markdown_document(sections, TITLE, __version__)
    data = {"version": __version__, "activations": rows}
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
    return written
