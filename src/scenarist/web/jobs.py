"""Long computations off the request: a page whose result is not cached starts it in a background thread, waits a
moment, and if it is not done shows its progress (the library's ``progress(fraction, phase)`` callback), polling
until the result is in the cache.

One job per result key runs at a time; a second request for the same key joins it. A failed job's error is kept
until it is shown once, so the page reports it as a request that failed at once would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: How long a page waits for its result before it shows progress instead (seconds).
WAIT_S = 1.5


@dataclass
class Job:
    """A computation under way: its key, how far it is (``fraction`` in [0, 1]) and in which phase."""

    key: tuple
    started: float = field(default_factory=time.monotonic)
    fraction: float = 0.0
    phase: str = "starting"
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def progress(self, fraction: float, phase: str = "") -> None:
        """The library's progress callback: record how far the computation is."""
        self.fraction = max(0.0, min(1.0, float(fraction)))
        if phase:
            self.phase = phase

    @property
    def elapsed(self) -> float:
        """Seconds since the job started."""
        return time.monotonic() - self.started


class Jobs:
    """The jobs of one server, writing their results into its :class:`~scenarist.web.app.ResultCache`."""

    def __init__(self, cache: Any):
        self.cache = cache
        self.running: dict[tuple, Job] = {}
        self.lock = threading.Lock()

    def result(self, key: tuple, compute: Callable[[Callable[[float, str], None]], Any], wait: float | None = None):
        """``(result, None)`` when the result of ``key`` is ready within ``wait`` seconds, else ``(None, job)``.

        ``compute(progress)`` runs in a background thread on a miss; its result goes into the cache.

        Raises
        ------
        Exception
            Whatever ``compute`` raised (a :class:`~scenarist.errors.ScenaristError` for a user's mistake).
        """
        if key in self.cache.data:
            with self.lock:
                self.running.pop(key, None)
            return self.cache.get(key, lambda: None), None
        with self.lock:
            job = self.running.get(key)
            if job is None:
                job = Job(key)
                self.running[key] = job
                threading.Thread(target=self._run, args=(job, compute), daemon=True).start()
        job.done.wait(WAIT_S if wait is None else wait)
        if not job.done.is_set():
            return None, job
        with self.lock:
            self.running.pop(key, None)
        if job.error is not None:
            raise job.error
        return self.cache.get(key, lambda: None), None

    def _run(self, job: Job, compute) -> None:
        try:
            value = compute(job.progress)
            self.cache.get(job.key, lambda: value)
        except BaseException as exc:  # reported to the page that asks next
            job.error = exc
        finally:
            job.done.set()
