"""Outcomes by definition (issue 12, item 2) and the convention range (item 4).

The small model below is worked by hand: its 6 consistent scenarios, their labels by balance and by rule, and the
outcome under every crediting convention are derived in the comments and asserted as exact fractions. Random
models with random rules are checked against a brute force written here from the definitions (the consistency test
of ``tests/likelihood_naive.py``, the rules evaluated on dicts). YAML mistakes in rules are checked for their line and
field.
"""

from __future__ import annotations

import itertools
import json
from fractions import Fraction

import numpy as np
import pytest
from typer.testing import CliRunner

import scenarist
from likelihood_naive import build_model, naive_consistent, naive_matrix, naive_volume_distribution
from scenarist.classification import classify, compile_rules
from scenarist.cli import app
from scenarist.errors import ModelError, OptionError
from scenarist.io.yaml_model import load_model
from scenarist.model import Model, check_model
from scenarist.probability import convention_range, outcome_distribution

# -- the hand-worked model -------------------------------------------------------------------------------------
#
# e (exogenous; a 0.6, b 0.4) → p: e.a → p.x +2, so under e = a only p = x holds; under e = b, x and y tie at 0.
# p → q: p.y → q.u +1, so under p = y only q = u; under p = x, u and w tie.
# p → o: p.x → o1 +2; p.y → o2 +1 and o3 +1 (a tie).
# Consistent scenarios (e, p, q, o):
#   S1 a x u o1   S2 a x w o1   S3 b x u o1   S4 b x w o1   S5 b y u o2   S6 b y u o3
# Rules, in order: o1 = p x and q u; o2 = p y; o3 = q u.
#   S1: o1, o3 → o1 (multiply matched), agrees      S2: none → unclassified
#   S3: o1, o3 → o1 (multiply matched), agrees      S4: none → unclassified
#   S5: o2, o3 → o2 (multiply matched), agrees      S6: o2, o3 → o2 (multiply matched), balance o3: disagrees

RULES = {
    "o1": {"all": [{"descriptor": "p", "in": ["x"]}, {"descriptor": "q", "in": ["u"]}]},
    "o2": {"descriptor": "p", "in": ["y"]},
    "o3": {"descriptor": "q", "in": ["u"]},
}


def with_rules(model: Model, rules: dict, outcome: str) -> Model:
    """The model with ``rules`` ({variant id: rule dict}) on the outcome's variants, validated."""
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    for d in data["descriptors"]:
        if d["id"] == outcome:
            for v in d["variants"]:
                if v["id"] in rules:
                    v["rule"] = rules[v["id"]]
    out = Model.model_validate(data)
    assert not check_model(out), check_model(out)
    return out


def hand_model(rules=RULES) -> Model:
    m = build_model(
        [
            ("e", ["a", "b"], True, {"a": 0.6, "b": 0.4}),
            ("p", ["x", "y"], False, None),
            ("q", ["u", "w"], False, None),
            ("o", ["o1", "o2", "o3"], False, None),
        ],
        [("e.a", "p.x", 2), ("p.y", "q.u", 1), ("p.x", "o.o1", 2), ("p.y", "o.o2", 1), ("p.y", "o.o3", 1)],
        outcome="o",
    )
    return with_rules(m, rules, "o")


def key(mapping: dict) -> tuple:
    return tuple(mapping[d] for d in ("e", "p", "q", "o"))


