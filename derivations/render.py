"""Derivation objects -> a standalone LaTeX document (compiles with pdflatex) and Markdown.

Both renderings walk the same `Section` model, built once per activation from its
`Derivation` and `ChainRule`, so the two formats never disagree. Output is
deterministic: the same input gives identical bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derivations import backprop
from derivations.calculus import DIES, NEITHER, SATURATES, Derivation, derive
from derivations.catalogue import latex_names


def tex(expr) -> str:
    return sp.latex(expr, symbol_names=latex_names())


def approx(expr, digits: int = 10) -> str:
    """` \\approx 1.673263242` for an irrational constant, '' for a plain rational."""
    if isinstance(expr, sp.Basic) and expr.is_number and not expr.is_Rational:
        value = sp.N(expr, digits)
        if value.is_real:
            return rf" \approx {sp.latex(value)}"
    return ""


# ---------------------------------------------------------------------------------------
# The document model: a section is a list of blocks; a block is prose or a display.


@dataclass(frozen=True)
class Prose:
    text: str  # inline math between $...$ is valid in both LaTeX and Markdown
    latex_text: str = ""  # shown instead in LaTeX when `text` cannot be typeset there


@dataclass(frozen=True)
class Display:
    latex: str


@dataclass(frozen=True)
class Code:
    text: str  # shown verbatim (certificates, numbers, quotes)
    latex_text: str = ""  # shown instead in LaTeX when `text` cannot be typeset there


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple


def _condition_text(condition, verdict: bool, values_text: str) -> str:
    if condition in (sp.true, sp.false):
        return "always" if condition == sp.true else "never"
    yes = "holds" if verdict else "fails"
    return f"iff ${tex(condition)}$ (which {yes} at {values_text})"


def _values_text(d: Derivation) -> str:
    if not d.values:
        return "these values"
    return ", ".join(f"${tex(s)} = {tex(v)}{approx(v, 8)}$" for s, v in d.values.items())


def activation_section(name: str, overrides: dict | None = None) -> Section:
    d = derive(name, overrides)
    a = d.activation
    vals = _values_text(d)
    blocks: list = []

    blocks.append(Heading("Definition"))
    blocks.append(Display(rf"{a.title}(z) = {tex(a.expr)}"))
    if a.params:
        rows, closed_forms = [], []
        for p in a.params:
            learn = ", learnable" if p.learnable else ""
            law = (
                f", drawn from $U({tex(p.uniform_between[0])}, {tex(p.uniform_between[1])})$"
                if p.uniform_between
                else ""
            )
            value = d.values[p.symbol]
            shown = tex(value) if value.is_Rational else f"{sp.N(value, 17)}\\ldots"
            rows.append(
                f"${tex(p.symbol)}$ (`{p.name}`): {p.description}{learn}{law}; "
                f"domain ${tex(p.domain)}$; value ${shown}$."
            )
            if not value.is_Rational:
                closed_forms.append(rf"{tex(p.symbol)} = {tex(value)}")
        blocks.append(Prose("Parameters: " + " ".join(rows)))
        if closed_forms:
            blocks.append(Prose("Exact values used (closed forms):"))
            blocks.extend(Display(cf) for cf in closed_forms)
    if a.citation:
        blocks.append(Prose(f"Source: {a.citation}."))
    if a.note:
        blocks.append(Prose(a.note))

    blocks.append(Heading("Derivatives"))
    where = ""
    if a.breakpoints:
        where = " (away from the breakpoints; at them see below)"
    blocks.append(Prose(f"Derived by SymPy from the definition{where}:"))
    blocks.append(Display(rf"{a.title}'(z) = {tex(d.derivative)}"))
    blocks.append(Display(rf"{a.title}''(z) = {tex(d.second_derivative)}"))
    for pname, deriv in d.param_derivatives.items():
        sym = tex(a.param(pname).symbol)
        blocks.append(Prose(f"The slope ${sym}$ is learned, so backpropagation also needs:"))
        blocks.append(Display(rf"\frac{{\partial {a.title}}}{{\partial {sym}}} = {tex(deriv)}"))

    if d.breakpoints:
        blocks.append(Heading("Breakpoints"))
        for b in d.breakpoints:
            blocks.append(
                Display(
                    rf"z = {tex(b.at)}:\quad f({tex(b.at)}^-) = {tex(b.left_value)},\;"
                    rf" f({tex(b.at)}^+) = {tex(b.right_value)},\;"
                    rf" f'({tex(b.at)}^-) = {tex(b.left_derivative)},\;"
                    rf" f'({tex(b.at)}^+) = {tex(b.right_derivative)}"
                )
            )
            smooth = f"$C^{{{b.smoothness}}}$" if b.smoothness >= 0 else "discontinuous"
            text = (
                f"At $z = {tex(b.at)}$: continuous "
                f"{_condition_text(b.continuous_condition, b.continuous, vals)}; "
                f"differentiable "
                f"{_condition_text(b.differentiable_condition, b.differentiable, vals)}. "
                f"Smoothness there: {smooth}."
            )
            if not b.differentiable:
                lo, hi = b.subgradient
                text += (
                    f" It is a kink: the subgradient (Clarke) is the interval "
                    f"$[{tex(lo)}, {tex(hi)}]$"
                )
                text += " which contains 0." if _contains_zero(d, lo, hi) else "."
            blocks.append(Prose(text))

    blocks.append(Heading("Limits, range and monotonicity"))
    f_lo, f_hi = tex(d.limits["f(-oo)"]), tex(d.limits["f(+oo)"])
    df_lo, df_hi = tex(d.limits["f'(-oo)"]), tex(d.limits["f'(+oo)"])
    blocks.append(
        Display(
            rf"\lim_{{z\to-\infty}} f = {f_lo},\quad \lim_{{z\to+\infty}} f = {f_hi},\quad "
            rf"\lim_{{z\to-\infty}} f' = {df_lo},\quad \lim_{{z\to+\infty}} f' = {df_hi}"
        )
    )
    blocks.append(
        Prose(
            f"Range: ${tex(d.range)}$. Monotonicity: {d.monotonicity}. "
            f"Smoothness on $\\mathbb{{R}}$: "
            + ("$C^\\infty$." if d.smoothness is None else f"$C^{{{d.smoothness}}}$.")
        )
    )

    blocks.append(Heading("Zero-gradient set and death"))
    zs = d.zero_gradient_set
    numeric = (
        " The isolated zeros are located numerically (sign change on a grid, refined by "
        "mpmath to 30 digits)."
        if zs.numeric and zs.points
        else ""
    )
    blocks.append(Display(rf"\{{z : f'(z) = 0\}} = {tex(zs.as_set)}"))
    verdict = {
        DIES: "The set has positive measure: a unit whose pre-activation stays in it on every "
        "input gets exactly zero gradient, so a unit with this activation **can die**.",
        SATURATES: "The set has measure zero, so no unit can die exactly; but $f' \\to 0$ at an "
        "infinity, so a unit driven far out **saturates**: its gradient vanishes "
        "asymptotically.",
        NEITHER: "The set has measure zero and $f'$ stays away from 0 at both infinities: a unit "
        "with this activation can **neither** die nor saturate.",
    }[d.death]
    blocks.append(Prose(verdict + numeric))

    blocks.extend(_chain_rule_blocks(name, overrides, d))
    return Section(f"{a.name}: ${a.title}$", tuple(blocks))


def activation_data(name: str, overrides: dict | None = None) -> dict:
    """The JSON form of one activation: its derivation and its chain rules."""
    row = derive(name, overrides).to_dict()
    row["chain_rule"] = {
        loss: backprop.chain_rule(name, loss, overrides).to_dict() for loss in backprop.LOSSES
    }
    row["chain_rule"]["two_units"] = backprop.two_units(name, overrides).to_dict()
    return row


def _contains_zero(d: Derivation, lo, hi) -> bool:
    lo_v, hi_v = sp.N(lo.subs(d.values), 30), sp.N(hi.subs(d.values), 30)
    return bool(lo_v <= 0 <= hi_v)


def _chain_rule_blocks(name: str, overrides: dict | None, d: Derivation) -> list:
    rule = backprop.chain_rule(name, "squared", overrides)
    blocks: list = [Heading("Chain rule and the dead unit")]
    blocks.append(
        Prose(
            "The source documents' network: $z_1 = w_1 x_1 + w_2 x_2 + b_1$, $a_1 = f(z_1)$, "
            "$\\hat{y} = v a_1 + c$, $L = \\tfrac12(\\hat{y} - y)^2$. Each factor by SymPy:"
        )
    )
    names = " ".join(n for n, _ in rule.factors)
    blocks.append(Display(rf"\frac{{\partial L}}{{\partial w_1}} = {names}"))
    blocks.append(Display(r" \cdot ".join(rf"\left({tex(f)}\right)" for _, f in rule.factors)))
    blocks.append(Display(rf"\frac{{\partial L}}{{\partial w_1}} = {tex(rule.product)}"))
    check = (
        "SymPy confirms that this product equals the derivative of the composite "
        "$L(\\hat{y}(f(z_1(w_1))))$ for an arbitrary differentiable $f$."
        if rule.matches_direct
        else "WARNING: the product did not match direct differentiation."
    )
    blocks.append(Prose(check))
    blocks.append(Prose("Dead condition $z_1 < 0$ substituted into all three gradients:"))
    blocks.append(
        Display(
            r",\quad ".join(
                rf"\left.\frac{{\partial L}}{{\partial {tex(sp.Symbol(n[3:]))}}}"
                rf"\right|_{{z_1<0}} = {tex(g)}"
                for n, g in rule.dead_gradients
            )
        )
    )
    if rule.dead_all_zero:
        blocks.append(
            Prose(
                "All three are exactly 0 whatever the loss gradient, the input and the "
                "weights above: gradient descent cannot move $w_1, w_2, b_1$ on such an input."
            )
        )
    else:
        w = rule.witness or {}
        blocks.append(
            Prose(
                "Not identically zero: at "
                + ", ".join(f"${k} = {v}$" for k, v in w.items() if not k.startswith("dL"))
                + f" it equals ${w.get('dL/dw1 (30 digits)', '?')[:14]}\\ldots \\neq 0$, "
                "so the weights still move."
                if w
                else "Not identically zero."
            )
        )
    pair = backprop.two_units(name, overrides)
    blocks.append(
        Prose(
            "A dead unit beside a live one: $\\hat{y} = v_1 f(z_1) + v_2 f(z_2) + c$, with "
            "$z_1 < 0$ and $z_2 > 0$ imposed through the biases ($b_i = \\beta_i - w_i^\\top x$):"
        )
    )
    blocks.append(
        Display(
            r",\quad ".join(
                rf"\frac{{\partial L}}{{\partial {tex(sp.Symbol(n[3:]))}}} = {tex(g)}"
                for n, g in (pair.dead_unit[0], pair.live_unit[0])
            )
        )
    )
    blocks.append(
        Prose(
            (
                "The dead unit's weights get exactly 0 while the live unit keeps learning"
                if pair.dead_unit_all_zero
                else "Both units keep a gradient"
            )
            + f" (at $x = (1, 1)$, all weights 1, $\\beta = (-1, 1/2)$, $y = 1/3$: "
            f"$\\partial L/\\partial w_{{21}} = {pair.live_unit_witness[:12]}\\ldots$)."
        )
    )
    blocks.append(Heading("The L-layer matrix form"))
    blocks.append(
        Prose(
            "For a network with this activation in every hidden layer, backpropagation is the "
            "delta recursion with $f'$ as above (where $f' = 0$ on a set the unit's "
            "$\\delta$ is 0, and so is its row of $\\partial L/\\partial W_l$):"
        )
    )
    for line in backprop.MATRIX_FORM:
        blocks.append(Display(line))
    return blocks


# ---------------------------------------------------------------------------------------
# LaTeX


PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{lmodern}
\usepackage[T1]{fontenc}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\title{%(title)s}
\author{reluproof %(version)s}
\date{}
\begin{document}
\maketitle
"""


