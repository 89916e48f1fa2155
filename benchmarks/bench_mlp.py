"""Epoch time of the NumPy MLP against PyTorch CPU, side by side, and against the bare
matrix products an epoch needs; optionally the lock-step learning-rate sweep.

The same network (3 hidden ReLU layers of the given width, a linear output), the same data
(the seeded regression task), the same batch size, SGD, float32 and MSE loss (batch mean of
|yhat - y|^2 / 2) in both. Each cell is the best of `--repeat` epochs after one warm-up
epoch. Threads: torch.set_num_threads(n) for PyTorch, threadpoolctl's limit on the BLAS for
NumPy. "bare matmul" is the time of exactly the matrix products of one epoch (forward, weight
gradients, input gradients), on preallocated arrays: the floor on this machine.

Goals (issue 7): NumPy at most half PyTorch's time at widths 64 and 256; within 25% of the
bare products at width 1024; the sweep (6 activations x 15 learning rates x 5 seeds, 3x64,
20 epochs) under 60 s.

Run: python benchmarks/bench_mlp.py [--widths 64,256,1024] [--threads 1,2] [--sweep]
     (needs torch==2.13.0 and threadpoolctl: pip install 'reluproof[bench]')
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from numeric.mlp import Settings, Training  # noqa: E402
from numeric.tasks import make_task  # noqa: E402

DEPTH = 3


def best_time(epoch, repeat: int) -> float:
    """The best of `repeat` timed calls after one warm-up call."""
    epoch()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - start)
    return min(times)


def numpy_epoch(width: int, task, batch: int, repeat: int) -> float:
    settings = Settings(widths=(width,) * DEPTH, batch_size=batch, lr=1e-3, dtype="float32")
    return best_time(Training(settings, task, [0]).train_epoch, repeat)


def torch_epoch(width: int, task, batch: int, repeat: int) -> float:
    import torch

    torch.manual_seed(0)
    sizes = [task.n_inputs, *([width] * DEPTH), task.n_outputs]
    layers: list = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if i < DEPTH:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    X = torch.from_numpy(task.X.astype(np.float32))
    Y = torch.from_numpy(task.Y.astype(np.float32))
    n = X.shape[0]

    def epoch():
        order = torch.randperm(n)
        for start in range(0, n, batch):
            index = order[start : start + batch]
            optimizer.zero_grad(set_to_none=True)
            out = model(X[index])
            loss = 0.5 * ((out - Y[index]) ** 2).sum() / index.shape[0]
            loss.backward()
            optimizer.step()

    return best_time(epoch, repeat)


def bare_matmul_epoch(width: int, task, batch: int, repeat: int) -> float:
    """Only the products of one epoch: per step and layer a @ W, a^T @ delta, delta @ W^T."""
    rng = np.random.default_rng(0)
    sizes = [task.n_inputs, *([width] * DEPTH), task.n_outputs]
    steps = -(-task.n_samples // batch)
    f32 = np.float32
    W = [
        rng.standard_normal((i, o)).astype(f32) for i, o in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    acts = [rng.standard_normal((batch, s)).astype(f32) for s in sizes]
    grads = [np.empty_like(w) for w in W]
    ups = [np.empty((batch, s), f32) for s in sizes]

    def epoch():
        for _ in range(steps):
            for l, w in enumerate(W):
                np.matmul(acts[l], w, out=acts[l + 1])
            for l in reversed(range(len(W))):
                np.matmul(acts[l].T, acts[l + 1], out=grads[l])
                if l:
                    np.matmul(acts[l + 1], W[l].T, out=ups[l])

    return best_time(epoch, repeat)


def sweep(task, epochs: int) -> float:
    """6 activations x 15 learning rates x 5 seeds, 3x64, lock-step per activation, one
    process (the experiment runner spreads the six groups over the cores)."""
    activations = ["relu", "leaky_relu", "prelu", "rrelu", "elu", "selu"]
    lrs = np.repeat(np.geomspace(1e-3, 3.0, 15), 5)
    seeds = list(range(5)) * 15
    start = time.perf_counter()
    for name in activations:
        settings = Settings(activation=name, widths=(64, 64, 64), epochs=epochs)
        group = time.perf_counter()
        Training(settings, task, seeds, lrs=lrs).fit()
        print(f"  {name:11s} 75 runs lock-step: {time.perf_counter() - group:6.2f} s", flush=True)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="64,256,1024")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument("--sweep", action="store_true", help="also time the lr sweep")
    parser.add_argument("--sweep-epochs", type=int, default=20)
    args = parser.parse_args(argv)
    widths = [int(w) for w in args.widths.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    task = make_task("regression", seed=0, n_samples=args.samples, n_inputs=32, n_outputs=4)
    if not args.no_torch:
        import torch

    print(
        f"epoch time, {args.samples} samples, batch {args.batch_size}, {DEPTH} hidden ReLU "
        f"layers, SGD, float32 (best of {args.repeat})"
    )
    header = (
        f"{'width':>6} {'threads':>7} {'numpy ms':>9} {'torch ms':>9} {'np/torch':>8} "
        f"{'bare ms':>8} {'np/bare':>8}"
    )
    print(header)
    for width in widths:
        for n in threads:
            with threadpool_limits(limits=n):
                ours = numpy_epoch(width, task, args.batch_size, args.repeat)
                bare = bare_matmul_epoch(width, task, args.batch_size, args.repeat)
            theirs = float("nan")
            if not args.no_torch:
                torch.set_num_threads(n)
                theirs = torch_epoch(width, task, args.batch_size, args.repeat)
            print(
                f"{width:>6} {n:>7} {1e3 * ours:9.2f} {1e3 * theirs:9.2f} "
                f"{ours / theirs:8.2f} {1e3 * bare:8.2f} {ours / bare:8.2f}",
                flush=True,
            )
    if args.sweep:
        with threadpool_limits(limits=1):
            sweep_task = make_task("regression", seed=0)
            print(f"lr sweep, {sweep_task.n_samples} samples, {args.sweep_epochs} epochs:")
            total = sweep(sweep_task, args.sweep_epochs)
        print(f"sweep total (one process, one BLAS thread): {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
