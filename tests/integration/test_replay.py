"""`callsink replay`, the real binary against a real PostgreSQL 15 (postgres_server.py) and
librdkafka's mock cluster (kafka_mock.py), beside a running daemon:

- the journal's records into an empty database: each stored once, only those of --from/--to when
  given, and a second run stores nothing more (PostgreSQL's primary key; the summary counts them
  as already stored);
- a file sink's current and rotated files into a Kafka topic, in the order they were written,
  each message with the redeliveryKey header the daemon's own Kafka sink would give it;
- --rejects: a body the parser now accepts is stored in the event sinks with the `received` data
  its rejects line kept, and the rest are reported by reason;
- --dead-letter --sink N: the records sinks[N] refused, from the dead-letter file, into its Kafka
  topic byte for byte; the other sinks' dead letters and the file are left alone;
- the exit status: 2 for bad flags, 1 (saying what to do) for a sink that stays down.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from harness import call_status_body, callsink_bin, read_jsonl, toml_text, wait_until

PG_ENV = "CALLSINK_PG"
REPLAY_PG_ENV = "CALLSINK_REPLAY_PG"
TOPIC = "replayed"


def replay(config: Path, *flags, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([callsink_bin(), "replay", "--config", str(config), *flags],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**os.environ, **(env or {})})


def write_config(path: Path, tables: dict, sinks: list) -> Path:
    path.write_text(toml_text({"log": {"level": "warn"}, **tables}, sinks))
    return path


def summary_of(out: subprocess.CompletedProcess, sink: str) -> tuple[int, int, int]:
    """(sent, already stored, failed) from the summary's line for `sink` ("sinks[0]")."""
    m = re.search(re.escape(sink) + r" \(.*\): (\d+) sent, (?:(\d+) already stored \(skipped\), )?"
                  r"(\d+) failed", out.stderr)
    assert m, out
    return int(m.group(1)), int(m.group(2) or 0), int(m.group(3))


def post_call_statuses(daemon, prefix: str, count: int) -> list[str]:
    ids = []
    for n in range(count):
        event_id = f"{prefix}-{n:03d}"
        reply = daemon.post("/status", call_status_body(event_id))
        assert reply.status == 200 and "error" not in reply.json(), reply
        ids.append(event_id)
    return ids


def stored(postgres, db: str) -> list[tuple[str, str]]:
    """(event_id, received.at) of every row, in the order received."""
    return postgres.query("SELECT event_id, record->'received'->>'at' FROM callsink.events "
                          "ORDER BY received_at, event_id", db=db)


# ---------------------------------------------------------------------------------------------
# The journal into an empty PostgreSQL database


def test_the_journal_replayed_into_an_empty_database_stores_each_record_once(
        start_daemon, postgres, tmp_path):
    journal = {"path": str(tmp_path / "journal")}
    daemon = start_daemon(journal=journal,
                          sinks=[{"type": "postgres", "conninfo_env": PG_ENV,
                                  "delivery": "journal"}],
                          env={PG_ENV: postgres.conninfo()})
    posted = post_call_statuses(daemon, "journal", 40)
    wait_until(lambda: len(stored(postgres, postgres.db)) == 40, "the forwarder stored 40")
    live = stored(postgres, postgres.db)
    empty = postgres.create_database()
    config = write_config(tmp_path / "replay.toml", {"journal": journal},
                          [{"type": "postgres", "conninfo_env": REPLAY_PG_ENV,
                            "delivery": "journal"}])
    env = {REPLAY_PG_ENV: postgres.conninfo(empty)}

    # The later ones first: received at or after the 11th (or the first after it received in
    # another millisecond).
    split = next(k for k in range(10, 40) if live[k][1] != live[k - 1][1])
    out = replay(config, "--sink", "0", "--from", live[split][1], env=env)
    assert out.returncode == 0, out
    assert f"{40 - split} record(s) to send, {split} received outside --from/--to" in out.stderr, out
    assert summary_of(out, "sinks[0]") == (40 - split, 0, 0)
    assert stored(postgres, empty) == live[split:]

    # Everything: the later ones are already there, the earlier ones are sent.
    out = replay(config, "--sink", "0", env=env)
    assert out.returncode == 0, out
    assert summary_of(out, "sinks[0]") == (split, 40 - split, 0)
    assert stored(postgres, empty) == live
    assert sorted(event_id for event_id, _ in live) == posted

    # Again: nothing more.
    out = replay(config, "--sink", "0", "--to", "2100-01-01T00:00:00Z", env=env)
    assert out.returncode == 0, out
    assert summary_of(out, "sinks[0]") == (0, 40, 0)
    assert stored(postgres, empty) == live
    # The daemon ran throughout, and its journal is as it left it: nothing quarantined.
    assert daemon.get("/healthz").status == 200
    assert not any((tmp_path / "journal" / "quarantine").iterdir())