def test_hand_model_classification():
    a = scenarist.analyze(hand_model())
    got = {key(a.scenarios.mapping(i)): i for i in range(len(a.scenarios))}
    assert set(got) == {
        ("a", "x", "u", "o1"),
        ("a", "x", "w", "o1"),
        ("b", "x", "u", "o1"),
        ("b", "x", "w", "o1"),
        ("b", "y", "u", "o2"),
        ("b", "y", "u", "o3"),
    }
    c = classify(a)
    rows = {key(a.scenarios.mapping(r["number"] - 1)): r for r in c.rows()}
    assert rows[("a", "x", "u", "o1")] == {
        "number": rows[("a", "x", "u", "o1")]["number"],
        "balance": "o1",
        "definition": "o1",
        "matched": ["o1", "o3"],
        "status": "agree",
    }
    assert rows[("a", "x", "w", "o1")]["definition"] == "unclassified"
    assert rows[("a", "x", "w", "o1")]["status"] == "unclassified"
    assert rows[("b", "x", "w", "o1")]["matched"] == []
    assert rows[("b", "y", "u", "o2")]["status"] == "agree"
    assert rows[("b", "y", "u", "o3")] | {"number": 0} == {
        "number": 0,
        "balance": "o3",
        "definition": "o2",
        "matched": ["o2", "o3"],
        "status": "disagree",
    }
    assert c.summary() == {
        "n_scenarios": 6,
        "agree": 3,
        "disagree": 1,
        "unclassified": 2,
        "multiply_matched": 4,
        "disagreement_rate": pytest.approx(1 / 6),
    }
    assert c.counts() == {"o1": {"o1": 2, "unclassified": 2}, "o2": {"o2": 1}, "o3": {"o2": 1}}
    assert c.ruled == ("o1", "o2", "o3")
    frame = c.to_frame()
    assert list(frame.columns) == ["balance", "definition", "matched", "status", "multiply_matched"]
    assert int(frame["multiply_matched"].sum()) == 4
    doc = a.to_dict()["classification"]
    assert doc["disagree"] == 1 and doc["unclassified"] == 2 and len(doc["scenarios"]) == 6
    json.dumps(doc)


def test_rule_order_decides_a_multiple_match():
    # o3's rule first in the file would not change the order of the rules: the variants' order does. Moving the
    # o2 rule's condition into o1 makes S5 and S6 match o1 first.
    rules = dict(RULES, o1={"any": [RULES["o1"], {"descriptor": "p", "in": ["y"]}]})
    c = classify(scenarist.analyze(hand_model(rules)))
    assert c.summary()["disagree"] == 2  # S5 (balance o2) and S6 (balance o3) now labelled o1
    assert c.counts()["o2"] == {"o1": 1} and c.counts()["o3"] == {"o1": 1}


def test_not_condition_and_no_rules():
    rules = {"o1": {"not": {"descriptor": "p", "in": ["y"]}}}
    c = classify(scenarist.analyze(hand_model(rules)))
    assert c.counts() == {"o1": {"o1": 4}, "o2": {"unclassified": 1}, "o3": {"unclassified": 1}}
    assert classify(scenarist.analyze("example")) is None
    assert scenarist.analyze("example").to_dict()["classification"] is None


# P(o) at the stated matrix under each convention, derived from the scenarios above (weights e: a 3/5, b 2/5):
#   variants:   e = a takes {o1}: o1 3/5; e = b takes {o1, o2, o3}: 2/15 each     → o1 11/15, o2 2/15, o3 2/15
#   scenarios:  e = a: S1, S2 both o1; e = b: S3, S4 o1, S5 o2, S6 o3 (1/10 each)  → o1 4/5,  o2 1/10, o3 1/10
#   definition: e = a labels {o1, unclassified}: 3/10 each; e = b labels {o1, unclassified, o2}: 2/15 each
#                                                                              → o1 13/30, o2 2/15, o3 0, unclassified 13/30
HAND = {
    "variants": {"o1": Fraction(11, 15), "o2": Fraction(2, 15), "o3": Fraction(2, 15)},
    "scenarios": {"o1": Fraction(4, 5), "o2": Fraction(1, 10), "o3": Fraction(1, 10)},
    "definition": {"o1": Fraction(13, 30), "o2": Fraction(2, 15), "o3": Fraction(0)},
}


@pytest.mark.parametrize("credit", ["variants", "scenarios", "definition"])
def test_hand_model_credits(credit):
    d = outcome_distribution(hand_model(), credit=credit)
    for v, p in HAND[credit].items():
        assert d.probability[v] == pytest.approx(float(p), abs=1e-12), (credit, v)
    assert d.none.probability == 0.0
    if credit == "definition":
        assert d.unclassified.probability == pytest.approx(13 / 30, abs=1e-12)
        assert sum(d.probability.values()) + d.unclassified.probability == pytest.approx(1.0)
        # only the label changes: every other descriptor as crediting by variants, the same consistent scenarios
        v = outcome_distribution(hand_model(), credit="variants")
        assert np.array_equal(d.scenarios, v.scenarios)
        for name in ("e", "p", "q"):
            assert d.marginal(name).probabilities == pytest.approx(v.marginal(name).probabilities)
        frame = d.to_frame()
        assert frame.loc[("o", "(unclassified)"), "probability"] == pytest.approx(13 / 30)
        assert d.to_dict()["unclassified"]["probability"] == pytest.approx(13 / 30)
    else:
        assert d.unclassified is None


