"""SymPy layer: the activation catalogue and the calculus done on it.

Imports neither `numeric` nor `proofs` nor `reluproof` at import time. The one exception
is deliberate and lazy: the calculus's zero finder calls `numeric.intervals` and
`numeric.oracle` (the house's one root-isolation routine) from inside a function; see
the docstring of `derivations.zeros`.
"""
