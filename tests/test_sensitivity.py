"""Sensitivity to single judgments (±1) and to the exogenous priors, against hand computation and brute force."""

from __future__ import annotations

import pytest

from likelihood_naive import build_model, naive_distribution, naive_matrix
from scenarist.probability.sensitivity import sensitivity


def small():
    """a exogenous (0.5 / 0.5); a1 → o1 (+1), a2 → o2 (+1); plus a cell at the scale's top that cannot go up."""
    return build_model(
        [
            ("a", ["a1", "a2"], True, {"a1": 0.5, "a2": 0.5}),
            ("b", ["b1", "b2"], False, None),
            ("o", ["o1", "o2"], False, None),
        ],
        [("a.a1", "o.o1", 1), ("a.a2", "o.o2", 1), ("a.a1", "b.b1", 3)],
        outcome="o",
    )


def test_hand_computed_shifts_and_ranking():
    s = sensitivity(small())
    assert s.outcome == "o" and s.variant_ids == ("o1", "o2")
    assert s.base == pytest.approx([0.5, 0.5, 0.0])
    first, second, third = s.judgments
    # a2 → o2 moved to 0: a2 ties, o1 and o2 share 0.5 → o1 +0.25, o2 −0.25. Under a2, b is free (nothing impacts
    # it), so two scenarios are gained: (a2, b1, o1) and (a2, b2, o1).
    assert (first.source, first.target) == ("a.a2", "o.o2")
    assert first.shift_down == pytest.approx([0.25, -0.25, 0.0])
    assert first.shift_up == pytest.approx([0.0, 0.0, 0.0])
    assert first.influence == pytest.approx(0.25)
    assert (first.gained_down, first.lost_down, first.gained_up, first.lost_up) == (2, 0, 0, 0)
    # a1 → o1 moved to 0: same influence, but under a1 b is pinned to b1, so only (a1, b1, o2) is gained.
    assert (second.source, second.target) == ("a.a1", "o.o1")
    assert second.shift_down == pytest.approx([-0.25, 0.25, 0.0])
    assert (second.gained_down, second.lost_down) == (1, 0)
    # a1 → b1 at +3 cannot go up; going down to 2 changes nothing
    assert (third.source, third.score, third.shift_up, third.influence) == ("a.a1", 3, None, 0.0)
    assert third.shift_down == pytest.approx([0, 0, 0])
    assert s.top(1) == (first,)


def test_prior_response_is_the_conditional_distribution():
    s = sensitivity(small())
    by = {(p.descriptor, p.variant): p for p in s.priors}
    assert by[("a", "a1")].conditional == pytest.approx([1.0, 0.0, 0.0])
    assert by[("a", "a2")].conditional == pytest.approx([0.0, 1.0, 0.0])
    assert by[("a", "a1")].slope == pytest.approx([0.5, -0.5, 0.0])
    # linearity: P(v) = Σ_a p(a) P(v | a)
    mix = sum(p.prior * p.conditional for p in s.priors)
    assert mix == pytest.approx(s.base)
    frame = s.priors_frame()
    assert frame.loc[("a", "a1"), "o1"] == pytest.approx(1.0)
    doc = s.to_dict()
    assert doc["judgments"][0]["shift_down"]["o1"] == pytest.approx(0.25)


def test_shifts_match_brute_force_on_the_example():
    from scenarist.io.yaml_model import load_model

    m = load_model("example")
    s = sensitivity(m)
    base, none = naive_distribution(m)
    for e in s.judgments:
        cells = naive_matrix(m)
        src, dst = tuple(e.source.split(".")), tuple(e.target.split("."))
        for arr, delta in ((e.shift_down, -1), (e.shift_up, 1)):
            if arr is None:
                assert not (-3 <= e.score + delta <= 3)
                continue
            cells[(src, dst)] = e.score + delta
            got, got_none = naive_distribution(m, cells=cells)
            want = [float(got["relationship"][v] - base["relationship"][v]) for v in s.variant_ids]
            want.append(float(got_none - none))
            assert arr == pytest.approx(want, abs=1e-12), (e.source, e.target, delta)
    # ranked by influence
    inf = [e.influence for e in s.judgments]
    assert inf == sorted(inf, reverse=True)
    assert s.to_frame().index[0] == 1


def test_kernel_column_means_the_same_in_terminal_report_and_json(tmp_path):
    """Defect #8: each move's kernel change (gained/lost) is shown apart, with the same numbers everywhere.

    By hand (see the test above): a2 → o2 down gains 2 and loses 0, up changes nothing; a1 → b1 at the top of the
    scale has no up move."""
    import json

    from typer.testing import CliRunner

    from scenarist.analysis import analyze
    from scenarist.cli import app
    from scenarist.io.yaml_model import save_model
    from scenarist.reporting import build_report

    path = tmp_path / "small.yaml"
    save_model(small(), path)
    doc = json.loads(CliRunner().invoke(app, ["sensitivity", str(path), "--json"]).stdout)
    kernels = {(j["from"], j["to"]): j["kernel"] for j in doc["judgments"]}
    assert kernels[("a.a2", "o.o2")] == {"gained_down": 2, "lost_down": 0, "gained_up": 0, "lost_up": 0}
    assert kernels[("a.a1", "b.b1")] == {"gained_down": 0, "lost_down": 0, "gained_up": 0, "lost_up": 0}
    r = CliRunner().invoke(app, ["sensitivity", str(path)], env={"COLUMNS": "120"})
    rows = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
        for line in r.stdout.splitlines()
        if line.startswith("│ ") and line.split("│")[1].strip()
    }
    # columns: judgment (first line), score, TV %, kernel −1, kernel +1, outcome shift; ranks as in the test above
    assert rows["1"][0] == "a.a2 →" and rows["1"][3:5] == ["+2/−0", "+0/−0"]
    assert rows["2"][0] == "a.a1 →" and rows["2"][3:5] == ["+1/−0", "+0/−0"]
    assert rows["3"][0] == "a.a1 →" and rows["3"][3:5] == ["+0/−0", "–"]
    assert "kernel −1 / +1: consistent scenarios gained/lost" in " ".join(r.stdout.split())
    html = build_report(analyze(small()), ["sensitivity"], sensitivity=sensitivity(small()))
    assert '<th class="num">Kernel −1</th><th class="num">Kernel +1</th>' in html
    assert '<td class="num">+2/−0</td><td class="num">+0/−0</td>' in html
    assert '<td class="num">+0/−0</td><td class="num">–</td>' in html
