"""Slow, plainly correct references for the likelihood layer, and a builder of small models for its tests.

Nothing here calls Scenarist's search or likelihood code: the consistency test and the crediting rule are written
out from their definitions (docs/cib.md §3 and docs/method.md §2) with Python loops.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from scenarist.model import Model, check_model


def build_model(descriptors, judgments, scale=(-3, 3), outcome=None, self_impacts="forbid"):
    """A validated Model from compact parts.

    descriptors : list of (id, [variant ids], exogenous: bool, prior: dict | None)
    judgments : list of (from "d.v", to "d.v", score) or (from, to, score, extra dict)
    """
    desc = []
    for d_id, variants, exo, prior in descriptors:
        item = {
            "id": d_id,
            "name": d_id.upper(),
            "exogenous": exo,
            "role": "outcome" if d_id == outcome else "context",
            "variants": [{"id": v, "name": v.upper()} for v in variants],
        }
        if prior is not None:
            item["prior"] = {"probabilities": prior, "rationale": "test"}
        desc.append(item)
    js = []
    for j in judgments:
        item = {"from": j[0], "to": j[1], "score": j[2]}
        if len(j) > 3:
            item.update(j[3])
        js.append(item)
    data = {
        "metadata": {
            "id": "t",
            "title": "t",
            "provenance": "optional",
            "scale": {"min": scale[0], "max": scale[1]},
            "self_impacts": self_impacts,
        },
        "descriptors": desc,
        "judgments": js,
    }
    model = Model.model_validate(data)
    problems = check_model(model)
    assert not problems, problems
    return model


def naive_matrix(model):
    """{(d, v): {(d2, v2): score}} from the judgments (cells within one descriptor dropped)."""
    cells = {}
    for j in model.judgments:
        src = tuple(j.from_.split("."))
        dst = tuple(j.to.split("."))
        if src[0] != dst[0]:
            cells[(src, dst)] = j.score
    return cells


def naive_consistent(model, cells, fixed=None):
    """All consistent scenarios as dicts, by brute force over the whole space (exogenous and fixed untested)."""
    fixed = fixed or {}
    ds = model.descriptors
    spaces = [[fixed[d.id]] if d.id in fixed else [v.id for v in d.variants] for d in ds]
    out = []
    for combo in itertools.product(*spaces):
        s = {d.id: v for d, v in zip(ds, combo)}
        ok = True
        for d in ds:
            if d.exogenous or d.id in fixed:
                continue
            bal = {}
            for b in d.variants:
                bal[b.id] = sum(cells.get(((e.id, s[e.id]), (d.id, b.id)), 0) for e in ds if e.id != d.id)
            if bal[s[d.id]] < max(bal.values()):
                ok = False
                break
        if ok:
            out.append(s)
    return out


def naive_distribution(model, priors=None, fixed=None, credit="variants", cells=None):
    """Exact distribution by the definition: ``{descriptor: {variant: Fraction}}`` and the none bin (Fraction).

    Priors are taken as Fractions of the given floats' decimal text (so 0.6 is 3/5).
    """
    fixed = fixed or {}
    cells = naive_matrix(model) if cells is None else cells
    ds = model.descriptors
    pri = {}
    for d in ds:
        if d.exogenous and d.id not in fixed:
            p = (priors or {}).get(d.id) or (d.prior.probabilities if d.prior else None)
            if p is None:
                p = {v.id: 1.0 / len(d.variants) for v in d.variants}
            pri[d.id] = {v: Fraction(str(x)) if not isinstance(x, Fraction) else x for v, x in p.items()}
    exo = list(pri)
    dist = {d.id: {v.id: Fraction(0) for v in d.variants} for d in ds}
    none = Fraction(0)
    for combo in itertools.product(*[list(pri[e]) for e in exo]):
        w = Fraction(1)
        for e, v in zip(exo, combo):
            w *= pri[e][v]
        fx = dict(fixed)
        fx.update(zip(exo, combo))
        sc = naive_consistent(model, cells, fx)
        # fixed exogenous stay untested; they were never tested anyway
        if not sc:
            none += w
            continue
        for d in ds:
            if credit == "variants":
                taken = sorted({s[d.id] for s in sc})
                for v in taken:
                    dist[d.id][v] += w / len(taken)
            else:
                for s in sc:
                    dist[d.id][s[d.id]] += w / len(sc)
    return dist, none


def naive_volume_distribution(model, cells=None, max_steps=1000):
    """Exact distribution credited by volume weight under global succession, by brute force.

    For every exogenous combination x: follow every start scenario (x fixed) by global succession — each tested
    descriptor moves to its highest-balance variant, keeping its own when it is among the highest, else the first
    highest — until a fixed point (an attractor) or a repeat (a cycle, left out). Each attractor gets P(x) times
    its share of the starts that end in an attractor. Returns ``({descriptor: {variant: Fraction}}, none)``.
    """
    cells = naive_matrix(model) if cells is None else cells
    ds = model.descriptors
    pri = {}
    for d in ds:
        if d.exogenous:
            p = d.prior.probabilities if d.prior else {v.id: 1.0 / len(d.variants) for v in d.variants}
            pri[d.id] = {v: Fraction(str(x)) for v, x in p.items()}
    exo = list(pri)
    dist = {d.id: {v.id: Fraction(0) for v in d.variants} for d in ds}
    none = Fraction(0)

    def step(s):
        new = dict(s)
        for d in ds:
            if d.exogenous:
                continue
            bal = {
                b.id: sum(cells.get(((e.id, s[e.id]), (d.id, b.id)), 0) for e in ds if e.id != d.id) for b in d.variants
            }
            top = max(bal.values())
            if bal[s[d.id]] < top:
                new[d.id] = next(b.id for b in d.variants if bal[b.id] == top)
        return new

    for combo in itertools.product(*[list(pri[e]) for e in exo]):
        w = Fraction(1)
        for e, v in zip(exo, combo):
            w *= pri[e][v]
        free = [d for d in ds if not d.exogenous]
        ends = {}
        for start in itertools.product(*[[v.id for v in d.variants] for d in free]):
            s = dict(zip(exo, combo))
            s.update({d.id: v for d, v in zip(free, start)})
            seen = []
            while s not in seen and len(seen) < max_steps:
                seen.append(s)
                s = step(s)
            if step(s) == s:
                key = tuple(s[d.id] for d in ds)
                ends[key] = ends.get(key, 0) + 1
        total = sum(ends.values())
        if total == 0:
            none += w
            continue
        for key, n in ends.items():
            for d, v in zip(ds, key):
                dist[d.id][v] += w * Fraction(n, total)
    return dist, none
