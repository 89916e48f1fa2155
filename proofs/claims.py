"""The source documents' checkable claims, each made a theorem and settled.

Every checkable mathematical claim in `../shared/seeds/` is listed here once, with the
document (file name; its title comes with `Source.title`) and the quoted words, verbatim as
the document has them (LaTeX markup and the notes' ~~strike-through~~ included; a test
checks each against its file), and the verdict it deserves: PROVED when it
holds (and under which conditions, in the summary), REFUTED with a counterexample when
it does not. A claim that another module already settles is proved by that theorem
(`by` in the certificate), not argued twice.

Claims that are not mathematics ("computationally expensive", "new in market") and
claims that need training measurements ("as much as 40% of your network can be dead")
are left to the numeric experiments.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp

from derivations import backprop
from derivations.calculus import derive
from derivations.catalogue import get, z
from proofs.theorem import (
    Method,
    Source,
    Status,
    Verdict,
    proved,
    refuted,
    theorem,
    undecided,
    verdict_of,
)

DOC_DEAD_NEURON = "000_cce168a880d2299d.txt"
DOC_VANISHING = "001_5a897a5912340601.txt"
DOC_PYNOTE = "002_3bf8178524fc587d.txt"
DOC_NOTES = "003_bdd817aebe3d8cbc.txt"

PROVED, REFUTED = Status.PROVED, Status.REFUTED


def _by(theorem_id: str, negated: bool = False) -> Verdict:
    """Settle a claim by another theorem: the claim is that theorem (or its negation)."""
    v = verdict_of(theorem_id)
    status = v.status
    if negated and status is PROVED:
        status = REFUTED
    elif negated and status is REFUTED:
        status = PROVED
    relation = "the negation of" if negated else "settled by"
    return Verdict(status, f"{relation} {theorem_id}: {v.summary}", {"by": theorem_id})


def _claim(id, statement, document, quote, expected, method=Method.EXACT_SYMBOLIC, translation=""):
    return theorem(
        f"claims.{id}",
        statement,
        method,
        expected=expected,
        source=Source(document, quote, translation),
    )


def _relu_derivative():
    return derive("relu").derivative


# ---------------------------------------------------------------------------------------
# 000: "The Dead Neuron"


@_claim(
    "relu_bigger_gradient_than_sigmoid",
    r"For every real $z$: $\mathrm{ReLU}'(z) \ge \sigma'(z)$.",
    DOC_DEAD_NEURON,
    "it shuts down the vanishing gradient problem by having a bigger gradient than sigmoid",
    REFUTED,
    Method.COUNTEREXAMPLE,
)
def _bigger_gradient() -> Verdict:
    sigma = get("sigmoid").expr
    d_sigma = sp.diff(sigma, z)
    point = sp.Integer(-1)
    relu_slope = _relu_derivative().subs(z, point)
    sigma_slope = sp.simplify(d_sigma.subs(z, point))
    if relu_slope == 0 and sigma_slope.is_positive:
        return refuted(
            "false for z < 0: at z = -1, ReLU' = 0 < sigma'(-1) = e/(1+e)^2 = 0.1966...; "
            "true for z > 0, where ReLU' = 1 > 1/4 >= sigma' (vanish.sigmoid_bound)",
            z="-1",
            relu_derivative=str(relu_slope),
            sigmoid_derivative=str(sigma_slope),
            sigmoid_derivative_value=str(sp.N(sigma_slope, 15)),
        )
    return undecided("the counterexample did not evaluate as expected")


@_claim(
    "negative_weights_silence_every_input",
    r"A ReLU unit $\max(0, w^\top x + b)$ with negative weights and a negative bias outputs "
    r"0 for every input $x$.",
    DOC_DEAD_NEURON,
    "might be ended up with a big negative weight and bias. If this happens, this neuron "
    "will always produce 0 during the forward propagation, and then the gradient flowing "
    "through this neuron will forever be zero irrespective of the input.",
    REFUTED,
    Method.COUNTEREXAMPLE,
)
def _negative_weights() -> Verdict:
    w, b, x = sp.Integer(-10), sp.Integer(-1), sp.Integer(-1)
    output = get("relu").expr.subs(z, w * x + b)
    # and the conditional form: inputs >= 0 (images, outputs of a ReLU layer) => z < 0
    x1, x2 = sp.symbols("x1 x2", nonnegative=True)
    w1, w2 = sp.symbols("w1 w2", nonpositive=True)
    bias = sp.Symbol("b", negative=True)
    conditional = (w1 * x1 + w2 * x2 + bias).is_negative
    if output > 0 and conditional is True:
        return refuted(
            "inputs may be negative: w = -10, b = -1, x = -1 gives ReLU(9) = 9. It holds "
            "when every input is >= 0 (then w.x + b < 0 is proved by SymPy's assumptions)",
            w=str(w),
            b=str(b),
            x=str(x),
            output=str(output),
            conditional_nonnegative_inputs="w <= 0, b < 0, x >= 0  =>  w.x + b < 0 (proved)",
        )
    return undecided("the counterexample or the conditional proof did not come out")


@_claim(
    "zero_initialisation_freezes_hidden_layer",
    r"With every weight and bias initialised to 0, the hidden layer of a one-hidden-layer "
    r"ReLU network gets exactly zero gradient at every step (only the output bias learns).",
    DOC_DEAD_NEURON,
    "It usually happens if you initialize the entire neural network with zero and place "
    "ReLU on the hidden layers.",
    PROVED,
)
def _zero_init() -> Verdict:
    stuck = {name: _zero_init_stuck(name) for name in ("relu", "leaky_relu", "tanh", "sigmoid")}
    if stuck["relu"] is True:
        return proved(
            "with W1 = 0, b1 = 0, W2 = 0 the hidden outputs are f(0) = 0 and the backward "
            "signal W2^T delta = 0, so dL/dW1 = dL/db1 = dL/dW2 = 0 for any loss and any "
            "f'(0) convention; only b2 moves, so the state recurs forever. Not a ReLU "
            "peculiarity: it holds for every f with f(0) = 0",
            frozen_for_activation={k: bool(v) for k, v in stuck.items()},
        )
    return undecided("the symbolic gradient was not zero", frozen=str(stuck))


def _zero_init_stuck(name: str) -> bool:
    """One-hidden-layer net (2 inputs, 2 hidden, 1 output) at all-zero parameters: are the
    gradients of every hidden-layer and output weight exactly zero, for any loss?"""
    f = get(name).expr.subs(get(name).bind())
    xs = sp.symbols("x1 x2", real=True)
    W1 = sp.Matrix(2, 2, sp.symbols("W1_0:4", real=True))
    b1 = sp.Matrix(sp.symbols("b1_0:2", real=True))
    W2 = sp.Matrix(1, 2, sp.symbols("W2_0:2", real=True))
    b2 = sp.Symbol("b2", real=True)
    loss = sp.Function("ell")  # any differentiable loss of the prediction
    hidden = (W1 * sp.Matrix(xs) + b1).applyfunc(lambda e: f.subs(z, e))
    prediction = (W2 * hidden)[0] + b2
    L = loss(prediction)
    zero = {s: 0 for s in [*W1, *b1, *W2]}
    grads = [sp.diff(L, s).subs(zero).doit() for s in [*W1, *b1, *W2]]
    return all(sp.simplify(g) == 0 for g in grads)


# ---------------------------------------------------------------------------------------
# 001: "Fix the vanishing gradient problem"


@_claim(
    "relu_is_a_step_function",
    r"ReLU is a step function (takes finitely many values).",
    DOC_VANISHING,
    "ReLU is a simple step function that does not vanish",
    REFUTED,
)
def _step_function() -> Verdict:
    rng = derive("relu").range
    if rng == sp.Interval(0, sp.oo):
        return refuted(
            "ReLU's range is [0, oo): infinitely many values, so it is not a step function; "
            "its derivative is (the Heaviside step, 0 for z < 0 and 1 for z > 0)",
            range=str(rng),
            derivative=str(_relu_derivative()),
        )
    return undecided(f"unexpected range {rng}")


@_claim(
    "relu_no_positive_saturation",
    r"ReLU does not approach a constant as $z \to +\infty$: $\lim f = \infty$ and "
    r"$f'(z) = 1$ for $z > 0$.",
    DOC_VANISHING,
    "ReLU does not approach a constant value for large positive inputs, allowing gradients "
    "to flow more freely.",
    PROVED,
)
def _no_saturation() -> Verdict:
    d = derive("relu")
    positive = sp.Symbol("t", positive=True)
    slope = d.derivative.subs(z, positive)
    if d.limits["f(+oo)"] == sp.oo and slope == 1:
        return proved(
            "lim ReLU(z) = oo as z -> oo, and ReLU'(z) = 1 for every z > 0",
            limit=str(d.limits["f(+oo)"]),
            derivative_for_z_positive=str(slope),
        )
    return undecided("the limit or the slope did not come out")


@_claim(
    "zero_output_zero_gradient",
    r"A ReLU unit that outputs 0 on an input passes zero gradient to its incoming weights "
    r"for that input.",
    DOC_VANISHING,
    "If neurons output zero, its gradient w..r.t. the loss function will also be zero.",
    PROVED,
)
def _zero_output() -> Verdict:
    negative = sp.Symbol("t", negative=True)
    slope = _relu_derivative().subs(z, negative)
    bp = derive("relu").breakpoints[0]
    if slope == 0 and not bp.differentiable:
        return proved(
            "output 0 means z <= 0. For z < 0, ReLU'(z) = 0 exactly, so every weight's "
            "gradient has the factor 0. At z = 0 ReLU has no derivative (subgradient "
            f"[{bp.subgradient[0]}, {bp.subgradient[1]}]): there the claim holds only by "
            "the convention ReLU'(0) = 0 that PyTorch and JAX use",
            derivative_for_z_negative=str(slope),
            subgradient_at_0=[str(v) for v in bp.subgradient],
        )
    return undecided("the derivative did not come out")


@_claim(
    "leaky_relu_prevents_inactivity",
    r"Leaky ReLU's gradient is nonzero for negative inputs, so its units cannot become "
    r"inactive (die) exactly.",
    DOC_VANISHING,
    "This function allows a small, non-zero gradient for negative inputs. This prevents "
    "neurons from becoming inactive and promotes better gradient flow during training.",
    PROVED,
)
def _leaky_prevents() -> Verdict:
    return _by("dead.no_exact_death")


@_claim(
    "rrelu_random_slope_prevents_inactivity",
    r"In training, RReLU's slope for $z < 0$ is $r \sim U(l, u)$ with $l = 1/8 > 0$, so "
    r"$f'(z) \ge 1/8 > 0$ for every $z \ne 0$ and no unit can be completely inactive.",
    DOC_VANISHING,
    "This function sets the negative part of the activation function to a small, random "
    "slope during training. This stochastic element helps prevent neurons from becoming "
    "completely inactive",
    PROVED,
)
def _rrelu() -> Verdict:
    a = get("rrelu_train")
    values = a.bind()
    negative_slope, positive_slope = derive("rrelu_train").piece_derivatives
    r, lower = a.symbols["r"], a.symbols["lower"]
    if negative_slope == r and positive_slope == 1 and values[lower] > 0:
        return proved(
            "f'(z) = r for z < 0 and 1 for z > 0, with r >= lower = 1/8 > 0 for every draw",
            derivative_pieces=[str(negative_slope), str(positive_slope)],
            lower=str(values[lower]),
        )
    return undecided("unexpected derivative pieces")


# ---------------------------------------------------------------------------------------
# 002: pynote "会死掉的ReLU" (quoting the Stanford CS231n notes)


@_claim(
    "large_step_kills_a_unit",
    r"One gradient step with a large learning rate can move a ReLU unit that is active on "
    r"the data to weights where it is inactive on every data point.",
    DOC_PYNOTE,
    "a large gradient flowing through a ReLU neuron could cause the weights to update in "
    "such a way that the neuron will never activate on any data point again.",
    PROVED,
    Method.EXACT_RATIONAL,
)
def _large_step() -> Verdict:
    xs = [Fraction(1), Fraction(2)]
    ys = [Fraction(-1), Fraction(-2)]  # targets below what the unit outputs
    w, b, v = Fraction(1), Fraction(0), Fraction(1)

    def relu_slope(pre):
        return 1 if pre > 0 else 0  # ReLU'(0) = 0, as PyTorch

    pre_before = [w * x + b for x in xs]
    # full-batch squared error L = mean (v relu(wx+b) - y)^2 / 2
    residual = [v * max(p, 0) - y for p, y in zip(pre_before, ys, strict=True)]
    gw = sum(r * v * relu_slope(p) * x for r, p, x in zip(residual, pre_before, xs, strict=True))
    gb = sum(r * v * relu_slope(p) for r, p in zip(residual, pre_before, strict=True))
    gw, gb = gw / len(xs), gb / len(xs)
    results = {}
    for lr in (Fraction(1, 100), Fraction(1)):
        w2, b2 = w - lr * gw, b - lr * gb
        results[str(lr)] = [w2 * x + b2 for x in xs]
    small, large = results["1/100"], results["1"]
    if all(p > 0 for p in pre_before) and all(p > 0 for p in small) and all(p < 0 for p in large):
        return proved(
            "data x = (1, 2), targets (-1, -2), unit v*relu(w x + b) with w = 1, b = 0 is "
            "active on both points; one full-batch step with learning rate 1 leaves it "
            "negative on both (dead), with learning rate 1/100 it stays active. Once dead, "
            "it stays so in the first layer under plain SGD (dead.permanent_first_layer)",
            pre_activations_before=[str(p) for p in pre_before],
            gradient_w=str(gw),
            gradient_b=str(gb),
            pre_activations_after_lr_1=[str(p) for p in large],
            pre_activations_after_lr_1_100=[str(p) for p in small],
        )
    return undecided("the construction did not behave as intended", after=str(results))


@_claim(
    "dead_relu_is_irreversible",
    r"A dead ReLU unit (zero output on every input of the dataset) can never revive.",
    DOC_PYNOTE,
    "死掉的ReLU是不可逆的,即它无法再“正常”地活过来,因为对于所有的input,它的输出都是0,"
    "这时按照BP算法规则,它的weight和bias无法得到更新。",
    REFUTED,
    Method.COUNTEREXAMPLE,
    translation="A dead ReLU is irreversible: it cannot come back to life, because its output "
    "is 0 for every input, and then by the rules of backpropagation its weights and bias "
    "cannot be updated.",
)
def _irreversible_002() -> Verdict:
    return _by("dead.second_layer_revives", negated=True)


@_claim(
    "minibatch_average_keeps_partial_units_alive",
    r"A unit that is zero on some inputs of a minibatch but not on all still gets a nonzero "
    r"averaged gradient: ``dead'' needs every input of the dataset.",
    DOC_PYNOTE,
    "可能有些ReLU对某个input输出0,但是对其它的input输出就不是0,这样计算平均,梯度为非0,"
    "其对应的weights和bias依然可以得到更新。",
    PROVED,
    Method.COUNTEREXAMPLE,
    translation="Some ReLUs may output 0 for one input but not for others; averaged, the "
    "gradient is nonzero, and their weights and bias can still be updated.",
)
def _minibatch() -> Verdict:
    return _by("dead.minibatch_nuance")


# ---------------------------------------------------------------------------------------
# 003: handwritten notes on dying ReLU and its variants


@_claim(
    "negative_z_zero_derivative",
    r"If $z_1 < 0$ then $a_1 = \max(0, z_1) = 0$ and $\partial a_1 / \partial z_1 = 0$.",
    DOC_NOTES,
    r"$$\text{if } z_1 < 0$$"
    "\n\n"
    r"$$\text{then } a_1 = 0$$"
    "\n\n"
    r"$$\text{then } \frac{\partial a_1}{\partial z_1} = 0 \quad \text{--- (iii)}$$",
    PROVED,
)
def _negative_z() -> Verdict:
    negative = sp.Symbol("z_1", negative=True)
    value = get("relu").expr.subs(z, negative)
    slope = _relu_derivative().subs(z, negative)
    if value == 0 and slope == 0:
        return proved("both are exactly 0 for a symbol known to be negative",
                      a1=str(value), da1_dz1=str(slope))  # fmt: skip
    return undecided("did not reduce to 0")


@_claim(
    "chain_rule_for_w1",
    r"$\frac{\partial L}{\partial w_1} = \frac{\partial L}{\partial \hat y}\cdot"
    r"\frac{\partial \hat y}{\partial a_1}\cdot\frac{\partial a_1}{\partial z_1}\cdot"
    r"\frac{\partial z_1}{\partial w_1}$ for $z_1 = w_1x_1 + w_2x_2 + b_1$.",
    DOC_NOTES,
    r"\frac{\partial L}{\partial w_1} = \frac{\partial L}{\partial \hat{y}} \cdot "
    r"\frac{\partial \hat{y}}{\partial a_1} \cdot \frac{\partial a_1}{\partial z_1} \cdot "
    r"\frac{\partial z_1}{\partial w_1}",
    PROVED,
)
def _chain_rule() -> Verdict:
    checks = {loss: backprop.chain_rule_identity(loss) for loss in backprop.LOSSES}
    if all(checks.values()):
        return proved(
            "SymPy's derivative of L(yhat(f(z1(w1)))) equals the four-factor product for an "
            "arbitrary differentiable f, with squared-error and cross-entropy losses",
            losses=checks,
        )
    return refuted("the product differs from the derivative", losses=checks)


@_claim(
    "dead_input_no_update",
    r"With $z_1 < 0$, gradient descent leaves $w_1$ and $w_2$ (and $b_1$) unchanged on that "
    r"input.",
    DOC_NOTES,
    "due to this the equation\n\n"
    r"$$w_1 = w_1 \quad \text{and} \quad w_2 = w_2$$"
    "\n\n"
    "there is no update",
    PROVED,
)
def _no_update() -> Verdict:
    rule = backprop.chain_rule("relu", "squared")
    if rule.dead_all_zero:
        return proved(
            "dL/dw1 = dL/dw2 = dL/db1 = 0 exactly when z1 < 0 (per input; over a dataset, "
            "when z1 < 0 on every input, see dead.zero_gradient)",
            dead_gradients={n: str(g) for n, g in rule.dead_gradients},
        )
    return refuted("a gradient survived", dead_gradients=str(rule.dead_gradients))


@_claim(
    "dead_neuron_not_recoverable",
    r"A dead ReLU neuron is not recoverable.",
    DOC_NOTES,
    "dead neuron is not ~~too~~ recoverable.",
    REFUTED,
    Method.COUNTEREXAMPLE,
)
def _irreversible_003() -> Verdict:
    return _by("dead.second_layer_revives", negated=True)


@_claim(
    "leaky_relu_is_max",
    r"$\max(0.01z, z)$ is Leaky ReLU with slope $0.01$ (true for any slope in $[0, 1]$).",
    DOC_NOTES,
    r"$$f(z) = \max(0.01z, z)$$",
    PROVED,
)
def _leaky_max() -> Verdict:
    a = get("leaky_relu")
    expr = a.expr.subs(a.bind())
    neg, pos = sp.Symbol("t", negative=True), sp.Symbol("t", positive=True)
    as_max = sp.Max(z / 100, z)
    agree = [sp.simplify(as_max.subs(z, p) - expr.subs(z, p)) == 0 for p in (neg, pos, sp.S.Zero)]
    if all(agree):
        return proved("max(z/100, z) equals the catalogue's Leaky ReLU for z < 0, z > 0, z = 0",
                      checked=["z < 0", "z > 0", "z = 0"])  # fmt: skip
    return refuted("they differ", agree=agree)


@_claim(
    "leaky_relu_derivative_at_zero",
    r"Leaky ReLU has derivative $1$ at $z = 0$ (``$f'(z)$ for $z \ge 0$ is 1'').",
    DOC_NOTES,
    r"$$\text{value of } f'(z) \text{ for } z \geq 0 \rightarrow 1$$",
    REFUTED,
)
def _leaky_at_zero() -> Verdict:
    bp = derive("leaky_relu").breakpoints[0]
    values = derive("leaky_relu").values
    if not bp.differentiable:
        return refuted(
            "Leaky ReLU is not differentiable at 0: f'(0-) = 1/100, f'(0+) = 1; 1 is only "
            "the right derivative (a framework's convention, not the derivative)",
            left_derivative=str(bp.left_derivative.subs(values)),
            right_derivative=str(bp.right_derivative.subs(values)),
        )
    return proved("differentiable at 0")


@_claim(
    "leaky_relu_unbounded_both_ways",
    r"Leaky ReLU is non-saturating: unbounded in both directions.",
    DOC_NOTES,
    "Non-saturated. (unbounded in both direction)",
    PROVED,
)
def _leaky_unbounded() -> Verdict:
    d = derive("leaky_relu")
    if d.limits["f(-oo)"] == -sp.oo and d.limits["f(+oo)"] == sp.oo:
        return proved("lim f = -oo at -oo and +oo at +oo (slope 1/100 > 0)",
                      limits={k: str(v) for k, v in d.limits.items()})  # fmt: skip
    return refuted("bounded on one side", limits=str(d.limits))


@_claim(
    "leaky_relu_no_dying",
    r"Leaky ReLU has no dying-ReLU problem: $f'(z) \neq 0$ for every $z$.",
    DOC_NOTES,
    "No dying ReLU",
    PROVED,
)
def _leaky_no_dying() -> Verdict:
    return _by("dead.no_exact_death")


@_claim(
    "leaky_relu_close_to_zero_centred",
    r"Leaky ReLU (slope $0.01$) is close to zero-centred, by this criterion: for "
    r"$z \sim \mathcal N(0,1)$, $|E[f(z)]| \le \tfrac12 E[\mathrm{ReLU}(z)]$, i.e. the leak "
    r"moves the mean at least halfway from ReLU's $1/\sqrt{2\pi}$ towards $0$.",
    DOC_NOTES,
    "close to zero-centered.",
    REFUTED,
)
def _leaky_centred() -> Verdict:
    return leaky_centred_verdict(get("leaky_relu").defaults[_SLOPE])


_SLOPE = get("leaky_relu").symbols["negative_slope"]
CENTRED_FRACTION = sp.Rational(1, 2)  # the criterion: |E[f]| <= this * E[ReLU]


def leaky_centred_verdict(slope: Any) -> Verdict:
    """Decide the criterion |E[leaky(z)]| <= 1/2 E[relu(z)], z ~ N(0, 1), for one slope.

    Both means are integrated exactly from the catalogue (leaky's in the symbolic slope, then
    checked against (1 - a)/sqrt(2 pi)), so the comparison is between exact numbers."""
    slope = sp.nsimplify(slope) if isinstance(slope, float) else sp.sympify(slope)
    relu_mean = _gaussian_mean("relu")
    leaky_in_slope = _gaussian_mean("leaky_relu", symbolic=True)
    closed_form = (1 - _SLOPE) / sp.sqrt(2 * sp.pi)
    if (
        sp.simplify(leaky_in_slope - closed_form) != 0
        or sp.simplify(relu_mean - 1 / sp.sqrt(2 * sp.pi)) != 0
    ):
        return undecided(
            "the integrated means are not (1 - a)/sqrt(2 pi) and 1/sqrt(2 pi)",
            leaky_mean=str(leaky_in_slope),
            relu_mean=str(relu_mean),
        )
    leaky_mean = sp.simplify(leaky_in_slope.subs(_SLOPE, slope))
    ratio = sp.simplify(sp.Abs(leaky_mean) / relu_mean)
    # where the criterion holds, over all slopes a >= 0: |1 - a| <= 1/2
    holds_for = sp.solveset(sp.Abs(1 - _SLOPE) <= CENTRED_FRACTION, _SLOPE, sp.Interval(0, sp.oo))
    certificate = {
        "slope": str(slope),
        "leaky_mean": str(leaky_mean),
        "leaky_mean_value": str(sp.N(leaky_mean, 15)),
        "relu_mean": str(relu_mean),
        "relu_mean_value": str(sp.N(relu_mean, 15)),
        "leaky_mean_in_the_slope": str(leaky_in_slope),
        "ratio": str(ratio),
        "criterion": f"|E[f]| <= {CENTRED_FRACTION} E[ReLU]",
        "criterion_holds_for_slopes": str(holds_for),
    }
    if not ratio.is_Rational:
        return undecided(f"the ratio {ratio} is not an exact rational", **certificate)
    if isinstance(holds_for, sp.Interval) and not (holds_for.left_open or holds_for.right_open):
        where = f"the criterion holds exactly for slopes in [{holds_for.inf}, {holds_for.sup}]"
    else:
        where = f"the criterion holds exactly for slopes in {holds_for}"
    text = (
        f"E[LeakyReLU(z)] = (1 - {slope})/sqrt(2 pi) = {sp.N(leaky_mean, 6)} against ReLU's "
        f"1/sqrt(2 pi) = {sp.N(relu_mean, 6)}: the ratio of their sizes is {ratio}"
    )
    if ratio <= CENTRED_FRACTION:
        return proved(f"{text} <= {CENTRED_FRACTION}; {where}", **certificate)
    return refuted(
        f"{text} > {CENTRED_FRACTION}, the slope barely moves the mean; {where}", **certificate
    )


def _gaussian_mean(name: str, symbolic: bool = False) -> sp.Expr:
    """E[f(z)] for z ~ N(0, 1), integrated piece by piece from the catalogue's definition:
    at the default parameters, or (`symbolic`) in the parameters' symbols."""
    a = get(name)
    values = {} if symbolic else a.bind()
    density = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    total = sp.S.Zero
    for piece in a.pieces:
        total += sp.integrate(piece.expr.subs(values) * density, (z, piece.lo, piece.hi))
    return sp.simplify(total)


