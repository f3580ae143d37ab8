"""Run every fuzz target for many inputs and report, per target, the inputs tried, clean refusals, accepted inputs,
tracebacks and hangs (``make fuzz``; see docs/reliability.md).

    python scripts/fuzz.py                      # 10 000 inputs per target, table printed and written to the doc
    python scripts/fuzz.py -n 500 -t scw,sl     # a quick look at two targets
    python scripts/fuzz.py --no-docs            # print only

Each target runs in its own child process (so that a crash or a runaway allocation ends one target, not the run),
drawing its inputs from the same Hypothesis strategies as the test suite's fuzz tests (``tests/fuzz``), unseeded
unless ``--seed`` is given. Every input goes through the oracle of ``tests/fuzz/fuzz_oracle.py`` (5 s and a memory
margin per input). The first inputs of each distinct failure (exception type and innermost Scenarist function) are
saved under ``--save`` (default ``scenarist-fuzz-failures/<target>/`` in the temporary folder) for the regression corpus (``tests/corpus``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "tests" / "fuzz"
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- fuzz-results:start -->", "<!-- fuzz-results:end -->"
KEEP_PER_SIGNATURE = 3


class _TimeUp(BaseException):
    """Ends a target's run at its time budget (a BaseException: Hypothesis lets it through at once)."""


def _child(name: str, n: int, out: Path, save: Path, seed: int | None, budget: float) -> None:
    sys.path.insert(0, str(FUZZ))
    from fuzz_oracle import TIMEOUT, run_guarded
    from fuzz_targets import TARGETS, warm_up
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    target = TARGETS[name]
    warm_up()
    stats = {"target": name, "what": target.what, "inputs": 0, "accepted": 0, "refused": 0, "traceback": 0}
    stats |= {"hang": 0, "seconds": 0.0, "slowest": 0.0, "failures": {}, "timeout": TIMEOUT}
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))

    def flush() -> None:
        stats["seconds"] = round(time.perf_counter() - t0, 1)
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(stats, indent=1))
        os.replace(tmp, out)

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(target.strategy())
    def loop(data: bytes) -> None:
        if budget and time.perf_counter() - t0 > budget:
            stats["budget_reached"] = budget
            raise _TimeUp()
        outcome = run_guarded(lambda: target.run(data, work))
        stats["inputs"] += 1
        stats[outcome.kind] += 1
        stats["slowest"] = round(max(stats["slowest"], outcome.seconds), 3)
        if outcome.kind in ("traceback", "hang"):
            sig = outcome.signature
            message = outcome.describe().replace(str(work), "<work>")
            entry = stats["failures"].setdefault(sig, {"count": 0, "message": message, "files": []})
            entry["count"] += 1
            if len(entry["files"]) < KEEP_PER_SIGNATURE:
                folder = save / name
                folder.mkdir(parents=True, exist_ok=True)
                stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", sig)[:80]
                path = folder / f"{stem}-{entry['count']}{target.suffix}"
                path.write_bytes(data)
                entry["files"].append(str(path))
        if stats["inputs"] % 100 == 0:
            flush()

    if seed is not None:
        loop = hseed(seed)(loop)
    with contextlib.suppress(_TimeUp):
        loop()
    flush()


def _run_target(name: str, args) -> dict:
    out = Path(tempfile.mkstemp(prefix=f"fuzz-{name}-", suffix=".json")[1])
    cmd = [sys.executable, __file__, "--child", name, "-n", str(args.n), "--json-out", str(out), "--save", args.save]
    cmd += ["--target-seconds", str(args.target_seconds)]
    if args.seed is not None:
        cmd += ["--seed", str(args.seed)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, timeout=args.max_seconds or None, capture_output=True, text=True)
        status = proc.returncode
        err = proc.stderr[-2000:]
    except subprocess.TimeoutExpired:
        status, err = "stopped", f"stopped after --max-seconds {args.max_seconds}"
    try:
        stats = json.loads(out.read_text())
    except (OSError, ValueError):
        stats = {"target": name, "inputs": 0, "accepted": 0, "refused": 0, "traceback": 0, "hang": 0, "failures": {}}
    out.unlink(missing_ok=True)
    stats["wall"] = round(time.perf_counter() - t0, 1)
    if status != 0:
        stats.pop("note", None)
        last = err.strip().splitlines()[-1] if err.strip() else ""
        stats["note"] = f"child ended with {status}: {last[:120]}"
        stats["stderr"] = err
    print(f"  done: {name}, {stats['inputs']} inputs in {stats['wall']} s", flush=True)
    return stats


