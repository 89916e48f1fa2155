"""SymPy layer: the activation catalogue and the calculus done on it.

Imports neither `numeric` nor `proofs` nor `reluproof`.
"""
