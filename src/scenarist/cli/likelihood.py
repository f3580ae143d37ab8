"""Commands ``likelihood``, ``sensitivity`` and ``ensemble``: parse the options, call :func:`scenarist.likelihood`,
:func:`scenarist.sensitivity` or :func:`scenarist.ensemble`, and print the result with Rich or as one JSON document.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import scenarist

from .common import (
    FixOpt,
    JsonOpt,
    ModelArg,
    ProgressBar,
    SeedOpt,
    SelfImpactsOpt,
    StoreOpt,
    command,
    console,
    emit_json,
    err_console,
    parse_assignments,
    parse_priors,
    stored_model,
)

SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run the draws on this Dask scheduler (e.g. tcp://host:8786); same numbers as in-process.",
    ),
]
CreditOpt = Annotated[
    str,
    typer.Option(
        "--credit",
        metavar="variants|scenarios|volume|definition",
        help="Share each exogenous combination's weight among its outcome 'variants' (default), its 'scenarios', its attractors by 'volume' weight (stated matrix only), or the labels the outcome's classification rules give its scenarios ('definition').",
    ),
]
PriorOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--prior",
        metavar="DESCRIPTOR=VARIANT:P,...",
        help="Override a prior: DESCRIPTOR=VARIANT:P,VARIANT:P,... (repeatable; must sum to 1).",
    ),
]
OutcomeOpt = Annotated[
    str | None,
    typer.Option("--outcome", metavar="DESCRIPTOR", help="Descriptor to headline (default: the model's outcome)."),
]
SharedOpt = Annotated[
    bool, typer.Option("--shared-sections", help="One shared shift per judgment section (correlated draws).")
]


def _pct(x) -> str:
    return "–" if x is None or math.isnan(float(x)) else f"{100 * float(x):.1f} %"


def _num(x, digits: int = 1) -> str:
    """A probability as a percentage number without the sign (tables say % in the header)."""
    return "–" if x is None or math.isnan(float(x)) else f"{100 * float(x):.{digits}f}"


@command("likelihood")
def likelihood_command(
    model: ModelArg = None,
    store_db: StoreOpt = None,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws",
            min=0,
            metavar="N",
            show_default=f"{scenarist.DEFAULT_DRAWS}; 0 with --credit volume",
            help=f"Judgment draws for the bands (0: the stated matrix only, exact; at most {scenarist.MAX_DRAWS:,}).",
        ),
    ] = None,
    seed: SeedOpt = scenarist.DEFAULT_SEED,
    fix: FixOpt = None,
    prior: PriorOpt = None,
    scheduler: SchedulerOpt = None,
    credit: CreditOpt = "variants",
    shared_sections: SharedOpt = False,
    outcome: OutcomeOpt = None,
    self_impacts: SelfImpactsOpt = None,
    conventions: Annotated[
        bool,
        typer.Option(
            "--conventions",
            help="Add the convention range: each outcome variant's probability at the stated matrix under every "
            "crediting convention (variants, scenarios, volume, and definition when the outcome has rules), min–max. "
            "Costs the volume weights' basins (about 4–7 s on the flagship), so it is not on by default.",
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Outcome distribution with uncertainty bands, beside the source's own assessments.

    Every combination of exogenous variants is weighted by the product of the priors; the consistent scenarios
    under it share that weight among the outcome variants they take, or it goes to the none bin when there is no
    consistent scenario. With --draws N the judgments are redrawn from their spreads N times (seeded): the point
    estimate is the mean, the band the 5-95 % range across draws, the MC standard error is shown apart. The
    defaults (500 draws, seed 0) are those of track and of the report, so all three show the same numbers.
    --fix D=V adds an intervention; --prior overrides a prior. --credit chooses the crediting convention;
    --conventions adds the convention range beside the band (never merged with it). See docs/method.md.
    """
    model = stored_model(model, store_db)
    with ProgressBar("judgment draws", delay=0.0) as bar:
        d = scenarist.likelihood(
            model,
            draws=draws,
            seed=seed,
            fixed=parse_assignments(fix),
            priors=parse_priors(prior),
            credit=credit,
            shared_sections=shared_sections,
            outcome=outcome,
            scheduler=scheduler,
            self_impacts=self_impacts,
            progress=bar,
            conventions=conventions,
        )
    if json_out:
        emit_json(d.to_dict())
    else:
        print_distribution(d, str(scenarist.api.model_path(model)))
    for note in d.notes:
        err_console.print(f"note: {note}", markup=False, highlight=False)