def _latex_prose(text: str) -> str:
    out, math = [], False
    for i, part in enumerate(text.split("$")):
        math = i % 2 == 1
        if math:
            out.append(f"${part}$")
        else:
            part = part.replace("**", "\x00")
            pieces = part.split("\x00")
            part = "".join(
                (r"\textbf{" + _escape(p) + "}") if j % 2 else _escape(p)
                for j, p in enumerate(pieces)
            )
            out.append(part)
    return "".join(out)


_UNICODE_FOR_LATEX = {
    "≤": "<=", "≥": ">=", "≠": "!=", "≈": "~", "−": "-", "–": "--", "—": "---", "…": "...",
    "×": "x", "·": "*", "→": "->", "∈": " in ", "∞": "oo", "√": "sqrt", "²": "^2", "³": "^3",
    "“": '"', "”": '"', "‘": "'", "’": "'", "α": "alpha", "β": "beta", "γ": "gamma",
    "δ": "delta", "ε": "eps", "η": "eta", "θ": "theta", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "σ": "sigma", "τ": "tau", "φ": "phi", "ω": "omega", "Φ": "Phi",
    "ψ": "psi", "Ψ": "Psi", "Δ": "Delta", "∂": "d", "⊙": "(.)", "±": "+-",
}  # fmt: skip


