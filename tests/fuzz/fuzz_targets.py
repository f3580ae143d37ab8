"""The fuzz targets: every reader and the store, through the entry points users hit.

A target turns one input (the bytes of a file; for the store, the bytes of a SQLite database; for ``cli_args``, one
argument per line) into calls of the public API or of the real command line, inside a work folder. Each has seeds
(valid files from the tests' data), a Hypothesis strategy that mutates the seeds or builds inputs from structured
strategies, and the suffix its corpus files carry (``tests/corpus/<target>/``).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import random
import re
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fuzz_mutations import EXTREMES, alias_bomb, big_ints, mutated, names, odd_floats, weird_values
from fuzz_oracle import cli
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
CIB = DATA / "cib"
MODELS = ROOT / "src" / "scenarist" / "models"
EXAMPLE_MODEL = MODELS / "example.yaml"
EXAMPLE_EVIDENCE = DATA / "evidence" / "example.yaml"


@dataclass
class Target:
    name: str
    suffix: str
    run: Callable[[bytes, Path], None]
    strategy: Callable[[], st.SearchStrategy[bytes]]
    ci_examples: int
    what: str

    def write(self, data: bytes, work: Path, stem: str = "input") -> Path:
        path = work / f"{stem}{self.suffix}"
        path.write_bytes(data)
        return path


TARGETS: dict[str, Target] = {}


def register(name: str, suffix: str, ci_examples: int, what: str, run, strategy) -> None:
    TARGETS[name] = Target(name, suffix, run, strategy, ci_examples, what)


# ------------------------------------------------------------------------------------------------------------------
# Seeds (valid files) and structured YAML
# ------------------------------------------------------------------------------------------------------------------


@functools.cache
def example_model():
    import scenarist

    return scenarist.load(EXAMPLE_MODEL)


def _read(paths) -> list[bytes]:
    return [Path(p).read_bytes() for p in paths]


@functools.cache
def seeds_model() -> list[bytes]:
    return _read([EXAMPLE_MODEL, DATA / "cib_global_by_hand.yaml"])


@functools.cache
def seeds_scw() -> list[bytes]:
    return _read(
        CIB / f
        for f in ("CIB_global.scw", "bench_medium.scw", "bench_large.scw", "bench_typical.scw", "CIB_natl_regional.scw")
    )


@functools.cache
def seeds_sl() -> list[bytes]:
    return _read(sorted(CIB.glob("*.sl")))


@functools.cache
def seeds_csv_matrix() -> list[bytes]:
    from scenarist.io.matrix_table import format_csv_matrix
    from scenarist.io.scw import parse_scw

    out = []
    for raw in seeds_scw()[:3]:
        project = parse_scw(raw.decode("utf-8"))
        for layout in ("scenariowizard", "labelled"):
            text = format_csv_matrix(project, layout)
            out.append(text.encode("utf-8"))
            out.append(text.replace(";", ",").encode("utf-8"))
    return out


@functools.cache
def seeds_evidence_yaml() -> list[bytes]:
    return _read([EXAMPLE_EVIDENCE])


@functools.cache
def seeds_evidence_csv() -> list[bytes]:
    from scenarist.evidence import dump_csv, load_evidence

    ev = load_evidence(EXAMPLE_EVIDENCE, example_model())
    return [dump_csv(ev.items).encode("utf-8")]


@functools.cache
def seed_tree(kind: str):
    from ruamel.yaml import YAML

    path = {"model": EXAMPLE_MODEL, "evidence": EXAMPLE_EVIDENCE}[kind]
    return json.loads(json.dumps(YAML(typ="safe").load(path.read_text(encoding="utf-8")), default=str))


_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def to_yaml(node) -> str:
    """Flow-style YAML for a JSON-like tree (dates unquoted so that YAML reads them as dates)."""
    if node is None:
        return "null"
    if node is True or node is False:
        return "true" if node else "false"
    if isinstance(node, int):
        return str(node)
    if isinstance(node, float):
        if math.isnan(node):
            return ".nan"
        if math.isinf(node):
            return ".inf" if node > 0 else "-.inf"
        return repr(node)
    if isinstance(node, str):
        return node if _DATE.match(node) else json.dumps(node)
    if isinstance(node, list):
        return "[" + ", ".join(to_yaml(x) for x in node) + "]"
    if isinstance(node, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {to_yaml(v)}" for k, v in node.items()) + "}"
    return json.dumps(str(node))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _get(node, path):
    for p in path:
        node = node[p]
    return node


@st.composite
def tree_mutated(draw, kind: str) -> bytes:
    """The seed's parsed tree with one to three structural edits (replace, delete, duplicate, add, transplant)."""
    tree = json.loads(json.dumps(seed_tree(kind)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(tree) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _get(tree, path[:-1]), path[-1]
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate", "add", "transplant"]))
        if op == "replace":
            parent[key] = draw(weird_values)
        elif op == "delete":
            del parent[key]
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "id", "score", "prior", "scale", "bearing", ""]))] = draw(
                weird_values
            )
        elif op == "transplant":
            other = draw(st.sampled_from(paths))
            with contextlib.suppress(KeyError, IndexError, TypeError):
                parent[key] = json.loads(json.dumps(_get(tree, other)))
    return to_yaml(tree).encode("utf-8")


