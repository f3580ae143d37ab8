"""Fuzz tests: every target of ``fuzz_targets`` under the oracle of ``fuzz_oracle``, with a small fixed budget.

The budget comes from ``SCENARIST_FUZZ``:

``ci`` (the default)
    Each target's own small number of inputs (``Target.ci_examples``), derandomized (the same inputs on every run,
    so CI is deterministic), about 60 s for all targets together on two cores.
``long``
    10 000 inputs per target (or ``SCENARIST_FUZZ_EXAMPLES``), random: for hunting, not for CI. ``make fuzz`` runs
    ``scripts/fuzz.py`` instead, which counts outcomes rather than stopping at the first failure.
``off``
    Skip the fuzz tests.

An input that breaks the oracle fails the test (the input is saved beside the test's files); keep it in
``tests/corpus/<target>/`` (see the README there). A failure of the same class as an input waiting in
``tests/corpus/pending/<target>/`` (same exception type in the same Scenarist function, see ``Outcome.signature``) is
a known finding, being fixed: it is reported as a warning, not a failure, so that the suite stays green while the
fix is under way. Once the fix lands and the file moves into the live corpus, the class fails the test again.
"""

from __future__ import annotations

import functools
import os
import tempfile
import warnings
from pathlib import Path

import pytest
from fuzz_oracle import assert_clean, run_guarded
from fuzz_targets import ROOT, TARGETS, warm_up
from hypothesis import HealthCheck, Phase, given, settings

MODE = os.environ.get("SCENARIST_FUZZ", "ci")

settings.register_profile(
    "scenarist-fuzz-ci",
    database=None,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "scenarist-fuzz-long",
    database=None,
    deadline=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)

pytestmark = pytest.mark.skipif(MODE == "off", reason="SCENARIST_FUZZ=off")


PENDING = ROOT / "tests" / "corpus" / "pending"


@functools.cache
def pending_signatures(name: str) -> frozenset[str]:
    """The failure classes of the inputs waiting in tests/corpus/pending/<name>/ (run once, on the first failure)."""
    folder = PENDING / name
    if not folder.is_dir():
        return frozenset()
    out = set()
    for path in sorted(folder.iterdir()):
        if path.is_file():
            with tempfile.TemporaryDirectory() as work:
                outcome = run_guarded(lambda p=path, w=work: TARGETS[name].run(p.read_bytes(), Path(w)))
            if outcome.kind in ("traceback", "hang"):
                out.add(outcome.signature)
    return frozenset(out)


def budget(name: str) -> int:
    if MODE == "long":
        return int(os.environ.get("SCENARIST_FUZZ_EXAMPLES", "10000"))
    return TARGETS[name].ci_examples


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz_target(name, tmp_path):
    target = TARGETS[name]
    if name == "cli_args":
        warm_up()  # the first numba compile is not a hang
    profile = settings.get_profile("scenarist-fuzz-long" if MODE == "long" else "scenarist-fuzz-ci")

    # CI does not shrink (a failing store or workbook does not shrink usefully, and shrinking can take minutes);
    # the failing input is saved beside the test's files, ready for tests/corpus/<target>/.
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if MODE == "long" else [])

    @settings(profile, max_examples=budget(name), phases=phases)
    @given(target.strategy())
    def check(data: bytes) -> None:
        outcome = run_guarded(lambda: target.run(data, tmp_path))
        if outcome.kind not in ("accepted", "refused"):
            if outcome.signature in pending_signatures(name):
                warnings.warn(f"{name}: known pending finding {outcome.signature}: {outcome.describe()}", stacklevel=1)
                return
            saved = tmp_path / f"failing-input{target.suffix}"
            saved.write_bytes(data)
            assert_clean(outcome, f"{name} ({target.what}); input saved as {saved}")

    check()
