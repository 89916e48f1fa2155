"""The implementation checker: other people's activation code against the catalogue.

reference.py  the correctly rounded reference (ball arithmetic; a float64 fast path)
compare.py    ulp distances on the bit encodings, counterexamples, conventions (-0.0)
inputs.py     input sets: the curated edge set, a log sweep, Hypothesis strategies, all
adapters.py   frameworks (numpy, torch, jax): loading a target, converting arrays
runner.py     the target in a subprocess with a timeout; what the child process runs
checks.py     the checks themselves: values, specials, derivative, contract, properties
results.py    frozen results, text with two-line reproductions, JSON
exhaustive.py every input of a format, chunked over worker processes
survey.py     every catalogue activation in each installed framework
kernel_targets.py  reluproof's own kernels as targets (the dogfood)
"""
