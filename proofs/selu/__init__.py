"""SELU: its self-normalising constants, the moment map they fix, and that map's stability.

This package owns everything the SELU paper (Klambauer, Unterthiner, Mayr & Hochreiter
2017, "Self-Normalizing Neural Networks") says about SELU, re-derived and checked, one
concern per module:

* `moments` -- the moments of selu(z) for z ~ N(mean, variance): the paper's closed forms in
  erfc and exp (`moments_sympy`, `moments_paper_sympy`), proved equal to direct integration
  of the catalogue's definition, and the same formulas in rigorous ball arithmetic
  (`moments_arb`, `moments_paper_arb`); the Gaussian-moment formulas and alpha dropout's
  (a, b) themselves live in `numeric.selu_moments`, shared with the selu-depth measurement;
* `constants` -- alpha_01 and lambda_01 derived from first principles (`derive_constants`)
  and proved equal to the catalogue's closed forms; their digits correctly rounded
  (`selu_constants`);
* `digits` -- the binary64/binary32 values nearest to them (`numeric.floats.nearest_float`)
  and the source documents' printed constants, each proved right or wrong to its digits;
* `fixed_points` -- SELU constants for any other fixed point (`solve_alpha_lambda`);
* `dropout` -- the alpha-dropout affine correction for any fixed point
  (`alpha_dropout_affine`);
* `contraction` -- the Jacobian of the paper's moment map g at its fixed point
  (`fixed_point_jacobian`) and, the moonshot, a computer proof that g is a contraction on the
  paper's Theorem 1 domain (`prove_contraction`), by adaptive box subdivision in interval
  arithmetic (the boxes, duals and subdivision live in `numeric.intervals`);
* `variance_bounds` -- the paper's Theorems 2 and 3 (a large variance shrinks, a small one
  grows), quoted and proved by the same subdivision (`prove_variance_bound`);
* `largest_domain` -- how far Theorem 1's box grows (`search_largest_domain`, steered by
  float measurements) and the rigorous proof on the box found (`prove_domain`).

Exact claims are proved by SymPy simplifying a difference to 0; numeric claims by
python-flint ball arithmetic (`flint.arb`), whose every result contains the true value.
Floats appear only as measurements and are labelled so. Heavy work (integration,
simplification, box subdivision) happens inside functions, never at import.

The modules are imported in the order of their theorems (the registry keeps that order).
"""

from derivations.catalogue import SELU_ALPHA, SELU_LAMBDA
from numeric.decimals import MAX_DIGITS, correctly_rounded
from numeric.floats import NearestFloat, nearest_float
from numeric.intervals import Box, Dual, enclose

# The theorem modules in the order of their theorems (registration order is the registry's
# order, so the order of `reluproof prove` and of the report): keep it, do not sort.
# isort: off
from proofs.selu.base import ALPHA, LAMBDA, MU, NU, OMEGA, SEED_DOCUMENT, SELU, TAU, M, S
from proofs.selu.moments import (
    ArbMoments,
    SymbolicMoments,
    integrated_moments,
    jacobian_arb,
    moments_arb,
    moments_paper_arb,
    moments_paper_sympy,
    moments_sympy,
)
from proofs.selu.constants import DerivedConstants, derive_constants, selu_constants
from proofs.selu.digits import PrintedDigitsCheck, check_printed_digits
from proofs.selu.fixed_points import FixedPointSolution, solve_alpha_lambda
from proofs.selu.dropout import alpha_dropout_affine, derive_alpha_dropout, dropped_moments
from proofs.selu.contraction import (
    PAPER_IMAGE,
    THEOREM1_DOMAIN,
    THEOREM1_NORM_ARGMAX,
    VARIABLES,
    ContractionResult,
    FixedPointJacobian,
    ImageResult,
    fixed_point_jacobian,
    paper_box,
    prove_contraction,
    prove_maps_into,
    spectral_norm_ball,
    spectral_norm_upper,
)
from proofs.selu.variance_bounds import (
    THEOREM2_DOMAIN,
    THEOREM3_DOMAINS,
    VarianceBoundResult,
    prove_variance_bound,
)
from proofs.selu.largest_domain import (
    PAPER_SHAPE,
    DomainShape,
    prove_domain,
    search_largest_domain,
)

# isort: on

__all__ = [
    "ALPHA",
    "LAMBDA",
    "MAX_DIGITS",
    "MU",
    "NU",
    "OMEGA",
    "PAPER_IMAGE",
    "PAPER_SHAPE",
    "SEED_DOCUMENT",
    "SELU",
    "SELU_ALPHA",
    "SELU_LAMBDA",
    "TAU",
    "THEOREM1_DOMAIN",
    "THEOREM1_NORM_ARGMAX",
    "THEOREM2_DOMAIN",
    "THEOREM3_DOMAINS",
    "VARIABLES",
    "ArbMoments",
    "Box",
    "ContractionResult",
    "DerivedConstants",
    "DomainShape",
    "Dual",
    "FixedPointJacobian",
    "FixedPointSolution",
    "ImageResult",
    "M",
    "NearestFloat",
    "PrintedDigitsCheck",
    "S",
    "SymbolicMoments",
    "VarianceBoundResult",
    "alpha_dropout_affine",
    "check_printed_digits",
    "correctly_rounded",
    "derive_alpha_dropout",
    "derive_constants",
    "dropped_moments",
    "enclose",
    "fixed_point_jacobian",
    "integrated_moments",
    "jacobian_arb",
    "moments_arb",
    "moments_paper_arb",
    "moments_paper_sympy",
    "moments_sympy",
    "nearest_float",
    "paper_box",
    "prove_contraction",
    "prove_domain",
    "prove_maps_into",
    "prove_variance_bound",
    "search_largest_domain",
    "selu_constants",
    "solve_alpha_lambda",
    "spectral_norm_ball",
    "spectral_norm_upper",
]