def test_definition_with_draws_keeps_the_unclassified_bin():
    m = hand_model()
    data = m.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["judgments"][0]["spread"] = 2  # e.a → p.x drawn from 0..3 (clipped): p = y becomes possible under e = a
    m2 = Model.model_validate(data)
    d = outcome_distribution(m2, credit="definition", draws=40, seed=3)
    assert d.per_draw.shape == (40, d.compiled.n_variants + 2)
    rows = d.per_draw
    o = slice(int(d.compiled.offsets[3]), int(d.compiled.offsets[4]))
    assert np.allclose(rows[:, o].sum(axis=1) + rows[:, -1] + rows[:, -2], 1.0)
    assert d.unclassified.low is not None and d.unclassified.low <= d.unclassified.probability <= d.unclassified.high


def test_definition_needs_rules():
    with pytest.raises(OptionError, match="needs classification rules"):
        outcome_distribution(scenarist.load("example"), credit="definition")


# -- brute force on random models -------------------------------------------------------------------------------


def holds(rule: dict, s: dict) -> bool:
    """A rule (as written in YAML) evaluated on a scenario dict, from the definition."""
    if "all" in rule:
        return all(holds(r, s) for r in rule["all"])
    if "any" in rule:
        return any(holds(r, s) for r in rule["any"])
    if "not" in rule:
        return not holds(rule["not"], s)
    return s[rule["descriptor"]] in rule["in"]


def naive_definition(model: Model, rules: dict, outcome: str):
    """P(label) credited by definition: per exogenous combination, every label its consistent scenarios take (the
    first rule that holds, in variant order, or "unclassified") gets an equal share. Fractions."""
    cells = naive_matrix(model)
    exo = [d for d in model.descriptors if d.exogenous]
    order = [v.id for v in model.descriptor(outcome).variants if v.id in rules]
    out = {v.id: Fraction(0) for v in model.descriptor(outcome).variants} | {"unclassified": Fraction(0)}
    none = Fraction(0)
    for combo in itertools.product(*[[v.id for v in d.variants] for d in exo]):
        w = Fraction(1)
        for d, v in zip(exo, combo):
            w *= Fraction(str(d.prior.probabilities[v]))
        sc = naive_consistent(model, cells, dict(zip([d.id for d in exo], combo)))
        if not sc:
            none += w
            continue
        labels = {next((v for v in order if holds(rules[v], s)), "unclassified") for s in sc}
        for lab in labels:
            out[lab] += w / len(labels)
    return out, none


def random_rule(rng, model: Model, outcome: str, depth: int = 0) -> dict:
    others = [d for d in model.descriptors if d.id != outcome]
    kind = rng.integers(0, 5) if depth < 2 else 0
    if kind <= 1:
        d = others[int(rng.integers(len(others)))]
        ids = [v.id for v in d.variants]
        k = int(rng.integers(1, len(ids)))
        return {"descriptor": d.id, "in": [str(x) for x in rng.choice(ids, size=k, replace=False)]}
    if kind == 4:
        return {"not": random_rule(rng, model, outcome, depth + 1)}
    return {
        ("all" if kind == 2 else "any"): [
            random_rule(rng, model, outcome, depth + 1) for _ in range(rng.integers(1, 3))
        ]
    }


def random_model(rng, n_exo: int, n_endo: int) -> Model:
    descs = []
    for i in range(n_exo):
        k = int(rng.integers(2, 4))
        p = [round(1 / k, 6)] * (k - 1)
        p.append(round(1 - sum(p), 6))
        descs.append((f"e{i}", [f"v{j}" for j in range(k)], True, {f"v{j}": p[j] for j in range(k)}))
    for i in range(n_endo):
        descs.append((f"d{i}", [f"v{j}" for j in range(int(rng.integers(2, 4)))], False, None))
    js = []
    for src in descs:
        for dst in descs[n_exo:]:
            if src[0] != dst[0]:
                for a in src[1]:
                    for b in dst[1]:
                        if rng.random() < 0.5 and (s := int(rng.integers(-3, 4))):
                            js.append((f"{src[0]}.{a}", f"{dst[0]}.{b}", s))
    return build_model(descs, js, outcome=descs[-1][0])


