"""YAML text: parse it into a tree that remembers line numbers, name a field's path and find its line, turn
pydantic errors into located problems, and write plain data back as readable YAML.

Shared by every YAML reader and writer (models, evidence files); knows nothing of what the files mean.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import InputFileError, Problem


def plain(node: Any) -> Any:
    """ruamel's round-trip containers and scalars → plain dicts, lists, str, int, float, bool, date."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
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


def dump_yaml(data: Any) -> str:
    """YAML text for plain data (dicts in their given order, block style, UTF-8), leaving out ``None`` and
    empty containers so written files stay readable. Shared by every YAML writer (models, evidence files)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[attr-defined]
    yaml.width = 110
    yaml.allow_unicode = True
    buf = io.StringIO()
    yaml.dump(prune(data), buf)
    return buf.getvalue()


def prune(node: Any) -> Any:
    # Leave out None and empty containers; tuples become lists (YAML has no tuples).
    if isinstance(node, dict):
        return {k: prune(v) for k, v in node.items() if v not in (None, (), [], {})}
    if isinstance(node, (list, tuple)):
        return [prune(v) for v in node]
    return node
