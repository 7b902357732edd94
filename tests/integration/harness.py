"""Harness for callsink's integration tests: the real binary on a loopback port.

conftest.py re-exports the fixtures; test files import the helpers from here.

`start_daemon(**overrides)` writes a TOML config into the test's tmp_path, starts
`$CALLSINK_BIN --config <cfg> --listen 127.0.0.1:0`, waits for the `listening on` log line, and
drains stderr and stdout in background threads so the pipes never fill and tests can assert on
what the daemon printed. Every daemon still running at teardown gets SIGTERM and must exit 0
within 15 s.

Only the Python standard library and pytest are used.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE.parent / "data"
HOST = "127.0.0.1"

DOCUMENT_FIXTURES = {
    # fixture file -> the path 8x8 would post it to
    "call_status_2026.json": "/status",
    "call_status_md.json": "/status",
    "session_summary_success.json": "/summary",
    "session_summary_failure.json": "/summary",
}

RFC3339_MS_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
STOP_TIMEOUT = 15.0


# Each example in the 8x8 documents, in the order the documents show them, and the fixture that
# is its verbatim copy. The documents are not in the repository; where they are found,
# test_deliveries.py checks this list against them, so tests can post the examples from here.
DOCUMENT_EXAMPLES = [
    ("call-status-2019.txt", "call_status_md.json"),
    ("call-status-2026.txt", "call_status_2026.json"),
    ("call-status-md.txt", "call_status_md.json"),
    ("session-summary.txt", "session_summary_success.json"),
    ("session-summary.txt", "session_summary_failure.json"),
]
DOCUMENTS_ENV = "CALLSINK_8X8_DOCUMENTS"


def documents_dir() -> Path:
    """The folder of 8x8 documents the fixtures were copied from, or skips the calling test.

    $CALLSINK_8X8_DOCUMENTS names it, and then it must exist (CI sets it, so the checks cannot
    be skipped there); without it the calling test is skipped.
    """
    named = os.environ.get(DOCUMENTS_ENV)
    if named:
        if not Path(named, "call-status-2026.txt").is_file():
            pytest.fail(f"{DOCUMENTS_ENV}={named} does not hold the 8x8 documents "
                        "(call-status-2026.txt and the others)")
        return Path(named)
    pytest.skip(f"the 8x8 documents are not here: set {DOCUMENTS_ENV} to check the fixtures "
                "against them")


def document_examples() -> list[tuple[str, dict]]:
    """Every example of the 8x8 documents as (document, object), read from their fixtures."""
    return [(doc, fixture_json(name)) for doc, name in DOCUMENT_EXAMPLES]


def examples_in_documents(folder: Path) -> list[tuple[str, dict]]:
    """Every JSON example with an eventType in the documents of `folder`, as (document, object)."""
    decoder = json.JSONDecoder()
    found = []
    for doc in sorted(folder.glob("*.txt")):
        text = doc.read_text(encoding="utf-8")
        for m in re.finditer(r"(?m)^\{", text):
            try:
                obj, _ = decoder.raw_decode(text, m.start())
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and "eventType" in obj:
                found.append((doc.name, obj))
    return found


def callsink_bin() -> str:
    path = os.environ.get("CALLSINK_BIN")
    if not path:
        pytest.fail("CALLSINK_BIN is not set; it must name the built callsink binary")
    if not os.access(path, os.X_OK):
        pytest.fail(f"CALLSINK_BIN={path} is not an executable file")
    return path


def fixture_bytes(name: str) -> bytes:
    return (DATA_DIR / name).read_bytes()


def fixture_json(name: str) -> dict:
    return json.loads(fixture_bytes(name))


def call_status_body(event_id: str = "e2078079-eae8-11f0-ae64-a500004e488e", **payload_changes) -> bytes:
    """The 2026 CALL_STATUS example with a chosen eventId and payload fields changed or added."""
    event = fixture_json("call_status_2026.json")
    event["payload"]["eventId"] = event_id
    event["payload"].update(payload_changes)
    return json.dumps(event).encode()


# ---------------------------------------------------------------------------------------------
# TOML


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table: librdkafka = {"message.max.bytes" = "2000"}
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}"
                                for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


def toml_text(tables: dict, sinks: list) -> str:
    out = []
    for name, table in tables.items():
        if table is None:
            continue
        out.append(f"[{name}]")
        out.extend(f"{key} = {toml_value(value)}" for key, value in table.items())
        out.append("")
    for sink in sinks:
        out.append("[[sinks]]")
        out.extend(f"{key} = {toml_value(value)}" for key, value in sink.items())
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# The daemon


class Daemon:
    """One running callsink process and what it printed."""

    def __init__(self, tmp_path: Path, config_path: Path, events: Path, rejects: Path,
                 extra_args=(), env=None, drain_stdout=True):
        self.tmp_path = tmp_path
        self.config_path = config_path
        self.events = events
        self.rejects = rejects
        self.port = None
        self.exit_expected = False  # set once the test stops it or waits for it to exit
        self._lines: list[str] = []
        self._stdout = bytearray()
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(
            [callsink_bin(), "--config", str(config_path), "--listen", f"{HOST}:0",
             *extra_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=tmp_path, env={**os.environ, **(env or {})})
        self._threads = [threading.Thread(target=self._drain_stderr, daemon=True)]
        if drain_stdout:
            self._threads.append(threading.Thread(target=self._drain_stdout, daemon=True))
        for t in self._threads:
            t.start()

    # -- output ---------------------------------------------------------------------------------

    def _drain_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self._lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _drain_stdout(self):
        while True:
            chunk = self.proc.stdout.read1(65536)
            if not chunk:
                break
            with self._cond:
                self._stdout += chunk
                self._cond.notify_all()

    @property
    def log(self) -> list[str]:
        with self._cond:
            return list(self._lines)

    def log_text(self) -> str:
        return "\n".join(self.log)

    @property
    def stdout(self) -> bytes:
        with self._cond:
            return bytes(self._stdout)

    def wait_for(self, predicate, timeout: float = 5.0, what: str = "condition"):
        """Waits until predicate() returns something truthy (called under the output lock)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout} s waiting for {what}; stderr so far:\n"
                        + "\n".join(self._lines[-50:]))
                self._cond.wait(min(remaining, 0.05))

    def wait_for_log(self, pattern: str, timeout: float = 5.0, count: int = 1) -> list[str]:
        """Waits for `count` stderr lines matching the regex `pattern`; returns them all."""
        rx = re.compile(pattern)

        def matches():
            found = [line for line in self._lines if rx.search(line)]
            return found if len(found) >= count else None

        return self.wait_for(matches, timeout, f"{count} log line(s) matching {pattern!r}")

    def wait_for_stdout_lines(self, count: int, timeout: float = 5.0) -> list[bytes]:
        def enough():
            lines = bytes(self._stdout).split(b"\n")
            return lines[:-1] if len(lines) - 1 >= count else None

        return self.wait_for(enough, timeout, f"{count} line(s) on stdout")

    def wait_listening(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self._lines:
                    m = LISTENING.search(line)
                    if m:
                        self.port = int(m.group(1))
                        return self.port
                if self.proc.poll() is not None and not self._threads[0].is_alive():
                    raise AssertionError(
                        f"callsink exited with {self.proc.returncode} before listening:\n"
                        + "\n".join(self._lines))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("callsink did not log 'listening on 127.0.0.1:PORT' in "
                                         f"{timeout} s:\n" + "\n".join(self._lines))
                self._cond.wait(min(remaining, 0.05))

    # -- lifecycle ------------------------------------------------------------------------------

    def signal(self, signum: int):
        self.proc.send_signal(signum)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then waits; kills and fails when it does not exit in `timeout` seconds."""
        self.exit_expected = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill(self, timeout: float = 5.0) -> int:
        """SIGKILL (a crash), then waits; teardown does not report the exit."""
        self.exit_expected = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self.wait_exit(timeout)

    def wait_exit(self, timeout: float = STOP_TIMEOUT) -> int:
        self.exit_expected = True
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self._join()
            raise AssertionError(f"callsink did not exit within {timeout} s of SIGTERM; killed. "
                                 "stderr:\n" + self.log_text())
        self._join()
        return code

    def _join(self):
        for t in self._threads:
            t.join(5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None and not pipe.closed and not any(t.is_alive()
                                                                for t in self._threads):
                pipe.close()

    # -- HTTP -----------------------------------------------------------------------------------

    def connection(self, timeout: float = 10.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> "Reply":
        conn = self.connection()
        try:
            return request_on(conn, method, path, body, headers)
        finally:
            conn.close()

    def post(self, path: str, body: bytes, headers: dict | None = None) -> "Reply":
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        return self.request("POST", path, body, all_headers)

    def get(self, path: str, headers: dict | None = None) -> "Reply":
        return self.request("GET", path, None, headers)

    def raw(self, timeout: float = 10.0) -> "RawConnection":
        return RawConnection(self.port, timeout)

    def events_lines(self) -> list[dict]:
        return read_jsonl(self.events)

    def rejects_lines(self) -> list[dict]:
        return read_jsonl(self.rejects)


class Reply:
    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
                 version: str = "HTTP/1.1"):
        self.status = status
        self.reason = reason
        self.header_list = headers
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body
        self.version = version

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Reply {self.version} {self.status} {self.headers} {self.body[:300]!r}>"


def request_on(conn: http.client.HTTPConnection, method: str, path: str,
               body: bytes | None = None, headers: dict | None = None) -> Reply:
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(resp.version, str(resp.version))
    return Reply(resp.status, resp.reason, resp.getheaders(), data, version)


def post_on(conn: http.client.HTTPConnection, path: str, body: bytes,
            headers: dict | None = None) -> Reply:
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return request_on(conn, "POST", path, body, all_headers)


class RawConnection:
    """A plain socket: sends exact bytes, parses replies itself (Content-Length bodies only)."""

    def __init__(self, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def send(self, data: bytes):
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def read_head(self) -> tuple[str, int, str, list[tuple[str, str]]]:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise AssertionError(f"connection closed before a full reply head: {self.buf!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        version, status, *reason = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        return version, int(status), (reason[0] if reason else ""), headers

    def read_response(self) -> Reply:
        version, status, reason, headers = self.read_head()
        lowered = {k.lower(): v for k, v in headers}
        assert "chunked" not in lowered.get("transfer-encoding", ""), \
            "RawConnection does not decode chunked replies"
        length = int(lowered.get("content-length", "0"))
        while len(self.buf) < length:
            if not self._fill():
                raise AssertionError("connection closed in the middle of a reply body")
        body, self.buf = self.buf[:length], self.buf[length:]
        return Reply(status, reason, headers, body, version)

    def wait_closed(self, timeout: float = 5.0) -> bool:
        """True when the peer closes the connection (EOF or reset) within `timeout`, with no
        further bytes arriving."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
                return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


# ---------------------------------------------------------------------------------------------
# Files


def wait_until(predicate, what: str, timeout: float = 10.0):
    """Polls predicate() until it returns something truthy, which it returns; fails after
    `timeout` seconds naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def read_jsonl(path: Path) -> list[dict]:
    """Every line of a JSON Lines file, parsed; asserts the file ends with a newline."""
    data = Path(path).read_bytes()
    if not data:
        return []
    assert data.endswith(b"\n"), f"{path} does not end with a newline: ...{data[-200:]!r}"
    records = []
    for number, line in enumerate(data[:-1].split(b"\n"), 1):
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise AssertionError(f"{path}:{number} is not a JSON line ({e}): {line[:300]!r}")
        assert isinstance(record, dict), f"{path}:{number} is not a JSON object: {line[:300]!r}"
        records.append(record)
    return records


def assert_received(record: dict, reply: Reply, path: str):
    received = record["received"]
    assert RFC3339_MS_UTC.match(received["at"]), received
    assert received["path"] == path, received
    assert received["remote"] == "127.0.0.1", received
    assert received["requestId"] == reply.headers["x-request-id"], (received, reply)
    assert received["requestId"] == reply.json()["requestId"], (received, reply)


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def start_daemon(tmp_path):
    """Factory: start_daemon(server={...}, delivery={...}, rejects={...}, log={...},
    auth={...}, privacy={...}, journal={...}, sinks=[...], raw_config=None, extra_args=(),
    env={...}, drain_stdout=True, wait=True) -> Daemon.

    The default config: one file sink at tmp_path/events.jsonl, rejects at
    tmp_path/rejects.jsonl, dedupe off (tests post the same example more than once and count one
    line per delivery), read/idle timeouts short enough for a quick drain.

    - A table argument overrides the default's keys one by one (server={"max_body_bytes": 1024}
      keeps the rest); `sinks` replaces the sink list; `raw_config` is written verbatim instead.
    - `env` adds environment variables (e.g. the [privacy] key).
    - drain_stdout=False leaves daemon.proc.stdout, a pipe, to the test.
    - wait=False returns before the daemon listens: for start-up failures, then wait_exit().
    """
    daemons: list[Daemon] = []
    counter = [0]

    def start(*, server=None, delivery=None, rejects=None, log=None, auth=None, privacy=None,
              journal=None, sinks=None, raw_config=None, extra_args=(), env=None,
              drain_stdout=True, wait=True) -> Daemon:
        counter[0] += 1
        events = tmp_path / "events.jsonl"
        rejects_path = tmp_path / "rejects.jsonl"
        tables = {
            "server": {"read_timeout_ms": 5000, "idle_timeout_ms": 10000},
            "delivery": {"dedupe_window": 0},
            "rejects": {"path": str(rejects_path)},
            "log": {"level": "info"},
        }
        for name, override in (("server", server), ("delivery", delivery),
                               ("rejects", rejects), ("log", log), ("auth", auth),
                               ("privacy", privacy), ("journal", journal)):
            if override is None:
                continue
            tables.setdefault(name, {}).update(override)
        if rejects and "path" in rejects:
            rejects_path = Path(rejects["path"])
        if sinks is None:
            sinks = [{"type": "file", "path": str(events)}]
        else:
            file_paths = [s["path"] for s in sinks if s.get("type") == "file" and "path" in s]
            if file_paths:
                events = Path(file_paths[0])
        config = tmp_path / f"callsink-{counter[0]}.toml"
        config.write_text(raw_config if raw_config is not None else toml_text(tables, sinks))
        daemon = Daemon(tmp_path, config, events, rejects_path, extra_args, env, drain_stdout)
        daemons.append(daemon)
        if wait:
            daemon.wait_listening()
        return daemon

    yield start

    problems = []
    for d in daemons:
        if d.proc.poll() is not None:
            if not d.exit_expected:
                problems.append(f"callsink exited by itself with {d.proc.returncode} during the "
                                "test; stderr:\n" + d.log_text())
            d._join()
            continue
        try:
            code = d.stop()
        except AssertionError as e:
            problems.append(str(e))
            continue
        if code != 0:
            problems.append(f"callsink exited with {code} on SIGTERM at teardown; stderr:\n"
                            + d.log_text())
    if problems:
        pytest.fail("\n\n".join(problems))


@pytest.fixture
def daemon(start_daemon) -> Daemon:
    """A daemon with the default config."""
    return start_daemon()


def b64decode(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
