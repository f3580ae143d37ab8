"""Input files attacked as a careless or hostile user would: devices, FIFOs, huge files, alias bombs, repeated keys,
control characters, raw pydantic wording, unbounded evidence values, and temporary files left by a killed writer.

Every refusal goes through the command line (Typer's CliRunner on ``scenarist.cli.app``, or a real process where a
regression would hang): exit status 2, one message naming the file and its line (or line and column), no traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, ValidationError
from typer.testing import CliRunner

from scenarist.cli import app
from scenarist.io.output import STALE_AFTER_SECONDS, TEMP_SUFFIX, sweep_stale_temporaries, write_atomic
from scenarist.io.paths import MAX_FILE_BYTES, packaged_models
from scenarist.io.yaml_text import MAX_ALIAS_NODES, pydantic_message

try:
    runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
except TypeError:  # click ≥ 8.2 keeps stderr apart always
    runner = CliRunner()

EXAMPLE_MODEL = packaged_models()["example"]
EXAMPLE_EVIDENCE = Path(__file__).parent / "data" / "evidence" / "example.yaml"


def run(*args: str):
    started = time.monotonic()
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    result.seconds = time.monotonic() - started
    return result


def refused(result, *fragments: str) -> str:
    """Exit 2, every fragment in the message, no traceback and no pydantic wording; the message is returned."""
    out = result.stdout + result.stderr
    assert result.exit_code == 2, out
    assert "Traceback" not in out
    assert "Input should" not in out and "Value error," not in out
    for fragment in fragments:
        assert fragment in out, out
    return out


@pytest.fixture
def fifo(tmp_path):
    def make(name: str) -> Path:
        path = tmp_path / name
        os.mkfifo(path)
        return path

    return make


def big_file(path: Path) -> Path:
    """A 20 MiB file (sparse: costs no disk and no time)."""
    with open(path, "wb") as fh:
        fh.truncate(20 * 1024 * 1024)
    return path


# -- 1. only regular files, at most 16 MiB, read without blocking --------------------------------------------------


def test_validate_refuses_dev_zero_a_fifo_a_directory_and_a_20_mib_model(tmp_path, fifo):
    cases = [
        ("/dev/zero", "not a regular file"),
        (fifo("model.yaml"), "not a regular file"),
        (tmp_path, "is a directory"),
        (big_file(tmp_path / "big.yaml"), f"over the {MAX_FILE_BYTES // 2**20} MiB limit"),
    ]
    for path, fragment in cases:
        result = run("validate", path)
        message = refused(result, str(path), fragment)
        assert len(message.strip().splitlines()) == 1, message
        assert result.seconds < 10


def test_evidence_validate_refuses_fifos_and_20_mib_files(tmp_path, fifo):
    for path, fragment in [
        (fifo("ev.yaml"), "not a regular file"),
        (fifo("ev.csv"), "not a regular file"),
        (big_file(tmp_path / "big.yaml"), "over the 16 MiB limit"),
        (big_file(tmp_path / "big.csv"), "over the 16 MiB limit"),
    ]:
        result = run("evidence", "validate", path, "--model", "example")
        refused(result, str(path), fragment)
        assert result.seconds < 10


def test_matrix_import_refuses_fifos_and_20_mib_tables(tmp_path, fifo):
    for path in (fifo("m.csv"), fifo("m.xlsx"), big_file(tmp_path / "big.csv"), big_file(tmp_path / "big.xlsx")):
        result = run("import", path, "-o", tmp_path / "out.yaml")
        refused(result, str(path))
        assert not (tmp_path / "out.yaml").exists()


def test_a_fifo_model_does_not_block_a_real_process(fifo):
    path = fifo("model.yaml")
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("scenarist")), "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert f"{path}: not a regular file" in proc.stderr and "Traceback" not in proc.stderr


def test_bytes_that_are_not_utf8_are_named_by_line_and_column(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes(EXAMPLE_MODEL.read_bytes().replace(b"title: ", b"title: caf\xe9 ", 1))
    line = next(i for i, t in enumerate(path.read_bytes().split(b"\n"), 1) if b"caf\xe9" in t)
    refused(run("validate", path), f"{path}:{line}:", "not UTF-8")


# -- 2. YAML: aliases bounded, repeated keys and control characters refused -----------------------------------------


def billion_laughs(levels: int = 9) -> str:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    previous = "a"
    for name in "bcdefghijk"[: levels - 1]:
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


@pytest.mark.parametrize("command", [("validate",), ("evidence", "validate", "--model", "example")])
def test_an_alias_bomb_is_refused_at_its_line_at_once(tmp_path, command):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    result = run(*command, path)
    message = refused(result, "aliases (*name) repeat more than", f"{MAX_ALIAS_NODES:,}")
    assert f"{path}:7:" in message  # 9^7 values: the first level past a million
    assert result.seconds < 10


def test_an_alias_to_its_own_parent_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("metadata: &m\n  id: x\n  again: *m\n", encoding="utf-8")
    refused(run("validate", path), f"{path}:3:", "repeats a node that contains it")


def test_a_few_aliases_still_read_as_the_value_they_repeat(tmp_path):
    text = EXAMPLE_MODEL.read_text(encoding="utf-8")
    text = text.replace("  authors: [Scenarist developers]", "  authors: &who [Scenarist developers]", 1)
    text = text.replace("    author: Scenarist developers", "    note: *who", 1)  # a list where text is expected
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    refused(run("validate", path), "sources[0].note: expected text, got a list")
    path.write_text(text.replace("note: *who", "author: developers"), encoding="utf-8")
    assert run("validate", path).exit_code == 0


@pytest.mark.parametrize(
    "old,new,key",
    [
        ("  title: ", "  title: first\n  title: ", "title"),  # block mapping
        ("scale: {min: -3, max: 3}", "scale: {min: -3, max: 3, min: -5}", "min"),  # flow mapping
        ("  provenance: required", "  provenance: required\n  1: x\n  '1': y", "1"),  # the same key once read
    ],
)
def test_a_repeated_key_is_refused_naming_the_key_and_both_lines(tmp_path, old, new, key):
    text = EXAMPLE_MODEL.read_text(encoding="utf-8").replace(old, new, 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    lines = [i for i, t in enumerate(text.splitlines(), 1) if t.lstrip().startswith((f"{key}:", f"'{key}':"))]
    flow = [i for i, t in enumerate(text.splitlines(), 1) if new.strip() in t]
    second = flow[0] if flow else lines[1]
    message = refused(run("validate", path), f"{path}:{second}:", f"the key {key!r} appears twice")
    assert "first at line" in message and "duplicate key" not in message


def test_a_repeated_key_in_an_evidence_item_is_refused(tmp_path):
    text = EXAMPLE_EVIDENCE.read_text(encoding="utf-8")
    text = text.replace("    status: report\n", "    status: report\n    status: claim\n", 1)
    path = tmp_path / "ev.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    status: claim") + 1
    refused(run("evidence", "validate", path, "--model", "example"), f"{path}:{line}:", "'status' appears twice")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x9b"])
def test_a_control_character_is_named_by_line_and_column(tmp_path, char):
    text = EXAMPLE_MODEL.read_text(encoding="utf-8").replace("  title: ", f"  title: ab{char}", 1)
    path = tmp_path / "ctl.yaml"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if char in t)
    column = text.splitlines()[line - 1].index(char) + 1
    refused(run("validate", path), f"{path}:{line}:{column}: control character U+{ord(char):04X}")


def test_control_characters_in_evidence_files_are_named_too(tmp_path):
    for suffix in ("yaml", "csv"):
        path = tmp_path / f"ev.{suffix}"
        path.write_text("id,date\nx\x07,2025-01-01\n", encoding="utf-8")
        refused(run("evidence", "validate", path, "--model", "example"), f"{path}:2:2: control character U+0007")


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("metadata:\n  <<: {id: x}\n", "merge keys (<<) are not accepted"),
        ("metadata: !thing {id: x}\n", "the tag !thing is not accepted"),
        ("metadata: !!binary aGVsbG8=\n", "the tag !!binary is not accepted"),
        ("metadata:\n  id: " + "9" * 5000 + "\n", "has too many digits"),
        ("metadata: " + "[" * 500 + "]" * 500 + "\n", "nested more than 100 levels deep"),
    ],
)
def test_yaml_features_no_file_needs_are_refused_with_a_line(tmp_path, text, fragment):
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    refused(run("validate", path), f"{path}:", fragment)


# -- 3. every pydantic message in our words -------------------------------------------------------------------------


class _Every(BaseModel):
    """A schema with one field of every kind our schemas use (model.py, evidence/items.py), plus the constraints a
    schema may add (bounds, lengths, patterns)."""

    model_config = ConfigDict(extra="forbid")
    text: str = "x"
    count: StrictInt = 0
    share: StrictFloat = 0.0
    flag: StrictBool = False
    items: tuple[str, ...] = ()
    names: list[str] = []
    table: dict[str, float] = {}
    day: dt.date = dt.date(2025, 1, 1)
    role: typing.Literal["catalyst", "outcome"] = "catalyst"
    grade: typing.Literal[1, 2, 3] = 1
    positive: float = Field(default=1.0, gt=0)
    at_most: int = Field(default=0, le=10)
    at_least: int = Field(default=0, ge=0)
    below: int = Field(default=0, lt=10)
    some: list[int] = Field(default=[1], min_length=1)
    few: list[int] = Field(default=[], max_length=2)
    ident: str = Field(default="a", min_length=1, max_length=5, pattern=r"^[a-z]+$")
    finite: float = Field(default=0.0, allow_inf_nan=False)
    required: str


def _errors(data: dict) -> list[dict]:
    with pytest.raises(ValidationError) as info:
        _Every.model_validate({"required": "r", **data})
    return info.value.errors()


@pytest.mark.parametrize(
    "data,kind,fragment",
    [
        ({"text": 3}, "string_type", "expected text, got 3 (put it in quotes"),
        ({"count": "3"}, "int_type", "expected an integer, got '3'"),
        ({"share": "x"}, "float_type", "expected a number, got 'x'"),
        ({"flag": 1}, "bool_type", "expected true or false, got 1"),
        ({"items": "abc"}, "tuple_type", "expected a list"),
        ({"names": {"a": 1}}, "list_type", "expected a list (one '- item' per line, or [a, b]), got a mapping"),
        ({"table": [1]}, "dict_type", "expected a mapping"),
        ({"day": "2025-02-30"}, "date_from_datetime_parsing", "not a valid date (expected YYYY-MM-DD, got"),
        ({"day": "2025-01-01T10:00:00"}, "date_from_datetime_inexact", "without a time of day"),
        ({"role": "bogus"}, "literal_error", "must be catalyst or outcome, got 'bogus'"),
        ({"grade": 7}, "literal_error", "must be 1, 2 or 3, got 7"),
        ({"positive": 0}, "greater_than", "must be greater than 0.0, got 0"),
        ({"at_most": 11}, "less_than_equal", "must be at most 10, got 11"),
        ({"at_least": -1}, "greater_than_equal", "must be at least 0, got -1"),
        ({"below": 10}, "less_than", "must be less than 10, got 10"),
        ({"some": []}, "too_short", "needs at least 1 item(s), got 0"),
        ({"few": [1, 2, 3]}, "too_long", "needs at most 2 item(s), got 3"),
        ({"ident": ""}, "string_too_short", "must not be empty"),
        ({"ident": "abcdefg"}, "string_too_long", "must be at most 5 characters long"),
        ({"ident": "A1"}, "string_pattern_mismatch", "'A1' does not have the expected form"),
        ({"finite": float("inf")}, "finite_number", "expected a finite number, got inf"),
        ({"colour": "red"}, "extra_forbidden", "unknown key"),
    ],
)
def test_each_pydantic_error_kind_has_a_message_of_ours(data, kind, fragment):
    (err,) = [e for e in _errors(data) if e["type"] == kind]
    message = pydantic_message(err)
    assert fragment in message, message
    assert "Input should" not in message and "should" not in message.split("(")[0]


def test_missing_and_custom_validator_messages():
    (err,) = _errors_missing()
    assert pydantic_message(err) == "missing required field"
    assert pydantic_message({"type": "value_error", "msg": "Value error, grade 'Z9' is not of the form B2"}) == (
        "grade 'Z9' is not of the form B2"
    )
    assert pydantic_message({"type": "assertion_error", "msg": "Assertion failed, x"}) == "x"


def _errors_missing() -> list[dict]:
    with pytest.raises(ValidationError) as info:
        _Every.model_validate({})
    return info.value.errors()


def test_every_pydantic_error_type_reads_as_our_sentence():
    from pydantic_core.core_schema import ErrorType

    for kind in typing.get_args(ErrorType):
        err = {"type": kind, "msg": "Input should be something pydantic says", "input": "x", "ctx": {}}
        message = pydantic_message(err)
        if kind in ("value_error", "assertion_error"):
            continue  # our own validators' text is passed on
        assert message and "Input should" not in message, (kind, message)
    assert "not accepted here" in pydantic_message({"type": "some_future_type", "input": 3, "msg": "Input should"})


@pytest.mark.parametrize(
    "old,new,field,fragment",
    [
        ("  id: example-trade", "  id: 3", "metadata.id", "expected text, got 3"),
        ("  authors: [Scenarist developers]", "  authors: Scenarist developers", "metadata.authors", "expected a list"),
        ("  scale: {min: -3, max: 3}", "  scale: [-3, 3]", "metadata.scale", "expected a mapping"),
        ("  provenance: required", "  provenance: sometimes", "metadata.provenance", "must be required or optional"),
        ("  as_of: 2025-01-01", "  as_of: 2025-01-01 10:30:00", "metadata.as_of", "without a time of day"),
    ],
)
def test_model_files_get_our_words_through_the_cli(tmp_path, old, new, field, fragment):
    text = EXAMPLE_MODEL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "m.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text.splitlines().index(old) + 1
    refused(run("validate", path), f"{path}:{line}: {field}: ", fragment)


@pytest.mark.parametrize(
    "old,new,fragment",
    [
        ("    date: 2024-12-05", "    date: 2024-12-05 10:00:00", "without a time of day"),
        ("    status: report", "    status: [report]", "must be confirmed, report, claim or leak, got a list"),
        ("    title: Forecasters expect steady growth", "    title: {a: 1}", "expected text, got a mapping"),
        ("    grade: {reliability: B, credibility: 2}", "    grade: Z9", "grade 'Z9' is not of the form B2"),
        ("  - id: ex-2024-12-outlook", "  - id: ex-2024-12-outlook\n    tags: solo", "expected a list"),
    ],
)
def test_evidence_files_get_our_words_through_the_cli(tmp_path, old, new, fragment):
    text = EXAMPLE_EVIDENCE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "ev.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    refused(run("evidence", "validate", path, "--model", "example"), f"{path}:", fragment)


# -- 5. evidence values within stated bounds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old,new,fragment",
    [
        ("{growth: 0.8, recession: 0.4}", "{growth: 0.8, recession: 5e-324}", "at most 1,000 times the smallest"),
        ("{growth: 0.8, recession: 0.4}", "{growth: 0.8, recession: 0.0007}", "a ratio of 1.14e+03"),
        ("    date: 2024-12-05", "    date: 9999-12-05", "date 9999-12-05 is outside 1900-01-01"),
        ("    date: 2024-12-05", "    date: 1850-12-05", "date 1850-12-05 is outside"),
        ("accessed: 2025-01-01}", "accessed: 9999-01-01}", "accessed 9999-01-01 is outside"),
        ("published: 2025-02-10}", "published: 2999-02-10}", "published 2999-02-10 is outside"),
    ],
)
def test_evidence_likelihoods_and_dates_are_bounded(tmp_path, old, new, fragment):
    text = EXAMPLE_EVIDENCE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "ev.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if new.strip() in t)
    refused(run("evidence", "validate", path, "--model", "example"), f"{path}:{line}:", fragment)


def test_a_likelihood_ratio_of_1000_is_accepted_and_tiny_values_with_a_small_ratio_too(tmp_path):
    text = EXAMPLE_EVIDENCE.read_text(encoding="utf-8")
    path = tmp_path / "ev.yaml"
    for vector in ("{growth: 1, recession: 0.001}", "{growth: 2e-300, recession: 1e-300}"):
        path.write_text(text.replace("{growth: 0.8, recession: 0.4}", vector, 1), encoding="utf-8")
        result = run("evidence", "validate", path, "--model", "example")
        assert result.exit_code == 0, result.stdout + result.stderr


def test_csv_evidence_is_bounded_the_same_way(tmp_path):
    from scenarist.evidence.files import dump_csv, load_evidence
    from scenarist.loading import load

    rows = dump_csv(load_evidence(EXAMPLE_EVIDENCE, load("example")).items).splitlines()
    path = tmp_path / "ev.csv"
    for old, new, fragment in [
        ("growth=0.8; recession=0.4", "growth=0.8; recession=5e-324", "at most 1,000 times the smallest"),
        (",2024-12-05,", ",9999-12-05,", "date 9999-12-05 is outside"),
    ]:
        assert old in rows[1]
        path.write_text("\n".join([rows[0], rows[1].replace(old, new)] + rows[2:]) + "\n", encoding="utf-8")
        refused(run("evidence", "validate", path, "--model", "example"), f"{path}:2:", fragment)


def test_a_contradicted_claim_date_is_bounded(tmp_path):
    text = EXAMPLE_EVIDENCE.read_text(encoding="utf-8")
    old = "    date: 2025-06-30\n    citation:"
    assert old in text
    text = text.replace(old, "    date: 2200-01-01\n    citation:", 1)
    path = tmp_path / "ev.yaml"
    path.write_text(text, encoding="utf-8")
    refused(run("evidence", "validate", path, "--model", "example"), "date 2200-01-01 is outside")


# -- 6. temporary files of killed writers are swept ----------------------------------------------------------------

_STUCK_WRITER = r"""
import os, sys, time
import scenarist.io.output as output

