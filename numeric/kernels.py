"""Vectorised NumPy kernels: f and f' of every catalogue activation, float32 and float64.

`kernel(name, overrides)` returns a frozen `Kernel` whose `f(z)` and `df(z)` keep the dtype
of `z` (float32 stays float32) and are written to be numerically careful: `expm1` rather
than exp - 1, `logaddexp` for softplus, the logistic function as e/(1+e) with e = exp(-|t|)
(scipy's expit flushes to 0 below -709.78, where the true value is subnormal), sech^2 as
4e/(1+e)^2 with e = exp(-2|u|) rather than 1 - tanh^2 (which cancels), arguments clipped
where the function has already saturated so that no finite input overflows, and the limits
at +-inf returned where a naive formula would give inf*0 = NaN. Arguments of exp
that are large and rounded (z^2/2 in gelu, 2u in gelu_tanh) are carried to twice the working
precision (Dekker's error-free products), and x * sigmoid(t) is formed as (x a) a / (1 + e)
with a = exp(t/2), never through a subnormal sigmoid.

Where no formula of rounded pieces can be accurate -- f' near its zero (gelu at -0.7518,
gelu_tanh at -0.7525, silu at -1.2785, mish at -1.1924), a difference of O(1) terms -- and in
gelu's left tail (scipy's erfc/erfcx are 5-10 ulps off), the kernel evaluates Taylor tables
(`TaylorTable`) whose coefficients are computed at first use from the catalogue's
expression in mpmath, about centers anchored at the zero of f' found by mpmath.
`reluproof check` holds every kernel to its default 4 ulps in float32 and float64.

The catalogue is the single source of truth: a kernel carries no constant of its own. Its
parameter values are the catalogue's exact values (closed forms for SELU's alpha and
lambda) rounded once to the nearest float of the working dtype (`parameter_values`); the
formulas below are the catalogue's pieces written in floating point. `tests/test_kernels.py`
checks every kernel against the exact definition through `numeric/oracle.py`.

Derivative convention at kinks: PyTorch's (what autograd returns), recorded per activation
in `KINK_PIECE`: the index of the piece whose derivative the kernel uses AT each breakpoint.
relu'(0) = 0, leaky/prelu/rrelu'(0) = the negative slope, elu/selu/celu use the left piece
(z <= 0), relu6, hardtanh and hardsigmoid are 0 at both corners, hardswish uses its middle
piece on the closed interval [-3, 3] (so hardswish'(-3) = -1/2, as torch gives).

float32 input gives float32 output; the smooth gates (`PROMOTED`) are evaluated in float64
and rounded once, because float32 loses their tails to underflow.

Learnable parameters (PReLU's slope `a`) may be passed to `f`, `df` and `dparam` as arrays
that broadcast against `z` (the MLP passes one slope per layer and run, shape (R, 1, 1)).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp
from scipy.special import ndtr

from derivations.catalogue import GELU_TANH_C, get, names

Array = np.ndarray
Formula = Callable[[Array, dict], Array]

# Past |t| = SATURATE the logistic function and exp(-t) are exactly 0 or 1 in float64 and in
# float32 (exp(-745) underflows), so arguments are clipped there: no finite input overflows.
SATURATE = 800.0


def _finite(z: Array) -> Array:
    """z with -inf replaced by the most negative finite float: a factor z in z * g(z) where
    g(-inf) = 0 then gives 0 instead of -inf * 0 = NaN (the limit is what the math says)."""
    return np.maximum(z, np.finfo(z.dtype).min)


def _sech2(u: Array) -> Array:
    """sech(u)^2 = 4e/(1+e)^2 with e = exp(-2|u|): no cancellation, 0 at +-inf."""
    e = np.exp(-2.0 * np.minimum(np.abs(u), SATURATE / 2).astype(u.dtype, copy=False))
    return 4 * e / ((1 + e) * (1 + e))


# Selections between pieces are written as branch-free blends, not np.where: where() on a
# random mask costs ~10 ns per element (branch mispredictions), ten times a multiply. Each
# blend is exact: max(z, 0) + s*min(z, 0) adds an exact 0 to the live piece, and
# step + (1 - step)*g with step in {0, 1} gives exactly 1 or exactly g.


def _step(z: Array) -> Array:
    """1 where z > 0, else 0 (NaN -> 0), in z's dtype."""
    return (z > 0).astype(z.dtype)


