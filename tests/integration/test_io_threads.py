"""Several io threads ([server] threads = 4): one io_context per thread, connections spread over
them round robin (src/http/io_threads.cpp, src/http/server.cpp). Deliveries from many concurrent
keep-alive clients are each stored once; SIGTERM drains connections on every thread and ends
every thread; read_timeout_ms and idle_timeout_ms hold on every thread, with the session's one
lazily re-armed timer (src/http/session.cpp), which must look at the deadline again when it fires
rather than close at the first time it was armed for.

Any 4 (or 8) connections accepted one after another land on 4 different threads, so a group of
at least 4 connections always covers every thread."""

import collections
import re
import select
import signal
import socket
import threading
import time

from harness import HOST, call_status_body, post_on, read_jsonl, wait_until

THREADS = 4
# Short timeouts; the idle one longer than the read one, so the session's timer steps by the read
# timeout (min of the two) and must re-arm itself to reach the idle deadline.
READ_TIMEOUT = 0.3
IDLE_TIMEOUT = 0.6
TIMEOUTS = {"threads": THREADS, "read_timeout_ms": int(READ_TIMEOUT * 1000),
            "idle_timeout_ms": int(IDLE_TIMEOUT * 1000)}

HEALTHZ = f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()


def post_request(path: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def metric(d, name: str) -> float:
    text = d.get("/metrics").body.decode()
    m = re.search(rf"(?m)^{re.escape(name)} (\S+)$", text)
    assert m, f"{name} is not in /metrics:\n{text}"
    return float(m.group(1))


def wait_open_connections(d, expected: int, timeout: float = 10.0):
    """Polls /metrics until callsink_open_connections is `expected` (its scraper included)."""
    seen = []

    def exact():
        value = metric(d, "callsink_open_connections")
        seen.append(value)
        return value == expected

    try:
        wait_until(exact, f"callsink_open_connections == {expected}", timeout)
    except AssertionError as e:
        raise AssertionError(f"{e}; last values seen: {seen[-5:]}") from None


def start_threads(start_daemon, **server):
    d = start_daemon(server={"threads": THREADS, **server})
    d.wait_for_log(rf"starting: threads={THREADS} ")
    return d


def watch_closes(socks: list, started: list, timeout: float):
    """Waits, at most `timeout` s, for the server to close each socket. Returns, per index, the
    seconds from started[i] to the close (EOF or reset) seen, and what each received before."""
    index = {s.fileno(): i for i, s in enumerate(socks)}
    pending = {s.fileno(): s for s in socks}
    closed_after = {}
    received = collections.defaultdict(bytes)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        readable, _, _ = select.select(list(pending.values()), [], [], 0.01)
        now = time.monotonic()
        for s in readable:
            fd = s.fileno()
            try:
                data = s.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            if data:
                received[index[fd]] += data
                continue
            closed_after[index[fd]] = now - started[index[fd]]
            del pending[fd]
    return closed_after, received


def close_all(socks):
    for s in socks:
        s.close()


# -- many clients ---------------------------------------------------------------------------------


def test_many_concurrent_keep_alive_clients_are_each_answered_and_stored_exactly_once(
        start_daemon):
    d = start_threads(start_daemon)
    clients, per_client = 32, 20
    replies = {}
    errors = []
    lock = threading.Lock()
    connected = threading.Barrier(clients + 1, timeout=30)
    go = threading.Event()

    def client(n):
        conn = d.connection(timeout=30)
        try:
            conn.connect()
            first_socket = conn.sock
            connected.wait()
            if not go.wait(30):
                return
            for i in range(per_client):
                event_id = f"t{n}-{i}"
                reply = post_on(conn, "/status", call_status_body(event_id))
                with lock:
                    replies[event_id] = reply
                if conn.sock is not first_socket:
                    raise AssertionError(f"client {n}: the daemon closed its keep-alive "
                                         f"connection before delivery {i}")
        except Exception as e:  # noqa: BLE001  (reported below)
            with lock:
                errors.append(f"client {n}: {e!r}")
            connected.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    try:
        connected.wait()
        # All 32 connections are open at once (on all four threads), and the scraper's.
        wait_open_connections(d, clients + 1)
    except threading.BrokenBarrierError:
        pass  # a client failed to connect: reported below
    finally:
        go.set()
        for t in threads:
            t.join(60)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    assert len(replies) == clients * per_client
    bad = {k: r for k, r in replies.items() if r.status != 200}
    assert not bad, f"{len(bad)} replies were not 200, e.g. {next(iter(bad.items()))}"
    assert all(r.headers.get("connection", "").lower() != "close" for r in replies.values())

    records = d.events_lines()
    counts = collections.Counter(r["payload"]["eventId"] for r in records)
    duplicated = {k: c for k, c in counts.items() if c > 1}
    assert not duplicated, f"stored more than once: {duplicated}"
    assert set(counts) == set(replies), (f"missing: {sorted(set(replies) - set(counts))[:10]}, "
                                         f"unexpected: {sorted(set(counts) - set(replies))[:10]}")
    for record in records:
        reply = replies[record["payload"]["eventId"]]
        assert record["received"]["requestId"] == reply.headers["x-request-id"]
    # Each client's deliveries were answered one after the other, so stored in that order.
    for n in range(clients):
        mine = [r["payload"]["eventId"] for r in records
                if r["payload"]["eventId"].startswith(f"t{n}-")]
        assert mine == [f"t{n}-{i}" for i in range(per_client)]

    # Every client has gone: only the scraper's connection is left.
    wait_open_connections(d, 1)


# -- shutdown -------------------------------------------------------------------------------------


def test_sigterm_closes_idle_connections_on_every_thread_finishes_a_half_sent_request_and_exits(
        start_daemon):
    # Timeouts far beyond the test: only the shutdown may close these connections.
    d = start_threads(start_daemon, read_timeout_ms=60000, idle_timeout_ms=60000)
    idle = []
    for _ in range(8):  # kept alive after a request, two on each thread
        conn = d.raw(timeout=5)
        conn.send(HEALTHZ)
        assert conn.read_response().status == 200
        idle.append(conn)
    silent = [d.raw(timeout=5) for _ in range(4)]  # never send a byte, one on each thread
    body = call_status_body("half-sent-at-sigterm")
    busy = d.raw(timeout=5)
    request = post_request("/status", body)
    busy.send(request[:len(request) - len(body) + 100])
    held = idle + silent + [busy]
    try:
        wait_open_connections(d, len(held) + 1)
        time.sleep(0.2)  # the busy session has read the start of its request

        signalled = time.monotonic()
        d.signal(signal.SIGTERM)
        d.wait_for_log(r"stopped accepting")
        log = d.log_text()
        assert re.search(rf"waiting for {len(held)} open connection", log), log

        for n, conn in enumerate(idle + silent):
            assert conn.wait_closed(timeout=5), f"idle connection {n} was not closed on SIGTERM"
        idle_closed = time.monotonic() - signalled
        assert idle_closed < 3, f"the idle connections took {idle_closed:.1f} s to close"
        assert d.proc.poll() is None, "exited while a request was still being received"

        busy.send(body[100:])
        reply = busy.read_response()
        assert reply.status == 200, reply
        assert reply.headers.get("connection", "").lower() == "close", reply
        assert busy.wait_closed(timeout=5)
        last_closed = time.monotonic()
    finally:
        for conn in held:
            conn.close()

    code = d.wait_exit(timeout=10)
    exited = time.monotonic()
    assert code == 0, d.log_text()
    assert exited - signalled < 10
    # Ended by the last connection closing (Server::stop's `closed`, then IoThreads::finish),
    # not by the 8 s drain deadline nor the watchdog.
    assert exited - last_closed < 5, f"exited {exited - last_closed:.1f} s after the last close"
    log = d.log_text()
    assert "still open at the shutdown deadline" not in log, log
    assert "io thread failed" not in log, log
    (record,) = read_jsonl(d.events)
    assert record["payload"]["eventId"] == "half-sent-at-sigterm"
    assert record["received"]["requestId"] == reply.headers["x-request-id"]


# -- timeouts -------------------------------------------------------------------------------------


def test_read_timeout_cuts_off_stalled_requests_on_every_thread_without_a_reply(start_daemon):
    d = start_threads(start_daemon, **TIMEOUTS)
    socks, started = [], []
    try:
        for _ in range(8):
            socks.append(socket.create_connection((HOST, d.port), timeout=5))
        # Half the read timeout after the accept: the timer, first armed for the accept plus
        # 300 ms, must look again then and wait for the first byte plus 300 ms.
        time.sleep(READ_TIMEOUT / 2)
        for s in socks:
            started.append(time.monotonic())  # before the first byte reaches the daemon
            s.sendall(b"POST /status HTTP/1.1\r\nHost: x\r\nContent-Ty")
        closed_after, received = watch_closes(socks, started, timeout=5)
    finally:
        close_all(socks)
    assert sorted(closed_after) == list(range(8)), \
        f"never closed: {sorted(set(range(8)) - set(closed_after))}"
    assert not received, f"a timed-out request got a reply: {dict(received)}"
    for n, elapsed in sorted(closed_after.items()):
        # The read timeout starts with the first byte; the idle one (longer) does not apply.
        assert READ_TIMEOUT - 0.005 <= elapsed < 1.5, (n, closed_after)
    assert d.events_lines() == [] and d.rejects_lines() == []
    wait_open_connections(d, 1)


def test_read_timeout_bounds_the_whole_request_while_bytes_keep_trickling_in(start_daemon):
    d = start_threads(start_daemon, **TIMEOUTS)
    head = b"POST /status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
    socks = [socket.create_connection((HOST, d.port), timeout=5) for _ in range(4)]
    time.sleep(READ_TIMEOUT / 2)  # the first byte well after the accept, as above
    started = time.monotonic()
    closed_after = {}
    try:
        for s in socks:
            s.setblocking(False)
        for i in range(len(head)):  # a byte every 50 ms on each connection, for up to 5 s
            for n, s in enumerate(socks):
                if n in closed_after:
                    continue
                try:
                    if s.recv(4096) == b"":
                        closed_after[n] = time.monotonic() - started
                        continue
                except BlockingIOError:
                    pass
                except (ConnectionResetError, BrokenPipeError):
                    closed_after[n] = time.monotonic() - started
                    continue
                try:
                    s.send(head[i:i + 1])
                except (ConnectionResetError, BrokenPipeError):
                    closed_after[n] = time.monotonic() - started
            if len(closed_after) == len(socks):
                break
            time.sleep(0.05)
    finally:
        close_all(socks)
    assert len(closed_after) == len(socks), f"still open after 5 s of trickling: {closed_after}"
    for n, elapsed in closed_after.items():
        assert READ_TIMEOUT - 0.005 <= elapsed < 1.5, (n, closed_after)


def test_idle_timeout_closes_idle_connections_on_every_thread_and_not_before_it(start_daemon):
    d = start_threads(start_daemon, **TIMEOUTS)
    conns, started = [], []
    try:
        for _ in range(8):  # never send a byte: the idle timeout runs from the accept
            started.append(time.monotonic())
            conns.append(d.raw(timeout=5))
        for _ in range(8):  # idle after a request: from the end of the reply
            started.append(time.monotonic())  # before the request, so before its reply
            conn = d.raw(timeout=5)
            conn.send(HEALTHZ)
            reply = conn.read_response()
            assert reply.status == 200, reply
            assert reply.headers.get("connection", "").lower() != "close", reply
            conns.append(conn)
        closed_after, received = watch_closes([c.sock for c in conns], started, timeout=5)
    finally:
        for conn in conns:
            conn.close()
    assert sorted(closed_after) == list(range(16)), \
        f"never closed: {sorted(set(range(16)) - set(closed_after))}"
    assert not received, f"an idle connection got bytes: {dict(received)}"
    for n, elapsed in sorted(closed_after.items()):
        # Not at the first step of the timer (the read timeout, 300 ms): at the idle deadline.
        assert IDLE_TIMEOUT - 0.005 <= elapsed < 2.0, (n, closed_after)
    wait_open_connections(d, 1)


def test_a_connection_busy_every_100_ms_outlives_both_timeouts(start_daemon):
    d = start_threads(start_daemon, **TIMEOUTS)
    conns = [d.raw(timeout=5) for _ in range(THREADS)]  # one on each thread
    delivered = []
    try:
        started = time.monotonic()
        rounds = 0
        while time.monotonic() - started < 2.0:  # over 6 read and 3 idle timeouts
            for n, conn in enumerate(conns):
                if n % 2:
                    conn.send(HEALTHZ)
                else:  # through the pipeline, its reply coming back from another thread
                    event_id = f"busy-{n}-{rounds}"
                    conn.send(post_request("/status", call_status_body(event_id)))
                    delivered.append(event_id)
                reply = conn.read_response()
                assert reply.status == 200, (n, rounds, reply)
                assert reply.headers.get("connection", "").lower() != "close", (n, rounds, reply)
            rounds += 1
            time.sleep(0.1)
        assert rounds >= 8, f"only {rounds} rounds in 2 s"

        # Still open and served: then, left alone, closed at the idle timeout.
        last = time.monotonic()
        for conn in conns:
            conn.send(HEALTHZ)
            assert conn.read_response().status == 200
        closed_after, received = watch_closes([c.sock for c in conns], [last] * len(conns), 5)
    finally:
        for conn in conns:
            conn.close()
    assert sorted(closed_after) == list(range(len(conns))), closed_after
    assert not received
    for elapsed in closed_after.values():
        assert IDLE_TIMEOUT - 0.005 <= elapsed < 2.5, closed_after
    assert [r["payload"]["eventId"] for r in d.events_lines()] == delivered


def test_requests_spaced_beyond_the_read_timeout_but_within_the_idle_one_are_served(
        start_daemon):
    # Between requests only the idle timeout applies; each request's read timeout starts anew
    # with its first byte. Gaps of 2.5 read timeouts, with a wide margin to the idle one.
    d = start_threads(start_daemon, read_timeout_ms=200, idle_timeout_ms=2000)
    conns = [d.raw(timeout=5) for _ in range(THREADS)]
    try:
        for round_ in range(4):
            for n, conn in enumerate(conns):
                conn.send(HEALTHZ)
                reply = conn.read_response()
                assert reply.status == 200, (n, round_, reply)
                assert reply.headers.get("connection", "").lower() != "close", (n, round_, reply)
            time.sleep(0.5)
    finally:
        for conn in conns:
            conn.close()


def test_open_connections_returns_to_the_scraper_alone_after_clients_leave_or_time_out(
        start_daemon):
    # An idle timeout long enough for all 12 connections to be counted before it ends.
    d = start_threads(start_daemon, read_timeout_ms=300, idle_timeout_ms=2000)
    wait_open_connections(d, 1)
    left = [d.raw(timeout=5) for _ in range(6)]          # close themselves
    timed_out = [d.raw(timeout=5) for _ in range(6)]     # cut off by the idle timeout
    for conn in left + timed_out:
        conn.send(HEALTHZ)
        assert conn.read_response().status == 200
    # All 12 are counted, and the scraper.
    assert metric(d, "callsink_open_connections") == 13
    for conn in left:
        conn.close()
    try:
        wait_open_connections(d, 1, timeout=5)
        for conn in timed_out:
            assert conn.wait_closed(timeout=5), "an idle connection outlived idle_timeout_ms"
    finally:
        for conn in timed_out:
            conn.close()
    wait_open_connections(d, 1)
