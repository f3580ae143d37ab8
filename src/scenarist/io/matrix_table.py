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

from ..checks import MAX_SCORE
from ..errors import InputFileError, OptionError
from .paths import read_input_bytes, read_input_text
from .scw import ScwProject

LAYOUTS = ("scenariowizard", "labelled")
#: Most variants a matrix table may have along one side (a sheet is read no further; the largest CIB matrices in
#: print have about 100).
MAX_TABLE_VARIANTS = 2000


# ------------------------------------------------------------------------------------------------------------------
# Grid ⇄ project
# ------------------------------------------------------------------------------------------------------------------


def _cell(v) -> str:
    return "" if v is None else str(v).strip()


#: An integer score as a spreadsheet may write it: optional sign (a typographic minus too), digits, and an optional
#: fraction of zeros ("2", "-1", "+3", "−2", "2.0", "2,0").
_INTEGER = re.compile(r"[+\-\u2212]?\d+(?:[.,]0*)?")


def _quoted(text: str) -> str:
    """A cell's text for a message, cut short (a cell may hold thousands of digits)."""
    return repr(text if len(text) <= 30 else text[:27] + "...")


def _score(text: str, where: str) -> int:
    """The integer score a cell holds ("" is 0), or an :class:`InputFileError` starting with ``where`` (the cell).

    Scores are integers in [−MAX_SCORE, MAX_SCORE] (``scenarist.checks``), written as digits (``2``, ``-1``,
    ``+3``, ``−2``, ``2.0``); ``1e3``, ``10^25``, ``inf`` and ``nan`` are refused, and so is any integer past the bound
    (without converting it: a cell of 5,000 digits costs nothing).
    """
    if text == "":
        return 0
    allowed = f"scores are integers from {-MAX_SCORE:,} to {MAX_SCORE:,}"
    if _INTEGER.fullmatch(text):
        digits = re.split(r"[.,]", text.replace("\u2212", "-"))[0]
        if len(digits.lstrip("+-")) > len(str(MAX_SCORE)) or abs(int(digits)) > MAX_SCORE:
            raise InputFileError(f"{where}: score {_quoted(text)} is out of range ({allowed})")
        return int(digits)
    try:
        value = float(text.replace(",", "."))
    except (ValueError, OverflowError):
        value = None
    if value is None or not math.isfinite(value):
        raise InputFileError(f"{where}: score {_quoted(text)} is not a number ({allowed})")
    if value.is_integer() and abs(value) > MAX_SCORE:
        raise InputFileError(f"{where}: score {_quoted(text)} is out of range ({allowed})")
    raise InputFileError(f"{where}: score {_quoted(text)} is not an integer ({allowed})")


