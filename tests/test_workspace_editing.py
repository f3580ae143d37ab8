"""The model editor's pure edits (scenarist.workspace.editing) on the packaged example: renames carry every
reference (checked against the analysis of the original with the ids mapped, computed independently by
scenarist.analyze), deletions refuse or cascade, and what only the whole model can check is left to the validator.
"""

from __future__ import annotations

import json

import pytest

import scenarist
from scenarist.errors import ModelError, OptionError, UnknownNameError
from scenarist.workspace import editing
from scenarist.workspace.versions import model_data, model_from_data


@pytest.fixture
def data() -> dict:
    d = model_data(scenarist.load("example"))
    # An ensemble member too, so that renames and deletions reach readings' judgments.
    d["ensemble"] = [
        {"id": "sceptic", "weight": 1.0, "judgments": [{"from": "world.growth", "to": "policy.closed", "score": 1}]}
    ]
    return d


def scenarios(model) -> list[dict]:
    return [s["variants"] for s in scenarist.analyze(model).to_dict()["scenarios"]]


def test_renaming_every_variant_maps_the_analysis(data):
    original = model_from_data(data)
    expected_before = scenarios(original)
    for d in original.descriptors:
        for v in d.variants:
            editing.rename_variant(data, d.id, v.id, f"{v.id}-x")
    renamed = model_from_data(data)
    mapped = [{d: f"{v}-x" for d, v in s.items()} for s in expected_before]
    assert scenarios(renamed) == mapped
    text = json.dumps(data)
    for ref in ('"policy.closed"', '"growth"', '"integration"', '"world.recession"'):
        assert ref not in text, ref
    assert data["reference_scenarios"][0]["variants"] == {
        "world": "growth-x",
        "policy": "open-x",
        "politics": "nationalist-x",
        "relationship": "truce-x",
    }
    assert data["descriptors"][0]["prior"]["probabilities"] == {"growth-x": 0.6, "recession-x": 0.4}
    assert data["actors"][0]["links"][0]["preferred_variant"] == "open-x"
    assert data["indicators"][0]["variant"] == "relationship.integration-x"
    assert data["assessments"]["variants"][0]["variant"] == "integration-x"
    assert data["assessments"]["joint"][0]["variants"] == ["integration-x", "truce-x"]
    assert data["ensemble"][0]["judgments"][0] == {"from": "world.growth-x", "to": "policy.closed-x", "score": 1}


def test_renaming_a_descriptor_maps_the_analysis(data):
    before = scenarios(model_from_data(data))
    editing.rename_descriptor(data, "relationship", "ties")
    editing.rename_descriptor(data, "world", "economy")
    after = scenarios(model_from_data(data))
    names = {"relationship": "ties", "world": "economy"}
    assert after == [{names.get(d, d): v for d, v in s.items()} for s in before]
    assert data["assessments"]["outcome"] == "ties"
    assert data["actors"][1]["links"][0]["descriptor"] == "ties"
    assert "world." not in json.dumps(data["judgments"]) + json.dumps(data["ensemble"])


def test_renames_refuse_taken_and_malformed_ids_and_unknown_names(data):
    with pytest.raises(OptionError, match="already has a variant 'open'") as e:
        editing.rename_variant(data, "policy", "closed", "open")
    assert e.value.field == "id"
    with pytest.raises(OptionError, match="already exists"):
        editing.rename_descriptor(data, "world", "policy")
    with pytest.raises(OptionError, match="no dots"):
        editing.rename_variant(data, "policy", "closed", "a.b")
    with pytest.raises(UnknownNameError, match="no variant 'nope' in descriptor 'policy'"):
        editing.rename_variant(data, "policy", "nope", "x")
    with pytest.raises(UnknownNameError, match="no descriptor 'nope'"):
        editing.rename_descriptor(data, "nope", "x")


def test_moving_a_descriptor_reorders_only(data):
    before = scenarios(model_from_data(data))
    assert editing.move_descriptor(data, "relationship", -1) == 2
    assert editing.move_descriptor(data, "world", -1) == 0  # stops at the top
    assert [d["id"] for d in data["descriptors"]] == ["world", "policy", "relationship", "politics"]
    after = scenarios(model_from_data(data))
    key = lambda s: sorted(s.items())  # noqa: E731
    assert sorted(after, key=key) == sorted(before, key=key)
    assert editing.move_variant(data, "relationship", "rupture", -2) == 0
    d = data["descriptors"][editing.descriptor_index(data, "relationship")]
    assert [v["id"] for v in d["variants"]] == ["rupture", "integration", "truce"]


def test_adding_a_descriptor_and_a_variant(data):
    at = editing.add_descriptor(data, "media", "Media", ["calm", {"id": "loud", "name": "Loud"}], role="catalyst")
    assert at == 4
    assert data["descriptors"][4]["variants"][0] == {"id": "calm", "name": "Calm"}
    assert data["reference_scenarios"][0]["variants"]["media"] == "calm"
    model_from_data(data)
    with pytest.raises(OptionError, match="already exists"):
        editing.add_descriptor(data, "media", "Media", ["a", "b"])
    editing.add_variant(data, "world", "stagnation", "Stagnation")
    prior = data["descriptors"][0]["prior"]
    assert prior["probabilities"] == {"growth": 0.6, "recession": 0.4, "stagnation": 0.0}
    model_from_data(data)  # still sums to 1
    editing.add_descriptor(data, "lonely", "Lonely", ["only"])
    with pytest.raises(ModelError, match="has 1 variant"):
        model_from_data(data)


