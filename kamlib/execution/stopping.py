"""Stopping a run on Ctrl-C or SIGTERM, even when the interrupt's exception is lost.

Python raises KeyboardInterrupt wherever the main thread happens to be when the signal arrives.
Raised inside a finaliser (`__del__`, a weakref callback, garbage collection) or a library's
callback, the exception is dropped ("Exception ignored in …") and the run goes on as if nothing
had happened — a batch stopped with Ctrl-C would run to its end. So each stop signal is also
recorded, and the long loops (a batch's wait for its workers, a run before it publishes) ask
`StopSignals.check()`, which raises again.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, a scheduler's or CI job's time limit), handled as Ctrl-C is."""


class StopSignals:
    """The stop signals received while installed: each raises at once, and stays recorded."""

    def __init__(self) -> None:
        self.received: list[int] = []

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.received.append(signum)
        raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt

    @property
    def requested(self) -> bool:
        """Whether a stop signal arrived (whatever became of its exception)."""
        return bool(self.received)

    def check(self) -> None:
        """Raise the stop again if one arrived: KeyboardInterrupt, or Terminated for SIGTERM."""
        if self.received:
            raise Terminated if self.received[0] == signal.SIGTERM else KeyboardInterrupt

    @contextmanager
    def installed(self) -> Iterator[StopSignals]:
        """Handle SIGINT and SIGTERM this way for the block (main thread only; elsewhere signals
        cannot be handled, and nothing is installed), then put the previous handlers back."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
