"""The examples in the likelihood layer's docstrings run (so they cannot rot)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["distribution", "draws", "sensitivity", "ensemble", "priors", "combinations", "backends", "volume"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"scenarist.probability.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