@_claim(
    "elu_continuous_everywhere",
    r"ELU is continuous at every point, for every $\alpha > 0$.",
    DOC_NOTES,
    "continuous at every point",
    PROVED,
)
def _elu_continuous() -> Verdict:
    bp = derive("elu").breakpoints[0]
    if bp.continuous_condition == sp.true:
        return proved(
            "both pieces are continuous and f(0-) = alpha(e^0 - 1) = 0 = f(0+) for every alpha",
            left=str(bp.left_value),
            right=str(bp.right_value),
        )
    return refuted("a jump at 0", condition=str(bp.continuous_condition))


@_claim(
    "elu_always_differentiable",
    r"ELU is differentiable everywhere (with $\alpha$ in the notes' range 0.1 to 0.3).",
    DOC_NOTES,
    "always differentiable.",
    REFUTED,
)
def _elu_differentiable() -> Verdict:
    return _by("smooth.elu_always_differentiable")


@_claim(
    "elu_derivative_identity",
    r"$\mathrm{ELU}'(x) = \mathrm{ELU}(x) + \alpha$ for $x \le 0$.",
    DOC_NOTES,
    r"$$ELU'(x) = \begin{cases} 1 & \text{if } x > 0 \\ ELU(x) + \alpha & "
    r"\text{if } x \leq 0 \end{cases}$$",
    PROVED,
)
def _elu_identity() -> Verdict:
    return _by("smooth.elu_identity")


