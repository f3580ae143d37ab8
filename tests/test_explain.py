"""``explain_scenario`` and ``scenarist explain``: balances and their terms equal a hand computation on the example
model, every balance is the sum of its listed terms, and user mistakes exit 2."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from scenarist.cib import compile_model, impact_balances, search
from scenarist.cli import app
from scenarist.explanation import explain_scenario
from scenarist.io.paths import packaged_models
from scenarist.io.yaml_model import load_model

try:
    runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
except TypeError:
    runner = CliRunner()

EXAMPLE = str(packaged_models()["example"])


@pytest.fixture(scope="module")
def example():
    model = load_model(EXAMPLE)
    return model, compile_model(model)


def balances(expl, descriptor: str) -> dict[str, int]:
    d = next(x for x in expl.descriptors if x.id == descriptor)
    return {b.id: b.balance for b in d.balances}


def terms(expl, descriptor: str, variant: str) -> list[tuple[str, int]]:
    d = next(x for x in expl.descriptors if x.id == descriptor)
    b = next(x for x in d.balances if x.id == variant)
    return sorted((f"{t.source_descriptor}.{t.source_variant}", t.score) for t in b.terms)


def test_consistent_scenario_by_hand(example):
    # Scenario (growth, open, liberal, integration), judgments of src/scenarist/models/example.yaml:
    #   policy:   open = growth→open +2, liberal→open +1 = 3;  closed = growth→closed -2 = -2
    #   politics: liberal = open→liberal +1, integration→liberal +1 = 2;  nationalist = nothing active = 0
    #   relationship: integration = open +2, liberal +1 = 3; truce = liberal +1 = 1; rupture = open -2 = -2
    #   world: nothing impacts it (exogenous, not tested): 0, 0.
    # IC 0; CV = min(3-(-2), 2-0, 3-1) = 2; TIS = 3 + 2 + 3 = 8.
    model, c = example
    e = explain_scenario(
        model, c, {"world": "growth", "policy": "open", "politics": "liberal", "relationship": "integration"}
    )
    assert (e.inconsistency, e.consistency_value, e.total_impact_score) == (0, 2, 8)
    assert balances(e, "world") == {"growth": 0, "recession": 0}
    assert balances(e, "policy") == {"open": 3, "closed": -2}
    assert balances(e, "politics") == {"liberal": 2, "nationalist": 0}
    assert balances(e, "relationship") == {"integration": 3, "truce": 1, "rupture": -2}
    assert terms(e, "policy", "open") == [("politics.liberal", 1), ("world.growth", 2)]
    assert terms(e, "relationship", "truce") == [("politics.liberal", 1)]
    world, policy, _politics, rel = e.descriptors
    assert (world.tested, world.status) == (False, "not tested")
    assert (policy.status, policy.margin, policy.inconsistency) == ("wins", 5, 0)
    assert (rel.status, rel.margin) == ("wins", 2)
    # Toward integration: +2 and +1 on it, and open's -2 on rupture (a rival lowered); against: liberal's +1 on
    # truce (a rival raised).
    assert sorted((t.source_variant, t.target_variant, t.score) for t in rel.toward) == [
        ("liberal", "integration", 1),
        ("open", "integration", 2),
        ("open", "rupture", -2),
    ]
    assert [(t.source_variant, t.target_variant, t.score) for t in rel.against] == [("liberal", "truce", 1)]
    t = rel.against[0]
    assert t.rationale == "Liberals keep talking." and t.citations == ({"source": "notes", "section": "4"},)


def test_inconsistent_reference_by_hand(example):
    # Status quo (growth, open, nationalist, truce): politics liberal = open→liberal +1 = 1, nationalist = 0
    # (recession, closed and rupture are not active) → politics loses by 1; nothing pushes toward nationalist.
    # relationship: integration = open +2, nationalist -2 = 0; truce = nationalist +1 = 1; rupture = open -2.
    # IC 1; CV = min(2-(-1), 0-1, 1-0) = -1; TIS = 2 + 0 + 1 = 3.
    model, c = example
    ref = model.reference_scenarios[0].variants
    e = explain_scenario(model, c, ref)
    assert (e.inconsistency, e.consistency_value, e.total_impact_score) == (1, -1, 3)
    politics = e.descriptors[2]
    assert (politics.status, politics.inconsistency, politics.margin) == ("loses", 1, -1)
    assert balances(e, "politics") == {"liberal": 1, "nationalist": 0}
    assert politics.toward == ()
    assert [(t.source_descriptor, t.target_variant, t.score) for t in politics.against] == [("policy", "liberal", 1)]
    assert balances(e, "relationship") == {"integration": 0, "truce": 1, "rupture": -2}
    assert e.descriptors[3].status == "wins"


def test_every_balance_is_the_sum_of_its_terms(example):
    model, c = example
    for s in itertools.product(*[range(int(n)) for n in c.counts]):
        e = explain_scenario(model, c, np.array(s))
        flat = [b for d in e.descriptors for b in d.balances]
        assert [b.balance for b in flat] == impact_balances(c.matrix, c.offsets, np.array(s)).tolist()
        assert all(b.balance == sum(t.score for t in b.terms) for b in flat)
        # Only judgments whose source variant is in the scenario appear.
        for b in flat:
            for t in b.terms:
                assert e.variants[t.source_descriptor] == t.source_variant


def test_intervention_is_not_tested(example):
    model, c = example
    s = {"world": "growth", "policy": "closed", "politics": "nationalist", "relationship": "truce"}
    fixed = c.scenario_from_mapping({"policy": "closed"}, partial=True)
    free = explain_scenario(model, c, s)
    assert free.descriptors[1].status == "loses"  # closed -1 against open 2
    e = explain_scenario(model, c, s, tested=search.tested_mask(c, fixed))
    assert e.descriptors[1].status == "not tested" and e.inconsistency == 0


def run(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_cli_scenario_number_json():
    result = run("explain", EXAMPLE, "--scenario", "2", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["number"] == 2
    assert doc["variants"] == {
        "world": "growth",
        "policy": "open",
        "politics": "liberal",
        "relationship": "integration",
    }
    rel = doc["descriptors"][3]
    assert [b["balance"] for b in rel["balances"]] == [3, 1, -2]
    assert [sum(t["score"] for t in b["terms"]) for b in rel["balances"]] == [3, 1, -2]
    assert rel["status"] == "wins" and rel["chosen"] == "integration"


def test_cli_variants_and_fix():
    # Scenario 1 under --fix policy=closed is (recession, closed, nationalist, rupture) (see test_cli_analyze).
    doc = json.loads(run("explain", EXAMPLE, "--fix", "policy=closed", "--scenario", "1", "--json").stdout)
    assert doc["variants"]["relationship"] == "rupture" and doc["descriptors"][1]["tested"] is False
    # --variants may leave out what --fix gives.
    result = run(
        "explain",
        EXAMPLE,
        "--fix",
        "policy=closed",
        "--variants",
        "world=recession,politics=nationalist,relationship=rupture",
        "--json",
    )
    assert json.loads(result.stdout)["variants"] == doc["variants"]


def test_cli_reference_terminal_output():
    result = run("explain", EXAMPLE, "--reference", "status-quo")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())  # undo the console's line wrapping
    assert "inconsistent (inconsistency 1)" in out
    assert "loses by 1" in out
    assert "Open trade brings B's exporters gains." in out and "notes §2" in out


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--scenario", "4"], "no such scenario (found 3; numbers: 1..3)"),
        (["--scenario", "0"], "no such scenario"),
        (["--variants", "world=growth,policy=open,politics=liberal,relationship=peace"], "unknown variant 'peace'"),
        (["--variants", "world=growth,policy=open"], "no variant given"),
        (["--variants", "nation=x"], "unknown descriptor 'nation'"),
        (["--reference", "nope"], "no such reference scenario"),
        ([], "give exactly one of"),
        (["--scenario", "1", "--reference", "status-quo"], "give exactly one of"),
        (
            ["--fix", "policy=closed", "--variants", "world=growth,policy=open,politics=liberal,relationship=truce"],
            "--fix gives policy=closed",
        ),
    ],
)
def test_cli_user_mistakes(args, fragment):
    result = run("explain", EXAMPLE, *args)
    assert result.exit_code == 2, result.stdout
    assert fragment in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
