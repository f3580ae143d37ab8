"""Where models are: files given by path, and the models packaged with Scenarist (by name)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from ..errors import InputFileError

#: Packaged model used when a command is given none.
FLAGSHIP = "iran-russia-pezeshkian"
EXAMPLE = "example"


def packaged_models() -> dict[str, Path]:
    """Models shipped inside the package, by name (file stem) → path. Works from a checkout and an install."""
    out: dict[str, Path] = {}
    root = resources.files("scenarist") / "models"
    for entry in root.iterdir():
        if entry.name.endswith((".yaml", ".yml")):
            out[entry.name.rsplit(".", 1)[0]] = Path(str(entry))
    return out


def default_model_name() -> str:
    """The flagship when it is packaged, otherwise the small example model."""
    return FLAGSHIP if FLAGSHIP in packaged_models() else EXAMPLE


def resolve_model_path(model: str | os.PathLike | None) -> Path:
    """Turn a command's MODEL argument into a file path.

    ``None`` gives the default packaged model; an existing path is used as it is; a bare name such as
    ``example`` or ``iran-russia-pezeshkian`` picks a packaged model.

    Raises
    ------
    InputFileError
        When no file and no packaged model has that name.
    """
    if model is None:
        return packaged_models()[default_model_name()]
    p = Path(model)
    if p.exists():
        return p
    packaged = packaged_models()
    if str(model) in packaged:
        return packaged[str(model)]
    names = ", ".join(sorted(packaged))
    raise InputFileError(f"{model}: no such file (packaged models: {names})")


#: Largest input file any reader accepts (models, ScenarioWizard files, matrices, evidence, solution lists). The
#: flagship YAML is about 0.2 MiB; 16 MiB leaves room for models 50 times its size and keeps a mistaken
#: ``/dev/zero`` or a log file from being read into memory.
MAX_FILE_BYTES = 16 * 1024 * 1024


def read_input_bytes(path: str | os.PathLike, what: str = "file") -> bytes:
    """The bytes of an input file, refusing what is not a regular file or is larger than :data:`MAX_FILE_BYTES`.

    The file is opened without blocking (a FIFO given by mistake does not hang the reader) and checked with
    ``fstat`` on the open descriptor, so it cannot be swapped between the check and the read; at most
    ``MAX_FILE_BYTES + 1`` bytes are read even when the size the system reports is wrong (``/proc`` files).

    Parameters
    ----------
    path : str or path-like
        The file as the user gave it; messages name it so.
    what : str
        What the file should be (``"model"``, ``"evidence file"``), for messages.

    Raises
    ------
    InputFileError
        No such file, a directory, device, FIFO or socket, unreadable, or over 16 MiB.
    """
    import stat

    name = str(path)
    a_what = f"{'an' if what[:1].lower() in 'aeiou' else 'a'} {what}"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputFileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{name}: is a directory, not {a_what}") from None
    except OSError as exc:
        raise InputFileError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputFileError(f"{name}: is a directory, not {a_what}")
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(f"{name}: not a regular file (a device, FIFO or socket); give {a_what} on disk")
        limit = MAX_FILE_BYTES
        if info.st_size > limit:
            raise InputFileError(f"{name}: {info.st_size:,} bytes, over the {limit // 2**20} MiB limit for {a_what}")
        chunks, size = [], 0
        while size <= limit:
            try:
                chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            except OSError as exc:
                raise InputFileError(f"{name}: cannot read: {exc.strerror or exc}") from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise InputFileError(f"{name}: over the {limit // 2**20} MiB limit for {a_what}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def decode_text(data: bytes, name: str, encoding: str = "utf-8") -> str:
    """``data`` decoded, or an :class:`InputFileError` naming the line and column of the first bad byte.

    Raises
    ------
    InputFileError
        The bytes are not valid in ``encoding`` (``utf-8`` or ``utf-8-sig``).
    """
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputFileError(
            f"{name}:{line}:{column}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def read_input_text(path: str | os.PathLike, what: str = "file", encoding: str = "utf-8") -> str:
    """The text of an input file: :func:`read_input_bytes` then :func:`decode_text`.

    Raises
    ------
    InputFileError
        As :func:`read_input_bytes`, or bytes that are not valid ``encoding`` (line and column named).
    """
    return decode_text(read_input_bytes(path, what), str(path), encoding)
