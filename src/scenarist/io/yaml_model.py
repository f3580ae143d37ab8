"""Read and write Scenarist YAML models, reporting every problem with its file, line and field.

Reading goes: YAML text → ruamel round-trip tree (which remembers line numbers) → plain Python → pydantic
:class:`~scenarist.model.Model` → :func:`~scenarist.model.check_model`. All problems from the last two steps are
collected and raised together as one :class:`~scenarist.errors.ModelError`.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import InputFileError, ModelError, OptionError, Problem, UnknownNameError
from ..model import Model, check_model

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


def _plain(node: Any) -> Any:
    """ruamel's round-trip containers and scalars → plain dicts, lists, str, int, float, bool, date."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, (dt.date, dt.datetime)):
        return node
    return node


def line_of(tree: Any, path: tuple) -> int | None:
    """1-based line of the deepest node along ``path`` in a ruamel round-trip tree (``None`` if unknown)."""
    line = None
    node = tree
    for key in path:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
                line = node.lc.item(key)[0] + 1
                node = node[key]
            else:
                break
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    if line is None and isinstance(tree, (CommentedMap, CommentedSeq)):
        line = tree.lc.line + 1
    return line


def field_name(path: tuple) -> str:
    """Format a path as ``judgments[3].score``."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += ("." if out else "") + str(key)
    return out


def _pydantic_message(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing required field"
    if kind.startswith("date_"):
        return f"not a valid date (expected YYYY-MM-DD, got {_yaml_text(err.get('input'))})"
    expected = {"int_type": "an integer", "float_type": "a number", "bool_type": "true or false"}.get(kind)
    if expected:
        return f"expected {expected}, got {_yaml_text(err.get('input'))}"
    return err.get("msg", "invalid value")


def _yaml_text(value: Any) -> str:
    """A value as the YAML file spells it, for messages (``true``, ``'3'``, ``2.5``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value)


class _TextDates(RoundTripConstructor):
    """Round-trip constructor that leaves timestamps as text.

    ruamel would build ``datetime.date`` objects itself and raise a bare ``ValueError`` (no file, no line) on an
    impossible date such as 2025-02-30; as text, the value reaches the schema, which reports it with its line.
    """


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", _TextDates.construct_yaml_str)


