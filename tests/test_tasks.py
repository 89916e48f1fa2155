"""Built-in tasks are reproducible from their seed; digits comes from scikit-learn's wheel;
a user's .npz is checked and a malformed one gets one line."""

from __future__ import annotations

import numpy as np
import pytest

from derivations.errors import ReluproofError
from numeric.tasks import load_npz, make_task


@pytest.mark.parametrize("name", ["regression", "classification"])
def test_a_task_is_its_seed(name):
    a, b, c = make_task(name, seed=4), make_task(name, seed=4), make_task(name, seed=5)
    assert a.X.tobytes() == b.X.tobytes() and a.Y.tobytes() == b.Y.tobytes()
    assert a.X.tobytes() != c.X.tobytes()
    assert a.X.shape == (1024, 16)


def test_classification_uses_every_class_and_one_hot_targets():
    task = make_task("classification", seed=0)
    assert task.loss == "softmax_ce" and task.Y.shape == (1024, 4)
    assert (task.Y.sum(axis=1) == 1).all() and (task.Y.sum(axis=0) > 50).all()


def test_digits_ships_with_scikit_learn():
    pytest.importorskip("sklearn")
    task = make_task("digits")
    assert task.X.shape == (1797, 64) and task.Y.shape == (1797, 10)
    assert task.X.min() == 0 and task.X.max() == 1


def test_a_good_npz(tmp_path):
    path = tmp_path / "mine.npz"
    np.savez(path, X=np.ones((5, 3)), y=np.array([0, 1, 2, 1, 0]))
    task = load_npz(path)
    assert task.loss == "softmax_ce" and task.Y.shape == (5, 3)
    np.savez(path, X=np.ones((5, 3)), y=np.linspace(0, 1, 5))
    assert load_npz(path).loss == "mse"


BAD = {
    "missing y": {"X": np.ones((4, 2))},
    "X is 1-D": {"X": np.ones(4), "y": np.ones(4)},
    "rows differ": {"X": np.ones((4, 2)), "y": np.ones(3)},
    "NaN in X": {"X": np.array([[np.nan, 1.0]]), "y": np.ones(1)},
    "inf in y": {"X": np.ones((1, 2)), "y": np.array([np.inf])},
    "negative label": {"X": np.ones((2, 2)), "y": np.array([0, -1])},
    "strings": {"X": np.array([["a", "b"]]), "y": np.ones(1)},
    "empty": {"X": np.ones((0, 2)), "y": np.ones(0)},
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_malformed_npz_is_one_line(tmp_path, case):
    path = tmp_path / "bad.npz"
    np.savez(path, **BAD[case])
    with pytest.raises(ReluproofError) as info:
        load_npz(path)
    assert "\n" not in str(info.value) and "bad.npz" in str(info.value)


def test_not_an_npz_at_all(tmp_path):
    path = tmp_path / "text.npz"
    path.write_text("hello")
    with pytest.raises(ReluproofError, match="not an .npz"):
        load_npz(path)
    with pytest.raises(ReluproofError, match="no such file"):
        load_npz(tmp_path / "absent.npz")


def test_unknown_task_suggests():
    with pytest.raises(ReluproofError, match="Did you mean 'digits'"):
        make_task("digit")