@_claim(
    "elu_no_dying",
    r"ELU has no dying-ReLU problem: $f'(z) \ne 0$ for every $z$.",
    DOC_NOTES,
    "there no dying ReLU problem.",
    PROVED,
)
def _elu_no_dying() -> Verdict:
    v = _by("dead.no_exact_death")
    if v.status is PROVED:
        return Verdict(
            PROVED,
            v.summary + ". But ELU saturates: f'(z) = alpha e^z -> 0 as z -> -oo, so a unit "
            "driven far negative learns arbitrarily slowly",
            v.certificate,
        )
    return v


@_claim(
    "elu_closer_to_zero_centred_than_relu",
    r"ELU's outputs are closer to zero-centred than ReLU's: for $z \sim \mathcal N(0,1)$ "
    r"and $\alpha$ in the notes' range $[0.1, 0.3]$ (or PyTorch's $\alpha = 1$), "
    r"$|E[\mathrm{ELU}(z)]| < E[\mathrm{ReLU}(z)]$.",
    DOC_NOTES,
    "values are close to zero centered hence convergence is faster.",
    PROVED,
)
def _elu_centred() -> Verdict:
    density = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)
    # E[ELU] = E[ReLU] + alpha * n with n = E[(e^z - 1); z < 0] < 0, so
    # |E[ELU]| < E[ReLU]  <=>  0 < alpha < -2 E[ReLU] / n
    n = sp.simplify(sp.integrate((sp.exp(z) - 1) * density, (z, -sp.oo, 0)))
    relu_mean = _gaussian_mean("relu")
    if not (n < 0) == sp.true:
        return undecided("the sign of E[(e^z - 1); z < 0] did not come out")
    alpha_limit = sp.simplify(-2 * relu_mean / n)
    means = {
        str(v): str(sp.N(relu_mean + v * n, 12))
        for v in (sp.Rational(1, 10), sp.Rational(3, 10), sp.Integer(1), sp.Integer(4))
    }
    if (alpha_limit > 1) == sp.true:
        return proved(
            "E[ELU(z)] = E[ReLU(z)] + alpha n with n = e^(1/2) erfc(1/sqrt 2)/2 - 1/2 < 0, so "
            f"|E[ELU]| < E[ReLU] exactly when alpha < {sp.N(alpha_limit, 6)}: true for the "
            "notes' 0.1 to 0.3 and for alpha = 1, false for larger alpha (then the mean is "
            "more negative than ReLU's is positive)",
            n=str(n),
            alpha_limit=str(alpha_limit),
            alpha_limit_value=str(sp.N(alpha_limit, 15)),
            means_for_alpha=means,
            relu_mean=str(relu_mean),
        )
    return refuted("the bound on alpha is below 1", alpha_limit=str(alpha_limit))


