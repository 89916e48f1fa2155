"""Tests for proofs/claims.py and `Source`: every quote verbatim from its document (only
whitespace normalised), each document's title read from its file and cited in the report,
and the claims decided by computation (SELU's moments by arb balls, Leaky ReLU's mean
exactly), each with a negative control that shows the decision can go the other way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sympy as sp
from scipy import integrate, stats

from derivations import render
from proofs import claims
from proofs.registry import all_theorems, theorem_by_id
from proofs.theorem import (
    DOCUMENT_TITLES,
    SEEDS_DIRECTORY,
    Source,
    Status,
    document_title,
    run,
    title_from_text,
)
from reluproof.report import theorem_sections

# The documents sit beside the project: ../shared/seeds from its root.
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SOURCED = [t for t in all_theorems() if t.source is not None]


def documents_or_skip(directory: Path) -> Path:
    """The documents' directory. Absent, the tests that read them skip saying why -- except
    in CI, where the documents are part of the set-up and their absence is a failure."""
    if directory.is_dir():
        return directory
    where = f"the source documents are not at {directory} (../shared/seeds from the project root)"
    if os.environ.get("CI"):
        pytest.fail(f"{where}, but CI is set and CI must check the quotes against them")
    pytest.skip(f"{where}; the quote and title checks need them")


@pytest.fixture(scope="module")
def seeds() -> Path:
    return documents_or_skip(SEEDS)


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_documents_fail_in_ci_and_skip_elsewhere(tmp_path, monkeypatch, ci, outcome):
    if ci:
        monkeypatch.setenv("CI", ci)
    else:
        monkeypatch.delenv("CI", raising=False)
    with pytest.raises(outcome, match="../shared/seeds"):
        documents_or_skip(tmp_path / "absent")
    assert documents_or_skip(tmp_path) == tmp_path


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_package_and_the_tests_look_for_the_documents_in_one_place():
    assert SEEDS_DIRECTORY == SEEDS
    assert not Path(claims.DOC_NOTES).is_absolute()


@pytest.mark.parametrize("theorem", SOURCED, ids=lambda t: t.id)
def test_every_quote_is_verbatim(theorem, seeds):
    document = _words((seeds / theorem.source.document).read_text(encoding="utf-8"))
    assert _words(theorem.source.quote) in document, theorem.source.quote


def test_the_struck_through_word_stays_struck_through(seeds):
    quote = theorem_by_id("claims.dead_neuron_not_recoverable").source.quote
    assert "~~too~~" in quote
    # and the verbatim test would catch the quote without the strike-through
    text = _words((seeds / claims.DOC_NOTES).read_text(encoding="utf-8"))
    assert _words(quote.replace("~~too~~", "too")) not in text


@pytest.mark.parametrize("document", sorted(DOCUMENT_TITLES))
def test_stored_titles_are_the_documents_first_headings(document, seeds):
    text = (seeds / document).read_text(encoding="utf-8")
    assert title_from_text(text) == DOCUMENT_TITLES[document]
    assert document_title(document) == DOCUMENT_TITLES[document]


def test_every_document_in_the_directory_has_a_stored_title(seeds):
    assert {p.name for p in seeds.glob("*.txt")} == set(DOCUMENT_TITLES)


def test_title_skips_dates_and_cuts_a_lede():
    assert title_from_text("\n \nSunday, October 2, 2022\n\nA Title\nbody") == "A Title"
    assert title_from_text("03-Oct-2024\n\nDying ReLU Problem:\n") == "Dying ReLU Problem"
    assert title_from_text("Fix it \u2013 In deep networks, we ...\n") == "Fix it"
    with pytest.raises(ValueError):
        title_from_text(" \n\n")


def test_an_unknown_document_is_refused():
    with pytest.raises(ValueError, match="DOCUMENT_TITLES"):
        Source("no_such_document.txt", "words")


def test_sources_serialise_and_cite_by_title():
    source = theorem_by_id("claims.dead_neuron_not_recoverable").source
    assert source.to_dict()["title"] == "Dying ReLU Problem"
    assert source.citation() == "\u201cDying ReLU Problem\u201d (003_bdd817aebe3d8cbc.txt)"
    chinese = theorem_by_id("claims.dead_relu_is_irreversible").source
    assert chinese.to_dict()["title"] == "会死掉的ReLU"
    assert chinese.to_dict()["title_translation"]
    assert "会死掉的ReLU" in chinese.citation()
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in chinese.citation(latin_only=True))


def test_the_report_cites_titles_in_markdown_and_latex():
    ids = ["claims.dead_neuron_not_recoverable", "claims.dead_relu_is_irreversible"]
    sections = theorem_sections([run(theorem_by_id(i)) for i in ids])
    markdown = render.markdown_document(sections, "t", "0")
    latex = render.latex_document(sections, "t", "0")
    assert "Dying ReLU Problem" in markdown and "Dying ReLU Problem" in latex
    assert "会死掉的ReLU" in markdown
    assert "The ReLU that can die" in latex and "?ReLU" not in latex


# ---- verdicts that stand on computation --------------------------------------------------


def test_selu_normalisation_is_refuted_by_balls_that_exclude_the_claim():
    verdict = claims.selu_normalisation_verdict(1, 1)
    assert verdict.status is Status.REFUTED
    assert "excludes 0" in verdict.summary and "excludes 1" in verdict.summary
    assert verdict.certificate["mean_ball"].startswith("[1.038563")


def test_selu_normalisation_cannot_be_refuted_at_the_fixed_point():
    # negative control: at N(0, 1) the moments are exactly 0 and 1, the balls contain them
    assert claims.selu_normalisation_verdict(0, 1).status is Status.UNDECIDED


@pytest.mark.parametrize(
    ("slope", "expected"),
    [
        ("1/100", Status.REFUTED),
        ("49/100", Status.REFUTED),
        ("1/2", Status.PROVED),
        ("1", Status.PROVED),
        ("3/2", Status.PROVED),
        ("2", Status.REFUTED),
    ],
)
def test_leaky_centred_criterion_is_decided_exactly(slope, expected):
    verdict = claims.leaky_centred_verdict(slope)
    assert verdict.status is expected, verdict.summary
    slope = sp.Rational(slope)
    assert sp.sympify(verdict.certificate["ratio"]) == abs(1 - slope)
    mean = sp.sympify(verdict.certificate["leaky_mean"])
    assert sp.simplify(mean - (1 - slope) / sp.sqrt(2 * sp.pi)) == 0
    assert verdict.certificate["criterion_holds_for_slopes"] == "Interval(1/2, 3/2)"


def test_leaky_centred_numbers_are_computed_not_typed():
    verdict = run(theorem_by_id("claims.leaky_relu_close_to_zero_centred")).verdict
    assert verdict.status is Status.REFUTED
    # against SciPy's quadrature of the notes' own formula max(0.01 z, z) and of max(0, z)
    for key, slope in (("leaky_mean_value", 0.01), ("relu_mean_value", 0.0)):
        measured, _ = integrate.quad(
            lambda t, a=slope: max(a * t, t) * stats.norm.pdf(t), -40, 40, points=[0]
        )
        assert float(verdict.certificate[key]) == pytest.approx(measured, rel=1e-12)
    statement = theorem_by_id("claims.leaky_relu_close_to_zero_centred").statement
    assert r"\tfrac12 E[\mathrm{ReLU}(z)]" in statement  # the criterion is in the statement


def test_quotes_with_latex_markup_and_blank_lines_are_escaped_for_latex():
    # the notes' quotes carry $$...$$ and blank lines; in the LaTeX report they are text
    quote = theorem_by_id("claims.dead_input_no_update").source.quote
    assert "$$" in quote and "\n\n" in quote
    sections = theorem_sections([run(theorem_by_id("claims.dead_input_no_update"))])
    latex = render.latex_document(sections, "t", "0")
    body = latex[latex.index("\\begin{document}") :]
    assert "$$" not in body and "\\$\\$" in body
    assert "\\\\\n\\\\" not in body  # an empty line is a box, not a bare line end
