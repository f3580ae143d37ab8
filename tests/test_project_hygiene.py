"""Habits of a maintained project, checked: no path of a development machine is committed, every reference to a
document names a file (and section) that exists, the changelog has an Unreleased section, and no docstring example
quotes a probability computed from the flagship model (those numbers change when the likelihood layer does)."""

from __future__ import annotations

import ast
import doctest
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THIS = Path(__file__).resolve()

# An absolute path on a development machine (the work, root or home trees), not part of a longer path or a URL.
MACHINE_PATH = re.compile(r"(?<![\w.~:/-])/(?:work|root|home)/[\w.-]+")
# No exception: tests find the shared folder relative to the checkout (see tests/conftest.py).
ALLOWED_MACHINE_PATHS: set[tuple[str, str]] = set()


def tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [name for name in out.stdout.decode("utf-8").split("\0") if name]


def test_no_development_machine_path_is_committed():
    found = []
    for name in tracked_files():
        path = ROOT / name
        if path.is_symlink() or not path.is_file() or path.resolve() == THIS:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary (a spreadsheet, say)
            continue
        text = data.decode("utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            for m in MACHINE_PATH.finditer(line):
                if (name, m.group()) not in ALLOWED_MACHINE_PATHS:
                    found.append(f"{name}:{lineno}: {m.group()}")
    assert not found, "machine paths committed:\n" + "\n".join(found)


# -- references to documents ------------------------------------------------------------------------------------

# The places a reader is sent to: the docs folder and the top-level documents.
DOC_REF = re.compile(
    r"(?<![\w/.-])(docs/[\w-]+\.md|README\.md|CHANGELOG\.md|CONTRIBUTING\.md)"
    r"(?:`{0,2}\)?\s*§\s*(\d+))?"
)
# A relative Markdown link from one document to another: [text](method.md), [text](../scripts/x.sh#anchor).
MD_LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)\s#]+)(?:#[^)\s]*)?\)(?:\s*§\s*(\d+))?")
# A design note kept outside the repository (the team's DESIGN.md) is no reference a reader can follow.
OUTSIDE_NOTE = re.compile(r"\bDESIGN(?:\.md)?\b")


def sources_that_refer() -> list[Path]:
    files = [ROOT / n for n in ("README.md", "CHANGELOG.md", "CONTRIBUTING.md") if (ROOT / n).exists()]
    files += sorted((ROOT / "docs").glob("*.md"))
    for folder, pattern in (("src", "*.py"), ("src", "*.yaml"), ("tests", "*.py"), ("benchmarks", "*.py")):
        files += sorted(p for p in (ROOT / folder).rglob(pattern) if "__pycache__" not in p.parts)
    files += sorted((ROOT / "scripts").glob("*"))
    return [p for p in files if p.is_file() and p.resolve() != THIS]


def has_section(doc: Path, number: str) -> bool:
    """Whether ``doc`` has a heading numbered ``number`` ("## 2. ...", "### 3.4 ...": the top-level number)."""
    heading = re.compile(rf"^#{{1,6}}\s+{number}(?:\.|\s)", re.M)
    return bool(heading.search(doc.read_text(encoding="utf-8")))


def test_every_document_reference_names_a_file_and_section_that_exist():
    broken = []
    for src in sources_that_refer():
        text = src.read_text(encoding="utf-8", errors="replace")
        rel = src.relative_to(ROOT)
        for lineno, line in enumerate(text.splitlines(), 1):
            refs = [(ROOT / m.group(1), m.group(2)) for m in DOC_REF.finditer(line)]
            if src.suffix == ".md":
                refs += [((src.parent / m.group(1)).resolve(), m.group(2)) for m in MD_LINK.finditer(line)]
            for target, section in refs:
                shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
                if not target.exists():
                    broken.append(f"{rel}:{lineno}: {shown} does not exist")
                elif section and target.suffix == ".md" and not has_section(target, section):
                    broken.append(f"{rel}:{lineno}: {shown} has no section {section}")
            if OUTSIDE_NOTE.search(line):
                broken.append(f"{rel}:{lineno}: refers to a design note outside the repository; point at docs/")
    assert not broken, "\n".join(broken)