def _column_letters(col: int) -> str:
    """1-based column number → spreadsheet letters (1 → A, 27 → AA)."""
    out = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def grid_to_project(
    grid: list[list[str]],
    name: str,
    title: str | None = None,
    lines: list[int] | None = None,
    same_width: bool = False,
    sheet: str | None = None,
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
    sheet : str, optional
        The sheet's title when the grid comes from a workbook: cells are then named as a spreadsheet names them
        (``Sheet1!C4``).

    Raises
    ------
    InputFileError
        A row with more or fewer cells than the header (``same_width``), a score right of the matrix, labels that
        do not match between rows and columns, a descriptor named twice or a variant (row or column) repeated,
        missing names, or a score that is not an integer in [−MAX_SCORE, MAX_SCORE]; with file, line and column
        (or cell).
    """
    rows = [[_cell(c) for c in r] for r in grid]
    lines = list(lines) if lines is not None else list(range(1, len(rows) + 1))

    # a sheet's cells are named as the spreadsheet names them (book.xlsx: cell Sheet1!C4), without "(sheet ...)"
    at = name.removesuffix(f" (sheet {sheet})") if sheet is not None else name

    def cell(k: int, col: int) -> str:
        """Where grid row ``k`` (0-based), column ``col`` (1-based) is, for messages."""
        if sheet is not None:
            return f"{at}: cell {sheet}!{_column_letters(col)}{lines[k]}"
        return f"{name}:{lines[k]}: column {col}"

    while rows and not any(rows[-1]):
        rows.pop()
    if len(rows) < 2 or len(rows[0]) < 2:
        raise InputFileError(f"{name}:1: too small to be a cross-impact matrix")
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
                raise InputFileError(f"{name}:{lines[0]}: column {k + 2}: label {lab!r} is not descriptor.variant")
            d, v = lab.split(".", 1)
            col_d.append(d)
            col_v.append(v)
        for k, r in enumerate(rows[1:], start=1):
            lab = r[0] if r else ""
            if "." not in lab:
                raise InputFileError(f"{name}:{lines[k]}: column 1: label {lab!r} is not descriptor.variant")
            d, v = lab.split(".", 1)
            row_d.append(d)
            row_v.append(v)
    # trim trailing empty columns
    while col_v and col_v[-1] == "" and (not col_d or col_d[-1] == ""):
        col_v.pop()
        if len(col_d) > len(col_v):
            col_d = col_d[: len(col_v)]

    def structure(ds, vs, where, side):
        names: list[str] = []
        variants: list[list[str]] = []
        first_d: dict[str, int] = {}
        first_v: dict[tuple[str, str], int] = {}
        current = None
        for k, (d, v) in enumerate(zip(ds + [""] * (len(vs) - len(ds)), vs)):
            restated = d != "" and d == current and two_level and k > 0 and ds[k - 1] == ""
            if d and (d != current or restated):
                if d in first_d:
                    raise InputFileError(
                        f"{at}: {where(k)}: descriptor {d!r} is named a second time (first at "
                        f"{where(first_d[d]).split(', ')[-1]}); two descriptors need two names, and one "
                        f"descriptor's {side} stay together"
                    )
                first_d[d] = k
                names.append(d)
                variants.append([])
                current = d
            if current is None:
                raise InputFileError(f"{at}: {where(k)}: a variant comes before any descriptor name")
            if v == "":
                raise InputFileError(f"{at}: {where(k)}: missing variant name")
            if (current, v) in first_v:
                raise InputFileError(
                    f"{at}: {where(k)}: variant {current}.{v} repeats "
                    f"{where(first_v[current, v]).split(', ')[-1]}; remove the repeated one"
                )
            first_v[current, v] = k
            variants[-1].append(v)
        return names, variants

    def col_where(k: int) -> str:
        if sheet is not None:
            return f"cell {sheet}!{_column_letters(head_cols + k + 1)}{lines[head_rows - 1]}"
        return f"line {lines[head_rows - 1]}, column {head_cols + k + 1}"

    def row_where(k: int) -> str:
        if sheet is not None:
            return f"cell {sheet}!{_column_letters(head_cols)}{lines[head_rows + k]}"
        return f"line {lines[head_rows + k]}"

    c_names, c_vars = structure(col_d, col_v, col_where, "columns")
    r_names, r_vars = structure(row_d, row_v, row_where, "rows")
    if same_width:  # after the labels, so that a repeated header cell is named once, not as a short row each line
        for k, r in enumerate(rows):
            if len(r) != len(rows[0]):
                raise InputFileError(f"{name}:{lines[k]}: {len(r)} cells, but the header has {len(rows[0])}")
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
            matrix[i, j] = _score(text, cell(head_rows + i, head_cols + j + 1))
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
    """Read a CSV matrix (either layout; separator ``;``, ``,`` or tab). Raises :class:`InputFileError`.

    The file must be a regular file of at most 16 MiB of UTF-8 text (:func:`~scenarist.io.paths.read_input_text`).
    """
    text = read_input_text(path, "matrix table", "utf-8-sig")
    first = text.splitlines()[0] if text.strip() else ""
    delim = max([";", ",", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
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


def _xlsx_text(value, where: str) -> str:
    """A workbook cell's value as the text the grid parser reads (numbers that are whole as digits)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputFileError(
                f"{where}: score {value!r} is not a number (scores are integers from {-MAX_SCORE:,} to {MAX_SCORE:,})"
            )
        if value.is_integer() and abs(value) <= MAX_SCORE:
            return str(int(value))
        return repr(value)
    return str(value)


def read_xlsx_matrix(path: str | os.PathLike) -> ScwProject:
    """Read the first sheet of an XLSX workbook as a matrix (either layout). Raises :class:`InputFileError`.

    The workbook must be a regular file of at most 16 MiB; a formula cell is read through the value the spreadsheet
    program saved with it, and one saved without a value (a workbook written by a program that does not compute
    formulas) is refused with its cell named, never read as 0.
    """
    from openpyxl import load_workbook

    data = read_input_bytes(path, "matrix workbook")
    limit = MAX_TABLE_VARIANTS + 2

    def sheet_rows(values_only_data: bool):
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=values_only_data)
        except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
            raise InputFileError(f"{path}: not a readable XLSX workbook: {exc}") from None
        try:
            if not wb.worksheets:
                raise InputFileError(f"{path}: the workbook has no sheet")
            ws = wb.worksheets[0]
            rows = []
            for k, row in enumerate(ws.iter_rows(max_row=limit + 1, max_col=limit + 1, values_only=True)):
                if k > limit or (len(row) > limit and row[limit] not in (None, "")):
                    raise InputFileError(
                        f"{path} (sheet {ws.title}): larger than {MAX_TABLE_VARIANTS:,} variants along a side"
                    )
                rows.append(list(row[:limit]))
            return ws.title, rows
        except InputFileError:
            raise
        except Exception as exc:  # a damaged sheet inside a readable archive
            raise InputFileError(f"{path}: not a readable XLSX workbook: {exc}") from None
        finally:
            wb.close()

    title, values = sheet_rows(True)
    _, formulas = sheet_rows(False)
    for r, (vrow, frow) in enumerate(zip(values, formulas), start=1):
        for c, (v, f) in enumerate(zip(vrow, frow), start=1):
            if v is None and f is not None and ((isinstance(f, str) and f.startswith("=")) or hasattr(f, "text")):
                formula = f if isinstance(f, str) else getattr(f, "text", "")
                raise InputFileError(
                    f"{path}: cell {title}!{_column_letters(c)}{r} holds the formula {str(formula)[:40]} with no "
                    "saved value (the program that wrote the workbook did not compute it); open the workbook in a "
                    "spreadsheet program, save it, and import it again"
                )
    grid = [
        [_xlsx_text(v, f"{path}: cell {title}!{_column_letters(c)}{r}") for c, v in enumerate(row, start=1)]
        for r, row in enumerate(values, start=1)
    ]
    return grid_to_project(grid, f"{path} (sheet {title})", sheet=title)


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
