"""Tests for the SELU paper's Theorems 2 and 3 (proofs.selu.variance_bounds): the same code
as the slow theorems, run on small boxes, proves true statements, refutes false ones with an
enclosed counterexample, and writes consistent, JSON-serialisable certificates."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from flint import ctx

from numeric.intervals import ends
from proofs.selu import contraction, largest_domain, variance_bounds
from proofs.selu.moments import jacobian_arb, moments_paper_arb
from proofs.selu.variance_bounds import (
    DECREASES,
    INCREASES,
    PAPER_THEOREM2,
    PAPER_THEOREM3,
    THEOREM2_DOMAIN,
    THEOREM3_APPENDIX_DOMAINS,
    THEOREM3_DOMAINS,
    margin_at,
    prove_variance_bound,
)
from proofs.theorem import _REGISTRY
from reluproof.cli import main

# Small boxes at the corners where the margins are smallest (float grids put them there).
THEOREM2_CORNER = contraction.paper_box(
    mu=(-1, -0.9), omega=(-0.1, -0.09), nu=(3, 3.2), tau=(1.2, 1.25)
)
THEOREM3_CORNER = contraction.paper_box(
    mu=(-0.1, -0.09), omega=(-0.1, -0.09), nu=(0.02, 0.025), tau=(0.8, 0.85)
)


def assert_consistent(result, domain):
    data = result.to_dict()
    json.dumps(data)
    assert data["domain"] == domain.to_dict()
    assert result.boxes_verified <= result.boxes_evaluated
    if result.proved:
        # a bisection tree: every evaluated box is a leaf or splits in two
        assert result.boxes_evaluated == 2 * result.boxes_verified - 1
        assert result.worst_margin > result.threshold
        assert variance_bounds.reduced_domain(domain).contains(result.worst_box)


@pytest.mark.parametrize(
    "domain, direction, threshold",
    [
        (THEOREM2_CORNER, DECREASES, Fraction(1, 10)),
        (THEOREM3_CORNER, INCREASES, Fraction(5, 1000)),
    ],
)
def test_true_bound_is_proved_on_a_small_box(domain, direction, threshold):
    result = prove_variance_bound(domain, direction, threshold=threshold, max_boxes=5000)
    assert result.proved and not result.refuted, result.reason
    assert_consistent(result, domain)
    # the certified threshold lies below the margin at the box's corner
    corner = {n: str(lo) for n, (lo, _) in zip(domain.names, domain.sides, strict=True)}
    assert ends(margin_at(corner, direction))[0] > threshold


@pytest.mark.parametrize(
    "domain, direction",
    [
        # a large variance does not grow, and a small one does not shrink
        (THEOREM2_CORNER, INCREASES),
        (THEOREM3_CORNER, DECREASES),
    ],
)
def test_false_bound_is_refuted_with_an_enclosed_counterexample(domain, direction):
    result = prove_variance_bound(domain, direction, max_boxes=5000)
    assert result.refuted and not result.proved
    assert_consistent(result, domain)
    point = result.counterexample["point"]
    sides = dict(zip(domain.names, domain.sides, strict=True))
    assert all(sides[n][0] <= Fraction(v) <= sides[n][1] for n, v in point.items())
    assert margin_at(point, direction) < 0  # recomputed independently of the search


def test_too_strong_threshold_is_not_proved_within_the_budget():
    # margin > 0.2 is false near nu = 3 (the margin there is about 0.12) but no point has a
    # negative margin, so the search is undecided, never proved.
    result = prove_variance_bound(
        THEOREM2_CORNER, DECREASES, threshold=Fraction(2, 10), max_boxes=50
    )
    assert not result.proved and not result.refuted
    assert "gave up" in result.reason


def test_domains_are_the_quoted_ones():
    for domain, quote in [(THEOREM2_DOMAIN, PAPER_THEOREM2)] + [
        (d, PAPER_THEOREM3) for d in THEOREM3_DOMAINS
    ]:
        for name, (lo, hi) in zip(domain.names, domain.sides, strict=True):
            for end in (lo, hi):
                assert f"{float(end):g}" in quote.quote, (name, end)
    # the appendix's version (0.05 <= nu) is implied by the proved main-text version
    for outer, inner in zip(THEOREM3_DOMAINS, THEOREM3_APPENDIX_DOMAINS, strict=True):
        assert outer.contains(inner) and outer != inner


def test_variance_theorems_are_registered_slow_with_the_paper_quoted():
    for theorem_id in ("selu.variance_decreases", "selu.variance_increases"):
        thm = _REGISTRY[theorem_id]
        assert thm.slow
    assert "xi~ - mu~^2" in variance_bounds.VARIANCE_MAP


# ---- the largest domain (proofs.selu.largest_domain) -------------------------------------


def test_paper_shape_is_theorem_1_domain_and_measures_good():
    assert largest_domain.PAPER_SHAPE.box() == contraction.THEOREM1_DOMAIN
    measured = largest_domain.measure(largest_domain.PAPER_SHAPE)
    assert 0.89 < measured.max_norm < 0.9  # the sampled supremum, about 0.8976
    assert not measured.limits(0.005, 0.001)


def test_search_grows_the_paper_box_and_records_why_it_stops():
    search = largest_domain.search_largest_domain(grid_points=5, passes=1)
    shape = search.shape
    assert shape.contains(largest_domain.PAPER_SHAPE) and shape != largest_domain.PAPER_SHAPE
    assert not largest_domain.measure(shape, 5).limits(search.norm_margin, search.image_margin)
    assert shape.c >= Fraction(5, 100) and shape.d >= Fraction(1, 10)  # tau keeps [0.95, 1.1]
    assert all(step.stopped_by for step in search.steps if step.stage.startswith("scale"))
    json.dumps(search.to_dict())


def test_prove_domain_certificate_on_the_paper_box():
    proof = largest_domain.prove_domain(
        largest_domain.PAPER_SHAPE, norm_bound=Fraction(95, 100), time_limit=60
    )
    assert proof.proved and proof.volume_ratio == 1
    data = proof.to_dict()
    json.dumps(data)
    assert Fraction(data["contraction"]["threshold"]) == Fraction(95, 100)
    assert proof.contraction.max_bound < Fraction(95, 100)
    assert proof.measured.max_norm < float(proof.contraction.max_bound)  # a bound, above


def test_too_large_box_is_not_proved():
    # nu down to 0.4: the spectral norm exceeds 1 at (mu, omega, nu, tau) = (0.1, 0.1, 0.4,
    # 1.1), provably, so no cover can prove the contraction.
    shape = largest_domain.DomainShape.of(m="0.1", a="0.6", b="0.5", c="0.05", d="0.1")
    assert largest_domain.measure(shape).max_norm > 1
    with ctx.workprec(128):
        norm = contraction.spectral_norm_ball(jacobian_arb("0.1", "0.1", "0.4", "1.1"))
        assert norm > 1
    proof = largest_domain.prove_domain(shape, time_limit=2)
    assert not proof.proved and not proof.contraction.proved


# ---- selu-constants --prove-contraction -----------------------------------------------------


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_prove_contraction_at_the_standard_fixed_point_json(capsys):
    code, out, _ = run_cli(capsys, "selu-constants", "--prove-contraction", "--json")
    assert code == 0
    near = json.loads(out)["contraction_near_fixed_point"]
    assert near["proved"] and near["box"] == contraction.THEOREM1_DOMAIN.to_dict()
    assert near["contraction"]["proved"] and near["maps_into"]["proved"]
    assert near["contraction"]["boxes_verified"] <= near["contraction"]["boxes_evaluated"]
    assert Fraction(near["contraction"]["threshold"]) == 1


def test_prove_contraction_failure_names_a_proved_counterexample(capsys):
    code, out, _ = run_cli(
        capsys, "selu-constants", "--mean", "0.05", "--variance", "1", "--digits", "12",
        "--prove-contraction",
    )  # fmt: skip
    assert code == 1
    assert "not proved on mu in [-0.05, 0.15]" in out and "FAILS at" in out
    # the same point, recomputed: its image leaves the rectangle
    near = largest_domain.prove_fixed_point_contraction(
        "0.05", "1", "1.66971505472", "1.04403232049"
    )
    witness = near.image.counterexample
    assert witness is not None and not near.proved
    point = [witness["point"][v] for v in ("mu", "omega", "nu", "tau")]
    variance = moments_paper_arb(*point, "1.66971505472", "1.04403232049").variance
    low, high = ends(variance)
    assert high < Fraction(4, 5) or low > Fraction(3, 2)
    assert near.box.contains(
        contraction.paper_box(**{k: (v, v) for k, v in witness["point"].items()})
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--mean", "0", "--prove-contraction"],
        ["--mean", "0", "--variance", "-1", "--prove-contraction"],
        ["--mean", "zero", "--variance", "1", "--prove-contraction"],
    ],
)
def test_prove_contraction_bad_input_is_one_line(capsys, argv):
    code, out, err = run_cli(capsys, "selu-constants", *argv)
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# ---- the picture ----------------------------------------------------------------------------


def test_moment_map_plot_is_a_deterministic_png_with_the_theorem_regions():
    from reluproof import moment_map_plot

    section, files = moment_map_plot.moment_map_section()
    (png,) = files.values()
    assert png.startswith(b"\x89PNG") and png == moment_map_plot.moment_map_png()
    assert any(getattr(block, "path", None) in files for block in section.blocks)
    labels = [label for label, *_ in moment_map_plot._regions(())]
    assert len(labels) == 4 and all(label.endswith("not run") for label in labels)


def test_report_quotes_the_paper_for_the_variance_theorems():
    from derivations import render
    from proofs.theorem import Result, proved
    from reluproof.report import theorem_sections

    thm = _REGISTRY["selu.variance_increases"]
    verdict = proved("stand-in", paper_statement=PAPER_THEOREM3.to_dict())
    (section,) = theorem_sections([Result(thm, verdict, 0.0)])
    texts = [getattr(block, "text", "") for block in section.blocks]
    assert PAPER_THEOREM3.quote in texts
    assert any(t.startswith("Quoted from Klambauer") for t in texts)
    assert PAPER_THEOREM3.quote in render.markdown_document([section], "t", "0")
    assert "Quoted from Klambauer" in render.latex_document([section], "t", "0")


def test_standard_fixed_point_repels_at_unit_weights():
    # At omega = tau = 1 (z ~ N(mu, nu), the equations selu-constants solves) the mean's own
    # slope dmu~/dmu is about 0.985 and the coupling pushes an eigenvalue above 1.
    alpha, lam = "1.6732632423543772848", "1.0507009873554804934"
    big, small = largest_domain.unit_weight_eigenvalues(0, 1, alpha, lam)
    assert big > 1 and 0 < small < 1
    with ctx.workprec(128):
        entries = [float(e.mid()) for e in jacobian_arb(0, 1, 1, 1, alpha, lam)]
    measured = sorted(np.linalg.eigvals(np.array(entries).reshape(2, 2)).real)
    assert measured == pytest.approx([float(small.mid()), float(big.mid())], rel=1e-12)