def _table(results: list[dict]) -> str:
    lines = [
        "| target | inputs | clean refusals | accepted | tracebacks | hangs | time (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        note = f" ({r['note']})" if r.get("note") else ""
        if r.get("budget_reached"):
            note += f" (stopped at its {r['budget_reached']:g} s budget)"
        lines.append(
            f"| {r['target']}{note} | {r['inputs']} | {r['refused']} | {r['accepted']} | {r['traceback']} "
            f"| {r['hang']} | {r.get('wall', r.get('seconds', 0))} |"
        )
    return "\n".join(lines)


def _failures(results: list[dict]) -> str:
    out = []
    for r in results:
        for sig, f in sorted(r.get("failures", {}).items(), key=lambda kv: -kv[1]["count"]):
            out.append(f"- `{r['target']}`: {f['count']} × `{sig}`: {f['message'][:160]}")
    return "\n".join(out) if out else "None."


def _tree() -> str:
    if os.environ.get("SCENARIST_FUZZ_TREE"):
        return os.environ["SCENARIST_FUZZ_TREE"]
    try:
        commit = subprocess.run(
            ["git", "log", "-1", "--format=%h", "--", "src"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    if os.environ.get("PYTHONPATH"):
        return f"the scenarist on PYTHONPATH (checkout's src at {commit}; name the tree with SCENARIST_FUZZ_TREE)"
    return f"src at {commit}"


def _update_doc(results: list[dict], command: str) -> None:
    """Replace the rows (and failure lines) of the targets run; keep the others' from earlier runs."""
    if not DOC.exists():
        print(f"{DOC} does not exist; not updated", file=sys.stderr)
        return
    text = DOC.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"{DOC} has no {START} … {END} markers; not updated", file=sys.stderr)
        return
    head, rest = text.split(START, 1)
    old, tail = rest.split(END, 1)
    ran = {r["target"] for r in results}
    row = re.compile(r"^\| ([a-z_]+)[ (]")
    failure = re.compile(r"^- `([a-z_]+)`:")
    kept_rows = [ln for ln in old.splitlines() if (m := row.match(ln)) and m.group(1) not in ran | {"target"}]
    kept_failures = [ln for ln in old.splitlines() if (m := failure.match(ln)) and m.group(1) not in ran]
    runs = [ln for ln in old.splitlines() if ln.startswith("- run ")] if kept_rows else []
    runs.append(f"- run {dt.date.today().isoformat()}: `{command}` ({_tree()}; targets: {', '.join(sorted(ran))})")
    table = _table(results).splitlines()
    rows = sorted(kept_rows + table[2:], key=lambda ln: row.match(ln).group(1))
    failures = sorted(kept_failures + [ln for ln in _failures(results).splitlines() if ln.startswith("- ")])
    block = (
        f"{START}\nRuns:\n\n" + "\n".join(runs) + "\n\n" + "\n".join(table[:2] + rows) + "\n\n"
        "Failure classes found (count × exception type @ innermost Scenarist function):\n\n"
        + ("\n".join(failures) if failures else "None.")
        + f"\n{END}"
    )
    DOC.write_text(head + block + tail, encoding="utf-8")
    print(f"updated {DOC.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=10_000, help="inputs per target (default 10000)")
    p.add_argument("-t", "--targets", default="", help="comma-separated target names (default: all)")
    p.add_argument("--seed", type=int, default=None, help="Hypothesis seed (default: random)")
    p.add_argument(
        "--target-seconds",
        type=float,
        default=0,
        help="end a target's run after this long, keeping its counts (0: run all -n inputs)",
    )
    p.add_argument("--max-seconds", type=float, default=0, help="kill a target's process after this long (0: never)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="targets run at the same time (default 1)")
    p.add_argument(
        "--save",
        default=str(Path(tempfile.gettempdir()) / "scenarist-fuzz-failures"),
        help="where failing inputs go (default: scenarist-fuzz-failures in the temporary folder)",
    )
    p.add_argument("--no-docs", action="store_true", help="do not update docs/reliability.md")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--json-out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args.child, args.n, Path(args.json_out), Path(args.save), args.seed, args.target_seconds)
        return 0
    sys.path.insert(0, str(FUZZ))
    from fuzz_targets import TARGETS

    names = [t for t in args.targets.split(",") if t] or sorted(TARGETS)
    unknown = [t for t in names if t not in TARGETS]
    if unknown:
        p.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(sorted(TARGETS))}")
    from concurrent.futures import ThreadPoolExecutor

    print(f"{len(names)} targets, {args.n} inputs each, {args.jobs} at a time", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda name: _run_target(name, args), names))
    for r in results:
        name = r["target"]
        print(
            f"{name}: inputs {r['inputs']}, refused {r['refused']}, accepted {r['accepted']}, "
            f"tracebacks {r['traceback']}, hangs {r['hang']} ({r.get('wall')} s){' ' + r['note'] if r.get('note') else ''}"
            f"{' (time budget reached)' if r.get('budget_reached') else ''}",
            flush=True,
        )
        for sig, f in r.get("failures", {}).items():
            print(f"    {f['count']:6d} × {sig}: {f['message'][:150]}  e.g. {f['files'][0] if f['files'] else ''}")
    print()
    print(_table(results))
    if not args.no_docs:
        command = "python scripts/fuzz.py " + " ".join(a for a in (argv if argv is not None else sys.argv[1:]))
        _update_doc(results, command.strip())
    return 1 if any(r["traceback"] or r["hang"] or r.get("note") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
