"""Rendering (LaTeX compiles, bytes are deterministic) and the CLI's contract:
JSON shape, exit codes, one-line errors, no partial files."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from derivations import render
from derivations.catalogue import CATALOGUE
from reluproof import __version__
from reluproof.cli import main
from reluproof.latex import compile_pdf

ALL = list(CATALOGUE)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def all_sections():
    return [render.activation_section(n) for n in ALL]


def test_full_latex_document_compiles_with_pdflatex(all_sections):
    assert shutil.which("pdflatex"), "pdflatex is required: apt-get install texlive-latex-base"
    pdf = compile_pdf(render.latex_document(all_sections, "t", __version__))
    assert pdf.startswith(b"%PDF")


def test_output_is_deterministic(all_sections):
    first = render.latex_document(all_sections, "t", "v")
    again = render.latex_document([render.activation_section(n) for n in ALL], "t", "v")
    assert first == again
    md = render.markdown_document(all_sections, "t", "v")
    assert md.count("\n## ") == len(ALL)


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_python_dash_m_works():
    done = subprocess.run(
        [sys.executable, "-m", "reluproof", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and __version__ in done.stdout


def test_list_table_and_json(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0 and "leaky_relu" in out and "negative_slope=1/100" in out
    code, out, _ = run(capsys, "list", "--json")
    rows = json.loads(out)
    assert [r["name"] for r in rows] == ALL


def test_derive_json_has_the_documented_keys(capsys):
    code, out, _ = run(capsys, "derive", "relu", "elu", "--json", "-q")
    assert code == 0
    rows = json.loads(out)
    for row in rows:
        for key in (
            "name",
            "params",
            "expr",
            "derivative",
            "breakpoints",
            "zero_gradient_set",
            "can_die",
        ):
            assert key in row
        for bp in row["breakpoints"]:
            for key in (
                "at",
                "continuous",
                "differentiable",
                "left_derivative",
                "right_derivative",
            ):
                assert key in bp
    relu, elu = rows
    assert relu["can_die"] is True and elu["can_die"] is False
    assert elu["breakpoints"][0]["differentiable"] is True
    assert relu["chain_rule"]["squared"]["dead_all_zero"] is True


def test_derive_param_changes_the_verdict(capsys):
    code, out, _ = run(capsys, "derive", "elu", "--param", "alpha=0.2", "--json", "-q")
    assert code == 0
    (row,) = json.loads(out)
    assert row["params"] == {"alpha": "1/5"}
    assert row["breakpoints"][0]["differentiable"] is False
    assert row["breakpoints"][0]["differentiable_condition"] == "Eq(alpha, 1)"


def test_derive_markdown_and_latex_to_file(capsys, tmp_path):
    target = tmp_path / "out.tex"
    code, _, _ = run(capsys, "derive", "relu", "-o", str(target), "--pdf", "-q")
    assert code == 0
    assert target.read_text().startswith("\\documentclass")
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    code, out, _ = run(capsys, "derive", "relu", "--format", "markdown", "-q")
    assert code == 0 and out.startswith("# reluproof")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["derive", "relux"], "Did you mean 'relu'"),
        (["derive", "elu", "--param", "alpha=-1"], "outside its domain"),
        (["derive", "elu", "--param", "alpha=abc"], "is not a number"),
        (["derive", "elu", "--param", "beta=1"], "has a parameter 'beta'"),
        (["derive", "elu", "--param", "alpha"], "expected NAME=VALUE"),
        (["derive", "elu", "--param", "selu.alpha=1"], "not among"),
        (["derive"], "name at least one activation"),
        (["derive", "relu", "--all"], "not both"),
        (["derive", "relu", "--pdf"], "--pdf needs"),
        (["derive", "relu", "-o", "/nonexistent-dir/x.tex"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["derive", "--format", "pdf"])
    assert exit_info.value.code == 2


def test_unwritable_output_leaves_no_file(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        code, _, err = run(capsys, "derive", "relu", "-o", str(locked / "x.tex"), "-q")
        if os.geteuid() != 0:  # root can write anywhere; the error path is still exercised below
            assert code == 2 and "cannot write" in err
        target_dir = tmp_path / "is-a-dir.tex"
        target_dir.mkdir()
        code, _, err = run(capsys, "derive", "relu", "-o", str(target_dir), "-q")
        assert code == 2 and "is a directory" in err
    finally:
        os.chmod(locked, 0o700)
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_report_writes_every_file(capsys, tmp_path, monkeypatch):
    # The half-minute SELU domain search runs on small boxes in tests/test_selu_domains.py.
    from test_selu import RUN_ON_SMALL_BOXES

    from proofs.registry import all_theorems
    from reluproof import report

    theorems = [t for t in all_theorems() if t.id not in RUN_ON_SMALL_BOXES]
    monkeypatch.setattr(report, "all_theorems", lambda include_slow=True: theorems)
    code, out, _ = run(capsys, "report", "-o", str(tmp_path / "rep"), "-q")
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "rep").iterdir())
    assert names == ["plots", "report.json", "report.md", "report.pdf", "report.tex"]
    plots = sorted(p.name for p in (tmp_path / "rep" / "plots").iterdir())
    reported = ("dropout", "init", "lr-sweep", "revival", "vanishing", "selu-depth", "recycle")
    experiments = [f"experiment-{e}.png" for e in (*reported, "born-dead")]
    assert plots == sorted([f"{n}.png" for n in ALL] + experiments + ["selu-moment-map.png"])
    data = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert [a["name"] for a in data["activations"]] == ALL
    ids = {t["id"] for t in data["theorems"]}
    assert {"dead.zero_gradient", "selu.contraction", "claims.selu_alpha_constant"} <= ids
    assert all(t["as_expected"] for t in data["theorems"])
    tex = (tmp_path / "rep" / "report.tex").read_text()
    assert "The source documents' claims, settled" in tex
    assert tex.index("\\section{Summary}") < tex.index("\\section{relu")
    assert tex.count("\\includegraphics") == len(ALL) + len(experiments) + 1  # the SELU map
    assert "Experiments: measured on trained networks" in tex
    assert "Born dead at initialisation: random networks" in tex
    assert set(data["experiments"]) == {*reported, "born-dead"}
    assert data["experiments"]["born-dead"]["consistent"] is True
    # the quick survey: our own kernels at least, every catalogue entry they implement
    survey = data["survey"]
    assert "numpy" in survey["frameworks"] and survey["versions"]["numpy"]
    ours = [r for r in survey["reports"] if r["framework"] == "numpy"]
    assert len(ours) == len(ALL) - 1 and all(r["verdict"] == "PASS" for r in ours)
    assert "\\section{Implementations checked: the conformance survey}" in tex


def test_workers_give_the_same_bytes_as_one_process(capsys, tmp_path):
    one, two = tmp_path / "one.tex", tmp_path / "two.tex"
    names = ["relu", "elu", "gelu", "hardswish"]
    assert main(["derive", *names, "-o", str(one), "-q", "--jobs", "1"]) == 0
    assert main(["derive", *names, "-o", str(two), "-q", "--jobs", "2"]) == 0
    assert one.read_bytes() == two.read_bytes()


def test_jobs_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["derive", "relu", "--jobs", "0"])
    assert exit_info.value.code == 2
    assert "at least 1" in capsys.readouterr().err
