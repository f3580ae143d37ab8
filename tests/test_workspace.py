"""The workspace library: version identity, history, diff, restore, readings, and the command line reading a stored
version with ``--db URL ID[@VERSION]``."""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

import scenarist
from scenarist.cli import app
from scenarist.errors import ModelError, OptionError, UnknownNameError
from scenarist.workspace import Workspace, load_stored, version_id
from scenarist.workspace.versions import model_data, model_from_data
from test_evidence_store import db_url  # noqa: F401  (the fixture: SQLite and PostgreSQL)

EXAMPLE = "example-trade"


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path / "ws.db")  # the CLI test below reads this file
    w.add(scenarist.load("example"), author="ana", reason="first")
    yield w
    w.close()


def test_version_is_the_sha256_of_sorted_compact_json():
    m = scenarist.load("example")
    data = m.model_dump(mode="json", by_alias=True, exclude_none=True)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert version_id(m) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    # Key order in the input does not matter; one changed score does.
    again = model_from_data(dict(reversed(list(model_data(m).items()))))
    assert version_id(again) == version_id(m)
    edited = model_data(m)
    edited["judgments"][0]["score"] = 1
    assert version_id(model_from_data(edited)) != version_id(m)


def test_history_diff_and_restore(ws):
    v1 = ws.head(EXAMPLE)
    v2 = ws.set_judgment(EXAMPLE, "world.growth", "policy.open", score=-2, author="bo", reason="sceptic")
    same = ws.set_judgment(EXAMPLE, "world.growth", "policy.open", score=-2, author="bo", reason="again")
    assert same == v2  # saving an unchanged model appends nothing
    assert [v.seq for v in ws.history(EXAMPLE)] == [2, 1]
    assert v2.parent == v1.version
    changes = ws.changes(EXAMPLE, 1, 2)
    assert [(c.kind, c.where, c.field, c.before, c.after) for c in changes] == [
        ("changed", "judgment world.growth → policy.open", "score", 2, -2)
    ]
    v3 = ws.restore(EXAMPLE, v1.version[:6], author="ana")
    assert (v3.seq, v3.version, v3.parent) == (3, v1.version, v2.version)
    assert ws.get(EXAMPLE, 2).judgments[0].score == -2
    assert version_id(ws.get(EXAMPLE)) == v1.version


def test_bad_edits_store_nothing(ws):
    with pytest.raises(ModelError, match=r"judgments\[0\]\.score: score 7 is outside the scale -3..3"):
        ws.set_judgment(EXAMPLE, "world.growth", "policy.open", score=7, author="bo", reason="typo")
    with pytest.raises(ModelError, match="unknown"):
        ws.set_judgment(
            EXAMPLE,
            "world.nothing",
            "policy.open",
            score=1,
            author="bo",
            reason="typo",
            rationale="x",
            citations=[{"source": "notes"}],
        )
    with pytest.raises(OptionError, match="reason must not be empty"):
        ws.set_judgment(EXAMPLE, "world.growth", "policy.open", score=1, author="bo", reason=" ")
    with pytest.raises(OptionError, match="already in the workspace"):
        ws.add(scenarist.load("example"), author="ana", reason="twice")
    assert len(ws.history(EXAMPLE)) == 1


def test_versions_are_named_by_number_or_prefix(ws):
    v1 = ws.head(EXAMPLE)
    assert ws.resolve(EXAMPLE, "1") == v1 and ws.resolve(EXAMPLE, v1.version[:4]) == v1
    for bad in ("9", "zz", v1.version[:3]):
        with pytest.raises(UnknownNameError, match="is not a version"):
            ws.resolve(EXAMPLE, bad)
    with pytest.raises(UnknownNameError, match="no model 'nope'"):
        ws.get("nope")


def test_readings(ws):
    with pytest.raises(ModelError):
        ws.save_reading(EXAMPLE, "bad", {("world.growth", "policy.open"): 9}, author="bo")
    with pytest.raises(OptionError, match="weight"):
        ws.save_reading(EXAMPLE, "bad", {}, author="bo", weight=float("inf"))
    r = ws.save_reading(EXAMPLE, "sceptic", {("world.growth", "policy.open"): -1}, author="bo", weight=2)
    assert r.overrides == {("world.growth", "policy.open"): -1} and r.weight == 2.0
    members = ws.ensemble_model(EXAMPLE).ensemble
    assert [(m.id, m.weight, [(j.from_, j.to, j.score) for j in m.judgments]) for m in members] == [
        ("as-stated", 1.0, []),
        ("sceptic", 2.0, [("world.growth", "policy.open", -1)]),
    ]


def test_the_cli_reads_a_stored_version(ws, tmp_path):
    v2 = ws.set_judgment(EXAMPLE, "world.growth", "policy.open", score=-3, author="bo", reason="sceptic")
    db = str(tmp_path / "ws.db")
    runner = CliRunner()
    for ref, version in ((f"{EXAMPLE}@1", 1), (f"{EXAMPLE}@{v2.short}", 2), (EXAMPLE, 2)):
        result = runner.invoke(app, ["analyze", "--db", db, ref, "--json"])
        assert result.exit_code == 0, result.output
        want = scenarist.analyze(ws.get(EXAMPLE, version)).to_dict()
        assert json.loads(result.stdout) == json.loads(json.dumps(want))
    assert json.loads(runner.invoke(app, ["analyze", "--db", db, f"{EXAMPLE}@1", "--json"]).stdout) != json.loads(
        runner.invoke(app, ["analyze", "--db", db, f"{EXAMPLE}@2", "--json"]).stdout
    )
    bad = runner.invoke(app, ["analyze", "--db", db, f"{EXAMPLE}@7"])
    assert bad.exit_code == 2 and "is not a version" in bad.output and "Traceback" not in bad.output
    missing = tmp_path / "typo.db"
    bad = runner.invoke(app, ["likelihood", "--db", str(missing), EXAMPLE])
    assert bad.exit_code == 2 and "no such store" in bad.output
    assert not missing.exists()


def test_history_on_every_backend(db_url):  # noqa: F811  (SQLite and PostgreSQL)
    with Workspace(db_url) as w:
        v1 = w.add(scenarist.load("example"), author="ana", reason="first")
        v2 = w.set_judgment(EXAMPLE, "world.growth", "policy.open", score=-2, author="bo", reason="sceptic")
        v3 = w.restore(EXAMPLE, 1, author="ana")
        assert [v.seq for v in w.history(EXAMPLE)] == [3, 2, 1]
        assert (v3.version, v3.parent, v2.parent) == (v1.version, v2.version, v1.version)
        assert w.history(EXAMPLE)[0].created_at.tzinfo is not None


def test_load_stored_is_the_same_model(ws, tmp_path):
    m = load_stored(f"{EXAMPLE}@1", tmp_path / "ws.db")
    assert version_id(m) == version_id(scenarist.load("example"))
