"""ScenarioWizard project files (``.scw``): read, write, import to a Scenarist model and export from one.

A ``.scw`` file (ScenarioWizard 4.x, plain text, one item per line) holds, in order:

1. ``$ ScenarioWizard 4.0`` and the project title;
2. the descriptors: ``&NAME`` then one `` -VARIANT`` line per variant; a ``#`` line ends the list;
3. per-variant descriptions: an ``&`` line per descriptor, then one line per variant (text after one space);
4. ``#``, then one colour line (``FFFFFF``) per variant, then ``#``;
5. ``#``, then the cross-impact matrix, one comma-separated row of integers per variant (row = impacting variant,
   column = impacted variant), then ``#``;
6. notes, each a ``#`` header line followed by a quoted text: ``# 0-0`` (the project), ``# …`` one per descriptor,
   and ``# … -> …`` one per ordered descriptor pair (row-major: impacting descriptor outer); two ``#`` lines end it.

Files written by :func:`format_scw` reproduce the real files in ``shared/data/cib`` byte for byte. Import keeps
names, descriptions and the per-block notes (as the rationale of each judgment in the block).

References
----------
Weimer-Jehle, W. ScenarioWizard 4.x manual, ZIRIUS, University of Stuttgart (the program and its file format).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..checks import MAX_SCORE
from ..errors import InputFileError, ModelError
from ..model import MAX_VARIANTS, Descriptor, Judgment, Metadata, Model, Scale, Variant, check_model
from .paths import read_input_bytes

HEADER = "$ ScenarioWizard 4.0"


class SelfImpactWarning(UserWarning):
    """A ScenarioWizard file carries non-zero blocks of a descriptor on itself (see :func:`import_scw`).

    Raised only when the caller left ``self_impacts`` unset: they are then counted, as ScenarioWizard does.

    Attributes
    ----------
    file : str
        The file as named by the caller.
    cells : dict of str → int
        Descriptor id → number of non-zero cells in its block on itself.
    """

    def __init__(self, file: str, cells: dict[str, int]):
        self.file = file
        self.cells = dict(cells)
        super().__init__(self.describe())

    def describe(self, choose: str = "self_impacts=") -> str:
        """The message; ``choose`` is how the caller spells the setting (``"--self-impacts "`` on the command
        line), followed by ``ignore`` or ``count``."""
        named = ", ".join(f"{d} ({k} cell{'s' if k != 1 else ''})" for d, k in self.cells.items())
        q = "'" if choose.endswith("=") else ""
        return (
            f"{self.file}: non-zero impacts of a descriptor on itself in {named}; counted in the impact balances as "
            f"ScenarioWizard does. {choose}{q}ignore{q} leaves them out (as the method's definition does); "
            f"{choose}{q}count{q} counts them without this warning."
        )


@dataclass(frozen=True)
class ScwProject:
    """The content of a ``.scw`` file.

    Attributes
    ----------
    title : str
        Line 2 of the file (ScenarioWizard writes the file name there).
    descriptors : tuple of str
        Descriptor names in matrix order.
    variants : tuple of tuples of str
        Variant names per descriptor.
    matrix : (V, V) int64
        Cross-impact matrix, V = total number of variants, row = impacting variant.
    descriptor_texts : tuple of str
        Text on each descriptor's ``&`` line of the description block (usually empty).
    variant_texts : tuple of tuples of str
        Description of each variant (usually empty).
    colours : tuple of str
        One colour (hex RGB) per variant.
    project_note : str
        Text under ``# 0-0``.
    descriptor_notes : tuple of str
        One note per descriptor (empty tuple when the file has none).
    block_notes : dict (i, j) → str
        Note on the block of descriptor i impacting descriptor j, only where non-empty.
    note_headers : tuple of str
        The notes' header lines as read (kept so a read file is written back unchanged); empty for new projects.
    """

    title: str
    descriptors: tuple[str, ...]
    variants: tuple[tuple[str, ...], ...]
    matrix: np.ndarray
    descriptor_texts: tuple[str, ...] = ()
    variant_texts: tuple[tuple[str, ...], ...] = ()
    colours: tuple[str, ...] = ()
    project_note: str = ""
    descriptor_notes: tuple[str, ...] = ()
    block_notes: dict = field(default_factory=dict)
    note_headers: tuple[str, ...] = ()

    @property
    def counts(self) -> np.ndarray:
        """(n,) int64 variants per descriptor."""
        return np.array([len(v) for v in self.variants], dtype=np.int64)

    @property
    def offsets(self) -> np.ndarray:
        """(n + 1,) int64 first matrix row of each descriptor."""
        out = np.zeros(len(self.variants) + 1, dtype=np.int64)
        np.cumsum(self.counts, out=out[1:])
        return out


# ------------------------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------------------------


class _Lines:
    """A cursor over the file's lines that names file and line in every error."""

    def __init__(self, text: str, name: str):
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.i = 0
        self.name = name

    def error(self, message: str, line: int | None = None) -> InputFileError:
        line = self.i + 1 if line is None else line
        return InputFileError(f"{self.name}:{line}: {message}")

    def peek(self) -> str | None:
        return self.lines[self.i] if self.i < len(self.lines) else None

    def take(self, what: str) -> str:
        if self.i >= len(self.lines):
            raise self.error(f"file ends early: expected {what}", line=len(self.lines))
        line = self.lines[self.i]
        self.i += 1
        return line

    def expect_hash(self, what: str) -> None:
        line = self.take(what)
        if not line.startswith("#"):
            raise self.error(f"expected a '#' line ({what}), got {line[:40]!r}", line=self.i)


