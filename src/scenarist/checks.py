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

# -- bounds that keep every balance, sum and count inside the kernels' integer types (docs/model-format.md, "Bounds")
#: Largest value of the int32 arrays the search and exact basins keep balances, bound tables and score steps in.
INT32_MAX = 2**31 - 1
#: Largest |score| and |scale end| a model (or a ``.scw`` cell) may carry. CIB scales are −3..+3 in practice and
#: rarely wider than −10..+10; a million is far past any meaningful judgment and keeps one score far inside int32.
MAX_SCORE = 1_000_000
#: Model-level bound: ``n_descriptors × span ≤ MAX_BALANCE``, where span is the scale's width with 0 included
#: (``max(scale.max, 0) − min(scale.min, 0)``: cells nobody judged are 0). An impact balance sums one score per
#: descriptor (|θ| ≤ n·span), the search's bound table sums one score difference per descriptor (≤ n·span), and an
#: inconsistency is a difference of two balances of one descriptor (≤ n·span), so all fit in int32. For a symmetric
#: scale ±S this reads 2 · n · S ≤ 2^31 − 1.
MAX_BALANCE = INT32_MAX
#: Largest ``spread`` in score units, beside the relative bound ``spread ≤ scale.max − scale.min`` (a wider spread
#: only moves weight onto the clipped ends of the scale). The offset table holds 2·spread + 1 entries per uncertain
#: judgment, so this keeps it small: 10,000 judgments at spread 10,000 take 3.2 GB and are refused by the memory
#: estimate; the flagship's spreads are 1 and 2.
MAX_SPREAD = 10_000
#: Most scenarios ``max_results`` may allow a search to keep: 10^7 rows of 25 descriptors are 2 GB (8 bytes a cell),
#: the memory limit above; the count beyond ``max_results`` stops at the same 10^7.
MAX_RESULTS_LIMIT = 10_000_000
#: Ensemble member weights lie in [MIN_WEIGHT, MAX_WEIGHT]: weights are relative (they are normalised to sum 1), so
#: a ratio of 10^12 between two members is more than any analyst means, and 10^6 times any number of members
#: adds up without overflow in float64.
MIN_WEIGHT = 1e-6
MAX_WEIGHT = 1e6
#: Largest seed: seeds are recorded (JSON, the forecast ledger's integer column) and must fit in a signed 64-bit
#: integer.
MAX_SEED = 2**63 - 1


class BoundError(OptionError):
    """A value outside its stated bound. ``name`` is the library's parameter (``max_inconsistency``), ``option``
    the command line's (``-k``); :meth:`describe` words the message for either."""

    def __init__(self, name: str, text: str, option: str | None = None):
        self.name = name
        self.text = text
        self.option = option or name
        super().__init__(f"{name} {text}")

    def describe(self, name: str | None = None) -> str:
        """The message with ``name`` (default: the command-line option) in front."""
        return f"{name or self.option} {self.text}"


def scale_span(low: int, high: int) -> int:
    """Width of a judgment scale with 0 included: ``max(high, 0) − min(low, 0)``, the most one score can differ from
    another score or from an empty (0) cell.

    Examples
    --------
    >>> scale_span(-3, 3), scale_span(1, 5)
    (6, 5)
    """
    return max(int(high), 0) - min(int(low), 0)


def max_inconsistency_bound(n_descriptors: int, low: int, high: int) -> int:
    """The largest inconsistency (and the largest |impact balance|) a model of ``n_descriptors`` descriptors on the
    scale ``low..high`` can have: ``n_descriptors × scale_span(low, high)``. Each balance sums at most one score per
    descriptor, so two balances of one descriptor differ by at most one span per descriptor.

    Examples
    --------
    >>> max_inconsistency_bound(4, -3, 3)
    24
    """
    return int(n_descriptors) * scale_span(low, high)


