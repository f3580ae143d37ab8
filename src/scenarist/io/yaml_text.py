"""YAML text: parse it into a tree that remembers line numbers, name a field's path and find its line, turn
pydantic errors into located problems, and write plain data back as readable YAML.

Shared by every YAML reader and writer (models, evidence files); knows nothing of what the files mean. Every file
is read the same guarded way: a regular file of at most 16 MiB of UTF-8 text, with no control characters, aliases
(``*name``) that repeat at most a million values in all, no merge keys, no custom tags and no key repeated within
one mapping (``docs/input-files.md``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from ..errors import InputFileError, Problem
from .paths import read_input_text


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


#: Characters YAML does not allow in a file (C0 controls other than tab, line feed and carriage return; DEL; C1
#: controls other than NEL; lone surrogates; U+FFFE and U+FFFF). Reported with their line and column.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
#: Deepest nesting of mappings and lists a YAML input may have (the model format needs about 6 levels); deeper
#: nesting is refused before Python's recursion limit turns it into a crash.
MAX_YAML_DEPTH = 100
#: Most values that aliases (``*name``) may add to a YAML input by repeating nodes (the flagship model adds about
#: 3,500); a file of 16 MiB holds at most some 8 million values, so aliases cannot make it much larger than that.
MAX_ALIAS_NODES = 1_000_000


def _shown(value: Any) -> str:
    """A value as the file spells it, short enough for a one-line message."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "a list"
    text = _yaml_text(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _one_of(expected: Any) -> str:
    """pydantic's ``"'a', 'b' or 'c'"`` (or a list of names) as our ``a, b or c``."""
    if isinstance(expected, (list, tuple)):
        names = [str(x) for x in expected]
    else:
        names = [x.strip().strip("'\"") for x in re.split(r",| or ", str(expected)) if x.strip()]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def _what(expected: str, got: Any) -> str:
    hint = ""
    if expected == "text" and isinstance(got, (bool, int, float)):
        hint = " (put it in quotes to make it text)"
    return f"expected {expected}, got {_shown(got)}{hint}"


#: What each pydantic type error expects, in the words of the file format.
_EXPECTED = {
    "string_type": "text",
    "string_unicode": "text",
    "str_type": "text",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer (no fraction)",
    "float_type": "a number",
    "float_parsing": "a number",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list (one '- item' per line, or [a, b])",
    "tuple_type": "a list (one '- item' per line, or [a, b])",
    "set_type": "a list (one '- item' per line, or [a, b])",
    "frozen_set_type": "a list (one '- item' per line, or [a, b])",
    "iterable_type": "a list (one '- item' per line, or [a, b])",
    "deque_type": "a list (one '- item' per line, or [a, b])",
    "dict_type": "a mapping (key: value lines, or {key: value})",
    "mapping_type": "a mapping (key: value lines, or {key: value})",
    "model_type": "a mapping (key: value lines, or {key: value})",
    "model_attributes_type": "a mapping (key: value lines, or {key: value})",
    "dataclass_type": "a mapping (key: value lines, or {key: value})",
    "typed_dict_type": "a mapping (key: value lines, or {key: value})",
    "time_type": "a time of day (HH:MM:SS)",
    "time_parsing": "a time of day (HH:MM:SS)",
    "time_delta_type": "a duration",
    "time_delta_parsing": "a duration",
    "url_type": "a web address",
    "url_parsing": "a web address",
    "url_syntax_violation": "a web address",
    "uuid_type": "a UUID",
    "uuid_parsing": "a UUID",
    "bytes_type": "text",
    "callable_type": "a function",
    "complex_type": "a number",
    "fraction_type": "a number",
}


def pydantic_message(err: dict) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in the project's words.

    Every error type a schema can produce gets a message that says what the field expects and what the file gave;
    a message of our own validators (``value_error``) is passed on without pydantic's ``"Value error, "`` prefix;
    an unknown type still reads as a sentence of ours, never as pydantic's ``"Input should ..."``.
    """
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind in ("missing", "missing_argument", "missing_keyword_only_argument", "missing_positional_only_argument"):
        return "missing required field"
    if kind in ("value_error", "assertion_error"):
        msg = str(err.get("msg", "invalid value"))
        for prefix in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(prefix)
        return msg
    if kind == "date_from_datetime_inexact":
        return f"not a valid date (expected YYYY-MM-DD without a time of day, got {_shown(got)})"
    if kind.startswith(("date_", "datetime_")) and not kind.endswith(("_past", "_future")):
        return f"not a valid date (expected YYYY-MM-DD, got {_shown(got)})"
    if kind in ("date_past", "datetime_past"):  # checked above the generic date branch by its suffix test
        return f"must be a date in the past, got {_shown(got)}"
    if kind in ("date_future", "datetime_future"):
        return f"must be a date in the future, got {_shown(got)}"
    if kind in _EXPECTED:
        return _what(_EXPECTED[kind], got)
    if kind == "int_parsing_size":
        return f"the integer {_shown(got)} is too large"
    if kind == "finite_number":
        return f"expected a finite number, got {_shown(got)}"
    bounds = {
        "greater_than": ("greater than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("at most", "le"),
        "multiple_of": ("a multiple of", "multiple_of"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {ctx.get(key, '?')}, got {_shown(got)}"
    if kind in ("too_short", "too_long"):
        n = ctx.get("min_length" if kind == "too_short" else "max_length", "?")
        actual = ctx.get("actual_length")
        has = f", got {actual}" if actual is not None else ""
        return f"needs {'at least' if kind == 'too_short' else 'at most'} {n} item(s){has}"
    if kind in ("string_too_short", "bytes_too_short"):
        n = ctx.get("min_length", 1)
        return "must not be empty" if n == 1 else f"must be at least {n} characters long"
    if kind in ("string_too_long", "bytes_too_long"):
        return f"must be at most {ctx.get('max_length', '?')} characters long"
    if kind == "string_pattern_mismatch":
        return f"{_shown(got)} does not have the expected form (pattern {ctx.get('pattern', '?')})"
    if kind == "string_not_ascii":
        return f"must be plain ASCII text, got {_shown(got)}"
    if kind in ("literal_error", "enum"):
        return f"must be {_one_of(ctx.get('expected', '?'))}, got {_shown(got)}"
    if kind == "union_tag_invalid":
        return (
            f"unknown {_one_of(ctx.get('discriminator', 'kind'))} {_shown(ctx.get('tag', got))} "
            f"(use one of: {ctx.get('expected_tags', '?')})"
        )
    if kind == "union_tag_not_found":
        return f"missing {_one_of(ctx.get('discriminator', 'kind'))}"
    if kind == "none_required":
        return f"must be left empty (null), got {_shown(got)}"
    if kind in ("recursion_loop", "recursion_depth_exceeded"):
        return "nested too deeply"
    if kind in ("set_item_not_hashable", "invalid_key"):
        return f"not a valid key: {_shown(got)}"
    if kind in ("is_instance_of", "is_subclass_of"):
        return f"not accepted here: {_shown(got)} (expected {ctx.get('class', 'another kind of value')})"
    return f"not accepted here: {_shown(got)} ({kind.replace('_', ' ') or 'invalid value'})"


_pydantic_message = pydantic_message  # the name earlier callers used


def _yaml_text(value: Any) -> str:
    """A value as the YAML file spells it, for messages (``true``, ``'3'``, ``2.5``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (int, float, str)):
        return repr(value)
    return repr(str(value))


class _Refused(Exception):
    """Something our YAML readers refuse (an alias, a repeated key, a custom tag), with where it is in the file."""

    def __init__(self, mark: Any, message: str):
        super().__init__(message)
        self.mark = mark
        self.message = message


class _Composer(Composer):
    """The composer, bounding what aliases (``*name``) expand to.

    An alias repeats a node defined elsewhere (the flagship model repeats a rationale and its citations that way);
    nested aliases multiply (the "billion laughs": ten aliases of ten aliases of ... expand to gigabytes from a
    few hundred bytes). Every alias adds the size of what it repeats, counted in nodes (scalars, lists, mappings);
    past :data:`MAX_ALIAS_NODES` added nodes, or at an alias to a node that contains it, reading stops.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        weights = self.__dict__.setdefault("_scenarist_weights", {})
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            node = super().compose_node(parent, index)
            size = weights.get(id(node))
            if size is None:
                raise _Refused(event.start_mark, f"the alias *{event.anchor} repeats a node that contains it")
            added = self.__dict__.get("_scenarist_added", 0) + size
            self.__dict__["_scenarist_added"] = added
            if added > MAX_ALIAS_NODES:
                raise _Refused(
                    event.start_mark,
                    f"aliases (*name) repeat more than {MAX_ALIAS_NODES:,} values in all (at *{event.anchor}); "
                    "write the values out, or repeat less",
                )
            return node
        node = super().compose_node(parent, index)
        value = node.value
        if isinstance(value, list):
            size = 1
            for child in value:
                for sub in child if isinstance(child, tuple) else (child,):
                    size += weights.get(id(sub), 1)
        else:
            size = 1
        weights[id(node)] = size
        return node


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that leaves timestamps as text and refuses what our files never need.

    ruamel would build ``datetime.date`` objects itself and raise a bare ``ValueError`` (no file, no line) on an
    impossible date such as 2025-02-30; as text, the value reaches the schema, which reports it with its line.
    A key given twice in one mapping (``a: 1`` then ``a: 2``, or ``1:`` and ``"1":``), merge keys (``<<:``), custom
    tags (``!thing``) and the tags for binary data, sets and ordered maps are refused with their line.
    """

    def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any) -> bool:
        text = str(key)
        seen = self._keys_seen.setdefault(id(node), {})
        if text in seen:
            raise _Refused(
                key_node.start_mark,
                f"the key {text!r} appears twice in one mapping (first at line {seen[text] + 1}); "
                "keep one of them (a repeated key would silently replace the first value)",
            )
        seen[text] = key_node.start_mark.line
        return super().check_mapping_key(node, key_node, mapping, key, value)

    @property
    def _keys_seen(self) -> dict:
        store = self.__dict__.get("_scenarist_keys")
        if store is None:
            store = self.__dict__["_scenarist_keys"] = {}
        return store

    def flatten_mapping(self, node: Any) -> Any:
        for key_node, _ in node.value:
            if _tag(key_node) == "!!merge":
                raise _Refused(
                    key_node.start_mark, "merge keys (<<) are not accepted; write the keys out in the mapping itself"
                )
        return super().flatten_mapping(node)

    def construct_yaml_int(self, node: Any) -> Any:
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise _Refused(node.start_mark, f"the number {node.value[:20]}... has too many digits") from None

    def construct_refused(self, node: Any) -> Any:
        raise _Refused(
            node.start_mark,
            f"the tag {_tag(node)!s} is not accepted; Scenarist files hold plain text, numbers, true/false, "
            "dates, lists and mappings",
        )


