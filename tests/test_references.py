"""The catalogue against implementations this project did not write.

Every entry, at its defaults and at parameters drawn across its domain, is compared with
PyTorch 2.13 (CPU, float64): values of `torch.nn.functional` and their autograd
derivatives, on a grid, at and around every breakpoint, and far out in both tails. The
catalogue side is evaluated rigorously by the arb oracle (`numeric.oracle`) on the
catalogue's own pieces and their SymPy derivatives, so a disagreement is PyTorch's error
or the catalogue's, never this test's rounding.

Where PyTorch deliberately differs from the exact function, the documented difference is
asserted rather than skipped:
- softplus returns z itself (and derivative 1) once beta*z > threshold = 20;
- at a kink autograd returns one one-sided derivative, by a fixed convention per function
  (`TORCH_KINK_SIDE`), always inside the Clarke subgradient;
- rrelu in training draws its slope from U(lower, upper): with lower = upper = r it is
  deterministic and must equal rrelu_train at r; with lower < upper every slope lies in
  [lower, upper] and autograd returns the slope used;
- GELU's tanh form is `approximate='tanh'`, and it is not the exact GELU.

PyTorch has no beta in SiLU and no free (alpha, lambda) in SELU: those are composed from
its primitives (silu(beta z)/beta, lambda*elu(z, alpha)). A few values typed from the
papers themselves (`PAPER_VALUES`) pin the constants and the entries that are trivial in
PyTorch.

torch is an optional dependency (the [torch] extra, `pip install torch==2.13.0`). Without
it these tests skip with that reason, except under CI (env CI set), where a missing torch
is an error: CI must compare.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import sympy as sp
from flint import arb, ctx
from hypothesis import given
from strategies import parameter_values

from derivations.catalogue import CATALOGUE, SELU_ALPHA, SELU_LAMBDA, get, z
from numeric.oracle import arb_constant, arb_function

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - depends on the machine
    if os.environ.get("CI"):
        raise ImportError(
            "CI must compare the catalogue with PyTorch: install torch==2.13.0 "
            "(pip install torch==2.13.0, as .ci/run does)"
        ) from None
    pytest.skip(
        "torch is not installed; pip install torch==2.13.0 (the [torch] extra) to compare "
        "the catalogue with PyTorch",
        allow_module_level=True,
    )

TORCH_VERSION = "2.13"
PRECISION_BITS = 200
# |torch - exact| <= RTOL |exact| + ATOL_PER_UNIT (1 + |z|): a few float64 ulps relative,
# plus an absolute allowance of the size of the rounding in the formula's own terms
# (z * (1 + erf(z/sqrt 2)) cancels for z << 0 in every float64 GELU, for instance).
RTOL = 1e-13
ATOL_PER_UNIT = 1e-15
SOFTPLUS_THRESHOLD = 20.0
# Found by this comparison: PyTorch 2.13's float64 *backward* of these functions uses a
# float32 constant (hardsigmoid: float32(1/6); celu: 1/alpha rounded to float32, an error
# that exp(z/alpha) multiplies by |z|/alpha), so those derivatives are right to float32
# precision only. They are compared at that precision (relative tolerance as a function of
# z and the parameters); `test_pytorch_float64_backward_defects` pins the defect itself.
RTOL_FLOAT32 = 2.0**-22
FLOAT32_BACKWARD = {
    "hardsigmoid": lambda x, p: RTOL_FLOAT32,
    "celu": lambda x, p: RTOL_FLOAT32 * (1 + abs(x) / p["alpha"]),
}


def _torch_reference(name: str, p: dict[str, float]):
    """PyTorch's version of a catalogue entry at parameters `p` (floats), as a function of
    a float64 tensor."""
    s = p.get
    table = {
        "relu": lambda x: F.relu(x),
        "leaky_relu": lambda x: F.leaky_relu(x, s("negative_slope")),
        "prelu": lambda x: F.prelu(x, torch.tensor([s("a")], dtype=torch.float64)),
        "rrelu": lambda x: F.rrelu(x, s("lower"), s("upper"), training=False),
        # training mode with the law U(r, r): PyTorch's own sampler, made deterministic
        "rrelu_train": lambda x: F.rrelu(x, s("r"), s("r"), training=True),
        "elu": lambda x: F.elu(x, s("alpha")),
        "selu": lambda x: s("lambda") * F.elu(x, s("alpha")),
        "celu": lambda x: F.celu(x, s("alpha")),
        "gelu": lambda x: F.gelu(x, approximate="none"),
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "silu": lambda x: F.silu(s("beta") * x) / s("beta"),
        "mish": lambda x: F.mish(x),
        "softplus": lambda x: F.softplus(x, beta=s("beta"), threshold=SOFTPLUS_THRESHOLD),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu6": lambda x: F.relu6(x),
        "hardtanh": lambda x: F.hardtanh(x, s("min_val"), s("max_val")),
        "hardsigmoid": lambda x: F.hardsigmoid(x),
        "hardswish": lambda x: F.hardswish(x),
        "softsign": lambda x: F.softsign(x),
        "identity": torch.nn.Identity(),
    }
    return table[name]


def _torch_default(name: str):
    """PyTorch's version of a catalogue entry called with *PyTorch's own* defaults (the
    catalogue's defaults are PyTorch's: a changed default must show)."""
    prelu_default = torch.nn.PReLU(dtype=torch.float64).weight.detach()
    table = {
        "leaky_relu": lambda x: F.leaky_relu(x),
        "prelu": lambda x: F.prelu(x, prelu_default),
        "rrelu": lambda x: F.rrelu(x, training=False),
        # PyTorch has no default r: rrelu_train's default is the law's mean, the slope
        # PyTorch uses in evaluation
        "rrelu_train": lambda x: F.rrelu(x, training=False),
        "elu": lambda x: F.elu(x),
        "selu": lambda x: F.selu(x),
        "celu": lambda x: F.celu(x),
        "silu": lambda x: F.silu(x),
        "softplus": lambda x: F.softplus(x),
        "hardtanh": lambda x: F.hardtanh(x),
    }
    return table.get(name) or _torch_reference(name, {})


# PyTorch's autograd at a kink, per breakpoint in order: which one-sided derivative it
# returns (read from ATen's backward formulas: threshold/leaky/elu backward take x <= 0 as
# the negative side; hardtanh/relu6/hardsigmoid use the open interval (lo, hi);
# hardswish_backward takes x <= -3 as 0 and x >= 3 as 1).
TORCH_KINK_SIDE = {
    "relu": ("left",),
    "leaky_relu": ("left",),
    "prelu": ("left",),
    "rrelu": ("left",),
    "rrelu_train": ("left",),
    "elu": ("left",),
    "selu": ("left",),
    "celu": ("left",),  # C^1 at 0: both sides agree
    "softsign": ("left",),  # C^1 at 0: both sides agree
    "relu6": ("left", "right"),
    "hardtanh": ("left", "right"),
    "hardsigmoid": ("left", "right"),
    "hardswish": ("left", "right"),
}


# parameters by their catalogue names (a symbol's name may differ: selu's lambda is lambda_)
_PARAMETER_NAMES = {p.symbol: p.name for a in CATALOGUE.values() for p in a.params}


def _floats(values: dict) -> dict[str, float]:
    return {_PARAMETER_NAMES.get(s, s.name): float(v) for s, v in values.items()}


# ---------------------------------------------------------------------------------------
# The catalogue side, rigorously


class Exact:
    """One catalogue entry at exact parameters: f and f' as arb functions of each piece."""

    def __init__(self, name: str, overrides: dict | None = None):
        self.activation = get(name)
        self.values = self.activation.bind(overrides)
        self.params = _floats(self.values)
        self.breaks = [b.subs(self.values) for b in self.activation.breakpoints]
        pieces = [p.expr.subs(self.values) for p in self.activation.pieces]
        self.f = [arb_function(e) for e in pieces]
        self.df = [arb_function(sp.diff(e, z)) for e in pieces]

    def _piece(self, x: float) -> int:
        """The piece whose open interval holds x, or -(i+1) when x is breakpoint i."""
        exact = sp.Rational(x)
        for i, b in enumerate(self.breaks):
            if exact == b:
                return -(i + 1)
            if (exact < b) == sp.true:
                return i
        return len(self.breaks)

    def value(self, x: float) -> arb:
        i = self._piece(x)
        return self.f[i if i >= 0 else -i - 1](arb(x))

    def one_sided_derivatives(self, x: float) -> tuple[arb, arb]:
        i = self._piece(x)
        if i >= 0:
            d = self.df[i](arb(x))
            return d, d
        return self.df[-i - 1](arb(x)), self.df[-i](arb(x))