def check_integer(value: Any, name: str, low: int, high: int, why: str = "", option: str | None = None) -> int:
    """``value`` as an int if it is an integer in [low, high]; else :class:`BoundError` (an :class:`OptionError`)
    saying ``name must be low..high`` (and ``why``).

    Examples
    --------
    >>> check_integer(5, "--top", 0, 10)
    5
    >>> check_integer(10**20, "--top", 0, 10)
    Traceback (most recent call last):
    scenarist.checks.BoundError: --top must be 0..10, got 100,000,000,000,000,000,000
    """
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise BoundError(name, f"must be an integer, got {value!r}", option)
    v = int(value)
    if not low <= v <= high:
        raise BoundError(name, f"must be {low:,}..{high:,}{f' ({why})' if why else ''}, got {v:,}", option)
    return v


def check_tolerance(k: Any, bound: int, name: str = "max_inconsistency", option: str = "-k", detail: str = "") -> int:
    """Tolerance k (keep scenarios with inconsistency ≤ k) if it lies in [0, bound]; ``bound`` is the largest
    inconsistency the model allows (:func:`max_inconsistency_bound`), so a larger k would keep every scenario and
    cannot be meant; it is at most :data:`MAX_BALANCE` (the search compares in int32).

    Raises
    ------
    BoundError
        Not an integer, negative, or above ``bound`` (the message names the bound and ``detail``, its derivation).
    """
    bound = min(int(bound), MAX_BALANCE)
    why = f"the largest inconsistency {detail}" if detail else "the largest inconsistency possible"
    return check_integer(k, name, 0, bound, why, option)


def check_max_results(value: Any, name: str = "max_results", option: str = "--max-results") -> int:
    """``max_results`` if it lies in [0, :data:`MAX_RESULTS_LIMIT`] (10^7 scenario rows, about the 2 GiB memory
    limit for 25 descriptors); else :class:`BoundError`."""
    return check_integer(value, name, 0, MAX_RESULTS_LIMIT, "at most 10^7 scenarios are kept", option)


def check_memory(nbytes: int, what: str) -> int:
    """``nbytes`` if a call may allocate that much for ``what`` (≤ :data:`MAX_MEMORY_BYTES`, 2 GiB); else
    :class:`OptionError` naming the estimate and the limit. Call it before allocating.

    Examples
    --------
    >>> check_memory(1024, "draws")
    1024
    >>> check_memory(3 * 1024**3, "500 judgment draws")
    Traceback (most recent call last):
    scenarist.errors.OptionError: 500 judgment draws would need about 3.0 GiB, more than the limit of 2.0 GiB: ask for fewer
    """
    if nbytes > MAX_MEMORY_BYTES:
        raise OptionError(
            f"{what} would need about {nbytes / 1024**3:.1f} GiB, more than the limit of "
            f"{MAX_MEMORY_BYTES / 1024**3:.1f} GiB: ask for fewer"
        )
    return int(nbytes)


def check_weight(value: Any, name: str = "weight") -> float:
    """``value`` as a float if it is a finite number in [:data:`MIN_WEIGHT`, :data:`MAX_WEIGHT`] (10^-6..10^6);
    else :class:`OptionError` naming ``name`` and the range.

    Examples
    --------
    >>> check_weight(2)
    2.0
    >>> check_weight(1e308)
    Traceback (most recent call last):
    scenarist.errors.OptionError: weight must be a number in 1e-06..1e+06 (weights are relative), got 1e+308
    """
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise OptionError(f"{name} must be a number, got {value!r}") from None
    if not MIN_WEIGHT <= x <= MAX_WEIGHT:  # NaN fails too
        raise OptionError(
            f"{name} must be a number in {MIN_WEIGHT:g}..{MAX_WEIGHT:g} (weights are relative), got {x:g}"
        )
    return x


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
        A negative seed, one above :data:`MAX_SEED` (2^63 − 1), a bool, or something that is not an integer.

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
    if int(seed) > MAX_SEED:
        raise OptionError(f"{name} must be at most 2^63 − 1 (it is recorded as a 64-bit integer), got {int(seed)}")
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
    if isinstance(draws, bool) or not hasattr(draws, "__index__"):
        raise OptionError(f"{name} must be an integer, got {draws!r}")
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
