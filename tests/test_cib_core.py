"""The CIB core on models whose answers are known: a hand-computed 2-descriptor model and ScenarioWizard's
CIB_global entered by hand (its solution list gives the expected consistent set, CV and TIS)."""

from __future__ import annotations

import numpy as np
import pytest

from scenarist.cib import (
    compile_model,
    consistency_value,
    descriptor_inconsistency,
    find_scenarios,
    impact_balances,
    scenario_inconsistency,
    total_impact_score,
)
from scenarist.errors import OptionError, UnknownNameError
from scenarist.io.yaml_model import load_model

TINY = """
metadata: {id: tiny, title: Tiny, provenance: optional}
descriptors:
  - {id: A, name: A, variants: [{id: a1, name: a1}, {id: a2, name: a2}]}
  - {id: B, name: B, variants: [{id: b1, name: b1}, {id: b2, name: b2}, {id: b3, name: b3}]}
judgments:
  - {from: A.a1, to: B.b1, score: 2}
  - {from: A.a1, to: B.b2, score: -1}
  - {from: A.a2, to: B.b1, score: -2}
  - {from: A.a2, to: B.b2, score: 1}
  - {from: A.a2, to: B.b3, score: 1}
  - {from: B.b1, to: A.a1, score: 1}
  - {from: B.b1, to: A.a2, score: -1}
  - {from: B.b2, to: A.a2, score: 2}
  - {from: B.b3, to: A.a1, score: 1}
  - {from: B.b3, to: A.a2, score: 1}
"""
# Worked by hand (θ_A comes from B's row, θ_B from A's row):
#   (a1,b1): θ_A=(1,-1) θ_B=(2,-1,0)  -> IC 0, CV min(2,2)=2,  TIS 1+2=3
#   (a1,b2): θ_A=(0,2)  θ_B=(2,-1,0)  -> IC max(2,3)=3, CV min(-2,-3)=-3, TIS 0-1=-1
#   (a1,b3): θ_A=(1,1)  θ_B=(2,-1,0)  -> IC 2, CV min(0,-2)=-2, TIS 1+0=1
#   (a2,b1): θ_A=(1,-1) θ_B=(-2,1,1)  -> IC 3, CV min(-2,-3)=-3, TIS -1-2=-3
#   (a2,b2): θ_A=(0,2)  θ_B=(-2,1,1)  -> IC 0, CV min(2,0)=0,   TIS 2+1=3
#   (a2,b3): θ_A=(1,1)  θ_B=(-2,1,1)  -> IC 0, CV min(0,0)=0,   TIS 1+1=2
HAND = {
    (0, 0): (0, 2, 3),
    (0, 1): (3, -3, -1),
    (0, 2): (2, -2, 1),
    (1, 0): (3, -3, -3),
    (1, 1): (0, 0, 3),
    (1, 2): (0, 0, 2),
}


@pytest.fixture
def tiny(write_model):
    return compile_model(load_model(write_model(TINY)))


def test_compiled_matrix_layout(tiny):
    assert tiny.counts.tolist() == [2, 3]
    assert tiny.offsets.tolist() == [0, 2, 5]
    assert tiny.matrix[0, 2:5].tolist() == [2, -1, 0]  # row A.a1 onto B
    assert tiny.matrix[4, 0:2].tolist() == [1, 1]  # row B.b3 onto A
    assert tiny.matrix[0:2, 0:2].sum() == 0 and tiny.matrix[2:5, 2:5].sum() == 0
    assert tiny.space_size == 6


def test_balances_by_hand(tiny):
    assert impact_balances(tiny.matrix, tiny.offsets, np.array([0, 2])).tolist() == [1, 1, 2, -1, 0]
    assert descriptor_inconsistency(tiny.matrix, tiny.offsets, np.array([0, 2])).tolist() == [0, 2]


@pytest.mark.parametrize("scenario,expected", list(HAND.items()))
def test_scores_by_hand(tiny, scenario, expected):
    s = np.array(scenario)
    ic, cv, tis = expected
    assert scenario_inconsistency(tiny.matrix, tiny.offsets, s) == ic
    assert consistency_value(tiny.matrix, tiny.offsets, s) == cv
    assert total_impact_score(tiny.matrix, tiny.offsets, s) == tis


def test_vectorised_equals_single(tiny):
    all_s = np.array(list(HAND))
    got = consistency_value(tiny.matrix, tiny.offsets, all_s)
    assert got.tolist() == [HAND[k][1] for k in HAND]


def test_consistent_set_and_order(tiny):
    r = find_scenarios(tiny)
    # TIS 3, 3, 2; the tie at 3 broken by variant order: (a1,b1) before (a2,b2).
    assert r.scenarios.tolist() == [[0, 0], [1, 1], [1, 2]]
    assert r.consistency_value.tolist() == [2, 0, 0]
    assert r.total_impact_score.tolist() == [3, 3, 2]
    assert [s["number"] for s in r.to_dict()["scenarios"]] == [1, 2, 3]


def test_tolerance(tiny):
    r = find_scenarios(tiny, max_inconsistency=2)
    assert r.scenarios.tolist() == [[0, 0], [1, 1], [1, 2], [0, 2]]
    assert r.inconsistency.tolist() == [0, 0, 0, 2]
    assert len(find_scenarios(tiny, max_inconsistency=3)) == 6


def test_interventions(tiny):
    # A fixed to a1: only B is tested; of (a1,·) only b1 wins B's balance.
    r = find_scenarios(tiny, fixed={"A": "a1"})
    assert r.scenarios.tolist() == [[0, 0]]
    # B fixed to b3: only A is tested; A ties under b3, so both a1 and a2 pass (TIS 2 before 1).
    r = find_scenarios(tiny, fixed={"B": "b3"})
    assert r.scenarios.tolist() == [[1, 2], [0, 2]]
    assert r.consistency_value.tolist() == [0, 0]
    assert r.to_dict()["fixed"] == {"B": "b3"}


def test_bad_search_arguments(tiny):
    with pytest.raises(UnknownNameError, match="unknown variant 'b9'"):
        find_scenarios(tiny, fixed={"B": "b9"})
    with pytest.raises(UnknownNameError, match="unknown descriptor 'C'"):
        find_scenarios(tiny, fixed={"C": "c1"})
    with pytest.raises(OptionError):
        find_scenarios(tiny, max_inconsistency=-1)


def test_cib_global_matches_scenariowizard(data_dir):
    """CIB_global.scw typed in by hand; expected rows from ScenarioWizard's CIB_global_sw.sl
    (1-based variants, consistency value, total impact score)."""
    c = compile_model(load_model(data_dir / "cib_global_by_hand.yaml"))
    sw = {(2, 2, 2): (0, 9), (2, 3, 2): (0, 15), (3, 1, 3): (1, 12), (1, 2, 3): (0, 8)}
    r = find_scenarios(c)
    got = {
        tuple(int(v) + 1 for v in s): (int(cv), int(t))
        for s, cv, t in zip(r.scenarios, r.consistency_value, r.total_impact_score)
    }
    assert got == sw
    assert r.total_impact_score.tolist() == [15, 12, 9, 8]


def test_exogenous_descriptor_left_out_of_test():
    from scenarist.io.yaml_model import load_model as lm

    m = lm("example")
    c = compile_model(m)
    assert c.exogenous.tolist() == [True, False, False, False]
    r = find_scenarios(c)
    # world takes both variants among the consistent scenarios: it is never tested.
    assert set(r.scenarios[:, 0].tolist()) == {0, 1}