def print_distribution(d, source: str | None = None) -> None:
    """Print an :class:`~scenarist.probability.OutcomeDistribution` as Rich tables."""
    m = d.marginal()
    how = f"{d.draws} judgment draws, seed {d.seed}" if d.draws else "stated matrix (no draws)"
    if d.samples:
        how += f"; {d.samples} of {d.n_combinations} exogenous combinations sampled per matrix"
    else:
        how += f"; {d.n_combinations} exogenous combination(s) enumerated"
    how += f"; credited by {d.credit}"
    t = Table(title=f"{m.name} ({d.outcome}) — {how}", title_justify="left")
    t.add_column("variant", ratio=1, min_width=12)
    for col in ("P %", "5–95 %", "s.e.", "stated", "¬none"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("source says", ratio=1, min_width=14)
    words = {c.variants[0]: c for c in d.comparisons if len(c.variants) == 1}
    for i, v in enumerate(m.variant_ids):
        c = words.get(v)
        t.add_row(
            m.variant_names[i],
            _num(m.probability[i]),
            "–" if m.low is None else f"{_num(m.low[i])}–{_num(m.high[i])}",
            "–" if m.standard_error is None else _num(m.standard_error[i]),
            _num(m.stated[i]),
            _num(m.conditional[i]),
            "" if c is None else f"{c.term} ({_num(c.low, 0)}–{_num(c.high, 0)}): {c.verdict}",
        )
    u = d.unclassified
    if u is not None:
        t.add_row(
            "unclassified (no rule)",
            _num(u.probability),
            "–" if u.low is None else f"{_num(u.low)}–{_num(u.high)}",
            "–" if u.standard_error is None else _num(u.standard_error),
            _num(u.stated),
            "",
            "",
            style="italic",
        )
    n = d.none
    t.add_row(
        "none",
        _num(n.probability),
        "–" if n.low is None else f"{_num(n.low)}–{_num(n.high)}",
        "–" if n.standard_error is None else _num(n.standard_error),
        _num(n.stated),
        "",
        "",
        style="italic",
    )
    console.print(t)
    console.print(
        "P: mean over draws; 5–95 %: band over draws; s.e.: Monte Carlo standard error; stated: the matrix "
        "as written; ¬none: conditional on some consistent scenario; none: no consistent scenario.",
        markup=False,
        highlight=False,
        style="dim",
    )
    if d.conventions is not None:
        console.print(convention_table(d))
    joint = [c for c in d.comparisons if len(c.variants) > 1]
    if joint:
        j = Table(title="Joint assessments of the source", title_justify="left")
        j.add_column("variants", overflow="fold")
        for col in ("¬none %", "5–95 %"):
            j.add_column(col, justify="right", no_wrap=True)
        j.add_column("source says", overflow="fold")
        for c in joint:
            j.add_row(
                " + ".join(c.variants),
                _num(c.conditional),
                "–" if c.band is None else f"{_num(c.band[0])}–{_num(c.band[1])}",
                f"{c.term} ({_num(c.low, 0)}–{_num(c.high, 0)}): {c.verdict}" if c.term else "(no term)",
            )
        console.print(j)
    if d.priors:
        parts = []
        for desc, info in d.priors.items():
            probs = ", ".join(f"{v} {_num(p, 0)}" for v, p in info["probabilities"].items())
            parts.append(f"{desc}: {probs} ({info['origin']})")
        console.print("Priors (%): " + "; ".join(parts), markup=False, highlight=False)
    line = f"{len(d.scenarios)} consistent scenario(s) in the stated matrix"
    if d.draws:
        line += (
            f"; {len(d.robustness)} consistent in some draw, {int((d.robustness >= 1.0).sum())} in every draw"
            f" (most robust: {_pct(d.robustness.max() if len(d.robustness) else 0.0)} of draws)"
        )
    console.print(line, markup=False, highlight=False)


def convention_table(d) -> Table:
    """The convention range of an :class:`~scenarist.probability.OutcomeDistribution` (``d.conventions``) as a Rich
    table: each outcome variant's probability (%) at the stated matrix under each convention, then min–max."""
    cr = d.conventions
    m = d.marginal()
    t = Table(
        title="Convention range (stated matrix, %): the outcome under each crediting convention",
        title_justify="left",
    )
    t.add_column("variant", ratio=1, min_width=10)
    for name in cr.conventions:
        t.add_column(name, justify="right", no_wrap=True)
    t.add_column("range", justify="right", no_wrap=True)
    for i in range(len(cr.variant_ids)):
        t.add_row(
            m.variant_names[i],
            *[_num(cr.values[c, i]) for c in range(len(cr.conventions))],
            f"{_num(cr.low[i])}–{_num(cr.high[i])}",
        )
    if cr.unclassified is not None and cr.unclassified > 0:
        t.add_row(
            "unclassified",
            *["" if c != "definition" else _num(cr.unclassified) for c in cr.conventions],
            "",
            style="italic",
        )
    t.caption = (
        "The convention range is how much the answer owes to our crediting convention; the 5–95 % band is how "
        "much it owes to contestable judgments. They are not merged. " + " ".join(cr.notes)
    )
    t.caption_justify = "left"
    return t


@command("sensitivity")
def sensitivity_command(
    model: ModelArg = None,
    store_db: StoreOpt = None,
    fix: FixOpt = None,
    prior: PriorOpt = None,
    credit: CreditOpt = "variants",
    outcome: OutcomeOpt = None,
    top: Annotated[int, typer.Option("--top", min=0, metavar="N", help="Judgments to list (0: all).")] = 10,
    self_impacts: SelfImpactsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Which judgments, moved by -1 or +1, change the kernel or shift the outcome most; and how the outcome
    responds to each exogenous prior (the outcome if each exogenous variant were certain)."""
    model = stored_model(model, store_db)
    s = scenarist.sensitivity(
        model,
        priors=parse_priors(prior),
        fixed=parse_assignments(fix),
        outcome=outcome,
        credit=credit,
        self_impacts=self_impacts,
    )
    if json_out:
        emit_json(s.to_dict())
        return
    labels = list(s.variant_ids) + ["none"]
    # Judgment cells (descriptor.variant ids) are never folded; on a narrow terminal the outcome shifts follow
    # the table instead of sharing its width.
    ids_width = max((len(x) for e in s.judgments for x in (e.source, e.target)), default=8) + 2
    wide = console.width >= ids_width + 70
    t = Table(
        title=f"Judgments ranked by influence on {s.outcome} (outcome shift: the larger of the two moves)",
        title_justify="left",
        show_edge=wide,
        pad_edge=wide,
    )
    t.add_column("#", justify="right", no_wrap=True)
    t.add_column("judgment", no_wrap=True)
    t.add_column("score", justify="right", no_wrap=True)
    t.add_column("TV %", justify="right", no_wrap=True)
    t.add_column("kernel\n−1", justify="right", no_wrap=True)
    t.add_column("kernel\n+1", justify="right", no_wrap=True)
    if wide:
        t.add_column("outcome shift (points)", min_width=14)
    listed = []
    for i, e in enumerate(s.top(top) if top else s.judgments):
        moves = [(d, a) for d, a in ((-1, e.shift_down), (1, e.shift_up)) if a is not None]
        if not moves:
            continue
        delta, arr = max(moves, key=lambda m: float(sum(abs(x) for x in m[1])))
        shifts = ", ".join(f"{lab} {100 * x:+.1f}" for lab, x in zip(labels, arr) if abs(x) >= 5e-4) or "none"
        listed.append((i + 1, shifts))
        t.add_row(
            str(i + 1),
            f"{e.source} →\n{e.target}",
            f"{e.score:+d}→{e.score + delta:+d}",
            f"{100 * e.influence:.1f}",
            e.kernel_text(-1),
            e.kernel_text(+1),
            *([shifts] if wide else []),
        )
    console.print(t)
    if not wide:
        console.print("Outcome shift (points) of the larger move:", highlight=False)
        for rank, shifts in listed:
            console.print(f"  {rank:>2}. {shifts}", highlight=False)
    console.print(
        "TV: total-variation shift of the outcome distribution (the larger move); kernel −1 / +1: "
        "consistent scenarios gained/lost when the score moves down / up by one (– off the scale).",
        markup=False,
        highlight=False,
        style="dim",
    )
    if s.priors:
        print_prior_response(s, labels)


def print_prior_response(s, labels: list[str]) -> None:
    """The prior-response table: per exogenous variant, its prior and the outcome (%) were it certain.

    Variant ids are typed back (``--fix``, ``--prior``), so they are never folded: each descriptor heads its own
    group of rows, and the none column is left out when it is 0 throughout (a note says so)."""
    none_zero = all(abs(e.conditional[-1]) < 5e-4 for e in s.priors)
    cols = labels[:-1] if none_zero else labels
    p = Table(
        title="Outcome (%) if each exogenous variant were certain (response to the priors)",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    p.add_column("exogenous variant", no_wrap=True)
    for col in ("prior", *cols):
        p.add_column(col, justify="right", no_wrap=True)
    current = None
    for e in s.priors:
        if e.descriptor != current:
            if current is not None:
                p.add_section()
            p.add_row(f"{e.descriptor}:", *[""] * (len(cols) + 1), style="bold")
            current = e.descriptor
        p.add_row(e.variant, _num(e.prior), *[_num(x) for x in e.conditional[: len(cols)]])
    console.print(p)
    if none_zero:
        console.print("none: 0 under every exogenous variant.", highlight=False, style="dim")


@command("ensemble")
def ensemble_command(
    model: ModelArg = None,
    member: Annotated[
        list[Path] | None,
        typer.Option(
            "--member",
            metavar="FILE",
            help="A member model file with the same structure (repeatable); with --member, the model itself is the first member and the files follow.",
        ),
    ] = None,
    weight: Annotated[
        list[float] | None,
        typer.Option("--weight", metavar="W", help="Member weights in order, the model first (default: equal)."),
    ] = None,
    fix: FixOpt = None,
    credit: CreditOpt = "variants",
    outcome: OutcomeOpt = None,
    self_impacts: SelfImpactsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Ensemble of matrices on one structure: per-member kernels and outcome distributions, each scenario's
    support, the consensus scenarios and the weighted mixture. Members come from the model's ensemble: list or,
    with --member FILE, are the model itself and then the files; a model with neither is refused."""
    r = scenarist.ensemble(
        model,
        members=member,
        weights=weight,
        fixed=parse_assignments(fix),
        credit=credit,
        outcome=outcome,
        self_impacts=self_impacts,
    )
    if json_out:
        emit_json(r.to_dict())
        return
    labels = list(r.mixture.marginal().variant_ids)
    t = Table(title=f"Ensemble of {len(r.members)} members: outcome {r.mixture.outcome}", title_justify="left")
    for col in ("member", "weight", "kernel", *labels, "none"):
        t.add_column(col, justify="left" if col == "member" else "right", overflow="fold")
    for mem, w, d in zip(r.members, r.weights, r.distributions):
        t.add_row(
            mem.id,
            f"{w:.2f}",
            str(len(d.scenarios)),
            *[_pct(x) for x in d.probability.values()],
            _pct(d.none.probability),
        )
    mix = r.mixture
    t.add_row(
        "weighted mixture",
        "1.00",
        str(len(r.scenarios)),
        *[_pct(x) for x in mix.probability.values()],
        _pct(mix.none.probability),
        style="bold",
    )
    console.print(t)
    console.print(
        f"{len(r.consensus)} consensus scenario(s) (consistent in every member) of {len(r.scenarios)} "
        f"consistent in some member",
        markup=False,
        highlight=False,
    )
