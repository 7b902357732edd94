"""The journal ([journal], [[sinks]] delivery = "journal"), the real binary against a real
PostgreSQL 15 (postgres_server.py) and librdkafka's mock cluster (kafka_mock.py).

- An outage of the forwarded sink, with steady traffic: every delivery is answered 200, /readyz
  stays 200 and says the sink is retrying, one log line when it fails and one when it recovers,
  and once it is back every delivery answered 200 is stored, once (PostgreSQL), or in the topic in
  each session's order (Kafka). The database's outage lasts 130 s: longer than 8x8's retries
  (about two minutes), which the journal is there to outlast, and past the point where the
  forwarder's backoff reaches its cap (30 s, after about 50 s of failures). The brokers' lasts
  12 s: what it adds is the order, which the outage's length does not change.
- The journal full: 503 with Retry-After, counted as journal_full, /readyz 503; 200 again as soon
  as the sink takes records and makes room.
- A damaged segment at start: the daemon starts, the damaged record is copied to quarantine/ and
  counted, the torn tail cut off, and every other record reaches the database.
- SIGTERM drains what the journal holds into a sink that is up, and exits 0.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from harness import call_status_body, wait_until
from journal_load import SteadyLoad, number_of

PG_ENV = "CALLSINK_PG"
TOPIC = "events"
OUTAGE_S = 12.0
LONG_OUTAGE_S = 130.0
CATCH_UP_S = 60.0  # the backoff may be at its cap, 30 s, when the sink comes back


def pg_forwarded(**keys) -> dict:
    return {"type": "postgres", "conninfo_env": PG_ENV, "delivery": "journal",
            "delivery_timeout_ms": 2000, **keys}


def kafka_forwarded(kafka, **keys) -> dict:
    return {"type": "kafka", "brokers": kafka.bootstrap, "topic": TOPIC,
            "delivery_timeout_ms": 2000, "delivery": "journal", **keys}


def journal_table(tmp_path: Path, **keys) -> dict:
    return {"path": str(tmp_path / "journal"), **keys}


def forwarded(daemon) -> list[dict]:
    """/readyz's states of the forwarded sinks."""
    return daemon.get("/readyz").json()["forwarded"]


def caught_up(daemon) -> bool:
    return all(sink["state"] == "caught_up" for sink in forwarded(daemon))


def metric(daemon, name: str, labels: str = "") -> float:
    text = daemon.get("/metrics").body.decode()
    selector = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "")
    m = re.search(rf"(?m)^{selector} (\S+)$", text)
    assert m, f"{name}{{{labels}}} not in /metrics:\n{text}"
    return float(m.group(1))


def stored_ids(postgres) -> list[str]:
    return [row[0] for row in postgres.query(
        "SELECT event_id FROM callsink.events WHERE event_id IS NOT NULL")]


def test_a_database_outage_costs_no_delivery(start_daemon, postgres, tmp_path):
    daemon = start_daemon(journal=journal_table(tmp_path), sinks=[pg_forwarded()],
                          env={PG_ENV: postgres.conninfo()})
    with SteadyLoad(lambda: daemon, "pg") as load:
        wait_until(lambda: load.count() >= 20, "20 deliveries answered 200")
        postgres.stop()
        down = time.monotonic()
        daemon.wait_for_log(r"forwarding to postgres .* failed", timeout=10)
        wait_until(lambda: time.monotonic() - down >= LONG_OUTAGE_S, "the outage",
                   LONG_OUTAGE_S + 5)
        ready = daemon.get("/readyz")
        assert ready.status == 200, ready
        [sink] = ready.json()["forwarded"]
        assert sink["state"] == "retrying" and sink["unforwarded_records"] > 100, sink
        assert metric(daemon, "callsink_journal_forwarder_retrying",
                      f'sink="{sink["sink"]}"') == 1
        postgres.start()
        back = time.monotonic()
        wait_until(lambda: load.count(since=back) >= 20, "20 deliveries after the outage")
    assert load.statuses() == {200}, "every delivery is answered 200, through the outage"
    wait_until(lambda: caught_up(daemon), "the forwarder caught up", CATCH_UP_S)
    acknowledged = sorted(a[0] for a in load.answered())
    assert sorted(stored_ids(postgres)) == acknowledged
    assert len(daemon.wait_for_log(r"forwarding to postgres .* failed")) == 1
    [recovered] = daemon.wait_for_log(r"forwarding to postgres .* recovered after")
    waited = int(re.search(r"recovered after [\d.]+ s: (\d+) records", recovered).group(1))
    assert waited > 100, recovered
    name = forwarded(daemon)[0]["sink"]
    assert metric(daemon, "callsink_journal_forwarded_total", f'sink="{name}"') == len(acknowledged)
    assert metric(daemon, "callsink_journal_unforwarded_records", f'sink="{name}"') == 0


