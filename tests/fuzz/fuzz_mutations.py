"""Hypothesis strategies that damage valid seed files: byte flips, line deletions and duplications, splices,
numbers replaced by extreme values, control characters, invalid UTF-8 and YAML tricks (anchors, aliases, merge keys,
tags, repeated keys, deep nesting, alias bombs)."""

from __future__ import annotations

import re

from hypothesis import strategies as st

#: Numbers (and near-numbers) that break naive parsing and arithmetic.
EXTREMES: tuple[bytes, ...] = (
    b"99999999999999999999",
    b"-99999999999999999999",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775809",
    b"18446744073709551616",
    b"2147483647",
    b"2147483648",
    b"-2147483649",
    b"4611686018427387904",
    b"1e308",
    b"-1e308",
    b"1e309",
    b"1e300",
    b"10^25",
    b"5e-324",
    b"1e-400",
    b"-0",
    b"-0.0",
    b"0",
    b"nan",
    b"NaN",
    b".nan",
    b"inf",
    b"-inf",
    b".inf",
    b"-.inf",
    b"Infinity",
    b"1.5",
    b"2.0",
    b"2,0",
    b"+3",
    b"\xe2\x88\x922",  # typographic minus
    b"0x10",
    b"0o17",
    b"1_000",
    b"",
    b" ",
    b"1" * 5000,
    b"9999-12-31",
    b"0000-01-01",
    b"2025-02-30",
    b"2025-01-01T25:00:00",
)

#: Bytes that trouble text decoders and line-based readers.
NASTY_BYTES: tuple[bytes, ...] = (
    b"\x00",
    b"\x01",
    b"\x07",
    b"\x0b",
    b"\x0c",
    b"\x1b[31m",
    b"\x7f",
    b"\x85",
    b"\xc2\x85",  # NEL
    b"\xe2\x80\xa8",  # LINE SEPARATOR
    b"\xef\xbb\xbf",  # BOM
    b"\xff\xfe",
    b"\xc3\x28",  # invalid UTF-8
    b"\xed\xa0\x80",  # a surrogate in UTF-8
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\x80",
    b"\r",
    b"\r\n",
    b"\t",
    b'"',
    b"'",
    b";",
    b",",
    b"#",
    b"&",
    b"\\",
    b"\xe2\x80\xae",  # RIGHT-TO-LEFT OVERRIDE
)

#: YAML constructs inserted as whole lines or values.
YAML_TRICKS: tuple[bytes, ...] = (
    b"x: &a [1, 2, 3]",
    b"y: *a",
    b"<<: *a",
    b"<<: {id: merged}",
    b"? [complex, key]\n: value",
    b"!!python/object/apply:os.system ['true']",
    b"!!binary aGVsbG8=",
    b"!!timestamp 9999-12-31",
    b"!!int 99999999999999999999",
    b"!!float nan",
    b"!!set {a, b}",
    b"!!omap [a: 1, b: 2]",
    b"%YAML 1.1\n---",
    b"---\nsecond: document",
    b"...",
    b"[" * 200 + b"]" * 200,
    b"{" * 200 + b"}" * 200,
    b"key: |\n  block\n  text",
    b"key: >-\n  folded",
    b"*undefined_alias",
    b"&anchor_only",
    b"\t- tab indented",
    b"id: duplicated\nid: twice",
    b"null: ~",
    b"yes: no",
    b"on: off",
    b"2025-01-01: date key",
)


