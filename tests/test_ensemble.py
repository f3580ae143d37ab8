"""Ensembles: per-member kernels and distributions, support, consensus and the weighted mixture."""

from __future__ import annotations

import pytest

import scenarist
from scenarist.errors import ModelError
from scenarist.io.yaml_model import load_model
from scenarist.probability.ensemble import ensemble_distribution, members_from_files

BASE = """\
metadata: {id: e, title: E, provenance: optional}
descriptors:
  - id: a
    name: A
    exogenous: true
    prior: {probabilities: {a1: 0.5, a2: 0.5}, rationale: even}
    variants: [{id: a1, name: A1}, {id: a2, name: A2}]
  - id: o
    name: O
    role: outcome
    variants: [{id: o1, name: O1}, {id: o2, name: O2}]
judgments:
  - {from: a.a1, to: o.o1, score: 1}
  - {from: a.a2, to: o.o2, score: 1}
"""

ENSEMBLE = (
    BASE
    + """\
ensemble:
  - {id: stated, weight: 3}
  - id: sceptic
    weight: 1
    judgments:
      - {from: a.a1, to: o.o1, score: -1}
"""
)


def test_ensemble_list_support_consensus_mixture(write_model):
    r = scenarist.ensemble(write_model(ENSEMBLE))
    assert [m.id for m in r.members] == ["stated", "sceptic"]
    assert r.weights == pytest.approx([0.75, 0.25])
    # stated: a1 → o1, a2 → o2. Sceptic: a1 pushes o1 down, so a1 → o2; a2 → o2.
    assert r.distributions[0].probability == pytest.approx({"o1": 0.5, "o2": 0.5})
    assert r.distributions[1].probability == pytest.approx({"o1": 0.0, "o2": 1.0})
    assert r.mixture.probability == pytest.approx({"o1": 0.75 * 0.5, "o2": 0.75 * 0.5 + 0.25})
    sup = {tuple(row["variants"].values()): row for row in r.support_rows()}
    assert sup[("a2", "o2")]["support"] == pytest.approx(1.0) and sup[("a2", "o2")]["consensus"]
    assert sup[("a1", "o1")]["support"] == pytest.approx(0.75) and sup[("a1", "o1")]["member_ids"] == ["stated"]
    assert sup[("a1", "o2")]["support"] == pytest.approx(0.25)
    assert [tuple(x) for x in r.consensus.tolist()] == [(1, 1)]
    # weighted band over members: the 5 % point falls in the sceptic (weight 0.25), the 95 % in the stated member
    assert r.mixture.bands["o1"] == (0.0, 0.5)
    doc = r.to_dict()
    assert doc["members"][1]["kernel_size"] == 2 and doc["consensus"] == [{"a": "a2", "o": "o2"}]
    assert r.to_frame().loc[("(mixture)", "o1"), "probability"] == pytest.approx(0.375)


def test_members_from_files(write_model, tmp_path):
    base = write_model(BASE, "base.yaml")
    other = write_model(BASE.replace("score: 1}\n  - {from: a.a2", "score: -2}\n  - {from: a.a2"), "other.yaml")
    m = load_model(base)
    r = ensemble_distribution(m, members_from_files(m, [other], weights=[1, 1], loader=load_model))
    assert r.mixture.probability == pytest.approx({"o1": 0.25, "o2": 0.75})
    assert len(r.distributions[1].scenarios) == 2


def test_member_file_in_ensemble_list_and_structure_check(write_model):
    write_model(BASE.replace("score: 1}\n  - {from: a.a2", "score: -2}\n  - {from: a.a2"), "other.yaml")
    path = write_model(BASE + "ensemble:\n  - {id: me}\n  - {id: other, file: other.yaml, weight: 2}\n")
    r = scenarist.ensemble(path)
    assert r.mixture.probability["o1"] == pytest.approx(0.5 / 3)
    bad = write_model(BASE.replace("o2, name: O2", "o3, name: O3").replace("o.o2", "o.o3"), "bad.yaml")
    with pytest.raises(ModelError):
        members_from_files(load_model(path), [bad], loader=load_model)


def test_bad_ensemble_entries_are_located(write_model):
    path = write_model(
        BASE + "ensemble:\n  - {id: x, weight: 0}\n  - {id: x, judgments: [{from: a.a1, to: a.a2, score: 9}]}\n"
    )
    with pytest.raises(ModelError) as exc:
        load_model(path)
    text = str(exc.value)
    assert "ensemble[0].weight" in text and "ensemble[1].id" in text and "ensemble[1].judgments[0].score" in text


@pytest.mark.parametrize("bad", ["inf", "nan", "-1", "0"])
def test_weights_that_are_not_finite_and_positive_are_refused(tmp_path, bad):
    """Defect #13: --weight inf/nan/negative/zero is one message naming the member, exit 2, no warning, no JSON."""
    from typer.testing import CliRunner

    from scenarist.cli import app
    from scenarist.io.yaml_model import load_model, save_model

    other = tmp_path / "m2.yaml"
    save_model(load_model("example"), other)
    r = CliRunner().invoke(
        app, ["ensemble", "example", "--member", str(other), "--weight", bad, "--weight", "1", "--json"]
    )
    assert r.exit_code == 2, r.output
    assert r.stdout == "" and "Warning" not in r.stderr
    assert "for member example.yaml: a weight must be a finite number > 0" in r.stderr


def test_members_are_labelled_apart_and_the_json_is_strict(tmp_path):
    """Copies of one model (same metadata.id and title) are told apart by file name; the JSON has no NaN."""
    import json

    from typer.testing import CliRunner

    from scenarist.cli import app
    from scenarist.io.yaml_model import load_model, save_model

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for folder in (a, b):
        save_model(load_model("example"), folder / "expert.yaml")
    r = CliRunner().invoke(
        app,
        [
            "ensemble",
            "example",
            "--member",
            str(a / "expert.yaml"),
            "--member",
            str(b / "expert.yaml"),
            "--weight",
            "2",
            "--weight",
            "1",
            "--weight",
            "1",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert [m["id"] for m in doc["members"]] == ["example.yaml", "expert.yaml", "expert.yaml#2"]
    assert [m["weight"] for m in doc["members"]] == pytest.approx([0.5, 0.25, 0.25])
    json.dumps(doc, allow_nan=False)
    r = CliRunner().invoke(
        app,
        ["ensemble", "example", "--member", str(a / "expert.yaml"), "--member", str(b / "expert.yaml")],
        env={"COLUMNS": "100"},
    )
    assert "expert.yaml#2" in r.stdout and r.stdout.count("Worked example") == 0
