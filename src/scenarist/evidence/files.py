"""Evidence files in and out: YAML (the full format) and CSV (items only, one row each), with located errors.

Reading goes: text → rows or a ruamel tree (which keeps line numbers) → :class:`~.items.EvidenceFile` (pydantic)
→ :func:`~.items.check_evidence` (optionally against a model). Every problem found is collected and raised at once
as one :class:`~scenarist.errors.ModelError` whose problems name file, line and field, exactly as for models.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputFileError, ModelError, Problem
from ..io.output import write_atomic
from ..io.paths import read_input_text
from ..io.yaml_text import dump_yaml, field_name, line_of, pydantic_message, read_yaml
from ..io.yaml_text import plain as _plain
from ..io.yaml_text import prune as _prune
from ..model import Model
from .items import BEARING_KINDS, FORMAT, EvidenceFile, EvidenceItem, check_evidence

#: Columns of the CSV form, in order. ``likelihoods`` holds ``variant=value`` pairs separated by ``;``.
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "date",
    "title",
    "summary",
    "outlet",
    "address",
    "accessed",
    "published",
    "headline",
    "reliability",
    "credibility",
    "status",
    "cluster",
    "family",
    "kind",
    "descriptor",
    "variant",
    "likelihoods",
    "indicator",
    "what",
    "rationale",
    "period",
    "tags",
    "note",
)
_REQUIRED_COLUMNS = (
    "id",
    "date",
    "title",
    "summary",
    "outlet",
    "accessed",
    "reliability",
    "credibility",
    "status",
    "kind",
)


def _fmt(path: str | os.PathLike, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in ("yaml", "csv"):
            raise InputFileError(f"{path}: unknown evidence format {fmt!r} (yaml or csv)")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    raise InputFileError(f"{path}: cannot tell the format from the suffix (use .yaml, .yml or .csv)")


def _loc(err: dict) -> tuple:
    # Drop pydantic's union tags (class names, and the discriminator value after "bearing").
    if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        return tuple(err["loc"]) + ("kind",)
    out: list = []
    for x in err["loc"]:
        if isinstance(x, str) and (x[:1].isupper() or (out and out[-1] == "bearing" and x in BEARING_KINDS)):
            continue
        out.append(x)
    return tuple(out)


def _message(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "union_tag_invalid":
        return f"unknown bearing kind (use one of: {', '.join(BEARING_KINDS)})"
    if kind == "union_tag_not_found":
        return f"missing bearing kind (one of: {', '.join(BEARING_KINDS)})"
    return pydantic_message(err)


def packaged_evidence() -> dict[str, Path]:
    """Evidence files shipped inside the package, by name (file stem) → path."""
    from importlib import resources

    root = resources.files("scenarist") / "data"
    return {
        e.name.rsplit(".", 1)[0]: Path(str(e)) for e in root.iterdir() if e.name.endswith((".yaml", ".yml", ".csv"))
    }


def resolve_evidence_path(path: str | os.PathLike) -> Path:
    """An existing file path as it is, else the packaged evidence file of that name
    (e.g. ``iran-russia-2024-2026``); a missing name is left for the reader to report."""
    p = Path(path)
    if p.exists():
        return p
    return packaged_evidence().get(str(path), p)


def load_evidence(
    path: str | os.PathLike,
    model: Model | None = None,
    text: str | None = None,
    fmt: str | None = None,
) -> EvidenceFile:
    """Read and fully check an evidence file (YAML or CSV).

    Parameters
    ----------
    path : path
        The file (its suffix picks the format unless ``fmt`` is given); with ``text``, only its name is used.
    model : Model, optional
        Check the bearings against this model (exogenous descriptors, variant names, the outcome).
    text : str, optional
        File contents to parse instead of reading ``path``.
    fmt : {"yaml", "csv"}, optional

    Returns
    -------
    EvidenceFile

    Raises
    ------
    InputFileError
        Missing or unreadable file, malformed YAML or CSV, unknown suffix.
    ModelError
        Every schema or cross-field problem, each with file, line and field.
    """
    if text is None:
        path = resolve_evidence_path(path)
    name = str(path)
    kind = _fmt(path, fmt)
    if kind == "csv":
        return _load_csv(name, model, text)
    tree = read_yaml(name, text, "YAML evidence file")
    if tree is None:  # nothing but blanks and comments: an error, as for an empty model file
        raise ModelError(
            [
                Problem(
                    name, 1, "", "the file is empty: an evidence file is a YAML mapping (format:, model:, items:, ...)"
                )
            ]
        )
    if not isinstance(tree, dict):
        raise ModelError(
            [Problem(name, 1, "", "an evidence file must be a YAML mapping (format:, model:, items:, ...)")]
        )
    try:
        ev = EvidenceFile.model_validate(_plain(tree))
    except ValidationError as exc:
        raise ModelError(
            [Problem(name, line_of(tree, _loc(e)), field_name(_loc(e)), _message(e)) for e in exc.errors()]
        ) from None
    problems = [Problem(name, line_of(tree, p), field_name(p), m) for p, m in check_evidence(ev, model)]
    if problems:
        raise ModelError(problems)
    return ev


def _split_pairs(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise ValueError(f"expected variant=value pairs separated by ';', got {part!r}")
        k, v = (x.strip() for x in part.split("=", 1))
        try:
            out[k] = float(v)
        except ValueError:
            raise ValueError(f"likelihood of {k!r} is {v!r}, not a number") from None
    return out


def _int_or_text(x: str | None):
    return int(x) if x is not None and x.isdigit() else x


def _row_to_item(row: dict[str, str]) -> dict[str, Any]:
    g = lambda k: (row.get(k) or "").strip() or None  # noqa: E731
    source = {
        k: g(c)
        for k, c in (
            ("outlet", "outlet"),
            ("address", "address"),
            ("accessed", "accessed"),
            ("published", "published"),
            ("headline", "headline"),
        )
    }
    bearing: dict[str, Any] = {"kind": g("kind")}
    for key in ("descriptor", "variant", "indicator", "what", "rationale"):
        if g(key) is not None:
            bearing[key] = g(key)
    if g("likelihoods") is not None:
        bearing["likelihoods"] = _split_pairs(g("likelihoods"))
    item: dict[str, Any] = {
        "id": g("id"),
        "date": g("date"),
        "title": g("title"),
        "summary": g("summary"),
        "source": {k: v for k, v in source.items() if v is not None},
        "grade": {"reliability": g("reliability"), "credibility": _int_or_text(g("credibility"))},
        "status": g("status"),
        "bearing": bearing,
    }
    for key in ("cluster", "family", "period", "note"):
        if g(key) is not None:
            item[key] = g(key)
    if g("tags") is not None:
        item["tags"] = [t.strip() for t in g("tags").split(";") if t.strip()]
    return {k: v for k, v in item.items() if v is not None}


_CSV_FIELD = {
    "outlet",
    "address",
    "accessed",
    "published",
    "headline",
    "reliability",
    "credibility",
    "kind",
    "descriptor",
    "variant",
    "likelihoods",
    "indicator",
    "what",
    "rationale",
}


def _csv_column(loc: tuple) -> str:
    # The CSV column a pydantic location lands in (items[i].source.accessed → accessed).
    names = [x for x in loc[2:] if isinstance(x, str)]
    for x in reversed(names):
        if x in CSV_COLUMNS:
            return x
    if names[:1] == ["bearing"]:
        return "likelihoods" if len(names) > 1 else "kind"
    if names[:1] == ["grade"]:
        return "reliability"
    return names[0] if names else ""


def _check_csv_characters(text: str, name: str) -> None:
    """Refuse control characters (other than tab, line feed and carriage return), naming line and column: a NUL
    byte or a stray escape code in a CSV file is a damaged or binary file, not evidence."""
    import re

    bad = re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if bad is None:
        return
    before = text[: bad.start()]
    line = before.count("\n") + 1
    column = bad.start() - (before.rfind("\n") + 1) + 1
    raise InputFileError(
        f"{name}:{line}:{column}: control character U+{ord(bad.group()):04X} is not allowed in an evidence file; "
        "remove it"
    )


def _load_csv(name: str, model: Model | None, text: str | None) -> EvidenceFile:
    if text is None:
        text = read_input_text(name, "CSV evidence file", "utf-8-sig")
    _check_csv_characters(text, name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ModelError([Problem(name, 1, "", "empty CSV file: expected a header row")]) from None
    except csv.Error as exc:
        raise InputFileError(f"{name}:1: malformed CSV: {exc}") from None
    header = [h.strip() for h in header]
    problems: list[Problem] = []
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        problems.append(
            Problem(name, 1, unknown[0], f"unknown column(s) {', '.join(unknown)} (known: {', '.join(CSV_COLUMNS)})")
        )
    missing = [h for h in _REQUIRED_COLUMNS if h not in header]
    if missing:
        problems.append(Problem(name, 1, missing[0], f"missing column(s) {', '.join(missing)}"))
    if problems:
        raise ModelError(problems)
    items: list[dict] = []
    lines: list[int] = []
    last = reader.line_num
    try:
        for cells in reader:
            start, last = last + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                problems.append(Problem(name, start, "", f"{len(cells)} cells, but the header has {len(header)}"))
                continue
            row = dict(zip(header, cells))
            try:
                items.append(_row_to_item(row))
            except ValueError as exc:
                problems.append(Problem(name, start, "likelihoods", str(exc)))
                continue
            lines.append(start)
    except csv.Error as exc:
        raise InputFileError(f"{name}:{reader.line_num}: malformed CSV: {exc}") from None
    if problems:
        raise ModelError(problems)
    if not items:
        raise ModelError([Problem(name, 2, "", "no evidence rows after the header (an empty file is an error)")])
    validated: list[EvidenceItem] = []
    for row_line, data in zip(lines, items):
        try:
            validated.append(EvidenceItem.model_validate(data))
        except ValidationError as exc:
            for e in exc.errors():
                loc = ("items", 0) + _loc(e)
                problems.append(Problem(name, row_line, _csv_column(loc), _message(e)))
    if problems:
        raise ModelError(problems)
    ev = EvidenceFile(model=model.metadata.id if model is not None else None, items=tuple(validated))
    for p, m in check_evidence(ev, model):
        line = lines[p[1]] if len(p) > 1 and p[0] == "items" and isinstance(p[1], int) else None
        problems.append(Problem(name, line, _csv_column(p) if p[0] == "items" else field_name(p), m))
    if problems:
        raise ModelError(problems)
    return ev


# -- writing -------------------------------------------------------------------------------------------------


def item_to_dict(item: EvidenceItem) -> dict:
    """An item as plain Python in file order (dates as ``datetime.date``; no empty optional fields)."""
    return _prune(item.model_dump(mode="python"))


def dump_evidence(ev: EvidenceFile) -> str:
    """Serialise an evidence file to YAML text in the documented format (round-trips through :func:`load_evidence`)."""
    data = ev.model_dump(mode="python")
    data = {"format": FORMAT, **{k: v for k, v in data.items() if k != "format"}}
    return dump_yaml(data)


def item_to_row(item: EvidenceItem) -> dict[str, str]:
    """One CSV row (column → text) for an item."""
    b = item.bearing
    s = item.source
    row = {
        "id": item.id,
        "date": item.date.isoformat(),
        "title": item.title,
        "summary": item.summary,
        "outlet": s.outlet,
        "address": s.address or "",
        "accessed": s.accessed.isoformat(),
        "published": s.published.isoformat() if s.published else "",
        "headline": s.headline or "",
        "reliability": item.grade.reliability,
        "credibility": str(item.grade.credibility),
        "status": item.status,
        "cluster": item.cluster or "",
        "family": item.family or "",
        "kind": b.kind,
        "descriptor": getattr(b, "descriptor", None) or "",
        "variant": getattr(b, "variant", None) or "",
        "likelihoods": "; ".join(f"{k}={_num(v)}" for k, v in getattr(b, "likelihoods", {}).items()),
        "indicator": getattr(b, "indicator", None) or "",
        "what": getattr(b, "what", None) or "",
        "rationale": getattr(b, "rationale", None) or "",
        "period": item.period or "",
        "tags": "; ".join(item.tags),
        "note": item.note or "",
    }
    return row


def _num(x: float) -> str:
    return repr(float(x)).removesuffix(".0") if float(x).is_integer() else repr(float(x))


def dump_csv(items: Iterable[EvidenceItem]) -> str:
    """Serialise items to CSV text (header + one row each; contradicted claims need the YAML form)."""
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    w.writeheader()
    for it in items:
        w.writerow(item_to_row(it))
    return buf.getvalue()


def save_evidence(ev: EvidenceFile, path: str | os.PathLike, fmt: str | None = None) -> None:
    """Write an evidence file atomically as YAML or CSV (by suffix unless ``fmt`` is given).

    Raises
    ------
    InputFileError
        Unknown suffix, or the target cannot be written.
    """
    kind = _fmt(path, fmt)
    text = dump_evidence(ev) if kind == "yaml" else dump_csv(ev.items)
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write: {exc}") from None


__all__ = ["CSV_COLUMNS", "dump_csv", "dump_evidence", "item_to_dict", "item_to_row", "load_evidence", "save_evidence"]