@st.composite
def _yaml_input(draw, kind: str, seeds: list[bytes]) -> bytes:
    # Mostly damaged seeds and trees; now and then random bytes or an alias bomb (a bomb costs up to the 5 s limit
    # while bombs are not refused, so it is kept rare: r == 7 of 0..199).
    r = draw(st.integers(0, 199))
    if r == 7:
        return alias_bomb(draw(st.integers(1, 9)), draw(st.integers(2, 10)))
    if r in (3, 11, 13, 17):
        return draw(st.binary(max_size=200))
    if r % 3 == 0:
        return draw(tree_mutated(kind))
    return draw(mutated(seeds, yaml=True))


def yaml_inputs(kind: str, seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    return _yaml_input(kind, seeds)


# ------------------------------------------------------------------------------------------------------------------
# YAML model
# ------------------------------------------------------------------------------------------------------------------


def _run_model(data: bytes, work: Path) -> None:
    import scenarist

    path = TARGETS["model_yaml"].write(data, work)
    v = scenarist.validate(path)  # never raises for a problem of the file: a refusal is an invalid result
    v.to_dict()
    if not v.valid:
        if v.error is None:
            raise AssertionError(f"validate found problems but kept no error: {v.problems}")
        v.raise_for_problems()
    scenarist.load(path)


register(
    "model_yaml",
    ".yaml",
    80,
    "YAML model: scenarist.validate and scenarist.load",
    _run_model,
    lambda: yaml_inputs("model", seeds_model()),
)


def _run_cli_validate(data: bytes, work: Path) -> None:
    path = TARGETS["cli_validate"].write(data, work)
    cli(["validate", str(path)])


register(
    "cli_validate",
    ".yaml",
    25,
    "YAML model through the CLI: scenarist validate FILE",
    _run_cli_validate,
    lambda: yaml_inputs("model", seeds_model()),
)


# ------------------------------------------------------------------------------------------------------------------
# ScenarioWizard project (.scw)
# ------------------------------------------------------------------------------------------------------------------


@st.composite
def scw_structured(draw) -> bytes:
    n = draw(st.integers(0, 5))
    descs = [draw(names) for _ in range(n)]
    variants = [[draw(names) for _ in range(draw(st.integers(0, 4)))] for _ in range(n)]
    V = sum(len(v) for v in variants)
    cells = st.one_of(st.integers(-3, 3), big_ints, st.sampled_from([x.decode("utf-8", "replace") for x in EXTREMES]))
    out = ["$ ScenarioWizard 4.0", draw(names)]
    for d, vs in zip(descs, variants):
        out.append("&" + d)
        out += [" -" + v for v in vs]
    out.append("#")
    for vs in variants:
        out.append("&")
        out += [" "] * len(vs)
    out += ["#", "#"] + ["FFFFFF"] * V + ["#", "#"]
    rows = draw(st.integers(max(0, V - 1), V + 1))
    for _ in range(rows):
        row = [draw(cells) for _ in range(draw(st.integers(max(0, V - 1), V + 1)))]
        out.append(",".join((" " if not str(v).startswith("-") else "") + f"{v} " for v in row))
    out += ["#", "# 0-0", '""', "#", "#"]
    return ("\n".join(out) + "\n").encode("utf-8", "surrogatepass")


def scw_inputs():
    return st.one_of(mutated(seeds_scw()), mutated(seeds_scw(), max_ops=12), scw_structured())


def _run_scw(data: bytes, work: Path) -> None:
    import scenarist

    path = TARGETS["scw"].write(data, work)
    scenarist.import_model(path)
    scenarist.load(path)
    scenarist.load(path, self_impacts="ignore")


register("scw", ".scw", 250, "ScenarioWizard .scw: scenarist.import_model and scenarist.load", _run_scw, scw_inputs)


def _run_cli_import(data: bytes, work: Path) -> None:
    path = TARGETS["cli_import"].write(data, work)
    out = work / "imported.yaml"
    out.unlink(missing_ok=True)
    cli(["import", str(path), "-o", str(out)])
    if out.exists():
        cli(["validate", str(out)])


register(
    "cli_import",
    ".scw",
    30,
    ".scw through the CLI: scenarist import FILE -o OUT, then validate OUT",
    _run_cli_import,
    scw_inputs,
)


# ------------------------------------------------------------------------------------------------------------------
# Solution list (.sl)
# ------------------------------------------------------------------------------------------------------------------


@st.composite
def sl_structured(draw) -> bytes:
    field = st.one_of(
        big_ints.map(str), odd_floats.map(str), st.sampled_from([x.decode("utf-8", "replace") for x in EXTREMES])
    )
    rows = draw(st.integers(0, 6))
    width = draw(st.integers(0, 5))
    lines = ["$ ScenarioWizard 3.0", "Solution set", f" {draw(st.one_of(st.just(str(rows)), field))} ", ""]
    for _ in range(rows):
        variants = " ".join(draw(st.one_of(st.integers(-1, 5).map(str), field)) for _ in range(width))
        lab = draw(names).replace('"', "")
        lines.append(f'"{variants}",{draw(field)},{draw(field)},{draw(field)},{draw(field)},"{lab}"')
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def _run_sl(data: bytes, work: Path) -> None:
    from scenarist.io.sl import format_sl, read_sl

    path = TARGETS["sl"].write(data, work)
    sl = read_sl(path)
    sl.to_dict()
    format_sl(sl)


register(
    "sl",
    ".sl",
    300,
    "ScenarioWizard solution list .sl: scenarist.io.sl.read_sl (then to_dict, format_sl)",
    _run_sl,
    lambda: st.one_of(mutated(seeds_sl()), sl_structured()),
)


# ------------------------------------------------------------------------------------------------------------------
# CSV and XLSX matrices
# ------------------------------------------------------------------------------------------------------------------

score_cells = st.one_of(
    st.integers(-3, 3).map(str),
    big_ints.map(str),
    odd_floats.map(repr),
    st.sampled_from([x.decode("utf-8", "replace") for x in EXTREMES]),
    names,
)


@st.composite
def grid(draw, cells=score_cells) -> list[list]:
    """A matrix grid in either layout, with odd names and cells."""
    n = draw(st.integers(1, 4))
    descs = [draw(st.one_of(names, st.sampled_from(["D1", "D2"]))) for _ in range(n)]
    variants = [
        [draw(st.one_of(names, st.sampled_from(["v1", "v2"]))) for _ in range(draw(st.integers(1, 3)))] for _ in descs
    ]
    if draw(st.booleans()):  # labelled
        labels = [f"{d}.{v}" for d, vs in zip(descs, variants) for v in vs]
        rows = [[""] + labels]
        for lab in labels:
            rows.append([lab] + [draw(cells) for _ in labels])
    else:  # scenariowizard
        head1, head2, left = ["", ""], ["", ""], []
        for d, vs in zip(descs, variants):
            for i, v in enumerate(vs):
                head1.append(d if i == 0 else "")
                head2.append(v)
                left.append((d if i == 0 else "", v))
        rows = [head1, head2]
        for a, b in left:
            rows.append([a, b] + [draw(cells) for _ in head2[2:]])
    if draw(st.booleans()) and rows:  # ragged, duplicated or dropped rows and columns
        op = draw(st.sampled_from(["drop_row", "dup_row", "dup_col", "short_row", "long_row"]))
        i = draw(st.integers(0, len(rows) - 1))
        if op == "drop_row":
            del rows[i]
        elif op == "dup_row":
            rows.insert(i, list(rows[i]))
        elif op == "dup_col":
            j = draw(st.integers(0, len(rows[0]) - 1))
            for r in rows:
                if j < len(r):
                    r.insert(j, r[j])
        elif op == "short_row" and rows[i]:
            rows[i].pop()
        else:
            rows[i].append(draw(cells))
    return rows


@st.composite
def csv_structured(draw) -> bytes:
    import csv

    rows = draw(grid())
    buf = io.StringIO()
    csv.writer(buf, delimiter=draw(st.sampled_from([";", ",", "\t"])), lineterminator="\n").writerows(rows)
    return buf.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])), "surrogatepass")


