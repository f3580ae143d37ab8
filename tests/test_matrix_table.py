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
