"""Output safety of every writer (``write_atomic``, ``check_output_path``) and of ``analyze --report``: a device,
directory or named pipe is never replaced, a symbolic link is written through, the file being read is never
overwritten, and messages name the user's path, never the temporary file's."""

from __future__ import annotations

import os
import re
import stat

import pytest

from scenarist.errors import InputFileError, OptionError
from scenarist.io.output import check_output_path, write_atomic
from scenarist.io.paths import packaged_models
from scenarist.io.yaml_model import load_model, save_model
from test_cli_analyze import assert_user_error, run

EXAMPLE = packaged_models()["example"]


# -- write_atomic ------------------------------------------------------------------------------------------------


def test_write_atomic_writes_and_replaces_keeping_the_mode(tmp_path):
    target = tmp_path / "out.txt"
    write_atomic(target, "first")
    os.chmod(target, 0o640)
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no temporary file left


def test_write_atomic_writes_through_a_symlink(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real.name)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == "real.txt"  # the link is kept ...
    assert real.read_text() == "new"  # ... and its target replaced
    # A dangling link: its target is created.
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to("made.txt")
    write_atomic(dangling, "x")
    assert dangling.is_symlink() and (tmp_path / "made.txt").read_text() == "x"


def test_write_atomic_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match=r"^is a named pipe \(FIFO\), not a regular file$"):
        write_atomic(fifo, "x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    with pytest.raises(InputFileError, match=r"^is a directory, not a regular file$"):
        write_atomic(tmp_path, "x")
    if os.path.exists("/dev/null"):
        with pytest.raises(InputFileError, match=r"^is a character device"):
            write_atomic("/dev/null", "x")
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    # Through a symbolic link too.
    link = tmp_path / "to-pipe"
    link.symlink_to(fifo)
    with pytest.raises(InputFileError, match="named pipe"):
        write_atomic(link, "x")


def test_write_errors_do_not_reveal_the_temporary_file(tmp_path):
    missing = tmp_path / "nowhere" / "x.yaml"
    with pytest.raises(InputFileError) as exc:
        write_atomic(missing, "x")
    assert str(exc.value) == f"directory {str(missing.parent)!r} does not exist"
    # Through save_model (as `import -o` uses it): the user's path once, no ".x.yaml.abc123" name.
    with pytest.raises(InputFileError) as exc:
        save_model(load_model(EXAMPLE), missing)
    assert str(exc.value) == f"{missing}: cannot write: directory {str(missing.parent)!r} does not exist"
    assert ".x.yaml." not in str(exc.value)


def test_write_failure_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "keep.txt"
    target.write_text("old")

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(InputFileError, match=r"^No space left on device$"):
        write_atomic(target, "new")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


# -- check_output_path -------------------------------------------------------------------------------------------


def test_check_output_path_refuses_inputs_by_any_spelling(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "m.yaml"
    model.write_text("x")
    (tmp_path / "link.yaml").symlink_to("m.yaml")
    os.link(model, tmp_path / "hard.yaml")
    for spelling in ("m.yaml", "./m.yaml", str(model), "link.yaml", "hard.yaml"):
        with pytest.raises(OptionError, match=r"is an input of this command \(m.yaml\); refusing to overwrite it"):
            check_output_path(spelling, inputs=["m.yaml"], option="-o")
    assert check_output_path("other.yaml", inputs=["m.yaml", None]) == tmp_path / "other.yaml"
    assert check_output_path("link.yaml") == model  # the file that would be replaced


def test_check_output_path_messages(tmp_path):
    with pytest.raises(OptionError, match=r"^--report: the file name is empty; give a file name$"):
        check_output_path("", option="--report")
    with pytest.raises(
        OptionError, match=rf"^--report {re.escape(str(tmp_path))}: is a directory, not a regular file$"
    ):
        check_output_path(tmp_path, option="--report")
    with pytest.raises(OptionError, match=r"directory .* does not exist"):
        check_output_path(tmp_path / "no" / "x.html")


# -- analyze --report --------------------------------------------------------------------------------------------


def test_report_over_the_model_is_refused(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_bytes(EXAMPLE.read_bytes())
    before = model.read_bytes()
    assert_user_error(run("analyze", str(model), "--report", str(model)), "refusing to overwrite it")
    link = tmp_path / "link.html"
    link.symlink_to(model)
    assert_user_error(run("analyze", str(model), "--report", str(link)), "refusing to overwrite it")
    assert model.read_bytes() == before
    assert run("validate", str(model)).exit_code == 0


def test_report_on_a_device_or_pipe_is_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert_user_error(run("analyze", str(EXAMPLE), "--report", str(fifo)), "named pipe (FIFO), not a regular file")
    if os.path.exists("/dev/full"):
        assert_user_error(run("analyze", str(EXAMPLE), "--report", "/dev/full"), "character device")
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_report_empty_name():
    result = run("analyze", str(EXAMPLE), "--report", "")
    assert_user_error(result, "--report: the file name is empty")
    assert "directory" not in result.stderr


def test_report_through_a_symlink(tmp_path):
    real = tmp_path / "real.html"
    real.write_text("old")
    link = tmp_path / "report.html"
    link.symlink_to(real.name)
    result = run("analyze", str(EXAMPLE), "--report", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert result.stderr.strip() == f"Wrote {link}: HTML report"