def _run_matrix(name: str):
    def run(data: bytes, work: Path) -> None:
        import scenarist
        from scenarist.io.matrix_table import read_matrix_table

        path = TARGETS[name].write(data, work)
        read_matrix_table(path)
        scenarist.import_model(path)

    return run


register(
    "csv_matrix",
    ".csv",
    250,
    "CSV matrix: scenarist.io.matrix_table.read_matrix_table and scenarist.import_model",
    _run_matrix("csv_matrix"),
    lambda: st.one_of(mutated(seeds_csv_matrix()), csv_structured()),
)

xlsx_cells = st.one_of(
    st.none(),
    st.integers(-3, 3),
    big_ints,
    odd_floats,
    st.booleans(),
    names,
    st.sampled_from(["=1+1", "=A1", "=1/0", "=SUM(B2:B3)", "2", "-1", "1e308", "#DIV/0!"]),
    st.dates(),
    st.datetimes(),
)


def workbook_bytes(rows: list[list], title: str = "Matrix") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            try:
                ws.cell(row=r, column=c, value=v)
            except Exception:  # openpyxl refuses some values (illegal characters): store them as escaped text
                ws.cell(row=r, column=c, value=ascii(v))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@st.composite
def xlsx_structured(draw) -> bytes:
    rows = draw(grid(cells=xlsx_cells))
    title = draw(st.sampled_from(["Matrix", "Sheet1", "名", "a'b", "x" * 31]))
    return workbook_bytes(rows, title)


