"""Compiling LaTeX to PDF with pdflatex, in a scratch directory, with a time limit.

The documents use only packages of Debian's `texlive-latex-base` installed without its
recommended packages (`PACKAGES` lists them; a test checks each with kpsewhich). When
pdflatex fails, the error names the first LaTeX error of the log, on one line, and what
to install when the cause is a missing file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from derivations.errors import ReluproofError

TIMEOUT_SECONDS = 180
INSTALL_HINT = "Debian/Ubuntu: apt-get install --no-install-recommends texlive-latex-base"

# Every package the rendered documents load (see derivations/render.py's PREAMBLE); all
# are in texlive-latex-base. A test runs kpsewhich on each.
PACKAGES = ("geometry", "amsmath", "amssymb", "graphicx", "array", "longtable")

_MISSING_FILE = re.compile(r"File [`'](?P<name>[^']+)' not found")


class PdfError(ReluproofError):
    """pdflatex ran and failed (or timed out): the other outputs stand, the PDF does not."""


def pdflatex_available() -> bool:
    return shutil.which("pdflatex") is not None


def first_error(log: str) -> str:
    """The first `! ...` error of a pdflatex log, with the line it points at, on one line."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            message = line.lstrip("! ").strip()
            where = next((s for s in lines[i + 1 : i + 8] if re.match(r"l\.\d+", s)), "")
            return f"{message} ({where.strip()})" if where else message
    return ""


def install_advice(message: str) -> str:
    """What to do about a LaTeX error: the package to install for a missing file."""
    missing = _MISSING_FILE.search(message)
    if missing:
        name = missing.group("name")
        return (
            f"install the TeX package that provides {name} (Debian: `apt-file search "
            f"{name}` names it; this project needs only texlive-latex-base)"
        )
    return f"check the TeX installation ({INSTALL_HINT})"


def compile_pdf(source: str, files: Mapping[str, bytes] | None = None) -> bytes:
    """The PDF of a standalone LaTeX document. `files` (relative name -> bytes) are put
    beside it first (the figures it includes). A failure raises PdfError with the log's
    first error and what to install."""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise ReluproofError(
            f"pdflatex is not installed; install it ({INSTALL_HINT}) or drop --pdf."
        )
    with tempfile.TemporaryDirectory(prefix="reluproof-tex-") as work:
        tex = Path(work) / "document.tex"
        tex.write_text(source, encoding="utf-8")
        for name, data in (files or {}).items():
            target = Path(work) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        try:
            run = subprocess.run(
                [exe, "-interaction=nonstopmode", "-halt-on-error", "document.tex"],
                cwd=work,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise PdfError(f"pdflatex took over {TIMEOUT_SECONDS} s; gave up.") from None
        pdf = Path(work) / "document.pdf"
        if run.returncode != 0 or not pdf.exists():
            log_path = Path(work) / "document.log"
            log = log_path.read_text(errors="replace") if log_path.exists() else run.stdout
            first = first_error(log) or f"exit status {run.returncode}"
            raise PdfError(f"pdflatex failed: {first}; {install_advice(first)}")
        return pdf.read_bytes()
