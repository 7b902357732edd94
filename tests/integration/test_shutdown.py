"""Draining on SIGTERM (README, "Running it": SIGTERM and SIGINT drain in-flight requests
and flush sinks) and the 10 s stop promise."""

import signal
import socket
import threading
import time

from harness import HOST, call_status_body, post_on, read_jsonl


def test_a_request_in_flight_at_sigterm_is_finished_stored_and_answered(daemon):
    body = call_status_body("in-flight")
    head = (f"POST /status HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with daemon.raw() as conn:
        conn.send(head + body[:100])
        time.sleep(0.1)  # let the daemon start reading the request
        daemon.signal(signal.SIGTERM)
        daemon.wait_for_log(r"stopped accepting")
        conn.send(body[100:])
        reply = conn.read_response()
        assert reply.status == 200, reply
        assert reply.headers.get("connection", "").lower() == "close", reply
        assert conn.wait_closed()
    assert daemon.wait_exit(timeout=10) == 0, daemon.log_text()
    (record,) = read_jsonl(daemon.events)
    assert record["payload"]["eventId"] == "in-flight"
    assert record["received"]["requestId"] == reply.headers["x-request-id"]


def test_no_new_connection_is_accepted_after_sigterm(start_daemon):
    d = start_daemon()
    with d.raw() as held:  # keeps the daemon draining while we try to connect
        held.send(b"POST /status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n")
        time.sleep(0.1)
        d.signal(signal.SIGTERM)
        d.wait_for_log(r"stopped accepting")
        try:
            with socket.create_connection((HOST, d.port), timeout=2) as late:
                late.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                late.settimeout(2)
                data = late.recv(100)
            assert data == b"", f"a connection after SIGTERM was served: {data!r}"
        except (ConnectionRefusedError, ConnectionResetError):
            pass
        held.send(b"0123456789")
        assert held.read_response().status == 200
    assert d.wait_exit(timeout=10) == 0


def test_a_stalled_client_cannot_hold_shutdown_past_10_seconds(start_daemon):
    # read_timeout longer than the drain deadline: only the deadline can end this connection.
    d = start_daemon(server={"read_timeout_ms": 60000, "idle_timeout_ms": 60000})
    with d.raw() as conn:
        conn.send(b"POST /status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{")
        time.sleep(0.1)
        started = time.monotonic()
        d.signal(signal.SIGTERM)
        code = d.wait_exit(timeout=12)
        elapsed = time.monotonic() - started
    assert code == 0, d.log_text()
    assert elapsed < 10, f"took {elapsed:.1f} s to stop"
    assert d.events_lines() == [] and d.rejects_lines() == []


def test_a_burst_of_concurrent_deliveries_with_several_threads_is_stored_exactly_once(
        start_daemon):
    d = start_daemon(server={"threads": 2})
    clients, per_client = 8, 25
    replies = {}
    errors = []

    def client(n):
        conn = d.connection()
        try:
            for i in range(per_client):
                event_id = f"c{n}-{i}"
                reply = post_on(conn, "/status", call_status_body(event_id))
                replies[event_id] = reply
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert len(replies) == clients * per_client
    assert all(r.status == 200 for r in replies.values())
    records = d.events_lines()
    assert len(records) == clients * per_client
    by_event = {r["payload"]["eventId"]: r for r in records}
    assert set(by_event) == set(replies), "lost or duplicated deliveries"
    for event_id, reply in replies.items():
        assert by_event[event_id]["received"]["requestId"] == reply.headers["x-request-id"]
    # each client's own deliveries are in the file in the order they were answered
    for n in range(clients):
        mine = [r["payload"]["eventId"] for r in records
                if r["payload"]["eventId"].startswith(f"c{n}-")]
        assert mine == [f"c{n}-{i}" for i in range(per_client)]


def test_fsync_durability_stores_and_answers(start_daemon):
    d = start_daemon(delivery={"durability": "fsync"})
    for i in range(10):
        assert d.post("/status", call_status_body(f"fsync-{i}")).status == 200
    assert [r["payload"]["eventId"] for r in d.events_lines()] == [f"fsync-{i}" for i in range(10)]


def test_connections_beyond_max_connections_are_closed_at_once(start_daemon):
    d = start_daemon(server={"max_connections": 2})
    first, second = d.raw(), d.raw()
    try:
        for conn in (first, second):
            conn.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert conn.read_response().status == 200
        with d.raw() as third:
            assert third.wait_closed(timeout=3), "a third connection was kept open"
        d.wait_for_log(r"refused a connection: server\.max_connections \(2\)")
    finally:
        first.close()
    # once one closes, a new connection is served again
    deadline = time.monotonic() + 5
    while True:
        try:
            with d.raw(timeout=2) as again:
                again.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                assert again.read_response().status == 200
                break
        except (AssertionError, ConnectionResetError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    second.close()