def _points(breaks: list[float], body: int = 161) -> np.ndarray:
    """A grid over [-8, 8], both tails out to +-700, and each breakpoint with neighbours
    at 2^-k for k = 2 ... 40 on both sides."""
    tails = [15.0, 25.0, 40.0, 100.0, 300.0, 700.0]
    near = [b + side * 2.0**-k for b in breaks for k in (2, 6, 12, 24, 40) for side in (-1, 1)]
    points = np.concatenate([np.linspace(-8, 8, body), tails, np.negative(tails), breaks, near])
    return np.unique(points.astype(np.float64))


def _torch_values_and_derivatives(fn, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    y = fn(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    return y.detach().numpy(), grad.numpy()


def _close(got: float, want: arb, x: float, rtol: float = RTOL) -> bool:
    mid, rad = float(want.mid()), float(want.rad())
    return abs(got - mid) <= rad + rtol * abs(mid) + ATOL_PER_UNIT * (1 + abs(x))


def _mismatches(name: str, overrides: dict | None = None, body: int = 161) -> list[str]:
    """Every point where PyTorch and the catalogue disagree beyond the documented
    differences, as lines a person can read (empty: they agree)."""
    exact = Exact(name, overrides)
    p = exact.params
    xs = _points([float(b) for b in exact.breaks], body)
    reference = _torch_reference(name, p) if overrides else _torch_default(name)
    got, grad = _torch_values_and_derivatives(reference, xs)
    beta = p.get("beta", 1.0)
    linearised = (beta * xs > SOFTPLUS_THRESHOLD) if name == "softplus" else np.zeros_like(xs)
    bad = []
    with ctx.workprec(PRECISION_BITS):
        for x, fx, dfx, lin in zip(xs, got, grad, linearised, strict=True):
            want = exact.value(float(x))
            left, right = exact.one_sided_derivatives(float(x))
            if lin:
                # PyTorch's documented linearisation: exactly z and 1, while the exact
                # softplus exceeds z by log(1 + exp(-beta z))/beta, in (0, e^-20/beta)
                gap = arb(-beta * x).exp().log1p() / beta
                ok = fx == x and dfx == 1.0 and _close(float(x) + float(gap.mid()), want, x)
                ok &= bool(gap > 0) and bool(gap < arb(-SOFTPLUS_THRESHOLD).exp() / beta)
                if not ok:
                    bad.append(f"softplus linearisation at z={x!r}: torch {fx!r}, {dfx!r}")
                continue
            if not _close(float(fx), want, x):
                bad.append(f"f({x!r}): torch {fx!r}, catalogue {want.mid()}")
            i = exact._piece(float(x))
            if i < 0:
                side = TORCH_KINK_SIDE[name][-i - 1]
                expected = left if side == "left" else right
            else:
                expected = left
            rtol = FLOAT32_BACKWARD[name](x, p) if name in FLOAT32_BACKWARD else RTOL
            if not _close(float(dfx), expected, x, rtol):
                bad.append(f"f'({x!r}): torch {dfx!r}, catalogue {expected.mid()}")
    return bad


# ---------------------------------------------------------------------------------------
# The tests


def test_the_reference_is_pytorch_2_13():
    assert torch.__version__.startswith(TORCH_VERSION), torch.__version__


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_catalogue_matches_pytorch_at_the_defaults(name):
    """The catalogue at its defaults against PyTorch called with PyTorch's defaults."""
    assert _mismatches(name) == []


def test_rrelu_train_default_slope_is_the_mean_of_the_default_law():
    train, evaluation = get("rrelu_train"), get("rrelu")
    values = train.bind()
    lower, upper, r = (values[train.symbols[k]] for k in ("lower", "upper", "r"))
    assert r == (lower + upper) / 2
    assert evaluation.bind() == {s: v for s, v in values.items() if s.name != "r"}


# The definitions' papers put the breakpoint itself in the left piece (f(x) = alpha(e^x - 1)
# for x <= 0: Clevert et al. 2016, Klambauer et al. 2017; CELU after ELU, Barron 2017),
# which is also the side PyTorch's autograd takes there; the others put it on the right.
POINT_IN_LEFT_PIECE = {"elu", "selu", "celu"}


@pytest.mark.parametrize("name", [n for n, a in CATALOGUE.items() if a.breakpoints])
def test_the_breakpoint_belongs_to_the_piece_the_definition_says(name):
    a = get(name)
    assert a.point_goes_left == (name in POINT_IN_LEFT_PIECE)
    values = a.bind()
    derivative = sp.diff(a.expr, z).subs(values)
    for i, b in enumerate(a.breakpoints):
        side = a.pieces[i] if a.point_goes_left else a.pieces[i + 1]
        at = b.subs(values)
        assert derivative.subs(z, at) == sp.diff(side.expr, z).subs(values).subs(z, at)


# Explicit non-default parameters, so that a parameter's role is checked whatever
# Hypothesis draws (softplus's 1/beta is invisible at beta = 1).
FIXED_PARAMETERS = [
    ("leaky_relu", {"negative_slope": 0.2}),
    ("leaky_relu", {"negative_slope": 3.0}),  # > 1: not max(s z, z), and PyTorch agrees
    ("prelu", {"a": -0.75}),
    ("rrelu", {"lower": 0.0, "upper": 0.5}),
    ("rrelu_train", {"lower": 0.0, "upper": 1.0, "r": 0.375}),
    ("elu", {"alpha": 2.5}),
    ("selu", {"alpha": 1.5, "lambda": 1.25}),
    ("celu", {"alpha": 0.5}),
    ("silu", {"beta": 2.5}),
    ("silu", {"beta": 0.125}),
    ("softplus", {"beta": 2.0}),
    ("softplus", {"beta": 0.5}),
    ("hardtanh", {"min_val": -2.5, "max_val": 0.75}),
]


@pytest.mark.parametrize("name, overrides", FIXED_PARAMETERS)
def test_catalogue_matches_pytorch_at_chosen_parameters(name, overrides):
    assert _mismatches(name, overrides) == []


WITH_PARAMETERS = [name for name, a in CATALOGUE.items() if a.params]


@pytest.mark.parametrize("name", WITH_PARAMETERS)
@given(data=__import__("hypothesis").strategies.data())
def test_catalogue_matches_pytorch_at_drawn_parameters(name, data):
    drawn = data.draw(parameter_values(CATALOGUE[name]))
    # PyTorch takes float64 parameters: give the catalogue those very (dyadic) values
    overrides = {k: float(v) for k, v in drawn.items()}
    assert _mismatches(name, overrides, body=25) == []


def test_softplus_threshold_is_a_real_difference():
    """The linearisation is PyTorch's, not the function's: above the threshold the two
    differ by log(1 + e^-(beta z))/beta, which is what `_mismatches` asserts there."""
    x = torch.tensor([20.5], dtype=torch.float64)
    assert F.softplus(x).item() == 20.5
    with ctx.workprec(PRECISION_BITS):
        exact = Exact("softplus").value(20.5)
    assert float(exact.mid()) - 20.5 > 1e-9  # 1.25e-9: the exact softplus is not z


def test_rrelu_training_slopes_lie_in_the_law_and_autograd_returns_them():
    torch.manual_seed(0)
    lower, upper = 0.125, 1 / 3
    x = torch.linspace(-5, -0.1, 200, dtype=torch.float64, requires_grad=True)
    y = F.rrelu(x, lower, upper, training=True)
    (grad,) = torch.autograd.grad(y.sum(), x)
    slopes = (y / x).detach()
    assert bool(((slopes >= lower) & (slopes <= upper)).all())
    assert len(set(slopes.tolist())) > 100  # drawn per element, not one slope
    assert torch.allclose(grad, slopes, rtol=1e-14, atol=0)
    # each drawn slope is a value of r for which rrelu_train is defined
    train = get("rrelu_train")
    for r in slopes[:5].tolist():
        train.bind({"lower": lower, "upper": upper, "r": r})


def test_pytorch_float64_backward_defects():
    """If this fails, PyTorch computes these derivatives in full float64 now: drop the
    entries from FLOAT32_BACKWARD so that they are compared at float64 precision again."""
    x = torch.tensor([-1.0, 0.5, 2.5], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(F.hardsigmoid(x).sum(), x)
    assert grad.tolist() == [float(np.float32(1 / 6))] * 3 != [1 / 6] * 3
    x = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(F.celu(x, 0.3).sum(), x)  # exactly 1 in truth
    assert 1e-9 < abs(grad.item() - 1) < RTOL_FLOAT32


def test_gelu_tanh_is_the_approximation_not_gelu():
    x = torch.linspace(-4, 4, 81, dtype=torch.float64)
    gap = (F.gelu(x, approximate="tanh") - F.gelu(x)).abs().max().item()
    assert 1e-4 < gap < 1e-3  # the published approximation error, about 4.7e-4


def test_pytorch_selu_constants_are_the_closed_forms():
    # ATen's hard-coded alpha and scale equal the catalogue's closed forms in float64
    x = torch.tensor([-1.0, 1.0], dtype=torch.float64)
    y = F.selu(x)
    with ctx.workprec(PRECISION_BITS):
        lam, alpha = arb_constant(SELU_LAMBDA), arb_constant(SELU_ALPHA)
        assert _close(y[1].item(), lam, 1.0)
        assert _close(y[0].item(), lam * alpha * (arb(-1).exp() - 1), 1.0)


# Values typed from the papers (closed forms and printed digits), independent of both
# the catalogue's SymPy and PyTorch: (name, parameters, z, value, source).
PAPER_VALUES = [
    # Klambauer et al. 2017, eq. 14 and below: alpha_01 ~ 1.6733, lambda_01 ~ 1.0507, printed
    # to 1.6732632423543772848170429916717 and 1.0507009873554804934193349852946
    ("selu", {}, 1.0, "1.0507009873554804934193349852946", "Klambauer et al. 2017"),
    ("selu", {}, -1.0, "-1.1113307378125628", "lambda_01 alpha_01 (e^-1 - 1), same paper"),
    # Xu et al. 2015, eq. for RReLU in training: y = a x for x < 0, a ~ U(l, u)
    ("rrelu_train", {"lower": 0.1, "upper": 0.5, "r": 0.25}, -2.0, "-0.5", "Xu et al. 2015"),
    ("rrelu_train", {"lower": 0.1, "upper": 0.5, "r": 0.25}, 3.0, "3", "Xu et al. 2015"),
    # the identity: f(z) = z
    ("identity", {}, -2.5, "-2.5", "the linear unit"),
    # Hendrycks & Gimpel 2016: 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))) at z = 1
    ("gelu_tanh", {}, 1.0, "0.84119199060827670", "Hendrycks & Gimpel 2016, Sec. 2"),
    # Howard et al. 2019 (MobileNetV3), h-swish(x) = x ReLU6(x + 3)/6; h-sigmoid ReLU6(x+3)/6
    ("hardswish", {}, 1.0, "0.66666666666666667", "Howard et al. 2019, eq. for h-swish"),
    ("hardsigmoid", {}, 1.0, "0.66666666666666667", "Howard et al. 2019, h-sigmoid"),
    # Dugas et al. 2001: softplus(x) = log(1 + e^x); beta-scaled form log(1 + e^(beta x))/beta
    ("softplus", {"beta": 2.0}, 1.0, "1.0634640055214862", "log(1 + e^2)/2"),
    # Misra 2019: mish(x) = x tanh(softplus(x)); at 1: tanh(log(1 + e))
    ("mish", {}, 1.0, "0.86509838826731033", "Misra 2019, eq. 1"),
]


@pytest.mark.parametrize("name, overrides, x, value, source", PAPER_VALUES)
def test_catalogue_matches_values_from_the_papers(name, overrides, x, value, source):
    with ctx.workprec(PRECISION_BITS):
        got = Exact(name, overrides).value(x)
    want = float(value)
    assert abs(float(got.mid()) - want) <= 1e-15 * max(1.0, abs(want)), (source, got)
