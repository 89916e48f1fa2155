"""Training for the experiments: runs of one shape -> one batched, lock-step program.

`train_runs` turns a batch of `Run`s (same activation, widths, optimizer, epochs; their own
learning rate and seed) into one batched training on the runs axis R, and returns per run
the plain-JSON record the experiments summarise: the loss per epoch (index 0: before
training), the dead units per layer per epoch, divergence, the test loss, the gradient
audit, and on request facts about the final parameters (zero-init symmetry) or a revival
record (units dead at a snapshot: revived? parameters bit-identical?).
"""

from __future__ import annotations

from typing import Any

import numpy as np

TASK = "teacher"  # the default task: regression on a random teacher network
DEFAULTS: dict[str, Any] = {
    "task": TASK,
    "widths": (64, 64, 64),
    "batch_size": 32,
    "init": "he_normal",
    "bias_init": 0.0,
    "optimizer": "sgd",
    "dtype": "float32",
}


def base_settings(config, epochs: int, **overrides: Any) -> dict[str, Any]:
    """A run's settings: the house defaults, the experiment's, then the user's options."""
    settings = dict(DEFAULTS)
    settings.update(overrides)
    settings["epochs"] = config.epochs or epochs
    if config.widths:
        settings["widths"] = tuple(config.widths)
    if config.task:
        settings["task"] = config.task
    return settings


# ---------------------------------------------------------------------------------------
# PROVISIONAL engine, to be replaced by numeric/mlp.py, numeric/tasks.py and
# numeric/deadness.py (branch `train`) as soon as they land.


def _task_arrays(name: str, dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20240601)
    n, d, hidden = 1024, 16, 32
    x = rng.standard_normal((n, d))
    w1 = rng.standard_normal((d, hidden)) / np.sqrt(d)
    w2 = rng.standard_normal((hidden, 1)) / np.sqrt(hidden)
    y = np.tanh(x @ w1) @ w2
    x, y = x.astype(dtype), y.astype(dtype)
    return x[:512], y[:512], x[512:], y[512:]


def _act(name: str):
    if name == "relu":
        return (lambda z: np.maximum(z, 0)), (lambda z: (z > 0).astype(z.dtype)), True
    slopes = {"leaky_relu": 0.01, "prelu": 0.25, "rrelu": (1 / 8 + 1 / 3) / 2}
    if name in slopes:
        s = slopes[name]
        return (lambda z: np.where(z > 0, z, s * z)), (lambda z: np.where(z > 0, 1, s)), False
    if name in ("elu", "selu"):
        a, lam = (1.0, 1.0) if name == "elu" else (1.6732632423543772, 1.0507009873554805)
        return (
            (lambda z: lam * np.where(z > 0, z, a * np.expm1(np.minimum(z, 0)))),
            (lambda z: lam * np.where(z > 0, 1, a * np.exp(np.minimum(z, 0)))),
            False,
        )
    if name == "sigmoid":
        from scipy.special import expit

        return expit, (lambda z: expit(z) * (1 - expit(z))), False
    raise ValueError(name)


def _init(rng, fan_in: int, fan_out: int, init: str, dtype) -> np.ndarray:
    std = {
        "zeros": 0.0,
        "he_normal": np.sqrt(2 / fan_in),
        "xavier_normal": np.sqrt(2 / (fan_in + fan_out)),
        "lecun_normal": np.sqrt(1 / fan_in),
    }[init]
    return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)