def _ascii(text: str) -> str:
    """Plain text pdflatex can set: common symbols spelled out, anything else as '?'."""
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
        else:
            out.append(_UNICODE_FOR_LATEX.get(ch, "?"))
    return "".join(out)


def _escape(text: str) -> str:
    text = _ascii(text)
    text = text.replace("\\", r"\textbackslash{}")
    for ch in "&%#_{}$":
        text = text.replace(ch, "\\" + ch)
    text = text.replace("`", "").replace("~", r"\textasciitilde{}").replace("^", r"\^{}")
    return text


def _latex_code(text: str) -> str:
    """Verbatim-looking text that may break anywhere (long numbers would overflow)."""
    lines = []
    for line in _ascii(text).splitlines() or [""]:
        chunks = [_escape(line[i : i + 8]) for i in range(0, len(line), 8)]
        # an empty line needs a box to end, or LaTeX stops: "There's no line here to end"
        lines.append("\\allowbreak{}".join(chunks) or "\\mbox{}")
    return "{\\small\\ttfamily\\raggedright " + "\\\\\n".join(lines) + "\\par}\n\n"


def _latex_display(latex: str) -> str:
    # shrink (never enlarge) a display that is wider than the line
    return (
        "\\[\n\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}"
        "{$\\displaystyle " + latex + "$}\n\\]\n"
    )