def test_a_database_that_stays_down_exits_1_saying_what_to_do(start_daemon, postgres, tmp_path):
    journal = {"path": str(tmp_path / "journal")}
    daemon = start_daemon(journal=journal,
                          sinks=[{"type": "postgres", "conninfo_env": PG_ENV,
                                  "delivery": "journal", "delivery_timeout_ms": 1000}],
                          env={PG_ENV: postgres.conninfo()})
    post_call_statuses(daemon, "down", 5)
    postgres.stop()
    out = replay(daemon.config_path, "--sink", "0", "--retry-for", "2",
                 env={PG_ENV: postgres.conninfo()})
    assert out.returncode == 1, out
    assert summary_of(out, "sinks[0]") == (0, 0, 5)
    assert "gave up after 2 s of failures" in out.stderr, out.stderr
    assert "run the same command again" in out.stderr, out.stderr


# ---------------------------------------------------------------------------------------------
# A file sink's files into a Kafka topic


def test_a_file_sinks_files_replayed_into_kafka_in_the_order_written(start_daemon, kafka_mock,
                                                                     tmp_path):
    kafka = kafka_mock(topics=[TOPIC])
    events = tmp_path / "events.jsonl"
    # Small files: the records are spread over the file and its rotations.
    file_sink = {"type": "file", "path": str(events), "max_bytes": 4096, "max_files": 50}
    daemon = start_daemon(sinks=[file_sink])
    posted = post_call_statuses(daemon, "files", 30)
    assert (tmp_path / "events.jsonl.2").exists()
    written = []
    for n in sorted((int(p.name.rsplit(".", 1)[1]) for p in tmp_path.glob("events.jsonl.*")
                     if p.name.rsplit(".", 1)[1].isdigit()), reverse=True):
        written += (tmp_path / f"events.jsonl.{n}").read_text().splitlines()
    written += events.read_text().splitlines()
    assert [json.loads(line)["payload"]["eventId"] for line in written] == posted
    config = write_config(tmp_path / "replay.toml", {},
                          [file_sink, {"type": "kafka", "brokers": kafka.bootstrap,
                                       "topic": TOPIC}])

    out = replay(config, "--sink", "1")
    assert out.returncode == 0, out
    assert summary_of(out, "sinks[1]") == (30, 0, 0)
    assert "consumers drop them by their redeliveryKey header" in out.stderr, out
    messages = kafka.consume(TOPIC)
    assert sorted(m["value"] for m in messages) == sorted(written)
    keys = {m["headers"]["eventId"]: m["headers"]["redeliveryKey"] for m in messages}
    assert sorted(keys) == posted and all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys.values())
    for partition in {m["partition"] for m in messages}:
        in_partition = [m["value"] for m in messages if m["partition"] == partition]
        assert in_partition == [line for line in written if line in in_partition]

    # Sent again: every copy carries the same redeliveryKey, which consumers drop it by.
    out = replay(config, "--sink", "1")
    assert out.returncode == 0, out
    again = kafka.consume(TOPIC)
    assert len(again) == 60
    for event_id, key in keys.items():
        assert [m["headers"]["redeliveryKey"] for m in again
                if m["headers"]["eventId"] == event_id] == [key, key]


