"""CSV and XLSX matrices: both layouts, both directions, and located errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scenarist.cib import compile_model, find_scenarios
from scenarist.errors import InputFileError, OptionError
from scenarist.io.matrix_table import (
    format_csv_matrix,
    read_csv_matrix,
    read_matrix_table,
    write_matrix_table,
)
from scenarist.io.scw import project_to_model, read_scw

CIB = Path(__file__).parent / "data" / "cib"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("layout", ["scenariowizard", "labelled"])
def test_round_trip_keeps_names_and_matrix(tmp_path, suffix, layout):
    project = read_scw(CIB / "CIB_global.scw")
    path = tmp_path / f"m.{suffix}"
    write_matrix_table(project, path, layout)
    back = read_matrix_table(path)
    assert back.descriptors == project.descriptors
    assert back.variants == project.variants
    assert np.array_equal(back.matrix, project.matrix)


def test_scenariowizard_layout_text_and_import_gives_the_same_scenarios(tmp_path):
    project = read_scw(CIB / "CIB_global.scw")
    text = format_csv_matrix(project)
    lines = text.splitlines()
    assert lines[0] == ";;WTRD;;;WSEC;;;WECO;;;"
    assert lines[1] == ";;FT;Ntl;Mix;Rlx;Mod;Alrt;Decl;Stag;ModGr;RpdGr"
    assert lines[2] == "WTRD;FT;0;0;0;1;2;-3;-4;-2;3;3"
    path = tmp_path / "g.csv"
    path.write_text(text, encoding="utf-8")
    model = project_to_model(read_csv_matrix(path), str(path))
    got = find_scenarios(compile_model(model))
    # CIB_global_sw.sl: (2,2,2), (2,3,2), (3,1,3), (1,2,3), 1-based
    assert sorted(map(tuple, (got.scenarios + 1).tolist())) == [(1, 2, 3), (2, 2, 2), (2, 3, 2), (3, 1, 3)]


def test_hand_written_labelled_grid_with_commas_and_blanks(tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(",A.a1,A.a2,B.b1,B.b2\nA.a1,,,2,-1\nA.a2,,,-2,1\nB.b1,1,-1,,\nB.b2,-1,1,,\n", encoding="utf-8")
    p = read_csv_matrix(path)
    assert p.descriptors == ("A", "B") and p.variants == (("a1", "a2"), ("b1", "b2"))
    assert p.matrix.tolist() == [[0, 0, 2, -1], [0, 0, -2, 1], [1, -1, 0, 0], [-1, 1, 0, 0]]


@pytest.mark.parametrize(
    "text,where",
    [
        (",A.a1,A.a2\nA.a1,0,x\nA.a2,0,0\n", r"bad\.csv:2: column 3: score 'x'"),
        (",A.a1,A.a2\nA.a1,0,1.5\nA.a2,0,0\n", r"bad\.csv:2: column 3: score '1.5' is not an integer"),
        (",A.a1,Aa2\nA.a1,0,0\nA.a2,0,0\n", r"bad\.csv:1: column 3: label 'Aa2'"),
        (",A.a1,A.a2\nA.a1,0,0\nA.a3,0,0\n", r"bad\.csv: the row labels and the column labels differ"),
    ],
)
def test_malformed_csv_names_file_line_and_column(tmp_path, text, where):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=where):
        read_csv_matrix(path)


def test_unknown_suffix_and_layout(tmp_path):
    project = read_scw(CIB / "CIB_global.scw")
    with pytest.raises(OptionError):
        write_matrix_table(project, tmp_path / "m.ods")
    with pytest.raises(OptionError):
        write_matrix_table(project, tmp_path / "m.csv", layout="diagonal")
    with pytest.raises(InputFileError):
        read_matrix_table(tmp_path / "m.ods")
    (tmp_path / "x.xlsx").write_text("not a workbook")
    with pytest.raises(InputFileError, match="not a readable XLSX"):
        read_matrix_table(tmp_path / "x.xlsx")


# -- rows that do not match the header: never shifted, never cut silently --

HAND = ",A.a1,A.a2,B.b1,B.b2\nA.a1,,,2,-1\nA.a2,,,-2,1\nB.b1,1,-1,,\nB.b2,-1,1,,\n"


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda t: t.replace("A.a2,,,-2,1", "A.a2,,9,,-2,1"), r"bad\.csv:3: 6 cells, but the header has 5$"),
        (lambda t: t.replace("A.a2,,,-2,1", "A.a2,,,-2,1,5,7"), r"bad\.csv:3: 7 cells, but the header has 5$"),
        (lambda t: t.replace("B.b1,1,-1,,", "B.b1,1,-1,"), r"bad\.csv:4: 4 cells, but the header has 5$"),
        # the header itself one cell too wide: every score row is then one short
        (lambda t: t.replace("B.b2\n", "B.b2,\n", 1), r"bad\.csv:2: 5 cells, but the header has 6$"),
    ],
)
def test_csv_row_with_more_or_fewer_cells_than_the_header_is_refused(tmp_path, edit, message):
    path = tmp_path / "bad.csv"
    path.write_text(edit(HAND), encoding="utf-8")
    with pytest.raises(InputFileError, match=message):
        read_csv_matrix(path)


def test_exported_csv_with_a_cell_added_on_line_4_is_refused_not_shifted(tmp_path):
    # the tester's reproduction: export the example, add a cell on line 4 (the matrix's second row)
    from scenarist.io.scw import model_to_project
    from scenarist.io.yaml_model import load_model

    good = format_csv_matrix(model_to_project(load_model("example"))).splitlines()
    width = len(good[0].split(";"))
    for added in (good[3].replace(";0;", ";0;0;", 1), good[3] + ";5;7"):
        path = tmp_path / "ex.csv"
        path.write_text("\n".join(good[:3] + [added] + good[4:]) + "\n", encoding="utf-8")
        n = len(added.split(";"))
        with pytest.raises(InputFileError, match=rf"ex\.csv:4: {n} cells, but the header has {width}$"):
            read_csv_matrix(path)


def test_line_numbers_count_quoted_line_breaks_and_scores_are_strict(tmp_path):
    path = tmp_path / "q.csv"
    # quoted labels spanning two lines: the row of A.a2 starts on file line 5, not grid row 3
    path.write_text(',"A\n.a1",A.a2\n"A\n.a1",0,1\nA.a2,1e3,0\n', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"q\.csv:5: column 2: score '1e3' is not an integer"):
        read_csv_matrix(path)
    for bad in ("inf", "nan", "true", "--1"):
        path.write_text(f",A.a1,A.a2\nA.a1,0,1\nA.a2,{bad},0\n", encoding="utf-8")
        with pytest.raises(InputFileError, match=rf"q\.csv:3: column 2: score '{bad}' is not a number"):
            read_csv_matrix(path)
    path.write_text(",A.a1,A.a2\nA.a1,0,+1\nA.a2,\u22122,2.0\n", encoding="utf-8")
    assert read_csv_matrix(path).matrix.tolist() == [[0, 1], [-2, 2]]


def test_xlsx_cell_right_of_the_matrix_is_refused(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in ([None, "A.a1", "A.a2"], ["A.a1", 0, 1], ["A.a2", 1, 0, None, 5]):
        ws.append(row)
    wb.save(tmp_path / "m.xlsx")
    with pytest.raises(InputFileError, match=r"m\.xlsx \(sheet Sheet\):3: 5 cells, but the header has 3: column 5"):
        read_matrix_table(tmp_path / "m.xlsx")


# -- imports that guess no more: names given twice, formulas without values, numbers out of range --


def _run_import(path: Path, out: Path):
    from typer.testing import CliRunner

    from scenarist.cli import app

    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(app, ["import", str(path), "-o", str(out)], catch_exceptions=False)


def _refused_by_cli(path: Path, *fragments: str) -> str:
    out = path.parent / "out.yaml"
    result = _run_import(path, out)
    text = result.stdout + result.stderr
    assert result.exit_code == 2, text
    assert "Traceback" not in text and not out.exists()
    for fragment in fragments:
        assert fragment in text, text
    return text


@pytest.mark.parametrize(
    "text,fragment",
    [
        # labelled layout: A's columns split by B's
        (
            ",A.x,A.y,B.z,B.w,A.v\nA.x,0,0,1,1,0\nA.y,0,0,1,1,0\nB.z,1,1,0,0,1\nB.w,1,1,0,0,1\nA.v,0,0,1,1,0\n",
            "bad.csv: line 1, column 6: descriptor 'A' is named a second time (first at column 2)",
        ),
        # ScenarioWizard layout: two blocks both named A
        (
            ";;A;;A;\n;;x;y;z;w\nA;x;0;0;1;1\n;y;0;0;1;1\nA;z;1;1;0;0\n;w;1;1;0;0\n",
            "bad.csv: line 2, column 5: descriptor 'A' is named a second time (first at column 3)",
        ),
        # rows only: the second A block on line 5
        (
            ";;A;;B;\n;;x;y;z;w\nA;x;0;0;1;1\n;y;0;0;1;1\nA;z;1;1;0;0\n;w;1;1;0;0\n",
            "bad.csv: line 5: descriptor 'A' is named a second time (first at line 3)",
        ),
    ],
)
def test_two_descriptors_of_one_name_are_refused_not_merged(tmp_path, text, fragment):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_csv_matrix(path)
    assert str(info.value).startswith(str(path) + fragment.removeprefix("bad.csv"))
    assert "\n" not in str(info.value)
    _refused_by_cli(path, "is named a second time")


@pytest.mark.parametrize(
    "text,fragment",
    [
        # the header cell A.a2 repeated (rows as before): one message at the header cell, no per-row cell count
        (HAND.replace(",A.a2,", ",A.a2,A.a2,", 1), "bad.csv: line 1, column 4: variant A.a2 repeats column 3"),
        # the whole column repeated
        (
            ",A.a1,A.a2,A.a2,B.b1,B.b2\nA.a1,,,,2,-1\nA.a2,,,,-2,1\nB.b1,1,-1,-1,,\nB.b2,-1,1,1,,\n",
            "bad.csv: line 1, column 4: variant A.a2 repeats column 3",
        ),
        # a row repeated
        (HAND + "B.b2,-1,1,,\n", "bad.csv: line 6: variant B.b2 repeats line 5"),
    ],
)
def test_a_repeated_column_or_row_is_named_once_at_its_header_cell(tmp_path, text, fragment):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_csv_matrix(path)
    message = str(info.value)
    assert message == f"{path}: {fragment.split(': ', 1)[1]}; remove the repeated one"
    assert "cells, but the header" not in _refused_by_cli(path, "repeats")


def _xlsx(path: Path, rows, replace: tuple[bytes, bytes] | None = None) -> Path:
    """A workbook with ``rows``; ``replace`` edits the sheet's XML (to store what openpyxl cannot write)."""
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    wb.save(path)
    if replace is not None:
        with zipfile.ZipFile(path) as z:
            parts = [(i, z.read(i)) for i in z.infolist()]
        with zipfile.ZipFile(path, "w") as z:
            for info, data in parts:
                if info.filename == "xl/worksheets/sheet1.xml":
                    assert replace[0] in data
                    data = data.replace(replace[0], replace[1])
                z.writestr(info, data)
    return path


