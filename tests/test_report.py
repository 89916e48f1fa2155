"""The report never loses its output, needs only texlive-latex-base, and reads well:
summary tables, certificate digests, plots."""

import functools
import json
import re
import shutil
import subprocess

import pytest

from derivations import render
from proofs.registry import select
from reluproof import report, survey_report
from reluproof.cli import main
from reluproof.experiments_report import ExperimentsSection
from reluproof.latex import PACKAGES, PdfError, compile_pdf, first_error
from reluproof.plots import plot_png

FAKE_PDFLATEX = """#!/bin/sh
# a pdflatex that fails the way a missing package does
cat > document.log <<'LOG'
This is a fake pdfTeX.
! LaTeX Error: File `lmodern.sty' not found.

Type X to quit or <RETURN> to proceed,
l.3 \\usepackage
LOG
exit 1
"""


@pytest.fixture
def small_report(monkeypatch):
    """The report over three activations and a handful of theorems (the whole report
    runs in tests/test_render_cli.py)."""
    chosen = ["relu", "gelu", "hardswish"]
    monkeypatch.setattr(report, "names", lambda: chosen)
    theorems = select(["dead.zero_gradient", "vanish.gaussian_mean.relu", "claims"])
    theorems = [t for t in theorems if not t.slow]  # not the measured claims: they train
    monkeypatch.setattr(report, "all_theorems", lambda include_slow=True: theorems)
    # no experiments either: they have their own tests (tests/test_measured.py)
    monkeypatch.setattr(report, "experiments_section", lambda *_: ExperimentsSection(()))
    # a survey of one of our own kernels, not the whole quick survey (it has its own test)
    monkeypatch.setattr(report, "quick_survey", lambda progress, jobs: _small_survey())
    return chosen


@functools.cache
def _small_survey() -> dict:
    from numeric.check.survey import run_survey, survey_json

    return survey_json(run_survey(["numpy"], ["float32"], search_examples=3, activations=["relu"]))


def test_a_failing_pdflatex_keeps_every_other_file_and_exits_1(
    small_report, tmp_path, monkeypatch, capsys
):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake = fake_bin / "pdflatex"
    fake.write_text(FAKE_PDFLATEX)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}:/usr/bin:/bin")
    out = tmp_path / "rep"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"%PDF stale, from an earlier run")
    code = main(["report", "-o", str(out), "-q", "--jobs", "1"])
    _, err = capsys.readouterr()
    assert code == 1
    names = sorted(p.name for p in out.iterdir())
    assert names == ["plots", "report.json", "report.md", "report.tex"]
    assert sorted(p.name for p in (out / "plots").iterdir()) == [
        f"{n}.png" for n in sorted(small_report)
    ]
    assert json.loads((out / "report.json").read_text())["theorems"]
    (line,) = err.splitlines()
    assert "lmodern.sty' not found" in line and "install" in line and "l.3" in line
    assert "Traceback" not in err


def test_derive_pdf_keeps_the_tex_when_pdflatex_fails(tmp_path, monkeypatch, capsys):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "pdflatex").write_text(FAKE_PDFLATEX)
    (fake_bin / "pdflatex").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}:/usr/bin:/bin")
    target = tmp_path / "relu.tex"
    code = main(["derive", "relu", "-o", str(target), "--pdf", "-q", "--jobs", "1"])
    _, err = capsys.readouterr()
    assert code == 1 and target.read_text().startswith("\\documentclass")
    assert not (tmp_path / "relu.pdf").exists()
    assert err.count("\n") == 1 and "lmodern.sty" in err


def test_a_missing_package_names_the_file_and_what_to_install():
    assert shutil.which("pdflatex"), "pdflatex is required: apt-get install texlive-latex-base"
    source = (
        "\\documentclass{article}\\usepackage{surelynotapackage}\\begin{document}x\\end{document}"
    )
    with pytest.raises(PdfError) as info:
        compile_pdf(source)
    message = str(info.value)
    assert "surelynotapackage.sty" in message and "install" in message
    assert "\n" not in message


