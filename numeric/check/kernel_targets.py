"""reluproof's own NumPy kernels as check targets (the dogfood, and the survey's `numpy`
column): `numeric.check.kernel_targets:f.elu` is kernels.kernel("elu").f at the catalogue's
defaults, `...:df.elu` its derivative."""

from __future__ import annotations

from types import SimpleNamespace

from derivations.catalogue import names
from numeric.kernels import kernel

_KERNELS = {name: kernel(name) for name in names()}
f = SimpleNamespace(**{name: k.f for name, k in _KERNELS.items()})
df = SimpleNamespace(**{name: k.df for name, k in _KERNELS.items()})