def test_the_reference_checks_catch_what_they_should():
    assert [m.group(1, 2) for m in DOC_REF.finditer("(docs/method.md §2); see ``docs/cib.md`` §3")] == [
        ("docs/method.md", "2"),
        ("docs/cib.md", "3"),
    ]
    assert not DOC_REF.search("../shared/facts/timeline.md")
    assert [m.group(1) for m in MD_LINK.finditer("[a](cib.md) [b](https://x.org/y.md) [c](../scripts/x.sh#top)")] == [
        "cib.md",
        "../scripts/x.sh",
    ]
    assert has_section(ROOT / "docs" / "method.md", "2") and not has_section(ROOT / "docs" / "method.md", "99")
    home = "/" + "home"  # spelt in two pieces so that this file holds no machine path itself
    assert MACHINE_PATH.search(f"see {home}/someone/x") and not MACHINE_PATH.search(f"https://example.org{home}/x")


# -- the changelog ----------------------------------------------------------------------------------------------


def test_changelog_has_an_unreleased_section_with_entries():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    assert sections and sections[0].startswith("[Unreleased]"), "the first section must be ## [Unreleased]"
    assert re.search(r"^- ", sections[0], re.M), "the Unreleased section lists no change"
    for section in sections[1:]:  # released versions carry a date: ## [0.1.0] - 2025-01-31
        assert re.match(r"\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", section), section.splitlines()[0]


# -- docstring examples and the flagship ------------------------------------------------------------------------

FLAGSHIP_MENTION = re.compile(r"iran-russia|FLAGSHIP|flagship")
# What a quoted probability looks like in an expected output: 0.273, 27.1 %, 27 %.
PROBABILITY = re.compile(r"(?<![\d.])0\.\d{2,}|\d+(?:\.\d+)?\s?%")


def docstring_examples() -> list[tuple[str, list[doctest.Example]]]:
    """(where, examples) for every docstring under src/scenarist and every document in docs/."""
    parser = doctest.DocTestParser()
    out = []
    for path in sorted((ROOT / "src" / "scenarist").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node, clean=True)
                if doc and ">>>" in doc:
                    where = f"{path.relative_to(ROOT)}:{getattr(node, 'name', '<module>')}"
                    out.append((where, parser.get_examples(doc)))
    for path in sorted((ROOT / "docs").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if ">>>" in text:
            out.append((str(path.relative_to(ROOT)), parser.get_examples(text)))
    return out


def test_no_docstring_example_quotes_a_flagship_probability():
    quoted = []
    for where, examples in docstring_examples():
        on_flagship = False
        for ex in examples:
            # Loading the flagship by name, or any call that falls back on it (no model given), taints what follows.
            on_flagship = on_flagship or bool(FLAGSHIP_MENTION.search(ex.source))
            if on_flagship and PROBABILITY.search(ex.want):
                quoted.append(f"{where}: {ex.source.strip()} -> {ex.want.strip()}")
    assert not quoted, "examples quoting a probability of the flagship (use the example model):\n" + "\n".join(quoted)


def test_src_has_docstring_examples():
    # pytest collects these with --doctest-modules (pyproject.toml); this keeps an accidental removal visible.
    assert sum(len(examples) for _, examples in docstring_examples()) >= 10


def test_no_machine_path_inside_binary_test_inputs():
    """Stores and workbooks in the fuzz corpus keep what they were built from (an import's origin, say): no path of
    the machine that built them may stay inside."""
    import re
    from pathlib import Path

    corpus = Path(__file__).resolve().parent / "corpus"
    found = []
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.suffix in (".store", ".xlsx", ".scw"):
            hits = re.findall(rb"/(?:work|root|home|tmp)/[\x21-\x7e]{3,}", path.read_bytes())
            found += [f"{path.relative_to(corpus)}: {h[:60]!r}" for h in hits]
    assert not found, found
