"""Schema and cross-field checks: every kind of problem is reported with file, line and field, all at once."""

from __future__ import annotations

import pytest

from scenarist.errors import InputFileError, ModelError
from scenarist.io.yaml_model import dump_model, load_model

GOOD = """\
metadata:
  id: m
  title: M
  scale: {min: -3, max: 3}
  provenance: required
sources:
  - {id: s1, title: A source}
descriptors:
  - id: x
    name: X
    exogenous: true
    variants: [{id: x1, name: X1}, {id: x2, name: X2}]
  - id: y
    name: Y
    role: outcome
    variants: [{id: y1, name: Y1}, {id: y2, name: Y2}]
judgments:
  - {from: x.x1, to: y.y1, score: 2, rationale: r, citations: [{source: s1, section: "1"}]}
"""


def problems(write_model, text):
    path = write_model(text)
    with pytest.raises(ModelError) as exc:
        load_model(path)
    return path, exc.value.problems


def test_good_model_loads(write_model):
    m = load_model(write_model(GOOD))
    assert [d.id for d in m.descriptors] == ["x", "y"]
    assert m.outcome.id == "y"


def test_round_trip_through_yaml(write_model):
    m = load_model(write_model(GOOD))
    again = load_model(write_model(dump_model(m), "again.yaml"))
    assert again == m


def test_unknown_key(write_model):
    path, ps = problems(write_model, GOOD.replace("    name: Y\n", "    name: Y\n    colour: red\n"))
    assert len(ps) == 1
    p = ps[0]
    assert (p.file, p.line, p.field) == (str(path), 15, "descriptors[1].colour")
    assert "unknown key" in p.message
    assert str(p) == f"{path}:15: descriptors[1].colour: unknown key"


def test_score_outside_scale(write_model):
    _, ps = problems(write_model, GOOD.replace("score: 2", "score: 5"))
    assert [(p.line, p.field) for p in ps] == [(18, "judgments[0].score")]
    assert "outside the scale -3..3" in ps[0].message


def test_an_inverted_scale_is_one_problem_not_one_per_score(write_model):
    _, ps = problems(write_model, GOOD.replace("scale: {min: -3, max: 3}", "scale: {min: 3, max: -3}"))
    assert [(p.field, p.message) for p in ps] == [("metadata.scale", "min (3) must be below max (-3)")]


def test_unknown_ids(write_model):
    text = GOOD.replace("to: y.y1", "to: y.y9").replace("source: s1", "source: s9")
    _, ps = problems(write_model, text)
    fields = sorted(p.field for p in ps)
    assert fields == ["judgments[0].citations[0].source", "judgments[0].to"]
    assert all(p.line == 18 for p in ps)


def test_unknown_descriptor(write_model):
    _, ps = problems(write_model, GOOD.replace("to: y.y1", "to: z.y1"))
    assert "unknown descriptor 'z'" in ps[0].message


def test_duplicates(write_model):
    text = GOOD.replace("{id: x2, name: X2}", "{id: x1, name: X2}").replace(
        "  - {id: s1, title: A source}\n", "  - {id: s1, title: A source}\n  - {id: s1, title: Again}\n"
    )
    _, ps = problems(write_model, text)
    msgs = {p.field: p.message for p in ps}
    assert "duplicate id 's1'" in msgs["sources[1].id"]
    assert "duplicate variant id 'x1'" in msgs["descriptors[0].variants[1].id"]


def test_judgment_within_one_descriptor(write_model):
    _, ps = problems(write_model, GOOD.replace("to: y.y1", "to: x.x2"))
    assert any("within one descriptor" in p.message for p in ps)


def test_fewer_than_two_variants(write_model):
    _, ps = problems(write_model, GOOD.replace(", {id: y2, name: Y2}", ""))
    assert [(p.field, p.line) for p in ps] == [("descriptors[1].variants", 16)]
    assert "needs at least 2" in ps[0].message


def test_impact_on_exogenous(write_model):
    text = GOOD + "  - {from: y.y1, to: x.x1, score: 1, rationale: r, citations: [{source: s1}]}\n"
    _, ps = problems(write_model, text)
    assert [(p.field, p.line) for p in ps] == [("judgments[1].to", 19)]
    assert "exogenous" in ps[0].message


def test_missing_citation_when_required(write_model):
    text = GOOD.replace(', rationale: r, citations: [{source: s1, section: "1"}]', "")
    _, ps = problems(write_model, text)
    assert sorted(p.field for p in ps) == ["judgments[0].citations", "judgments[0].rationale"]
    # The same model is fine when provenance is optional.
    load_model(write_model(text.replace("provenance: required", "provenance: optional"), "opt.yaml"))


def test_all_problems_listed_at_once(write_model):
    text = GOOD.replace("score: 2", "score: 9").replace("to: y.y1", "to: y.y7").replace(", {id: y2, name: Y2}", "")
    _, ps = problems(write_model, text)
    assert len(ps) == 3
    assert len(str(ModelError(ps)).splitlines()) == 3


def test_missing_required_field(write_model):
    _, ps = problems(write_model, GOOD.replace("  title: M\n", ""))
    assert [(p.field, p.message) for p in ps] == [("metadata.title", "missing required field")]
    assert ps[0].line == 1  # the line of the mapping that lacks it


def test_malformed_yaml_names_line(write_model):
    path = write_model("metadata:\n  id: [unclosed\n  title: x\n")
    with pytest.raises(InputFileError, match=rf"{path}:\d+: malformed YAML"):
        load_model(path)


def test_missing_file():
    with pytest.raises(InputFileError, match="no such file"):
        load_model("does/not/exist.yaml")


