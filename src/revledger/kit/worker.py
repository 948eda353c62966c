"""A background loop on a daemon thread: the metrics worker and the upload resumer."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("revledger")


class PollingWorker:
    """Calls `poll()` until stopped; waits `poll_seconds` whenever it did nothing, and
    five times that after a failure (logged; the loop stays alive)."""

    name = "revledger-worker"

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> int:
        """Do one round of work; how much was done (0: nothing to do)."""
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.poll()
            except Exception:
                log.exception("%s: a round failed; retrying", self.name)
                self._stop.wait(self.poll_seconds * 5)
                continue
            if not done:
                self._stop.wait(self.poll_seconds)
