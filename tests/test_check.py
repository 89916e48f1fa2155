"""`reluproof check`: the gallery of broken implementations (each caught by the check named
for it), careful implementations that must pass (no false alarms), the dogfood (our own
kernels), isolation (hangs, crashes, raises), exhaustive float16, the CLI and the API."""

from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import pytest
from hypothesis import given

from derivations.catalogue import names
from derivations.errors import ReluproofError
from numeric.check.adapters import TargetSpec, parse_target
from numeric.check.checks import CheckOptions, run_checks
from numeric.check.compare import compare
from numeric.floats import float_format
from reluproof.cli import main
from reluproof.testing import activation_arrays, activation_inputs, assert_activation_matches

sys.path.insert(0, os.path.dirname(__file__))
import check_gallery as gallery  # noqa: E402

GALLERY = os.path.join(os.path.dirname(__file__), "check_gallery.py")
QUICK = {"per_binade": 1, "search_examples": 15, "timeout": 30.0}


def check(fn, name, dtype="float32", grad=None, **options):
    """run_checks on a callable, with the quick input set."""
    settings = {**QUICK, **options}
    overrides = settings.pop("params", {})
    target = TargetSpec(f"<python>:{fn.__name__}", "numpy")
    grad_spec = None if grad is None else TargetSpec(f"<python>:{grad.__name__}", "numpy")
    return run_checks(
        target,
        name,
        overrides,
        CheckOptions(dtype=dtype, **settings),
        grad_spec,
        function=fn,
        grad_function=grad,
    )


# ---- the gallery: the right check names each defect -----------------------------------

BROKEN = [
    (gallery.selu_wrong_constant, "selu", None, {"values", "special_values"}),
    (gallery.elu_exp_minus_one, "elu", None, {"values", "special_values"}),
    (gallery.softplus_overflow, "softplus", None, {"values", "no_warnings"}),
    (gallery.silu_nan_at_minus_inf, "silu", None, {"limits"}),
    (gallery.relu_in_place, "relu", None, {"no_mutation"}),
    (gallery.relu_to_float64, "relu", None, {"dtype"}),
    (gallery.leaky_relu_swapped, "leaky_relu", None, {"values", "special_values"}),
    (gallery.relu_raises, "relu", None, {"values"}),
    (gallery.leaky_relu, "leaky_relu", gallery.leaky_relu_wrong_grad, {"derivative"}),
    (gallery.relu_returns_list, "relu", None, {"returns_array"}),
    (gallery.relu_flattens, "relu", None, {"broadcasting"}),
    (gallery.relu, "relu", gallery.relu_kink_outside, {"derivative_kinks"}),
    (gallery.elu_nondeterministic, "elu", None, {"deterministic"}),
]


@pytest.mark.parametrize(
    "fn, name, grad, caught", BROKEN, ids=[b[0].__name__ + (b[2] and "+grad" or "") for b in BROKEN]
)
def test_broken_implementation_is_caught_by_the_right_check(fn, name, grad, caught):
    report = check(fn, name, grad=grad)
    assert report.verdict == "FAIL"
    assert caught <= set(report.failed), report.text()
    text = report.text()
    first = report.check(sorted(caught)[0])
    if first.failures:  # a pasteable counterexample: hex floats, two lines of Python
        assert f"FAIL x={first.failures[0].line().split()[0][2:]}" in text
        assert ">>> " in text


def test_wrong_constant_is_a_fifth_digit_away_and_far_beyond_tolerance():
    report = check(gallery.selu_wrong_constant, "selu")
    worst = report.check("values").worst
    assert worst.x < 0 and worst.ulp > 100  # 1.6733 vs 1.67326...: about 3e-5 relative


def test_hang_crash_and_raise_fail_cleanly_with_the_check_named():
    hung = check(gallery.relu_hangs, "relu", timeout=1.0, search_examples=0)
    assert "did not return within 1 s" in hung.check("values").detail
    assert hung.verdict == "FAIL"
    crashed = check(gallery.relu_crashes, "relu", search_examples=0)
    assert "crashed the interpreter (killed by SIGABRT" in crashed.check("values").detail
    raised = check(gallery.relu_raises, "relu", search_examples=0)
    assert "raised RuntimeError: this implementation is not done" in raised.check("values").detail


# ---- no false alarms -------------------------------------------------------------------

CAREFUL = [
    (gallery.elu, "elu", gallery.elu_grad),
    (gallery.selu, "selu", None),
    (gallery.softplus, "softplus", None),
    (gallery.sigmoid, "sigmoid", None),
    (gallery.leaky_relu, "leaky_relu", gallery.leaky_relu_grad),
]


@pytest.mark.parametrize("fn, name, grad", CAREFUL, ids=[c[0].__name__ for c in CAREFUL])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_careful_implementation_passes(fn, name, grad, dtype):
    report = check(fn, name, dtype, grad)
    assert report.passed, report.text()
    assert report.check("values").max_ulp <= 3  # reported even on a pass


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", [n for n in names() if n != "rrelu_train"])
def test_our_kernels_pass_every_check(name, dtype):
    """The dogfood: reluproof's own kernels, f and f', within the default tolerance in both
    formats, tails (subnormal results) and the zeros of f' included."""
    from numeric.kernels import kernel

    k = kernel(name)

    def f(x):
        return k.f(x)

    def df(x):
        return k.df(x)

    report = check(f, name, dtype, df, search_examples=10)
    assert report.passed, report.text()


# ---- exhaustive ------------------------------------------------------------------------


