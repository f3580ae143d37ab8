"""Cross-impact matrices as spreadsheets (CSV and XLSX), both directions.

Two layouts:

``scenariowizard`` (the default for writing)
    The grid as ScenarioWizard shows a cross-impact matrix: two header rows and two label columns. (Modelled on
    the program's matrix grid and the CSV import its manual describes; not checked against the program itself.)
    Row 1 holds each descriptor's name above its first variant column, row 2 the variant names; column 1 holds
    each descriptor's name beside its first variant row, column 2 the variant names; the scores fill the rest
    (row = impacting variant, column = impacted variant). Written with ``;`` as separator; read with ``;``, ``,``
    or tab. Blank cells in the name rows/columns continue the descriptor named before them; a blank score is 0.
``labelled``
    A plain labelled grid: one header row and one label column, each label ``descriptor.variant``.

The reader detects the layout (a blank second cell in the first row means ``scenariowizard``). Both give a
:class:`~scenarist.io.scw.ScwProject`, which :func:`~scenarist.io.scw.project_to_model` turns into a model.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from pathlib import Path

import numpy as np

from ..errors import InputFileError, OptionError
from .scw import ScwProject

LAYOUTS = ("scenariowizard", "labelled")


# ------------------------------------------------------------------------------------------------------------------
# Grid ⇄ project
# ------------------------------------------------------------------------------------------------------------------


def _cell(v) -> str:
    return "" if v is None else str(v).strip()


#: An integer score as a spreadsheet may write it: optional sign (a typographic minus too), digits, and an optional
#: fraction of zeros ("2", "-1", "+3", "−2", "2.0", "2,0").
_INTEGER = re.compile(r"[+\-\u2212]?\d+(?:[.,]0*)?")


def _score(text: str, name: str, row: int, col: int) -> int:
    if text == "":
        return 0
    if _INTEGER.fullmatch(text):
        return int(re.split(r"[.,]", text.replace("\u2212", "-"))[0])
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        raise InputFileError(f"{name}:{row}: column {col}: score {text!r} is not a number")
    raise InputFileError(f"{name}:{row}: column {col}: score {text!r} is not an integer")


def grid_to_project(
    grid: list[list[str]],
    name: str,
    title: str | None = None,
    lines: list[int] | None = None,
    same_width: bool = False,
) -> ScwProject:
    """Parse a grid of cells (rows of strings) in either layout.

    Parameters
    ----------
    grid : list of list of str
    name : str
        The file as the user named it (messages start with it).
    title : str, optional
        Project title (default: the file's stem).
    lines : list of int, optional
        1-based line of the file on which each grid row starts (default: row k is line k + 1); messages name it.
    same_width : bool
        Every row must have exactly as many cells as the first (header) row: for CSV text, where a cell added or
        dropped by mistake would otherwise shift the row's scores. A sheet (XLSX) pads its rows, so there only a
        non-blank cell right of the last variant column is an error (checked in every case).

    Raises
    ------
    InputFileError
        A row with more or fewer cells than the header (``same_width``), a score right of the matrix, labels that
        do not match between rows and columns, missing names, or a score that is not an integer; with file, line
        and column.
    """
    rows = [[_cell(c) for c in r] for r in grid]
    lines = list(lines) if lines is not None else list(range(1, len(rows) + 1))
    while rows and not any(rows[-1]):
        rows.pop()
    if len(rows) < 2 or len(rows[0]) < 2:
        raise InputFileError(f"{name}:1: too small to be a cross-impact matrix")
    if same_width:
        for k, r in enumerate(rows):
            if len(r) != len(rows[0]):
                raise InputFileError(f"{name}:{lines[k]}: {len(r)} cells, but the header has {len(rows[0])}")
    two_level = rows[0][1] == ""
    if two_level:
        head_rows, head_cols = 2, 2
        col_d, col_v = rows[0][2:], rows[1][2:] if len(rows) > 1 else []
        row_d = [r[0] if r else "" for r in rows[2:]]
        row_v = [r[1] if len(r) > 1 else "" for r in rows[2:]]
    else:
        head_rows, head_cols = 1, 1
        labels = rows[0][1:]
        while labels and labels[-1] == "":  # a sheet pads its rows with blank cells
            labels.pop()
        col_d, col_v, row_d, row_v = [], [], [], []
        for k, lab in enumerate(labels):
            if "." not in lab:
                raise InputFileError(f"{name}:1: column {k + 2}: label {lab!r} is not descriptor.variant")
            d, v = lab.split(".", 1)
            col_d.append(d)
            col_v.append(v)
        for k, r in enumerate(rows[1:], start=2):
            lab = r[0] if r else ""
            if "." not in lab:
                raise InputFileError(f"{name}:{k}: column 1: label {lab!r} is not descriptor.variant")
            d, v = lab.split(".", 1)
            row_d.append(d)
            row_v.append(v)
    # trim trailing empty columns
    while col_v and col_v[-1] == "" and (not col_d or col_d[-1] == ""):
        col_v.pop()
        if len(col_d) > len(col_v):
            col_d = col_d[: len(col_v)]

    def structure(ds, vs, where):
        names: list[str] = []
        variants: list[list[str]] = []
        current = None
        for k, (d, v) in enumerate(zip(ds + [""] * (len(vs) - len(ds)), vs)):
            if d and d != current:
                names.append(d)
                variants.append([])
                current = d
            if current is None:
                raise InputFileError(f"{name}: {where(k)}: a variant comes before any descriptor name")
            if v == "":
                raise InputFileError(f"{name}: {where(k)}: missing variant name")
            variants[-1].append(v)
        return names, variants

    c_names, c_vars = structure(col_d, col_v, lambda k: f"line {lines[head_rows - 1]}, column {head_cols + k + 1}")
    r_names, r_vars = structure(row_d, row_v, lambda k: f"line {lines[head_rows + k]}")
    if (c_names, c_vars) != (r_names, r_vars):
        raise InputFileError(
            f"{name}: the row labels and the column labels differ; the matrix must list the same descriptors and "
            "variants, in the same order, along both sides"
        )
    V = sum(len(v) for v in c_vars)
    width = head_cols + V
    for k, r in enumerate(rows):
        extra = [j for j in range(width, len(r)) if r[j] != ""]
        if extra:
            raise InputFileError(
                f"{name}:{lines[k]}: {extra[-1] + 1} cells, but the header has {width}: column {extra[0] + 1} "
                f"({r[extra[0]]!r}) is right of the last variant column"
            )
    matrix = np.zeros((V, V), dtype=np.int64)
    for i in range(V):
        r = rows[head_rows + i]
        for j in range(V):
            text = r[head_cols + j] if head_cols + j < len(r) else ""
            matrix[i, j] = _score(text, name, lines[head_rows + i], head_cols + j + 1)
    return ScwProject(
        title=title if title is not None else Path(name).stem,
        descriptors=tuple(c_names),
        variants=tuple(tuple(v) for v in c_vars),
        matrix=matrix,
    )


def project_to_grid(project: ScwProject, layout: str = "scenariowizard") -> list[list]:
    """The matrix as a grid of cells (names as str, scores as int) in the given layout.

    Raises :class:`OptionError` for an unknown layout.
    """
    if layout not in LAYOUTS:
        raise OptionError(f"unknown matrix layout {layout!r} (choose from {', '.join(LAYOUTS)})")
    labels_d: list[str] = []
    labels_v: list[str] = []
    for d, vs in zip(project.descriptors, project.variants):
        for k, v in enumerate(vs):
            labels_d.append(d if k == 0 else "")
            labels_v.append(v)
    m = np.asarray(project.matrix, dtype=np.int64)
    if layout == "scenariowizard":
        grid: list[list] = [["", ""] + labels_d, ["", ""] + labels_v]
        for i in range(len(labels_v)):
            grid.append([labels_d[i], labels_v[i]] + [int(x) for x in m[i]])
        return grid
    full = []
    for d, vs in zip(project.descriptors, project.variants):
        full.extend(f"{d}.{v}" for v in vs)
    grid = [[""] + full]
    for i, lab in enumerate(full):
        grid.append([lab] + [int(x) for x in m[i]])
    return grid


# ------------------------------------------------------------------------------------------------------------------
# Files
# ------------------------------------------------------------------------------------------------------------------


def read_csv_matrix(path: str | os.PathLike) -> ScwProject:
    """Read a CSV matrix (either layout; separator ``;``, ``,`` or tab). Raises :class:`InputFileError`."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read: {exc}") from None
    first = text.splitlines()[0] if text.strip() else ""
    delim = max([";", ",", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    grid, lines = [], []
    try:
        end = 0
        for row in reader:
            lines.append(end + 1)  # a quoted cell may span lines: a row starts after the previous one ends
            end = reader.line_num
            grid.append(row)
    except csv.Error as exc:
        raise InputFileError(f"{path}:{reader.line_num}: {exc}") from None
    return grid_to_project(grid, str(path), lines=lines, same_width=True)


def read_xlsx_matrix(path: str | os.PathLike) -> ScwProject:
    """Read the first sheet of an XLSX workbook as a matrix (either layout). Raises :class:`InputFileError`."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise InputFileError(f"{path}: not a readable XLSX workbook: {exc}") from None
    ws = wb.worksheets[0]
    grid = [
        ["" if c is None else (str(int(c)) if isinstance(c, float) and c == int(c) else str(c)) for c in row]
        for row in ws.iter_rows(values_only=True)
    ]
    wb.close()
    return grid_to_project(grid, f"{path} (sheet {ws.title})")


def read_matrix_table(path: str | os.PathLike) -> ScwProject:
    """Read a ``.csv`` or ``.xlsx`` matrix by its suffix. Raises :class:`InputFileError`."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx_matrix(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv_matrix(path)
    raise InputFileError(f"{path}: unknown matrix file type {suffix!r} (use .csv or .xlsx)")


def format_csv_matrix(project: ScwProject, layout: str = "scenariowizard") -> str:
    """CSV text of the matrix: ``;``-separated for the ScenarioWizard layout, ``,`` for the labelled one."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if layout == "scenariowizard" else ",", lineterminator="\n")
    writer.writerows(project_to_grid(project, layout))
    return buf.getvalue()


def xlsx_bytes(project: ScwProject, layout: str = "scenariowizard") -> bytes:
    """An XLSX workbook (one sheet, ``matrix``) holding the matrix grid."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "matrix"
    for row in project_to_grid(project, layout):
        ws.append([None if c == "" else c for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_matrix_table(project: ScwProject, path: str | os.PathLike, layout: str = "scenariowizard") -> None:
    """Write the matrix to ``.csv`` or ``.xlsx`` (by suffix) atomically.

    Raises
    ------
    OptionError
        Unknown layout or suffix.
    InputFileError
        The path is not writable.
    """
    from .output import write_atomic

    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        data: str | bytes = xlsx_bytes(project, layout)
    elif suffix == ".csv":
        data = format_csv_matrix(project, layout)
    else:
        raise OptionError(f"{path}: matrix files end in .csv or .xlsx")
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write: {exc}") from None


__all__ = [
    "LAYOUTS",
    "format_csv_matrix",
    "grid_to_project",
    "project_to_grid",
    "read_csv_matrix",
    "read_matrix_table",
    "read_xlsx_matrix",
    "write_matrix_table",
    "xlsx_bytes",
]
