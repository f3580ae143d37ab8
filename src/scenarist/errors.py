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
    """A descriptor, variant, scenario number or other name given by the user does not exist.

    ``name`` (optional) is the library parameter that held it (``fixed``), ``option`` the command line's
    (``--fix``); :meth:`describe` words the message for either.
    """

    def __init__(self, text: str, name: str | None = None, option: str | None = None):
        self.text = text
        self.name = name
        self.option = option or name
        super().__init__(f"{name}: {text}" if name else text)

    def describe(self) -> str:
        """The message with the command-line option in front, when one is known."""
        return f"{self.option}: {self.text}" if self.option else self.text


class OptionError(ScenaristError, ValueError):
    """An option's value is out of range or contradicts another option."""
