"""Frameworks and targets: what `torch:nn.functional.selu` or `path/to/file.py:f` means,
and how arrays go into and come out of NumPy, PyTorch and JAX.

A target spec is `FRAMEWORK:ATTR` (framework one of numpy, torch, jax: the attribute path
is looked up in that module, and for torch in torch.nn.functional when torch itself has no
such name), `package.module:ATTR` or `path/to/file.py:ATTR`, the attribute path possibly
dotted. A user's module is called with NumPy arrays unless `framework` says otherwise.

Inputs travel as float64 arrays holding numbers of the target format; `to_native` makes the
framework's array of that format (bfloat16: torch.bfloat16, jax's, or ml_dtypes' for NumPy)
and `from_native` turns whatever the target returned back into float64 plus a description
(`Returned`: was it an array, of which dtype and shape). All conversions are exact.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from derivations.errors import ReluproofError

FRAMEWORKS = ("numpy", "torch", "jax")
INSTALL = {
    "torch": "pip install 'reluproof[torch]' (torch==2.13.0, CPU; a plain `pip install torch` "
    "pulls gigabytes of CUDA)",
    "jax": "pip install 'reluproof[jax]' (jax and jaxlib, CPU)",
    "ml_dtypes": "pip install ml_dtypes (NumPy has no bfloat16 of its own)",
}


def not_installed(module: str) -> ReluproofError:
    top = module.split(".")[0]
    return ReluproofError(f"{top} is not installed: {INSTALL.get(top, top)}.")


def require(module: str) -> Any:
    """Import an optional dependency or say what to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise not_installed(module) from None


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@dataclass(frozen=True)
class TargetSpec:
    """What to check: a spec string (loaded afresh in a child process) and keyword arguments
    for the call. `framework` decides the array type the target is called with."""

    spec: str
    framework: str = "numpy"
    kwargs: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict:
        return {"spec": self.spec, "framework": self.framework, "kwargs": dict(self.kwargs)}


def parse_target(spec: str, framework: str | None = None) -> TargetSpec:
    """Validate the shape of a spec (not its existence: the child loads it) and decide its
    framework: the prefix, else the `framework` given, else the module's top package if it
    is torch or jax, else numpy."""
    module, sep, attr = spec.rpartition(":")
    if not sep or not module or not attr or not all(attr.split(".")):
        raise ReluproofError(
            f"target {spec!r}: expected MODULE:ATTR, path/to/file.py:ATTR or FRAMEWORK:ATTR "
            "(e.g. torch:nn.functional.selu, jax:nn.selu, mypkg.act:elu)."
        )
    if module in FRAMEWORKS:
        chosen = module
    elif framework is not None:
        chosen = framework
    else:
        top = module.split(".")[0]
        chosen = top if top in ("torch", "jax") else "numpy"
    if chosen not in FRAMEWORKS:
        raise ReluproofError(f"unknown framework {chosen!r}; use one of {', '.join(FRAMEWORKS)}.")
    if module.endswith(".py") and not os.path.isfile(module):
        raise ReluproofError(f"target {spec!r}: no file {module}.")
    return TargetSpec(spec, chosen)


def load_target(spec: str) -> Any:
    """The callable a spec names (imports the module; runs a file)."""
    module_name, _, attr = spec.rpartition(":")
    if module_name.endswith(".py"):
        path = os.path.abspath(module_name)
        name = "_reluproof_target_" + os.path.splitext(os.path.basename(path))[0]
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise ReluproofError(f"cannot load {path} as Python.")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = module
        loader_spec.loader.exec_module(module)
        roots = [module]
    elif module_name in FRAMEWORKS:
        root = require(module_name)
        roots = [root]
        if module_name == "torch":
            roots.append(importlib.import_module("torch.nn.functional"))
    else:
        roots = [importlib.import_module(module_name)]
    for root in roots:
        obj = root
        try:
            for part in attr.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        if not callable(obj):
            raise ReluproofError(f"{spec}: {attr} is a {type(obj).__name__}, not a function.")
        return obj
    raise ReluproofError(f"{spec}: {module_name} has no attribute {attr!r}.")


# ---------------------------------------------------------------------------------------
# arrays


@dataclass(frozen=True)
class Returned:
    """What a target returned, described; `values` is float64 (None if not convertible)."""

    kind: str  # "array" (the framework's array type), or the Python type's name
    dtype: str | None  # the format name when a float format, else the dtype's text
    shape: tuple | None
    values: np.ndarray | None


