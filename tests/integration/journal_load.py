"""Steady deliveries for the journal's integration tests (test_journal*.py): client threads, each
posting CALL_STATUS events of a session of its own with numbered eventIds ("<prefix>-<thread>-<n>",
sessionId "<prefix>-<thread>") at a steady rate, to whichever daemon `target()` returns now (a
test that kills and restarts the daemon swaps it), and keeping every attempt: (eventId, status or
None for a connection error, the Retry-After header, monotonic time).

Only the Python standard library is used.
"""

from __future__ import annotations

import http.client
import re
import threading
import time

from harness import call_status_body, post_on


class SteadyLoad:
    def __init__(self, target, prefix: str, threads: int = 2, per_second: float = 20.0):
        self.target = target
        self.prefix = prefix
        self.period = threads / per_second
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.attempts: list[tuple[str, int | None, str | None, float]] = []
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                        for n in range(threads)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _run(self, n: int):
        conn = None
        port = None
        i = 0
        while not self.stopped.is_set():
            started = time.monotonic()
            event_id = f"{self.prefix}-{n}-{i}"
            status = retry_after = None
            try:
                daemon = self.target()
                if conn is None or port != daemon.port:
                    if conn is not None:
                        conn.close()
                    conn, port = daemon.connection(timeout=20), daemon.port
                reply = post_on(conn, "/status",
                                call_status_body(event_id, sessionId=f"{self.prefix}-{n}"))
                status, retry_after = reply.status, reply.headers.get("retry-after")
                if reply.headers.get("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
            with self.lock:
                self.attempts.append((event_id, status, retry_after, started))
            i += 1
            self.stopped.wait(max(0.0, self.period - (time.monotonic() - started)))
        if conn is not None:
            conn.close()

    def stop(self):
        self.stopped.set()
        for t in self.threads:
            t.join(30)
            assert not t.is_alive(), "a client thread did not finish"

    def answered(self, status: int = 200, since: float = 0.0) -> list[tuple]:
        with self.lock:
            return [a for a in self.attempts if a[1] == status and a[3] >= since]

    def count(self, status: int = 200, since: float = 0.0) -> int:
        return len(self.answered(status, since))

    def statuses(self) -> set:
        with self.lock:
            return {a[1] for a in self.attempts}


def number_of(event_id: str) -> tuple[str, int]:
    """("<prefix>-<thread>", n) of an eventId SteadyLoad made."""
    m = re.fullmatch(r"(.+)-(\d+)", event_id)
    assert m, event_id
    return m.group(1), int(m.group(2))
