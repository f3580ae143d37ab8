"""Kernel warm-up: what ``analyze`` loads, and ``python -m scenarist.cib.warmup`` (run by ``make`` after installing)."""

from __future__ import annotations

import pytest

from scenarist.cib import warmup
from scenarist.errors import OptionError


def test_load_kernels_times_known_kinds_and_refuses_others():
    assert warmup.load_kernels("search") >= 0.0
    assert warmup.load_kernels("succession", operator="local") >= 0.0
    with pytest.raises(OptionError):
        warmup.load_kernels("everything")


def test_warm_all_runs_each_group_in_a_process_and_reports_a_failure(monkeypatch):
    monkeypatch.setattr(warmup, "GROUPS", (("search",), ("succession:sequential",)))
    assert warmup.warm_all(processes=2) > 0.0
    monkeypatch.setattr(warmup, "GROUPS", (("search",), ("no-such-kind",)))
    with pytest.raises(RuntimeError, match="no-such-kind"):
        warmup.warm_all(processes=1)