_DTYPE_NAMES = {
    "float16": "float16",
    "bfloat16": "bfloat16",
    "float32": "float32",
    "float64": "float64",
    "torch.float16": "float16",
    "torch.bfloat16": "bfloat16",
    "torch.float32": "float32",
    "torch.float64": "float64",
}


def _numpy_dtype(fmt: str):
    if fmt == "bfloat16":
        return require("ml_dtypes").bfloat16
    return np.dtype(fmt)


def to_native(x: np.ndarray, fmt: str, framework: str) -> Any:
    """A float64 array of format-`fmt` numbers as the framework's array of that format."""
    if framework == "numpy":
        return np.asarray(x, dtype=np.float64).astype(_numpy_dtype(fmt))
    if framework == "torch":
        torch = require("torch")
        wide = np.array(x, dtype=np.float32 if fmt == "bfloat16" else np.float64, order="C")
        return torch.from_numpy(wide).to(getattr(torch, fmt))  # np.array keeps 0-d shapes
    jnp = require("jax.numpy")
    if fmt == "float64":
        require("jax").config.update("jax_enable_x64", True)
    return jnp.asarray(np.asarray(x).astype(_numpy_dtype(fmt)))


def native_scalar_kwargs(kwargs: dict, like: Any, framework: str) -> dict:
    """Keyword values given as {"tensor": [...]} become arrays of the input's dtype (a
    PReLU weight), the rest pass through."""
    out = {}
    for key, value in kwargs.items():
        if isinstance(value, dict) and "tensor" in value:
            if framework == "torch":
                torch = require("torch")
                value = torch.tensor(value["tensor"], dtype=like.dtype)
            elif framework == "jax":
                value = require("jax.numpy").asarray(value["tensor"], dtype=like.dtype)
            else:
                value = np.asarray(value["tensor"], dtype=like.dtype)
        out[key] = value
    return out


def from_native(y: Any, framework: str) -> Returned:
    kind = type(y).__name__
    is_array = False
    if framework == "torch" and installed("torch"):
        torch = sys.modules.get("torch") or require("torch")
        if isinstance(y, torch.Tensor):
            is_array = True
            dtype = str(y.dtype)
            y = y.detach().cpu()
            if y.dtype == torch.bfloat16:
                y = y.float()
            if y.is_floating_point():
                y = y.double()
            y = y.numpy()
            return _described("array", _DTYPE_NAMES.get(dtype, dtype), y)
    if framework == "jax" and "jax" in sys.modules:
        jax = sys.modules["jax"]
        if isinstance(y, jax.Array):
            is_array = True
            y = np.asarray(y)
    if isinstance(y, np.ndarray | np.generic):
        is_array = is_array or framework == "numpy"
        dtype = y.dtype.name
        try:
            values = np.asarray(y).astype(np.float64)
        except (TypeError, ValueError):
            values = None
        return Returned(
            "array" if is_array else kind,
            _DTYPE_NAMES.get(dtype, dtype),
            tuple(np.shape(y)),
            values,
        )
    try:
        values = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        return Returned(kind, None, None, None)
    return Returned(kind, None, tuple(values.shape), values)


def _described(kind: str, dtype: str, y: np.ndarray) -> Returned:
    try:
        values = np.asarray(y).astype(np.float64)
    except (TypeError, ValueError):
        values = None
    return Returned(kind, dtype, tuple(np.shape(y)), values)


def autograd(fn: Any, x: np.ndarray, fmt: str, framework: str, kwargs: dict) -> Returned:
    """f' through the framework's autograd: the gradient of sum(f(x)), elementwise f'."""
    if framework == "torch":
        xt = to_native(x, fmt, "torch").requires_grad_(True)
        y = fn(xt, **native_scalar_kwargs(kwargs, xt, "torch"))
        y.backward(require("torch").ones_like(y))
        if xt.grad is None:
            raise ReluproofError("the output does not depend on the input through autograd")
        return from_native(xt.grad, "torch")
    if framework == "jax":
        jax = require("jax")
        xj = to_native(x, fmt, "jax")
        kw = native_scalar_kwargs(kwargs, xj, "jax")
        return from_native(jax.grad(lambda t: fn(t, **kw).sum())(xj), "jax")
    raise ReluproofError("NumPy has no autograd: give the derivative with --grad TARGET.")
