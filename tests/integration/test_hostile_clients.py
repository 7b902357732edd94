"""Hostile and broken clients (the hardening issue): hundreds of idle, trickling or stalled
connections must not stop a normal client from being served, and each is cut off by its timeout:
idle_timeout_ms before a request starts, read_timeout_ms for a whole request once it has."""

import socket
import time
import uuid

from harness import HOST, call_status_body

HOSTILE_PER_KIND = 100


def connect(port):
    s = socket.create_connection((HOST, port), timeout=5)
    s.setblocking(False)
    return s


def closed_by_server(s):
    """True once the server closed the connection (EOF or reset)."""
    try:
        return s.recv(4096) == b""
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


def test_hundreds_of_slow_and_idle_clients_do_not_stop_a_normal_client(start_daemon):
    d = start_daemon(server={"read_timeout_ms": 1500, "idle_timeout_ms": 3000})
    body = call_status_body(str(uuid.uuid4()))
    idle, trickling, stalled = [], [], []
    for _ in range(HOSTILE_PER_KIND):
        idle.append(connect(d.port))                     # never sends a byte
        s = connect(d.port)                              # half a header, then nothing
        s.send(b"POST /status HTTP/1.1\r\nHost: x\r\nContent-Ty")
        trickling.append(s)
        s = connect(d.port)                              # a whole header, 10 bytes of body
        s.send(b"POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
               + body[:10])
        stalled.append(s)

    # A normal client is served at once, among 300 hostile connections.
    for _ in range(5):
        started = time.monotonic()
        reply = d.post("/status", call_status_body(str(uuid.uuid4())))
        assert reply.status == 200, reply
        assert time.monotonic() - started < 2, "a normal delivery waited behind hostile clients"

    # The server cuts every hostile connection off by itself: the half-sent requests after
    # read_timeout, the silent ones after idle_timeout.
    deadline = time.monotonic() + 15
    pending = {id(s): s for s in idle + trickling + stalled}
    while pending and time.monotonic() < deadline:
        for key, s in list(pending.items()):
            if closed_by_server(s):
                s.close()
                del pending[key]
        time.sleep(0.05)
    for s in pending.values():
        s.close()
    assert not pending, f"{len(pending)} hostile connections were never closed by the server"
    assert len(d.events_lines()) == 5  # nothing half-sent was stored


def test_a_request_that_never_finishes_is_cut_off_even_while_it_keeps_sending(start_daemon):
    """read_timeout bounds the whole request, not each read: one byte a second is not enough."""
    d = start_daemon(server={"read_timeout_ms": 1000})
    s = connect(d.port)
    s.send(b"POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
    started = time.monotonic()
    closed = False
    while time.monotonic() - started < 8:
        try:
            s.send(b"x")
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        if closed_by_server(s):
            closed = True
            break
        time.sleep(0.2)
    s.close()
    assert closed, "a client sending one byte every 200 ms held its request open for 8 s"
    assert time.monotonic() - started < 5


def test_an_endless_chunk_extension_is_refused_before_it_fills_memory(start_daemon):
    """Beast bounds the header but not a chunk-size line: callsink's read buffer is capped."""
    d = start_daemon(server={"read_timeout_ms": 5000})
    s = socket.create_connection((HOST, d.port), timeout=5)
    s.sendall(b"POST /status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;a=")
    sent = 0
    refused = False
    try:
        while sent < 8 * 1024 * 1024:
            s.sendall(b"x" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        refused = True
    reply = b""
    try:
        s.settimeout(2)
        reply = s.recv(4096)
    except OSError:
        pass
    s.close()
    assert refused or reply.startswith(b"HTTP/1.1 400"), \
        f"8 MiB of chunk extension accepted without a reply ({reply[:60]!r})"
    assert d.get("/healthz").status == 200