def alias_bomb(levels: int, width: int) -> bytes:
    """A 'billion laughs' YAML document: ``width ** levels`` leaves from a few hundred bytes."""
    lines = [b'a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        refs = b", ".join([b"*a%d" % (i - 1)] * width)
        lines.append(b"a%d: &a%d [%s]" % (i, i, refs))
    lines.append(b"metadata: *a%d" % levels)
    return b"\n".join(lines) + b"\n"


_NUMBER = re.compile(rb"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")


def _lines(data: bytearray) -> list[bytes]:
    return bytes(data).split(b"\n")


def _op_flip(draw, data: bytearray, _seeds) -> bytearray:
    if not data:
        return data
    i = draw(st.integers(0, len(data) - 1))
    data[i] = draw(st.integers(0, 255))
    return data


def _op_delete_line(draw, data, _seeds):
    lines = _lines(data)
    if len(lines) < 2:
        return data
    i = draw(st.integers(0, len(lines) - 1))
    del lines[i]
    return bytearray(b"\n".join(lines))


def _op_duplicate_line(draw, data, _seeds):
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    times = draw(st.sampled_from([1, 1, 1, 2, 50]))
    lines[i:i] = [lines[i]] * times
    return bytearray(b"\n".join(lines))


def _op_swap_lines(draw, data, _seeds):
    lines = _lines(data)
    if len(lines) < 2:
        return data
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return bytearray(b"\n".join(lines))


def _op_splice(draw, data, seeds):
    other = seeds[draw(st.integers(0, len(seeds) - 1))]
    if not other:
        return data
    a = draw(st.integers(0, len(other) - 1))
    b = draw(st.integers(a, min(len(other), a + 400)))
    at = draw(st.integers(0, len(data)))
    return bytearray(bytes(data[:at]) + other[a:b] + bytes(data[at:]))


def _op_number(draw, data, _seeds):
    found = list(_NUMBER.finditer(bytes(data)))
    if not found:
        return data
    m = draw(st.sampled_from(found))
    new = draw(st.sampled_from(EXTREMES))
    return bytearray(bytes(data[: m.start()]) + new + bytes(data[m.end() :]))


def _op_insert(draw, data, _seeds):
    at = draw(st.integers(0, len(data)))
    new = draw(st.one_of(st.sampled_from(NASTY_BYTES), st.binary(min_size=1, max_size=8)))
    return bytearray(bytes(data[:at]) + new + bytes(data[at:]))


def _op_truncate(draw, data, _seeds):
    if not data:
        return data
    return data[: draw(st.integers(0, len(data) - 1))]


def _op_delete_range(draw, data, _seeds):
    if not data:
        return data
    a = draw(st.integers(0, len(data) - 1))
    b = draw(st.integers(a, min(len(data), a + 64)))
    del data[a:b]
    return data


def _op_yaml(draw, data, _seeds):
    lines = _lines(data)
    i = draw(st.integers(0, len(lines)))
    trick = draw(st.sampled_from(YAML_TRICKS))
    prev = lines[i - 1] if 0 < i <= len(lines) else b""
    indent = prev[: len(prev) - len(prev.lstrip(b" "))]
    lines[i:i] = [indent + t for t in trick.split(b"\n")]
    return bytearray(b"\n".join(lines))


def _op_yaml_value(draw, data, _seeds):
    # Replace the value after one "key: " with an alias, an anchor, a tag or an extreme number.
    found = list(re.finditer(rb"(?m)^(\s*-?\s*[\w.]+:)[ ]+(\S[^\n]*)$", bytes(data)))
    if not found:
        return data
    m = draw(st.sampled_from(found))
    new = draw(
        st.sampled_from(
            (
                b"*a",
                b"&a value",
                b"!!binary aGVsbG8=",
                b"!!python/name:os.system",
                b"[]",
                b"{}",
                b"~",
                b"''",
                b"[[[[[[]]]]]]",
                b"{a: {b: {c: {}}}}",
            )
            + EXTREMES
        )
    )
    return bytearray(bytes(data[: m.start(2)]) + new + bytes(data[m.end(2) :]))


BYTE_OPS = (
    _op_flip,
    _op_delete_line,
    _op_duplicate_line,
    _op_swap_lines,
    _op_splice,
    _op_number,
    _op_number,
    _op_insert,
    _op_truncate,
    _op_delete_range,
)
YAML_OPS = BYTE_OPS + (_op_yaml, _op_yaml_value, _op_yaml_value)


@st.composite
def mutated(draw, seeds: list[bytes], yaml: bool = False, max_ops: int = 4) -> bytes:
    """A seed with one to ``max_ops`` mutations applied."""
    data = bytearray(seeds[draw(st.integers(0, len(seeds) - 1))])
    ops = YAML_OPS if yaml else BYTE_OPS
    for _ in range(draw(st.integers(1, max_ops))):
        data = draw(st.sampled_from(ops))(draw, data, seeds)
    return bytes(data)


# -- structured values --------------------------------------------------------------------------------------------

#: Odd but printable text for names and labels.
names = st.one_of(
    st.sampled_from(
        ["a", "A", "x y", "é", "Ω", "名", "-", "_", "a.b", "a;b", "a,b", '"q"', "  padded  ", "", "1", "0"]
    ),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12),
)

#: Integers from the ordinary to the absurd.
big_ints = st.one_of(
    st.integers(-4, 4),
    st.integers(-(2**31) - 2, 2**31 + 2),
    st.sampled_from([2**31 - 1, 2**31, -(2**31), 2**62, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**20, -(10**20)]),
)

#: Floats including the edges of the format.
odd_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5e-324, 1e308, -1e308, 1e-300, 0.5, 1.0, 1.0000000000000002, 0.9999999999999999]),
)

#: Any JSON-ish scalar or small container (what a fuzzed YAML field may hold).
weird_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        big_ints,
        odd_floats,
        names,
        st.sampled_from(["2025-01-01", "9999-12-31", "0001-01-01", "2025-13-01", "not a date", "1e308", "nan"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from(["id", "a", "", "0"]), children, max_size=3)
    ),
    max_leaves=6,
)