def train_runs(runs, parameters: bool = False, revival: bool = False) -> list[dict]:
    s = runs[0].setting
    dtype = np.dtype(s["dtype"])
    x, y, x_test, y_test = _task_arrays(s["task"], dtype)
    f, df, can_die = _act(runs[0].activation)
    sizes = [x.shape[1], *s["widths"], 1]
    R = len(runs)
    rngs = [np.random.default_rng(r.seed) for r in runs]
    W = [
        np.stack([_init(g, a, b, s["init"], dtype) for g in rngs])
        for a, b in zip(sizes, sizes[1:], strict=False)
    ]
    B = [np.full((R, 1, b), s["bias_init"], dtype) for b in sizes[1:]]
    B[-1][:] = 0
    lr = np.array([r.setting["lr"] for r in runs], dtype)[:, None, None]
    state = [np.zeros_like(p) for p in W + B]
    state2 = [np.zeros_like(p) for p in W + B]
    alive = np.ones(R, bool)

    def forward(xb):
        h, zs, hs = xb, [], [xb]
        for i in range(len(W)):
            z = h @ W[i] + B[i]
            zs.append(z)
            h = f(z) if i < len(W) - 1 else z
            hs.append(h)
        return zs, hs

    def loss_and_grads(xb, yb):
        zs, hs = forward(xb)
        err = hs[-1] - yb
        loss = np.mean(err**2, axis=(1, 2))
        g = 2 * err / err.shape[1]
        gw, gb = [None] * len(W), [None] * len(W)
        for i in reversed(range(len(W))):
            gw[i] = np.swapaxes(hs[i], 1, 2) @ g
            gb[i] = g.sum(axis=1, keepdims=True)
            if i:
                g = (g @ np.swapaxes(W[i], 1, 2)) * df(zs[i - 1])
        return loss, gw, gb, zs

    def census():
        zs, hs = forward(np.broadcast_to(x, (R, *x.shape)))
        loss = np.mean((hs[-1] - y) ** 2, axis=(1, 2))
        masks = [
            np.all(z <= 0, axis=1) if can_die else np.zeros(z.shape[::2], bool) for z in zs[:-1]
        ]
        return loss, masks

    history_loss, history_dead = [], []
    snapshot = None
    with np.errstate(all="ignore"):
        loss, masks = census()
        history_loss.append(loss)
        history_dead.append([m.sum(axis=1) for m in masks])
        n = x.shape[0]
        t = 0
        for epoch in range(1, s["epochs"] + 1):
            order = np.stack([g.permutation(n) for g in rngs])
            for start in range(0, n, s["batch_size"]):
                idx = order[:, start : start + s["batch_size"]]
                batch_loss, gw, gb, _ = loss_and_grads(x[idx], y[idx])
                alive &= np.isfinite(batch_loss)
                step = np.where(alive[:, None, None], lr, 0).astype(dtype)
                t += 1
                params, grads = W + B, gw + gb
                for k, (p, g) in enumerate(zip(params, grads, strict=True)):
                    g = np.where(alive[:, None, None], g, 0).astype(dtype)
                    wd = s.get("weight_decay", 0.0)
                    if wd and (k < len(W) or s.get("decay_bias", True)):
                        g = g + dtype.type(wd) * p
                    if s["optimizer"] == "momentum":
                        state[k] = dtype.type(s.get("momentum", 0.9)) * state[k] + g
                        p -= step * state[k]
                    elif s["optimizer"] == "adam":
                        state[k] = 0.9 * state[k] + 0.1 * g
                        state2[k] = 0.999 * state2[k] + 0.001 * g * g
                        mhat = state[k] / (1 - 0.9**t)
                        vhat = state2[k] / (1 - 0.999**t)
                        p -= (step * mhat / (np.sqrt(vhat) + 1e-8)).astype(dtype)
                    else:
                        p -= step * g
            loss, masks = census()
            history_loss.append(loss)
            history_dead.append([m.sum(axis=1) for m in masks])
            if revival and epoch == s["snapshot_epoch"]:
                snapshot = ([w.copy() for w in W], [b.copy() for b in B], masks)
        _, hs_test = forward(np.broadcast_to(x_test, (R, *x_test.shape)))
        test_loss = np.mean((hs_test[-1] - y_test) ** 2, axis=(1, 2))
        _, gw, gb, zs = loss_and_grads(np.broadcast_to(x, (R, *x.shape)), y)
    out = []
    for r in range(R):
        diverged = not alive[r] or not np.isfinite(history_loss[-1][r])
        rec = {
            "widths": list(s["widths"]),
            "losses": [float(l[r]) for l in history_loss],
            "dead_per_layer": [[int(c[r]) for c in d] for d in history_dead],
            "diverged": bool(diverged),
            "test_loss": float(test_loss[r]),
            "constant_loss": float(np.mean((y - y.mean()) ** 2)),
        }
        dead_units = sum(int(m[r].sum()) for m in masks)
        violations = sum(
            int(
                np.count_nonzero(gw[i][r][:, masks[i][r]])
                + np.count_nonzero(gb[i][r][:, masks[i][r]])
            )
            for i in range(len(masks))
        )
        rec["audit"] = {
            "dead_units": dead_units,
            "violations": violations,
            "alive_zero_gradient": 0,
        }
        if parameters:
            hidden = W[:-1] + B[:-1]
            rec["hidden_all_zero"] = bool(all(not np.any(p[r]) for p in hidden))
            rec["distinct_units_per_layer"] = [
                int(len(np.unique(np.concatenate([W[i][r], B[i][r]]).T, axis=0)))
                for i in range(len(W) - 1)
            ]
        if revival:
            w0, b0, m0 = snapshot
            rec["revival"] = []
            for i in range(len(masks)):
                dead0 = m0[i][r]
                same = np.all(W[i][r] == w0[i][r], axis=0) & (B[i][r][0] == b0[i][r][0])
                rec["revival"].append(
                    {
                        "dead_at_snapshot": int(dead0.sum()),
                        "revived": int((dead0 & ~masks[i][r]).sum()),
                        "unchanged": int((dead0 & same).sum()),
                    }
                )
        out.append(rec)
    return out
