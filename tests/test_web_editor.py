"""The model editor through FastAPI's TestClient: every page and its JSON twin, each save a version with author and
reason, problems beside their fields with status 422 and nothing stored, renames that keep the analysis (compared
with scenarist.analyze on the original with the ids mapped), refusals, CSRF and escaping."""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

import scenarist
from scenarist.web import create_app
from scenarist.workspace.versions import model_data, model_from_data

EXAMPLE = "example-trade"
HTML = {"accept": "text/html"}
EDIT = f"/models/{EXAMPLE}/edit"
API = f"/api/models/{EXAMPLE}"
WHO = {"author": "ana", "reason": "editor test"}


@pytest.fixture
def client(tmp_path):
    app = create_app(tmp_path / "ws.db", packaged=False)
    app.state.workspace.add(scenarist.load("example"), author="tester", reason="fixture")
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as c:
        c.get("/")  # sets the CSRF cookie
        yield c


def token(c) -> str:
    return c.cookies.get("scenarist_csrf")


def post(c, path: str, **fields):
    return c.post(path, data={"csrf_token": token(c), **WHO, **fields}, headers=HTML)


def api(c, method: str, path: str, **kw):
    return c.request(method, API + path, headers={"X-CSRF-Token": token(c)}, **kw)


def versions(c) -> list[dict]:
    return c.get(f"{API}/versions").json()["versions"]


def field_errors(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'class="field-error">([^<]*)<', page)]


def top_errors(page: str) -> list[str]:
    block = re.findall(r'<ul class="errors form-top">(.*?)</ul>', page, re.S)
    return [html.unescape(m) for b in block for m in re.findall(r"<li>([^<]*)</li>", b)]


def scenarios(model) -> list[dict]:
    return [s["variants"] for s in scenarist.analyze(model).to_dict()["scenarios"]]


def test_every_page_renders_with_the_nav_link(client):
    for path in (
        "",
        "/metadata",
        "/descriptors/world",
        "/descriptors/relationship",
        "/descriptors/policy/variants/closed",
        "/descriptors/relationship/variants/truce",
        "/sources",
        "/sources/notes",
        "/actors",
        "/actors/gov-a",
    ):
        r = client.get(EDIT + path, headers=HTML)
        assert r.status_code == 200, (path, r.text[:300])
        assert f'href="/models/{EXAMPLE}/edit">Model</a>' in r.text
        assert 'name="author"' in r.text and 'name="reason"' in r.text and 'name="csrf_token"' in r.text
    page = client.get(f"/models/{EXAMPLE}", headers=HTML).text
    assert f'<a href="/models/{EXAMPLE}/edit">Model</a>' in page
    for path in ("/descriptors/nope", "/sources/nope", "/actors/nope", "/descriptors/world/variants/nope"):
        assert client.get(EDIT + path, headers=HTML).status_code == 404, path
    assert client.get("/models/nope/edit", headers=HTML).status_code == 404


def test_json_lists(client):
    got = client.get(f"{API}/descriptors").json()["descriptors"]
    assert [d["id"] for d in got] == ["world", "policy", "politics", "relationship"]
    assert "reference scenario status-quo" in got[0]["uses"]
    sources = client.get(f"{API}/sources").json()["sources"]
    assert sources[0]["id"] == "notes" and "prior of world" in sources[0]["cited_by"]
    assert [a["id"] for a in client.get(f"{API}/actors").json()["actors"]] == ["gov-a", "industry-b"]


