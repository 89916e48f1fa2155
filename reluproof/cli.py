"""`reluproof <verb>`: the command line.

Exit status: 0 success; 1 a check failed or a theorem's verdict differs from what it
expects; 2 usage or input error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence

from derivations.errors import ReluproofError
from reluproof import __version__
from reluproof.parallel import default_jobs

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


JOBS_HELP = "worker processes (default: the number of cores, at most 4; 1 = no workers)"


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors: one line, exit 2
        self.exit(EXIT_USAGE, f"reluproof: error: {message} (see `{self.prog} --help`)\n")


def _progress(quiet: bool) -> Callable[[str], None]:
    def say(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)

    return say


def _emit(text: str, output: str | None) -> None:
    from numeric.output import write_atomic

    if output:
        write_atomic(output, text)
    else:
        sys.stdout.write(text)


# ---------------------------------------------------------------------------------------
# list


def cmd_list(args) -> int:
    from derivations.catalogue import CATALOGUE

    rows = [a.to_dict() for a in CATALOGUE.values()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    header = ("name", "parameters (defaults)", "breakpoints", "source")
    table = []
    for a in CATALOGUE.values():
        params = ", ".join(
            f"{p.name}={_short(p.default)}" + ("*" if p.learnable else "") for p in a.params
        )
        breaks = ", ".join(str(b) for b in a.breakpoints) or "-"
        name = a.name + (f" ({', '.join(a.aliases)})" if a.aliases else "")
        table.append((name, params or "-", breaks, a.citation))
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(3)]
    for row in [header, *table]:
        print("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
    print("\n* learnable parameter. `reluproof derive NAME` shows the full calculus.")
    return EXIT_OK


def _short(value) -> str:
    return str(value) if value.is_Rational else f"{float(value):.16g}"


# ---------------------------------------------------------------------------------------
# derive


def _parse_params(items: Sequence[str]) -> list[tuple[str | None, str, str]]:
    """NAME=VALUE or ACTIVATION.NAME=VALUE -> (activation or None, name, value)."""
    parsed = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ReluproofError(
                f"--param {item!r}: expected NAME=VALUE (e.g. alpha=0.2 or elu.alpha=0.2)."
            )
        target, dot, name = key.strip().rpartition(".")
        parsed.append((target if dot else None, name, value.strip()))
    return parsed


def _overrides_for(names: list[str], params) -> dict[str, dict[str, str]]:
    from derivations.catalogue import get

    overrides: dict[str, dict[str, str]] = {n: {} for n in names}
    for target, pname, value in params:
        if target is not None:
            canonical = get(target).name
            if canonical not in overrides:
                raise ReluproofError(
                    f"--param {target}.{pname}: {canonical} is not among the activations "
                    "being derived."
                )
            get(canonical).param(pname)  # raises for an unknown parameter
            overrides[canonical][pname] = value
            continue
        takers = [n for n in names if pname in get(n).symbols]
        if not takers:
            raise ReluproofError(
                f"--param {pname}={value}: none of {', '.join(names)} has a parameter {pname!r}."
            )
        for n in takers:
            overrides[n][pname] = value
    for n, values in overrides.items():
        get(n).bind(values)  # validate domains and constraints before any work
    return overrides


def _selected(args) -> list[str]:
    from derivations.catalogue import get, names

    if args.all and args.names:
        raise ReluproofError("give activation names or --all, not both.")
    if args.all:
        return names()
    if not args.names:
        raise ReluproofError("name at least one activation, or --all (`reluproof list`).")
    chosen: list[str] = []
    for n in args.names:
        canonical = get(n).name
        if canonical not in chosen:
            chosen.append(canonical)
    return chosen


def cmd_derive(args) -> int:
    from derivations import render
    from numeric.output import check_writable
    from reluproof.report import derive_many

    chosen = _selected(args)
    overrides = _overrides_for(chosen, _parse_params(args.param))
    if args.pdf and (args.json or args.format != "latex" or not args.output):
        raise ReluproofError("--pdf needs -o FILE.tex and the latex format (not --json).")
    if args.output:
        check_writable(args.output)
    say = _progress(args.quiet)
    outputs = derive_many(chosen, overrides, say, args.jobs, sections=not args.json, rows=args.json)
    if args.json:
        _emit(json.dumps([row for _, row in outputs], indent=2) + "\n", args.output)
        return EXIT_OK
    sections = [section for section, _ in outputs]
    title = "reluproof: derivations"
    if args.format == "markdown":
        text = render.markdown_document(sections, title, __version__)
    else:
        text = render.latex_document(sections, title, __version__)
    _emit(text, args.output)  # the .tex first: a TeX problem costs only the PDF
    if args.pdf:
        from pathlib import Path

        from numeric.output import write_atomic
        from reluproof.latex import PdfError, compile_pdf

        say("compiling with pdflatex")
        pdf_path = Path(args.output).with_suffix(".pdf")
        try:
            write_atomic(pdf_path, compile_pdf(text))
        except PdfError as exc:
            print(
                f"reluproof: error: no {pdf_path} ({args.output} is written): {exc}",
                file=sys.stderr,
            )
            return EXIT_FAILED
        say(f"wrote {args.output} and {pdf_path}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------
# report


def cmd_report(args) -> int:
    from reluproof.report import build_report

    start = time.perf_counter()
    report = build_report(
        args.output,
        progress=_progress(args.quiet),
        pdf=not args.no_pdf,
        jobs=args.jobs,
        survey=None if args.no_survey else (args.survey or "quick"),
    )
    figures = [p for p in report.written if p.suffix == ".png"]
    for path in report.written:
        if path not in figures:
            print(path)
    if figures:
        print(f"{figures[0].parent}/ ({len(figures)} figures)")
    results = report.results
    unexpected = [r.theorem.id for r in results if not r.as_expected]
    say = _progress(args.quiet)
    say(
        f"report done in {time.perf_counter() - start:.1f} s: {len(results)} theorems, "
        f"{len(results) - len(unexpected)} as expected"
    )
    failed = False
    if unexpected:
        print(f"verdicts not as expected: {', '.join(unexpected)}", file=sys.stderr)
        failed = True
    if report.pdf_error:  # the other files are written; only the PDF is missing
        print(f"reluproof: error: no report.pdf: {report.pdf_error}", file=sys.stderr)
        failed = True
    return EXIT_FAILED if failed else EXIT_OK


# ---------------------------------------------------------------------------------------
# prove


def cmd_prove(args) -> int:
    from proofs.registry import select
    from reluproof.report import prove_many

    theorems = select(args.ids, include_slow=args.slow)
    if args.list:
        if args.json:
            print(json.dumps([t.to_dict() for t in theorems], indent=2))
            return EXIT_OK
        for t in theorems:
            slow = "  (slow)" if t.slow else ""
            print(f"{t.id:45s} {t.method.value}; expects {t.expected.value}{slow}")
        return EXIT_OK
    start = time.perf_counter()
    results = prove_many(theorems, _progress(args.quiet), args.jobs)
    wall = time.perf_counter() - start
    failures = [r for r in results if not r.as_expected]
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        width = max(len(r.theorem.id) for r in results)
        for r in results:
            mark = "ok " if r.as_expected else "BAD"
            print(
                f"{mark} {r.theorem.id:{width}s} {r.verdict.status.value:9s} "
                f"{r.seconds:6.2f}s  {r.verdict.summary}"
            )
        total = sum(r.seconds for r in results)
        print(
            f"\n{len(results)} theorems, {len(results) - len(failures)} as expected, "
            f"{len(failures)} not; {total:.1f} s of proving in {wall:.1f} s "
            f"with {args.jobs} job{'s' if args.jobs > 1 else ''}"
        )
    return EXIT_FAILED if failures else EXIT_OK


def cmd_selu_constants(args) -> int:
    import sympy as sp

    from proofs.selu import alpha_dropout_affine, selu_constants, solve_alpha_lambda

    if (args.mean is None) != (args.variance is None):
        raise ReluproofError("give --mean and --variance together (a fixed point is both).")
    out: dict = {"digits": args.digits}
    if args.mean is None:
        out |= selu_constants(args.digits)
        alpha, lam = None, None
    else:
        solution = solve_alpha_lambda(args.mean, args.variance, digits=args.digits)
        out |= {"fixed_point": {"mean": solution.mean, "variance": solution.variance}}
        out |= {"alpha": solution.alpha, "lambda": solution.lam}
        out |= {"residual_mean": solution.residual_mean}
        out |= {"residual_variance": solution.residual_variance}
        alpha, lam = sp.Rational(solution.alpha), sp.Rational(solution.lam)
    if args.dropout_keep is not None:
        # The correction restores the fixed point's own mean and variance (theorem
        # selu.alpha_dropout), with the saturation -lambda*alpha of the alpha, lambda printed.
        a, b = (
            alpha_dropout_affine(args.dropout_keep)
            if alpha is None
            else alpha_dropout_affine(
                args.dropout_keep, alpha, lam, solution.mean, solution.variance
            )
        )
        out["alpha_dropout"] = {
            "keep_probability": args.dropout_keep,
            "a": str(sp.N(a, args.digits)),
            "b": str(sp.N(b, args.digits)),
        }
    status = EXIT_OK
    if args.prove_contraction:
        # Proved for the printed (rounded) alpha, lambda: the numbers a user would type in.
        from proofs.selu.largest_domain import prove_fixed_point_contraction

        near = prove_fixed_point_contraction(
            args.mean or 0, args.variance or 1, out["alpha"], out["lambda"]
        )
        out["contraction_near_fixed_point"] = near.to_dict()
        status = EXIT_OK if near.proved else EXIT_FAILED
    if args.json:
        print(json.dumps(out, indent=2))
        return status
    label = "" if args.mean is None else f" for the fixed point ({args.mean}, {args.variance})"
    print(f"alpha{'_01' if not label else ''}  = {out['alpha']}{label}")
    print(f"lambda{'_01' if not label else ''} = {out['lambda']}")
    if "alpha_dropout" in out:
        d = out["alpha_dropout"]
        print(f"alpha dropout, keep q = {d['keep_probability']}: a = {d['a']}, b = {d['b']}")
    if args.prove_contraction:
        print(f"contraction near the fixed point: {near.summary()}")
        print(f"note: {near.unit_weights_text()}")
    return status


# ---------------------------------------------------------------------------------------
# train


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--widths takes whole numbers separated by commas (e.g. 64,64,64), not {text!r}"
        ) from None
    if not widths or any(w < 1 for w in widths):
        raise argparse.ArgumentTypeError(f"--widths {text}: every layer needs at least 1 unit")
    return widths


def _float_option(name: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} takes a number, not {text!r}") from None
        if not value == value or value in (float("inf"), float("-inf")) or value < 0:
            raise argparse.ArgumentTypeError(f"{name} must be a finite number >= 0, not {text}")
        return value

    return parse


def _count_option(name: str, least: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} takes a whole number, not {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{name} must be at least {least}, not {value}")
        return value

    return parse


def cmd_train(args) -> int:
    from derivations.catalogue import get
    from numeric.mlp import Settings, Training
    from numeric.output import check_writable, write_atomic
    from numeric.tasks import load_npz, make_task

    activation = get(args.activation).name
    overrides = _overrides_for([activation], _parse_params(args.param))[activation]
    settings = Settings(
        activation=activation,
        params=tuple(overrides.items()),
        widths=args.widths,
        init=args.init,
        init_scale=args.init_scale,
        bias_init=args.bias_init,
        loss=args.loss,
        optimizer=args.optimizer,
        lr=args.lr,
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        decay_biases=args.decay_biases,
        batch_size=args.batch_size,
        epochs=args.epochs,
        dtype=args.dtype,
        tau=args.tau,
    )
    if args.output:
        check_writable(args.output)
    task = load_npz(args.data) if args.data else make_task(args.task, seed=args.seed)
    training = Training(settings, task, [args.seed])
    layers = len(settings.widths)

    def line(stats) -> str:
        dead = stats.dead_per_layer(0)
        text = (
            f"epoch {stats.epoch:4d}  loss {stats.loss[0]:.6g}  dead per layer "
            f"{'/'.join(map(str, dead))} of {'/'.join(map(str, settings.widths))}"
        )
        if settings.tau > 0:
            dormant = stats.dormant_per_layer(0)
            text += f"  tau-dormant {'/'.join(map(str, dormant))}"
        return text

    def show(stats) -> None:
        if not args.json:
            print(line(stats), flush=True)

    show(training.history[0])
    result = training.fit(on_epoch=show)[0]
    if args.json:
        text = json.dumps(result.to_dict(), indent=2) + "\n"
        if args.output:
            write_atomic(args.output, text)
        else:
            sys.stdout.write(text)
        return EXIT_OK
    audit = result.audit
    if result.diverged:
        print(f"diverged at epoch {result.diverged_epoch} (non-finite loss); run frozen there")
    print(
        f"final: loss {result.final.loss:.6g}, dead {sum(result.final.dead_per_layer)} of "
        f"{sum(settings.widths)} hidden units ({100 * result.dead_fraction:.1f}%) over "
        f"{layers} layer{'s' if layers > 1 else ''}"
    )
    note = "" if audit.finite else " (parameters not finite: the run diverged)"
    print(
        f"audit on the full training set: {audit.dead_units} dead units, "
        f"{audit.violations} violations (a dead unit with a nonzero incoming gradient), "
        f"{audit.alive_zero_gradient} alive units with an exactly-zero gradient{note}"
    )
    if args.output:
        write_atomic(args.output, json.dumps(result.to_dict(), indent=2) + "\n")
    return EXIT_OK


def _add_train_parser(sub) -> None:
    from numeric.choices import DTYPES, INITS, LOSSES, OPTIMIZERS, TASKS

    p = sub.add_parser(
        "train",
        help="train one NumPy MLP; per epoch the loss and dead units, then the gradient audit",
        description="Train one MLP in NumPy and count its dead units per layer each epoch; "
        "finally audit that every dead unit's incoming gradients are exactly 0.",
    )
    p.add_argument("--activation", default="relu", metavar="NAME", help="see `list`")
    p.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="activation parameter"
    )
    p.add_argument("--widths", type=_widths, default=(64, 64, 64), help="e.g. 64,64,64")
    p.add_argument("--init", default="he_normal", metavar="NAME", help=", ".join(INITS))
    p.add_argument(
        "--init-scale",
        type=_float_option("--init-scale"),
        default=None,
        metavar="S",
        help="value for constant, std for normal, bound for uniform, gain for orthogonal",
    )
    p.add_argument("--bias-init", default="0", metavar="V", help="a number or normal[:STD]")
    p.add_argument("--loss", default=None, metavar="NAME", help=f"{', '.join(LOSSES)}")
    p.add_argument("--optimizer", default="sgd", metavar="NAME", help=", ".join(OPTIMIZERS))
    p.add_argument("--lr", type=_float_option("--lr"), default=0.01)
    p.add_argument("--momentum", type=_float_option("--momentum"), default=0.9)
    p.add_argument("--weight-decay", type=_float_option("--weight-decay"), default=0.0)
    p.add_argument(
        "--decay-biases", action="store_true", help="weight decay on biases too (torch's default)"
    )
    p.add_argument("--batch-size", type=_count_option("--batch-size", 1), default=32)
    p.add_argument("--epochs", type=_count_option("--epochs", 0), default=20)
    p.add_argument("--tau", type=_float_option("--tau"), default=0.0, help="dormant threshold")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--task", default="regression", metavar="NAME", help=", ".join(TASKS))
    source.add_argument("--data", metavar="FILE.npz", help="arrays X (N, d) and y")
    p.add_argument("--seed", type=_count_option("--seed", 0), default=0)
    p.add_argument("--dtype", default="float32", choices=DTYPES)
    p.add_argument("-o", "--output", metavar="FILE", help="also write the JSON here (atomically)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_train)


# ---------------------------------------------------------------------------------------
# experiment


def cmd_experiment(args) -> int:
    from numeric.experiments import Config, experiment_module, run_experiment

    module = experiment_module(args.name)  # an unknown name: one line with a did-you-mean
    if hasattr(module, "configure"):  # options of its own (born-dead)
        config = module.configure(args)
    else:
        given = [f"--{o.replace('_', '-')}" for o in BORN_DEAD_OPTIONS if getattr(args, o)]
        if given:
            raise ReluproofError(f"{', '.join(given)}: born-dead options; {args.name} trains.")
        config = Config.from_options(
            args.name,
            seeds=args.seeds,
            full=args.full,
            epochs=args.epochs,
            widths=args.widths,
            lr=args.lr,
            lr_max=args.lr_max,
            activations=args.activations,
            task=args.task,
            depth=args.depth,
            dropout_keep=args.dropout_keep,
            tau=args.tau,
        )
    directory = args.output or f"reluproof-experiments/{args.name}"
    summary = run_experiment(
        module,
        config,
        directory,
        jobs=args.jobs,
        scheduler=args.scheduler,
        progress=not args.quiet,
    )
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(summary.text, flush=True)  # before stderr's line, also when both are piped
        _progress(args.quiet)(f"wrote {', '.join(str(p) for p in summary.files)}")
    # a measurement that contradicts a proved bound (born-dead) is a failed check
    return EXIT_FAILED if summary.data.get("consistent") is False else EXIT_OK


BORN_DEAD_OPTIONS = ("depths", "trials", "bias", "init", "input_dim", "seed")


# ---------------------------------------------------------------------------------------
# check


def cmd_check(args) -> int:
    from numeric.check.adapters import parse_target

    if args.survey:
        return _check_survey(args)
    if not args.target:
        raise ReluproofError("name a TARGET (e.g. torch:nn.functional.elu) or give --survey.")
    if not args.activation:
        raise ReluproofError("say which catalogue activation the target is: --as NAME.")
    from derivations.catalogue import get
    from numeric.check.checks import CheckOptions, run_checks

    name = get(args.activation).name
    overrides = _overrides_for([name], _parse_params(args.param))[name]
    target = parse_target(args.target, args.framework)
    target = _with_parameter_kwargs(target, overrides)
    grad = parse_target(args.grad, args.framework) if args.grad else None
    options = CheckOptions(
        dtype=args.dtype,
        tolerance=args.tolerance,
        exhaustive=args.exhaustive,
        timeout=args.timeout,
        search_examples=200 if args.examples is None else args.examples,
        jobs=args.jobs,
        progress=not args.quiet and not args.json,
    )
    report = run_checks(target, name, overrides, options, grad, progress=_progress(args.quiet))
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        sys.stdout.write(report.text())
    return EXIT_OK if report.passed else EXIT_FAILED


def _with_parameter_kwargs(target, overrides: dict[str, str]):
    """--param values go to the target as keyword arguments when its signature names them
    (torch.nn.functional.elu(x, alpha=...)); they always define the reference."""
    if not overrides:
        return target
    import dataclasses
    from fractions import Fraction

    from numeric.check.runner import signature_names

    accepted = signature_names(target)
    kwargs = tuple(
        (k, float(Fraction(v)) if "/" in v else float(v))
        for k, v in overrides.items()
        if k in accepted
    )
    return dataclasses.replace(target, kwargs=kwargs)


def _check_survey(args) -> int:
    from numeric.check.survey import SURVEY_EXAMPLES, run_survey, survey_json, survey_markdown
    from numeric.output import ensure_directory, write_atomic

    directory = ensure_directory(args.output)
    survey = run_survey(
        frameworks=[args.framework] if args.framework else None,
        dtypes=[args.dtype] if args.dtype_given else None,
        timeout=args.timeout,
        search_examples=SURVEY_EXAMPLES if args.examples is None else args.examples,
        progress=_progress(args.quiet),
        jobs=args.jobs,
    )
    data = survey_json(survey)
    markdown = survey_markdown(data)
    written = [
        write_atomic(directory / "survey.md", markdown),
        write_atomic(directory / "survey.json", json.dumps(data, indent=2) + "\n"),
    ]
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        sys.stdout.write(markdown)
        for path in written:
            print(path, file=sys.stderr)
    return EXIT_OK


class _DtypeAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        namespace.dtype_given = True


def _add_check_parser(sub) -> None:
    p = sub.add_parser(
        "check",
        help="check an activation implementation (NumPy, PyTorch, JAX) against the catalogue",
        description="Check an implementation against the catalogue's definition: values in "
        "ulps against a correctly rounded reference, special values, limits, the derivative, "
        "the array contract and properties. The target runs in a subprocess with a timeout. "
        "Exit 0 when every check passes, 1 when one fails, 2 for a usage error. --survey "
        "checks every catalogue activation in each installed framework.",
    )
    p.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        help="module:attr, path/to/file.py:attr (attr may be dotted), torch:elu, "
        "torch:nn.functional.selu, jax:nn.selu",
    )
    p.add_argument("--as", dest="activation", metavar="NAME", help="the catalogue activation")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="parameter of the definition; also passed to the target when its signature "
        "has that keyword",
    )
    p.add_argument("--grad", metavar="TARGET", help="the derivative f' (NumPy has no autograd)")
    p.add_argument(
        "--dtype",
        choices=("float16", "bfloat16", "float32", "float64"),
        default="float32",
        action=_DtypeAction,
        help="the format checked (default float32; --survey: all four)",
    )
    p.add_argument("--exhaustive", action="store_true", help="every input of the format")
    p.add_argument(
        "--tolerance",
        type=_float_option("--tolerance"),
        metavar="ULPS",
        help="ulps allowed (default: float32/float64 4, float16/bfloat16 2)",
    )
    p.add_argument(
        "--timeout",
        type=_float_option("--timeout"),
        default=60.0,
        metavar="SECONDS",
        help="per call of the target (default 60)",
    )
    p.add_argument(
        "--framework",
        choices=("numpy", "torch", "jax"),
        help="the array type a module's function takes (default: from the target); with "
        "--survey: only this framework (numpy = reluproof's own kernels)",
    )
    p.add_argument(
        "--examples",
        type=int,
        default=None,
        metavar="N",
        help="Hypothesis examples (200; --survey: 50)",
    )
    p.add_argument("--survey", action="store_true", help="the conformance matrix")
    p.add_argument(
        "-o", "--output", default="reluproof-survey", metavar="DIR", help="--survey writes here"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_work_options(p)
    p.set_defaults(func=cmd_check, dtype_given=False)


# ---------------------------------------------------------------------------------------


def _add_work_options(p: argparse.ArgumentParser) -> None:
    """--quiet and --jobs, shared by the commands that do long work."""
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("-j", "--jobs", type=_jobs, default=default_jobs(), help=JOBS_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="reluproof",
        description="Verify activation functions: symbolic derivations, machine-checked "
        "theorems about dying ReLUs and their variants.",
    )
    parser.add_argument("--version", action="version", version=f"reluproof {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("list", help="the activation catalogue")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "derive",
        help="derivatives, breakpoints, zero-gradient set and chain rule, as LaTeX/Markdown",
        description="Derive each activation's calculus with SymPy and render it as a "
        "standalone LaTeX document (or Markdown, or JSON).",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="activations (see `list`)")
    p.add_argument("--all", action="store_true", help="every activation in the catalogue")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="parameter value (exact: 0.1 means 1/10); ACTIVATION.NAME=VALUE for one only",
    )
    p.add_argument("--format", choices=("latex", "markdown"), default="latex")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (atomically)")
    p.add_argument("--pdf", action="store_true", help="also compile FILE.pdf with pdflatex")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_work_options(p)
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser(
        "report",
        help="the main job: write the full report (LaTeX, PDF, Markdown, JSON) to a directory",
    )
    p.add_argument("-o", "--output", default="reluproof-report", metavar="DIR")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF even if pdflatex exists")
    survey = p.add_mutually_exclusive_group()
    survey.add_argument(
        "--survey",
        metavar="FILE",
        help="include this saved survey (`reluproof check --survey -o DIR` writes "
        "DIR/survey.json) instead of the quick float32 survey the report runs by default",
    )
    survey.add_argument("--no-survey", action="store_true", help="leave the survey out")
    _add_work_options(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "prove",
        help="run the theorems and print their machine-checked verdicts",
        description="Prove or refute the theorems (all, or by id / id prefix such as "
        "`selu` or `dead.zero_gradient`). Exit 1 when a verdict differs from the expected.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="theorem ids or prefixes")
    p.add_argument("--slow", action="store_true", help="include the slow ones (the moonshot)")
    p.add_argument("--list", action="store_true", help="list the theorems without proving")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_work_options(p)
    p.set_defaults(func=cmd_prove)

    p = sub.add_parser(
        "selu-constants",
        help="SELU's alpha_01 and lambda_01, correctly rounded to any number of digits",
    )
    p.add_argument("--digits", type=int, default=20, help="significant digits (default 20)")
    p.add_argument("--mean", metavar="M", help="solve for a fixed point with this mean")
    p.add_argument("--variance", metavar="V", help="... and this variance")
    p.add_argument(
        "--dropout-keep",
        metavar="Q",
        help="also the alpha-dropout affine correction (a, b) for keep probability Q, which "
        "restores the fixed point's mean and variance (0 and 1 without --mean/--variance)",
    )
    p.add_argument(
        "--prove-contraction",
        action="store_true",
        help="prove, for the printed alpha, lambda, that the moment map is a contraction "
        "mapping the paper's Theorem 1 box, moved to the fixed point and scaled by the "
        "variance, into itself (exit 1 when not proved; the failing point is printed)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_selu_constants)

    _add_train_parser(sub)
    _add_check_parser(sub)

    p = sub.add_parser(
        "experiment",
        help="measure dying units: lr-sweep, init, revival, dropout, vanishing, selu-depth, "
        "recycle (training), born-dead (at initialisation)",
        description="Run one experiment (lr-sweep, init, revival, dropout, vanishing, selu-depth "
        "or recycle: seeded training runs in lock-step batches; born-dead: random networks at "
        "initialisation, counted in seeded blocks). Each result is written to DIR/runs/ as it "
        "completes, so the same command resumes an interrupted experiment. Prints a table; "
        "writes DIR/NAME.json and DIR/NAME.png.",
    )
    p.add_argument(
        "name",
        metavar="NAME",
        help="lr-sweep, init, revival, dropout, vanishing, selu-depth, recycle or born-dead",
    )
    p.add_argument("--seeds", type=str, default=None, metavar="N", help="seeds per setting")
    p.add_argument("--epochs", type=str, default=None, metavar="N", help="training epochs")
    p.add_argument(
        "--widths", default=None, metavar="W,W,...", help="hidden widths (born-dead: to sweep)"
    )
    p.add_argument("--lr", default=None, metavar="X", help="learning rate (init, revival)")
    p.add_argument("--lr-max", default=None, metavar="X", help="top of the lr-sweep's grid")
    p.add_argument(
        "--activations", default=None, metavar="A,B,...", help="activations to sweep (lr-sweep)"
    )
    p.add_argument("--task", default=None, metavar="NAME", help="the training task")
    # born-dead (its --widths: the widths to sweep, e.g. 2,3,5,10)
    p.add_argument("--depths", default=None, metavar="L,L,...", help="born-dead: hidden layers")
    p.add_argument("--trials", default=None, metavar="N", help="born-dead: networks per cell")
    p.add_argument("--bias", default=None, metavar="B,...", help="born-dead: zero, he, normal")
    p.add_argument("--init", default=None, metavar="I,...", help="born-dead: he_normal, rai")
    p.add_argument("--input-dim", default=None, metavar="D", help="born-dead: input dimension")
    p.add_argument("--seed", default=None, metavar="S", help="born-dead: the seed (default 0)")
    # the depth experiments' options (vanishing, selu-depth, recycle)
    p.add_argument("--depth", default=None, metavar="N", help="hidden layers (depth experiments)")
    p.add_argument(
        "--dropout-keep", default=None, metavar="Q", help="alpha dropout's keep probability"
    )
    p.add_argument("--tau", default=None, metavar="T", help="tau-dormant threshold (recycle)")
    p.add_argument("--full", action="store_true", help="paper-grade settings (slow)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler")
    p.add_argument("-o", "--output", metavar="DIR", help="results directory (resumable)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_work_options(p)
    p.set_defaults(func=cmd_experiment)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except ReluproofError as exc:
        print(f"reluproof: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("reluproof: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
