"""callsink behind the real nginx with the shipped site (config/nginx-callsink.conf), and
X-Forwarded-For spoofing straight at the daemon (docs/configuration.md, `trusted_proxies`: the client address
comes from the socket, or from X-Forwarded-For only when the socket peer is a trusted proxy).

nginx and openssl are required, not optional: scripts/install-deps.sh installs them, and a machine
without them fails these tests rather than skipping them.

The nginx configuration is built in tmp_path and includes nothing from /etc. Its http block is
the shipped site with only the loopback ports and the certificate changed, so the proxy settings
under test are the ones operators install. nginx runs in the foreground as a single process
(`daemon off; master_process off;`): there are no workers, so nothing switches to user nobody
when the tests run as root, and stopping the one process stops everything.

The HTTPS client binds to 127.0.0.2, so the address 8x8 would have (127.0.0.2) differs from the
address nginx connects to callsink from (127.0.0.1).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from harness import HOST, Reply, fixture_bytes, fixture_json, post_on, request_on

NGINX = "/usr/sbin/nginx"
SITE = Path(__file__).resolve().parents[2] / "config" / "nginx-callsink.conf"
CLIENT = "127.0.0.2"          # the delivering client ("8x8"); nginx talks to callsink from HOST
SPOOFED = "203.0.113.66"      # what a client claims in its own X-Forwarded-For
STATUS_BODY = fixture_bytes("call_status_2026.json")
SUMMARY_BODY = fixture_bytes("session_summary_success.json")
NUMBERS_BODY = fixture_bytes("virtual_number_update.json")
RECORDING_BODY = fixture_bytes("call_recording_status.json")
START_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0


# ---------------------------------------------------------------------------------------------
# Tools


def require_tools() -> str:
    """The openssl CLI's path; fails (never skips) when nginx or openssl is missing."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"{NGINX} is missing: the nginx integration test needs Debian's nginx "
                    "(scripts/install-deps.sh installs it; or apt-get install -y nginx openssl)")
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.fail("the openssl CLI is missing: the nginx integration test needs it for a "
                    "self-signed certificate (scripts/install-deps.sh installs it; or "
                    "apt-get install -y nginx openssl)")
    return openssl


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def self_signed_certificate(openssl: str, directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "localhost.pem", directory / "localhost.key"
    result = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert result.returncode == 0, f"openssl req failed: {result.stderr.decode(errors='replace')}"
    return cert, key


def substitute(text: str, pattern: str, replacement: str, what: str, site: Path = SITE) -> str:
    """Replaces the one line matching `pattern`; fails when the shipped site has none or several
    (a change to the site file that this test no longer understands must be noticed)."""
    new, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count == 1, (f"expected exactly one {what} in {site}, found {count} "
                        f"(pattern {pattern!r})")
    return new


def site_config(upstream_ports: dict[int, int], listen_port: int, cert: Path, key: Path,
                site: Path = SITE) -> str:
    """A shipped site with the loopback ports and the test certificate, nothing else changed.
    `upstream_ports` maps each `server 127.0.0.1:PORT;` of the site to the port to use instead."""
    text = site.read_text()
    for shipped, port in upstream_ports.items():
        text = substitute(text, rf"^(\s*)server 127\.0\.0\.1:{shipped};",
                          rf"\g<1>server {HOST}:{port};", f"upstream `server 127.0.0.1:{shipped};`",
                          site)
    text = substitute(text, r"^(\s*)listen 443 ssl http2;",
                      rf"\g<1>listen {HOST}:{listen_port} ssl http2;", "`listen 443 ssl http2;`",
                      site)
    text = substitute(text, r"^\s*listen \[::\]:443 ssl http2;[^\n]*\n", "",
                      "`listen [::]:443 ssl http2;`", site)
    text = substitute(text, r"^(\s*)ssl_certificate\s+\S+;", rf"\g<1>ssl_certificate {cert};",
                      "ssl_certificate", site)
    text = substitute(text, r"^(\s*)ssl_certificate_key\s+\S+;",
                      rf"\g<1>ssl_certificate_key {key};", "ssl_certificate_key", site)
    directives = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    # Whole tokens only: the free ports chosen above may well contain "443" or "8080".
    for leftover in (r"/etc/", r"\b443\b", r"\b808[0-9]\b", r"\binclude\b"):
        assert not re.search(leftover, directives), f"{leftover!r} is still in the site:\n{text}"
    return text


def nginx_config(tmp: Path, site: str) -> str:
    return f"""\
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log info;

events {{
    worker_connections 64;
}}

http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;

# ---- {SITE.name}, as shipped but for ports and certificate ----
{site}
}}
"""


# ---------------------------------------------------------------------------------------------
# nginx


class Nginx:
    """One foreground single-process nginx with its configuration and logs in `directory`."""

    site_name = SITE.name  # the shipped site file that the configuration's comment names

    def __init__(self, directory: Path, upstream_port: int, cert: Path, key: Path):
        self._start(directory, lambda port: site_config({8080: upstream_port}, port, cert, key))

    def _start(self, directory: Path, site_for):
        """Starts nginx with the site `site_for(listen_port)`, retrying on a port taken."""
        self.directory = directory
        self.stopped = False
        for attempt in range(3):  # free_port() can race with another process taking the port
            self.port = free_port()
            self.conf = directory / "nginx.conf"
            self.conf.write_text(nginx_config(directory, site_for(self.port)).replace(
                SITE.name, self.site_name))
            self.stderr_path = directory / "nginx-stderr.log"
            with open(self.stderr_path, "wb") as stderr:
                self.proc = subprocess.Popen(
                    [NGINX, "-c", str(self.conf), "-p", f"{directory}/", "-e",
                     str(directory / "nginx-error.log")],
                    stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr, cwd=directory)
            if self._wait_ready():
                return
            if "Address already in use" not in self.logs() or attempt == 2:
                break
        raise AssertionError(f"nginx did not accept connections on {HOST}:{self.port} within "
                             f"{START_TIMEOUT} s (exit status {self.proc.poll()}):\n{self.logs()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection((HOST, self.port), timeout=0.5).close()
                return True
            except OSError:
                time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        return False

    def logs(self) -> str:
        out = []
        for name in ("nginx-stderr.log", "nginx-error.log"):
            path = self.directory / name
            if path.exists():
                out.append(f"--- {name}\n{path.read_text(errors='replace')}")
        return "\n".join(out)

    def connection(self, timeout: float = 10.0) -> http.client.HTTPSConnection:
        """An HTTPS connection to nginx from CLIENT, not verifying the self-signed certificate."""
        return http.client.HTTPSConnection(HOST, self.port, timeout=timeout,
                                           source_address=(CLIENT, 0),
                                           context=ssl._create_unverified_context())

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> Reply:
        conn = self.connection()
        try:
            return request_on(conn, method, path, body, headers)
        finally:
            conn.close()

    def post(self, path: str, body: bytes, headers: dict | None = None) -> Reply:
        conn = self.connection()
        try:
            return post_on(conn, path, body, headers)
        finally:
            conn.close()

    def stop(self):
        """SIGQUIT (graceful), then SIGTERM, then SIGKILL; fails unless it exited 0 in time."""
        if self.stopped:
            return
        self.stopped = True
        for signum in (signal.SIGQUIT, signal.SIGTERM):
            if self.proc.poll() is None:
                self.proc.send_signal(signum)
            try:
                code = self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                continue
            assert code == 0, f"nginx exited with {code} on {signum.name}:\n{self.logs()}"
            return
        self.proc.kill()
        self.proc.wait()
        raise AssertionError(f"nginx did not stop within {STOP_TIMEOUT} s of SIGQUIT nor of "
                             f"SIGTERM; killed.\n{self.logs()}")


@pytest.fixture
def proxied(start_daemon, tmp_path):
    """(daemon, nginx): callsink trusting 127.0.0.1 behind nginx running the shipped site.
    Torn down before the daemon (this fixture depends on start_daemon)."""
    openssl = require_tools()
    cert, key = self_signed_certificate(openssl, tmp_path)
    daemon = start_daemon(server={"trusted_proxies": [f"{HOST}/32"]})
    nginx = Nginx(tmp_path, daemon.port, cert, key)
    try:
        yield daemon, nginx
    finally:
        nginx.stop()


def status_body(event_id: str) -> bytes:
    event = fixture_json("call_status_2026.json")
    event["payload"]["eventId"] = event_id
    return json.dumps(event).encode()


def upstream_ports(daemon_port: int) -> set[int]:
    """The client-side ports of every TCP connection to daemon_port on 127.0.0.1 the kernel
    still knows (established, closing or in TIME_WAIT), from either end's entry."""
    loopback = "0100007F"
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state = fields[1], fields[2], fields[3]
        if state == "0A":  # LISTEN
            continue
        local_ip, local_port = local.split(":")
        remote_ip, remote_port = remote.split(":")
        if local_ip == loopback and int(local_port, 16) == daemon_port:
            ports.add(int(remote_port, 16))
        elif remote_ip == loopback and int(remote_port, 16) == daemon_port:
            ports.add(int(local_port, 16))
    return ports


def gauge(metrics_text: str, name: str) -> float:
    m = re.search(rf"(?m)^{re.escape(name)} (\S+)$", metrics_text)
    assert m, f"{name} is not in /metrics:\n{metrics_text}"
    return float(m.group(1))


# ---------------------------------------------------------------------------------------------
# Through nginx


def test_behind_nginx_the_stored_remote_is_the_client_not_nginx_nor_a_spoofed_header(proxied):
    daemon, nginx = proxied

    reply = nginx.post("/status", STATUS_BODY, {"X-Forwarded-For": SPOOFED})

    assert reply.status == 200, (reply, nginx.logs())
    (record,) = daemon.events_lines()
    received = record["received"]
    assert received["remote"] == CLIENT, received  # not SPOOFED, not nginx's 127.0.0.1
    assert received["path"] == "/status", received
    assert received["requestId"] == reply.json()["requestId"], (received, reply)
    assert received["requestId"] == reply.headers.get("x-request-id"), (received, reply)
    assert record["payload"] == fixture_json("call_status_2026.json")["payload"]
    assert daemon.rejects_lines() == []


def test_behind_nginx_summary_is_proxied_and_every_other_path_is_404(proxied):
    daemon, nginx = proxied

    reply = nginx.post("/summary", SUMMARY_BODY)
    assert reply.status == 200, (reply, nginx.logs())
    (record,) = daemon.events_lines()
    assert record["eventType"] == "SESSION_SUMMARY", record
    assert record["received"]["path"] == "/summary", record["received"]
    assert record["received"]["remote"] == CLIENT, record["received"]

    # The site proxies only the four delivery paths: callsink's own endpoints, which it would
    # answer with 200, and the dispatching POST / stay unreachable from outside.
    for method, path, body in (("GET", "/healthz", None), ("GET", "/readyz", None),
                               ("GET", "/metrics", None), ("POST", "/", STATUS_BODY),
                               ("POST", "/status/extra", STATUS_BODY),
                               ("POST", "/numbers/extra", NUMBERS_BODY),
                               ("POST", "/recordings", RECORDING_BODY)):
        reply = nginx.request(method, path, body, {"Content-Type": "application/json"})
        assert reply.status == 404, (method, path, reply)
        assert b"nginx" in reply.body, (method, path, reply)  # nginx's page, not callsink's

    # client_max_body_size refuses an oversized body before it reaches callsink.
    reply = nginx.post("/status", b"{" + b" " * (1024 * 1024) + b"}")
    assert reply.status == 413, reply

    assert len(daemon.events_lines()) == 1
    assert daemon.rejects_lines() == []


@pytest.mark.parametrize("path, body, event_type", [
    ("/numbers", NUMBERS_BODY, "VIRTUAL_NUMBER_UPDATE"),
    ("/recording", RECORDING_BODY, "CALL_RECORDING_STATUS"),
], ids=["numbers", "recording"])
def test_behind_nginx_numbers_and_recording_are_proxied_with_the_client_address(
        proxied, path, body, event_type):
    daemon, nginx = proxied

    reply = nginx.post(path, body, {"X-Forwarded-For": SPOOFED})

    assert reply.status == 200, (reply, nginx.logs())
    assert reply.json()["stored"] == "events", reply
    (record,) = daemon.events_lines()
    assert record["eventType"] == event_type, record
    received = record["received"]
    assert received["remote"] == CLIENT, received  # not SPOOFED, not nginx's 127.0.0.1
    assert received["path"] == path, received
    assert received["requestId"] == reply.json()["requestId"], (received, reply)
    assert received["requestId"] == reply.headers.get("x-request-id"), (received, reply)
    assert record["payload"] == json.loads(body)["payload"]
    assert daemon.rejects_lines() == []

    # A GET reaches callsink too, which answers it (not nginx's 404).
    reply = nginx.request("GET", path)
    assert reply.status == 405, reply
    assert reply.headers.get("allow") == "POST", reply


def test_behind_nginx_keep_alive_on_both_sides(proxied):
    daemon, nginx = proxied
    before = upstream_ports(daemon.port)
    deliveries = 20
    event_ids = [f"e2078079-eae8-11f0-ae64-{n:012d}" for n in range(deliveries)]

    conn = nginx.connection()
    try:
        client_port = None
        for event_id in event_ids:
            reply = post_on(conn, "/status", status_body(event_id), {"X-Forwarded-For": SPOOFED})
            assert reply.status == 200, (reply, nginx.logs())
            assert conn.sock is not None, f"nginx closed the client connection: {reply}"
            port = conn.sock.getsockname()[1]
            assert client_port in (None, port), "the client connection was not kept alive"
            client_port = port
    finally:
        conn.close()

    records = daemon.events_lines()
    assert [r["payload"]["eventId"] for r in records] == event_ids
    assert {r["received"]["remote"] for r in records} == {CLIENT}

    # nginx reused its upstream connections (`keepalive 32;`): every delivery went over one or
    # two TCP connections to callsink, not one each (closed ones linger in TIME_WAIT here).
    used = upstream_ports(daemon.port) - before
    assert 1 <= len(used) <= 2, f"{deliveries} deliveries used {len(used)} upstream connections"

    # And callsink sees it: this /metrics request plus nginx's idle pooled connection.
    metrics = daemon.get("/metrics")
    assert metrics.status == 200, metrics
    open_connections = gauge(metrics.body.decode(), "callsink_open_connections")
    assert 2 <= open_connections <= 3, open_connections


# ---------------------------------------------------------------------------------------------
# Straight at the daemon: a client cannot choose its own address


def post_from(daemon, source: str, headers: dict) -> Reply:
    conn = http.client.HTTPConnection(HOST, daemon.port, timeout=10, source_address=(source, 0))
    try:
        return post_on(conn, "/status", STATUS_BODY, headers)
    finally:
        conn.close()


@pytest.mark.parametrize("trusted", [[], [f"{HOST}/32"]], ids=["no-trusted-proxies",
                                                                "untrusted-peer"])
def test_a_spoofed_x_forwarded_for_from_an_untrusted_peer_changes_nothing(start_daemon, trusted):
    d = start_daemon(server={"trusted_proxies": trusted})

    reply = post_from(d, CLIENT, {"X-Forwarded-For": SPOOFED})

    assert reply.status == 200, reply
    (record,) = d.events_lines()
    assert record["received"]["remote"] == CLIENT, record["received"]


def test_a_trusted_proxy_listed_in_its_own_x_forwarded_for_is_skipped(start_daemon):
    d = start_daemon(server={"trusted_proxies": [f"{HOST}/32"]})

    reply = post_from(d, HOST, {"X-Forwarded-For": "198.51.100.7, 127.0.0.1"})

    assert reply.status == 200, reply
    (record,) = d.events_lines()
    assert record["received"]["remote"] == "198.51.100.7", record["received"]