def _leaky(slope_name: str) -> tuple[Formula, Formula, dict[str, Formula]]:
    def f(z, p):
        slope = p[slope_name]
        if np.ndim(slope) == 0 and 0 <= slope <= 1:  # then f = max(z, s z): two passes
            return np.maximum(z, slope * z) if slope else np.maximum(z, 0)
        return np.maximum(z, 0) + slope * np.minimum(z, 0)

    def df(z, p):
        step = _step(z)
        return step + p[slope_name] * (1 - step)

    return f, df, {}


def _elu_like(scale_of_alpha: bool, rate: bool) -> tuple[Formula, Formula, dict[str, Formula]]:
    """lambda * alpha * (exp(z/c) - 1) for z <= 0, lambda * z above; ELU (lambda = 1, c = 1),
    SELU (c = 1), CELU (lambda = 1, c = alpha)."""

    def negative(z, p):
        neg = np.minimum(z, 0)
        return neg / p["alpha"] if rate else neg

    def f(z, p):
        inner = np.maximum(z, 0) + p["alpha"] * np.expm1(negative(z, p))
        if not scale_of_alpha:
            return inner
        with np.errstate(over="ignore"):  # lambda*z > max: the true value rounds to inf
            return p["lambda"] * inner

    def df(z, p):
        slope = np.exp(negative(z, p))
        if not rate:
            slope *= p["alpha"]
        step = _step(z)
        inner = step + (1 - step) * slope
        return p["lambda"] * inner if scale_of_alpha else inner

    return f, df, {}


# Error-free transformations (Dekker 1971): a product or a sum of two floats as an unevaluated
# sum hi + lo of two floats, so that an argument of exp can be carried to twice the working
# precision. exp(t) magnifies the error of t by |t|: at gelu(-32) the rounding of z*z alone
# is worth 500 ulps of the result; with t = hi + lo, exp(hi) * (1 + lo) is good to an ulp.