def test_metadata_page_and_twin(client):
    r = post(
        client,
        f"{EDIT}/metadata",
        title="Trade, revised",
        description="",
        authors="Ana\nBo",
        as_of="2025-06-01",
        scale_min="-2",
        scale_max="2",
        provenance="required",
    )
    assert r.status_code == 303 and r.headers["location"].endswith("/metadata?saved=2")
    m = client.get(API).json()["model"]["metadata"]
    assert (m["title"], m["authors"], m["as_of"], m["scale"]) == (
        "Trade, revised",
        ["Ana", "Bo"],
        "2025-06-01",
        {"min": -2, "max": 2},
    )
    assert "description" not in m
    v = versions(client)[0]
    assert (v["seq"], v["author"], v["reason"]) == (2, "ana", "editor test")
    # Beside their fields: a scale that is not a number, a min above max, a date that is not one.
    r = post(client, f"{EDIT}/metadata", title="T", scale_min="x", scale_max="2", provenance="required")
    assert r.status_code == 422 and "must be a whole number, got 'x'" in field_errors(r.text)
    r = post(client, f"{EDIT}/metadata", title="T", scale_min="3", scale_max="2", provenance="required")
    assert r.status_code == 422 and "min (3) must be below max (2)" in field_errors(r.text)
    r = post(client, f"{EDIT}/metadata", title="T", as_of="2025-13-01", scale_min="-3", scale_max="3")
    assert r.status_code == 422 and len(field_errors(r.text)) == 1
    r = post(client, f"{EDIT}/metadata", title="T", scale_min="-3", scale_max="3", reason="")
    assert r.status_code == 422 and "reason must not be empty" in field_errors(r.text)
    assert len(versions(client)) == 2
    body = {"title": "Via JSON", "scale_min": -3, "scale_max": 3, "provenance": "required", **WHO}
    r = api(client, "PUT", "/metadata", json=body)
    assert r.status_code == 200 and r.json()["version"]["seq"] == 3
    r = api(client, "PUT", "/metadata", json={**body, "scale_min": 5})
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "metadata.scale"
    r = api(client, "PUT", "/metadata", json={**body, "title": "x" * 501})
    assert r.status_code == 422 and r.json()["error"]["kind"] == "RequestValidationError"


def test_add_descriptor_edit_reorder_delete(client):
    r = post(client, f"{EDIT}/descriptors", id="media", name="Media", role="catalyst", variants="calm: Calm\nloud")
    assert r.status_code == 303 and r.headers["location"] == f"{EDIT}/descriptors/media?saved=2"
    model = client.get(API).json()["model"]
    assert model["descriptors"][-1] == {
        "id": "media",
        "name": "Media",
        "role": "catalyst",
        "exogenous": False,
        "variants": [{"id": "calm", "name": "Calm"}, {"id": "loud", "name": "loud"}],
        "citations": [],
    }
    # Problems beside the fields: a taken id, a role the schema lacks, one variant only.
    r = post(client, f"{EDIT}/descriptors", id="media", name="M", role="context", variants="a\nb")
    assert r.status_code == 422 and "a descriptor with id 'media' already exists" in field_errors(r.text)
    r = post(client, f"{EDIT}/descriptors", id="x", name="X", role="bogus", variants="a\nb")
    assert r.status_code == 422 and any(e.startswith("must be catalyst") for e in field_errors(r.text))
    r = post(client, f"{EDIT}/descriptors", id="x", name="X", role="context", variants="a")
    assert r.status_code == 422 and "descriptor 'x' has 1 variant(s); it needs at least 2" in field_errors(r.text)
    assert 'value="x"' in r.text  # the form keeps what was typed
    # Edit: rename the id, set the role and the exogenous flag.
    r = post(client, f"{EDIT}/descriptors/media", id="press", name="Press", role="context", exogenous="on")
    assert r.status_code == 303 and "/descriptors/press?" in r.headers["location"]
    d = client.get(API).json()["model"]["descriptors"][-1]
    assert (d["id"], d["name"], d["role"], d["exogenous"]) == ("press", "Press", "context", True)
    # Making a descriptor that judgments impact exogenous is refused, in the validator's words.
    r = post(client, f"{EDIT}/descriptors/policy", id="policy", name="Trade policy of A", role="orientation",
             exogenous="on")  # fmt: skip
    assert r.status_code == 422
    assert any("descriptor 'policy' is exogenous: nothing in the model may impact it" in e for e in top_errors(r.text))
    # Reorder.
    r = post(client, f"{EDIT}/order", move="press|-1")
    assert r.status_code == 303
    ids = [d["id"] for d in client.get(API).json()["model"]["descriptors"]]
    assert ids == ["world", "policy", "politics", "press", "relationship"]
    # Delete: refused while used, then with the confirmation box.
    r = post(client, f"{EDIT}/descriptors/world/delete")
    assert r.status_code == 422
    assert any("descriptor 'world' is used by 6 item(s)" in e for e in field_errors(r.text))
    n = len(versions(client))
    r = post(client, f"{EDIT}/descriptors/world/delete", cascade="on")
    assert r.status_code == 303 and len(versions(client)) == n + 1
    model = model_from_data(client.get(API).json()["model"])
    assert "world" not in [d.id for d in model.descriptors]
    assert not any(j.from_.startswith("world.") for j in model.judgments)
    r = post(client, f"{EDIT}/descriptors/press/delete")  # every reference scenario names one of its variants
    assert r.status_code == 422 and any("reference scenario status-quo" in e for e in field_errors(r.text))
    assert post(client, f"{EDIT}/descriptors/press/delete", cascade="on").status_code == 303


