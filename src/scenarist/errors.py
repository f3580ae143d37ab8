"""One exception family for everything Scenarist raises on a user's mistake.

The command line turns any :class:`ScenaristError` into one clear message on stderr and exit status 2;
anything else is a bug and is allowed to show its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class ScenaristError(Exception):
    """Base class of every error caused by input (files, options, names), not by a bug."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes
    ----------
    file : str
        Path of the file as the user gave it (or ``"<string>"``).
    line : int or None
        1-based line number where the offending field starts, when known.
    field : str
        Dotted path of the field, e.g. ``judgments[3].score``.
    message : str
        What is wrong, in plain words.
    """

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ModelError(ScenaristError, ValueError):
    """A model (or evidence) file has one or more problems; ``problems`` lists all of them, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InputFileError(ScenaristError, OSError):
    """A file is missing, unreadable or not well-formed (YAML/CSV/XLSX/ScenarioWizard syntax)."""


class UnknownNameError(ScenaristError, LookupError):
    """A descriptor, variant, scenario number or other name given by the user does not exist."""


class OptionError(ScenaristError, ValueError):
    """An option's value is out of range or contradicts another option."""