def stuck(fd):
    print("writing", flush=True)
    time.sleep(120)

os.fsync = stuck  # the data is in the temporary file; the rename never comes
output.write_atomic(sys.argv[1], "<html>" + "x" * 100_000)
"""


def test_a_writer_killed_mid_write_leaves_a_temporary_file_that_the_next_write_sweeps(tmp_path):
    target = tmp_path / "report.html"
    proc = subprocess.Popen([sys.executable, "-c", _STUCK_WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".report.html.") and left[0].endswith(TEMP_SUFFIX), left
    assert not target.exists()
    # the next write to the folder (any file, through the command line) removes it
    result = run("export", "example", "--to", "csv", "-o", tmp_path / "m.csv")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv"]


def test_sweep_keeps_live_writers_and_other_files_and_removes_old_ones(tmp_path):
    from scenarist.io.output import _host_tag

    live = tmp_path / f".a.html.abcd1234.{_host_tag()}-{os.getpid()}{TEMP_SUFFIX}"
    old = tmp_path / f".b.html.abcd1234.{_host_tag()}-{os.getpid()}{TEMP_SUFFIX}"
    elsewhere = tmp_path / f".c.html.abcd1234.00000000-1{TEMP_SUFFIX}"  # another machine's writer, recent
    mine = [tmp_path / ".hidden", tmp_path / f"notes{TEMP_SUFFIX}", tmp_path / "report.html"]
    for p in (live, old, elsewhere, *mine):
        p.write_text("x")
    hour_ago = time.time() - STALE_AFTER_SECONDS - 60
    os.utime(old, (hour_ago, hour_ago))
    removed = sweep_stale_temporaries(tmp_path)
    assert removed == [old]
    assert all(p.exists() for p in (live, elsewhere, *mine))
    write_atomic(tmp_path / "report.html", "new")
    assert (tmp_path / "report.html").read_text() == "new"
    later = sweep_stale_temporaries(tmp_path, now=time.time() + 2 * STALE_AFTER_SECONDS)
    assert set(later) == {live, elsewhere}
    assert all(p.exists() for p in mine)