def _tag(node: Any) -> str:
    tag = getattr(node, "tag", None)
    return str(getattr(tag, "value", tag)).replace("tag:yaml.org,2002:", "!!")


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)
_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
for _name in ("binary", "omap", "pairs", "set"):
    _Constructor.add_constructor(f"tag:yaml.org,2002:{_name}", _Constructor.construct_refused)
_Constructor.add_constructor(None, _Constructor.construct_refused)
_TextDates = _Constructor  # the name earlier callers used


def _check_characters(text: str, name: str) -> None:
    """Refuse characters YAML does not allow, naming the first one's line and column."""
    bad = _FORBIDDEN_CHARS.search(text)
    if bad is None:
        return
    before = text[: bad.start()]
    line = before.count("\n") + 1
    column = bad.start() - (before.rfind("\n") + 1) + 1
    code = ord(bad.group())
    raise InputFileError(
        f"{name}:{line}:{column}: control character U+{code:04X} is not allowed in a YAML file "
        "(only tab, line feed and carriage return are); remove it"
    )


def read_yaml(path: str | os.PathLike, text: str | None = None, what: str = "YAML file") -> Any:
    """Parse a YAML file into a ruamel round-trip tree (keeps line numbers).

    The file is read with :func:`~scenarist.io.paths.read_input_text`: a regular file of at most 16 MiB of UTF-8
    text. Dates and timestamps stay text (``"2025-01-01"``); the pydantic schema turns them into dates and reports
    an impossible one (``2025-02-30``) at its line.

    Parameters
    ----------
    path : path
        The file (with ``text``, only its name, for messages).
    text : str, optional
        YAML text to parse instead of reading ``path``.
    what : str
        What the file should be (``"model"``, ``"evidence file"``), for messages.

    Raises
    ------
    InputFileError
        Missing, unreadable, not a regular file, over 16 MiB or not UTF-8; a control character (line and column);
        malformed YAML, aliases that repeat more than :data:`MAX_ALIAS_NODES` values, a merge key, a custom tag, a key repeated in one mapping or nesting deeper than
        :data:`MAX_YAML_DEPTH` (with the line).
    """
    name = str(path)
    if text is None:
        text = read_input_text(path, what)
    _check_characters(text, name)
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.Composer = _Composer
    yaml.max_depth = MAX_YAML_DEPTH
    try:
        return yaml.load(text)
    except _Refused as exc:
        raise InputFileError(f"{name}:{exc.mark.line + 1}: {exc.message}") from None
    except MaxDepthExceededError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InputFileError(f"{name}{line}: nested more than {MAX_YAML_DEPTH} levels deep") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        what_ = exc.problem or exc.context or "malformed YAML"
        raise InputFileError(f"{name}{line}: malformed YAML: {what_}") from None
    except YAMLError as exc:
        raise InputFileError(f"{name}: malformed YAML: {exc}") from None
    except RecursionError:
        raise InputFileError(f"{name}: nested too deeply to read") from None


def problems_from_validation(exc: ValidationError, tree: Any, name: str) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into located :class:`Problem` s (one per error)."""
    out = []
    for err in exc.errors():
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x[:1].isupper()))
        out.append(Problem(name, line_of(tree, loc), field_name(loc), pydantic_message(err)))
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
