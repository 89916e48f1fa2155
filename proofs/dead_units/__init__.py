"""Dead units: when a unit's gradient is exactly zero, when it stays so, and when it does not.

This package owns the theorems about dying ReLUs and their relatives, one concern per
module:

* `zero_gradient` -- `dead.zero_gradient` (and `dead.zero_gradient.<name>` for every
  catalogue activation with a constant piece): a unit whose pre-activation lies in a
  zero-gradient interval on every example has exactly zero gradient for its incoming weights
  and bias, for any differentiable loss and any layers above -- a symbolic chain rule with
  the layers above an undefined SymPy function; `dead.gradient_survives.<name>` shows the
  same derivative is not zero for Leaky ReLU, PReLU, ELU, SELU and CELU;
* `permanence` -- `dead.permanent_first_layer`: a dead first-layer unit stays dead under
  (minibatch) SGD with weight decay on weights and bias and 0 <= eta*lambda < 1; and the
  conditions that matter, settled with exact counterexamples: decay on the weights but not
  the bias (`dead.revives_weight_decay_without_bias`), momentum (`dead.revives_momentum`),
  eta*lambda > 1 (`dead.revives_large_decay`); and Adam (`dead.revives_adam`), whose first
  moment keeps a dead unit moving -- sqrt makes its steps irrational, so that trajectory is
  computed in `arb` balls (`adam`) and every ReLU branch is decided from a ball that
  excludes 0;
* `deeper_layers` -- `dead.second_layer_revives`: a dead unit of the second hidden layer
  comes back when the first layer moves (so "a dead ReLU never revives", settled in
  `proofs.claims`, is false); `dead.layer_cut`: a fully dead layer gives every earlier
  parameter exactly zero gradient; `dead.minibatch_nuance`: zero on part of a batch is not
  dead;
* `no_death` -- `dead.no_exact_death`: f' never vanishes for Leaky ReLU, PReLU, ELU, SELU,
  CELU;
* `isolated_zeros` -- `dead.isolated_zeros.<name>`: GELU, SiLU and Mish have f' = 0 at
  exactly one point, located to 10 significant digits in ball arithmetic;
* `exact_mlp` -- the small networks all of these run on, in exact rationals or balls.

Conventions. A unit is *dead* on a dataset when its pre-activation is < 0 on every example
(for other activations: inside a zero-gradient interval). The exact rational networks
(`ExactMLP`) use ReLU in the hidden layers, a linear output layer, the loss
mean over the batch of |yhat - y|^2 / 2, and PyTorch's conventions: relu'(0) = 0, SGD
weight decay adds lambda*theta to the gradient, momentum keeps v <- mu*v + g and steps
theta <- theta - eta*v. Nothing here is proved by sampling floats: SymPy simplifies to 0 or
decides a sign from assumptions, Fractions are exact, and `flint.arb` balls are rigorous.
Heavy work happens inside functions, never at import.
"""

# The theorem modules in the order of their theorems (registration order is the registry's
# order, so the order of `reluproof prove` and of the report): keep it, do not sort.
# isort: off
from proofs.dead_units.sources import DEAD_NEURON_DOC, DERIVATION_DOC, STANFORD_DOC
from proofs.dead_units.exact_mlp import (
    SGD,
    BallMLP,
    Example,
    ExactMLP,
    Matrix,
    Vector,
    ball_gradients,
    ball_network,
    ball_pre_activations,
    exact_ball,
    first_layer_net,
    is_dead,
    make_example,
    unit_gradient,
    unit_pre_activations,
)
from proofs.dead_units.zero_gradient import (
    DYING,
    NO_DEATH,
    DeadGradient,
    NoDeathSpec,
    constant_pieces,
    dead_gradient,
)
from proofs.dead_units.adam import (
    ADAM_PREC,
    Adam,
    BallRun,
    adam_revival,
    sgd_from_dead_state,
    train_balls,
)
from proofs.dead_units.permanence import (
    KAPPA,
    KAPPA_NEGATIVE,
    DecayStep,
    Revival,
    decay_step,
    momentum_revival,
    train,
    weight_decay_without_bias,
)
from proofs.dead_units.deeper_layers import (
    LayerCut,
    MinibatchExample,
    layer_cut,
    layer_cut_general,
    minibatch_example,
    second_layer_revival,
)
from proofs.dead_units.no_death import no_death_checks
from proofs.dead_units.isolated_zeros import (
    STATED_ROOTS,
    ZERO_FINDERS,
    IsolatedZero,
    Step,
    gelu_zero,
    mish_zero,
    silu_zero,
)

# isort: on

__all__ = [
    "ADAM_PREC",
    "DEAD_NEURON_DOC",
    "DERIVATION_DOC",
    "DYING",
    "KAPPA",
    "KAPPA_NEGATIVE",
    "NO_DEATH",
    "SGD",
    "STANFORD_DOC",
    "STATED_ROOTS",
    "ZERO_FINDERS",
    "Adam",
    "BallMLP",
    "BallRun",
    "DeadGradient",
    "DecayStep",
    "Example",
    "ExactMLP",
    "IsolatedZero",
    "LayerCut",
    "Matrix",
    "MinibatchExample",
    "NoDeathSpec",
    "Revival",
    "Step",
    "Vector",
    "adam_revival",
    "ball_gradients",
    "ball_network",
    "ball_pre_activations",
    "constant_pieces",
    "dead_gradient",
    "decay_step",
    "exact_ball",
    "first_layer_net",
    "gelu_zero",
    "is_dead",
    "layer_cut",
    "layer_cut_general",
    "make_example",
    "minibatch_example",
    "mish_zero",
    "momentum_revival",
    "no_death_checks",
    "second_layer_revival",
    "sgd_from_dead_state",
    "silu_zero",
    "train",
    "train_balls",
    "unit_gradient",
    "unit_pre_activations",
    "weight_decay_without_bias",
]