# ---------------------------------------------------------------------------------------------
# --dead-letter


def dead_letter_line(record_line: str, sink_index: int) -> str:
    """A line as the dead-letter file holds it: the stored line with "deadLetter" added last."""
    member = json.dumps({"sink": f"sink {sink_index}", "sinkIndex": sink_index,
                         "error": "Broker: Message size too large",
                         "at": "2026-12-07T18:20:01.123Z"}, separators=(",", ":"))
    return record_line[:-1] + ',"deadLetter":' + member + "}\n"


def test_the_dead_letters_of_one_sink_are_sent_to_it_again(start_daemon, kafka_mock, tmp_path):
    kafka = kafka_mock(topics=[TOPIC])
    daemon = start_daemon()
    posted = post_call_statuses(daemon, "letter", 4)
    lines = daemon.events.read_text().splitlines()
    dead_letters = tmp_path / "dead-letter.jsonl"
    dead_letters.write_text(dead_letter_line(lines[0], 1) + dead_letter_line(lines[1], 0)
                            + dead_letter_line(lines[2], 1) + dead_letter_line(lines[3], 1))
    before = dead_letters.read_bytes()
    config = write_config(tmp_path / "replay.toml",
                          {"rejects": {"path": str(tmp_path / "rejects.jsonl")},
                           "dead_letter": {"path": str(dead_letters)}},
                          [{"type": "file", "path": str(tmp_path / "other.jsonl")},
                           {"type": "kafka", "brokers": kafka.bootstrap, "topic": TOPIC}])

    out = replay(config, "--dead-letter", "--sink", "1")
    assert out.returncode == 0, out
    assert summary_of(out, "sinks[1]") == (3, 0, 0)
    assert "1 dead letter(s) of other sinks left alone" in out.stderr, out
    messages = kafka.consume(TOPIC)
    assert sorted(m["value"] for m in messages) == sorted([lines[0], lines[2], lines[3]])
    assert sorted(m["headers"]["eventId"] for m in messages) == [posted[0], posted[2], posted[3]]
    assert dead_letters.read_bytes() == before
    assert not (tmp_path / "other.jsonl").exists()


def test_a_message_over_the_limit_goes_to_the_topic_once_the_limit_is_raised(start_daemon,
                                                                              kafka_mock,
                                                                              tmp_path):
    kafka = kafka_mock(topics=[TOPIC])
    sink = {"type": "kafka", "brokers": kafka.bootstrap, "topic": TOPIC,
            "delivery_timeout_ms": 2000, "librdkafka": {"message.max.bytes": "2000"}}
    daemon = start_daemon(sinks=[sink])
    reply = daemon.post("/status", call_status_body("large", eventData="x" * 4000))
    assert reply.status == 200, reply
    post_call_statuses(daemon, "small", 2)
    dead_letters = daemon.rejects.parent / "dead-letter.jsonl"
    wait_until(dead_letters.exists, "the dead letter")
    assert [m["headers"]["eventId"] for m in kafka.consume(TOPIC)] == ["small-000", "small-001"]

    # The limit as it was: refused for good again, counted as failed at once, not retried.
    out = replay(daemon.config_path, "--dead-letter", "--sink", "0", "--retry-for", "30")
    assert out.returncode == 1, out
    assert re.search(r"sinks\[0\] \(.*\): 0 sent, 1 failed, of which 1 refused for good "
                     r"\(the first: .*too large", out.stderr, re.IGNORECASE), out.stderr
    assert "refused 1 record(s) for good" in out.stderr, out.stderr

    # The limit raised: in the topic, byte for byte what the daemon stored.
    raised = {**sink, "librdkafka": {"message.max.bytes": "100000"}}
    config = write_config(tmp_path / "raised.toml",
                          {"rejects": {"path": str(daemon.rejects)}}, [raised])
    out = replay(config, "--dead-letter", "--sink", "0")
    assert out.returncode == 0, out
    assert summary_of(out, "sinks[0]") == (1, 0, 0)
    [large] = [m for m in kafka.consume(TOPIC) if m["headers"]["eventId"] == "large"]
    [line] = dead_letters.read_text().splitlines()
    assert line.startswith(large["value"][:-1] + ',"deadLetter":'), (line, large)


