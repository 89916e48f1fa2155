"""The theorem registry and the `prove` / `selu-constants` / `report` commands."""

import json

import pytest

from proofs import selu
from proofs.registry import THEOREM_MODULES, all_theorems, select
from proofs.theorem import Status, run
from reluproof.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_module_registers_theorems():
    prefixes = {t.id.split(".")[0] for t in all_theorems()}
    assert {"dead", "smooth", "vanish", "selu", "claims"} <= prefixes
    assert len(THEOREM_MODULES) == 7


def test_ids_are_unique_and_statements_present():
    theorems = all_theorems()
    assert len({t.id for t in theorems}) == len(theorems)
    assert all(t.statement.strip() for t in theorems)


@pytest.mark.parametrize("theorem", [t for t in all_theorems() if t.id.startswith("claims.")],
                         ids=lambda t: t.id)  # fmt: skip
def test_every_claim_is_settled_as_expected_with_its_source(theorem):
    assert theorem.source is not None and theorem.source.quote
    result = run(theorem)
    assert result.verdict.status is not Status.UNDECIDED, result.verdict.summary
    assert result.as_expected, result.verdict.summary


def test_claims_cover_every_source_document():
    documents = {t.source.document for t in all_theorems() if t.source is not None}
    assert documents == {
        "000_cce168a880d2299d.txt",
        "001_5a897a5912340601.txt",
        "002_3bf8178524fc587d.txt",
        "003_bdd817aebe3d8cbc.txt",
    }


def test_select_by_prefix_and_unknown():
    assert all(t.id.startswith("selu.") for t in select(["selu"]))
    assert not any(t.slow for t in select([]))
    assert any(t.slow for t in select([], include_slow=True))


def test_prove_cli_json(capsys):
    code, out, _ = run_cli(capsys, "prove", "claims.selu_alpha_constant", "--json", "-q")
    assert code == 0
    (row,) = json.loads(out)
    assert set(row) >= {"id", "statement", "method", "verdict", "certificate"}
    assert row["verdict"] == "REFUTED" and row["as_expected"] is True


def test_prove_cli_table_and_exit_codes(capsys):
    code, out, _ = run_cli(capsys, "prove", "claims.negative_z_zero_derivative", "-q")
    assert code == 0 and "PROVED" in out and "1 as expected" in out
    code, _, err = run_cli(capsys, "prove", "no.such.theorem")
    assert code == 2 and "unknown theorem" in err and "Traceback" not in err
    code, out, _ = run_cli(capsys, "prove", "--list")
    assert code == 0 and "selu.contraction" not in out  # slow ones only with --slow
    code, out, _ = run_cli(capsys, "prove", "--list", "--slow")
    assert "selu.contraction" in out


def test_prove_list_json_is_json(capsys):
    code, out, _ = run_cli(capsys, "prove", "--list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [t.id for t in select([])]
    for row, theorem in zip(rows, select([]), strict=True):
        assert set(row) >= {"id", "statement", "method", "expected", "slow"}
        assert row["method"] == theorem.method.value
        assert row["expected"] == theorem.expected.value and row["slow"] is False
        assert ("source" in row) == (theorem.source is not None)
    cited = next(r for r in rows if r["id"] == "claims.dead_neuron_not_recoverable")
    assert cited["source"]["title"] == "Dying ReLU Problem"
    assert cited["source"]["quote"] == "dead neuron is not ~~too~~ recoverable."
    code, out, _ = run_cli(capsys, "prove", "selu", "--list", "--json", "--slow")
    slow = {r["id"] for r in json.loads(out) if r["slow"]}
    assert {"selu.contraction", "selu.maps_into_domain"} <= slow


def test_prove_exit_1_when_a_verdict_is_not_as_expected(capsys, monkeypatch):
    import dataclasses

    from proofs import registry

    real = registry.select

    def flipped(ids, include_slow=False):
        return [dataclasses.replace(t, expected=Status.PROVED) for t in real(ids, include_slow)]

    monkeypatch.setattr(registry, "select", flipped)
    code, out, _ = run_cli(capsys, "prove", "claims.selu_alpha_constant", "-q")
    assert code == 1 and "BAD" in out


def test_selu_constants_cli(capsys):
    code, out, _ = run_cli(capsys, "selu-constants", "--digits", "30", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["alpha"] == "1.67326324235437728481704299167"
    assert data["lambda"] == "1.05070098735548049341933498529"
    code, _, err = run_cli(capsys, "selu-constants", "--digits", "0")
    assert code == 2 and "digits" in err


def test_selu_general_fixed_point_and_dropout(capsys):
    code, out, _ = run_cli(capsys, "selu-constants", "--mean", "0", "--variance", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["alpha"].startswith("1.673263242354377") and data["lambda"].startswith("1.0507")
    code, out, _ = run_cli(
        capsys, "selu-constants", "--mean", "0.1", "--variance", "0.9", "--dropout-keep", "0.9",
        "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["alpha"] != data["lambda"] and not data["alpha"].startswith("1.6732")
    # By the moments: after dropout and a*x + b, x = selu(z) at the fixed point, the mean and
    # variance are again (0.1, 0.9) (to the printed digits), not the (0, 1) formula's
    # (0.0837, 0.949).
    q, (a, b) = 0.9, (float(data["alpha_dropout"][k]) for k in "ab")
    x = selu.moments_arb("0.1", "0.9", data["alpha"], data["lambda"], 128)
    mean_x, second_x = float(x.mean.mid()), float(x.second_moment.mid())
    saturation = -float(data["alpha"]) * float(data["lambda"])
    mean_y = q * (a * mean_x + b) + (1 - q) * (a * saturation + b)
    second_y = (
        q * (a * a * second_x + 2 * a * b * mean_x + b * b) + (1 - q) * (a * saturation + b) ** 2
    )
    assert mean_y == pytest.approx(0.1, abs=1e-12)
    assert second_y - mean_y**2 == pytest.approx(0.9, abs=1e-12)
    code, _, err = run_cli(capsys, "selu-constants", "--mean", "0")
    assert code == 2 and "together" in err
    code, _, err = run_cli(capsys, "selu-constants", "--dropout-keep", "2")
    assert code == 2 and "keep probability" in err


def test_prove_in_workers_matches_one_process(capsys):
    ids = ["dead.minibatch_nuance", "smooth.elu_identity", "claims.relu_is_a_step_function"]
    code, one, _ = run_cli(capsys, "prove", *ids, "--json", "-q", "--jobs", "1")
    code2, two, _ = run_cli(capsys, "prove", *ids, "--json", "-q", "--jobs", "2")
    assert code == code2 == 0

    def strip(rows):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in json.loads(rows)]

    assert strip(one) == strip(two)
