"""Evidence files: the example loads, YAML and CSV round-trip, and every mistake is reported with file, line, field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scenarist.errors import InputFileError, ModelError
from scenarist.evidence import dump_csv, dump_evidence, load_evidence, save_evidence
from scenarist.io.yaml_model import load_model

EXAMPLE = Path(__file__).parent / "data" / "evidence" / "example.yaml"


@pytest.fixture(scope="module")
def model():
    return load_model("example")


@pytest.fixture(scope="module")
def text():
    return EXAMPLE.read_text(encoding="utf-8")


def _line(text: str, needle: str, after: str | None = None) -> int:
    """1-based line of the first ``needle`` (after the first ``after``, when given)."""
    lines = text.splitlines()
    start = 0
    if after is not None:
        start = next(i for i, l in enumerate(lines) if after in l)
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def _problems(model, text, name="bad.yaml"):
    with pytest.raises(ModelError) as exc:
        load_evidence(name, model, text=text)
    return exc.value.problems


def test_example_loads_with_every_kind(model):
    ev = load_evidence(EXAMPLE, model)
    assert ev.model == "example-trade"
    assert len(ev.items) == 7
    assert {it.bearing.kind for it in ev.items} == {"likelihood", "intervention", "indicator", "outside"}
    echo = next(it for it in ev.items if it.id == "ex-2025-02-imf-echo")
    assert (echo.grade.reliability, echo.grade.credibility) == ("C", 3)  # the short form "C3"
    assert ev.contradicted_claims[0].evidence == ("ex-2025-02-imf", "ex-2025-06-recession")


def test_yaml_and_csv_round_trip(model, tmp_path):
    ev = load_evidence(EXAMPLE, model)
    again = load_evidence("x.yaml", model, text=dump_evidence(ev))
    assert again == ev
    assert load_evidence("x.csv", model, text=dump_csv(ev.items)).items == ev.items
    save_evidence(ev, tmp_path / "out.csv")
    assert load_evidence(tmp_path / "out.csv", model).items == ev.items


def test_likelihood_on_an_endogenous_descriptor_is_virtual_evidence(model, text):
    # issue 12: evidence may bear on any descriptor; on one the drivers produce it is virtual evidence (method §7)
    good = text.replace(
        "descriptor: world\n      likelihoods: {growth: 0.8, recession: 0.4}",
        "descriptor: policy\n      likelihoods: {open: 0.8, closed: 0.4}",
    )
    ev = load_evidence("good.yaml", model, text=good)
    assert ev.items[0].bearing.descriptor == "policy"


def test_outcome_descriptor_points_to_indicator(model, text):
    bad = text.replace(
        "kind: outside\n      descriptor: politics",
        "kind: likelihood\n      descriptor: relationship\n"
        "      likelihoods: {integration: 1, truce: 1, rupture: 1}\n      rationale: x\n      x_what: y",
    )
    bad = bad.replace(
        "      x_what: y\n"
        "      what: No majority at all; a caretaker cabinet is neither a liberal nor a nationalist majority.\n",
        "",
    )
    (p,) = _problems(model, bad)
    assert "is the outcome" in p.message and "kind: indicator" in p.message


def test_likelihood_vector_problems(model, text):
    bad = text.replace("likelihoods: {growth: 0.8, recession: 0.4}", "likelihoods: {growth: 0.8, boom: 0.4}")
    probs = _problems(model, bad)
    fields = sorted(p.field for p in probs)
    assert fields == ["items[0].bearing.likelihoods", "items[0].bearing.likelihoods.boom"]
    assert any("no likelihood for variant(s) recession" in p.message for p in probs)
    assert all(p.line == _line(bad, "boom") for p in probs)


@pytest.mark.parametrize("value", ["0", "1.5", "-0.2"])
def test_likelihoods_must_lie_in_zero_one(model, text, value):
    bad = text.replace(
        "likelihoods: {growth: 0.8, recession: 0.4}", f"likelihoods: {{growth: {value}, recession: 0.4}}"
    )
    (p,) = _problems(model, bad)
    assert p.field == "items[0].bearing.likelihoods"
    assert "(0, 1]" in p.message


def test_schema_errors_are_located(model, text):
    bad = text.replace("grade: {reliability: D, credibility: 4}", "grade: {reliability: D, credibility: 7}")
    bad = bad.replace("kind: outside", "kind: elsewhere")
    bad = bad.replace("status: leak", "status: rumour")
    probs = {p.field: p for p in _problems(model, bad)}
    assert probs["items[4].bearing.kind"].line == _line(bad, "kind: elsewhere")
    assert "unknown bearing kind" in probs["items[4].bearing.kind"].message
    assert probs["items[5].grade.credibility"].line == _line(bad, "credibility: 7")
    assert probs["items[5].status"].line == _line(bad, "status: rumour")


def test_cross_field_rules(model, text):
    # an intervention must be confirmed; ids unique; one cluster, one development; claims name known items
    bad = text.replace(
        "status: confirmed\n    bearing:\n      kind: intervention",
        "status: claim\n    bearing:\n      kind: intervention",
    )
    bad = bad.replace("id: ex-2025-05-leak", "id: ex-2025-03-tariff-cut")
    bad = bad.replace(
        "status: confirmed\n    bearing:\n      kind: indicator",
        "status: confirmed\n    cluster: forecast-cut\n    bearing:\n      kind: indicator",
    )
    bad = bad.replace("evidence: [ex-2025-02-imf, ex-2025-06-recession]", "evidence: [ex-2025-02-imf, no-such-item]")
    msgs = {p.field: p.message for p in _problems(model, bad)}
    assert "status confirmed" in msgs["items[6].bearing.kind"]
    assert "duplicate item id 'ex-2025-03-tariff-cut'" in msgs["items[5].id"]
    assert "mixes bearings" in msgs["items[3].cluster"]
    assert "unknown evidence item 'no-such-item'" in msgs["contradicted_claims[0].evidence[1]"]


def test_model_mismatch_and_source_read_before_event(model, text):
    bad = text.replace("model: example-trade", "model: another-model").replace(
        "source: {outlet: Example Statistics Office, accessed: 2025-07-01}",
        "source: {outlet: Example Statistics Office, accessed: 2025-06-01}",
    )
    msgs = {p.field: (p.line, p.message) for p in _problems(model, bad)}
    assert msgs["model"] == (
        _line(bad, "model: another-model"),
        "the file is written for model 'another-model', not 'example-trade'",
    )
    assert "before the event's date 2025-06-30" in msgs["items[6].source.accessed"][1]


def test_without_model_only_file_rules_apply(text):
    ev = load_evidence("x.yaml", None, text=text.replace("descriptor: world", "descriptor: anything"))
    assert len(ev.items) == 7


def test_csv_errors_name_line_and_column(model):
    ev = load_evidence(EXAMPLE, model)
    lines = dump_csv(ev.items).splitlines()
    schema = list(lines)
    schema[3] = schema[3].replace(",C,3,", ",C,9,")  # row of the third item, on line 4
    (p,) = _problems(model, "\n".join(schema) + "\n", "bad.csv")
    assert (p.file, p.line, p.field) == ("bad.csv", 4, "credibility")
    assert "must be 1, 2, 3, 4, 5 or 6" in p.message
    # issue 12: an intervention may fix any descriptor but the outcome
    lines[7] = lines[7].replace(",world,", ",relationship,")  # the intervention, on line 8
    (p,) = _problems(model, "\n".join(lines) + "\n", "bad.csv")
    assert (p.line, p.field) == (8, "descriptor")
    assert "is the outcome" in p.message


def test_csv_header_and_pairs(model):
    with pytest.raises(ModelError, match=r"bad.csv:1: colour: unknown column"):
        load_evidence("bad.csv", model, text="id,date,colour\n")
    ev = load_evidence(EXAMPLE, model)
    text = dump_csv(ev.items).replace("growth=0.8; recession=0.4", "growth:0.8")
    (p,) = _problems(model, text, "bad.csv")
    assert (p.line, p.field) == (2, "likelihoods")


def test_unreadable_inputs():
    with pytest.raises(InputFileError, match="no such file"):
        load_evidence("/nonexistent/e.yaml")
    with pytest.raises(InputFileError, match="suffix"):
        load_evidence("e.txt", text="")
    with pytest.raises(InputFileError, match=r"bad.yaml:\d+: malformed YAML"):
        load_evidence("bad.yaml", text="items:\n  - id: [unclosed\n")
    with pytest.raises(ModelError, match="must be a YAML mapping"):
        load_evidence("bad.yaml", text="- 1\n- 2\n")


def test_dates_and_background(model):
    ev = load_evidence(EXAMPLE, model)
    as_of = model.metadata.as_of
    assert [it.id for it in ev.items if it.date <= as_of] == ["ex-2024-12-outlook"]
    assert ev.items[0].date == dt.date(2024, 12, 5)


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_an_empty_yaml_file_is_an_error(model, content):
    """Defect #16: as an empty model file is refused, so is an empty evidence file."""
    with pytest.raises(ModelError) as info:
        load_evidence("e.yaml", model, text=content)
    assert (
        str(info.value)
        == "e.yaml:1: the file is empty: an evidence file is a YAML mapping (format:, model:, items:, ...)"
    )


def test_a_csv_file_with_only_the_header_is_an_error(model):
    header = dump_csv(load_evidence(EXAMPLE, model).items).splitlines()[0]
    with pytest.raises(ModelError, match=r"e.csv:2: no evidence rows after the header"):
        load_evidence("e.csv", model, text=header + "\n")


def test_cli_validate_of_an_empty_file_exits_2(tmp_path):
    from typer.testing import CliRunner

    from scenarist.cli import app

    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    r = CliRunner().invoke(app, ["evidence", "validate", str(empty), "--model", "example"])
    assert r.exit_code == 2 and "OK" not in r.stdout
    assert "the file is empty" in r.stderr