def test_deleting_a_descriptor_refuses_or_cascades(data):
    with pytest.raises(OptionError, match=r"descriptor 'relationship' is used by \d+ item") as e:
        editing.delete_descriptor(data, "relationship")
    assert e.value.field == "cascade" and "indicator tariff-cut" in str(e.value)
    gone = editing.delete_descriptor(data, "relationship", cascade=True)
    assert "assessments (outcome)" in gone and "actor industry-b (link)" in gone
    model = model_from_data(data)
    assert [d.id for d in model.descriptors] == ["world", "policy", "politics"]
    assert model.indicators == [] and model.assessments is None
    assert model.reference_scenarios[0].variants == {"world": "growth", "policy": "open", "politics": "nationalist"}
    assert "relationship" not in json.dumps(data)


def test_deleting_a_variant_refuses_or_cascades(data):
    with pytest.raises(OptionError, match="reference scenario status-quo"):
        editing.delete_variant(data, "relationship", "truce")
    editing.delete_variant(data, "relationship", "truce", cascade=True)
    model = model_from_data(data)
    assert model.reference_scenarios == []
    assert model.assessments.joint[0].variants == ["integration"]
    assert "relationship.truce" not in json.dumps(data)
    # A prior that loses a probability above 0 no longer sums to 1: the validator says so in its own words.
    editing.add_variant(data, "world", "boom", "Boom")
    editing.delete_variant(data, "world", "recession", cascade=True)
    with pytest.raises(ModelError, match=r"probabilities sum to 0\.6, not 1"):
        model_from_data(data)


def test_a_variant_with_probability_zero_is_not_used(data):
    editing.add_variant(data, "world", "boom", "Boom")
    assert editing.variant_uses(data, "world", "boom") == []
    editing.delete_variant(data, "world", "boom")
    model_from_data(data)


def test_priors_are_checked_by_the_validator(data):
    editing.set_prior(data, "world", {"growth": 0.5, "recession": 0.4}, "guess")
    with pytest.raises(ModelError) as e:
        model_from_data(data)
    assert [(p.field, p.message) for p in e.value.problems] == [
        ("descriptors[0].prior.probabilities", "probabilities sum to 0.9, not 1")
    ]
    editing.set_prior(
        data,
        "world",
        {"growth": 0.5, "recession": 0.5},
        "even",
        uniform=True,
        citations=[{"source": "notes", "section": "priors"}],
    )
    assert model_from_data(data).descriptors[0].prior.uniform is True
    editing.set_prior(data, "policy", {"open": 0.5, "closed": 0.5}, "not exogenous")
    with pytest.raises(ModelError, match="only exogenous descriptors carry priors"):
        model_from_data(data)
    editing.clear_prior(data, "policy")
    model_from_data(data)


def test_sources(data):
    with pytest.raises(
        OptionError,
        match=r"source 'notes' is cited by 25 item\(s\): 19 judgment\(s\) \(judgment world.growth → policy.open; .*; prior of world; reference scenario status-quo",
    ):
        editing.delete_source(data, "notes")
    editing.add_source(data, "paper", "A paper", author="Smith", date="2024-10")
    assert data["sources"][1] == {"id": "paper", "title": "A paper", "author": "Smith", "date": "2024-10"}
    editing.update_source(data, "paper", author="", outlet="Journal")
    assert data["sources"][1] == {"id": "paper", "title": "A paper", "date": "2024-10", "outlet": "Journal"}
    with pytest.raises(OptionError, match="no editable field 'colour'"):
        editing.update_source(data, "paper", colour="red")
    uses = editing.source_uses(data, "notes")
    editing.rename_source(data, "notes", "teaching-notes")
    assert editing.source_uses(data, "teaching-notes") == uses
    assert '"notes"' not in json.dumps(data)
    model_from_data(data)
    editing.delete_source(data, "paper")
    assert [s["id"] for s in data["sources"]] == ["teaching-notes"]
    with pytest.raises(UnknownNameError):
        editing.delete_source(data, "paper")


def test_actors(data):
    editing.add_actor(data, "eu", "European Union", links=[{"descriptor": "policy", "relation": "stake"}])
    model_from_data(data)
    editing.update_actor(data, "eu", description="A bloc", links=[{"descriptor": "nope"}])
    with pytest.raises(ModelError) as e:
        model_from_data(data)
    assert [p.field for p in e.value.problems] == ["actors[2].links[0].descriptor"]
    editing.update_actor(data, "eu", links=[])
    editing.rename_actor(data, "eu", "europe")
    assert data["actors"][2] == {"id": "europe", "name": "European Union", "description": "A bloc"}
    with pytest.raises(OptionError, match="already exists"):
        editing.add_actor(data, "gov-a", "Again")
    editing.delete_actor(data, "europe")
    assert [a["id"] for a in data["actors"]] == ["gov-a", "industry-b"]


def test_metadata(data):
    editing.update_metadata(data, title="New", description="", authors=["A", "B"], scale={"min": -2, "max": 2})
    m = model_from_data(data).metadata
    assert (m.title, m.description, m.authors, m.scale.min) == ("New", None, ["A", "B"], -2)
    with pytest.raises(OptionError, match="no editable field 'id'"):
        editing.update_metadata(data, id="other")
    editing.update_metadata(data, scale={"min": 2, "max": -2})
    with pytest.raises(ModelError, match=r"min \(2\) must be below max"):
        model_from_data(data)