def test_definition_matches_brute_force_on_random_models():
    rng = np.random.default_rng(20261205)
    checked = 0
    for trial in range(30):
        m = random_model(rng, int(rng.integers(1, 3)), int(rng.integers(2, 4)))
        outcome = m.descriptors[-1].id
        ruled = [v.id for v in m.descriptors[-1].variants if rng.random() < 0.8] or [m.descriptors[-1].variants[0].id]
        rules = {v: random_rule(rng, m, outcome) for v in ruled}
        m = with_rules(m, rules, outcome)
        want, none = naive_definition(m, rules, outcome)
        got = outcome_distribution(m, credit="definition")
        assert got.none.probability == pytest.approx(float(none), abs=1e-9), trial
        for v, p in got.probability.items():
            assert p == pytest.approx(float(want[v]), abs=1e-9), (trial, v)
        assert got.unclassified.probability == pytest.approx(float(want["unclassified"]), abs=1e-9), trial
        # classification of every consistent scenario against the rules evaluated on dicts
        a = scenarist.analyze(m)
        c = classify(a)
        order = [v.id for v in m.descriptors[-1].variants if v.id in rules]
        for r in c.rows():
            s = a.scenarios.mapping(r["number"] - 1)
            hits = [v for v in order if holds(rules[v], s)]
            assert r["matched"] == hits
            assert r["definition"] == (hits[0] if hits else "unclassified")
        checked += len(a.scenarios)
    assert checked > 30


# -- the convention range -------------------------------------------------------------------------------------


def test_convention_range_on_the_hand_model():
    m = hand_model()
    vol, vol_none = naive_volume_distribution(m)
    cr = convention_range(m)
    assert cr.conventions == ("variants", "scenarios", "volume", "definition")
    want = {
        "variants": HAND["variants"],
        "scenarios": HAND["scenarios"],
        "volume": vol["o"],
        "definition": HAND["definition"],
    }
    for i, name in enumerate(cr.conventions):
        for j, v in enumerate(cr.variant_ids):
            assert cr.values[i, j] == pytest.approx(float(want[name][v]), abs=1e-12), (name, v)
    for v in cr.variant_ids:
        lo = min(float(want[c][v]) for c in want)
        hi = max(float(want[c][v]) for c in want)
        assert cr.ranges[v] == pytest.approx((lo, hi), abs=1e-12)
    # by construction the conventions differ: o1 runs from 13/30 (definition) to at least 4/5 (scenarios)
    assert cr.ranges["o1"][0] == pytest.approx(13 / 30) and cr.ranges["o1"][1] >= 0.8 - 1e-12
    assert cr.unclassified == pytest.approx(13 / 30)
    assert float(vol_none) == pytest.approx(float(cr.none[2]))
    # attached to the distribution, apart from the band
    d = outcome_distribution(m, draws=10, seed=1, conventions=True)
    doc = d.to_dict()["convention_range"]
    assert doc["label"] == "convention range" and doc["range"]["o1"] == pytest.approx([13 / 30, cr.ranges["o1"][1]])
    frame = d.to_frame()
    assert frame.loc[("o", "o1"), "convention_low"] == pytest.approx(13 / 30)
    assert np.isnan(frame.loc[("p", "x"), "convention_low"])
    # the band over judgment draws stays its own column (no judgment carries a spread here: a point band)
    assert frame.loc[("o", "o1"), "low"] == pytest.approx(11 / 15)


def test_convention_range_without_rules_has_three_conventions():
    m = scenarist.load("example")
    cr = convention_range(m)
    assert cr.conventions == ("variants", "scenarios", "volume") and cr.unclassified is None
    for i, credit in enumerate(cr.conventions):
        d = outcome_distribution(m, credit=credit, seed=0)
        assert cr.values[i] == pytest.approx(d.marginal().probability, abs=1e-12)