# ---------------------------------------------------------------------------------------------
# --rejects


def rejects_line(body: bytes, request_id: str, code: str, at: str) -> str:
    return json.dumps({"received": {"at": at, "path": "/status", "remote": "203.0.113.9",
                                    "requestId": request_id},
                       "error": {"code": code, "message": "as it was then"},
                       "body": body.decode()}) + "\n"


def test_rejected_bodies_that_now_parse_are_stored_with_their_received_data(tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    missing_call_id = json.loads(call_status_body("still-1"))
    del missing_call_id["payload"]["callId"]
    missing = json.dumps(missing_call_id).encode()
    rejects.write_text(
        rejects_line(call_status_body("now-valid-1"), "req-a", "invalid_value",
                     "2026-11-30T08:00:00.001Z")
        + rejects_line(missing, "req-b", "missing_field", "2026-11-30T08:00:01.000Z")
        + rejects_line(b"not json", "req-c", "invalid_json", "2026-11-30T08:00:02.000Z")
        + rejects_line(missing, "req-d", "missing_field", "2026-11-30T08:00:03.000Z")
        + rejects_line(call_status_body("now-valid-2"), "req-e", "invalid_value",
                       "2026-12-01T08:00:00.000Z"))
    events = tmp_path / "events.jsonl"
    config = write_config(tmp_path / "replay.toml", {"rejects": {"path": str(rejects)}},
                          [{"type": "file", "path": str(events)}])
    before = rejects.read_bytes()

    out = replay(config, "--rejects", "--to", "2026-12-01T00:00:00Z")
    assert out.returncode == 0, out
    [record] = read_jsonl(events)
    assert record["payload"]["eventId"] == "now-valid-1"
    assert record["received"] == {"at": "2026-11-30T08:00:00.001Z", "path": "/status",
                                  "remote": "203.0.113.9", "requestId": "req-a"}
    assert summary_of(out, "sinks[0]") == (1, 0, 0)
    assert "1 received outside --from/--to" in out.stderr, out
    assert "3 body(ies) still rejected" in out.stderr, out
    assert re.search(r"(?m)^  2 missing_field at payload\.callId \(e\.g\. .*callId.*\)$",
                     out.stderr), out
    assert re.search(r"(?m)^  1 invalid_json \(e\.g\. .*\)$", out.stderr), out
    assert rejects.read_bytes() == before  # the rejects file is read, never rewritten


# ---------------------------------------------------------------------------------------------
# Flags


def test_bad_flags_and_configurations_exit_2(tmp_path):
    config = write_config(tmp_path / "replay.toml",
                          {"rejects": {"path": str(tmp_path / "rejects.jsonl")}},
                          [{"type": "file", "path": str(tmp_path / "events.jsonl")}])
    for flags, message in [
            (("--sink", "1"), "--sink 1: the configuration has 1 sink(s)"),
            (("--sink", "0", "--from", "yesterday"), "--from yesterday: not an RFC 3339 time"),
            (("--sink", "0", "--from", "2026-12-02T00:00:00Z", "--to", "2026-12-01T00:00:00Z"),
             "is not before --to"),
            (("--sink", "0"), "no [journal] and no other file sink"),
            ((), "needs --sink N"),
            (("--sink", "0", "--rejects"), "excludes"),
            (("--dead-letter",), "--dead-letter requires --sink")]:
        out = replay(config, *flags)
        assert out.returncode == 2, (flags, out)
        assert message in out.stderr, (flags, out.stderr)
    help_text = subprocess.run([callsink_bin(), "replay", "--help"], capture_output=True,
                               text=True, timeout=30)
    assert help_text.returncode == 0 and "Exit status: 0" in help_text.stdout, help_text
