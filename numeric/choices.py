"""The names `reluproof train` and the experiments offer: inits, optimisers, dtypes, tasks
and losses.

They live apart from `numeric.mlp` and `numeric.tasks` (which own what each name does and
re-export these) so that the CLI can build its parser, and answer `--help` or `--version`,
without importing SciPy and the training code.
"""

INITS = (
    "zeros",
    "constant",
    "normal",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "orthogonal",
)
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")
DTYPES = ("float32", "float64")
TASKS = ("regression", "classification", "digits")
LOSSES = ("mse", "bce", "softmax_ce")
