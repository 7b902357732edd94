"""The Kafka sink end to end: the real binary producing over TCP to librdkafka's mock cluster
(callsink_kafka_mock, through the kafka_mock fixture), each message read back with the tool's
consumer.

- What a message is: the record (the file sink's line without its newline, compared with a file
  sink configured alongside), the session id as key, the headers eventType, eventId (only where
  the type has one), requestId (the reply's X-Request-Id) and redeliveryKey (32 hex digits, the
  same for every delivery of one event, in every replica); topic = "8x8.{eventType}" and the
  other keys.
- What a 200 means: every delivery answered 200 is in the topic, also when the daemon is killed
  (kill -9) under load, and when one of two replicas behind the real nginx with
  config/nginx-callsink-replicas.conf is; the other replica keeps answering.
- Brokers down: a 503 with Retry-After within delivery_timeout_ms, /readyz 503 (also before any
  delivery) and 200 again by itself once they are back; the retried delivery is stored.
- A session's events are in its partition in the order they were stored.
- One delivery at a time is answered well under librdkafka's 10 ms flush step (the last delivery
  report of a batch wakes the writer; nothing polls in 10 ms steps).
- Configuration errors exit 2 naming the key, without showing a value from the environment;
  SIGHUP leaves the producer alone; SIGTERM answers what is in flight and exits 0; the per-sink
  metrics.

Every poll has a generous deadline; the timings asserted are the issue's own (503 within
delivery_timeout_ms and a margin) and the median of one delivery at a time, with a bound of half
the old 10 ms floor.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness import (HOST, Reply, call_status_body, callsink_bin, fixture_bytes, fixture_json,
                     post_on, document_examples, toml_text)
import harness
import test_nginx

TOPIC = "events"
TIMEOUT_MS = 2000           # delivery_timeout_ms of most daemons here
TIMEOUT_MARGIN_S = 1.5      # what a 503 may take beyond delivery_timeout_ms (sanitizer build)
POLL_TIMEOUT_S = 15.0       # generous deadline for anything that should happen "by itself"
REDELIVERY_KEY = re.compile(r"^[0-9a-f]{32}$")
SECRET = "Hunter2-k1-not-to-be-shown"

# The four event types: the fixture 8x8 documents, the path each is posted to, and the payload
# field that is the type's event id, if it has one (events/types/*.hpp, kIdentity).
TYPE_FIXTURES = {
    "CALL_STATUS": ("call_status_2026.json", "/status"),
    "SESSION_SUMMARY": ("session_summary_success.json", "/summary"),
    "VIRTUAL_NUMBER_UPDATE": ("virtual_number_update.json", "/numbers"),
    "CALL_RECORDING_STATUS": ("call_recording_status.json", "/recording"),
}
EVENT_ID_FIELD = {"CALL_STATUS": "eventId"}


# ---------------------------------------------------------------------------------------------
# Helpers


def kafka_sink(kafka, **keys) -> dict:
    """A [[sinks]] table of type kafka on the mock cluster."""
    return {"type": "kafka", "brokers": kafka.bootstrap, "topic": TOPIC,
            "delivery_timeout_ms": TIMEOUT_MS, **keys}


def sink_name(kafka, topic: str = TOPIC) -> str:
    """The sink's name, as /metrics labels it."""
    return f"kafka {topic} on {kafka.bootstrap}"


def metric(daemon, name: str, sink: str) -> float:
    """The value of `name{sink="..."}` in /metrics; fails when it is not there."""
    reply = daemon.get("/metrics")
    assert reply.status == 200, reply
    text = reply.body.decode()
    label = sink.replace("\\", "\\\\").replace('"', '\\"')
    pattern = rf'(?m)^{re.escape(name)}\{{sink="{re.escape(label)}"\}} (\S+)$'
    found = re.search(pattern, text)
    assert found, f'{name}{{sink="{sink}"}} is not in /metrics:\n{text}'
    return float(found.group(1))


