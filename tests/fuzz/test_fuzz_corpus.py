"""The regression corpus: every input that ever broke a fuzz target, run through that target with the same oracle.

Files live in ``tests/corpus/<target>/`` (the folder names the target, see ``fuzz_targets.TARGETS``); inputs that
still fail wait in ``tests/corpus/pending/<target>/``, which is not collected. See ``tests/corpus/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_oracle import assert_clean, run_guarded
from fuzz_targets import TARGETS, warm_up

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def corpus_files() -> list[Path]:
    return sorted(
        p
        for p in CORPUS.glob("*/*")
        if p.is_file() and p.parent.name != "pending" and not p.name.startswith(".") and p.name != "README.md"
    )


def test_corpus_folders_name_targets():
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()} - {"pending"}
    assert folders <= set(TARGETS), f"corpus folders that name no target: {sorted(folders - set(TARGETS))}"
    pending = CORPUS / "pending"
    if pending.is_dir():
        wrong = {p.name for p in pending.iterdir() if p.is_dir()} - set(TARGETS)
        assert not wrong, f"pending folders that name no target: {sorted(wrong)}"


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_input(path: Path, tmp_path):
    target = TARGETS[path.parent.name]
    if path.parent.name == "cli_args":
        warm_up()  # the first numba compile is not a hang
    assert_clean(run_guarded(lambda: target.run(path.read_bytes(), tmp_path)), f"{path.parent.name}/{path.name}")
