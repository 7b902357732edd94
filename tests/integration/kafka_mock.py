"""A Kafka cluster for the integration tests: librdkafka's mock cluster, run by callsink_kafka_mock.

Debian packages no Kafka broker. tests/tools/kafka_mock.cpp (target callsink_kafka_mock) starts
librdkafka's mock cluster and takes one-line commands on stdin; ctest names the built tool in
CALLSINK_KAFKA_MOCK, as it names the daemon in CALLSINK_BIN.

The fixture `kafka_mock` is a factory (conftest.py re-exports it):

    def test_something(kafka_mock, start_daemon):
        kafka = kafka_mock(topics=["calls"])          # 3 brokers, 3 partitions, replication 3
        daemon = start_daemon(sinks=[{"type": "kafka", "brokers": kafka.bootstrap, ...}])
        ...
        kafka.down("all")                             # or a broker id, 1..brokers
        kafka.up("all")
        kafka.errors("produce", "NOT_LEADER_FOR_PARTITION", 3)
        records = kafka.consume("calls")              # [{"topic", "partition", "offset", "key",
                                                      #   "headers", "value"}, ...]

Each call starts a cluster of its own; every cluster still running at teardown is closed and
must exit 0 (under the sanitizers a leak or an error report makes it exit non-zero). A command the
tool refuses raises KafkaMockError with its message.

What librdkafka 2.0.2's mock does not do: it answers Metadata up to v2 only, so any client asking
about a topic that does not exist creates it (4 partitions), consume() included; use
topic_error(topic, "UNKNOWN_TOPIC_OR_PART") for a missing topic. A broker that is down keeps
leading its partitions (no leader election); move them with leader().

Only the Python standard library and pytest are used.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading

import pytest

START_TIMEOUT = 10.0
COMMAND_TIMEOUT = 10.0
CONSUME_TIMEOUT = 30.0  # the tool gives up on a consume after 10 s
STOP_TIMEOUT = 15.0


class KafkaMockError(AssertionError):
    """The tool answered `error <message>` to a command."""


def kafka_mock_bin() -> str:
    path = os.environ.get("CALLSINK_KAFKA_MOCK")
    if not path:
        pytest.fail("CALLSINK_KAFKA_MOCK is not set; it must name the built callsink_kafka_mock "
                    "tool (ctest sets it; by hand: CALLSINK_KAFKA_MOCK=build/<dir>/tests/"
                    "callsink_kafka_mock)")
    if not os.access(path, os.X_OK):
        pytest.fail(f"CALLSINK_KAFKA_MOCK={path} is not an executable file")
    return path


class KafkaMock:
    """One callsink_kafka_mock process: a mock cluster of `brokers` brokers (ids 1..brokers)
    with `topics` created, each with `partitions` partitions and replication min(brokers, 3)."""

    def __init__(self, brokers: int = 3, topics=("events",), partitions: int = 3,
                 debug: str | None = None, start_timeout: float = START_TIMEOUT):
        args = [kafka_mock_bin(), "--brokers", str(brokers), "--partitions", str(partitions)]
        if topics:
            args += ["--topic", ",".join(topics)]
        if debug:
            args += ["--debug", debug]  # librdkafka debug contexts, e.g. "mock,protocol"
        self.brokers = brokers
        self.topics = list(topics)
        self.partitions = partitions
        self.returncode: int | None = None
        self._stderr: list[str] = []
        self._stderr_lock = threading.Lock()
        self._replies: queue.Queue[str | None] = queue.Queue()
        self._command_lock = threading.Lock()
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                     errors="replace", bufsize=1)
        self._threads = [threading.Thread(target=self._drain_stdout, daemon=True),
                         threading.Thread(target=self._drain_stderr, daemon=True)]
        for t in self._threads:
            t.start()
        first = self._next_line(start_timeout, "the bootstrap= line")
        if not first.startswith("bootstrap="):
            self._abandon()
            raise AssertionError(f"callsink_kafka_mock printed {first!r} instead of "
                                 "bootstrap=...; stderr:\n" + self.log_text())
        self.bootstrap: str = first.removeprefix("bootstrap=")

    # -- output ---------------------------------------------------------------------------------

    def _drain_stdout(self):
        for line in iter(self.proc.stdout.readline, ""):
            self._replies.put(line.rstrip("\n"))
        self._replies.put(None)

    def _drain_stderr(self):
        for line in iter(self.proc.stderr.readline, ""):
            with self._stderr_lock:
                self._stderr.append(line.rstrip("\n"))

    @property
    def log(self) -> list[str]:
        """What the tool and librdkafka wrote on stderr so far."""
        with self._stderr_lock:
            return list(self._stderr)

    def log_text(self) -> str:
        return "\n".join(self.log[-50:])

    def _next_line(self, timeout: float, what: str) -> str:
        try:
            line = self._replies.get(timeout=timeout)
        except queue.Empty:
            self._abandon()
            raise AssertionError(f"callsink_kafka_mock gave no {what} in {timeout} s; killed. "
                                 "stderr:\n" + self.log_text())
        if line is None:
            self._replies.put(None)  # later reads see the end too
            code = self.proc.wait(5)
            self.returncode = code
            raise AssertionError(f"callsink_kafka_mock exited with {code} before {what}; "
                                 "stderr:\n" + self.log_text())
        return line

    # -- commands -------------------------------------------------------------------------------

    def command(self, line: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """Sends one command line; returns the reply after `ok` (usually ""), raises
        KafkaMockError on `error ...`."""
        with self._command_lock:
            return self._reply(self._send(line), timeout)

    def _send(self, line: str) -> str:
        if self.returncode is not None or self.proc.poll() is not None:
            raise AssertionError(f"callsink_kafka_mock is not running; cannot send {line!r}")
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return line

    def _reply(self, line: str, timeout: float) -> str:
        reply = self._next_line(timeout, f"reply to {line!r}")
        if reply == "ok" or reply.startswith("ok "):
            return reply[3:]
        if reply.startswith("error "):
            raise KafkaMockError(f"callsink_kafka_mock: {line}: {reply[6:]}")
        raise AssertionError(f"callsink_kafka_mock answered {line!r} with {reply!r}")

    @staticmethod
    def _broker(broker) -> str:
        return "all" if broker == "all" else str(int(broker))

    def down(self, broker="all"):
        """Closes a broker's listener and drops its connections (1..brokers, or "all").
        Its partitions keep it as their leader."""
        self.command(f"down {self._broker(broker)}")

    def up(self, broker="all"):
        """Makes a broker (or "all") accept connections again, on the same port."""
        self.command(f"up {self._broker(broker)}")

    def rtt(self, broker, ms: int):
        """Delays every response of a broker (or "all") by `ms` milliseconds; 0 undoes it."""
        self.command(f"rtt {self._broker(broker)} {int(ms)}")

    def errors(self, api: str | int, code: str | int, count: int):
        """The next `count` requests of `api` ("produce", "fetch", "metadata" or a key number),
        on any broker, fail with `code`: a librdkafka error name such as
        "NOT_LEADER_FOR_PARTITION", "REQUEST_TIMED_OUT", "MSG_SIZE_TOO_LARGE", or a number;
        "_TRANSPORT" makes the broker drop the connection instead."""
        self.command(f"errors {api} {code} {int(count)}")

    def clear_errors(self, api: str | int):
        """Forgets the errors still pushed for `api`."""
        self.command(f"clear {api}")

    def leader(self, topic: str, partition: int, broker: int):
        """Makes `broker` the leader of topic/partition (-1: no leader)."""
        self.command(f"leader {topic} {int(partition)} {int(broker)}")

    def topic_error(self, topic: str, code: str | int):
        """Metadata answers `code` for `topic` ("NO_ERROR" or 0 clears it)."""
        self.command(f"topic-error {topic} {code}")

    def consume(self, topic: str, timeout: float = CONSUME_TIMEOUT) -> list[dict]:
        """Every message now in `topic`, sorted by (partition, offset): dicts with topic,
        partition, offset, key (str or None), headers ({name: str or None}) and value (str or
        None; the text, not parsed). Raises KafkaMockError when the tool cannot read every
        partition to its end within 10 s (brokers down)."""
        with self._command_lock:
            line = self._send(f"consume {topic}")
            records = []
            while True:
                reply = self._next_line(timeout, f"reply to {line!r}")
                if not reply.startswith("{"):
                    break
                records.append(json.loads(reply))
        if reply.startswith("error "):
            raise KafkaMockError(f"callsink_kafka_mock: {line}: {reply[6:]}")
        if not reply.startswith("ok "):
            raise AssertionError(f"callsink_kafka_mock answered {line!r} with {reply!r}")
        count = int(reply[3:])
        assert count == len(records), f"consume {topic}: ok {count} after {len(records)} lines"
        return records

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self, timeout: float = STOP_TIMEOUT) -> int:
        """Sends quit, waits for the exit and returns its status; raises if the tool does not
        exit in `timeout` seconds (then it is killed) or exits non-zero. Idempotent."""
        if self.returncode is not None:
            return self.returncode
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._abandon()
            raise AssertionError(f"callsink_kafka_mock did not exit within {timeout} s of quit; "
                                 "killed. stderr:\n" + self.log_text())
        self._join()
        self.returncode = code
        if code != 0:
            raise AssertionError(f"callsink_kafka_mock exited with {code}; stderr:\n"
                                 + "\n".join(self.log[-200:]))
        return code

    def _abandon(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.returncode = self.proc.wait()
        self._join()

    def _join(self):
        for t in self._threads:
            t.join(5)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except (BrokenPipeError, OSError):
                pass

    def __enter__(self) -> "KafkaMock":
        return self

    def __exit__(self, *exc):
        self.close()


@pytest.fixture
def kafka_mock():
    """Factory: kafka_mock(brokers=3, topics=("events",), partitions=3, debug=None) -> KafkaMock,
    a fresh mock cluster per call. Teardown closes every one still running; one that does not
    exit 0 fails the test."""
    mocks: list[KafkaMock] = []

    def start(**kwargs) -> KafkaMock:
        mock = KafkaMock(**kwargs)
        mocks.append(mock)
        return mock

    yield start

    problems = []
    for mock in mocks:
        try:
            mock.close()
        except AssertionError as e:
            problems.append(str(e))
    if problems:
        pytest.fail("\n\n".join(problems))