@_claim(
    "selu_alpha_constant",
    r"$\alpha_{01} \approx 1.67732632423543$.",
    DOC_NOTES,
    r"\alpha \approx 1.67732632423543",
    REFUTED,
    Method.INTERVAL,
)
def _selu_alpha() -> Verdict:
    return _by("selu.seed_alpha_typo")


@_claim(
    "selu_lambda_constant",
    r"$\lambda_{01} \approx 1.050700987355460$.",
    DOC_NOTES,
    r"\lambda \approx 1.050700987355460",
    REFUTED,
    Method.INTERVAL,
)
def _selu_lambda() -> Verdict:
    return _by("selu.seed_lambda_digits")


@_claim(
    "selu_derivative",
    r"$\mathrm{SELU}'(x) = \lambda$ for $x > 0$ and $\lambda\alpha e^x$ for $x \le 0$.",
    DOC_NOTES,
    r"\text{SELU}'(x) = \lambda \begin{cases} 1 & \text{if } x > 0 \\ \alpha e^x & "
    r"\text{if } x \leq 0 \end{cases}",
    PROVED,
)
def _selu_derivative() -> Verdict:
    a = get("selu")
    lam, alpha = a.symbols["lambda"], a.symbols["alpha"]
    left, right = derive("selu").piece_derivatives
    bp = derive("selu").breakpoints[0]
    if sp.simplify(left - lam * alpha * sp.exp(z)) == 0 and sp.simplify(right - lam) == 0:
        return proved(
            "the pieces' derivatives are lambda*alpha*e^x (x < 0) and lambda (x > 0); at x = 0 "
            "the formula gives the left derivative: SELU is not differentiable there "
            f"(differentiable iff {bp.differentiable_condition}, and alpha_01 != 1)",
            pieces=[str(left), str(right)],
            differentiable_at_0=bp.differentiable,
        )
    return refuted("the derivative differs", pieces=[str(left), str(right)])


