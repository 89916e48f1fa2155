"""The measured claims (proofs/measured.py): quoted verbatim, settled only as SUPPORTED /
CONTRADICTED / MIXED with intervals in the certificate, slow (left out of a plain
`reluproof prove`), and their verdicts follow the numbers (a negative control feeds them
numbers that say the opposite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proofs.registry import all_theorems, select
from proofs.theorem import Method, Status, measured, run

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
MEASURED = [t for t in all_theorems() if t.id.startswith("claims.measured.")]
EMPIRICAL = {Status.SUPPORTED, Status.CONTRADICTED, Status.MIXED}


def normalised(text: str) -> str:
    return " ".join(text.split())


def test_the_documents_empirical_claims_are_registered():
    ids = {t.id.removeprefix("claims.measured.") for t in MEASURED}
    assert {
        "forty_percent_dead_at_high_lr",
        "proper_lr_less_frequent",
        "large_lr_cost_grows",
        "smaller_lr_fixes_dying",
        "variants_reduce_dying",
        "he_init_reduces_dying",
        "positive_bias_helps",
        "zero_init_cannot_learn",
        "dead_neuron_natural_dropout",
    } <= ids


@pytest.mark.parametrize("thm", MEASURED, ids=lambda t: t.id)
def test_measured_claims_are_slow_measured_and_never_proved(thm):
    assert thm.method is Method.MEASURED and thm.slow
    assert thm.expected in EMPIRICAL
    parts = thm.statement.split("$")
    assert len(parts) % 2 == 1, "unbalanced $"
    assert all("\\" not in text for text in parts[::2]), "LaTeX outside math"


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="source documents not available")
@pytest.mark.parametrize("thm", MEASURED, ids=lambda t: t.id)
def test_quotes_are_verbatim(thm):
    text = (SEEDS_DIR / thm.source.document).read_text(encoding="utf-8")
    assert normalised(thm.source.quote) in normalised(text)
    if any(ord(ch) > 0x2E80 for ch in thm.source.quote):  # CJK: LaTeX shows a translation
        assert thm.source.translation


def test_a_plain_prove_leaves_them_out():
    assert not set(MEASURED) & set(select([]))
    assert set(MEASURED) <= set(select(["claims.measured"]))


def test_a_measurement_cannot_prove():
    with pytest.raises(ValueError):
        measured(Status.PROVED, "a measurement")
    assert measured(Status.MIXED, "ok", figures=[1]).to_dict()["verdict"] == "MIXED"


def test_verdicts_carry_the_settings_seeds_and_intervals():
    result = run(next(t for t in MEASURED if t.id.endswith("forty_percent_dead_at_high_lr")))
    assert result.verdict.status in EMPIRICAL
    certificate = result.verdict.certificate
    assert certificate["seeds"] and certificate["settings"]["widths"]
    assert "reluproof experiment lr-sweep" in certificate["experiment"]
    row = certificate["relu_by_lr"][0]
    assert len(row["dead_fraction"]["ci95"]) == 2 and row["diverged"]["method"] == "Wilson score"


def test_verdicts_follow_the_numbers(monkeypatch):
    # Negative control: with every ReLU run's dead units removed, "40% die" is contradicted.
    import proofs.measured as pm

    config, results, summary = pm.measurement("lr-sweep")
    cells = {a: dict(by_lr) for a, by_lr in summary.data["cells"].items()}
    cells["relu"] = {
        lr: {**c, "dead_fraction": {**c["dead_fraction"], "value": 0.0}}
        for lr, c in cells["relu"].items()
    }
    quiet = type(summary)(summary.experiment, summary.text, {**summary.data, "cells": cells})
    monkeypatch.setattr(pm, "measurement", lambda name: (config, results, quiet))
    thm = next(t for t in MEASURED if t.id.endswith("forty_percent_dead_at_high_lr"))
    assert run(thm).verdict.status is Status.CONTRADICTED


def test_the_report_section_puts_each_number_beside_a_registered_theorem():
    from reluproof.experiments_report import EXPERIMENTS, experiments_section

    part = experiments_section()
    (section,) = part.sections
    assert set(part.data) == set(EXPERIMENTS)
    assert all(png[:8] == b"\x89PNG\r\n\x1a\n" for png in part.files.values())
    registered = {t.id for t in all_theorems()}
    cited = [
        line.rsplit("<-  ", 1)[1].split(" ")[0]
        for block in section.blocks
        for line in getattr(block, "text", "").splitlines()
        if "  <-  " in line
    ]
    assert cited and set(cited) <= registered
    assert {"dead.zero_gradient", "dead.permanent_first_layer"} <= set(cited)