def _closed(body: str) -> bool:
    """True when ``body`` (a quoted text without its opening quote) ends with an unpaired closing quote."""
    trailing = len(body) - len(body.rstrip('"'))
    return trailing % 2 == 1


def _quoted(cur: _Lines) -> str:
    """Read one quoted text (it may span lines; a doubled quote stands for a quote)."""
    start = cur.i + 1
    first = cur.take("a quoted text")
    if not first.startswith('"'):
        raise cur.error(f"expected a quoted text, got {first[:40]!r}", line=start)
    body = first[1:]
    while not _closed(body):
        if cur.peek() is None:
            raise cur.error("unterminated quoted text", line=start)
        body += "\n" + cur.take("the end of a quoted text")
    text = body[:-1]
    return text.replace('""', '"')


def parse_scw(text: str, name: str = "<string>") -> ScwProject:
    """Parse the text of a ``.scw`` file.

    Raises
    ------
    InputFileError
        Not a ScenarioWizard project, or malformed: the message names the file and line. Numbers are bounded: a
        matrix cell must lie within ±10^6 (:data:`~scenarist.checks.MAX_SCORE`; the message names its row and
        column) and the project may have at most 4,096 variants in all (:data:`~scenarist.model.MAX_VARIANTS`).
    """
    cur = _Lines(text, name)
    head = cur.take("the ScenarioWizard header")
    if not head.startswith("$ ScenarioWizard"):
        raise cur.error(f"not a ScenarioWizard project file (line 1 is {head[:40]!r})", line=1)
    title = cur.take("the project title")
    descriptors: list[str] = []
    variants: list[list[str]] = []
    while True:
        line = cur.take("a descriptor (&NAME), a variant ( -NAME) or '#'")
        if line.startswith("#"):
            break
        if line.startswith("&"):
            descriptors.append(line[1:])
            variants.append([])
        elif line.startswith(" -") and descriptors:
            variants[-1].append(line[2:])
        else:
            raise cur.error(f"expected a descriptor (&NAME) or a variant ( -NAME), got {line[:40]!r}", line=cur.i)
    if not descriptors:
        raise cur.error("no descriptors", line=cur.i)
    for d, vs in zip(descriptors, variants):
        if not vs:
            raise cur.error(f"descriptor {d!r} has no variants", line=cur.i)
    counts = [len(v) for v in variants]
    V = sum(counts)
    if V > MAX_VARIANTS:  # before the V × V matrix is allocated
        raise cur.error(
            f"variants: {V:,} variants in all; at most {MAX_VARIANTS:,} (the cross-impact matrix is variants × "
            "variants)",
            line=cur.i,
        )
    descriptor_texts: list[str] = []
    variant_texts: list[tuple[str, ...]] = []
    for d, n in zip(descriptors, counts):
        line = cur.take(f"the description block of descriptor {d!r}")
        if not line.startswith("&"):
            raise cur.error(f"expected '&' opening the descriptions of {d!r}, got {line[:40]!r}", line=cur.i)
        descriptor_texts.append(line[1:])
        variant_texts.append(tuple(cur.take(f"a variant description of {d!r}")[1:] for _ in range(n)))
    cur.expect_hash("end of the description block")
    cur.expect_hash("start of the colour block")
    colours = tuple(cur.take("a colour line").strip() for _ in range(V))
    cur.expect_hash("end of the colour block")
    cur.expect_hash("start of the matrix")
    matrix = np.zeros((V, V), dtype=np.int64)
    for r in range(V):
        line = cur.take(f"matrix row {r + 1} of {V}")
        cells = line.split(",")
        if len(cells) != V:
            raise cur.error(f"matrix row {r + 1} has {len(cells)} values; expected {V}", line=cur.i)
        try:
            values = [int(c) for c in cells]
        except ValueError:
            raise cur.error(f"matrix row {r + 1} holds a value that is not an integer", line=cur.i) from None
        for c, v in enumerate(values):
            if abs(v) > MAX_SCORE:
                raise cur.error(
                    f"matrix[{r + 1}][{c + 1}]: {v:,} is outside ±{MAX_SCORE:,} (the bound of every judgment score)",
                    line=cur.i,
                )
        matrix[r] = values
    cur.expect_hash("end of the matrix")
    # Notes: '# header' + quoted text, until the closing '#' line(s).
    headers: list[str] = []
    texts: list[str] = []
    while cur.peek() is not None:
        line = cur.take("a note header")
        if not line.startswith("#"):
            raise cur.error(f"expected a '#' note header, got {line[:40]!r}", line=cur.i)
        if cur.peek() is None or not cur.peek().startswith('"'):
            continue  # a closing '#'
        headers.append(line)
        texts.append(_quoted(cur))
    project_note = ""
    descriptor_notes: list[str] = []
    block_texts: list[str] = []
    for h, t in zip(headers, texts):
        if h.startswith("# 0-0"):
            project_note = t
        elif "->" in h:
            block_texts.append(t)
        else:
            descriptor_notes.append(t)
    n = len(descriptors)
    block_notes: dict[tuple[int, int], str] = {}
    if block_texts:
        if len(block_texts) != n * n:
            raise cur.error(f"found {len(block_texts)} descriptor-pair notes; expected {n * n}")
        block_notes = {(k // n, k % n): t for k, t in enumerate(block_texts) if t}
    if descriptor_notes and len(descriptor_notes) != n:
        raise cur.error(f"found {len(descriptor_notes)} descriptor notes; expected {n}")
    return ScwProject(
        title=title,
        descriptors=tuple(descriptors),
        variants=tuple(tuple(v) for v in variants),
        matrix=matrix,
        descriptor_texts=tuple(descriptor_texts),
        variant_texts=tuple(variant_texts),
        colours=colours,
        project_note=project_note,
        descriptor_notes=tuple(descriptor_notes),
        block_notes=block_notes,
        note_headers=tuple(headers),
    )


def read_scw(path: str | os.PathLike) -> ScwProject:
    """Read a ``.scw`` file: a regular file of at most 16 MiB (:func:`~scenarist.io.paths.read_input_bytes`), UTF-8
    or (as ScenarioWizard writes on Windows) cp1252.

    Raises :class:`InputFileError` (missing, not a regular file, too large, unreadable or malformed: file and line;
    numbers out of bounds as in :func:`parse_scw`)."""
    raw = read_input_bytes(path, "ScenarioWizard project")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # ScenarioWizard is a Windows program
    return parse_scw(text, str(path))


# ------------------------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def format_matrix_row(row) -> str:
    """One matrix row as ScenarioWizard writes it: each value as a sign character (space or minus), its digits and
    a space, comma-separated (``" 0 ,-3 , 15 "``)."""
    return ",".join(("-" if v < 0 else " ") + f"{abs(int(v))} " for v in row)


def format_scw(project: ScwProject) -> str:
    """The text of a ``.scw`` file for ``project`` (LF line ends, as in the reference files)."""
    n = len(project.descriptors)
    counts = [len(v) for v in project.variants]
    V = sum(counts)
    out = [HEADER, project.title]
    for d, vs in zip(project.descriptors, project.variants):
        out.append("&" + d)
        out.extend(" -" + v for v in vs)
    out.append("#")
    dtexts = project.descriptor_texts or ("",) * n
    vtexts = project.variant_texts or tuple(("",) * c for c in counts)
    for dt_, vt in zip(dtexts, vtexts):
        out.append("&" + dt_.replace("\n", " "))
        out.extend(" " + t.replace("\n", " ") for t in vt)
    out.append("#")
    out.append("#")
    out.extend(project.colours or ("FFFFFF",) * V)
    out.append("#")
    out.append("#")
    out.extend(format_matrix_row(r) for r in np.asarray(project.matrix))
    out.append("#")
    has_notes = bool(project.descriptor_notes or project.block_notes)
    headers = list(project.note_headers)
    if not headers:
        headers = ["# 0-0"] + (["# "] * n + ["#  -> "] * (n * n) if has_notes else [])
    texts = [project.project_note]
    if len(headers) > 1:
        dnotes = project.descriptor_notes or ("",) * n
        texts += list(dnotes) + [project.block_notes.get((k // n, k % n), "") for k in range(n * n)]
    for h, t in zip(headers, texts):
        out.append(h)
        out.append(_quote(t))
    out.append("#")
    out.append("#")
    return "\n".join(out) + "\n"


def write_scw(project: ScwProject, path: str | os.PathLike) -> None:
    """Write ``project`` to ``path`` atomically. Raises :class:`InputFileError` when the path is not writable."""
    from .output import write_atomic

    try:
        write_atomic(path, format_scw(project))
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write: {exc}") from None


# ------------------------------------------------------------------------------------------------------------------
# Model import and export
# ------------------------------------------------------------------------------------------------------------------


#: Longest id derived from a name (longer names are cut at a word boundary).
MAX_ID = 40


def slug(name: str, fallback: str) -> str:
    """A valid id from a name: letters, digits, ``_`` and ``-`` only (no dots), lower case, at most
    :data:`MAX_ID` characters (cut at a word boundary where possible); ``fallback`` if nothing is left."""
    s = re.sub(r"[^0-9A-Za-z_]+", "-", name.strip()).strip("-").lower()
    if len(s) > MAX_ID:
        cut = s[:MAX_ID]
        s = cut.rsplit("-", 1)[0] if "-" in cut[10:] else cut
    return s.strip("-") or fallback


def unique_ids(names, prefix: str) -> list[str]:
    """Valid, unique ids for ``names`` (a clash gets ``-2``, ``-3``…; an empty name gets ``prefix`` + position)."""
    out: list[str] = []
    seen: set[str] = set()
    for k, name in enumerate(names):
        base = slug(name, f"{prefix}{k + 1}")
        cand, m = base, 2
        while cand in seen:
            cand, m = f"{base}-{m}", m + 1
        seen.add(cand)
        out.append(cand)
    return out


def self_block_cells(counts, matrix) -> dict[int, int]:
    """Non-zero cells in each descriptor's block on itself: ``{descriptor position: number of cells}``."""
    offsets = np.concatenate([[0], np.cumsum(counts)])
    out = {}
    for d in range(len(counts)):
        block = matrix[offsets[d] : offsets[d + 1], offsets[d] : offsets[d + 1]]
        nz = int(np.count_nonzero(block))
        if nz:
            out[d] = nz
    return out


def _bounded_matrix(matrix, name: str) -> np.ndarray:
    """``matrix`` as int64 once every cell is an integer within ±:data:`~scenarist.checks.MAX_SCORE`; else
    :class:`ModelError` naming the first bad cell (1-based ``matrix[row][column]``)."""
    from ..errors import Problem

    raw = np.asarray(matrix)
    if raw.dtype.kind in "iu" and (raw.size == 0 or int(np.abs(raw).max()) <= MAX_SCORE):
        return raw.astype(np.int64)
    if raw.dtype.kind == "f":
        bad = ~np.isfinite(raw) | (np.abs(np.nan_to_num(raw, nan=np.inf)) > MAX_SCORE) | (raw != np.round(raw))
    else:
        flat = raw.reshape(-1).tolist()

        def wrong(v) -> bool:
            try:
                return int(v) != v or abs(int(v)) > MAX_SCORE
            except (TypeError, ValueError, OverflowError):
                return True

        bad = np.array([wrong(v) for v in flat], dtype=bool).reshape(raw.shape)
    if bad.any():
        r, c = (int(x) for x in np.argwhere(bad)[0])
        raise ModelError(
            [
                Problem(
                    name,
                    None,
                    f"matrix[{r + 1}][{c + 1}]",
                    f"{raw[r, c]!r} is not an integer within ±{MAX_SCORE:,} (the bound of every judgment score)",
                )
            ]
        )
    return raw.astype(np.int64)


def project_to_model(project: ScwProject, name: str = "<scw>", self_impacts: str | None = None) -> Model:
    """Turn a ScenarioWizard project into a Scenarist :class:`~scenarist.model.Model`.

    Ids derive from the names (see :func:`unique_ids`); every non-zero cell becomes a judgment (a block's note
    becomes the rationale of its judgments); ``metadata.origin`` names the file; the ``scale`` spans at least
    −3..+3 and every score in the file; ``provenance: optional`` (a ScenarioWizard file cites nothing).

    Parameters
    ----------
    self_impacts : {"count", "ignore"} or None
        What to do with non-zero blocks of a descriptor on itself. ``count`` keeps them in the impact balances, as
        ScenarioWizard does; ``ignore`` keeps them in the model but leaves them out of the balances, as the
        method's definition does. ``None`` (the default) counts them and, when there are any, warns
        (:class:`SelfImpactWarning`) so the choice is made knowingly.

    Raises
    ------
    ModelError
        The result breaks a model rule (e.g. a descriptor with fewer than two variants, a scale whose balances
        would overflow int32), or a matrix cell is not an integer within ±10^6 (named ``matrix[row][column]``).
    """
    warn = self_impacts is None
    self_impacts = "count" if self_impacts is None else self_impacts
    if self_impacts not in ("count", "ignore"):
        from ..errors import OptionError

        raise OptionError(f"self_impacts must be 'count' or 'ignore', got {self_impacts!r}")
    counts = project.counts
    offsets = project.offsets
    m = _bounded_matrix(project.matrix, name)
    d_ids = unique_ids(project.descriptors, "d")
    descriptors = []
    for d, (dname, vnames) in enumerate(zip(project.descriptors, project.variants)):
        v_ids = unique_ids(vnames, "v")
        vtexts = project.variant_texts[d] if project.variant_texts else ("",) * len(vnames)
        descr = (project.descriptor_notes[d] if project.descriptor_notes else "") or (
            project.descriptor_texts[d].strip() if project.descriptor_texts else ""
        )
        descriptors.append(
            Descriptor(
                id=d_ids[d],
                name=dname.strip() or d_ids[d],
                description=descr or None,
                variants=[
                    Variant(id=vid, name=vn.strip() or vid, description=(vt.strip() or None))
                    for vid, vn, vt in zip(v_ids, vnames, vtexts)
                ],
            )
        )
    owner = np.repeat(np.arange(len(counts)), counts)
    judgments = []
    rows, cols = np.nonzero(m)
    for r, c in zip(rows.tolist(), cols.tolist()):
        i, j = int(owner[r]), int(owner[c])
        note = project.block_notes.get((i, j), "")
        judgments.append(
            Judgment(
                **{
                    "from": f"{d_ids[i]}.{descriptors[i].variants[r - offsets[i]].id}",
                    "to": f"{d_ids[j]}.{descriptors[j].variants[c - offsets[j]].id}",
                },
                score=int(m[r, c]),
                rationale=note or None,
            )
        )
    selfs = self_block_cells(counts, m)
    lo = min(-3, int(m.min()) if m.size else 0)
    hi = max(3, int(m.max()) if m.size else 0)
    stem = Path(name).name
    meta = Metadata(
        id=slug(Path(name).stem, "imported"),
        title=project.title.strip() or stem,
        description=project.project_note or None,
        scale=Scale(min=lo, max=hi),
        provenance="optional",
        origin=f"ScenarioWizard project {stem}",
        self_impacts=self_impacts,
    )
    model = Model(metadata=meta, descriptors=descriptors, judgments=judgments)
    if selfs and warn:
        warnings.warn(SelfImpactWarning(name, {d_ids[d]: k for d, k in selfs.items()}), stacklevel=2)
    problems = check_model(model)
    if problems:
        from ..errors import Problem
        from .yaml_text import field_name

        raise ModelError([Problem(name, None, field_name(p), msg) for p, msg in problems])
    return model


def import_scw(path: str | os.PathLike, self_impacts: str | None = None) -> Model:
    """Read a ``.scw`` file as a Scenarist model (see :func:`project_to_model`, also for ``self_impacts``).

    Raises
    ------
    InputFileError
        Missing, unreadable or malformed file (file and line named).
    ModelError
        The project breaks a model rule.
    OptionError
        ``self_impacts`` is neither ``count``, ``ignore`` nor ``None``.
    """
    return project_to_model(read_scw(path), str(path), self_impacts)


def model_to_project(model: Model) -> ScwProject:
    """A ScenarioWizard project from a model: names, descriptions, the compiled matrix and per-block notes.

    The matrix is the model's compiled matrix with every judgment in place (blocks within one descriptor included
    when the model holds them), so importing the result gives the same matrix back. Block notes are the distinct
    rationales of the block's judgments, one paragraph each.
    """
    counts = [len(d.variants) for d in model.descriptors]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    index = {}
    for i, d in enumerate(model.descriptors):
        for j, v in enumerate(d.variants):
            index[(d.id, v.id)] = (i, int(offsets[i]) + j)
    V = int(offsets[-1])
    matrix = np.zeros((V, V), dtype=np.int64)
    notes: dict[tuple[int, int], list[str]] = {}
    for j in model.judgments:
        si, r = index[tuple(j.from_.split(".", 1))]
        ti, c = index[tuple(j.to.split(".", 1))]
        matrix[r, c] = j.score
        if j.rationale and j.rationale.strip():
            lst = notes.setdefault((si, ti), [])
            if j.rationale.strip() not in lst:
                lst.append(j.rationale.strip())

    def line(text: str) -> str:  # one line of the file: no line breaks inside a name
        return " ".join(str(text).split())

    return ScwProject(
        title=line(model.metadata.title),
        descriptors=tuple(line(d.name) for d in model.descriptors),
        variants=tuple(tuple(line(v.name) for v in d.variants) for d in model.descriptors),
        matrix=matrix,
        variant_texts=tuple(tuple((v.description or "").strip() for v in d.variants) for d in model.descriptors),
        project_note=(model.metadata.description or "").strip(),
        descriptor_notes=tuple((d.description or "").strip() for d in model.descriptors),
        block_notes={k: "\n\n".join(v) for k, v in notes.items()},
    )


def export_scw(model: Model, path: str | os.PathLike) -> None:
    """Write a model as a ScenarioWizard project (see :func:`model_to_project`)."""
    write_scw(model_to_project(model), path)


__all__ = [
    "ScwProject",
    "SelfImpactWarning",
    "export_scw",
    "format_scw",
    "import_scw",
    "model_to_project",
    "parse_scw",
    "project_to_model",
    "read_scw",
    "unique_ids",
    "write_scw",
]