def test_prior_checks(write_model):
    text = GOOD.replace(
        "    exogenous: true\n",
        "    exogenous: true\n    prior: {probabilities: {x1: 0.5, x3: 0.2}, rationale: r}\n",
    )
    _, ps = problems(write_model, text)
    msgs = " | ".join(p.message for p in ps)
    assert "unknown variant 'x3'" in msgs and "no probability for variant(s) x2" in msgs and "sum to 0.7" in msgs


# -- dates reach the schema as text (#1) and numbers are strict (#15) --------------------------------------------


@pytest.mark.parametrize(
    "as_of, fragment",
    [
        ("2025-02-30", "'2025-02-30'"),  # no 30 February: ruamel used to raise a bare ValueError (a traceback)
        ("2025-13-01", "'2025-13-01'"),
        ("2025-1-1", "'2025-1-1'"),
        ("2025-01-01T10:30:00", "'2025-01-01T10:30:00'"),  # a time of day is not a date
    ],
)
def test_impossible_date_is_a_located_problem(write_model, as_of, fragment):
    text = GOOD.replace("  title: M\n", f"  title: M\n  as_of: {as_of}\n")
    path, ps = problems(write_model, text)
    assert [(p.line, p.field) for p in ps] == [(4, "metadata.as_of")]
    assert ps[0].message.startswith("not a valid date") and fragment in ps[0].message
    assert str(ps[0]).startswith(f"{path}:4: metadata.as_of: not a valid date")


def test_dates_still_load_and_text_dates_stay_text(write_model):
    import datetime as dt

    text = GOOD.replace("  title: M\n", "  title: M\n  as_of: 2024-02-29\n").replace(
        "{id: s1, title: A source}", "{id: s1, title: A source, date: 2024-10-01, accessed: 2025-01-05}"
    )
    m = load_model(write_model(text))
    assert m.metadata.as_of == dt.date(2024, 2, 29)  # a leap day is a date
    assert (m.sources[0].date, m.sources[0].accessed) == ("2024-10-01", "2025-01-05")


def test_read_yaml_keeps_timestamps_as_text():
    from scenarist.io.yaml_text import read_yaml

    tree = read_yaml("t.yaml", "a: 2025-02-30\nb: 2024-10-01 10:00:00\nc: 3\n")
    assert (tree["a"], tree["b"], tree["c"]) == ("2025-02-30", "2024-10-01 10:00:00", 3)
    # ruamel's own loaders are left alone (the change is local to Scenarist's reader).
    import datetime as dt

    from ruamel.yaml import YAML

    assert YAML(typ="rt").load("a: 2025-01-01")["a"] == dt.date(2025, 1, 1)


@pytest.mark.parametrize(
    "old, new, field, message",
    [
        ("score: 2,", "score: true,", "judgments[0].score", "expected an integer, got true"),
        ("score: 2,", "score: 2.0,", "judgments[0].score", "expected an integer, got 2.0"),
        ("score: 2,", 'score: "2",', "judgments[0].score", "expected an integer, got '2'"),
        ("score: 2,", "score: 2, spread: false,", "judgments[0].spread", "expected an integer, got false"),
        ("score: 2,", "score: 2, confidence: true,", "judgments[0].confidence", "expected an integer, got true"),
        ("{min: -3, max: 3}", "{min: -3, max: true}", "metadata.scale.max", "expected an integer, got true"),
        ("    exogenous: true\n", "    exogenous: 1\n", "descriptors[0].exogenous", "expected true or false, got 1"),
        (
            "    exogenous: true\n",
            '    exogenous: "yes"\n',
            "descriptors[0].exogenous",
            "expected true or false, got 'yes'",
        ),
    ],
)
def test_numbers_and_flags_are_strict(write_model, old, new, field, message):
    assert old in GOOD
    _path, ps = problems(write_model, GOOD.replace(old, new, 1))
    assert [(p.field, p.message) for p in ps] == [(field, message)]


def test_probabilities_and_weights_refuse_booleans(write_model):
    prior = "    prior: {probabilities: {x1: true, x2: 0}, rationale: r, citations: [{source: s1}]}\n"
    text = GOOD.replace("    exogenous: true\n", "    exogenous: true\n" + prior)
    _, ps = problems(write_model, text)
    assert [(p.field, p.message) for p in ps] == [
        ("descriptors[0].prior.probabilities.x1", "expected a number, got true")
    ]
    # An integer probability is a number: {x1: 1, x2: 0} loads.
    assert load_model(write_model(text.replace("x1: true", "x1: 1"), "ok.yaml")).descriptors[0].prior.probabilities == {
        "x1": 1.0,
        "x2": 0.0,
    }
    member = "ensemble:\n  - {id: e, weight: true}\n"
    _, ps = problems(write_model, GOOD + member)
    assert [(p.field, p.message) for p in ps] == [("ensemble[0].weight", "expected a number, got true")]


def test_infinite_ensemble_weight_is_refused(write_model):
    _, ps = problems(write_model, GOOD + "ensemble:\n  - {id: e, weight: .inf}\n")
    assert [(p.field, p.message) for p in ps] == [
        (
            "ensemble[0].weight",
            "weight inf must lie in 1e-06..1e+06 (weights are relative: they are normalised to sum 1)",
        )
    ]


def test_empty_file_is_an_error(write_model):
    for text in ("", "# only a comment\n", "---\n"):
        path, ps = problems(write_model, text)
        assert [str(p) for p in ps] == [
            f"{path}:1: the file is empty; a model needs at least metadata: and descriptors:"
        ]