@functools.cache
def seeds_xlsx() -> list[bytes]:
    from scenarist.io.matrix_table import xlsx_bytes
    from scenarist.io.scw import parse_scw

    return [
        xlsx_bytes(parse_scw(raw.decode("utf-8")), lay)
        for raw in seeds_scw()[:2]
        for lay in ("scenariowizard", "labelled")
    ]


@st.composite
def xlsx_zip_mutated(draw) -> bytes:
    """A seed workbook with one of its XML parts damaged (the zip itself stays readable)."""
    import zipfile

    seeds = seeds_xlsx()
    raw = seeds[draw(st.integers(0, len(seeds) - 1))]
    src = zipfile.ZipFile(io.BytesIO(raw))
    parts = src.namelist()
    victim = draw(st.sampled_from(parts))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for part in parts:
            data = src.read(part)
            if part == victim:
                data = draw(mutated([data], max_ops=3))
            dst.writestr(part, data)
    return out.getvalue()


register(
    "xlsx_matrix",
    ".xlsx",
    60,
    "XLSX matrix (built with openpyxl): read_matrix_table and scenarist.import_model",
    _run_matrix("xlsx_matrix"),
    lambda: st.one_of(xlsx_structured(), xlsx_zip_mutated(), mutated(seeds_xlsx(), max_ops=2)),
)


# ------------------------------------------------------------------------------------------------------------------
# Evidence files
# ------------------------------------------------------------------------------------------------------------------


def _run_evidence(name: str):
    def run(data: bytes, work: Path) -> None:
        from scenarist.evidence import check_file, dump_csv, dump_evidence

        path = TARGETS[name].write(data, work)
        checked = check_file(path, model=example_model())
        dump_evidence(checked.evidence)
        dump_csv(checked.evidence.items)
        checked.to_dict()

    return run


register(
    "evidence_yaml",
    ".yaml",
    100,
    "Evidence YAML: scenarist.evidence.check_file against the example model",
    _run_evidence("evidence_yaml"),
    lambda: yaml_inputs("evidence", seeds_evidence_yaml()),
)


