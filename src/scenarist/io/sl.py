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
from pathlib import Path

import numpy as np

from ..errors import InputFileError

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


def _number(text: str, name: str, line: int, what: str, integer: bool = True):
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise InputFileError(f"{name}:{line}: {what} {text.strip()!r} is not a number") from None
    if integer:
        if value != int(value):
            raise InputFileError(f"{name}:{line}: {what} {text.strip()!r} is not an integer")
        return int(value)
    return value


def parse_sl(text: str, name: str = "<string>") -> SolutionList:
    """Parse the text of a ``.sl`` file.

    Raises
    ------
    InputFileError
        Not a solution list, or malformed (the message names file and line).
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
            raise InputFileError(f"{name}:{k}: variant numbers must be integers") from None
        if not variants or min(variants) < 0:
            raise InputFileError(f"{name}:{k}: variant numbers must be 1 or more")
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
    """Read a ``.sl`` file. Raises :class:`InputFileError` (missing, unreadable or malformed: file and line)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read: {exc}") from None
    return parse_sl(text, str(path))


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