def _split(a: Array) -> tuple[Array, Array]:
    """Veltkamp's split: a = hi + lo exactly, each with half the significand (|a| < 2^995)."""
    c = a * a.dtype.type(2.0 ** ((np.finfo(a.dtype).nmant + 2) // 2) + 1)
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a: Array, b: Array) -> tuple[Array, Array]:
    """a * b = p + e exactly (|a|, |b| well inside the range: the callers clip)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _two_sum(a: Array, b: Array) -> tuple[Array, Array]:
    """a + b = s + e exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@functools.cache
def _constant_pair(value: sp.Expr, dtype) -> tuple[np.floating, np.floating]:
    """An exact constant as hi + lo in `dtype`: hi the nearest float, lo the nearest float to
    the remainder (the catalogue's value to about twice the working precision)."""
    hi = nearest_float(value, dtype)
    return hi, nearest_float(value - sp.Rational(Fraction(float(hi))), dtype)


def _logistic(t: Array, t_lo: Array | float = 0.0) -> tuple[Array, Array, Array]:
    """(a, b, e) with sigma = sigmoid(t + t_lo) = a*a / (1 + e), 1 - sigma = b / (1 + e) and
    e = exp(-|t|) = a*a*b; one of a, b is exactly 1. For t <= 0, a = exp(t/2): a product
    x * sigma is formed as (x*a)*a / (1 + e), never through exp(t) alone, which is subnormal
    below t = -708 and has lost the bits a normal x * sigma needs (silu(-709.78) ~ -3.9e-306).
    scipy's expit returns 0 there; exp is accurate into the subnormals."""
    neg = np.minimum(t, 0)
    pos = np.maximum(t, 0)
    step = _step(t)
    a = np.exp(neg / 2) * (1 + (1 - step) * t_lo / 2)
    b = np.exp(-pos) * (1 - step * t_lo)
    return a, b, a * a * b


def _sigmoid(t: Array) -> Array:
    """The logistic function, accurate into the subnormals (scipy's expit flushes to 0 below
    -709.78): exp(-|t|) / (1 + exp(-|t|)) for t <= 0, 1 / (1 + exp(-t)) above."""
    e = np.exp(-np.abs(t))
    step = _step(t)
    return (step + (1 - step) * e) / (1 + e)


def _times_sigmoid(x: Array, t: Array, t_lo: Array | float = 0.0) -> Array:
    """x * sigmoid(t + t_lo) without going through a subnormal sigmoid."""
    a, _, e = _logistic(t, t_lo)
    return (x * a) * a / (1 + e)


def _times_sigmoid_prime(x: Array, t: Array, t_lo: Array | float = 0.0) -> Array:
    """x * sigma * (1 - sigma) at t + t_lo, sigma = sigmoid: x a^2 b / (1 + e)^2."""
    a, b, e = _logistic(t, t_lo)
    return (x * a) * a * b / ((1 + e) * (1 + e))


# Taylor tables. Near a zero r of f' (gelu' at -0.7518, silu' at -1.2785, mish' at -1.1924)
# f' is a difference of O(1) terms: any formula built from rounded pieces is off by about
# eps / |z - r| relative, hundreds of ulps near r. There f' is evaluated instead from its
# Taylor expansion about r itself, with coefficients computed at first use from the
# catalogue's expression in mpmath (40 digits) and r found by mpmath to the same precision:
# with d = (z - r_hi) - r_lo (exact: Sterbenz), f'(z) = sum c_k d^k has no cancellation.
# A table is a row of such expansions about centers r + k h, each used on |d| <= h/2.

TAYLOR_TERMS = 18  # |c_k| (h/2)^k is below 2^-70 of the value by then for h = 1/2
TAYLOR_STEP = 0.5


@dataclass(frozen=True)
class TaylorTable:
    """g(z) = sum_k coefficients[j, k] (z - center_j)^k on the cell |z - center_j| <= step/2,
    centers anchor + j step (as hi + lo pairs); z outside [first, last] cell is clamped to
    the nearest cell's edge (the caller blends the table out there)."""

    centers_hi: Array
    centers_lo: Array
    coefficients: Array  # (cells, TAYLOR_TERMS), float64
    step: float

    def __call__(self, z: Array) -> Array:
        zw = z.astype(np.float64)
        cell = np.rint((zw - self.centers_hi[0]) / self.step)
        cell = np.clip(np.nan_to_num(cell), 0, len(self.centers_hi) - 1).astype(np.intp)
        d = (zw - self.centers_hi[cell]) - self.centers_lo[cell]
        d = np.clip(d, -self.step / 2, self.step / 2)
        # Horner, one gather of a column per term (an (n, terms) gather is 10 times slower)
        columns = self.coefficients.T
        out = columns[-1].take(cell)
        for column in columns[-2::-1]:
            out = out * d + column.take(cell)
        return out.astype(z.dtype, copy=False)


def _mp_pair(value) -> tuple[float, float]:
    hi = float(value)
    return hi, float(value - hi)


def _taylor_table(g, anchor, first: float, last: float, coefficients=None) -> TaylorTable:
    """The table of the mpmath function g about anchor + j TAYLOR_STEP covering [first, last];
    `coefficients(center)` may give the Taylor coefficients (default: mpmath.taylor)."""
    import mpmath

    with mpmath.workdps(40):
        lo = int(np.floor((first - float(anchor)) / TAYLOR_STEP))
        hi = int(np.ceil((last - float(anchor)) / TAYLOR_STEP))
        centers = [anchor + j * mpmath.mpf(TAYLOR_STEP) for j in range(lo, hi + 1)]
        rows = [
            (coefficients or (lambda c: mpmath.taylor(g, c, TAYLOR_TERMS - 1)))(c) for c in centers
        ]
        pairs = [_mp_pair(c) for c in centers]
        table = np.array([[float(x) for x in row] for row in rows])
        # drop the trailing terms below 2^-64 of every row's scale (its value, or its slope
        # times the half step at the zero of f', where the value is 0) on the whole cell
        powers = (TAYLOR_STEP / 2) ** np.arange(table.shape[1])
        scale = np.maximum(np.abs(table[:, 0]), np.abs(table[:, 1]) * TAYLOR_STEP / 2)
        needed = (np.abs(table) * powers > 2.0**-64 * scale[:, None]).any(axis=0)
        terms = int(np.nonzero(needed)[0].max()) + 1
        return TaylorTable(
            np.array([p[0] for p in pairs]),
            np.array([p[1] for p in pairs]),
            np.ascontiguousarray(table[:, :terms]),
            TAYLOR_STEP,
        )


def _catalogue_mp(name: str, derivative: bool, **values):
    """The catalogue's (single-piece) f or f' of `name` as an mpmath function of z."""
    import mpmath  # noqa: F401  (lambdify's "mpmath" module)

    from derivations.catalogue import z as zsym

    a = get(name)
    expr = a.pieces[0].expr.subs({p.symbol: values[p.name] for p in a.params if p.name in values})
    return sp.lambdify(zsym, sp.diff(expr, zsym) if derivative else expr, "mpmath"), expr


def _negative_root(g):
    """The zero of g on the negative axis nearest 0 (f' of the smooth gates has one), to 40
    digits: bracketed by scanning outwards, then refined by mpmath."""
    import mpmath

    with mpmath.workdps(40):
        x = mpmath.mpf(-1) / 64
        while mpmath.sign(g(x)) == mpmath.sign(g(x * 1.25)):
            x *= 1.25
            if x < -100:
                raise RuntimeError("f' has no zero on [-100, 0]")
        return mpmath.findroot(g, (x * 1.25, x), solver="anderson")


# The span of the root tables: the zero of f' and the stretch of the left tail where the
# direct formula sums several rounded terms of opposite signs (5 to 7 ulps at t = -2..-7).
# gelu_tanh's f' falls like exp(2u), u cubic: past -4 a Taylor row in steps of 1/2 would need
# too many terms, and there the direct formula (2u carried as hi + lo) is within 4 ulps.
ROOT_SPAN = {"silu": (-10.0, 2.0), "mish": (-10.0, 2.0), "gelu_tanh": (-4.0, 2.0)}


@functools.cache
def _root_table(name: str) -> tuple[float, TaylorTable]:
    """(r, the Taylor table of f' on ROOT_SPAN, anchored at r) at the catalogue's default
    parameters with beta = 1 (silu's f' is a function of t = beta z)."""
    df, _ = _catalogue_mp(name, True, beta=1)
    root = _negative_root(df)
    return float(root), _taylor_table(df, root, *ROOT_SPAN[name])


def _near_root(name: str, z: Array, direct: Array) -> Array:
    """direct, replaced by the Taylor table of f' (anchored at its zero) on ROOT_SPAN."""
    _, table = _root_table(name)
    low, high = ROOT_SPAN[name]
    inside = ((z > low) & (z < high)).astype(z.dtype)
    return inside * table(z) + (1 - inside) * direct


GELU_CLIP = 40.0  # gelu(-40) ~ e^-800 and gelu'(-40): 0 in both dtypes; Phi(40) = 1


@functools.cache
def _gelu_tables() -> tuple[TaylorTable, TaylorTable]:
    """For z <= 0: Q(z) = Phi(z) e^(z^2/2) (so gelu = z Q e^(-z^2/2)) and G(z) = gelu'(z)
    e^(z^2/2) = Q + z/sqrt(2 pi), tabled on [-GELU_CLIP, 0] about centers anchored at the
    zero of G (= the zero of gelu'). Both are smooth and slowly varying where Phi and gelu'
    underflow; scipy's erfc and erfcx are 5 to 10 ulps off there, the tables 1. The Taylor
    coefficients follow from the catalogue's value Q(c) by the recurrence of Q' = 1/sqrt(2 pi)
    + z Q (Phi' = phi), checked symbolically here on the catalogue's expression."""
    import mpmath

    from derivations.catalogue import z as zsym

    f_mp, f = _catalogue_mp("gelu", False)
    q_expr = f / zsym * sp.exp(zsym**2 / 2)
    inv = 1 / sp.sqrt(2 * sp.pi)
    if sp.simplify(sp.diff(q_expr, zsym) - inv - zsym * q_expr) != 0:
        raise RuntimeError("gelu's Q does not satisfy Q' = 1/sqrt(2 pi) + z Q")
    with mpmath.workdps(40):
        a = mpmath.mpf(1) / mpmath.sqrt(2 * mpmath.pi)

        def q(c):  # 1 + erf cancels to e^(-c^2/2) and the recurrence loses ~3 digits a step
            with mpmath.workdps(100 + int(c * c / 4)):
                return f_mp(c) / c * mpmath.exp(c * c / 2)

        def q_coefficients(c):
            mpmath.mp.dps = 100 + int(c * c / 4)  # inside workdps(40): restored on exit
            qs = [q(c)]
            previous = mpmath.mpf(0)
            for k in range(TAYLOR_TERMS - 1):  # (k+1) q_{k+1} = a [k = 0] + c q_k + q_{k-1}
                nxt = ((a if k == 0 else 0) + c * qs[k] + previous) / (k + 1)
                previous = qs[k]
                qs.append(nxt)
            return qs

        def g_coefficients(c):
            qs = q_coefficients(c)
            return [qs[0] + a * c, qs[1] + a, *qs[2:]]

        root = _negative_root(lambda c: q(c) + a * c)
        return (
            _taylor_table(None, root, -GELU_CLIP, 0.0, q_coefficients),
            _taylor_table(None, root, -GELU_CLIP, 0.0, g_coefficients),
        )


def _gauss(z: Array) -> Array:
    """exp(-z^2/2) for |z| <= GELU_CLIP, z^2 formed exactly as hi + lo: exp(-hi/2)(1 - lo/2)
    is good to an ulp where exp(-(z*z)/2) would be z^2/2 ulps off (500 at z = -32)."""
    hi, lo = _two_prod(z, z)
    return np.exp(-hi / 2) * (1 - lo / 2)


def _gelu_f(z, p):
    # z > 0: z Phi(z), Phi in [1/2, 1]; z <= 0: (z Q(z)) e^(-z^2/2). Each part is 0 outside
    # its half line, so their sum is exact.
    q_table, _ = _gelu_tables()
    zp = np.maximum(z, 0)
    zn = np.clip(z, -GELU_CLIP, 0)
    return zp * ndtr(zp) + (zn * q_table(zn)) * _gauss(zn)


def _gelu_df(z, p):
    _, g_table = _gelu_tables()
    zc = np.clip(z, -GELU_CLIP, GELU_CLIP)
    zn = np.minimum(zc, 0)
    left = g_table(zn) * _gauss(zn)
    zp = np.maximum(zc, 0)
    right = ndtr(zp) + zp * _gauss(zp) * z.dtype.type(_INV_SQRT_2PI)
    step = _step(z)
    return step * right + (1 - step) * left


_INV_SQRT_2PI = float(sp.N(1 / sp.sqrt(2 * sp.pi), 40))


def _gelu_tanh_parts(z, p):
    """(z clipped where the gate is saturated, 2u as hi + lo, 2k); f = z sigmoid(2u),
    u = k (z + c z^3), k = sqrt(2/pi). 2u is carried to twice the precision: the gate is
    exp(2u) in the left tail, where 2u reaches -600 and its rounding would cost 300 ulps."""
    zc = np.clip(z, -30, 30)  # sigmoid(2u(30)) = 1 - e^-1975: saturated in both dtypes
    k_hi, k_lo = _constant_pair(2 * sp.sqrt(2 / sp.pi), np.dtype(z.dtype))
    c_hi, c_lo = _constant_pair(GELU_TANH_C, np.dtype(z.dtype))
    sq, sq_lo = _two_prod(zc, zc)
    cube, cube_err = _two_prod(sq, zc)
    cube_lo = cube_err + sq_lo * zc
    ccube, ccube_err = _two_prod(cube, c_hi)
    ccube_lo = ccube_err + cube_lo * c_hi + cube * c_lo
    inner, inner_err = _two_sum(zc, ccube)
    inner_lo = inner_err + ccube_lo
    t, t_err = _two_prod(inner, k_hi)
    t_lo = t_err + inner_lo * k_hi + inner * k_lo
    t, t_lo = _two_sum(t, t_lo)
    return zc, t, t_lo, k_hi


def _gelu_tanh_f(z, p):
    _, t, t_lo, _ = _gelu_tanh_parts(z, p)
    return _times_sigmoid(np.maximum(z, -30), t, t_lo)  # gelu_tanh(-30) = 0 already


def _gelu_tanh_df(z, p):
    zc, t, t_lo, k = _gelu_tanh_parts(z, p)
    du = k * (1 + 3 * p["c"] * zc * zc)
    a, _, e = _logistic(t, t_lo)
    return _near_root("gelu_tanh", zc, a * a / (1 + e) + _times_sigmoid_prime(zc * du, t, t_lo))


def _silu_f(z, p):
    t = p["beta"] * np.clip(z, -SATURATE / p["beta"], SATURATE / p["beta"])
    return _times_sigmoid(np.maximum(z, -SATURATE / p["beta"]), t)  # silu(-800) = 0 already


def _silu_df(z, p):
    zc = np.clip(z, -SATURATE / p["beta"], SATURATE / p["beta"])
    t = p["beta"] * zc
    return _near_root("silu", t, _sigmoid(t) + _times_sigmoid_prime(t, t))


def _mish_f(z, p):
    return _finite(z) * np.tanh(np.logaddexp(0, z))


def _mish_df(z, p):
    zc = np.clip(z, -SATURATE, SATURATE)
    softplus = np.logaddexp(0, zc)
    return _near_root("mish", zc, np.tanh(softplus) + _sech2(softplus) * _times_sigmoid(zc, zc))


def _softplus_f(z, p):
    limit = SATURATE / p["beta"]
    t = p["beta"] * np.clip(z, -limit, limit)
    # past the clip log1p(exp(-beta z)) / beta is below half an ulp of z: f = z exactly
    return np.where(z > limit, z, np.logaddexp(0, t) / p["beta"])


def _softplus_df(z, p):
    limit = SATURATE / p["beta"]
    return _sigmoid(p["beta"] * np.clip(z, -limit, limit))


def _sigmoid_df(z, p):
    e = np.exp(-np.minimum(np.abs(z), SATURATE))  # symmetric: e / (1 + e)^2, e = exp(-|z|)
    return e / ((1 + e) * (1 + e))


def _tanh_df(z, p):
    return _sech2(z)


def _indicator(mask: Array, z: Array) -> Array:
    return mask.astype(z.dtype)


def _hardtanh_f(z, p):
    return np.minimum(np.maximum(z, p["min_val"]), p["max_val"])


def _hardtanh_df(z, p):
    return _indicator((z > p["min_val"]) & (z < p["max_val"]), z)


def _relu6_f(z, p):
    return np.minimum(np.maximum(z, 0), 6).astype(z.dtype, copy=False)


def _relu6_df(z, p):
    return _indicator((z > 0) & (z < 6), z)


def _hardsigmoid_f(z, p):
    # (z + 3)/6 rather than z/6 + 1/2: z + 3 is exact near -3, where the result is small
    return np.clip((z + 3) / 6, 0, 1).astype(z.dtype, copy=False)


def _hardsigmoid_df(z, p):
    return _indicator((z > -3) & (z < 3), z) / 6


def _hardswish_f(z, p):
    zc = np.clip(z, -3, 3)  # the middle piece only matters there; no overflow outside
    middle = zc * (zc + 3) / 6
    return np.where(z <= -3, 0, np.where(z >= 3, z, middle)).astype(z.dtype, copy=False)


def _hardswish_df(z, p):
    middle = (2 * np.clip(z, -3, 3) + 3) / 6  # exact near the zero at -3/2
    return np.where(z < -3, 0, np.where(z > 3, 1, middle)).astype(z.dtype, copy=False)


def _softsign_f(z, p):
    big = np.finfo(z.dtype).max  # 1 + |z| never overflows; +-inf -> +-1
    zc = np.clip(z, -big, big)
    return zc / (1 + np.abs(zc))


def _softsign_df(z, p):
    big = np.finfo(z.dtype).max
    inverse = 1 / (1 + np.abs(np.clip(z, -big, big)))
    return inverse * inverse


def _prelu_da(z, p):
    return np.minimum(z, 0)


# name -> (f, f', {learnable parameter: df/dparameter})
_FORMULAS: dict[str, tuple[Formula, Formula, dict[str, Formula]]] = {
    "relu": (
        lambda z, p: np.maximum(z, 0).astype(z.dtype, copy=False),
        lambda z, p: _indicator(z > 0, z),
        {},
    ),
    "leaky_relu": _leaky("negative_slope"),
    "prelu": (*_leaky("a")[:2], {"a": _prelu_da}),
    "rrelu": _leaky("slope"),
    "rrelu_train": _leaky("r"),
    "elu": _elu_like(scale_of_alpha=False, rate=False),
    "selu": _elu_like(scale_of_alpha=True, rate=False),
    "celu": _elu_like(scale_of_alpha=False, rate=True),
    "gelu": (_gelu_f, _gelu_df, {}),
    "gelu_tanh": (_gelu_tanh_f, _gelu_tanh_df, {}),
    "silu": (_silu_f, _silu_df, {}),
    "mish": (_mish_f, _mish_df, {}),
    "softplus": (_softplus_f, _softplus_df, {}),
    "sigmoid": (lambda z, p: _sigmoid(np.clip(z, -SATURATE, SATURATE)), _sigmoid_df, {}),
    "tanh": (lambda z, p: np.tanh(z), _tanh_df, {}),
    "relu6": (_relu6_f, _relu6_df, {}),
    "hardtanh": (_hardtanh_f, _hardtanh_df, {}),
    "hardsigmoid": (_hardsigmoid_f, _hardsigmoid_df, {}),
    "hardswish": (_hardswish_f, _hardswish_df, {}),
    "softsign": (_softsign_f, _softsign_df, {}),
    "identity": (lambda z, p: z.copy(), lambda z, p: np.ones_like(z), {}),
}

# Smooth gates evaluated in float64 when given float32, then rounded once: scipy's float32
# expit flushes to 0 below -88 and the tails (silu(-100) ~ -4e-42) live in float32's
# subnormals, where a float32 product loses every bit. The piecewise kernels (the relu
# family, elu/selu/celu, the hard ones) stay native: they are exact or within 2 ulps.
PROMOTED = frozenset(
    {"gelu", "gelu_tanh", "silu", "mish", "softplus", "sigmoid", "tanh", "softsign"}
)

# Which piece's derivative the kernel returns AT each breakpoint (PyTorch's autograd).
KINK_PIECE: dict[str, tuple[int, ...]] = {
    "relu": (0,),
    "leaky_relu": (0,),
    "prelu": (0,),
    "rrelu": (0,),
    "rrelu_train": (0,),
    "elu": (0,),
    "selu": (0,),
    "celu": (0,),
    "relu6": (0, 2),
    "hardtanh": (0, 2),
    "hardsigmoid": (0, 2),
    "hardswish": (1, 1),
    "softsign": (0,),  # differentiable there: both pieces agree
}


def _derived_values(name: str, exact: dict[str, sp.Expr]) -> dict[str, sp.Expr]:
    """Values a formula needs beyond the catalogue's parameters, derived from them."""
    if name == "rrelu":
        return {"slope": (exact["lower"] + exact["upper"]) / 2}
    if name == "gelu_tanh":
        return {"c": GELU_TANH_C}
    return {}


def nearest_float(value: sp.Expr, dtype) -> np.floating:
    """The float of `dtype` nearest to an exact real constant, rounded once (the double
    rounding exact -> float64 -> float32 is avoided by comparing the neighbours exactly)."""
    dtype = np.dtype(dtype)
    exact = Fraction(str(sp.N(value, 60))) if not value.is_Rational else Fraction(str(value))
    candidate = dtype.type(float(exact))
    neighbours = [
        np.nextafter(candidate, dtype.type(-np.inf)),
        candidate,
        np.nextafter(candidate, dtype.type(np.inf)),
    ]
    finite = [c for c in neighbours if np.isfinite(c)]
    return min(finite, key=lambda c: abs(Fraction(float(c)) - exact))


@dataclass(frozen=True)
class Kernel:
    """f and f' of one activation at bound parameter values, for float32 and float64."""

    name: str
    exact: Mapping[str, sp.Expr]  # the catalogue's values (and derived ones), exact
    learnable: tuple[str, ...]
    _rounded: dict = field(default_factory=dict, repr=False, compare=False)

    def parameter_values(self, dtype) -> dict[str, np.floating]:
        """Every parameter rounded once to `dtype` (cached)."""
        dtype = np.dtype(dtype)
        if dtype not in self._rounded:
            self._rounded[dtype] = {k: nearest_float(v, dtype) for k, v in self.exact.items()}
        return self._rounded[dtype]

    def _apply(self, formula: Formula, z: Array, learned: dict) -> Array:
        z = np.asarray(z)
        if z.dtype == np.float32 and self.name in PROMOTED:
            wide = z.astype(np.float64)
            values = dict(self.parameter_values(np.float64))
            values.update({k: np.asarray(v, np.float64) for k, v in learned.items()})
            return formula(wide, values).astype(np.float32)
        values = dict(self.parameter_values(z.dtype))
        values.update(learned)
        return formula(z, values)

    def f(self, z: Array, **learned: Array) -> Array:
        """The activation; `learned` overrides a learnable parameter (an array is fine)."""
        return self._apply(_FORMULAS[self.name][0], z, learned)

    def df(self, z: Array, **learned: Array) -> Array:
        """f'(z), PyTorch's convention at kinks (see KINK_PIECE); NaN where z is NaN (an
        indicator like (z > 0) would otherwise say 0 or 1: `reluproof check` holds us to it)."""
        out = self._apply(_FORMULAS[self.name][1], z, learned)
        return np.where(np.isnan(z), np.asarray(z, dtype=out.dtype), out)

    def dparam(self, name: str, z: Array, **learned: Array) -> Array:
        """df/d(learnable parameter `name`) at z (PReLU: z where z <= 0, else 0)."""
        return self._apply(_FORMULAS[self.name][2][name], z, learned)


def kernel(name: str, overrides: Mapping[str, object] | None = None) -> Kernel:
    """The kernel of a catalogue activation (name or alias), parameters bound from the
    catalogue's defaults replaced by `overrides` (validated by the catalogue). Cached: the
    exact values (SELU's closed forms) are rounded once per process and dtype."""
    key = tuple(sorted((str(k), str(v)) for k, v in (overrides or {}).items()))
    return _kernel(get(name).name, key)


@functools.cache
def _kernel(name: str, overrides: tuple[tuple[str, str], ...]) -> Kernel:
    activation = get(name)
    values = activation.bind(dict(overrides))
    exact = {p.name: values[p.symbol] for p in activation.params}
    exact.update(_derived_values(activation.name, exact))
    learnable = tuple(p.name for p in activation.params if p.learnable)
    return Kernel(activation.name, exact, learnable)


def _check_complete() -> None:
    missing = set(names()) - set(_FORMULAS)
    if missing:  # a new catalogue entry needs its kernel (and a test picks this up)
        raise RuntimeError(f"no NumPy kernel for {sorted(missing)}")


_check_complete()
