"""NumPy layer: fast kernels, the high-precision oracle, MLP training and the
implementation checker (DESIGN.md). Imports `derivations` only."""
