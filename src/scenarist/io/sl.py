"""ScenarioWizard solution lists (``.sl``): read and write.

Layout (ScenarioWizard 3.x/4.x, plain text)::

    $ ScenarioWizard 3.0
    Solution set
     <number of scenarios>
    <blank line>
    " 2 3 2",4,0,0,15,""        one line per scenario

Columns of a scenario line: the 1-based variant of each descriptor (quoted, space-separated); the volume weight
(how many start scenarios end in this one under global succession; ScenarioWizard keeps it in a single-precision
float, so it stops growing at 2^24 = 16 777 216 and prints large values as ``1.677722E+07``); the consistency value;
a column that is always 0 in the files we know; the total impact score; a label.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

from ..errors import InputFileError
from ..model import MAX_VARIANTS
from .paths import read_input_text

HEADER = "$ ScenarioWizard 3.0"
#: ScenarioWizard's volume-weight counter is a single-precision float: it cannot count past 2^24.
SINGLE_PRECISION_CAP = 2**24

_ROW = re.compile(
    r'^"(?P<variants>[^"]*)",(?P<weight>[^,]*),(?P<cv>[^,]*),(?P<zero>[^,]*),(?P<tis>[^,]*),(?P<label>.*)$'
)


@dataclass(frozen=True)
class SolutionList:
    """The content of a ``.sl`` file.

    Attributes
    ----------
    scenarios : (N, n) int64
        0-based variant positions (the file holds them 1-based).
    weights : (N,) float64
        Volume-weight column (0 when ScenarioWizard did not compute weights).
    consistency_value, total_impact_score : (N,) int64
    extra : (N,) int64
        The fourth column (0 in every known file).
    labels : tuple of str
    """

    scenarios: np.ndarray
    weights: np.ndarray
    consistency_value: np.ndarray
    total_impact_score: np.ndarray
    extra: np.ndarray
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.scenarios)

    def to_dict(self) -> dict:
        """JSON-safe dict: one entry per scenario (variants 0-based)."""
        return {
            "scenarios": [
                {
                    "variants": [int(v) for v in s],
                    "weight": float(w),
                    "consistency_value": int(cv),
                    "total_impact_score": int(t),
                    "label": lab,
                }
                for s, w, cv, t, lab in zip(
                    self.scenarios, self.weights, self.consistency_value, self.total_impact_score, self.labels
                )
            ]
        }

    def to_frame(self):
        """pandas DataFrame: one row per scenario, columns ``d1..dn`` (1-based variants as in the file) + scores."""
        import pandas as pd

        n = self.scenarios.shape[1] if self.scenarios.ndim == 2 else 0
        frame = pd.DataFrame(self.scenarios + 1, columns=[f"d{i + 1}" for i in range(n)])
        frame["weight"] = self.weights
        frame["consistency_value"] = self.consistency_value
        frame["total_impact_score"] = self.total_impact_score
        frame["label"] = list(self.labels)
        return frame


#: Largest |integer| a ``.sl`` field may hold: 2^53, the integers float64 holds exactly (the fields are read as
#: numbers, as ScenarioWizard writes them, and kept in int64). Real values are far smaller: a consistency value or
#: total impact score is bounded by the model's balances (< 2^31 per descriptor).
MAX_FIELD_INTEGER = 2**53


def _number(text: str, name: str, line: int, what: str, integer: bool = True):
    """One numeric field: an integer within ±2^53 (``integer``), else a finite number ≥ 0 (the weight)."""
    import math

    try:
        value = float(text.strip().replace(",", "."))
    except (ValueError, OverflowError):
        raise InputFileError(f"{name}:{line}: {what}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise InputFileError(f"{name}:{line}: {what}: {text.strip()!r} is not a finite number")
    if integer:
        if value != int(value):
            raise InputFileError(f"{name}:{line}: {what}: {text.strip()!r} is not an integer")
        if abs(value) > MAX_FIELD_INTEGER:
            raise InputFileError(f"{name}:{line}: {what}: {text.strip()} is outside ±2^53")
        return int(value)
    if value < 0:
        raise InputFileError(f"{name}:{line}: {what}: {text.strip()} must be ≥ 0")
    return value


def parse_sl(text: str, name: str = "<string>") -> SolutionList:
    """Parse the text of a ``.sl`` file.

    Raises
    ------
    InputFileError
        Not a solution list, or malformed (the message names file, line and field). Bounds: variant numbers
        1..4,096 (:data:`~scenarist.model.MAX_VARIANTS`); the scenario count, consistency value, fourth column and
        total impact score integers within ±2^53 (:data:`MAX_FIELD_INTEGER`); the weight a finite number ≥ 0.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not lines[0].startswith("$ ScenarioWizard"):
        raise InputFileError(f"{name}:1: not a ScenarioWizard solution list (expected '$ ScenarioWizard ...')")
    if len(lines) < 3 or lines[1].strip() != "Solution set":
        raise InputFileError(f"{name}:2: expected 'Solution set'")
    declared = _number(lines[2], name, 3, "number of scenarios")
    rows, weights, cvs, extras, tiss, labels = [], [], [], [], [], []
    width = None
    for k, line in enumerate(lines[3:], start=4):
        if not line.strip():
            continue
        m = _ROW.match(line.strip())
        if m is None:
            raise InputFileError(f"{name}:{k}: malformed scenario line {line[:60]!r}")
        try:
            variants = [int(v) - 1 for v in m["variants"].split()]
        except ValueError:
            raise InputFileError(f"{name}:{k}: variants: variant numbers must be integers") from None
        if not variants or min(variants) < 0:
            raise InputFileError(f"{name}:{k}: variants: variant numbers must be 1 or more")
        if max(variants) >= MAX_VARIANTS:
            raise InputFileError(
                f"{name}:{k}: variants: variant number {max(variants) + 1:,} is above {MAX_VARIANTS:,} "
                "(the most variants a model may have)"
            )
        if len(variants) > MAX_VARIANTS:
            raise InputFileError(f"{name}:{k}: variants: {len(variants):,} descriptors; at most {MAX_VARIANTS:,}")
        if width is None:
            width = len(variants)
        elif len(variants) != width:
            raise InputFileError(f"{name}:{k}: {len(variants)} variants; earlier lines have {width}")
        rows.append(variants)
        weights.append(_number(m["weight"], name, k, "weight", integer=False))
        cvs.append(_number(m["cv"], name, k, "consistency value"))
        extras.append(_number(m["zero"], name, k, "fourth column"))
        tiss.append(_number(m["tis"], name, k, "total impact score"))
        label = m["label"].strip()
        labels.append(label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label)
    if declared != len(rows):
        raise InputFileError(f"{name}:3: declares {declared} scenarios but lists {len(rows)}")
    return SolutionList(
        scenarios=np.array(rows, dtype=np.int64).reshape(len(rows), width or 0),
        weights=np.array(weights, dtype=np.float64),
        consistency_value=np.array(cvs, dtype=np.int64),
        total_impact_score=np.array(tiss, dtype=np.int64),
        extra=np.array(extras, dtype=np.int64),
        labels=tuple(labels),
    )


