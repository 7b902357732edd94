"""Steady deliveries for the journal's integration tests (test_journal*.py): test_kafka's Load,
whose client threads here each post CALL_STATUS events of a session of their own, with numbered
eventIds ("<prefix>-<thread>-<n>", sessionId "<prefix>-<thread>"), at a steady rate, to whichever
daemon `target()` returns now (a test that kills and restarts the daemon swaps it). Every attempt
is kept as Load keeps it: (eventId, status or None for a connection error, X-Request-Id,
monotonic time).

Only the Python standard library is used.
"""

from __future__ import annotations

import http.client
import re
import time

from harness import call_status_body, post_on
from test_kafka import Load


class SteadyLoad(Load):
    def __init__(self, target, prefix: str, threads: int = 2, per_second: float = 20.0):
        super().__init__(connect=None, prefix=prefix, threads=threads)
        self.target = target
        self.period = threads / per_second

    def _run(self, n: int):
        conn = None
        port = None
        i = 0
        while not self.stopped.is_set():
            started = time.monotonic()
            event_id = f"{self.prefix}-{n}-{i}"
            status = request_id = None
            try:
                daemon = self.target()
                if conn is None or port != daemon.port:
                    if conn is not None:
                        conn.close()
                    conn, port = daemon.connection(timeout=20), daemon.port
                reply = post_on(conn, "/status",
                                call_status_body(event_id, sessionId=f"{self.prefix}-{n}"))
                status, request_id = reply.status, reply.headers.get("x-request-id")
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
            with self.lock:
                self.attempts.append((event_id, status, request_id, started))
            i += 1
            self.stopped.wait(max(0.0, self.period - (time.monotonic() - started)))
        if conn is not None:
            conn.close()

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
