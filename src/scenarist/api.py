"""The public API: one function per thing Scenarist computes, each the library call behind one command.

Every function takes a model as a :class:`~scenarist.model.Model`, a file path (YAML or ScenarioWizard ``.scw``) or
the name of a packaged model (``"example"``, ``"iran-russia-pezeshkian"``; ``None`` is the flagship), through one
helper, :func:`load`. Each returns a frozen result object with ``.to_dict()`` (exactly what the matching command
prints with ``--json``), ``.to_frame()`` (a pandas DataFrame), a one-line ``repr`` and ``_repr_html_`` for notebooks.
Long calls take ``progress(fraction, phase)``: ``fraction`` in [0, 1], ``phase`` a short text.

Nothing heavy is imported here at module level (numpy, numba, pandas, SQLAlchemy, matplotlib, Dask load on first
use), so ``import scenarist`` and ``scenarist --help`` stay fast. See ``docs/api.md`` for examples and for the
command → function table.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checks import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    MAX_DRAWS,
    MAX_RESULTS,
    MAX_SAMPLES,
    check_choice,
    check_draws,
    check_max_results,
    check_seed,
)
from .errors import InputFileError, ModelError, OptionError, ScenaristError, UnknownNameError
from .loading import SELF_IMPACTS, ModelLike, check_output, load, model_path
from .results import Result

if TYPE_CHECKING:  # imported for annotations only: keeps start-up light
    from .analysis import Analysis
    from .cib.basins import Basins
    from .cib.succession import SuccessionResult
    from .evidence.ach import AchResult
    from .evidence.replay import TrackResult
    from .explanation import Explanation
    from .model import Model
    from .probability import EnsembleResult, OutcomeDistribution, SensitivityResult

#: A progress callback: ``progress(fraction, phase)`` with ``fraction`` in [0, 1].
Progress = Callable[[float, str], None]

#: Default sample size of sampled basins.
BASIN_SAMPLES = 100_000

OPERATORS = ("global", "local", "sequential")
BASIN_METHODS = ("auto", "exact", "sampled")
CREDITS = ("variants", "scenarios", "volume", "definition")


# -- models ---------------------------------------------------------------------------------------------------


def _timed_load(model: ModelLike, self_impacts: str | None) -> tuple[Model, float]:
    t0 = time.perf_counter()
    m = load(model, self_impacts=self_impacts)
    return m, time.perf_counter() - t0


@dataclass(frozen=True, repr=False)
class Validation(Result):
    """The outcome of :func:`validate`: whether a model file is valid, and every problem found.

    Attributes
    ----------
    file : str or None
        The file checked, as resolved (``None`` when it could not be resolved).
    problems : tuple of Problem
        Each with ``file``, ``line`` (1-based or None), ``field`` (dotted path) and ``message``; empty when valid.
    error : ScenaristError or None
        The error reading the file raised, as it was raised (``None`` when valid).
    """

    file: str | None
    problems: tuple
    error: ScenaristError | None = field(default=None, compare=False)

    def raise_for_problems(self) -> None:
        """Raise the error that reading the model raised (nothing when it is valid)."""
        if self.error is not None:
            raise self.error

    @property
    def valid(self) -> bool:
        """True when there is no problem."""
        return not self.problems

    def _summary(self) -> dict:
        return {"file": self.file, "valid": self.valid, "problems": len(self.problems)}

    def to_dict(self) -> dict:
        """What ``scenarist validate --json`` prints: ``{"file", "valid", "problems": [{"file", "line", "field",
        "message"}]}``."""
        return {
            "file": self.file,
            "valid": self.valid,
            "problems": [
                {"file": p.file, "line": p.line, "field": p.field, "message": p.message} for p in self.problems
            ],
        }

    def to_frame(self):
        """pandas DataFrame, one row per problem (file, line, field, message)."""
        import pandas as pd

        return pd.DataFrame(self.to_dict()["problems"], columns=["file", "line", "field", "message"])


def validate(model: ModelLike = None, *, self_impacts: str | None = None) -> Validation:
    """Check a model file and collect every problem instead of raising on the first.

    Parameters and the problems found are those of :func:`load`; a missing file or malformed YAML is one problem
    without a line. Ensemble members that name a ``file`` are read too: a member file that is missing, invalid or
    of another structure is a problem at ``ensemble[i].file`` (the model alone never reads them). Never raises for a
    problem of the file.

    Examples
    --------
    >>> validate("example").valid
    True
    """
    from .errors import Problem

    name = None if model is None else str(model)
    try:
        path = model_path(model)
        name = None if path is None else str(path)
        m = load(model, self_impacts=self_impacts)
    except ModelError as exc:
        return Validation(name, tuple(exc.problems), exc)
    except ScenaristError as exc:
        return Validation(name, (Problem(name or "<model>", None, "", str(exc)),), exc)
    problems = _member_file_problems(m, path)
    if problems:
        return Validation(name, tuple(problems), ModelError(problems))
    return Validation(name, ())


def _member_file_problems(m: Model, path: Path | None) -> list:
    """Problems of the ensemble member files a model names (``ensemble[i].file``, relative to the model's folder):
    missing, unreadable, invalid, or with another structure; each at the ``file`` field's line."""
    from .errors import Problem

    members = [(i, e) for i, e in enumerate(m.ensemble) if e.file is not None]
    if not members:
        return []
    from .probability.ensemble import _same_structure

    tree = None
    if path is not None and path.suffix.lower() in (".yaml", ".yml"):
        try:
            from .io.yaml_text import read_yaml

            tree = read_yaml(path)
        except ScenaristError:
            tree = None
    where = str(path) if path is not None else "<model>"
    base = path.parent if path is not None else Path(".")
    out = []
    for i, e in members:
        line = None
        if tree is not None:
            from .io.yaml_text import line_of

            line = line_of(tree, ("ensemble", i, "file"))
        member_path = base / e.file
        try:
            other = load(member_path)
            _same_structure(m, other, str(member_path))
        except ModelError as exc:
            first = exc.problems[0] if exc.problems else None
            detail = str(first) if first is not None else str(exc)
            more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            out.append(Problem(where, line, f"ensemble[{i}].file", f"member {e.id!r}: {detail}{more}"))
        except ScenaristError as exc:
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            out.append(Problem(where, line, f"ensemble[{i}].file", f"member {e.id!r}: {text}"))
    return out


def import_model(file: str | os.PathLike, *, self_impacts: str | None = None) -> Model:
    """Read a ScenarioWizard project (``.scw``) or a CSV/XLSX cross-impact matrix as a Scenarist model.

    Names, descriptions and block notes (as rationales) carry over; ids derive from the names; the model records its
    origin and a scale wide enough for its scores. Save it with :func:`save`.

    Raises
    ------
    InputFileError
        Missing file, unknown suffix (not .scw, .csv, .tsv, .txt, .xlsx) or malformed content (file:line).
    OptionError
        ``self_impacts`` not count/ignore.
    """
    if self_impacts is not None:
        check_choice(self_impacts, SELF_IMPACTS, "--self-impacts")
    path = Path(file)
    if not path.exists():
        raise InputFileError(f"{file}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".scw":
        from .io.scw import import_scw

        return import_scw(path, self_impacts=self_impacts)
    if suffix in (".csv", ".xlsx", ".tsv", ".txt"):
        from .io.matrix_table import read_matrix_table
        from .io.scw import project_to_model

        return project_to_model(read_matrix_table(path), str(file), self_impacts)
    raise InputFileError(f"{file}: unknown file type (import reads .scw, .csv and .xlsx)")


def save(model: Model, path: str | os.PathLike) -> None:
    """Write a model as YAML, all at once (no half-written file is ever left).

    Raises
    ------
    InputFileError
        The directory does not exist or is not writable.
    """
    from .io.yaml_model import save_model

    save_model(model, path)


EXPORT_FORMATS = ("scw", "sl", "csv", "xlsx")


def export(
    model: ModelLike,
    path: str | os.PathLike,
    *,
    to: str | None = None,
    layout: str = "scenariowizard",
    max_inconsistency: int = 0,
    fixed: Mapping[str, str] | None = None,
    weights: bool = False,
    max_results: int = MAX_RESULTS,
    self_impacts: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Write a model as a ScenarioWizard project (``scw``), its scenarios as a solution list (``sl``), or its matrix
    as CSV/XLSX; return the path written.

    Parameters
    ----------
    to : {"scw", "sl", "csv", "xlsx"} or None
        Format; default: from the suffix of ``path``.
    layout : {"scenariowizard", "labelled"}
        CSV/XLSX layout: two header rows/columns as ScenarioWizard writes them, or one labelled header.
    max_inconsistency, fixed, max_results
        For ``sl``: the search, as in :func:`analyze`.
    weights : bool
        For ``sl``: fill the weight column with exact global-succession basins.

    Raises
    ------
    OptionError
        Unknown format, a CSV/XLSX path with another suffix, an output that is an input or cannot be written, a
        search over ``max_results``.
    """
    check_choice(layout, ("scenariowizard", "labelled"), "--layout")
    src = model_path(model)
    from .io.output import check_output_path

    check_output_path(path, inputs=[src], option="--output")
    fmt = (to or Path(path).suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise OptionError(f"--to must be scw, sl, csv or xlsx, got {fmt!r}")
    if fmt in ("csv", "xlsx") and Path(path).suffix.lower() != f".{fmt}":
        raise OptionError(f"--output for {fmt} must end in .{fmt}")
    m = load(model, self_impacts=self_impacts)
    if fmt in ("scw", "csv", "xlsx"):
        from .io.scw import model_to_project

        project = model_to_project(m)
        if fmt == "scw":
            from .io.scw import write_scw

            write_scw(project, path)
        else:
            from .io.matrix_table import write_matrix_table

            write_matrix_table(project, path, layout)
        return Path(path)
    from .cib import compile_model
    from .io.sl import from_scenario_set, write_sl

    compiled = compile_model(m)
    found = _search(compiled, max_inconsistency, fixed, max_results)
    w = None
    if weights:
        from .cib.basins import exact_basins

        w = exact_basins(compiled, fixed=fixed, keep_labels=False, progress=progress).weight_of(found.scenarios)
    write_sl(from_scenario_set(found, w), path)
    return Path(path)


def _check_k(m: Model, k: int) -> int:
    """``k`` if it lies in 0..n_descriptors × the scale's span (0 included), the largest inconsistency of ``m``;
    else :class:`~scenarist.checks.BoundError` stating that bound (``-k …`` on the command line)."""
    from .checks import check_tolerance, max_inconsistency_bound, scale_span

    lo, hi = m.metadata.scale.min, m.metadata.scale.max
    n = len(m.descriptors)
    detail = f"of this model: {n} descriptors × scale span {scale_span(lo, hi)}"
    return check_tolerance(k, max_inconsistency_bound(n, lo, hi), "max_inconsistency", "-k", detail)


def _search(compiled, max_inconsistency: int, fixed, max_results: int):
    """The exact search, its limit refusal worded with the options every face shares."""
    from .cib import find_scenarios
    from .cib.search import TooManyScenariosError

    if isinstance(fixed, Mapping):
        fixed = dict(fixed) or None
    try:
        return find_scenarios(compiled, max_inconsistency, fixed, max_results=max_results)
    except TooManyScenariosError as exc:
        raise OptionError(exc.describe(limit="--max-results", tolerance="-k", fix="--fix")) from None


# -- CIB ------------------------------------------------------------------------------------------------------


def analyze(
    model: ModelLike = None,
    *,
    max_inconsistency: int = 0,
    fixed: Mapping[str, str] | None = None,
    max_results: int = MAX_RESULTS,
    basins: bool = False,
    self_impacts: str | None = None,
    progress: Progress | None = None,
    scheduler: Any = None,
) -> Analysis:
    """Find the scenarios with inconsistency ≤ k by Cross-Impact Balance analysis (Weimer-Jehle 2006).

    Parameters
    ----------
    model : Model, path or packaged name (see :func:`load`)
    max_inconsistency : int, 0 ≤ k ≤ n_descriptors × the scale's span (0 included)
        Tolerance k: keep scenarios whose inconsistency is at most k (0: the consistent ones). The upper bound is
        the largest inconsistency any scenario of the model can have.
    fixed : mapping descriptor id → variant id, optional
        Interventions: each fixed descriptor leaves the consistency test; its impacts still count.
    max_results : int, 0..10^7 (:data:`~scenarist.checks.MAX_RESULTS_LIMIT`)
        A search that would keep more scenarios is refused (with the count), before it fills memory.
    basins : bool
        Also give each scenario its volume weight (``.volume_weights``): start scenarios ending in it under global
        succession, exact when the free space has at most 2^29 scenarios, else sampled (seed 0).
    progress : callable(fraction, phase), optional
        Reports the basins' progress.
    scheduler : None, str or distributed.Client
        Run the search on a Dask scheduler, its tree split by prefixes over the workers (the same scenarios as
        in-process; :mod:`scenarist.cib.cluster`).

    Returns
    -------
    Analysis
        Tableau order: total impact score descending, ties by variant order. ``timings`` holds ``load``,
        ``kernels`` (loading the compiled kernels, kept apart from the search), ``compile``, ``search``,
        ``summarise`` (and ``basins``) in seconds.

    Raises
    ------
    OptionError
        k or max_results outside their bounds (:class:`~scenarist.checks.BoundError`), a search over
        ``max_results``, an unreachable scheduler.
    UnknownNameError
        An unknown descriptor or variant in ``fixed``.

    Examples
    --------
    >>> a = analyze("example")
    >>> len(a.scenarios), a.to_dict()["n_scenarios"]
    (3, 3)
    """
    from . import analysis as _analysis
    from .cib.warmup import load_kernels

    check_max_results(max_results)
    m, load_s = _timed_load(model, self_impacts)
    _check_k(m, max_inconsistency)
    kernels_s = load_kernels("search")
    from .cib.search import TooManyScenariosError

    try:
        result = _analysis.analyze(
            m,
            max_inconsistency=max_inconsistency,
            fixed=dict(fixed) if fixed else None,
            max_results=max_results,
            scheduler=scheduler,
        )
    except TooManyScenariosError as exc:
        raise OptionError(exc.describe(limit="--max-results", tolerance="-k", fix="--fix")) from None
    result = result.with_timings(load=load_s, kernels=kernels_s)
    if basins:
        t0 = time.perf_counter()
        result = replace(result, volume_weights=volume_weights(result, progress=progress))
        result = result.with_timings(basins=time.perf_counter() - t0)
    return result


def volume_weights(analysis: Analysis, progress: Progress | None = None):
    """Each scenario of an analysis with its volume weight under global succession (same interventions).

    Exact when the free space has at most 2^29 scenarios, otherwise from 100,000 random starts (seed 0). A scenario
    found with tolerance k > 0 that is no attractor weighs 0. Returns a :class:`~scenarist.analysis.VolumeWeights`.
    """
    import numpy as np

    from .analysis import VolumeWeights
    from .cib.basins import basins as _basins
    from .cib.warmup import load_kernels

    found = analysis.scenarios
    load_kernels("basins-exact", "basins-sampled")
    b = _basins(analysis.compiled, "global", found.fixed, seed=0, progress=progress)
    weights = b.weight_of(found.scenarios) if len(found) else np.zeros(0, dtype=np.int64)
    return VolumeWeights(
        "exact" if b.exact else "sampled", "global", int(b.total), int(b.in_cycles), weights, b.seconds.get("total")
    )


def explain(
    model: ModelLike = None,
    *,
    scenario: int | None = None,
    variants: Mapping[str, str] | None = None,
    reference: str | None = None,
    max_inconsistency: int = 0,
    fixed: Mapping[str, str] | None = None,
    max_results: int = MAX_RESULTS,
    self_impacts: str | None = None,
) -> Explanation:
    """Explain one scenario: per descriptor, each variant's impact balance as the sum of its judgments.

    Give exactly one of ``scenario`` (its 1-based number in the tableau of :func:`analyze` with the same
    ``max_inconsistency`` and ``fixed``), ``variants`` (a full scenario; descriptors in ``fixed`` may be left out)
    or ``reference`` (the id of one of the model's reference scenarios).

    Raises
    ------
    OptionError
        Not exactly one of the three; a scenario that contradicts ``fixed``; a search over ``max_results``.
    UnknownNameError
        No such scenario number, reference, descriptor or variant.

    Examples
    --------
    >>> e = explain("example", scenario=1)
    >>> e.number, e.inconsistency
    (1, 0)
    """
    import numpy as np

    from .cib import compile_model
    from .cib.search import normalise_fixed, tested_mask
    from .explanation import explain_scenario

    if sum(x is not None for x in (scenario, variants, reference)) != 1:
        raise OptionError("give exactly one of --scenario N, --variants D=V,... or --reference ID")
    m = load(model, self_impacts=self_impacts)
    compiled = compile_model(m)
    fixed = dict(fixed or {})
    fx = normalise_fixed(compiled, fixed or None)
    number = None
    if scenario is not None:
        found = _search(compiled, max_inconsistency, fx, max_results)
        if not 1 <= scenario <= len(found):
            span = f"1..{len(found)}" if len(found) else "none"
            raise UnknownNameError(f"--scenario {scenario}: no such scenario (found {len(found)}; numbers: {span})")
        chosen = found.scenarios[scenario - 1]
        number = scenario
    elif variants is not None:
        given = dict(variants)
        for d, v in fixed.items():
            if d in given and compiled.variant_index(d, given[d]) != compiled.variant_index(d, v):
                raise OptionError(f"--variants gives {d}={given[d]} but --fix gives {d}={v}")
            given.setdefault(d, v)
        chosen = compiled.scenario_from_mapping(given)
    else:
        refs = {r.id: r for r in m.reference_scenarios}
        if reference not in refs:
            raise UnknownNameError(
                f"--reference {reference}: no such reference scenario (known: {', '.join(refs) or 'none'})"
            )
        chosen = compiled.scenario_from_mapping(refs[reference].variants)
        for d, v in enumerate(fx):
            if v >= 0 and v != chosen[d]:
                raise OptionError(
                    f"reference {reference!r} has {compiled.descriptor_ids[d]}={compiled.variant_ids[d][chosen[d]]}"
                    f" but --fix gives {compiled.variant_ids[d][v]}"
                )
    return explain_scenario(m, compiled, np.asarray(chosen), tested=tested_mask(compiled, fx), number=number)


def random_start(compiled, seed: int | None = None):
    """A start scenario drawn uniformly at random: ``(n_descriptors,)`` int64 variant positions.

    ``seed``: an integer ≥ 0 (the same seed gives the same scenario) or ``None`` (fresh entropy). Raises
    :class:`OptionError` for a negative seed.
    """
    import numpy as np

    rng = np.random.default_rng(check_seed(seed))
    return np.array([rng.integers(0, c) for c in compiled.counts], dtype=np.int64)


def succession(
    model: ModelLike = None,
    *,
    start: Mapping[str, str] | None = None,
    reference: str | None = None,
    random: bool = False,
    seed: int | None = None,
    operator: str = "global",
    fixed: Mapping[str, str] | None = None,
    self_impacts: str | None = None,
) -> SuccessionResult:
    """Follow one start scenario under succession to the attractor or cycle it ends in (Weimer-Jehle 2006, §4).

    Give exactly one of ``start`` (descriptor → variant for every descriptor not in ``fixed``), ``reference`` (a
    reference scenario's id) or ``random=True`` (uniform, with ``seed``). ``operator``: ``global`` (all descriptors
    switch at once; ScenarioWizard's), ``local`` (the most inconsistent switches) or ``sequential``. A descriptor
    whose variant ties for the highest balance keeps it; fixed descriptors stay put.

    Raises
    ------
    OptionError
        Not exactly one start; unknown operator; a negative seed.
    UnknownNameError
        Unknown reference, descriptor or variant.

    Examples
    --------
    >>> r = succession("example", start={"world": "recession", "policy": "open", "politics": "liberal",
    ...                                  "relationship": "integration"})
    >>> r.steps, r.is_attractor
    (2, True)
    """
    from .cib import compile_model
    from .cib.succession import succession as _succession
    from .cib.warmup import load_kernels

    check_choice(operator, OPERATORS, "--operator")
    check_seed(seed, "--seed")
    if sum([bool(start), reference is not None, bool(random)]) != 1:
        raise OptionError("give exactly one of --start D=V,..., --reference ID or --random")
    t_all = time.perf_counter()
    m, read_s = _timed_load(model, self_impacts)
    t0 = time.perf_counter()
    compiled = compile_model(m)
    read_s += time.perf_counter() - t0
    if reference is not None:
        refs = {r.id: r for r in m.reference_scenarios}
        if reference not in refs:
            raise UnknownNameError(
                f"--reference {reference}: no such reference scenario (known: {', '.join(refs) or 'none'})"
            )
        first: Any = dict(refs[reference].variants)
    elif random:
        first = random_start(compiled, seed)
    else:
        first = dict(start)
    compile_s = load_kernels("succession", operator=operator)
    t0 = time.perf_counter()
    result = _succession(compiled, first, operator, fixed=dict(fixed) if fixed else None)
    engine_s = time.perf_counter() - t0
    return replace(
        result, timings={"read": read_s, "compile": compile_s, "engine": engine_s, "total": time.perf_counter() - t_all}
    )


def basins(
    model: ModelLike = None,
    *,
    operator: str = "global",
    fixed: Mapping[str, str] | None = None,
    method: str = "auto",
    samples: int = BASIN_SAMPLES,
    seed: int | None = None,
    confidence: float = 0.95,
    self_impacts: str | None = None,
    progress: Progress | None = None,
) -> Basins:
    """Basins of attraction (volume weights): how many start scenarios end in each attractor under succession.

    Parameters
    ----------
    method : {"auto", "exact", "sampled"}
        ``exact`` follows every scenario of the free space (4 bytes each; at most 2^31 − 1); ``sampled`` follows
        ``samples`` random starts with a Wilson interval per share; ``auto`` is exact when the free space has at
        most 2^29 scenarios.
    samples : int, 1 … 10,000,000
    seed : int ≥ 0 or None
    confidence : float in (0, 1)
        Level of the sampled intervals.

    Returns
    -------
    Basins
        ``model_id`` set (``to_dict`` names the model); ``timings`` holds ``read``, ``compile`` (kernel
        loading), ``engine`` and its phases, ``total`` (seconds).

    Raises
    ------
    OptionError
        Unknown operator or method, a negative seed, samples or confidence out of range, a free space too large
        for the exact method.

    Examples
    --------
    >>> b = basins("example")
    >>> b.exact, int(b.sizes.sum()) + b.in_cycles == b.total
    (True, True)
    """
    import math

    from .cib import compile_model
    from .cib.basins import MAX_EXACT
    from .cib.basins import basins as _basins
    from .cib.search import normalise_fixed
    from .cib.warmup import load_kernels

    check_choice(operator, OPERATORS, "--operator")
    check_seed(seed, "--seed")
    check_choice(method, BASIN_METHODS, "--method")
    if not 1 <= samples <= MAX_SAMPLES:
        raise OptionError(f"--samples must be between 1 and {MAX_SAMPLES:,}, got {samples:,}")
    if not 0 < confidence < 1:
        raise OptionError(f"--confidence must be between 0 and 1 (e.g. 0.95), got {confidence}")
    t_all = time.perf_counter()
    m, read_s = _timed_load(model, self_impacts)
    compiled = compile_model(m)
    fx = normalise_fixed(compiled, dict(fixed) if fixed else None)
    space = math.prod(int(c) for c, f in zip(compiled.counts, fx) if f < 0)
    exact = method == "exact" or (method == "auto" and space <= MAX_EXACT)
    compile_s = load_kernels("basins-exact" if exact else "basins-sampled", operator=operator)
    t0 = time.perf_counter()
    result = _basins(
        compiled, operator, fx, "exact" if exact else "sampled", samples, seed, confidence, progress=progress
    )
    t_info = {"read": read_s, "compile": compile_s, "engine": time.perf_counter() - t0}
    t_info.update({f"engine: {k}": v for k, v in result.seconds.items() if k != "total"})
    t_info["total"] = time.perf_counter() - t_all
    return replace(result, model_id=m.metadata.id, timings=t_info)


# -- likelihoods ----------------------------------------------------------------------------------------------


def likelihood(
    model: ModelLike = None,
    *,
    draws: int | None = None,
    seed: int | None = DEFAULT_SEED,
    fixed: Mapping[str, str] | None = None,
    priors: Mapping[str, Mapping[str, float]] | None = None,
    credit: str = "variants",
    shared_sections: bool = False,
    outcome: str | None = None,
    scheduler: Any = None,
    self_impacts: str | None = None,
    progress: Progress | None = None,
    conventions: bool = False,
) -> OutcomeDistribution:
    """Outcome distribution with uncertainty bands, beside the source's own assessments (docs/method.md).

    Every combination of exogenous variants weighs the product of its priors; its consistent scenarios share that
    weight among the outcome variants they take (``credit``), or it goes to the none bin when there is none. With
    ``draws`` R > 0 the judgments are redrawn R times from their spreads (seeded): the point estimate is the mean,
    the band the 5–95 % range over draws.

    Parameters
    ----------
    draws : int, 0 … 100,000, or None
        Judgment draws; ``None`` gives 500 (0 with ``credit="volume"``, which reads the stated matrix only).
    seed : int ≥ 0 or None
    fixed : interventions, descriptor id → variant id
    priors : descriptor id → {variant id: probability}, each summing to 1
        Overrides the model's priors of those exogenous descriptors.
    credit : {"variants", "scenarios", "volume", "definition"}
        The crediting convention (docs/method.md §2); ``definition`` labels each scenario by the outcome variants'
        classification rules and needs them.
    shared_sections : bool
        One shared shift per judgment section (correlated draws).
    outcome : str, optional
        Descriptor to headline (default: the model's outcome).
    scheduler : None, str or distributed.Client
        Run the draws on a Dask scheduler (the same numbers as in-process).
    conventions : bool
        Also compute the convention range (``.conventions``): the outcome's probability at the stated matrix under
        every crediting convention (variants, scenarios, volume and, with rules, definition), min and max per variant.
        Volume weights make this cost seconds (about 7 s on the flagship).

    Raises
    ------
    OptionError
        draws out of range, draws > 0 with volume credit, a negative seed, bad priors, unknown credit, an outcome
        fixed by an intervention, an unreachable scheduler.

    Examples
    --------
    >>> d = likelihood("example", draws=20, seed=1)
    >>> d.draws, round(float(sum(d.marginal().probability) + d.none.probability), 9)
    (20, 1.0)
    """
    from .probability import outcome_distribution

    check_choice(credit, CREDITS, "--credit")
    if draws is None:
        draws = 0 if credit == "volume" else DEFAULT_DRAWS
    check_draws(draws, "--draws")
    if draws and credit == "volume":
        raise OptionError(
            f"--credit volume evaluates the stated matrix only: give --draws 0 or leave --draws out "
            f"(got --draws {draws})"
        )
    check_seed(seed, "--seed")
    m = load(model, self_impacts=self_impacts)
    return outcome_distribution(
        m,
        priors=dict(priors) if priors else None,
        fixed=dict(fixed) if fixed else None,
        draws=draws,
        seed=seed,
        outcome=outcome,
        credit=credit,
        shared_sections=shared_sections,
        scheduler=scheduler,
        progress=progress,
        conventions=conventions,
    )


def sensitivity(
    model: ModelLike = None,
    *,
    fixed: Mapping[str, str] | None = None,
    priors: Mapping[str, Mapping[str, float]] | None = None,
    credit: str = "variants",
    outcome: str | None = None,
    self_impacts: str | None = None,
) -> SensitivityResult:
    """Which judgments, moved by −1 or +1, change the kernel or shift the outcome most; and the outcome were each
    exogenous variant certain (the response to the priors).

    Raises
    ------
    OptionError
        Unknown credit, bad priors, no outcome.

    Examples
    --------
    >>> s = sensitivity("example")
    >>> s.outcome, len(s.judgments) == len(load("example").judgments)
    ('relationship', True)
    """
    from .probability import sensitivity as _sensitivity

    check_choice(credit, CREDITS, "--credit")
    m = load(model, self_impacts=self_impacts)
    return _sensitivity(
        m, priors=dict(priors) if priors else None, fixed=dict(fixed) if fixed else None, outcome=outcome, credit=credit
    )


def ensemble(
    model: ModelLike = None,
    *,
    members: Sequence[str | os.PathLike] | None = None,
    weights: Sequence[float] | None = None,
    fixed: Mapping[str, str] | None = None,
    credit: str = "variants",
    outcome: str | None = None,
    self_impacts: str | None = None,
) -> EnsembleResult:
    """Several readings of one matrix: per-member kernels and outcome distributions, each scenario's support, the
    consensus scenarios and the weighted mixture.

    Members come from the model's ``ensemble:`` list or, with ``members`` (files with the same structure), are the
    model itself and then the files; ``weights`` (the model first; each finite and > 0, default equal) only go
    with ``members``. ``self_impacts`` applies to the ``.scw`` files among them.

    Raises
    ------
    OptionError
        Weights without members, a wrong number of weights, a model with no ensemble and no members, members whose
        structure differs.
    """
    from .probability import ensemble_distribution, members_from_files

    check_choice(credit, CREDITS, "--credit")
    m = load(model, self_impacts=self_impacts)
    if weights and not members:
        raise OptionError("--weight needs --member files (an ensemble: list carries its own weights)")
    src = model_path(model)

    def read_member(p):
        return load(p, self_impacts=self_impacts if Path(p).suffix.lower() == ".scw" else None)

    chosen = (
        members_from_files(
            m,
            list(members),
            list(weights) if weights else None,
            base_label=src.name if src is not None else None,
            loader=read_member,
        )
        if members
        else None
    )
    return ensemble_distribution(
        m,
        chosen,
        fixed=dict(fixed) if fixed else None,
        outcome=outcome,
        credit=credit,
        base_dir=src.parent if src is not None else None,
        loader=read_member,
    )


# -- evidence -------------------------------------------------------------------------------------------------


def track(
    model: ModelLike = None,
    *,
    evidence: str | os.PathLike | None = None,
    db: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = DEFAULT_SEED,
    self_impacts: str | None = None,
    progress: Progress | None = None,
) -> TrackResult:
    """Replay the evidence dated after the model's as-of date, date by date: the outcome distribution after each
    date, from the model alone (updated priors and interventions through CIB) and with indicators (docs/evidence.md).

    Parameters
    ----------
    evidence : path or packaged evidence name, optional
        Evidence file to replay; without it the evidence store ``db`` is read.
    db : str, optional
        SQLAlchemy URL or SQLite file of the store (default ``$SCENARIST_DB``, else ``./scenarist.db``).
    start, end : date, optional
        Record dates in [start, end] only (evidence before ``start`` still counts).
    draws : int, 0 … 100,000
        Judgment draws per date (0: the stated matrix only).
    seed : int ≥ 0 or None

    Returns
    -------
    TrackResult
        With ``model`` set (the report needs it); a store without evidence for the model adds a note.

    Raises
    ------
    OptionError
        Both ``evidence`` and ``db``; draws out of range; a negative seed; ``start`` after ``end``.
    ModelError
        Evidence that does not fit the model (file, line, field).
    StoreError
        No such store (reading never creates one), or a damaged one (the message names the table or row).
    """
    from .evidence import EvidenceStore, load_evidence
    from .evidence.replay import track as _track

    check_draws(draws, "--draws")
    check_seed(seed, "--seed")
    if evidence is not None and db is not None:
        raise OptionError("give --evidence or --db, not both")
    m = load(model, self_impacts=self_impacts)
    notes: list[str] = []
    if evidence is not None:
        ev = load_evidence(evidence, m)
        items, claims, source = list(ev.items), list(ev.contradicted_claims), str(evidence)
    else:
        with EvidenceStore(db, create=False) as store:
            source = store._shown_url()
            items, claims = store.items(m.metadata.id), store.claims(m.metadata.id)
        if not items:
            notes.append(f"{source} holds no evidence for model {m.metadata.id}")
    result = _track(
        m, items, start=start, end=end, draws=draws, seed=seed, claims=claims, progress=progress, source=source
    )
    return replace(result, model=m, notes=tuple(notes) + tuple(result.notes))


def ach(
    model: ModelLike = None,
    *,
    evidence: str | os.PathLike | None = None,
    db: str | None = None,
    hypotheses: str | None = None,
    as_of: dt.date | None = None,
    self_impacts: str | None = None,
) -> AchResult:
    """The evidence as Heuer's Analysis of Competing Hypotheses matrix: evidence × hypotheses (the outcome's variants,
    or any descriptor's), each cell rated, with diagnosticity, inconsistency scores, the evidence layer's posterior
    and the critical items (:func:`scenarist.evidence.ach.ach`; definitions in docs/evidence.md, "ACH view").

    Parameters
    ----------
    evidence : path or packaged evidence name, optional
        Evidence file; without it the evidence store ``db`` is read.
    db : str, optional
        SQLAlchemy URL or SQLite file of the store (default ``$SCENARIST_DB``, else ``./scenarist.db``).
    hypotheses : str, optional
        Descriptor whose variants are the hypotheses (default: the outcome).
    as_of : date, optional
        Take the evidence dated on or before it (default: all).

    Returns
    -------
    AchResult
        With ``model`` set (the report needs it).

    Raises
    ------
    OptionError
        Both ``evidence`` and ``db``; no outcome and no ``hypotheses``; ``as_of`` before the model's as-of date.
    UnknownNameError
        ``hypotheses`` names no descriptor.
    ModelError
        Evidence that does not fit the model (file, line, field).
    StoreError
        No such store, or a damaged one.
    """
    from .evidence import EvidenceStore, load_evidence
    from .evidence.ach import ach as _ach

    if evidence is not None and db is not None:
        raise OptionError("give --evidence or --db, not both")
    m = load(model, self_impacts=self_impacts)
    if evidence is not None:
        items, source = list(load_evidence(evidence, m).items), str(evidence)
    else:
        with EvidenceStore(db, create=False) as store:
            source = store._shown_url()
            items = store.items(m.metadata.id)
    result = _ach(m, items, hypotheses=hypotheses, as_of=as_of, source=source)
    return replace(result, model=m)


# -- reports --------------------------------------------------------------------------------------------------


def report(
    result: Any,
    *,
    sections: Iterable[str] | None = None,
    path: str | os.PathLike | None = None,
    inputs: Iterable[Any] = (),
    db: str | None = None,
    ledger: bool = False,
    likelihood_result: Any = None,
    sensitivity_result: Any = None,
) -> str:
    """The self-contained HTML report of an :class:`~scenarist.analysis.Analysis` or a
    :class:`~scenarist.evidence.replay.TrackResult`; written to ``path`` (all at once) when given.

    Parameters
    ----------
    result : Analysis or TrackResult
    sections : iterable of str, optional
        For an analysis: which sections, from :data:`scenarist.reporting.SECTIONS`; default
        :data:`scenarist.reporting.DEFAULT_SECTIONS`, plus ``volume_weights`` when the analysis has them. The
        likelihood and sensitivity sections are computed here (500 draws, seed 0: the defaults of
        :func:`likelihood` and :func:`track`) unless given as ``likelihood_result``/``sensitivity_result``.
    path : path, optional
        File to write; never one of ``inputs``.
    db : str, optional
        With ``ledger``: the store (SQLAlchemy URL or SQLite file; default ``$SCENARIST_DB``, else ./scenarist.db).
    ledger : bool
        For a track result: add the forecast ledger of the model from the store ``db``, scored.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    OptionError
        An unknown section, a path that cannot be written or is an input.
    """
    from . import reporting
    from .analysis import Analysis
    from .evidence.replay import TrackResult

    if path is not None:
        from .io.output import check_output_path

        check_output_path(path, inputs=list(inputs), option="--report")
    if isinstance(result, Analysis):
        wanted = (
            tuple(sections)
            if sections is not None
            else tuple(
                s
                for s in reporting.SECTIONS
                if s in reporting.DEFAULT_SECTIONS or (s == "volume_weights" and result.volume_weights is not None)
            )
        )
        model = result.model
        fixed = dict(result.fixed) or None
        computable = model.outcome is not None and not (fixed and model.outcome.id in fixed)
        if "likelihood" in wanted and likelihood_result is None and computable:
            from .probability import outcome_distribution

            # with the convention range (volume weights included): always in the report, an option on the CLI
            likelihood_result = outcome_distribution(
                model, fixed=fixed, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED, conventions=True
            )
        if "sensitivity" in wanted and sensitivity_result is None and computable:
            from .probability import sensitivity as _sensitivity

            sensitivity_result = _sensitivity(model, fixed=fixed)
        html = reporting.build_report(result, wanted, likelihood=likelihood_result, sensitivity=sensitivity_result)
    elif isinstance(result, TrackResult):
        if result.model is None:
            raise OptionError("this track result carries no model: make it with scenarist.track()")
        scores = forecasts_made = None
        if ledger:
            from .evidence import EvidenceStore
            from .forecasts import list_forecasts, score

            with EvidenceStore(db, create=False) as store:
                forecasts_made = list_forecasts(store, result.model_id)
            scores = score(forecasts_made) if forecasts_made else None
        from .evidence.ach import ach as _ach

        ach_result = _ach(result.model, result.items, as_of=result.points[-1].date)  # the evidence the replay took
        html = reporting.build_track_report(result.model, result, scores, forecasts_made or (), ach=ach_result)
    else:
        raise OptionError(f"report takes an Analysis or a TrackResult, not {type(result).__name__}")
    if path is not None:
        reporting.write_report(path, html, inputs=list(inputs))
    return html


__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "MAX_DRAWS",
    "MAX_RESULTS",
    "Validation",
    "ach",
    "analyze",
    "basins",
    "check_output",
    "ensemble",
    "explain",
    "export",
    "import_model",
    "likelihood",
    "load",
    "model_path",
    "random_start",
    "report",
    "save",
    "sensitivity",
    "succession",
    "track",
    "validate",
    "volume_weights",
]
