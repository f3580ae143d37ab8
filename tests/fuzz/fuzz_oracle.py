"""The fuzzing oracle: run one input through a target with a time and a memory guard and classify the outcome.

An outcome is one of

``accepted``
    The call returned normally (for the CLI: exit status 0).
``refused``
    The call raised a :class:`scenarist.errors.ScenaristError` (for the CLI: exit status 2, no traceback, a message
    on stderr): a clean refusal of a bad input.
``traceback``
    Any other exception (``MemoryError`` and ``RecursionError`` included); for the CLI any other exit status, an
    exception left in the runner's result, or "Traceback" in the output.
``hang``
    The call took longer than the per-input limit (5 s by default; ``SCENARIST_FUZZ_TIMEOUT``).

The time guard is ``SIGALRM`` (``setitimer``) in the main thread; the memory guard lowers the soft ``RLIMIT_AS`` to
the process's current size plus a margin (1.5 GiB by default; ``SCENARIST_FUZZ_MEMORY_MB``) for the length of the
call and restores it afterwards, so an alias bomb ends in a ``MemoryError`` rather than taking the machine down.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass

try:  # POSIX only; without it the memory guard is off
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]

from scenarist.errors import ScenaristError

KINDS = ("accepted", "refused", "traceback", "hang")
TIMEOUT = float(os.environ.get("SCENARIST_FUZZ_TIMEOUT", "5"))
MEMORY_MARGIN = int(os.environ.get("SCENARIST_FUZZ_MEMORY_MB", "1536")) * 2**20


class Hang(BaseException):
    """Raised by the alarm inside a call that ran past the time limit (a BaseException, so that no ``except
    Exception`` in the code under test swallows it)."""


class CliFailure(Exception):
    """A CLI invocation that ended neither with status 0 nor with a clean status-2 refusal."""


@dataclass
class Outcome:
    kind: str
    seconds: float
    error: BaseException | None = None
    detail: str = ""

    @property
    def signature(self) -> str:
        """What makes two failures 'the same class': exception type and the innermost frame in scenarist."""
        if self.kind == "hang":
            return "hang"
        if self.error is None:
            return self.kind
        where = ""
        tb = self.error.__traceback__
        for frame, _lineno in traceback.walk_tb(tb):
            fn = frame.f_code.co_filename
            if "/scenarist/" in fn and "/tests/" not in fn:
                where = f"{os.path.basename(fn)}:{frame.f_code.co_name}"
        return f"{type(self.error).__name__}@{where}" if where else type(self.error).__name__

    def describe(self) -> str:
        if self.kind == "hang":
            return f"hang: more than {TIMEOUT:g} s"
        if self.error is None:
            return self.kind
        msg = str(self.error).strip().splitlines()
        first = msg[0][:200] if msg else ""
        return f"{type(self.error).__name__}: {first}" + (f" [{self.detail}]" if self.detail else "")


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


class _Guard:
    """Time and memory limits around one call (only where they can be set: main thread, POSIX)."""

    def __init__(self, timeout: float = TIMEOUT, memory: int = MEMORY_MARGIN):
        self.timeout = timeout
        self.memory = memory
        self.old_handler = None
        self.old_limit = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):

            def _alarm(_sig, _frame):
                raise Hang()

            self.old_handler = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
        if resource is not None and self.memory:
            vm = _vm_bytes()
            if vm:
                soft, hard = resource.getrlimit(resource.RLIMIT_AS)
                want = vm + self.memory
                below_hard = hard == resource.RLIM_INFINITY or want < hard
                if below_hard and (soft == resource.RLIM_INFINITY or want < soft):
                    self.old_limit = (soft, hard)
                    resource.setrlimit(resource.RLIMIT_AS, (want, hard))
        return self

    def __exit__(self, *exc):
        if self.old_handler is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.old_handler)
        if self.old_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, self.old_limit)
        return False


def run_guarded(call: Callable[[], object], timeout: float = TIMEOUT) -> Outcome:
    """Run ``call()`` under the guards and classify what happened."""
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with _Guard(timeout):
                call()
    except Hang:
        return Outcome("hang", time.perf_counter() - t0)
    except ScenaristError as exc:
        return Outcome("refused", time.perf_counter() - t0, exc)
    except CliFailure as exc:
        return Outcome("traceback", time.perf_counter() - t0, exc.__cause__ or exc, detail=str(exc)[:300])
    except (Exception, RecursionError, MemoryError) as exc:
        return Outcome("traceback", time.perf_counter() - t0, exc)
    seconds = time.perf_counter() - t0
    if seconds > timeout:  # finished, but too late (a C loop the alarm could not interrupt)
        return Outcome("hang", seconds)
    return Outcome("accepted", seconds)


# -- the command line ------------------------------------------------------------------------------------------

_RUNNER = None
_UNRAISABLE = re.compile(r"Exception ignored in.*?(?=^\S(?!raceback)|\Z)", re.S | re.M)


def cli(args: list[str]) -> None:
    """Invoke ``scenarist ARGS`` through Typer's CliRunner; return on status 0, raise a ScenaristError stand-in on a
    clean refusal (status 2, no traceback, a message on stderr) and :class:`CliFailure` on anything else."""
    global _RUNNER
    from typer.testing import CliRunner

    from scenarist.cli import app

    if _RUNNER is None:
        _RUNNER = CliRunner()
    result = _RUNNER.invoke(app, args, catch_exceptions=True)
    out = (result.stdout or "") + (result.stderr or "")
    exc = result.exception
    if isinstance(exc, Hang):
        raise exc
    if exc is not None and not isinstance(exc, SystemExit):
        err = CliFailure(f"exit {result.exit_code}: {type(exc).__name__}: {exc}"[:300])
        raise err from exc
    # An "Exception ignored in ..." report is Python's, for an exception the guards raised inside a finalizer (the
    # alarm or the memory limit striking during garbage collection): not the command's traceback.
    if "Traceback (most recent call last)" in _UNRAISABLE.sub("", out):
        raise CliFailure(f"exit {result.exit_code}: traceback printed: {out[-300:]!r}")
    if result.exit_code == 0:
        return
    if result.exit_code == 2:
        message = (result.stderr or "").strip()
        if not message:
            raise CliFailure("exit 2 with nothing on stderr")
        raise ScenaristError(message.splitlines()[0])
    raise CliFailure(f"exit {result.exit_code}: {out.strip()[-300:]!r}")


def assert_clean(outcome: Outcome, what: str) -> None:
    """The oracle as a test assertion: accepted or refused, nothing else."""
    if outcome.kind in ("accepted", "refused"):
        return
    if outcome.error is not None:
        tb = "".join(traceback.format_exception(outcome.error))
        raise AssertionError(f"{what}: {outcome.describe()}\n{tb}")
    raise AssertionError(f"{what}: {outcome.describe()}")