def test_exhaustive_float16_every_input():
    good = check(gallery.elu_float16, "elu", "float16", search_examples=0, exhaustive=True)
    result = good.check("exhaustive")
    assert result.passed, good.text()
    assert result.inputs == 65536
    assert "inputs/s" in result.detail
    bad = check(gallery.elu_exp_minus_one, "elu", "float16", search_examples=0, exhaustive=True)
    assert bad.check("exhaustive").passed is False
    assert bad.check("exhaustive").max_ulp > 100


# ---- CLI -------------------------------------------------------------------------------


def test_cli_pass_fail_and_json(capsys):
    args = ["check", f"{GALLERY}:elu", "--as", "elu", "--grad", f"{GALLERY}:elu_grad", "-q"]
    assert main([*args, "--examples", "10"]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "tolerance 4 ulp" in out
    code = main(["check", f"{GALLERY}:elu_exp_minus_one", "--as", "elu", "--json", "-q"])
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "FAIL"
    values = next(c for c in data["checks"] if c["name"] == "values")
    assert set(values) >= {"name", "passed", "max_ulp", "worst_input", "expected", "got", "detail"}
    assert values["passed"] is False and values["max_ulp"] > 4
    assert float.fromhex(values["worst_input"]) < 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "nope", "--as", "elu"], "expected MODULE:ATTR"),
        (["check", f"{GALLERY}:elu", "--as", "eluu"], "unknown activation"),
        (["check", f"{GALLERY}:missing", "--as", "elu"], "has no attribute 'missing'"),
        (["check", "no/such/file.py:f", "--as", "elu"], "no file"),
        (["check", f"{GALLERY}:elu", "--as", "elu", "--exhaustive", "--dtype", "float64"], "2^64"),
        (["check", f"{GALLERY}:elu", "--as", "elu", "--param", "alpha=-1"], "outside its domain"),
        (["check", f"{GALLERY}:elu"], "--as NAME"),
    ],
)
def test_cli_usage_errors_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_parse_target_frameworks():
    assert parse_target("torch:nn.functional.selu").framework == "torch"
    assert parse_target("jax:nn.selu").framework == "jax"
    assert parse_target("mypkg.act:elu").framework == "numpy"
    assert parse_target("mypkg.act:elu", "torch").framework == "torch"
    with pytest.raises(ReluproofError):
        parse_target("torch:")


# ---- the Python API --------------------------------------------------------------------


def test_assert_activation_matches_raises_with_the_counterexample():
    report = assert_activation_matches(gallery.elu, "elu", alpha=1.0, grad=gallery.elu_grad)
    assert report.passed
    with pytest.raises(AssertionError, match=r"(?s)failed values.*FAIL x=-0x"):
        assert_activation_matches(gallery.elu_exp_minus_one, "elu", examples=10)


@given(activation_inputs("relu6", "float16"))
def test_activation_inputs_are_numbers_of_the_format(x):
    assert math.isfinite(x) and float(np.float16(x)) == x


@given(activation_arrays("elu", "float32", max_size=8))
def test_activation_arrays_have_the_dtype(a):
    assert a.dtype == np.float32 and 1 <= a.size <= 8


# ---- comparison conventions ------------------------------------------------------------


def test_signed_zeros_are_a_convention_and_nan_mismatch_a_failure():
    x = np.array([-0.0, 1.0, 2.0])
    c = compare(x, np.array([-0.0, np.nan, 2.0]), np.array([0.0, 1.0, 2.0]), "float32", 0)
    assert c.nan_mismatches == 1 and c.over_tolerance == 1
    assert c.negative_zeros == (-0.0,)
    assert c.failures[0].x == 1.0 and c.failures[0].ulp is None
    f = float_format("bfloat16")
    assert compare(x[:1], x[:1], x[:1], f, 0).passed


# ---- frameworks and the survey ---------------------------------------------------------


def test_torch_target_with_autograd_and_a_torch_reproduction():
    pytest.importorskip("torch")
    options = CheckOptions(dtype="float16", per_binade=1, search_examples=10, timeout=120.0)
    report = run_checks(parse_target("torch:nn.functional.elu"), "elu", {}, options)
    for name in ("values", "special_values", "limits", "dtype", "shape", "no_mutation"):
        assert report.check(name).passed, report.text()
    assert report.check("derivative").passed is not None  # autograd ran
    derivative = report.check("derivative")
    if not derivative.passed:  # torch 2.13: elu'(NaN) is 1, not NaN
        assert "torch.nn.functional.elu(x).sum().backward()" in report.text()


def test_survey_matrix_markdown_and_json():
    from numeric.check.survey import run_survey, survey_json, survey_markdown

    survey = run_survey(["numpy"], ["float32"], search_examples=5, activations=["relu", "elu"])
    data = survey_json(survey)
    markdown = survey_markdown(data)
    assert "| relu | 0 / 0: PASS |" in markdown
    assert "| elu |" in markdown
    assert data["versions"]["numpy"] in markdown  # the versions measured are stated
    assert [r["activation"] for r in data["reports"]] == ["relu", "elu"]
    assert all(r["verdict"] == "PASS" for r in data["reports"])


def test_without_the_framework_the_checker_says_what_to_install(monkeypatch):
    import numeric.check.checks as checks

    monkeypatch.setattr(checks, "installed", lambda module: False)
    with pytest.raises(ReluproofError, match="pip install 'reluproof\\[jax\\]'"):
        checks.validate(parse_target("jax:nn.selu"), None, CheckOptions())