def test_a_broker_outage_costs_no_delivery_and_keeps_each_sessions_order(start_daemon,
                                                                          kafka_mock, tmp_path):
    kafka = kafka_mock(topics=[TOPIC])
    daemon = start_daemon(journal=journal_table(tmp_path), sinks=[kafka_forwarded(kafka)])
    with SteadyLoad(lambda: daemon, "kafka", threads=3) as load:
        wait_until(lambda: load.count() >= 20, "20 deliveries answered 200")
        kafka.down("all")
        down = time.monotonic()
        daemon.wait_for_log(r"forwarding to kafka .* failed", timeout=10)
        wait_until(lambda: time.monotonic() - down >= OUTAGE_S, "the outage", OUTAGE_S + 5)
        assert daemon.get("/readyz").status == 200
        kafka.up("all")
        back = time.monotonic()
        wait_until(lambda: load.count(since=back) >= 20, "20 deliveries after the outage")
    assert load.statuses() == {200}
    wait_until(lambda: caught_up(daemon), "the forwarder caught up", CATCH_UP_S)
    messages = kafka.consume(TOPIC)
    acknowledged = {a[0] for a in load.answered()}
    in_topic = [m["headers"]["eventId"] for m in messages]
    assert acknowledged <= set(in_topic), sorted(acknowledged - set(in_topic))[:10]
    # Each session is in one partition (its key), in the order it was posted; a copy sent again
    # after a failed send may follow, never precede, what came after it.
    by_partition: dict[tuple, list[int]] = {}
    for m in sorted(messages, key=lambda m: (m["partition"], m["offset"])):
        session, n = number_of(m["headers"]["eventId"])
        assert m["key"] == session, m
        by_partition.setdefault((m["partition"], session), []).append(n)
    for (_, session), numbers in by_partition.items():
        highest = -1
        for n in numbers:
            assert n <= highest + 1, f"{session}: {n} came before {highest + 1}: {numbers}"
            highest = max(highest, n)


def test_the_journal_full_is_503_then_200_once_room_is_made(start_daemon, postgres, tmp_path):
    daemon = start_daemon(journal=journal_table(tmp_path, max_bytes=65536),
                          sinks=[pg_forwarded()], env={PG_ENV: postgres.conninfo()})
    postgres.stop()
    answered = []
    reply = None
    for n in range(1000):
        reply = daemon.post("/status", call_status_body(f"full-{n}"))
        if reply.status != 200:
            break
        answered.append(f"full-{n}")
    assert reply.status == 503, reply
    assert int(reply.headers["retry-after"]) > 0, reply
    assert "journal is full" in reply.json()["error"], reply
    assert 30 < len(answered) < 100, "64 KiB of records of about 1 KiB each"
    assert metric(daemon, "callsink_refused_total", 'reason="journal_full"') >= 1
    assert metric(daemon, "callsink_refused_total", 'reason="storage"') == 0
    assert daemon.get("/readyz").status == 503
    assert daemon.post("/status", call_status_body("full-again")).status == 503

    postgres.start()
    wait_until(lambda: daemon.post("/status", call_status_body("room")).status == 200,
               "a delivery answered 200 once the forwarder made room", 40)
    answered.append("room")
    wait_until(lambda: daemon.get("/readyz").status == 200, "/readyz 200 again")
    wait_until(lambda: caught_up(daemon), "the forwarder caught up", 30)
    assert sorted(set(stored_ids(postgres))) == sorted(answered)


def test_a_damaged_segment_at_start_loses_only_the_damaged_record(start_daemon, postgres,
                                                                  tmp_path):
    postgres.stop()
    daemon = start_daemon(journal=journal_table(tmp_path), sinks=[pg_forwarded()],
                          env={PG_ENV: postgres.conninfo()})
    ids = [f"damaged-{n}" for n in range(10)]
    for event_id in ids:
        assert daemon.post("/status", call_status_body(event_id)).status == 200
    assert daemon.stop() == 0, "SIGTERM does not wait for a failing sink"
    [segment] = sorted((tmp_path / "journal").glob("segment-*.journal"))
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0x40  # inside the sixth record of ten
    torn = b"\xf7CJ\x01" + bytes(20)  # and the start of a record a crash cut short
    segment.write_bytes(bytes(data) + torn)

    postgres.start()
    daemon = start_daemon(journal=journal_table(tmp_path), sinks=[pg_forwarded()],
                          env={PG_ENV: postgres.conninfo()})
    daemon.wait_for_log(rf"torn tail cut off, {len(torn)} bytes dropped")
    daemon.wait_for_log(r"1 damaged span\(s\), \d+ bytes, copied to .*quarantine and skipped")
    assert len(list((tmp_path / "journal" / "quarantine").iterdir())) == 1
    assert metric(daemon, "callsink_journal_damaged_records_total") == 1
    wait_until(lambda: caught_up(daemon), "the forwarder caught up", 30)
    stored = stored_ids(postgres)
    assert len(stored) == 9 and set(stored) < set(ids), stored
    assert daemon.post("/status", call_status_body("after")).status == 200
    wait_until(lambda: "after" in stored_ids(postgres), "a new delivery stored")


def test_sigterm_drains_the_journal_into_a_sink_that_is_up(start_daemon, postgres, tmp_path):
    postgres.stop()
    daemon = start_daemon(journal=journal_table(tmp_path, drain_timeout_ms=10000),
                          sinks=[pg_forwarded()], env={PG_ENV: postgres.conninfo()})
    ids = [f"drain-{n}" for n in range(30)]
    for event_id in ids:
        assert daemon.post("/status", call_status_body(event_id)).status == 200
    postgres.start()
    assert daemon.stop() == 0
    # Either the forwarder sent them before the SIGTERM, or the drain did: none is left.
    assert sorted(stored_ids(postgres)) == sorted(ids)
    daemon.wait_for_log(r"stopped: every sink flushed and closed")