def test_descriptor_twins(client):
    body = {"id": "media", "name": "Media", "variants": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}], **WHO}
    r = api(client, "POST", "/descriptors", json={**body, "reference_variants": {"status-quo": "b"}})
    assert r.status_code == 200 and r.json()["version"]["seq"] == 2
    model = client.get(API).json()["model"]
    assert model["reference_scenarios"][0]["variants"]["media"] == "b"
    r = api(client, "POST", "/descriptors", json=body)
    assert r.status_code == 422 and "already exists" in r.json()["error"]["message"]
    r = api(client, "POST", "/descriptors", json={**body, "role": "hero"})
    assert r.status_code == 422
    r = api(client, "PUT", "/descriptors/media", json={"id": "press", "description": "News", **WHO})
    assert r.status_code == 200
    r = api(client, "POST", "/descriptors/press/move", json={"offset": -10, **WHO})
    assert client.get(API).json()["model"]["descriptors"][0]["id"] == "press"
    r = api(client, "POST", "/descriptors/press/variants", json={"id": "c", "name": "C", **WHO})
    assert r.status_code == 200
    r = api(client, "PUT", "/descriptors/press/variants/c", json={"id": "cc", "name": "See", **WHO})
    assert r.status_code == 200
    r = api(client, "POST", "/descriptors/press/variants/cc/move", json={"offset": -1, **WHO})
    variants = client.get(API).json()["model"]["descriptors"][0]["variants"]
    assert [v["id"] for v in variants] == ["a", "cc", "b"]
    r = api(client, "DELETE", "/descriptors/press/variants/b", params=WHO)
    assert r.status_code == 422 and "reference scenario status-quo" in r.json()["error"]["message"]
    r = api(client, "DELETE", "/descriptors/press/variants/b", params={**WHO, "cascade": "true"})
    assert r.status_code == 200 and r.json()["deleted"] == ["reference scenario status-quo"]
    r = api(client, "DELETE", "/descriptors/press", params={**WHO, "cascade": "true"})
    assert r.status_code == 200 and r.json()["deleted"] == []
    assert api(client, "DELETE", "/descriptors/nope", params=WHO).status_code == 404
    assert api(client, "PUT", "/descriptors/world", json={"id": "a.b", **WHO}).status_code == 422


def test_renaming_a_variant_in_the_browser_keeps_the_analysis(client):
    original = scenarist.load("example")
    r = post(
        client,
        f"{EDIT}/descriptors/relationship/variants/truce",
        id="standoff",
        name="Stand-off",
        observable="Tariffs unchanged, talks ongoing.",
        horizon="2030-12-31",
    )
    assert r.status_code == 303 and r.headers["location"].endswith("/variants/standoff?saved=2")
    r = api(client, "PUT", "/descriptors/world/variants/growth", json={"id": "boom", **WHO})
    assert r.status_code == 200
    renamed = client.get(f"{API}/analysis").json()
    names = {("relationship", "truce"): "standoff", ("world", "growth"): "boom"}
    expected = [{d: names.get((d, v), v) for d, v in s.items()} for s in scenarios(original)]
    assert [s["variants"] for s in renamed["scenarios"]] == expected
    data = client.get(API).json()["model"]
    text = str(data)
    assert "relationship.truce" not in text and "world.growth" not in text
    assert data["descriptors"][0]["prior"]["probabilities"] == {"boom": 0.6, "recession": 0.4}
    assert data["reference_scenarios"][0]["variants"]["relationship"] == "standoff"
    assert data["assessments"]["joint"][0]["variants"] == ["integration", "standoff"]


