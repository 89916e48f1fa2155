"""Theorems with machine-checked verdicts (`proofs.theorem`), collected by
`proofs.registry`. Imports `derivations` (and may use `numeric.oracle`)."""