def wait_until(predicate, what: str, timeout: float = POLL_TIMEOUT_S):
    """harness.wait_until with this file's default timeout."""
    return harness.wait_until(predicate, what, timeout)


def readyz(daemon) -> int:
    return daemon.get("/readyz").status


def by_header(messages: list[dict], name: str) -> dict[str, dict]:
    """Messages by the value of one header, which must be unique."""
    out = {}
    for message in messages:
        value = message["headers"].get(name)
        assert value not in out, f"two messages with {name} {value!r}: {messages}"
        out[value] = message
    return out


def event_ids(messages: list[dict]) -> list[str]:
    return sorted(m["headers"]["eventId"] for m in messages)


def file_lines(path: Path) -> dict[str, str]:
    """A file sink's lines (without the newline) by the requestId of their record."""
    data = path.read_bytes()
    assert data.endswith(b"\n"), data[-200:]
    lines = {}
    for raw in data[:-1].split(b"\n"):
        text = raw.decode("utf-8")
        lines[json.loads(text)["received"]["requestId"]] = text
    return lines


def assert_message_is_record(message: dict, line: str, event: dict, reply: Reply):
    """One message against the file sink's line for the same delivery and the event posted."""
    event_type = event["eventType"]
    request_id = reply.headers["x-request-id"]
    assert message["value"] == line, (message, line)
    # The session's id keys the message (an event without one has no key).
    assert message["key"] == event["payload"].get("sessionId"), message
    headers = message["headers"]
    expected = {"eventType", "requestId", "redeliveryKey"}
    if event_type in EVENT_ID_FIELD:
        expected.add("eventId")
        assert headers["eventId"] == event["payload"][EVENT_ID_FIELD[event_type]], message
    assert set(headers) == expected, message
    assert headers["eventType"] == event_type, message
    assert headers["requestId"] == request_id, (message, reply)
    assert REDELIVERY_KEY.match(headers["redeliveryKey"]), message


def config_with_sink(tmp_path: Path, sink_toml: str) -> str:
    """A whole configuration file: the harness's usual tables, then one [[sinks]] table written
    out by hand (toml_text has no nested tables)."""
    tables = {"server": {"read_timeout_ms": 5000, "idle_timeout_ms": 10000},
              "delivery": {"dedupe_window": 0},
              "rejects": {"path": str(tmp_path / "rejects.jsonl")}}
    return toml_text(tables, []) + "\n[[sinks]]\n" + sink_toml.strip() + "\n"