@st.composite
def evidence_csv_structured(draw) -> bytes:
    import csv

    from scenarist.evidence.files import CSV_COLUMNS

    header = list(CSV_COLUMNS)
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.integers(0, 3)) == 0:
        header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(header + ["unknown", "", "id"])))
    base = list(csv.DictReader(io.StringIO(seeds_evidence_csv()[0].decode("utf-8"))))
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        row = dict(draw(st.sampled_from(base)))
        for _ in range(draw(st.integers(0, 3))):
            col = draw(st.sampled_from(header))
            row[col] = draw(
                st.one_of(
                    names,
                    big_ints.map(str),
                    odd_floats.map(repr),
                    st.sampled_from([x.decode("utf-8", "replace") for x in EXTREMES]),
                    st.sampled_from(["growth=1e308", "growth=5e-324; recession=1", "growth=nan", "=", "a=b", ";;"]),
                )
            )
        rows.append([row.get(h, "") for h in header])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header] + rows)
    return buf.getvalue().encode("utf-8", "surrogatepass")


register(
    "evidence_csv",
    ".csv",
    100,
    "Evidence CSV: scenarist.evidence.check_file against the example model",
    _run_evidence("evidence_csv"),
    lambda: st.one_of(mutated(seeds_evidence_csv()), evidence_csv_structured()),
)


def _run_cli_evidence(data: bytes, work: Path) -> None:
    path = TARGETS["cli_evidence"].write(data, work)
    cli(["evidence", "validate", str(path), "--model", str(EXAMPLE_MODEL)])


register(
    "cli_evidence",
    ".yaml",
    15,
    "Evidence YAML through the CLI: scenarist evidence validate FILE --model M",
    _run_cli_evidence,
    lambda: yaml_inputs("evidence", seeds_evidence_yaml()),
)


# ------------------------------------------------------------------------------------------------------------------
# The store
# ------------------------------------------------------------------------------------------------------------------


@functools.cache
def seed_store() -> bytes:
    """A store with the example evidence imported and two forecasts, one resolved (built once per process)."""
    import datetime as dt

    from scenarist import forecasts
    from scenarist.evidence import import_file

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "seed.db")
        model = example_model()
        import_file(EXAMPLE_EVIDENCE, model=model, db=db)
        day = dt.date(2025, 1, 1)
        p = {"integration": 0.2, "truce": 0.5, "rupture": 0.3}
        forecasts.record("f-1", "criteria", dt.date(2026, 1, 1), model, probabilities=p, made_on=day, db=db)
        forecasts.record("f-2", "criteria", dt.date(2026, 1, 1), model, probabilities=p, made_on=day, db=db)
        forecasts.resolve("f-1", "truce", dt.date(2025, 6, 1), evidence=["ex-2025-03-tariff-cut"], db=db)
        return Path(db).read_bytes()


STORE_VALUES = (
    None,
    "",
    "{",
    "[]",
    "null",
    "{}",
    '{"id": "x"}',
    "not json",
    '"a string"',
    "[0.5, 0.5]",
    "[1e308, -1e308]",
    "[NaN]",
    '["a"]',
    "2025-13-45",
    "9999-12-31",
    "0000-00-00",
    "2025-01-01 25:61:61",
    "2025-01-01T00:00:00+99:00",
    "x",
    10**18,
    2**63 - 1,
    -1,
    1e308,
    float("nan"),
    b"\xff\xfe\x00",
    "\x00",
)


@st.composite
def _content_value(draw, conn, table, column):
    """An existing JSON cell with one field damaged."""
    try:
        count = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        at = draw(st.integers(0, max(0, count - 1)))
        row = conn.execute(f'SELECT "{column}" FROM "{table}" LIMIT 1 OFFSET ?', (at,)).fetchone()
        tree = json.loads(row[0])
    except Exception:
        return draw(st.sampled_from(STORE_VALUES))
    paths = [p for p in _paths(tree) if p]
    if paths:
        path = draw(st.sampled_from(paths))
        _get(tree, path[:-1])[path[-1]] = draw(weird_values)
    return json.dumps(tree, allow_nan=True)