def test_variant_pages(client):
    r = post(client, f"{EDIT}/descriptors/relationship/variants", id="war", name="War", observable="Shots fired.")
    assert r.status_code == 303
    v = client.get(API).json()["model"]["descriptors"][3]["variants"][-1]
    assert v == {"id": "war", "name": "War", "observable": "Shots fired."}
    r = post(client, f"{EDIT}/descriptors/relationship/variants", id="war", name="Again")
    assert r.status_code == 422 and "descriptor 'relationship' already has a variant 'war'" in field_errors(r.text)
    r = post(client, f"{EDIT}/descriptors/relationship/variants", id="x", name="X", horizon="1800")
    assert r.status_code == 422 and "date 1800 is outside 1900-01-01 … 2100-12-31" in field_errors(r.text)
    r = post(client, f"{EDIT}/descriptors/relationship/order", move="war|-1")
    assert r.status_code == 303
    ids = [v["id"] for v in client.get(API).json()["model"]["descriptors"][3]["variants"]]
    assert ids == ["integration", "truce", "war", "rupture"]
    r = post(client, f"{EDIT}/descriptors/relationship/variants/war/delete")
    assert r.status_code == 303
    r = post(client, f"{EDIT}/descriptors/relationship/variants/truce/delete")
    assert r.status_code == 422 and any("reference scenario status-quo" in e for e in field_errors(r.text))
    r = post(client, f"{EDIT}/descriptors/relationship/variants/truce/delete", cascade="on")
    assert r.status_code == 303
    assert client.get(API).json()["model"].get("reference_scenarios", []) == []


def test_a_prior_not_summing_to_one_is_refused_beside_the_field(client):
    fields = {"p:growth": "0.5", "p:recession": "0.4", "rationale": "A guess", "cite_source": "notes"}
    r = post(client, f"{EDIT}/descriptors/world/prior", **fields)
    assert r.status_code == 422
    assert field_errors(r.text) == ["probabilities sum to 0.9, not 1"]
    # Beside the probabilities fieldset, with the typed values kept.
    fieldset = r.text[r.text.index("<legend>Probabilities") : r.text.index("</fieldset>")]
    assert "probabilities sum to 0.9, not 1" in fieldset and 'value="0.4"' in fieldset
    assert len(versions(client)) == 1
    r = post(client, f"{EDIT}/descriptors/world/prior", **{**fields, "p:recession": "abc"})
    assert r.status_code == 422 and field_errors(r.text) == ["must be a number, got 'abc'"]
    r = api(client, "PUT", "/descriptors/world/prior", json={"probabilities": {"growth": 0.5, "recession": 0.4},
                                                               "rationale": "x", **WHO})  # fmt: skip
    assert r.status_code == 422
    assert r.json()["error"]["problems"] == [
        {"field": "descriptors[0].prior.probabilities", "line": None, "message": "probabilities sum to 0.9, not 1"}
    ]
    assert len(versions(client)) == 1
    # A good prior with a citation, then its removal.
    r = post(client, f"{EDIT}/descriptors/world/prior", **{**fields, "p:growth": "0.55", "p:recession": "0.45",
                                                            "cite_section": "priors", "cite_page": "3"})  # fmt: skip
    assert r.status_code == 303
    prior = client.get(API).json()["model"]["descriptors"][0]["prior"]
    assert prior == {
        "probabilities": {"growth": 0.55, "recession": 0.45},
        "rationale": "A guess",
        "citations": [{"source": "notes", "section": "priors", "page": "3", "endnotes": []}],
        "uniform": False,
    }
    r = post(client, f"{EDIT}/descriptors/world/prior", remove="on")
    assert r.status_code == 303 and "prior" not in client.get(API).json()["model"]["descriptors"][0]
    # A prior on an endogenous descriptor: the validator's words at the top of the form.
    r = api(client, "PUT", "/descriptors/policy/prior", json={"probabilities": {"open": 1, "closed": 0},
                                                                "rationale": "x", **WHO})  # fmt: skip
    assert r.status_code == 422 and "only exogenous descriptors carry priors" in r.json()["error"]["message"]
    r = api(client, "DELETE", "/descriptors/policy/prior", params=WHO)
    assert r.status_code == 200  # nothing to remove: no new version
    assert r.json()["version"]["seq"] == len(versions(client))