class Load:
    """Client threads posting CALL_STATUS deliveries with unique eventIds over kept-alive
    connections from `connect()`, until stopped. Every attempt is kept: (eventId, status or
    None for a connection error, the reply's X-Request-Id, monotonic start time)."""

    def __init__(self, connect, prefix: str, threads: int = 4):
        self.connect = connect
        self.prefix = prefix
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
        i = 0
        while not self.stopped.is_set():
            event_id = f"{self.prefix}-{n}-{i}"
            i += 1
            started = time.monotonic()
            status = request_id = None
            try:
                if conn is None:
                    conn = self.connect()
                reply = post_on(conn, "/status", call_status_body(event_id))
                status, request_id = reply.status, reply.headers.get("x-request-id")
                if reply.headers.get("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)  # a refused connection must not spin
            with self.lock:
                self.attempts.append((event_id, status, request_id, started))
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

    def count(self, status: int = 200) -> int:
        return len(self.answered(status))


# ---------------------------------------------------------------------------------------------
# The message


def test_every_example_is_one_message_the_file_sinks_line_keyed_by_session_with_headers(
        kafka_mock, start_daemon, tmp_path):
    kafka = kafka_mock(topics=[TOPIC])
    events_file = tmp_path / "events.jsonl"
    daemon = start_daemon(sinks=[kafka_sink(kafka), {"type": "file", "path": str(events_file)}])
    # The examples as 8x8's documents show them, to POST /; the fixture files of the four
    # types as they are, each to its path.
    deliveries = [("/", json.dumps(obj, ensure_ascii=False).encode(), obj)
                  for _, obj in document_examples()]
    assert len(deliveries) >= 5, "too few document examples"
    deliveries += [(path, fixture_bytes(name), fixture_json(name))
                   for name, path in TYPE_FIXTURES.values()]
    replies = []
    for path, body, _ in deliveries:
        reply = daemon.post(path, body)
        assert reply.status == 200, reply
        assert reply.json()["stored"] == "events", reply
        replies.append(reply)

    messages = by_header(kafka.consume(TOPIC), "requestId")
    lines = file_lines(events_file)
    assert len(messages) == len(deliveries), messages
    keys_by_event: dict[str, str] = {}
    for (_, _, event), reply in zip(deliveries, replies):
        request_id = reply.headers["x-request-id"]
        assert request_id in messages, (request_id, list(messages))
        message = messages[request_id]
        assert message["topic"] == TOPIC
        assert_message_is_record(message, lines[request_id], event, reply)
        canonical = json.dumps(event, sort_keys=True)
        keys_by_event.setdefault(canonical, message["headers"]["redeliveryKey"])
        # The fixtures that are document examples were delivered twice: one key for both.
        assert keys_by_event[canonical] == message["headers"]["redeliveryKey"], event
    # Different events, different keys.
    assert len(set(keys_by_event.values())) == len(keys_by_event), keys_by_event

    # The sink's metrics: every record counted as written, none in flight, no error.
    assert metric(daemon, "callsink_sink_written_total", sink_name(kafka)) == len(deliveries)
    assert metric(daemon, "callsink_sink_in_flight", sink_name(kafka)) == 0
    assert metric(daemon, "callsink_sink_errors_total", sink_name(kafka)) == 0
    assert metric(daemon, "callsink_sink_written_total", f"file {events_file}") == len(deliveries)


def test_a_redelivery_has_the_same_redelivery_key_in_every_replica(kafka_mock, start_daemon,
                                                                   tmp_path):
    kafka = kafka_mock(topics=[TOPIC])
    replicas = [start_daemon(sinks=[kafka_sink(kafka)],
                             rejects={"path": str(tmp_path / f"rejects-{n}.jsonl")})
                for n in ("a", "b")]
    a, b = replicas
    status = call_status_body("redelivered-1")
    summary = fixture_bytes("session_summary_success.json")
    posts = [(a, "/status", status), (a, "/status", status), (b, "/status", status),
             (a, "/summary", summary), (b, "/summary", summary),
             (b, "/status", call_status_body("another-1"))]
    replies = [d.post(path, body) for d, path, body in posts]
    assert all(r.status == 200 for r in replies), replies

    messages = by_header(kafka.consume(TOPIC), "requestId")
    assert len(messages) == len(posts), messages
    keys = [messages[r.headers["x-request-id"]]["headers"]["redeliveryKey"] for r in replies]
    assert all(REDELIVERY_KEY.match(k) for k in keys), keys
    assert keys[0] == keys[1] == keys[2], keys      # twice to one replica, once to the other
    assert keys[3] == keys[4], keys                 # a type with no event id: the same
    assert len({keys[0], keys[3], keys[5]}) == 3, keys
    # What the copies share is the key: each delivery has a request id of its own.
    assert len({r.headers["x-request-id"] for r in replies}) == len(replies)


def test_topic_per_event_type(kafka_mock, start_daemon):
    kafka = kafka_mock(topics=[])
    template = "8x8.{eventType}"
    daemon = start_daemon(sinks=[kafka_sink(kafka, topic=template)])
    for name, path in TYPE_FIXTURES.values():
        reply = daemon.post(path, fixture_bytes(name))
        assert reply.status == 200, reply

    for event_type, (name, _) in TYPE_FIXTURES.items():
        (message,) = kafka.consume(f"8x8.{event_type}")
        assert message["topic"] == f"8x8.{event_type}"
        assert message["headers"]["eventType"] == event_type, message
        assert json.loads(message["value"])["payload"] == fixture_json(name)["payload"]
    assert kafka.consume("callsink.events") == []  # the default topic: nothing
    assert metric(daemon, "callsink_sink_written_total", sink_name(kafka, template)) == 4


@pytest.mark.parametrize("key", ["eventId", "none"])
def test_key_event_id_or_none(kafka_mock, start_daemon, key):
    kafka = kafka_mock(topics=[TOPIC])
    daemon = start_daemon(sinks=[kafka_sink(kafka, key=key)])
    for event_type in ("CALL_STATUS", "SESSION_SUMMARY", "VIRTUAL_NUMBER_UPDATE"):
        name, path = TYPE_FIXTURES[event_type]
        assert daemon.post(path, fixture_bytes(name)).status == 200

    messages = by_header(kafka.consume(TOPIC), "eventType")
    assert set(messages) == {"CALL_STATUS", "SESSION_SUMMARY", "VIRTUAL_NUMBER_UPDATE"}
    status_event_id = fixture_json("call_status_2026.json")["payload"]["eventId"]
    # Only CALL_STATUS has an event id; without one, or with key = "none", there is no key.
    assert messages["CALL_STATUS"]["key"] == (status_event_id if key == "eventId" else None)
    assert messages["SESSION_SUMMARY"]["key"] is None, messages
    assert messages["VIRTUAL_NUMBER_UPDATE"]["key"] is None, messages


def test_one_sessions_events_are_in_its_partition_in_the_order_they_were_stored(
        kafka_mock, start_daemon, tmp_path):
    # One session (the key) from 16 connections at once, so that a batch goes out as more than
    # one produce request in flight to the partition's leader. The file sink beside it holds
    # the order the pipeline stored the batches in; the partition must hold the same. (Retries
    # are not injected: librdkafka's mock checks the sequence numbers of a transactional
    # producer only, so it stores what a broker would refuse as out of order, and librdkafka,
    # which a later acknowledgement tells that the earlier records are in, reports records
    # the mock never stored as delivered. A broker keeps the idempotent producer's order.)
    kafka = kafka_mock(topics=[TOPIC])
    events_file = tmp_path / "events.jsonl"
    daemon = start_daemon(sinks=[kafka_sink(kafka), {"type": "file", "path": str(events_file)}])
    with Load(daemon.connection, "ordered", threads=16) as load:
        wait_until(lambda: load.count(200) >= 400, "400 deliveries answered 200")

    messages = sorted(kafka.consume(TOPIC), key=lambda m: m["offset"])
    assert {m["partition"] for m in messages} == {messages[0]["partition"]}, "one key, one partition"
    in_topic = [m["headers"]["eventId"] for m in messages]
    in_file = [json.loads(line)["payload"]["eventId"]
               for line in events_file.read_text().splitlines()]
    assert {a[0] for a in load.answered(200)} <= set(in_topic)
    assert len(set(in_topic)) == len(in_topic), "a record stored twice"
    # A batch not acknowledged in time (503, on a slow machine) is in the file only.
    assert in_topic == [e for e in in_file if e in set(in_topic)]


# ---------------------------------------------------------------------------------------------
# One delivery at a time


def test_one_delivery_at_a_time_is_answered_well_under_librdkafkas_10_ms_flush_step(
        kafka_mock, start_daemon):
    # With delivery reports by callback, rd_kafka_flush() polled for them in steps of 10 ms while
    # the sink's own thread took them, so every batch took 10 ms at least (docs/performance.md).
    # Now that thread hands each report to the batch's DeliveryTracker, and the last one wakes
    # the writer.
    kafka = kafka_mock(topics=[TOPIC])
    daemon = start_daemon(sinks=[kafka_sink(kafka)])
    # Connections, partition leaders and the producer id, before anything is timed.
    assert daemon.post("/status", call_status_body("one-warm-up")).status == 200
    took = []
    conn = daemon.connection()
    try:
        for i in range(20):
            started = time.monotonic()
            reply = post_on(conn, "/status", call_status_body(f"one-{i}"))
            took.append(time.monotonic() - started)
            assert reply.status == 200, reply
    finally:
        conn.close()
    median = sorted(took)[len(took) // 2]
    # Generous, for the sanitizers and a busy machine: the floor was 10 ms; one delivery takes
    # about 1 ms with the sanitizers, 0.2 ms in a Release build.
    assert median < 0.005, \
        f"median {median * 1000:.1f} ms of {sorted(round(t * 1000, 1) for t in took)} ms"
    assert len(event_ids(kafka.consume(TOPIC))) == 21
    assert metric(daemon, "callsink_sink_in_flight", sink_name(kafka)) == 0


# ---------------------------------------------------------------------------------------------
# Brokers down


def test_brokers_down_503_within_the_timeout_readyz_503_then_back_by_itself(kafka_mock,
                                                                            start_daemon,
                                                                            tmp_path):
    kafka = kafka_mock(topics=[TOPIC])
    # callsink sets reconnect.backoff.max.ms to 1 s (librdkafka's default is 10 s, for which a
    # partition's leader could stay unreachable after /readyz already says 200).
    daemon = start_daemon(raw_config=config_with_sink(tmp_path, f"""
type = "kafka"
brokers = "{kafka.bootstrap}"
topic = "{TOPIC}"
delivery_timeout_ms = {TIMEOUT_MS}
"""))
    name = sink_name(kafka)
    assert daemon.post("/status", call_status_body("down-0")).status == 200
    assert readyz(daemon) == 200

    # No delivery at all: librdkafka sees every broker go, and /readyz says so by itself.
    kafka.down("all")
    wait_until(lambda: readyz(daemon) == 503, "GET /readyz 503 after `down all`")
    daemon.wait_for_log(r"no broker reachable")
    assert metric(daemon, "callsink_sink_errors_total", name) == 0

    started = time.monotonic()
    reply = daemon.post("/status", call_status_body("down-1"))
    elapsed = time.monotonic() - started
    assert reply.status == 503, reply
    assert re.fullmatch(r"\d+", reply.headers.get("retry-after", "")), reply
    assert elapsed < TIMEOUT_MS / 1000 + TIMEOUT_MARGIN_S, f"503 after {elapsed:.2f} s"
    assert readyz(daemon) == 503
    daemon.wait_for_log(r"sink failed: kafka .*Message timed out")
    assert metric(daemon, "callsink_sink_errors_total", name) == 1
    assert metric(daemon, "callsink_sink_written_total", name) == 1

    # Back: /readyz 200 by itself, without a delivery or a restart.
    kafka.up("all")
    wait_until(lambda: readyz(daemon) == 200, "GET /readyz 200 after `up all`")
    # 8x8 delivers again until it gets a 200 (a leader may still be reconnecting, above).
    retries = []
    wait_until(lambda: retries.append(daemon.post("/status", call_status_body("down-1")))
               or retries[-1].status == 200, "the retried delivery answered 200")
    assert {r.status for r in retries} <= {200, 503}, retries
    stored = event_ids(kafka.consume(TOPIC))
    assert stored.count("down-0") == 1 and "down-1" in stored, stored
    assert set(stored) == {"down-0", "down-1"}, stored
    assert metric(daemon, "callsink_sink_written_total", name) == 2
    assert metric(daemon, "callsink_sink_errors_total", name) == len(retries)


# ---------------------------------------------------------------------------------------------
# A 200 is in the topic, whatever happens next


def test_kill_9_under_load_every_200_is_in_the_topic(kafka_mock, start_daemon):
    kafka = kafka_mock(topics=[TOPIC])
    daemon = start_daemon(sinks=[kafka_sink(kafka)])

    with Load(lambda: daemon.connection(timeout=10), "kill") as load:
        wait_until(lambda: load.count(200) >= 20, "20 deliveries answered 200")
        # Load for a while longer, then the crash with requests in flight. Not past 2,000
        # deliveries (about 1.6 MB): the mock keeps only the newest 5 MiB of a partition, and a
        # fast build would otherwise post enough in a second for the first ones to be gone.
        started = time.monotonic()
        wait_until(lambda: load.count(200) >= 2000 or time.monotonic() - started >= 1.0,
                   "a second of load")
        assert daemon.kill() == -signal.SIGKILL
        time.sleep(0.5)  # the clients see the daemon gone

    ok = {a[0] for a in load.answered(200)}
    assert len(ok) >= 20, len(ok)
    stored = set(event_ids(kafka.consume(TOPIC)))
    missing = ok - stored
    assert not missing, f"{len(missing)} of {len(ok)} deliveries answered 200 are not in the " \
                        f"topic: {sorted(missing)[:10]}"
    # Nothing else is answered but 200 (before the crash) and connection errors (at and after).
    assert {a[1] for a in load.attempts} <= {200, None}


def replicas_site(upstream_ports: list[int], listen_port: int, cert: Path, key: Path) -> str:
    """config/nginx-callsink-replicas.conf with the loopback ports and the test certificate,
    nothing else changed."""
    text = test_nginx.site_config(dict(zip((8081, 8082), upstream_ports, strict=True)),
                                  listen_port, cert, key,
                                  test_nginx.SITE.parent / "nginx-callsink-replicas.conf")
    directives = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    # What the test relies on: nginx's retry of a delivery that never reached a replica, and
    # never of one that did.
    assert re.search(r"(?m)^\s*proxy_next_upstream error timeout;", directives), text
    assert "non_idempotent" not in directives and "http_503" not in directives, text
    return text


class ReplicasNginx(test_nginx.Nginx):
    """test_nginx's foreground nginx, running config/nginx-callsink-replicas.conf."""

    site_name = "nginx-callsink-replicas.conf"

    def __init__(self, directory: Path, upstream_ports: list[int], cert: Path, key: Path):
        self._start(directory, lambda port: replicas_site(upstream_ports, port, cert, key))


def request_id_prefix(request_id: str) -> str:
    """What tells one daemon's request ids from another's: all but the counter."""
    return request_id.rsplit("-", 1)[0]


def test_two_replicas_behind_nginx_kill_9_one_under_load(kafka_mock, start_daemon, tmp_path):
    openssl = test_nginx.require_tools()
    cert, key = test_nginx.self_signed_certificate(openssl, tmp_path)
    kafka = kafka_mock(topics=[TOPIC])
    a, b = [start_daemon(sinks=[kafka_sink(kafka)],
                         server={"trusted_proxies": [f"{HOST}/32"]},
                         rejects={"path": str(tmp_path / f"rejects-{n}.jsonl")})
            for n in ("a", "b")]
    prefix = {d: request_id_prefix(d.post("/status", call_status_body(f"direct-{i}"))
                                   .headers["x-request-id"]) for i, d in enumerate((a, b))}
    assert prefix[a] != prefix[b], prefix
    nginx = ReplicasNginx(tmp_path, [a.port, b.port], cert, key)
    try:
        with Load(nginx.connection, "replicas") as load:
            wait_until(lambda: load.count(200) >= 40, "40 deliveries answered 200 through nginx")
            time.sleep(0.5)
            assert a.kill() == -signal.SIGKILL
            killed = time.monotonic()
            wait_until(lambda: len(load.answered(200, since=killed)) >= 40,
                       "40 deliveries sent after the kill answered 200")
    finally:
        nginx.stop()

    ok = load.answered(200)
    stored = by_header(kafka.consume(TOPIC), "eventId")
    missing = {attempt[0] for attempt in ok} - set(stored)
    assert not missing, f"{len(missing)} of {len(ok)} deliveries answered 200 are not in the " \
                        f"topic: {sorted(missing)[:10]}"
    # Both replicas wrote to the one topic before the kill; b alone answered what came after.
    before = {request_id_prefix(attempt[2]) for attempt in ok if attempt[3] < killed}
    after = {request_id_prefix(attempt[2]) for attempt in ok if attempt[3] > killed}
    assert before == {prefix[a], prefix[b]}, (before, prefix)
    assert after == {prefix[b]}, (after, prefix)
    assert len(load.answered(200, since=killed)) >= 40
    # A request already sent to the replica that was killed is not retried (a POST: nginx
    # answers 502, 8x8 delivers again). Only those few fail; none is refused or lost otherwise.
    failed = [attempt for attempt in load.attempts if attempt[1] != 200]
    assert {attempt[1] for attempt in failed} <= {502}, failed
    assert len(failed) <= 2 * len(load.threads), failed
    # The records have the client's address, as nginx told both replicas, never nginx's.
    remotes = {json.loads(m["value"])["received"]["remote"] for eid, m in stored.items()
               if eid.startswith("replicas-")}
    assert remotes == {test_nginx.CLIENT}, remotes


# ---------------------------------------------------------------------------------------------
# Configuration


BAD_CONFIGS = {
    "empty-brokers": ('brokers = ""', {},
                      "sinks[0].brokers: must name at least one broker"),
    "unknown-property": (
        'brokers = "127.0.0.1:9"\n[sinks.librdkafka]\n"no.such.property" = "x"', {},
        'sinks[0].librdkafka."no.such.property": librdkafka: '
        'No such configuration property: "no.such.property"'),
    "unknown-placeholder": (
        'brokers = "127.0.0.1:9"\ntopic = "8x8.{eventtype}"', {},
        'sinks[0].topic: unknown placeholder "{eventtype}" in "8x8.{eventtype}"'),
    "owned-property": (
        'brokers = "127.0.0.1:9"\n[sinks.librdkafka]\n"message.timeout.ms" = "1000"', {},
        'sinks[0].librdkafka."message.timeout.ms": set by callsink from '
        'sinks[0].delivery_timeout_ms; use that key'),
    "missing-env": (
        'brokers = "127.0.0.1:9"\n[sinks.librdkafka_env]\n'
        '"sasl.password" = "CALLSINK_TEST_NO_SUCH_VARIABLE"', {},
        'sinks[0].librdkafka_env."sasl.password": environment variable '
        'CALLSINK_TEST_NO_SUCH_VARIABLE is not set'),
    # A secret librdkafka refuses (one mechanism only): its value is not shown.
    "refused-secret": (
        'brokers = "127.0.0.1:9"\n[sinks.librdkafka_env]\n'
        '"sasl.mechanisms" = "CALLSINK_TEST_KAFKA_SECRET"',
        {"CALLSINK_TEST_KAFKA_SECRET": f"PLAIN,{SECRET}"},
        'sinks[0].librdkafka_env."sasl.mechanisms": librdkafka: Invalid value for configuration '
        'property "sasl.mechanisms"'),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_a_bad_kafka_sink_exits_2_naming_the_key(start_daemon, tmp_path, case):
    sink, env, message = BAD_CONFIGS[case]
    config = config_with_sink(tmp_path, 'type = "kafka"\n' + sink)

    daemon = start_daemon(raw_config=config, env=env, wait=False)
    assert daemon.wait_exit() == 2, daemon.log_text()
    expected = f"callsink: config {daemon.config_path}: {message}"
    assert any(line.startswith(expected) for line in daemon.log), (expected, daemon.log)

    check = subprocess.run([callsink_bin(), "--config", str(daemon.config_path), "--check"],
                           capture_output=True, text=True, timeout=30,
                           env={**os.environ, **env})
    assert check.returncode == 2, check
    assert check.stderr.startswith(expected), (expected, check.stderr)
    for output in (daemon.log_text(), check.stderr, check.stdout):
        assert SECRET not in output, output


def test_a_secret_librdkafka_refuses_only_at_start_is_not_shown(start_daemon, tmp_path):
    # Accepted as a property (any one word is), refused when the producer is made, where
    # librdkafka checks SASL mechanisms: the daemon cannot start, and says why without the value.
    config = config_with_sink(tmp_path, """
type = "kafka"
brokers = "127.0.0.1:9"
librdkafka = { "security.protocol" = "sasl_plaintext" }
librdkafka_env = { "sasl.mechanisms" = "CALLSINK_TEST_KAFKA_SECRET" }
""")
    daemon = start_daemon(raw_config=config, env={"CALLSINK_TEST_KAFKA_SECRET": SECRET},
                          wait=False)
    assert daemon.wait_exit() != 0, daemon.log_text()
    daemon.wait_for_log(r"cannot start: sinks\[0\]\.brokers: cannot create the Kafka producer: "
                        r"Unsupported SASL mechanism: \(hidden\)")
    assert SECRET not in daemon.log_text(), daemon.log_text()


def test_a_secret_from_the_environment_is_never_shown(kafka_mock, start_daemon, tmp_path):
    kafka = kafka_mock(topics=[TOPIC])
    config = config_with_sink(tmp_path, f"""
type = "kafka"
brokers = "{kafka.bootstrap}"
topic = "{TOPIC}"
librdkafka_env = {{ "sasl.password" = "CALLSINK_TEST_KAFKA_SECRET" }}
""")
    daemon = start_daemon(raw_config=config, env={"CALLSINK_TEST_KAFKA_SECRET": SECRET})
    assert daemon.post("/status", call_status_body("secret-1")).status == 200
    assert daemon.stop() == 0
    assert event_ids(kafka.consume(TOPIC)) == ["secret-1"]
    assert SECRET not in daemon.log_text(), daemon.log_text()


# ---------------------------------------------------------------------------------------------
# Signals


def test_sighup_leaves_the_producer_alone(kafka_mock, start_daemon):
    kafka = kafka_mock(topics=[TOPIC])
    daemon = start_daemon(sinks=[kafka_sink(kafka)])
    assert daemon.post("/status", call_status_body("hup-0")).status == 200
    seen = len(daemon.log)

    daemon.signal(signal.SIGHUP)
    daemon.wait_for_log(r"reopened every sink")
    assert daemon.post("/status", call_status_body("hup-1")).status == 200

    assert event_ids(kafka.consume(TOPIC)) == ["hup-0", "hup-1"]
    after = daemon.log[seen:]
    # No word from librdkafka (a new producer, a connection dropped or made), no warning.
    assert not [line for line in after
                if "librdkafka" in line or re.search(r"\b(warning|error|critical)\b", line)], \
        after
    assert readyz(daemon) == 200
    assert metric(daemon, "callsink_sink_errors_total", sink_name(kafka)) == 0


def test_sigterm_answers_the_deliveries_in_flight_and_exits_0(kafka_mock, start_daemon):
    kafka = kafka_mock(topics=[TOPIC])
    daemon = start_daemon(sinks=[kafka_sink(kafka, delivery_timeout_ms=20000)])
    assert daemon.post("/status", call_status_body("term-0")).status == 200
    kafka.rtt("all", 1000)  # every acknowledgement now takes a second

    replies: dict[str, Reply] = {}

    def deliver(event_id: str):
        replies[event_id] = daemon.post("/status", call_status_body(event_id))

    threads = [threading.Thread(target=deliver, args=(f"term-{n}",)) for n in (1, 2, 3)]
    for t in threads:
        t.start()

    def waiting() -> bool:
        in_flight = metric(daemon, "callsink_sink_in_flight", sink_name(kafka))
        text = daemon.get("/metrics").body.decode()
        queued = float(re.search(r"(?m)^callsink_queue_depth (\S+)$", text).group(1))
        return in_flight >= 1 and in_flight + queued >= 3

    wait_until(waiting, "three deliveries waiting for the broker")
    assert daemon.stop() == 0, daemon.log_text()
    for t in threads:
        t.join(30)
    assert {k: r.status for k, r in replies.items()} == {f"term-{n}": 200 for n in (1, 2, 3)}
    daemon.wait_for_log(r"stopped: every sink flushed and closed")

    kafka.rtt("all", 0)
    assert event_ids(kafka.consume(TOPIC)) == ["term-0", "term-1", "term-2", "term-3"]
