"""Writing output files safely: check a path before any work, never overwrite an input, and write all at once
(a temporary file renamed over the target) so that no half-written file is left behind.

A writer killed between creating its temporary file and the rename (``kill -9``, a power cut) leaves the temporary
file behind. Temporary files are named so they can be recognised
(``.report.html.<random>.<host>-<pid>.scenarist-tmp``) and the next write to the same folder removes the stale ones:
those whose writer process on this machine is gone, and any older than :data:`STALE_AFTER_SECONDS`.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from ..errors import InputFileError, OptionError

_UMASK = os.umask(0o022)  # read the process umask once (set it back at once)
os.umask(_UMASK)


#: Suffix of every temporary file :func:`write_atomic` creates; nothing else in a folder is ever swept.
TEMP_SUFFIX = ".scenarist-tmp"
#: A temporary file older than this is stale whoever wrote it (a writer on another machine sharing the folder, or a
#: process id reused since): no single write takes an hour.
STALE_AFTER_SECONDS = 3600
_TEMP_NAME = re.compile(r"^\..*\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)" + re.escape(TEMP_SUFFIX) + "$")


def _host_tag() -> str:
    """Eight hex digits naming this machine in temporary file names (a process id means nothing elsewhere)."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else (or cannot tell: keep the file)
    return True


def sweep_stale_temporaries(folder: str | os.PathLike, now: float | None = None) -> list[Path]:
    """Remove the temporary files that interrupted writes left in ``folder``; return the ones removed.

    Only files named as :func:`write_atomic` names its temporary files are considered (a dot, the target's name,
    a random part, ``<host>-<pid>`` and :data:`TEMP_SUFFIX`). One is stale when its writer ran on this machine and
    that process no longer exists, or when it is older than :data:`STALE_AFTER_SECONDS`. Errors (a file removed by
    someone else meanwhile, no permission) are ignored: sweeping never stops a write.
    """
    now = time.time() if now is None else now
    here = _host_tag()
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            gone = match["host"] == here and not _pid_alive(int(match["pid"]))
            if gone or now - info.st_mtime > STALE_AFTER_SECONDS:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def output_target(path: str | os.PathLike) -> Path:
    """The file a write to ``path`` replaces: ``path`` itself, or where its chain of symbolic links ends.

    Writing replaces that file and leaves the links in place (as ``open(path, "w")`` would).
    """
    return Path(os.path.realpath(path))


def _not_regular(mode: int) -> str | None:
    """What a file of this ``st_mode`` is when it is not a regular file (for messages), else ``None``."""
    if stat.S_ISREG(mode):
        return None
    for test, what in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return what
    return "something else"


def _write_problem(target: Path) -> str | None:
    """Why ``target`` (symbolic links already followed) cannot be written as a file, or ``None``."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():
            return f"directory {str(target.parent)!r} does not exist"
        return None
    except OSError as exc:
        return exc.strerror or str(exc)
    what = _not_regular(st.st_mode)
    return f"is {what}, not a regular file" if what else None


def check_output_path(
    path: str | os.PathLike,
    inputs: Iterable[str | os.PathLike | None] = (),
    option: str | None = None,
) -> Path:
    """Check, before any work, that an output file may be written at ``path``; return the file it will replace.

    Every command that writes a file calls this on its output path first (``analyze --report``, ``import -o``,
    ``export -o``, ...), so a mistake is reported before a long computation and nothing is overwritten by accident.
    :func:`write_atomic` checks the same again when it writes.

    Parameters
    ----------
    path : str or path-like
        The output path as the user gave it. A symbolic link is followed: its target is the file written.
    inputs : iterable of path-like or None
        Files the command reads (``None`` entries are skipped). Writing over one of them is refused, whatever the
        spelling (relative path, symbolic link, hard link).
    option : str, optional
        The option that gave ``path`` (e.g. ``"--report"``), to name it in messages.

    Returns
    -------
    pathlib.Path
        The absolute path of the file that will be (re)written (``path`` with symbolic links followed).

    Raises
    ------
    OptionError
        ``path`` is empty; it is (or links to) something other than a regular file (a directory, a device, a named
        pipe, a socket); its directory does not exist; or it is one of ``inputs``.

    Examples
    --------
    Writing the report over the model it was computed from is refused (the packaged example model stands in
    for any existing file; nothing is written):

    >>> from scenarist.io.paths import packaged_models
    >>> model = packaged_models()["example"]
    >>> check_output_path(model, inputs=[model], option="--report")
    Traceback (most recent call last):
    scenarist.errors.OptionError: --report .../example.yaml: is an input of this command (...); refusing to overwrite it

    A directory is not a file:

    >>> check_output_path(model.parent, option="-o")
    Traceback (most recent call last):
    scenarist.errors.OptionError: -o ...: is a directory, not a regular file
    """
    label = f"{option} {path}" if option else str(path)
    if str(path) == "":
        raise OptionError(f"{option or 'output'}: the file name is empty; give a file name")
    target = output_target(path)
    problem = _write_problem(target)
    if problem:
        raise OptionError(f"{label}: {problem}")
    if target.exists():
        for item in inputs:
            if item is None or str(item) == "":
                continue
            try:
                same = os.path.samefile(target, item)
            except OSError:
                same = False
            if same:
                raise OptionError(f"{label}: is an input of this command ({item}); refusing to overwrite it")
    return target


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write a file all at once, so that no half-written file is ever left behind.

    The data goes to a temporary file in the same directory, which then replaces the target in one rename. A
    symbolic link is written through: its target is replaced and the link kept. The replaced file's permissions
    are kept; a new file gets those ``open()`` would give it. Temporary files that earlier writes to the same
    directory left behind when they were killed are removed first (:func:`sweep_stale_temporaries`).

    Parameters
    ----------
    path : str or path-like
    data : str or bytes
        Text is written as UTF-8.

    Raises
    ------
    InputFileError
        (an ``OSError``) The target is not a regular file (a directory, a device, a named pipe), its directory does
        not exist, or writing failed (no space, no permission). The message gives the reason only, never the
        temporary file's name; callers prefix the path (``f"{path}: cannot write: {exc}"``).

    See Also
    --------
    check_output_path : the same checks before any work, plus refusing to overwrite an input file.
    """
    target = output_target(path)
    problem = _write_problem(target)
    if problem:
        raise InputFileError(problem)
    mode = "wb" if isinstance(data, bytes) else "w"
    sweep_stale_temporaries(target.parent)
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name[:100]}.", suffix=f".{_host_tag()}-{os.getpid()}{TEMP_SUFFIX}", dir=target.parent
        )
    except OSError as exc:
        raise InputFileError(exc.strerror or "cannot create a file in that directory") from None
    try:
        # mkstemp creates 0600; give the file the mode a plain open() would (or keep the replaced file's).
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_UMASK)
        with os.fdopen(fd, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, InputFileError):
            raise InputFileError(exc.strerror or type(exc).__name__) from None
        raise
