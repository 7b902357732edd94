"""The memory budget for unfinished requests (server.max_buffered_bytes), under the attack from its
issue: 1,200 connections each send the header of a 1 MiB POST and 1 MB of its body, then stall.
Without a budget callsink held every partial body (peak RSS 1,062 MB); with one, its peak RSS
stays within the budget plus a fixed overhead (read from /proc), the attackers beyond the budget
get 503 with Retry-After, a normal client keeps getting 200 throughout, a refusal is logged once
per burst, and everything is given back when the attackers go away."""

from __future__ import annotations

import os
import re
import resource
import selectors
import socket
import threading
import time
import uuid

import pytest

from harness import HOST, call_status_body

ATTACKERS = 1200
DECLARED = 1 << 20            # each attacker's Content-Length: 1 MiB
SENT = 1_000_000              # what each sends of it before stalling
BUDGET = 16 << 20             # server.max_buffered_bytes for these tests
# What the daemon may hold beyond the budget: its sessions (a few KiB each for 1,200 connections),
# the allocator's slack and the kernel's view of a busy process. The attack without a budget
# would add about 1.2 GB.
OVERHEAD = 24 << 20
CHUNK = 64 * 1024


def raise_descriptor_limit(needed: int):
    """The attackers, the daemon's sockets and the test's own files; the daemon inherits it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(needed, soft), max(needed, hard)))
    except (ValueError, OSError) as e:
        pytest.fail(f"this test needs {needed} open files; RLIMIT_NOFILE is {soft}/{hard} "
                    f"and cannot be raised ({e}); run it as root or raise the limit")


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM and friends from /proc/PID/status, in bytes."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                values[name] = int(rest.split()[0]) * 1024
    return values


def peak_allowed(pid: int, at_rest: int) -> int:
    """The most the daemon may reach: at rest, plus the budget, plus OVERHEAD. Under
    AddressSanitizer the budget counts twice: its allocator keeps each size class's memory apart,
    so chunked bodies growing through 64 KiB, 128 KiB, ... leave each class its own pages (the
    release build stays within one budget; measured 15 MiB over rest with Content-Length, 23 MiB
    chunked, for a 16 MiB budget)."""
    with open(f"/proc/{pid}/maps") as f:
        asan = "libasan" in f.read()
    return at_rest + BUDGET * (2 if asan else 1) + OVERHEAD


def metric(d, name: str, labels: str = "") -> float:
    text = d.get("/metrics").body.decode()
    m = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    assert m, f"{name}{labels} not in /metrics"
    return float(m.group(1))


class Attacker:
    """One connection: the header of a large POST, then `sent` bytes of body, then silence."""

    def __init__(self, port: int, *, chunked: bool = False, sent: int = SENT):
        self.sock = socket.create_connection((HOST, port), timeout=10)
        self.sock.setblocking(False)
        if chunked:
            head = b"POST /status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            body = b"".join(b"%x\r\n%s\r\n" % (CHUNK, b"x" * CHUNK)
                            for _ in range(sent // CHUNK))
        else:
            head = b"POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % DECLARED
            body = b"x" * sent
        self.out = memoryview(head + body)
        self.reply = b""
        self.closed = False  # by the server: a reset or EOF

    @property
    def refused(self) -> bool:
        return self.reply.startswith(b"HTTP/1.1 503")

    def on_writable(self):
        try:
            n = self.sock.send(self.out[:CHUNK])
            self.out = self.out[n:]
        except BlockingIOError:
            pass
        except (ConnectionResetError, BrokenPipeError):
            self.closed = True

    def on_readable(self):
        try:
            data = self.sock.recv(4096)
        except BlockingIOError:
            return
        except ConnectionResetError:
            self.closed = True
            return
        if not data:
            self.closed = True
        self.reply += data


def attack(port: int, count: int, *, chunked: bool = False, deadline: float = 60) -> list[Attacker]:
    """Opens `count` attackers and drives them until each has sent its bytes and stalls, or has
    been answered and cut off."""
    attackers = [Attacker(port, chunked=chunked) for _ in range(count)]
    with selectors.DefaultSelector() as sel:
        for a in attackers:
            sel.register(a.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, a)
        stop_at = time.monotonic() + deadline
        # Done: each was cut off by the server, or has sent everything and had no answer for a
        # second (the server may still be reading what waits in the socket buffers).
        quiet_since = time.monotonic()
        while not (all(a.closed or (not a.out and not a.reply) for a in attackers)
                   and time.monotonic() - quiet_since > 1):
            assert time.monotonic() < stop_at, "the attack did not settle"
            ready = sel.select(timeout=0.2)
            if ready:
                quiet_since = time.monotonic()
            for key, events in ready:
                a = key.data
                if events & selectors.EVENT_READ:
                    a.on_readable()
                if events & selectors.EVENT_WRITE and a.out and not a.closed:
                    a.on_writable()
                if a.closed:
                    sel.unregister(a.sock)
                elif not a.out and events & selectors.EVENT_WRITE:
                    sel.modify(a.sock, selectors.EVENT_READ, a)
    return attackers


def admitted(attackers: list[Attacker]) -> list[Attacker]:
    """Those still open with their body sent and no answer: the budget holds their bodies."""
    return [a for a in attackers if not a.closed and not a.reply]


def close_all(attackers: list[Attacker]):
    for a in attackers:
        a.sock.close()


class NormalClient(threading.Thread):
    """A well-behaved sender: one 8x8-sized delivery every 20 ms, each on a new connection."""

    def __init__(self, d):
        super().__init__(daemon=True)
        self.d = d
        self.statuses: list[int] = []
        self.slowest = 0.0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            reply = self.d.post("/status", call_status_body(str(uuid.uuid4())))
            self.slowest = max(self.slowest, time.monotonic() - started)
            self.statuses.append(reply.status)
            self.stop.wait(0.02)


def start_budgeted(start_daemon):
    raise_descriptor_limit(2 * ATTACKERS + 1024)
    # Under AddressSanitizer (the test build), freed memory waits in a quarantine of up to 256 MB
    # before it is reused, which would be counted as the daemon's; without it, ASan's allocator
    # reuses memory as the release build's does. No effect on a build without ASan.
    asan = os.environ.get("ASAN_OPTIONS", "")
    return start_daemon(server={"max_buffered_bytes": BUDGET, "read_timeout_ms": 60000},
                        env={"ASAN_OPTIONS": asan + (":" if asan else "") +
                             "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"})


def wait_until_released(d, timeout: float = 10):
    """Polls /metrics until only the scraping connection is open and holds nothing but its own
    request buffer."""
    deadline = time.monotonic() + timeout
    while True:
        held = metric(d, "callsink_buffered_bytes")
        open_connections = metric(d, "callsink_open_connections")
        if held <= 16 * 1024 and open_connections <= 1:
            return held
        assert time.monotonic() < deadline, (
            f"after the attackers left, {held:.0f} bytes were still held on "
            f"{open_connections:.0f} connection(s)")
        time.sleep(0.1)


def test_the_issue_attack_stays_within_the_budget_and_a_normal_client_is_served(start_daemon):
    d = start_budgeted(start_daemon)
    for _ in range(3):
        assert d.post("/status", call_status_body(str(uuid.uuid4()))).status == 200
    before = proc_status(d.proc.pid)

    client = NormalClient(d)
    client.start()
    attackers = attack(d.port, ATTACKERS)
    try:
        holding = admitted(attackers)
        refused = [a for a in attackers if a.refused]
        # The budget's three quarters hold about twelve 1 MiB bodies; everyone else was refused:
        # answered 503, then closed once the server had drained a little of what they sent
        # (some see the reset before they read the 503).
        assert 1 <= len(holding) <= (BUDGET * 3 // 4) // DECLARED, len(holding)
        assert all(a.closed for a in attackers if a not in holding)
        assert len(refused) >= ATTACKERS // 2, f"only {len(refused)} attackers read a 503"
        reply = refused[0].reply.decode("latin-1")
        assert "\r\nRetry-After: 1\r\n" in reply and "\r\nConnection: close\r\n" in reply, reply
        assert "max_buffered_bytes" in reply

        # While the admitted attackers still hold their bodies, normal deliveries get 200.
        for _ in range(20):
            assert d.post("/status", call_status_body(str(uuid.uuid4()))).status == 200
        held = metric(d, "callsink_buffered_bytes")
        assert len(holding) * DECLARED <= held <= BUDGET
        assert metric(d, "callsink_buffered_bytes_limit") == BUDGET
        assert metric(d, "callsink_refused_total", '{reason="memory"}') >= ATTACKERS - len(holding)
    finally:
        client.stop.set()
        client.join(timeout=10)
        close_all(attackers)

    peak = proc_status(d.proc.pid)["VmHWM"]
    assert peak <= peak_allowed(d.proc.pid, before["VmRSS"]), (
        f"peak RSS {peak >> 20} MiB: more than {before['VmRSS'] >> 20} MiB at rest + the "
        f"{BUDGET >> 20} MiB budget + {OVERHEAD >> 20} MiB")
    assert client.statuses and set(client.statuses) == {200}, client.statuses
    assert client.slowest < 2, f"a normal delivery took {client.slowest:.2f} s during the attack"

    # Once per burst: one warning when the refusals began, one line when the budget had room
    # again, giving their number.
    wait_until_released(d)
    refusals = int(metric(d, "callsink_refused_total", '{reason="memory"}'))
    assert len(re.findall(r"memory budget full", d.log_text())) == 1, d.log_text()[-3000:]
    ended = d.wait_for_log(r"memory budget has room again")
    assert f"{refusals} request(s) refused" in ended[0], ended


def test_everything_is_given_back_when_the_attackers_go_away(start_daemon):
    d = start_budgeted(start_daemon)
    first = attack(d.port, ATTACKERS // 2)
    admitted_first = len(admitted(first))
    close_all(first)
    wait_until_released(d)
    peak_after_first = proc_status(d.proc.pid)["VmHWM"]

    # A second attack admits as many again: nothing the first held is still counted, and the
    # memory it used is reused rather than added to.
    second = attack(d.port, ATTACKERS // 2)
    try:
        admitted_second = len(admitted(second))
        assert admitted_second == admitted_first >= 1
    finally:
        close_all(second)
    wait_until_released(d)
    assert proc_status(d.proc.pid)["VmHWM"] <= peak_after_first + 8 * (1 << 20)
    assert d.post("/status", call_status_body(str(uuid.uuid4()))).status == 200


def test_chunked_bodies_are_counted_as_they_grow(start_daemon):
    d = start_budgeted(start_daemon)
    before = proc_status(d.proc.pid)
    attackers = attack(d.port, 200, chunked=True)
    try:
        holding = admitted(attackers)
        assert 1 <= len(holding) <= (BUDGET * 3 // 4) // SENT, len(holding)
        assert sum(1 for a in attackers if a.refused) >= 100
        assert d.post("/status", call_status_body(str(uuid.uuid4()))).status == 200
        assert metric(d, "callsink_buffered_bytes") <= BUDGET
    finally:
        close_all(attackers)
    assert proc_status(d.proc.pid)["VmHWM"] <= peak_allowed(d.proc.pid, before["VmRSS"])
    wait_until_released(d)


def test_a_budget_too_small_for_one_body_is_a_configuration_error(start_daemon, tmp_path):
    d = start_daemon(server={"max_buffered_bytes": 1 << 20, "max_body_bytes": 1 << 20},
                     wait=False)
    assert d.wait_exit() == 2
    assert re.search(r"server\.max_buffered_bytes: .*raise it to at least \d+", d.log_text()), \
        d.log_text()
