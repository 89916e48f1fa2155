"""reluproof: a verifier for neural-network activation functions.

The face of the project: the CLI (`reluproof.cli`), the main job (`reluproof.report`),
the implementation checker's test API (`reluproof.testing`). The mathematics lives in
`derivations` (SymPy) and `proofs` (theorems with machine-checked verdicts); the numbers,
training, experiments and the checker in `numeric`.
"""

from derivations.errors import ReluproofError

__version__ = "0.1.0"
__all__ = ["ReluproofError", "__version__"]