def test_first_error_is_one_line_with_its_place():
    log = "junk\n! Undefined control sequence.\nl.12 \\foo\n! Emergency stop.\n"
    assert first_error(log) == "Undefined control sequence. (l.12 \\foo)"
    assert first_error("no errors here") == ""


def test_every_package_the_document_loads_is_in_texlive_latex_base():
    """The preamble loads exactly PACKAGES; kpsewhich finds each, and where dpkg knows the
    files, each belongs to texlive-latex-base (or texlive-base), so a Debian install of
    texlive-latex-base without recommended packages compiles the report."""
    loaded = set()
    for group in re.findall(r"\\usepackage(?:\[[^\]]*\])?\{([^}]*)\}", render.PREAMBLE):
        loaded.update(p.strip() for p in group.split(","))
    assert loaded == set(PACKAGES)
    assert "lmodern" not in loaded and "fontenc" not in loaded
    assert shutil.which("kpsewhich"), "kpsewhich comes with pdflatex (texlive-binaries)"
    for package in PACKAGES:
        found = subprocess.run(
            ["kpsewhich", f"{package}.sty"], capture_output=True, text=True
        ).stdout.strip()
        assert found, f"{package}.sty not found"
        if shutil.which("dpkg"):
            owner = subprocess.run(["dpkg", "-S", found], capture_output=True, text=True)
            if owner.returncode == 0:  # files outside Debian's packages (a TeX Live install)
                assert owner.stdout.split(":")[0] in ("texlive-latex-base", "texlive-base")


@pytest.mark.parametrize("name", ["relu", "hardswish", "gelu"])
def test_plots_are_png_byte_identical_and_carry_no_timestamp(name):
    first, again = plot_png(name), plot_png(name)
    assert first.startswith(b"\x89PNG") and first == again
    assert b"tIME" not in first and b"Software" not in first and b"matplotlib" not in first


def test_certificates_read_as_tables_not_dumps():
    certificate = {
        "exact_latex": r"\frac{1}{\sqrt{2 \pi}}",
        "value": 0.3989422804014327,
        "tails": ["z <= -12: small", "z >= 12: small"],
        "huge": "x" * 5000,
        "nested": {f"key{i}": "v" * 60 for i in range(5)},
    }
    table = report.certificate_table(certificate)
    keys = [row[0] for row in table.rows]
    assert keys[:4] == ["exact_latex", "value", "tails", "huge"]
    assert table.rows[0][1] == r"$\frac{1}{\sqrt{2 \pi}}$"
    assert "whole in report.json" in table.rows[3][1].text and len(table.rows[3][1].text) < 200
    assert keys[4] == "nested" and keys[5] == "-- key0"  # a nested dict: sub-rows


def test_summary_opens_the_document_with_both_tables(small_report, tmp_path):
    written = report.build_report(tmp_path, pdf=False, jobs=1)
    markdown = (tmp_path / "report.md").read_text()
    summary = markdown.split("\n## ")[1]
    assert summary.startswith("Summary")
    rows = [line for line in summary.splitlines() if line.startswith("| ")]
    relu = next(r for r in rows if r.startswith("| relu"))
    assert "**can die**" in relu and "$0$: kink" in relu and r"\left(-\infty, 0\right)" in relu
    assert r"\frac{\sqrt{2}}{2 \sqrt{\pi}}" in relu  # E[relu(z)] = 1/sqrt(2 pi), exact
    assert next(r for r in rows if r.startswith("| gelu")).count("saturates") == 1
    total = next(r for r in rows if r.startswith("| **all**"))
    assert total.split("|")[2].strip() == str(len(written.results))
    assert "![relu: $f$ and $f'$" in markdown and "(plots/relu.png)" in markdown


