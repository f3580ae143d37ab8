"""The forecast ledger's hash chain: tamper detection (changed probability, changed date, dropped record, reordered
records), un-resolving as an appended event, export/import, and the packaged prospective ledger's committed head.
Hashes are recomputed here with hashlib directly, not with the code under test."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import text

from scenarist.errors import OptionError
from scenarist.evidence import EvidenceStore, load_evidence
from scenarist.forecasts import (
    import_records,
    list_forecasts,
    make_forecast,
    record_forecast,
    resolve_forecast,
    unresolve_forecast,
)
from scenarist.forecasts.chain import export_document, read_records, records_from_document, verify
from scenarist.io.yaml_model import load_model

D = dt.date
EXAMPLE = Path(__file__).parent / "data" / "evidence" / "example.yaml"
PG = os.environ.get("SCENARIST_TEST_PG_URL")
PACKAGED = "forecasts-iran-russia-2026-12-05"
#: The packaged prospective ledger's head hash, committed here and in docs/evidence.md §6.
PACKAGED_HEAD = "35f36ffbd799011b00b4a71821d456f37f7ca773d6e3b0658fcf8b79335fdb74"


def sha(prev: str, content: dict) -> str:
    body = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + "\n" + body).encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def model():
    return load_model("example")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path, model):
    drop = None
    if request.param == "sqlite":
        s = EvidenceStore(f"sqlite:///{tmp_path / 'ledger.db'}")
    else:
        if not PG:
            pytest.skip("SCENARIST_TEST_PG_URL is not set")
        from test_evidence_store import pg_schema_url

        url, drop = pg_schema_url(PG)
        s = EvidenceStore(url)
    s.import_evidence(load_evidence(EXAMPLE, model))
    yield s
    s.close()
    if drop:
        drop()


def _fill(store, model):
    for i, p in enumerate(((0.6, 0.2, 0.2), (0.3, 0.4, 0.3), (0.1, 0.1, 0.8))):
        f = make_forecast(
            f"f{i}", model, dict(zip(("integration", "truce", "rupture"), p)), D(2025, 1, 1), D(2030, 1, 1), "c"
        )
        record_forecast(store, f)
    resolve_forecast(store, "f0", "truce", D(2026, 1, 1), resolver="r", source="s")


def _sql(store, sql, **kw):
    with store.engine.begin() as conn:
        conn.execute(text(sql), kw)


def test_an_intact_chain_hashes_as_computed_by_hand(store, model):
    _fill(store, model)
    recs = read_records(store)
    assert [r.kind for r in recs] == ["forecast"] * 3 + ["resolution"]
    prev = "0" * 64
    for r in recs:
        assert r.prev_hash == prev and r.hash == sha(prev, r.content)
        prev = r.hash
    c = verify(store)
    assert c.ok and c.records == 4 and c.head == prev
    assert recs[0].content["probabilities"] == [0.6, 0.2, 0.2]
    assert recs[0].content["provenance"] is None  # make_forecast alone states none; record() adds it


def test_a_changed_probability_is_named(store, model):
    _fill(store, model)
    r = read_records(store)[1]
    changed = {**r.content, "probabilities": [0.2, 0.4, 0.4]}
    _sql(store, "UPDATE ledger_records SET content = :c WHERE seq = 2", c=json.dumps(changed))
    c = verify(store)
    assert not c.ok and any("record #2 (forecast f1)" in p and "changed" in p for p in c.problems)


def test_a_changed_date_is_named_even_with_its_hash_recomputed(store, model):
    _fill(store, model)
    r = read_records(store)[3]
    changed = {**r.content, "resolved_on": "2025-06-01"}
    # the forger recomputes this record's hash: the next record is fine (there is none), but the head moves
    _sql(
        store,
        "UPDATE ledger_records SET content = :c, hash = :h WHERE seq = 4",
        c=json.dumps(changed),
        h=sha(r.prev_hash, changed),
    )
    assert verify(store).ok  # a rebuilt chain is only caught by a published head:
    c = verify(store, expected_head=r.hash)
    assert not c.ok and "not the expected head" in c.problems[-1]
    # and a changed date without a recomputed hash is named
    r0 = read_records(store)[0]
    _sql(
        store,
        "UPDATE ledger_records SET content = :c WHERE seq = 1",
        c=json.dumps({**r0.content, "made_on": "2024-01-01"}),
    )
    assert any("record #1 (forecast f0)" in p for p in verify(store).problems)


def test_a_dropped_record_is_named(store, model):
    _fill(store, model)
    _sql(store, "DELETE FROM ledger_records WHERE seq = 2")
    c = verify(store)
    assert not c.ok and any("record #3 (forecast f2)" in p and "missing" in p for p in c.problems)


def test_reordered_records_are_named(store, model):
    _fill(store, model)
    _sql(store, "UPDATE ledger_records SET seq = 99 WHERE seq = 2")
    _sql(store, "UPDATE ledger_records SET seq = 2 WHERE seq = 3")
    _sql(store, "UPDATE ledger_records SET seq = 3 WHERE seq = 99")
    c = verify(store)
    assert not c.ok and any("record #2 (forecast f2)" in p and "prev_hash" in p for p in c.problems)


def test_the_forecasts_index_must_agree_with_the_chain(store, model):
    _fill(store, model)
    _sql(store, "UPDATE forecasts SET probabilities = '[0.5,0.3,0.2]' WHERE forecast_id = 'f0'")
    c = verify(store)
    assert any("forecast f0: table forecasts differs" in p for p in c.problems)
    assert list_forecasts(store)[0].probabilities == (0.6, 0.2, 0.2)  # what is read is the chain's


def test_unresolving_is_an_appended_event(store, model):
    _fill(store, model)
    unresolve_forecast(store, "f0", "the source was retracted", D(2026, 2, 1), "r")
    recs = read_records(store)
    assert [r.kind for r in recs][-2:] == ["resolution", "unresolution"]  # the resolution stays in the chain
    assert [f.resolution for f in list_forecasts(store)] == [None, None, None]
    with pytest.raises(OptionError, match="not resolved"):
        unresolve_forecast(store, "f0", "again")
    resolve_forecast(store, "f0", state="ambiguous", outcome=None, resolved_on=D(2026, 3, 1))
    assert list_forecasts(store)[0].resolution.state == "ambiguous"
    assert verify(store).ok and verify(store).records == 6


def test_export_and_import_keep_the_head(store, model, tmp_path):
    _fill(store, model)
    doc = export_document(read_records(store))
    recs = records_from_document(json.loads(json.dumps(doc)))
    with EvidenceStore(f"sqlite:///{tmp_path / 'copy.db'}") as other:
        assert import_records(other, recs) == (4, 0)
        assert verify(other).head == doc["head"]
        assert import_records(other, recs) == (0, 4)  # again: nothing new
    doc["records"][0]["content"]["probabilities"] = [0.2, 0.2, 0.6]
    with pytest.raises(OptionError, match="does not verify"):
        records_from_document(doc)


def test_the_packaged_prospective_ledger_has_its_committed_head():
    path = resources.files("scenarist.data") / f"{PACKAGED}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    prev = "0" * 64
    for r in doc["records"]:
        assert r["prev_hash"] == prev
        prev = sha(prev, r["content"])
        assert r["hash"] == prev
    assert prev == doc["head"] == PACKAGED_HEAD
    forecasts = [r["content"] for r in doc["records"] if r["content"]["kind"] == "forecast"]
    assert len(forecasts) >= 6 and not any(r["content"]["kind"] != "forecast" for r in doc["records"])
    for c in forecasts:
        assert c["made_on"] == "2026-12-05" and "2027-01-01" <= c["horizon"] <= "2028-07-31"
        assert abs(sum(c["probabilities"]) - 1) < 1e-9 and len(c["criteria"]) > 100
        assert c["provenance"]["model_digest"] and c["retrodiction"] is None