def latex_document(sections: list[Section], title: str, version: str) -> str:
    out = [PREAMBLE % {"title": _escape(title), "version": version}]
    for section in sections:
        heading = _latex_prose(section.title)
        out.append(f"\\section{{{heading}}}\n")
        for block in section.blocks:
            if isinstance(block, Heading):
                out.append(f"\\subsection*{{{_escape(block.text)}}}\n")
            elif isinstance(block, Prose):
                out.append(_latex_prose(block.latex_text or block.text) + "\n\n")
            elif isinstance(block, Code):
                out.append(_latex_code(block.latex_text or block.text))
            else:
                out.append(_latex_display(block.latex))
    out.append("\\end{document}\n")
    return "".join(out)


def markdown_document(sections: list[Section], title: str, version: str) -> str:
    out = [f"# {title}\n\n_reluproof {version}_\n\n"]
    for section in sections:
        out.append(f"## {section.title}\n\n")
        for block in section.blocks:
            if isinstance(block, Heading):
                out.append(f"### {block.text}\n\n")
            elif isinstance(block, Prose):
                out.append(block.text + "\n\n")
            elif isinstance(block, Code):
                out.append("```\n" + block.text + "\n```\n\n")
            else:
                out.append("$$\n" + block.latex + "\n$$\n\n")
    return "".join(out)