def read_yaml(path: str | os.PathLike, text: str | None = None) -> Any:
    """Parse a YAML file into a ruamel round-trip tree (keeps line numbers).

    Dates and timestamps stay text (``"2025-01-01"``); the pydantic schema turns them into dates and reports an
    impossible one (``2025-02-30``) at its line.

    Raises
    ------
    InputFileError
        Missing or unreadable file, or malformed YAML (with the line where parsing failed).
    """
    name = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputFileError(f"{name}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputFileError(f"{name}: cannot read: {exc}") from None
    yaml = YAML(typ="rt")
    yaml.Constructor = _TextDates
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        what = exc.problem or exc.context or "malformed YAML"
        raise InputFileError(f"{name}{line}: malformed YAML: {what}") from None
    except YAMLError as exc:
        raise InputFileError(f"{name}: malformed YAML: {exc}") from None


def problems_from_validation(exc: ValidationError, tree: Any, name: str) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into located :class:`Problem` s (one per error)."""
    out = []
    for err in exc.errors():
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x[:1].isupper()))
        out.append(Problem(name, line_of(tree, loc), field_name(loc), _pydantic_message(err)))
    return out


#: Lists whose malformed items can be left out to check the rest: nothing else refers to their items by id.
_DROPPABLE = ("judgments", "actors", "reference_scenarios", "indicators")


def _cross_field_problems_of_rest(exc: ValidationError, tree: Any, name: str) -> list[Problem]:
    """Cross-field problems of the parts that do parse, when that is cheap and cannot mislead.

    Items of :data:`_DROPPABLE` lists with shape errors are left out and the rest is checked; when the shape errors
    lie elsewhere (metadata, descriptors, sources, ...), leaving them out would invent "unknown id" problems, so
    nothing is added. Paths are mapped back to the file's own item numbers.
    """
    bad: dict[str, set[int]] = {}
    for err in exc.errors():
        loc = err["loc"]
        if len(loc) < 2 or loc[0] not in _DROPPABLE or not isinstance(loc[1], int):
            return []
        bad.setdefault(str(loc[0]), set()).add(loc[1])
    data = _plain(tree)
    kept: dict[str, list[int]] = {}
    for key, drop in bad.items():
        kept[key] = [i for i in range(len(data[key])) if i not in drop]
        data[key] = [data[key][i] for i in kept[key]]
    try:
        rest = Model.model_validate(data)
    except ValidationError:
        return []
    out = []
    for path, message in check_model(rest):
        if len(path) >= 2 and path[0] in kept and isinstance(path[1], int):
            path = (path[0], kept[path[0]][path[1]], *path[2:])
        out.append(Problem(name, line_of(tree, path), field_name(path), message))
    return out


#: Files users mistake for models, by suffix: what each is and which command reads it.
_NOT_A_MODEL = {
    ".sl": "a ScenarioWizard solution list (the scenarios a search found), not a model; give the .scw model it "
           "came from, or a YAML model (scenarist export --to sl writes solution lists)",
    **{suffix: "a cross-impact matrix table, not a model; turn it into one with scenarist import FILE -o MODEL.yaml "
               "(or use the .scw/.yaml model it was exported from)" for suffix in (".csv", ".tsv", ".xlsx")},
}


def load_model(model: str | os.PathLike | None = None, text: str | None = None) -> Model:
    """Load and fully check a model.

    Parameters
    ----------
    model : path, packaged model name, or None
        See :func:`resolve_model_path`. A ``.scw`` file is imported from ScenarioWizard.
    text : str, optional
        YAML text to parse instead of reading the file (``model`` then only names it in messages).

    Returns
    -------
    Model
        The validated model.

    Raises
    ------
    InputFileError
        Missing file or malformed YAML.
    ModelError
        Schema or cross-field problems; ``.problems`` lists all of them with file, line and field.
    """
    if text is None:
        path = resolve_model_path(model)
        if path.suffix.lower() == ".scw":
            from .scw import import_scw  # local: keeps YAML users free of the ScenarioWizard reader

            return import_scw(path)
        name = str(model) if model is not None and Path(model).exists() else str(path)
        not_a_model = _NOT_A_MODEL.get(path.suffix.lower())
        if not_a_model:
            raise InputFileError(f"{name}: {not_a_model}")
    else:
        name = str(model or "<string>")
    tree = read_yaml(name if text is None else name, text)
    if tree is None:
        raise ModelError([Problem(name, 1, "", "the file is empty; a model needs at least metadata: and descriptors:")])
    if not isinstance(tree, dict):
        raise ModelError([Problem(name, 1, "", "a model file must be a YAML mapping (metadata:, descriptors:, ...)")])
    try:
        parsed = Model.model_validate(_plain(tree))
    except ValidationError as exc:
        shape = problems_from_validation(exc, tree, name)
        rest = _cross_field_problems_of_rest(exc, tree, name)
        raise ModelError(sorted(shape + rest, key=lambda p: p.line or 0) if rest else shape) from None
    problems = [Problem(name, line_of(tree, p), field_name(p), m) for p, m in check_model(parsed)]
    if problems:
        raise ModelError(problems)
    return parsed


def dump_model(model: Model) -> str:
    """Serialise a model to YAML text in the file format (``from`` keys, no empty optional fields)."""
    return dump_yaml(model.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=False))


def dump_yaml(data: Any) -> str:
    """YAML text for plain data (dicts in their given order, block style, UTF-8), leaving out ``None`` and
    empty containers so written files stay readable. Shared by every YAML writer (models, evidence files)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[attr-defined]
    yaml.width = 110
    yaml.allow_unicode = True
    buf = io.StringIO()
    yaml.dump(_prune(data), buf)
    return buf.getvalue()


def _prune(node: Any) -> Any:
    # Leave out None and empty containers; tuples become lists (YAML has no tuples).
    if isinstance(node, dict):
        return {k: _prune(v) for k, v in node.items() if v not in (None, (), [], {})}
    if isinstance(node, (list, tuple)):
        return [_prune(v) for v in node]
    return node


_UMASK = os.umask(0o022)  # read the process umask once (set it back at once)
os.umask(_UMASK)


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
    >>> check_output_path("model.yaml", inputs=["model.yaml"], option="--report")  # doctest: +SKIP
    Traceback (most recent call last):
    scenarist.errors.OptionError: --report model.yaml: is an input of this command; refusing to overwrite it
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
    are kept; a new file gets those ``open()`` would give it.

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
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
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


def save_model(model: Model, path: str | os.PathLike) -> None:
    """Write a model as YAML to ``path`` atomically.

    Raises
    ------
    InputFileError
        When the target directory does not exist or is not writable.
    """
    try:
        write_atomic(path, dump_model(model))
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write: {exc}") from None


__all__ = [
    "FLAGSHIP",
    "EXAMPLE",
    "UnknownNameError",
    "check_output_path",
    "default_model_name",
    "dump_model",
    "field_name",
    "line_of",
    "load_model",
    "output_target",
    "packaged_models",
    "problems_from_validation",
    "read_yaml",
    "resolve_model_path",
    "save_model",
    "write_atomic",
]
