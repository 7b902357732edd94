"""Backpressure (README, the replies table, and [delivery] queue_capacity): a delivery is
answered only once stored; when the writer is stuck and the queue is full, deliveries get 503
with Retry-After instead of waiting or being dropped.

The event sink is a FIFO whose reader the test controls: while nobody reads, a record bigger than
the pipe buffer blocks the daemon's writer in write(2), like a stalled disk."""

import json
import os
import select
import threading
import time

from harness import call_status_body, fixture_json, post_on


class FifoReader:
    def __init__(self, path):
        os.mkfifo(path)
        # Non-blocking so that open() does not wait for the daemon to open the other end.
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.data = bytearray()
        self.draining = False
        self._stop = False
        self._thread = None

    def start_draining(self):
        self.draining = True
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self):
        while not self._stop:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.fd, 1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    return  # the daemon closed its end
                self.data += chunk

    def wait_eof(self, timeout=5.0):
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the daemon did not close the FIFO"

    def lines(self):
        return [json.loads(line) for line in bytes(self.data).split(b"\n") if line]

    def close(self):
        self._stop = True
        if self._thread:
            self._thread.join(2)
        os.close(self.fd)


def stop_before_closing(fifo, d):
    """Never leaves the daemon stuck in write(2), nor writing to a FIFO without a reader."""
    if not fifo.draining:
        fifo.start_draining()
    if d is not None and d.proc.poll() is None:
        d.stop(timeout=10)
    fifo.close()


def post_in_thread(d, body, results, key):
    def run():
        conn = d.connection(timeout=30)
        try:
            results[key] = post_on(conn, "/status", body)
        except Exception as e:  # noqa: BLE001  (asserted on by the test)
            results[key] = e
        finally:
            conn.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_a_full_queue_answers_503_with_retry_after_and_the_queued_ones_200_once_stored(
        start_daemon, tmp_path):
    fifo = FifoReader(tmp_path / "events.fifo")
    d = None
    try:
        d = start_daemon(delivery={"queue_capacity": 2},
                         sinks=[{"type": "file", "path": str(tmp_path / "events.fifo")}])
        big = fixture_json("call_status_md.json")
        big["payload"]["eventId"] = "big"
        big["payload"]["eventData"] = "x" * 300_000  # far more than a 64 KiB pipe buffer
        results = {}
        threads = [post_in_thread(d, json.dumps(big).encode(), results, "big")]
        time.sleep(0.2)  # the writer takes it and blocks in write(2)
        assert "big" not in results, f"answered before it was stored: {results['big']}"

        # Small deliveries queue up behind it; the third one at the latest finds the queue full.
        refused = None
        for i in range(10):
            key = f"small-{i}"
            threads.append(post_in_thread(d, call_status_body(key), results, key))
            deadline = time.monotonic() + 0.3
            while key not in results and time.monotonic() < deadline:
                time.sleep(0.01)
            if key in results:
                refused = key
                break
        assert refused is not None, "no delivery was refused while the queue was full"
        reply = results[refused]
        assert not isinstance(reply, Exception), reply
        assert reply.status == 503, reply
        assert reply.headers.get("retry-after"), reply
        metrics = d.get("/metrics").body.decode().splitlines()
        assert 'callsink_refused_total{reason="queue_full"} 1' in metrics, metrics
        queued = [f"small-{i}" for i in range(int(refused.split("-")[1]))]
        assert 1 <= len(queued) <= 2, queued
        assert all(k not in results for k in ["big"] + queued), results

        fifo.start_draining()
        for t in threads:
            t.join(15)
        for key in ["big"] + queued:
            assert not isinstance(results[key], Exception), results[key]
            assert results[key].status == 200, (key, results[key])
        assert d.stop(timeout=10) == 0, d.log_text()
        fifo.wait_eof()
        stored = [r["payload"]["eventId"] for r in fifo.lines()]
        assert stored == ["big"] + queued, stored
    finally:
        stop_before_closing(fifo, d)


def test_with_durability_none_deliveries_are_answered_while_the_writer_is_stuck(
        start_daemon, tmp_path):
    fifo = FifoReader(tmp_path / "events.fifo")
    d = None
    try:
        d = start_daemon(delivery={"durability": "none"},
                         sinks=[{"type": "file", "path": str(tmp_path / "events.fifo")}])
        big = fixture_json("call_status_md.json")
        big["payload"]["eventId"] = "big"
        big["payload"]["eventData"] = "x" * 300_000
        conn = d.connection(timeout=5)
        try:
            assert post_on(conn, "/status", json.dumps(big).encode()).status == 200
            for i in range(3):
                assert post_on(conn, "/status", call_status_body(f"n-{i}")).status == 200
        finally:
            conn.close()
        fifo.start_draining()
        assert d.stop(timeout=10) == 0, d.log_text()
        fifo.wait_eof()
        assert [r["payload"]["eventId"] for r in fifo.lines()] == ["big", "n-0", "n-1", "n-2"]
    finally:
        stop_before_closing(fifo, d)