@st.composite
def store_mutated(draw) -> bytes:
    """The seed store damaged through SQL (bad JSON, bad dates, NULLs, dropped tables and columns, a foreign
    alembic revision) and/or at byte level (random bytes in pages, truncation)."""
    rnd = random.Random(draw(st.integers(0, 2**32)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.db"
        path.write_bytes(seed_store())
        conn = sqlite3.connect(path, isolation_level=None)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for _ in range(draw(st.integers(0 if draw(st.booleans()) else 1, 3))):
            op = draw(
                st.sampled_from(
                    ["update", "update", "update", "null", "drop", "delete", "drop_column", "version", "dup"]
                )
            )
            table = draw(st.sampled_from(tables))
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            try:
                if op in ("update", "null") and cols:
                    col = draw(st.sampled_from(cols))
                    if op == "null":
                        conn.execute("PRAGMA writable_schema=ON")
                        conn.execute("UPDATE sqlite_master SET sql=replace(sql, 'NOT NULL', '') WHERE type='table'")
                        conn.execute("PRAGMA writable_schema=OFF")
                        conn.close()
                        conn = sqlite3.connect(path, isolation_level=None)
                        value = None
                    elif col in ("content", "probabilities", "variants", "evidence") and draw(st.booleans()):
                        value = draw(_content_value(conn, table, col))
                    else:
                        value = draw(st.sampled_from(STORE_VALUES))
                    if draw(st.integers(0, 3)) == 0:  # every row
                        conn.execute(f'UPDATE "{table}" SET "{col}" = ?', (value,))
                    else:
                        count = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                        at = draw(st.integers(0, max(0, count - 1)))
                        conn.execute(
                            f'UPDATE "{table}" SET "{col}" = ? WHERE rowid = '
                            f'(SELECT rowid FROM "{table}" LIMIT 1 OFFSET ?)',
                            (value, at),
                        )
                elif op == "drop":
                    conn.execute(f'DROP TABLE "{table}"')
                    tables.remove(table)
                elif op == "delete":
                    conn.execute(f'DELETE FROM "{table}"')
                elif op == "drop_column" and len(cols) > 1:
                    conn.execute(f'ALTER TABLE "{table}" DROP COLUMN "{draw(st.sampled_from(cols))}"')
                elif op == "version":
                    conn.execute(
                        "UPDATE alembic_version SET version_num = ?",
                        (draw(st.sampled_from(["zzzz", "", "0001", "9999"])),),
                    )
                elif op == "dup":
                    conn.execute(f'INSERT INTO "{table}" SELECT * FROM "{table}" LIMIT 1')
            except sqlite3.Error:
                pass
            if not tables:
                break
        conn.close()
        data = bytearray(path.read_bytes())
    if draw(st.integers(0, 3)) == 0:  # damage at byte level
        for _ in range(draw(st.integers(1, 4))):
            if draw(st.integers(0, 5)) == 0:
                data = data[: draw(st.integers(0, len(data)))]
            elif data:
                at = draw(st.integers(0, len(data) - 1))
                n = draw(st.sampled_from([1, 4, 16, 512]))
                data[at : at + n] = bytes(rnd.randrange(256) for _ in range(n))
    return bytes(data)


def _store_file(data: bytes, work: Path, name: str) -> str:
    db = work / "store.db"
    db.write_bytes(data)
    for extra in ("-wal", "-shm", "-journal"):
        (work / f"store.db{extra}").unlink(missing_ok=True)
    return str(db)


def _run_store(data: bytes, work: Path) -> None:
    """Every reading function, each on a fresh copy of the damaged store (a reading call may migrate it)."""
    from scenarist import forecasts
    from scenarist.errors import ScenaristError
    from scenarist.evidence import list_items, stored_evidence

    first: ScenaristError | None = None
    for call in (
        lambda db: stored_evidence(db),
        lambda db: list_items(db=db).to_dict(),
        lambda db: forecasts.list_ledger(db).to_dict(),
        lambda db: forecasts.scores(db).to_dict(),
    ):
        try:
            call(_store_file(data, work, "store"))
        except ScenaristError as exc:  # a refusal by one reader does not excuse the others
            first = first or exc
    if first is not None:
        raise first


register(
    "store",
    ".store",
    20,
    "Damaged store rows and pages: stored_evidence, list_items, forecasts.list_ledger, forecasts.scores",
    _run_store,
    lambda: store_mutated(),
)


def _run_cli_store(data: bytes, work: Path) -> None:
    from scenarist.errors import ScenaristError

    first = None
    for args in (
        ["evidence", "list"],
        ["evidence", "export", "-o", str(work / "exported.yaml")],
        ["forecast", "list"],
        ["forecast", "score"],
    ):
        (work / "exported.yaml").unlink(missing_ok=True)
        try:
            cli(args + ["--db", _store_file(data, work, "store")])
        except ScenaristError as exc:
            first = first or exc
    if first is not None:
        raise first


register(
    "cli_store",
    ".store",
    8,
    "Damaged store through the CLI: evidence list/export, forecast list/score --db",
    _run_cli_store,
    lambda: store_mutated(),
)


# ------------------------------------------------------------------------------------------------------------------
# Command-line options with numbers
# ------------------------------------------------------------------------------------------------------------------

_OPTION_VALUES = st.one_of(
    st.sampled_from([x.decode("utf-8", "replace") for x in EXTREMES]),
    big_ints.map(str),
    st.integers(-2, 5).map(str),
)


_CLI_ARG_TEMPLATES = [
    ["analyze", "example", "-k", "{v}"],
    ["analyze", "example", "--max-results", "{v}"],
    ["analyze", "example", "--fix", "world={v}"],
    ["explain", "example", "--scenario", "{v}"],
    ["succession", "example", "--start", "{v}"],
    ["basins", "example", "--samples", "{v}"],
    ["basins", "example", "--method", "sampled", "--samples", "{v}"],
    ["basins", "example", "--seed", "{v}"],
    ["likelihood", "example", "--draws", "{v}"],
    ["likelihood", "example", "--draws", "10", "--seed", "{v}"],
    ["sensitivity", "example", "-k", "{v}"],
    ["export", "example", "-o", "{work}/x.sl", "-k", "{v}"],
    ["export", "example", "-o", "{work}/x.sl", "--max-results", "{v}"],
    [
        "forecast",
        "record",
        "--id",
        "x",
        "--criteria",
        "c",
        "--horizon",
        "2030-01-01",
        "-m",
        "example",
        "--p",
        "integration={v},truce=0,rupture=0",
        "--db",
        "{work}/f.db",
    ],
    [
        "forecast",
        "record",
        "--id",
        "x",
        "--criteria",
        "c",
        "--horizon",
        "{v}",
        "-m",
        "example",
        "--from-model",
        "--draws",
        "{v}",
        "--db",
        "{work}/f.db",
    ],
]


@st.composite
def cli_args_structured(draw) -> bytes:
    v = draw(_OPTION_VALUES)
    args = draw(st.sampled_from(_CLI_ARG_TEMPLATES))
    return "\n".join(a.replace("{v}", v) for a in args).encode("utf-8", "surrogatepass")


def _run_cli_args(data: bytes, work: Path) -> None:
    text = data.decode("utf-8", "surrogateescape")
    args = [a.replace("{work}", str(work)) for a in text.split("\n")]
    for f in ("x.sl", "f.db"):
        (work / f).unlink(missing_ok=True)
    cli(args)


register(
    "cli_args",
    ".args",
    12,
    "Numeric command-line options (-k, --max-results, --samples, --draws, --seed, ...)",
    _run_cli_args,
    lambda: cli_args_structured(),
)


@functools.cache
def warm_up() -> None:
    """Compile the kernels and build the seeds before timing anything: the first numba compile of each path (which
    can take longer than the per-input limit on a busy machine) is not a hang. Every ``cli_args`` command runs once
    with an ordinary value."""
    import scenarist

    example_model()
    scenarist.analyze("example")
    with tempfile.TemporaryDirectory() as tmp:
        for args in _CLI_ARG_TEMPLATES:
            value = "2" if "--draws" not in args else "10"
            filled = [a.replace("{v}", value).replace("{work}", tmp) for a in args]
            if "--horizon" in filled:
                filled[filled.index("--horizon") + 1] = "2030-01-01"
            with contextlib.suppress(Exception):
                cli(filled)
            for f in ("x.sl", "f.db"):
                (Path(tmp) / f).unlink(missing_ok=True)


def corpus_target(path: Path) -> Target:
    return TARGETS[path.parent.name]