def read_sl(path: str | os.PathLike) -> SolutionList:
    """Read a ``.sl`` file: a regular file of at most 16 MiB of UTF-8 text
    (:func:`~scenarist.io.paths.read_input_text`).

    Raises :class:`InputFileError` (missing, not a regular file, too large, not UTF-8, or malformed: file, line and
    field; numbers out of bounds as in :func:`parse_sl`)."""
    return parse_sl(read_input_text(path, "ScenarioWizard solution list"), str(path))


def format_weight(w: float) -> str:
    """A weight as ScenarioWizard prints a single-precision number: an integer below 10^7, else 7 significant
    digits in E notation (``1.677722E+07``)."""
    if w == int(w) and abs(w) < 1e7:
        return str(int(w))
    return f"{w:.6E}"


def format_sl(solutions: SolutionList) -> str:
    """The text of a ``.sl`` file (LF line ends)."""
    out = [HEADER, "Solution set", f" {len(solutions)} ", ""]
    for s, w, cv, x, t, lab in zip(
        solutions.scenarios,
        solutions.weights,
        solutions.consistency_value,
        solutions.extra,
        solutions.total_impact_score,
        solutions.labels,
    ):
        variants = "".join(f" {int(v) + 1}" for v in s)
        out.append(f'"{variants}",{format_weight(float(w))},{int(cv)},{int(x)},{int(t)},"{lab}"')
    return "\n".join(out) + "\n"


def from_scenario_set(scenarios, weights=None) -> SolutionList:
    """A solution list from a :class:`~scenarist.cib.search.ScenarioSet` (tableau order kept).

    ``weights`` : (N,) numbers, e.g. exact basin sizes from :func:`scenarist.cib.basins.exact_basins`; default 0.
    """
    n = len(scenarios)
    w = np.zeros(n) if weights is None else np.asarray(weights, dtype=np.float64)
    return SolutionList(
        scenarios=np.asarray(scenarios.scenarios, dtype=np.int64),
        weights=w,
        consistency_value=np.asarray(scenarios.consistency_value, dtype=np.int64),
        total_impact_score=np.asarray(scenarios.total_impact_score, dtype=np.int64),
        extra=np.zeros(n, dtype=np.int64),
        labels=("",) * n,
    )


def write_sl(solutions: SolutionList, path: str | os.PathLike) -> None:
    """Write a solution list atomically. Raises :class:`InputFileError` when the path is not writable."""
    from .output import write_atomic

    try:
        write_atomic(path, format_sl(solutions))
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write: {exc}") from None


__all__ = [
    "SINGLE_PRECISION_CAP",
    "SolutionList",
    "format_sl",
    "format_weight",
    "from_scenario_set",
    "parse_sl",
    "read_sl",
    "write_sl",
]