def test_sources_pages_and_twins(client):
    r = post(client, f"{EDIT}/sources", id="paper", title="A paper", source_author="Smith", date="2024-10")
    assert r.status_code == 303
    s = client.get(API).json()["model"]["sources"][-1]
    assert s == {"id": "paper", "title": "A paper", "author": "Smith", "date": "2024-10", "endnotes": []}
    assert versions(client)[0]["author"] == "ana"  # the change's author, not the work's
    r = post(client, f"{EDIT}/sources", id="paper", title="Again")
    assert r.status_code == 422 and "a source with id 'paper' already exists" in field_errors(r.text)
    r = post(client, f"{EDIT}/sources/paper", id="paper2", title="A paper", outlet="Journal")
    assert r.status_code == 303 and "/sources/paper2?" in r.headers["location"]
    # Deleting a cited source is refused, naming where it is cited; nothing is stored.
    n = len(versions(client))
    r = post(client, f"{EDIT}/sources/notes/delete")
    assert r.status_code == 422
    (message,) = top_errors(r.text)
    assert message.startswith("source 'notes' is cited by 25 item(s): 19 judgment(s) (judgment world.growth")
    assert "prior of world" in message and "indicator tariff-cut" in message
    r = api(client, "DELETE", "/sources/notes", params=WHO)
    assert r.status_code == 422 and r.json()["error"]["kind"] == "OptionError"
    assert len(versions(client)) == n
    r = post(client, f"{EDIT}/sources/paper2/delete")
    assert r.status_code == 303
    body = {"source": {"id": "s3", "title": "Third", "author": "Lee"}, **WHO}
    assert api(client, "POST", "/sources", json=body).status_code == 200
    r = api(client, "PUT", "/sources/notes", json={"source": {"id": "teaching", "title": "Notes"}, **WHO})
    assert r.status_code == 200
    assert "'notes'" not in str(client.get(API).json()["model"])
    assert api(client, "DELETE", "/sources/s3", params=WHO).status_code == 200
    assert api(client, "POST", "/sources", json={"source": {"id": "x", "title": "t" * 501}, **WHO}).status_code == 422


def test_actors_pages_and_twins(client):
    r = post(
        client,
        f"{EDIT}/actors",
        id="eu",
        name="European Union",
        description="A bloc",
        link_descriptor=["policy", "relationship", ""],
        link_relation=["stake", "acts_on", "acts_on"],
        link_preferred=["open", "", ""],
        link_note=["", "", ""],
    )
    assert r.status_code == 303
    a = client.get(API).json()["model"]["actors"][-1]
    assert a == {
        "id": "eu",
        "name": "European Union",
        "description": "A bloc",
        "links": [
            {"descriptor": "policy", "relation": "stake", "preferred_variant": "open"},
            {"descriptor": "relationship", "relation": "acts_on"},
        ],
        "citations": [],
    }
    # A preferred variant of another descriptor: beside the links.
    r = post(client, f"{EDIT}/actors/eu", id="eu", name="EU", link_descriptor="policy", link_relation="stake",
             link_preferred="truce", link_note="")  # fmt: skip
    assert r.status_code == 422 and "unknown variant 'truce' of descriptor 'policy'" in field_errors(r.text)
    r = post(client, f"{EDIT}/actors/eu", id="europe", name="EU", link_descriptor="", link_relation="acts_on",
             link_preferred="", link_note="")  # fmt: skip
    assert r.status_code == 303 and "/actors/europe?" in r.headers["location"]
    assert client.get(API).json()["model"]["actors"][-1] == {"id": "europe", "name": "EU", "links": [], "citations": []}
    r = post(client, f"{EDIT}/actors/europe/delete")
    assert r.status_code == 303
    body = {"actor": {"id": "un", "name": "UN", "links": [{"descriptor": "world", "relation": "stake"}]}, **WHO}
    assert api(client, "POST", "/actors", json=body).status_code == 200
    r = api(client, "PUT", "/actors/un", json={"actor": {"id": "un", "name": "United Nations"}, **WHO})
    assert r.status_code == 200
    r = api(client, "POST", "/actors", json={"actor": {"id": "x", "name": "X", "links": [{"descriptor": "nope"}]},
                                            **WHO})  # fmt: skip
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "actors[3].links[0].descriptor"
    assert api(client, "DELETE", "/actors/un", params=WHO).status_code == 200
    assert api(client, "DELETE", "/actors/un", params=WHO).status_code == 404


