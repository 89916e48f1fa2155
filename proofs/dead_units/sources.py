"""The source documents the dead-unit theorems answer (file names under ../shared/seeds)."""

DEAD_NEURON_DOC = "000_cce168a880d2299d.txt"
STANFORD_DOC = "002_3bf8178524fc587d.txt"
DERIVATION_DOC = "003_bdd817aebe3d8cbc.txt"
