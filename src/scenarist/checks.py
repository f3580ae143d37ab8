"""Bounds and choices every face checks the same way: seeds, counts and named options.

Light on purpose (no numpy at import): the command line calls these before any heavy import, with its option
names (``--seed``), and the library calls them with its parameter names (``seed``), so a value is refused with the
same words wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import OptionError

#: Default for ``max_results``: the most scenarios one search keeps (about 200 MB of scenario rows for 25
#: descriptors, before scoring and ordering); a search that finds more is refused with the count.
MAX_RESULTS = 1_000_000
#: Judgment draws and seed wherever the user does not choose: ``likelihood``, ``track`` (every date, so its as-of
#: row repeats ``likelihood``), ``forecast record --from-model`` and the report's likelihood section. A fixed seed
#: makes the same call print the same numbers on every run and machine.
DEFAULT_DRAWS = 500
DEFAULT_SEED = 0
#: Most start scenarios sampled basins follow (a sample of 10^7 gives shares to ±0.03 percentage points).
MAX_SAMPLES = 10_000_000
#: Most judgment draws a call accepts. At 100,000 draws the Monte Carlo standard error of a probability is at most
#: 0.16 percentage points (√(0.25 / 100 000)); more only costs time (the flagship takes about 2 ms a draw).
MAX_DRAWS = 100_000
#: Dates any file or option may carry (evidence, forecasts, horizons, model metadata). Scenario analysis looks a
#: few decades ahead and cites sources from the last century; a year outside [1900, 2100] is a typing mistake.
EARLIEST_DATE = "1900-01-01"
LATEST_DATE = "2100-12-31"
#: Memory a single call may plan to allocate for judgment draws, sampled starts and similar arrays, estimated
#: before allocating; a call that would need more is refused with its estimate and this limit.
MAX_MEMORY_BYTES = 2 * 1024**3


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """``seed`` as an int (or ``None``, meaning "pick one"), refusing what numpy's generators cannot take.

    Parameters
    ----------
    seed : int ≥ 0, numpy Generator, or None
        A Generator is passed through unchanged.
    name : str
        How to call the value in messages (``"seed"`` in the library, ``"--seed"`` on the command line).

    Raises
    ------
    OptionError
        A negative seed, a bool, or something that is not an integer.

    Examples
    --------
    >>> check_seed(7)
    7
    >>> check_seed(-1, "--seed")
    Traceback (most recent call last):
    scenarist.errors.OptionError: --seed must be ≥ 0, got -1
    """
    if seed is None or type(seed).__name__ == "Generator":
        return seed
    if isinstance(seed, bool) or not hasattr(seed, "__index__"):
        raise OptionError(f"{name} must be an integer, got {seed!r}")
    if int(seed) < 0:
        raise OptionError(f"{name} must be ≥ 0, got {int(seed)}")
    return int(seed)


def check_choice(value: str, choices: Iterable[str], name: str) -> str:
    """``value`` if it is one of ``choices``; else :class:`OptionError` naming them (``name must be a, b or c``).

    Examples
    --------
    >>> check_choice("exact", ("auto", "exact", "sampled"), "method")
    'exact'
    """
    choices = tuple(choices)
    if value not in choices:
        listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
        raise OptionError(f"{name} must be {listed}, got {value!r}")
    return value


def check_draws(draws: int, name: str = "draws") -> int:
    """``draws`` if it lies in [0, :data:`MAX_DRAWS`]; else :class:`OptionError` naming the limit.

    Examples
    --------
    >>> check_draws(500)
    500
    """
    if draws < 0:
        raise OptionError(f"{name} must be ≥ 0, got {draws}")
    if draws > MAX_DRAWS:
        raise OptionError(
            f"{name} {draws:,} is more than the limit of {MAX_DRAWS:,} judgment draws (the Monte Carlo "
            f"error at {MAX_DRAWS:,} is already below 0.2 percentage points)"
        )
    return draws


def check_date(value: Any, name: str = "date") -> Any:
    """``value`` (a ``datetime.date``) if it lies in [:data:`EARLIEST_DATE`, :data:`LATEST_DATE`].

    Raises
    ------
    OptionError
        A date before 1900-01-01 or after 2100-12-31.

    Examples
    --------
    >>> import datetime as dt
    >>> check_date(dt.date(2025, 6, 13))
    datetime.date(2025, 6, 13)
    >>> check_date(dt.date(9999, 1, 1))
    Traceback (most recent call last):
    scenarist.errors.OptionError: date 9999-01-01 is outside 1900-01-01 … 2100-12-31
    """
    text = value.isoformat()[:10]
    if not EARLIEST_DATE <= text <= LATEST_DATE:
        raise OptionError(f"{name} {text} is outside {EARLIEST_DATE} … {LATEST_DATE}")
    return value