def test_csrf_is_required(client):
    r = client.post(f"{EDIT}/descriptors", data={"id": "x", "name": "X", "variants": "a\nb", **WHO}, headers=HTML)
    assert r.status_code == 403
    r = client.post(f"{EDIT}/sources", data={"id": "x", "title": "X", "csrf_token": "forged", **WHO}, headers=HTML)
    assert r.status_code == 403
    r = client.post(f"{API}/sources", json={"source": {"id": "x", "title": "X"}, **WHO})
    assert r.status_code == 403 and r.json()["error"]["status"] == 403
    assert client.delete(f"{API}/sources/notes", params=WHO).status_code == 403
    assert len(versions(client)) == 1


def test_script_in_a_name_is_escaped(client):
    evil = "<script>alert(1)</script>"
    assert post(client, f"{EDIT}/descriptors", id="evil", name=evil, variants=f"a: {evil}\nb").status_code == 303
    assert post(client, f"{EDIT}/sources", id="evil", title=evil).status_code == 303
    assert post(client, f"{EDIT}/actors", id="evil", name=evil, description=evil).status_code == 303
    for path in ("", "/descriptors/evil", "/descriptors/evil/variants/a", "/sources", "/sources/evil", "/actors",
                 "/actors/evil", "/actors/gov-a"):  # fmt: skip
        page = client.get(EDIT + path, headers=HTML).text
        assert evil not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
    # Typed back into a refused form, still as text.
    r = post(client, f"{EDIT}/descriptors", id="evil", name=evil, variants="a\nb")
    assert r.status_code == 422 and evil not in r.text


def test_a_model_from_scratch_edited_to_the_end(client):
    r = client.post(
        "/models/new",
        data={
            "model_id": "scratch",
            "title": "Scratch",
            "descriptors": "a: x, y\nb: p, q",
            "csrf_token": token(client),
        },
    )
    assert r.status_code == 303
    e = "/models/scratch/edit"
    assert post(client, f"{e}/descriptors", id="c", name="C", role="outcome", variants="u\nv").status_code == 303
    assert post(client, f"{e}/sources", id="src", title="A source").status_code == 303
    assert post(client, f"{e}/descriptors/a", id="a", name="A", role="context", exogenous="on").status_code == 303
    r = post(client, f"{e}/descriptors/a/prior", **{"p:x": "0.25", "p:y": "0.75"}, rationale="r", cite_source="src")
    assert r.status_code == 303, field_errors(r.text) + top_errors(r.text)
    stored = model_from_data(client.get("/api/models/scratch").json()["model"])
    assert [d.id for d in stored.descriptors] == ["a", "b", "c"]
    assert stored.descriptor("a").prior.probabilities == {"x": 0.25, "y": 0.75}
    page = client.get("/models/scratch", headers=HTML)
    assert page.status_code == 200 and "consistent scenario" in page.text
    expected = model_data(stored)
    assert client.get("/api/models/scratch").json()["model"] == expected
