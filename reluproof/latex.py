"""Compiling LaTeX to PDF with pdflatex, in a scratch directory, with a time limit."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from derivations.errors import ReluproofError

TIMEOUT_SECONDS = 180


def pdflatex_available() -> bool:
    return shutil.which("pdflatex") is not None


def compile_pdf(source: str) -> bytes:
    """The PDF of a standalone LaTeX document; a LaTeX error raises ReluproofError with
    the first error line of the log."""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise ReluproofError(
            "pdflatex is not installed; install it (Debian: apt-get install "
            "texlive-latex-base) or drop --pdf."
        )
    with tempfile.TemporaryDirectory(prefix="reluproof-tex-") as work:
        tex = Path(work) / "document.tex"
        tex.write_text(source, encoding="utf-8")
        try:
            run = subprocess.run(
                [exe, "-interaction=nonstopmode", "-halt-on-error", "document.tex"],
                cwd=work,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise ReluproofError(f"pdflatex took over {TIMEOUT_SECONDS} s; gave up.") from None
        pdf = Path(work) / "document.pdf"
        if run.returncode != 0 or not pdf.exists():
            log = (Path(work) / "document.log").read_text(errors="replace")
            errors = [line for line in log.splitlines() if line.startswith("!")]
            first = errors[0] if errors else f"exit status {run.returncode}"
            raise ReluproofError(f"pdflatex failed: {first}")
        return pdf.read_bytes()