@_claim(
    "selu_always_normalises",
    r"SELU activations have mean 0 and standard deviation 1 (whatever the inputs).",
    DOC_NOTES,
    "it is self normalizing. (activation is normalized)\nmeans. mean of actions = 0\n"
    "standard deviation = 1",
    REFUTED,
    Method.COUNTEREXAMPLE,
)
def _selu_normalises() -> Verdict:
    fixed = verdict_of("selu.fixed_point")
    counterexample = selu_normalisation_verdict(1, 1)
    if fixed.status is PROVED and counterexample.status is REFUTED:
        return refuted(
            "only at the fixed point: for z ~ N(0, 1) the mean is 0 and the variance 1 "
            "exactly (selu.fixed_point), and nearby moments are attracted to it "
            f"(selu.contraction); {counterexample.summary}",
            **counterexample.certificate,
        )
    return undecided(
        "the counterexample did not come out",
        fixed_point=fixed.status.value,
        counterexample=counterexample.to_dict(),
    )


SELU_ENCLOSURE_BITS = 128


def selu_normalisation_verdict(mean: Any, variance: Any) -> Verdict:
    """Decide "selu(z) has mean 0 and variance 1" for z ~ N(mean, variance).

    The paper's closed forms of the moments (proved equal to the integrals by
    selu.moments_closed_form) are enclosed in arb balls; a ball that excludes the claimed
    value refutes the claim. At N(0, 1) the balls contain 0 and 1 (the moments are exactly
    those there), so this decides nothing and says so."""
    from proofs.selu import enclose, moments_sympy

    a = get("selu")
    values = a.bind()
    moments = moments_sympy(mean, variance, values[a.symbols["alpha"]], values[a.symbols["lambda"]])
    balls = {
        "mean": (enclose(moments.mean, SELU_ENCLOSURE_BITS), 0),
        "variance": (enclose(moments.variance, SELU_ENCLOSURE_BITS), 1),
    }
    certificate = {
        "input": f"z ~ N({mean}, {variance})",
        "precision_bits": SELU_ENCLOSURE_BITS,
        **{f"{name}_ball": ball.str(20, radius=True) for name, (ball, _) in balls.items()},
        "moments_from": "the closed forms of selu.moments_closed_form",
    }
    missed = [f"the {name} ball {ball.str(10, radius=True)} excludes {claimed}"
              for name, (ball, claimed) in balls.items() if not ball.contains(claimed)]  # fmt: skip
    if missed:
        return refuted(f"for z ~ N({mean}, {variance}): " + "; ".join(missed), **certificate)
    return undecided(
        f"for z ~ N({mean}, {variance}) the balls contain mean 0 and variance 1", **certificate
    )
