"""Figures for the experiments: matplotlib on the Agg backend, returned as PNG bytes so the
caller writes them atomically (numeric/output.py)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: files only, the same on every machine

import matplotlib.pyplot as plt  # noqa: E402


def figure(columns: int = 1, rows: int = 1, width: float = 5.0, height: float = 3.6):
    return plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)


def png_bytes(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    # no timestamp in the file, so the same numbers give the same bytes
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()
