"""A fully connected network in NumPy, trained as R runs in lock-step.

Every array carries a leading RUNS axis R: runs that share a shape (activation, widths,
init, optimiser, batch size, epochs, dtype, task) but differ in seed, learning rate and
weight decay train together as one batched array program (np.matmul on (R, B, n) stacks).
A single run is R = 1; there is no second code path.

Public API (stable; the experiments build on it)
-----------------------------------------------
Settings                       frozen: everything shared by the runs (see its fields).
Params                         weights[l] (R, fan_in, fan_out), biases[l] (R, 1, fan_out),
                               slopes[l] (R, 1, 1) for PReLU's learnable slope (one per hidden
                               layer and run, as torch.nn.PReLU() by default), else [].
Network(settings, n_inputs, n_outputs, loss)
  .init(seeds) -> Params       seeded initialisation, one stream per run.
  .forward(params, X, noise=None) -> Forward(pre, post, output)
                               X (N, d) shared by every run or (R, B, d) per run.
  .loss(output, Y) -> (R,)     and .loss_gradient(output, Y) -> dL/doutput.
  .gradients(params, X, Y, noise=None, out=None, layer_inputs=None)
                               -> (loss (R,), grads: Params, Forward) by backpropagation
                               (`out`: reuse these gradient arrays; `layer_inputs`: a list
                               to receive dL/d(layer input) for every layer).
Optimizer(settings)
  .init(params) -> state; .step(params, grads, state, lr, weight_decay, frozen=None)
                               in place, PyTorch's conventions; lr, weight_decay (R, 1, 1).
Training(settings, task, seeds, lrs=None, weight_decays=None)
  .epoch() -> EpochStats       one epoch for all runs (shuffled minibatches), then a census.
  .train_epoch()               the minibatch pass alone (no census; benchmarks time this).
  .fit(epochs=None, on_epoch=None) -> list[RunResult]
  .census() -> EpochStats      loss, dead and dormant units on the full training set.
  .audit() -> list[Audit]      the bit-exact zero-gradient audit (numeric.deadness).
  .reinitialise(units, rngs)   ReDo: fresh incoming, zero outgoing weights and optimiser
                               state for the selected hidden units.
  .results() -> list[RunResult]
  attributes: network, params, state, X and Y (the task in the dtype), zero_test (the
  numeric.deadness membership test), diverged (R,) bool, diverged_epoch (R,) int (-1 =
  never; else the epoch whose step or census saw a non-finite loss), history (list of
  EpochStats, history[0] at initialisation), epochs_done.
train(settings, task, seeds, lrs=None, weight_decays=None) -> list[RunResult]

Conventions
-----------
- Layer l computes z_l = a_{l-1} W_l + b_l; hidden layers apply the activation, the last
  layer is linear (its output goes to the loss). Same model as `proofs.dead_units.ExactMLP`
  (which stores W transposed), whose exact backprop the tests compare with.
- Losses (batch means): `mse` = mean over the batch of |yhat - y|^2 / 2 (ExactMLP's loss);
  `bce` = binary cross-entropy with logits, mean over batch and outputs, computed as
  logaddexp(0, z) - y z (stable); `softmax_ce` = cross-entropy of a stable log-softmax
  against one-hot targets, mean over the batch.
- Optimisers, as torch.optim: g = grad + wd * theta (coupled L2, on weights only unless
  `decay_biases`, which also decays biases and PReLU slopes); sgd: theta -= lr g;
  momentum: v = mu v + g, theta -= lr v; nesterov: v = mu v + g, theta -= lr (g + mu v);
  adam: m, v moments, theta -= lr/(1-b1^t) m / (sqrt(v)/sqrt(1-b2^t) + eps).
- Inits (W is (fan_in, fan_out)): zeros; constant (value `init_scale`, default 0.01);
  normal N(0, s^2) (s = `init_scale`, default 0.01); uniform U(-s, s) (default 0.05);
  xavier_normal std sqrt(2/(fan_in+fan_out)); xavier_uniform bound sqrt(6/(fan_in+fan_out));
  he_normal std sqrt(2/fan_in); he_uniform bound sqrt(6/fan_in); lecun_normal std
  sqrt(1/fan_in); orthogonal (torch.nn.init.orthogonal_, gain `init_scale`, default 1).
  Bias init `bias_init`: a number (0, 0.01, -1, ...) or "normal" / "normal:STD" (default
  std 0.1). PReLU's slope starts at the catalogue's value of `a` (or --param a=...).
- RReLU (`rrelu`) trains as torch does in training mode: a slope drawn per element and
  step from U(lower, upper); the census, the recorded loss and the audit use evaluation
  mode (the mean slope). `rrelu_train` is the fixed-r function of the catalogue.
- Seeds: run r uses np.random.SeedSequence(seed_r).spawn(3) -> (init, shuffling, noise)
  streams; a seed may be an int or a SeedSequence (e.g. from SeedSequence(base).spawn(n)).
  A run's numbers do not depend on which other runs share its batch.
- Divergence: a run whose minibatch or epoch loss is not finite is marked diverged
  (`diverged_epoch` records when) and frozen (its updates are zeroed) while the other runs
  go on; NumPy's floating-point warnings are silenced inside training (np.errstate).
- Census each epoch (epoch 0 = at initialisation) on the full training set: loss, dead units
  per hidden layer (numeric.deadness, from the calculus's zero-gradient set) and
  tau-dormant units (Settings.tau).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from scipy.special import expit

from derivations.errors import ReluproofError
from numeric import deadness
from numeric.choices import DTYPES, INITS, LOSSES, OPTIMIZERS
from numeric.kernels import Kernel, kernel
from numeric.tasks import Task

_DEFAULT_INIT_SCALE = {"constant": 0.01, "normal": 0.01, "uniform": 0.05, "orthogonal": 1.0}


def choose(kind: str, value: str, known: Sequence[str]) -> str:
    """`value` if it is one of `known`, else a one-line error with the closest name."""
    if value in known:
        return value
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ReluproofError(f"unknown {kind} {value!r}.{hint} Choose one of: {', '.join(known)}.")


@dataclass(frozen=True)
class Settings:
    """What the runs of one lock-step group share. Per-run values (seed, lr, weight decay)
    are given to `Training`; `lr` and `weight_decay` here are their defaults."""

    activation: str = "relu"
    params: tuple[tuple[str, str], ...] = ()  # catalogue parameter overrides (name, value)
    widths: tuple[int, ...] = (64, 64, 64)
    init: str = "he_normal"
    init_scale: float | None = None  # constant/normal/uniform/orthogonal; None: default
    bias_init: str = "0"  # a number, or "normal" / "normal:STD"
    loss: str | None = None  # None: the task's own loss
    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9  # momentum and nesterov
    betas: tuple[float, float] = (0.9, 0.999)  # adam
    eps: float = 1e-8  # adam
    weight_decay: float = 0.0
    decay_biases: bool = False
    batch_size: int = 32
    epochs: int = 20
    dtype: str = "float32"
    tau: float = 0.0  # tau-dormant threshold (Sokar et al. 2023)

    def __post_init__(self):
        from derivations.catalogue import get

        object.__setattr__(self, "activation", get(self.activation).name)
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        object.__setattr__(self, "params", tuple((str(k), str(v)) for k, v in self.params))
        choose("initialisation", self.init, INITS)
        choose("optimizer", self.optimizer, OPTIMIZERS)
        choose("dtype", self.dtype, DTYPES)
        if self.loss is not None:
            choose("loss", self.loss, LOSSES)
        if not self.widths or any(w < 1 for w in self.widths):
            raise ReluproofError(
                f"widths {','.join(map(str, self.widths)) or '(none)'}: every hidden layer "
                "needs at least one unit (e.g. --widths 64,64,64)."
            )
        for name in ("lr", "weight_decay", "momentum", "eps", "tau"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ReluproofError(f"{name} = {value}: it must be a finite number >= 0.")
        if self.batch_size < 1 or self.epochs < 0:
            raise ReluproofError("batch size must be >= 1 and epochs >= 0.")
        if not all(0 <= b < 1 for b in self.betas):
            raise ReluproofError(f"adam betas {self.betas}: each must be in [0, 1).")
        self.bias_initialiser()  # validates
        kernel(self.activation, dict(self.params))  # validates parameters against the catalogue

    def bias_initialiser(self) -> tuple[str, float]:
        """("constant", value) or ("normal", std)."""
        text = str(self.bias_init).strip()
        kind, _, std = text.partition(":")
        if kind == "normal":
            try:
                scale = float(std) if std else 0.1
            except ValueError:
                scale = -1.0
            if not np.isfinite(scale) or scale < 0:
                raise ReluproofError(f"bias init {text!r}: the std must be a number >= 0.")
            return "normal", scale
        try:
            value = float(text)
        except ValueError:
            raise ReluproofError(
                f"bias init {text!r}: give a number (0, 0.01, -1) or normal[:STD]."
            ) from None
        if not np.isfinite(value):
            raise ReluproofError(f"bias init {text!r}: must be finite.")
        return "constant", value

    def to_dict(self) -> dict:
        out = asdict(self)
        out["params"] = dict(self.params)
        out["widths"] = list(self.widths)
        out["betas"] = list(self.betas)
        return out


@dataclass
class Params:
    """The parameters of R runs (arrays updated in place by the optimiser)."""

    weights: list[np.ndarray]  # (R, fan_in, fan_out)
    biases: list[np.ndarray]  # (R, 1, fan_out)
    slopes: list[np.ndarray] = field(default_factory=list)  # (R, 1, 1) per hidden layer

    def arrays(self) -> list[tuple[str, np.ndarray]]:
        """(kind, array) for every parameter array: kind is weight, bias or slope."""
        return (
            [("weight", w) for w in self.weights]
            + [("bias", b) for b in self.biases]
            + [("slope", s) for s in self.slopes]
        )

    def copy(self) -> Params:
        return Params(
            [w.copy() for w in self.weights],
            [b.copy() for b in self.biases],
            [s.copy() for s in self.slopes],
        )

    def run(self, r: int) -> Params:
        """Run r alone, as an R = 1 Params (copies)."""
        return Params(
            [w[r : r + 1].copy() for w in self.weights],
            [b[r : r + 1].copy() for b in self.biases],
            [s[r : r + 1].copy() for s in self.slopes],
        )


@dataclass(frozen=True)
class Forward:
    pre: list[np.ndarray]  # hidden pre-activations z_l, (R, N, n_l)
    post: list[np.ndarray]  # layer inputs: post[0] = X, post[l] = f(z_l) (R, N, n_l)
    output: np.ndarray  # (R, N, k), the last (linear) layer


def _seed_sequence(seed) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(int(seed))


def _seed_record(seed):
    if isinstance(seed, np.random.SeedSequence):
        return {"entropy": str(seed.entropy), "spawn_key": list(seed.spawn_key)}
    return int(seed)


def layer_matmul(a: np.ndarray, W: np.ndarray) -> np.ndarray:
    """a @ W for every run: a (R, B, n) per run, or (N, n) shared by all runs, W (R, n, m).

    A shared input goes through ONE matrix product (N, n) @ (n, R*m): NumPy's matmul
    broadcasts a stride-0 operand through its slow non-BLAS loop (30x slower)."""
    if a.ndim == 3:
        return np.matmul(a, W)
    runs, n, m = W.shape
    wide = np.matmul(a, W.transpose(1, 0, 2).reshape(n, runs * m))
    return wide.reshape(a.shape[0], runs, m).transpose(1, 0, 2)


def input_gradient(a: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """a^T @ delta for every run: (R, n, m) from a (R, B, n) or shared (N, n), delta (R, B, m)."""
    if a.ndim == 3:
        return np.matmul(a.transpose(0, 2, 1), delta)
    runs, batch, m = delta.shape
    stacked = np.ascontiguousarray(delta.transpose(1, 0, 2)).reshape(batch, runs * m)
    return np.matmul(a.T, stacked).reshape(a.shape[1], runs, m).transpose(1, 0, 2)


class Network:
    """The model: shapes, activation kernel, loss; pure functions of (params, data)."""

    def __init__(self, settings: Settings, n_inputs: int, n_outputs: int, loss: str):
        self.settings = settings
        self.sizes = (n_inputs, *settings.widths, n_outputs)
        self.loss_name = choose("loss", loss, LOSSES)
        self.dtype = np.dtype(settings.dtype)
        self.kernel: Kernel = kernel(settings.activation, dict(settings.params))
        self.learnable = self.kernel.learnable  # ("a",) for prelu
        self.random_slope = settings.activation == "rrelu"
        if self.random_slope:
            values = self.kernel.exact
            self.slope_law = (float(values["lower"]), float(values["upper"]))

    @property
    def hidden_layers(self) -> int:
        return len(self.sizes) - 2

    # ---- init ----
    def _weight(self, rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        name, shape = self.settings.init, (fan_in, fan_out)
        scale = self.settings.init_scale
        if scale is None:
            scale = _DEFAULT_INIT_SCALE.get(name, 1.0)
        if name == "zeros":
            return np.zeros(shape)
        if name == "constant":
            return np.full(shape, scale)
        if name == "normal":
            return rng.normal(0.0, scale, shape)
        if name == "uniform":
            return rng.uniform(-scale, scale, shape)
        if name == "xavier_normal":
            return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), shape)
        if name == "xavier_uniform":
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            return rng.uniform(-bound, bound, shape)
        if name == "he_normal":
            return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        if name == "he_uniform":
            bound = np.sqrt(6.0 / fan_in)
            return rng.uniform(-bound, bound, shape)
        if name == "lecun_normal":
            return rng.normal(0.0, np.sqrt(1.0 / fan_in), shape)
        # orthogonal, as torch.nn.init.orthogonal_ on the (fan_out, fan_in) matrix
        flat = rng.standard_normal((fan_out, fan_in))
        tall = flat.T if fan_out < fan_in else flat
        q, r = np.linalg.qr(tall)
        q = q * np.sign(np.diag(r))
        return scale * (q.T if fan_out < fan_in else q).T

    def init(self, seeds: Sequence) -> Params:
        """Parameters for len(seeds) runs; run r draws from its own init stream."""
        kind, value = self.settings.bias_initialiser()
        weights = [[] for _ in self.sizes[1:]]
        biases = [[] for _ in self.sizes[1:]]
        for seed in seeds:
            rng = np.random.default_rng(_seed_sequence(seed).spawn(3)[0])
            for l, (fan_in, fan_out) in enumerate(
                zip(self.sizes[:-1], self.sizes[1:], strict=True)
            ):
                weights[l].append(self._weight(rng, fan_in, fan_out))
                if kind == "normal":
                    biases[l].append(rng.normal(0.0, value, (1, fan_out)))
                else:
                    biases[l].append(np.full((1, fan_out), value))
        slopes = []
        if self.learnable:
            start = self.kernel.parameter_values(self.dtype)["a"]
            slopes = [np.full((len(seeds), 1, 1), start, self.dtype) for _ in self.sizes[1:-1]]
        return Params(
            [np.stack(w).astype(self.dtype) for w in weights],
            [np.stack(b).astype(self.dtype) for b in biases],
            slopes,
        )

    # ---- predict ----
    def _learned(self, params: Params, layer: int, noise) -> dict:
        if params.slopes:
            return {"a": params.slopes[layer]}
        if noise is not None:
            return {"slope": noise[layer]}
        return {}

    def forward(self, params: Params, X: np.ndarray, noise=None) -> Forward:
        """All layers on X: (N, d) shared by the runs, or (R, B, d) one batch per run.
        `noise[l]` (R, B, n_l): RReLU's training slopes (None: evaluation mode)."""
        pre, post = [], [X]
        a = X
        last = len(params.weights) - 1
        for l, (W, b) in enumerate(zip(params.weights, params.biases, strict=True)):
            z = layer_matmul(a, W)
            z += b
            if l == last:
                return Forward(pre, post, z)
            pre.append(z)
            a = self.kernel.f(z, **self._learned(params, l, noise))
            post.append(a)
        raise AssertionError("a network has at least one layer")

    def predict(self, params: Params, X: np.ndarray) -> np.ndarray:
        return self.forward(params, X).output

    # ---- loss ----
    def loss(self, output: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """(R,) the batch-mean loss of each run."""
        batch = output.shape[-2]
        if self.loss_name == "mse":
            diff = output - Y
            return 0.5 * np.einsum("rbk,rbk->r", diff, diff) / batch
        if self.loss_name == "bce":
            terms = np.logaddexp(0, output) - Y * output
            return terms.sum(axis=(-2, -1)) / (batch * output.shape[-1])
        shifted = output - output.max(axis=-1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return -(Y * log_softmax).sum(axis=(-2, -1)) / batch

    def loss_gradient(self, output: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """dL/d(output), (R, B, k)."""
        batch = output.shape[-2]
        if self.loss_name == "mse":
            return (output - Y) / output.dtype.type(batch)
        if self.loss_name == "bce":
            return (expit(output) - Y) / output.dtype.type(batch * output.shape[-1])
        shifted = output - output.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        return (e / e.sum(axis=-1, keepdims=True) - Y) / output.dtype.type(batch)

    # ---- backprop ----
    def gradients(
        self,
        params: Params,
        X: np.ndarray,
        Y: np.ndarray,
        noise=None,
        out: Params | None = None,
        layer_inputs: list | None = None,
    ):
        """(loss (R,), gradients as Params, the Forward) by backpropagation. With `out`
        (a Params of the gradients' shapes, e.g. `params.copy()`), the weight and bias
        gradients are written into its arrays (no allocation per step) and `out` returned.
        With `layer_inputs` (a list), it is filled with dL/d(post[l]) for every layer input,
        post[0] = X included, (R, N, n_l) each: the backpropagated gradients whose norms the
        vanishing-gradient theorems bound."""
        if layer_inputs is not None:
            layer_inputs.clear()
        fwd = self.forward(params, X, noise)
        loss = self.loss(fwd.output, Y)
        delta = self.loss_gradient(fwd.output, Y)
        n = len(params.weights)
        g_w, g_b = [None] * n, [None] * n
        g_s = [None] * len(params.slopes)
        for l in reversed(range(n)):
            a = fwd.post[l]
            if out is not None and a.ndim == 3:
                g_w[l] = np.matmul(a.transpose(0, 2, 1), delta, out=out.weights[l])
                g_b[l] = np.sum(delta, axis=-2, keepdims=True, out=out.biases[l])
            else:
                g_w[l] = input_gradient(a, delta)
                g_b[l] = delta.sum(axis=-2, keepdims=True)
            if l or layer_inputs is not None:
                upstream = np.matmul(delta, params.weights[l].transpose(0, 2, 1))
                if layer_inputs is not None:
                    layer_inputs.insert(0, upstream.copy())  # `upstream` is scaled in place
            if l:
                z, learned = fwd.pre[l - 1], self._learned(params, l - 1, noise)
                if params.slopes:
                    dslope = self.kernel.dparam("a", z, **learned)
                    g_s[l - 1] = np.einsum("rbn,rbn->r", upstream, dslope)[:, None, None]
                upstream *= self.kernel.df(z, **learned)
                delta = upstream
        return loss, Params(g_w, g_b, g_s), fwd


class Optimizer:
    """torch.optim's SGD (plain, momentum, Nesterov) and Adam on R runs at once."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.name = settings.optimizer

    def init(self, params: Params) -> dict:
        state: dict = {"t": 0}
        if self.name in ("momentum", "nesterov"):
            state["v"] = [np.zeros_like(p) for _, p in params.arrays()]
        if self.name == "adam":
            state["m"] = [np.zeros_like(p) for _, p in params.arrays()]
            state["v"] = [np.zeros_like(p) for _, p in params.arrays()]
        return state

    def step(
        self,
        params: Params,
        grads: Params,
        state: dict,
        lr: np.ndarray,
        weight_decay: np.ndarray,
        frozen: np.ndarray | None = None,
    ) -> None:
        """One update in place; lr and weight_decay are (R, 1, 1) arrays in the dtype; the
        runs where `frozen` (R,) is True keep their parameters bit for bit."""
        s = self.settings
        state["t"] += 1
        decay_any = bool(np.any(weight_decay))
        if "scratch" not in state:
            state["scratch"] = [np.empty_like(p) for _, p in params.arrays()]
        for i, ((kind, p), (_, g)) in enumerate(zip(params.arrays(), grads.arrays(), strict=True)):
            step = state["scratch"][i]  # lr * direction, computed in place: no temporaries
            if decay_any and (kind == "weight" or s.decay_biases):
                g = g + weight_decay * p
            if self.name == "sgd":
                np.multiply(lr, g, out=step)
            elif self.name in ("momentum", "nesterov"):
                v = state["v"][i]
                v *= p.dtype.type(s.momentum)
                v += g
                if self.name == "nesterov":
                    np.multiply(p.dtype.type(s.momentum), v, out=step)
                    step += g
                    step *= lr
                else:
                    np.multiply(lr, v, out=step)
            else:
                b1, b2 = s.betas
                m, v = state["m"][i], state["v"][i]
                m *= p.dtype.type(b1)
                m += p.dtype.type(1 - b1) * g
                v *= p.dtype.type(b2)
                v += p.dtype.type(1 - b2) * (g * g)
                correction1 = 1 - b1 ** state["t"]
                correction2 = np.sqrt(1 - b2 ** state["t"])
                denominator = np.sqrt(v) / p.dtype.type(correction2) + p.dtype.type(s.eps)
                np.divide(m, denominator, out=step)
                step *= lr / p.dtype.type(correction1)
            if frozen is not None:
                step[frozen] = 0  # lr = 0 alone would not do: 0 * inf = NaN
            p -= step


@dataclass(frozen=True)
class EpochStats:
    """A census of all runs after an epoch (epoch 0: at initialisation)."""

    epoch: int
    loss: np.ndarray  # (R,) full training set loss
    dead: list[np.ndarray]  # per hidden layer, (R, n_l) bool
    dormant: list[np.ndarray]  # per hidden layer, (R, n_l) bool

    def dead_per_layer(self, r: int) -> tuple[int, ...]:
        return tuple(int(d[r].sum()) for d in self.dead)

    def dormant_per_layer(self, r: int) -> tuple[int, ...]:
        return tuple(int(d[r].sum()) for d in self.dormant)


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    loss: float
    dead_per_layer: tuple[int, ...]
    dormant_per_layer: tuple[int, ...]

    def to_dict(self) -> dict:
        return {
            "epoch": self.epoch,
            "loss": _json_float(self.loss),
            "dead_per_layer": list(self.dead_per_layer),
            "dormant_per_layer": list(self.dormant_per_layer),
        }


def _json_float(value: float):
    """JSON has no NaN/inf: they are written as strings."""
    return float(value) if np.isfinite(value) else str(value)


@dataclass(frozen=True)
class RunResult:
    """One run: its settings and per-run values, the per-epoch census, the final state and
    the gradient audit (None if not taken)."""

    settings: Settings
    task: dict
    seed: object
    lr: float
    weight_decay: float
    widths: tuple[int, ...]
    epochs: tuple[EpochRecord, ...]
    diverged: bool
    diverged_epoch: int | None
    audit: deadness.Audit | None

    @property
    def final(self) -> EpochRecord:
        return self.epochs[-1]

    @property
    def dead_fraction(self) -> float:
        return sum(self.final.dead_per_layer) / sum(self.widths)

    def to_dict(self) -> dict:
        return {
            "settings": {
                **self.settings.to_dict(),
                "lr": self.lr,
                "weight_decay": self.weight_decay,
                "seed": self.seed,
                "task": self.task,
            },
            "epochs": [e.to_dict() for e in self.epochs],
            "final": {
                "epoch": self.final.epoch,
                "loss": _json_float(self.final.loss),
                "dead_per_layer": list(self.final.dead_per_layer),
                "dead_fraction": self.dead_fraction,
                "dormant_per_layer": list(self.final.dormant_per_layer),
                "diverged": self.diverged,
                "diverged_epoch": self.diverged_epoch,
            },
            "audit": None if self.audit is None else self.audit.to_dict(),
        }


def _per_run(values, default: float, runs: int, name: str, dtype) -> np.ndarray:
    array = np.full(runs, default, dtype=np.float64) if values is None else np.asarray(values)
    array = array.astype(np.float64).reshape(-1)
    if array.shape != (runs,):
        raise ReluproofError(f"{name}: expected one value per run ({runs}), got {array.size}.")
    if not np.isfinite(array).all() or (array < 0).any():
        raise ReluproofError(f"{name}: every value must be a finite number >= 0.")
    return array


class Training:
    """R runs of one shape trained in lock-step on one task (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        task: Task,
        seeds: Sequence,
        lrs: Sequence[float] | None = None,
        weight_decays: Sequence[float] | None = None,
    ):
        if not len(seeds):
            raise ReluproofError("training needs at least one seed.")
        self.settings, self.task, self.seeds = settings, task, list(seeds)
        runs = len(self.seeds)
        loss = settings.loss or task.loss
        self.network = Network(settings, task.n_inputs, task.n_outputs, loss)
        if loss == "bce" and ((task.Y < 0) | (task.Y > 1)).any():
            raise ReluproofError("the bce loss needs targets in [0, 1]; use --loss mse.")
        dtype = self.network.dtype
        self.X = np.ascontiguousarray(task.X, dtype=dtype)
        self.Y = np.ascontiguousarray(task.Y, dtype=dtype)
        self.lrs = _per_run(lrs, settings.lr, runs, "learning rates", dtype)
        self.weight_decays = _per_run(
            weight_decays, settings.weight_decay, runs, "weight decays", dtype
        )
        self._lr = self.lrs.astype(dtype).reshape(runs, 1, 1)
        self._wd = self.weight_decays.astype(dtype).reshape(runs, 1, 1)
        streams = [_seed_sequence(s).spawn(3) for s in self.seeds]
        self.order_rngs = [np.random.default_rng(s[1]) for s in streams]
        self.noise_rngs = [np.random.default_rng(s[2]) for s in streams]
        self.params = self.network.init(self.seeds)
        self._grads = self.params.copy()  # gradient buffers, rewritten every step
        self.optimizer = Optimizer(settings)
        self.state = self.optimizer.init(self.params)
        self.zero_test = deadness.zero_gradient_test(
            settings.activation, dict(settings.params), dtype
        )
        self.diverged = np.zeros(runs, dtype=bool)
        self.diverged_epoch = np.full(runs, -1)
        self.epochs_done = 0
        self.history: list[EpochStats] = []
        self._record(self.census())

    @property
    def runs(self) -> int:
        return len(self.seeds)

    def _record(self, stats: EpochStats) -> None:
        self._mark_diverged(~np.isfinite(stats.loss), stats.epoch)
        self.history.append(stats)

    def _mark_diverged(self, bad: np.ndarray, epoch: int) -> None:
        """Freeze the runs newly `bad`; `epoch` is the one whose step or census saw it
        (numbered as the census numbers epochs: 1 = the first pass over the data)."""
        new = bad & ~self.diverged
        if new.any():
            self.diverged |= new
            self.diverged_epoch[new] = epoch
            self._lr[new] = 0

    def _noise(self, steps: int, batch: int) -> np.ndarray | None:
        """RReLU's training slopes for a whole epoch: (R, steps*batch, sum of widths)."""
        if not self.network.random_slope:
            return None
        lo, hi = self.network.slope_law
        total = sum(self.settings.widths)
        draws = [
            rng.random((steps * batch, total), dtype=self.network.dtype) for rng in self.noise_rngs
        ]
        return self.network.dtype.type(lo) + self.network.dtype.type(hi - lo) * np.stack(draws)

    def epoch(self) -> EpochStats:
        """One pass over the shuffled training set in minibatches, then the census."""
        self.train_epoch()
        stats = self.census()
        self._record(stats)
        return stats

    def train_epoch(self) -> None:
        """One pass over the shuffled training set in minibatches (no census)."""
        n, batch = self.task.n_samples, self.settings.batch_size
        steps = -(-n // batch)
        orders = np.stack([rng.permutation(n) for rng in self.order_rngs])
        noise = self._noise(steps, batch)
        cuts = np.cumsum((0, *self.settings.widths))
        with np.errstate(all="ignore"):
            for step in range(steps):
                index = orders[:, step * batch : (step + 1) * batch]
                layer_noise = None
                if noise is not None:
                    chunk = noise[:, step * batch : step * batch + index.shape[1]]
                    layer_noise = [
                        chunk[..., a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)
                    ]
                loss, grads, _ = self.network.gradients(
                    self.params, self.X[index], self.Y[index], layer_noise, self._grads
                )
                bad = ~np.isfinite(loss)
                if bad.any() or self.diverged.any():
                    self._mark_diverged(bad, self.epochs_done + 1)
                    for _, g in grads.arrays():
                        g[self.diverged] = 0
                frozen = self.diverged if self.diverged.any() else None
                self.optimizer.step(self.params, grads, self.state, self._lr, self._wd, frozen)
        self.epochs_done += 1

    def census(self) -> EpochStats:
        """Loss, dead and tau-dormant units of every run on the full training set."""
        with np.errstate(all="ignore"):
            fwd = self.network.forward(self.params, self.X)
            loss = self.network.loss(fwd.output, np.broadcast_to(self.Y, fwd.output.shape))
            dead = [deadness.dead_units(self.zero_test, z) for z in fwd.pre]
            dormant = [deadness.dormant_units(h, self.settings.tau) for h in fwd.post[1:]]
        return EpochStats(self.epochs_done, loss.astype(np.float64), dead, dormant)

    def full_gradients(self) -> tuple[np.ndarray, Params, Forward]:
        """(loss, gradients, forward) on the full training set, evaluation mode."""
        with np.errstate(all="ignore"):
            Y = np.broadcast_to(self.Y, (self.runs, *self.Y.shape))
            return self.network.gradients(self.params, self.X, Y)

    def audit(self) -> list[deadness.Audit]:
        """The zero-gradient audit of every run on the full training set."""
        _, grads, fwd = self.full_gradients()
        dead = [deadness.dead_units(self.zero_test, z) for z in fwd.pre]
        hidden = self.network.hidden_layers
        finite = np.ones(self.runs, dtype=bool)
        for group in (self.params, grads):
            for _, array in group.arrays():
                finite &= np.isfinite(array).reshape(self.runs, -1).all(axis=1)
        return deadness.audit(dead, grads.weights[:hidden], grads.biases[:hidden], finite)

    def reinitialise(self, units: list[np.ndarray], rngs: Sequence[np.random.Generator]) -> int:
        """ReDo (Sokar et al. 2023): for every hidden unit selected in `units` (per hidden
        layer, (R, n_l) bool), fresh incoming weights from the initialiser (drawn from run
        r's `rngs[r]`), bias 0, outgoing weights 0 (recycling a dead unit leaves the network's
        outputs unchanged at that moment), and the optimiser's state for all of these 0. Returns how
        many units were reinitialised."""
        p, weights = self.params, len(self.params.weights)
        moments = [self.state[k] for k in ("m", "v") if k in self.state]
        for l, mask in enumerate(units):  # first every fresh incoming column, ...
            fan_in, fan_out = self.network.sizes[l], self.network.sizes[l + 1]
            for r in np.flatnonzero(mask.any(axis=1)):
                chosen = mask[r]
                fresh = self.network._weight(rngs[r], fan_in, fan_out)[:, chosen]
                p.weights[l][r][:, chosen] = fresh.astype(self.network.dtype)
                p.biases[l][r][:, chosen] = 0
                for state in moments:
                    state[l][r][:, chosen] = 0
                    state[weights + l][r][:, chosen] = 0
        for l, mask in enumerate(units):  # ... then the outgoing rows: a recycled unit feeding
            for r in np.flatnonzero(mask.any(axis=1)):  # a recycled unit is silent too
                p.weights[l + 1][r][mask[r], :] = 0
                for state in moments:
                    state[l + 1][r][mask[r], :] = 0
        return int(sum(int(mask.sum()) for mask in units))

    def fit(
        self, epochs: int | None = None, on_epoch: Callable[[EpochStats], None] | None = None
    ) -> list[RunResult]:
        """Train `epochs` more epochs (default: settings.epochs), then audit; the results."""
        for _ in range(self.settings.epochs if epochs is None else epochs):
            stats = self.epoch()
            if on_epoch is not None:
                on_epoch(stats)
            if self.diverged.all():
                break
        return self.results(self.audit())

    def results(self, audits: list[deadness.Audit] | None = None) -> list[RunResult]:
        out = []
        for r in range(self.runs):
            records = tuple(
                EpochRecord(s.epoch, float(s.loss[r]), s.dead_per_layer(r), s.dormant_per_layer(r))
                for s in self.history
            )
            out.append(
                RunResult(
                    settings=replace(self.settings, loss=self.network.loss_name),
                    task=self.task.to_dict(),
                    seed=_seed_record(self.seeds[r]),
                    lr=float(self.lrs[r]),
                    weight_decay=float(self.weight_decays[r]),
                    widths=self.settings.widths,
                    epochs=records,
                    diverged=bool(self.diverged[r]),
                    diverged_epoch=int(self.diverged_epoch[r]) if self.diverged[r] else None,
                    audit=None if audits is None else audits[r],
                )
            )
        return out


def train(
    settings: Settings,
    task: Task,
    seeds: Sequence,
    lrs: Sequence[float] | None = None,
    weight_decays: Sequence[float] | None = None,
    on_epoch: Callable[[EpochStats], None] | None = None,
) -> list[RunResult]:
    """Train len(seeds) runs in lock-step for settings.epochs epochs; one RunResult each."""
    return Training(settings, task, seeds, lrs, weight_decays).fit(on_epoch=on_epoch)