def test_sections_can_be_appended(small_report, tmp_path):
    extra = render.Section(
        "Experiments",
        (
            render.Prose("A census."),
            render.Table(("run", "dead"), (("1", "3"),)),
            render.Figure("plots/census.png", "the census"),
        ),
    )
    png = plot_png("relu")
    report.build_report(
        tmp_path, pdf=True, jobs=1, parts=[report.ReportPart((extra,), {"plots/census.png": png})]
    )
    assert (tmp_path / "plots" / "census.png").read_bytes() == png
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "\\section{Experiments}" in (tmp_path / "report.tex").read_text()


@pytest.fixture(scope="module")
def torch_elu_survey(tmp_path_factory):
    """A real survey saved the way `check --survey -o DIR` saves it: PyTorch's elu and
    relu in float32 (torch 2.13 gives elu'(NaN) = 1, a finding the section must show)."""
    pytest.importorskip("torch", reason="the [torch] extra (torch==2.13.0) is not installed")
    from numeric.check.survey import run_survey, survey_json

    survey = run_survey(["torch"], ["float32"], search_examples=3, activations=["relu", "elu"])
    path = tmp_path_factory.mktemp("survey") / "survey.json"
    path.write_text(json.dumps(survey_json(survey)))
    return path


def test_the_report_includes_a_saved_survey_with_versions_and_findings(
    small_report, torch_elu_survey, tmp_path
):
    import torch

    report.build_report(tmp_path, pdf=True, jobs=1, survey=torch_elu_survey)
    markdown = (tmp_path / "report.md").read_text()
    section = markdown.split("## Implementations checked: the conformance survey")[1]
    assert f"torch {torch.__version__.split('+')[0]}" in section  # the versions measured
    assert "| `relu` | `0 / 0: " in section  # relu is exact; its derivative at NaN is not
    data = json.loads((tmp_path / "report.json").read_text())
    elu = next(r for r in data["survey"]["reports"] if r["activation"] == "elu")
    for check in (c for c in elu["checks"] if c["passed"] is False):
        assert f"| `{check['name']}` |" in section  # every failed check is listed
        assert f"x={check['failures'][0]['input']}" in section  # with its counterexample
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def test_the_default_report_runs_a_quick_survey_and_caches_it(small_report, tmp_path, monkeypatch):
    monkeypatch.setenv("RELUPROOF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(  # the real quick survey, over two activations
        report,
        "quick_survey",
        lambda progress, jobs: survey_report.quick_survey(progress, jobs, ["relu", "elu"]),
    )
    said = []
    report.build_report(tmp_path / "a", pdf=False, jobs=1, progress=said.append)
    assert any(line.startswith("survey: numpy") for line in said)
    first = json.loads((tmp_path / "a" / "report.json").read_text())["survey"]
    assert first["settings"] == {"dtypes": ["float32"], "search_examples": 10}
    assert {r["activation"] for r in first["reports"]} == {"relu", "elu"}
    assert "numpy" in first["frameworks"]  # our kernels always; torch and jax if installed
    said.clear()
    report.build_report(tmp_path / "b", pdf=False, jobs=1, progress=said.append)
    assert any("read back from the cache" in line for line in said)
    assert json.loads((tmp_path / "b" / "report.json").read_text())["survey"] == first


def test_no_survey_says_how_to_get_one(small_report, tmp_path):
    report.build_report(tmp_path, pdf=False, jobs=1, survey=None)
    markdown = (tmp_path / "report.md").read_text()
    assert "reluproof check --survey -o DIR" in markdown
    assert json.loads((tmp_path / "report.json").read_text())["survey"] is None


@pytest.mark.parametrize("content", [None, "{not json", '{"frameworks": []}'])
def test_a_bad_survey_file_is_one_line_and_writes_nothing(capsys, tmp_path, content):
    path = tmp_path / "survey.json"
    if content is not None:
        path.write_text(content)
    code = main(["report", "-o", str(tmp_path / "out"), "--survey", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "survey" in err
    assert not (tmp_path / "out").exists()