def test_an_xlsx_formula_without_a_saved_value_is_refused_naming_its_cell(tmp_path):
    rows = [[None, "A.a1", "A.a2", "B.b1", "B.b2"], ["A.a1", 0, 0, 1, -1], ["A.a2", 0, 0, -1, 1]]
    rows += [["B.b1", 1, -1, 0, 0], ["B.b2", -1, "=C2*2", 0, 0]]
    path = _xlsx(tmp_path / "f.xlsx", rows)
    with pytest.raises(InputFileError) as info:
        read_matrix_table(path)
    assert str(info.value).startswith(f"{path}: cell Sheet1!C5 holds the formula =C2*2 with no saved value")
    assert "open the workbook in a spreadsheet program, save it" in str(info.value)
    _refused_by_cli(path, "Sheet1!C5")


def test_an_xlsx_formula_with_its_saved_value_is_read_as_that_value(tmp_path):
    rows = [[None, "A.a1", "A.a2"], ["A.a1", 0, "=1+1"], ["A.a2", 1, 0]]
    path = _xlsx(tmp_path / "f.xlsx", rows, (b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>"))
    assert read_matrix_table(path).matrix.tolist() == [[0, 2], [1, 0]]


@pytest.mark.parametrize(
    "cell,problem",
    [
        ("1e300", "is out of range"),
        ("10^25", "is not a number"),
        ("inf", "is not a number"),
        ("nan", "is not a number"),
        ("99999999999999999999", "is out of range"),
        ("9" * 5000, "is out of range"),
        ("1000001", "is out of range"),
        ("-1000001", "is out of range"),
        ("2.5", "is not an integer"),
    ],
)
def test_csv_scores_out_of_range_are_refused_naming_the_cell(tmp_path, cell, problem):
    path = tmp_path / "n.csv"
    path.write_text(f",A.a1,A.a2\nA.a1,0,{cell}\nA.a2,0,0\n", encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_csv_matrix(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2: column 3: score ")
    assert problem in message and "from -1,000,000 to 1,000,000" in message
    assert len(message) < 300  # a cell of 5,000 digits is not repeated in full
    _refused_by_cli(path, f"{path}:2: column 3")


def test_scores_at_the_bound_are_read(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text(",A.a1,A.a2\nA.a1,0,1000000\nA.a2,-1000000,0\n", encoding="utf-8")
    assert read_csv_matrix(path).matrix.tolist() == [[0, 1_000_000], [-1_000_000, 0]]


@pytest.mark.parametrize(
    "value,replace,problem",
    [
        (1e300, None, "score '1e+300' is out of range"),
        (10**25, None, "is out of range"),
        (2.5, None, "score '2.5' is not an integer"),
        (7, (b'<c r="C2" t="n"><v>7</v>', b'<c r="C2" t="n"><v>1E+400</v>'), "score inf is not a number"),
    ],
)
def test_xlsx_scores_out_of_range_are_refused_naming_the_cell(tmp_path, value, replace, problem):
    path = _xlsx(tmp_path / "n.xlsx", [[None, "A.a1", "A.a2"], ["A.a1", 0, value], ["A.a2", 1, 0]], replace)
    with pytest.raises(InputFileError) as info:
        read_matrix_table(path)
    assert str(info.value).startswith(f"{path}: cell Sheet1!C2: ")
    assert problem in str(info.value)
    _refused_by_cli(path, "Sheet1!C2")


def test_a_repeated_variant_in_a_workbook_is_named_by_its_cell(tmp_path):
    rows = [[None, "A.a1", "A.a2", "A.a1"], ["A.a1", 0, 1, 0], ["A.a2", 1, 0, 0], ["A.a1", 0, 0, 0]]
    path = _xlsx(tmp_path / "d.xlsx", rows)
    with pytest.raises(InputFileError, match=r"cell Sheet1!D1: variant A\.a1 repeats cell Sheet1!B1"):
        read_matrix_table(path)