# -- the faces ------------------------------------------------------------------------------------------------


def test_cli_likelihood_conventions_and_definition(tmp_path):
    from scenarist.io.yaml_model import save_model

    path = tmp_path / "hand.yaml"
    save_model(hand_model(), path)
    runner = CliRunner()
    r = runner.invoke(app, ["likelihood", str(path), "--draws", "0", "--conventions"], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    assert "Convention range" in r.output and "43.3–80.0" in r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80
    r = runner.invoke(app, ["likelihood", str(path), "--draws", "0", "--credit", "definition", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["credit"] == "definition"
    assert doc["unclassified"]["probability"] == pytest.approx(13 / 30)
    r = runner.invoke(app, ["analyze", str(path)], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    assert "1 of 6 scenarios disagree (16.7 %)" in r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80


# -- YAML errors ----------------------------------------------------------------------------------------------

BASE = """\
metadata: {id: t, title: t, provenance: optional}
descriptors:
  - id: p
    name: P
    variants: [{id: x, name: X}, {id: y, name: Y}]
  - id: o
    name: O
    role: outcome
    variants:
      - id: o1
        name: O1
        rule:
RULE
      - id: o2
        name: O2
judgments:
  - {from: p.x, to: o.o1, score: 1}
"""


def problems_of(rule_yaml: str, base: str = BASE) -> list:
    text = base.replace("RULE", "\n".join("          " + line for line in rule_yaml.splitlines()))
    with pytest.raises(ModelError) as err:
        load_model("m.yaml", text=text)
    return [(p.line, p.field, p.message) for p in err.value.problems]


@pytest.mark.parametrize(
    "rule, line, field, message",
    [
        ("descriptor: q\nin: [x]", 13, "descriptors[1].variants[0].rule.descriptor", "unknown descriptor 'q'"),
        (
            "descriptor: p\nin: [x, z]",
            14,
            "descriptors[1].variants[0].rule.in[1]",
            "unknown variant 'z' of descriptor 'p'",
        ),
        ("descriptor: o\nin: [o2]", 13, "descriptors[1].variants[0].rule.descriptor", "its own descriptor 'o'"),
        (
            "all:\n  - {descriptor: p, in: [x]}\n  - any: []",
            15,
            "descriptors[1].variants[0].rule.all[1].any",
            "at least one",
        ),
        (
            "descriptor: p\nin: [x]\nany: [{descriptor: p, in: [y]}]",
            12,
            "descriptors[1].variants[0].rule",
            "exactly one",
        ),
        ("descriptor: p", 13, "descriptors[1].variants[0].rule.descriptor", "needs in:"),
        ("not: {descriptor: p, inn: [x]}", 13, "descriptors[1].variants[0].rule.not.inn", "unknown key"),
        ("rationale: nothing to test", 12, "descriptors[1].variants[0].rule", "exactly one"),
    ],
)
def test_yaml_errors_name_line_and_field(rule, line, field, message):
    found = problems_of(rule)
    assert any(f == field and message in m and ln == line for ln, f, m in found), found


def test_rule_outside_the_outcome_and_missing_citation():
    text = BASE.replace("provenance: optional", "provenance: required").replace(
        "    name: P\n", "    name: P\n    role: context\n"
    )
    text = text.replace("RULE", "          descriptor: p\n          in: [x]")
    text = text.replace(
        "variants: [{id: x, name: X}, {id: y, name: Y}]",
        "variants:\n      - {id: x, name: X, rule: {descriptor: o, in: [o1]}}\n      - {id: y, name: Y}",
    )
    with pytest.raises(ModelError) as err:
        load_model("m.yaml", text=text)
    found = [(p.line, p.field, p.message) for p in err.value.problems]
    assert any(f == "descriptors[0].variants[0].rule" and "only outcome variants" in m for _, f, m in found), found
    assert any(f == "descriptors[1].variants[0].rule.citations" and "missing citation" in m for _, f, m in found)


def test_validate_cli_exit_2_with_the_line(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(BASE.replace("RULE", "          descriptor: p\n          in: [z]"), encoding="utf-8")
    r = CliRunner().invoke(app, ["validate", str(path)])
    assert r.exit_code == 2
    assert "m.yaml:14: descriptors[1].variants[0].rule.in[0]: unknown variant 'z' of descriptor 'p'" in r.output


# -- the flagship ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flagship():
    return scenarist.load()


def test_flagship_rules_are_cited_and_leave_the_consistency_test_alone(flagship):
    out = flagship.outcome
    assert [v.id for v in out.variants if v.rule is not None] == ["strategic", "tactical", "pragmatic", "estrangement"]
    allowed = {"Strategic Alliance": {40, 41}, "Tactical Alliance": set(), "Pragmatic Cooperation": {42, 43}}
    for v in out.variants:
        assert v.rule.rationale and v.rule.citations
        for c in v.rule.citations:
            assert c.source == "article"
            assert set(c.endnotes) <= allowed.get(c.section, set(range(1, 44))), (v.id, c)
    # the article-time space keeps its 255 scenarios and their balance labels (docs/flagship.md)
    a = scenarist.analyze(flagship, fixed={"syria_order": "assad_holds", "leadership": "incumbent"})
    assert len(a.scenarios) == 255
    c = a.classification()
    assert np.bincount(c.balance, minlength=4).tolist() == [27, 128, 92, 8]
    assert compile_rules(flagship, a.compiled).labels == (0, 1, 2, 3)
    # the labels by the rules as written, evaluated here on each scenario's variants (docs/flagship.md's figures)
    rules = {v.id: v.rule.model_dump(by_alias=True, exclude_none=True) for v in out.variants}
    table: dict = {}
    for i in range(len(a.scenarios)):
        s = a.scenarios.mapping(i)
        label = next((v for v in rules if holds(rules[v], s)), "unclassified")
        table.setdefault(s["relationship"], {}).setdefault(label, 0)
        table[s["relationship"]][label] += 1
    assert table == c.counts()
    assert table == {
        "strategic": {"strategic": 27},
        "tactical": {"strategic": 71, "tactical": 46, "pragmatic": 7, "estrangement": 4},
        "pragmatic": {"strategic": 16, "tactical": 22, "pragmatic": 17, "estrangement": 37},
        "estrangement": {"estrangement": 8},
    }
    assert c.summary()["disagree"] == 157 and c.summary()["multiply_matched"] == 5


# -- crediting by definition under evidence on the model's states (docs/method.md §10) ------------------------


def naive_definition_observed(model: Model, rules: dict, outcome: str, target: str, lam: dict):
    """P(label | λ on ``target``) crediting by definition, from the definition (§10 with labels for the outcome):
    in each combination x the variants of ``target`` its scenarios take share 1 equally (c(v | x)); the component of
    ``target = v`` has mass c(v | x) λ(v) and shares it equally among the labels its scenarios take. Fractions."""
    cells = naive_matrix(model)
    exo = [d for d in model.descriptors if d.exogenous]
    order = [v.id for v in model.descriptor(outcome).variants if v.id in rules]
    labels_all = [v.id for v in model.descriptor(outcome).variants] + ["unclassified"]
    total = {lab: Fraction(0) for lab in labels_all}
    z = Fraction(0)
    kept = Fraction(0)
    for combo in itertools.product(*[[v.id for v in d.variants] for d in exo]):
        w = Fraction(1)
        for d, v in zip(exo, combo):
            w *= Fraction(str(d.prior.probabilities[v]))
        sc = naive_consistent(model, cells, dict(zip([d.id for d in exo], combo)))
        if not sc:
            continue
        kept += w
        taken = sorted({s[target] for s in sc})
        for v in taken:
            m = Fraction(1, len(taken)) * lam[v]
            if m == 0:
                continue
            labs = {next((r for r in order if holds(rules[r], s)), "unclassified") for s in sc if s[target] == v}
            z += w * m
            for lab in labs:
                total[lab] += w * m / len(labs)
    return {lab: kept * x / z for lab, x in total.items()} if z else None


def test_definition_under_evidence_matches_brute_force():
    from scenarist.probability.observation import observed_draws

    rng = np.random.default_rng(51205)
    checked = 0
    for trial in range(40):
        m = random_model(rng, int(rng.integers(1, 3)), int(rng.integers(2, 4)))
        outcome = m.descriptors[-1].id
        rules = {v.id: random_rule(rng, m, outcome) for v in m.descriptors[-1].variants if rng.random() < 0.8}
        if not rules:
            continue
        m = with_rules(m, rules, outcome)
        target = m.descriptors[-2]  # an endogenous descriptor other than the outcome
        hard = trial % 2 == 0
        if hard:
            lam = {v.id: Fraction(int(j == 0)) for j, v in enumerate(target.variants)}
        else:
            lam = {v.id: Fraction(int(rng.integers(1, 5)), 4) for v in target.variants}
        want = naive_definition_observed(m, rules, outcome, target.id, lam)
        od = observed_draws(m, [(target.id, {k: float(x) for k, x in lam.items()}, hard, "t")], credit="definition")
        rows, bad = od.rows()
        if want is None:
            assert bad[0], trial
            continue
        assert not bad[0], trial
        c = od.setup.compiled
        o = c.descriptor_index(outcome)
        got = dict(zip(c.variant_ids[o], rows[0, c.offsets[o] : c.offsets[o + 1]]))
        got["unclassified"] = rows[0, c.n_variants + 1]
        for lab, p in want.items():
            assert got[lab] == pytest.approx(float(p), abs=1e-9), (trial, lab)
        checked += 1
    assert checked >= 15
    with pytest.raises(ValueError, match="outcome descriptor"):
        observed_draws(hand_model(), [("o", {"o1": 1.0}, True, "t")], credit="definition")


# -- the workspace editor keeps rules in step ------------------------------------------------------------------


def test_editor_renames_and_uses_follow_rules():
    from scenarist.workspace import editing
    from scenarist.workspace.versions import model_data

    data = model_data(hand_model())
    assert "rule of o.o1" in editing.descriptor_uses(data, "q")
    assert editing.variant_uses(data, "p", "y") == [
        "judgment p.y → q.u",
        "judgment p.y → o.o2",
        "judgment p.y → o.o3",
        "rule of o.o2",
    ]
    editing.rename_descriptor(data, "p", "pp")
    editing.rename_variant(data, "q", "u", "uu")
    m = Model.model_validate(data)
    assert not check_model(m), check_model(m)
    o = m.descriptor("o")
    assert o.variants[0].rule.all[0].descriptor == "pp" and o.variants[0].rule.all[1].in_ == ["uu"]
    assert o.variants[2].rule.in_ == ["uu"]
    # the same classification as before the renames
    c = classify(scenarist.analyze(m))
    assert c.summary()["disagree"] == 1 and c.summary()["unclassified"] == 2


def test_report_shows_the_definitions_and_the_convention_range():
    import html as _html
    import re

    html = scenarist.report(scenarist.analyze(hand_model()))
    text = re.sub(r"\s+", " ", _html.unescape(re.sub(r"<[^>]+>", " ", html)))
    assert 'data-table="outcome-by-definition"' in html and 'data-table="convention-range"' in html
    assert "Of 6 scenario(s), 3 agree, 1 disagree (16.7 %) , 2 match no rule (unclassified)" in text
    assert "crediting its weight by variants" in text
    # o1's row of the convention range: 73.3 (variants), 80.0 (scenarios), volume, 43.3 (definition), range 43.3 – …
    row = text[text.index("Convention range The outcome") :]
    assert "O1 73.3 % 80.0 %" in row and "43.3 % 43.3 % –" in row


def test_convention_range_frame():
    f = convention_range(hand_model()).to_frame()
    assert list(f.columns) == ["variants", "scenarios", "volume", "definition", "low", "high"]
    assert f.loc["o1", "scenarios"] == pytest.approx(0.8) and f.loc["o1", "low"] == pytest.approx(13 / 30)


def test_convention_range_leaves_volume_out_beyond_its_limit(monkeypatch):
    from scenarist.probability import conventions

    monkeypatch.setattr(conventions, "MAX_VOLUME_COMBINATIONS", 1)  # the hand model has 2 weighted combinations
    cr = convention_range(hand_model())
    assert cr.conventions == ("variants", "scenarios", "definition")
    assert "volume left out: 2 exogenous combinations" in cr.notes[0]
