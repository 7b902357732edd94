"""The PostgreSQL sink's `sessions` row is merged from each batch's new events alone (a trigger on
`events`: sinks/postgres/postgres_schema.cpp), in bounded work per event. Here it is checked
against a recompute from all of the session's events: RECOMPUTE below is the rule the sink ran on
every batch before (schema version 1, unchanged), with the redelivery key as the last tie-break,
since two events of a session may share their own time and their arrival's millisecond.

- Differential, in SQL: random sessions (two or three legs, statuses with and without a time, a
  time PostgreSQL cannot read, summaries with and without their times or a callCount that fits,
  recordings, redeliveries) stored in random arrival orders and random batches, straight into
  `events` as the sink's statement stores them; after every statement each row must equal the
  recompute.
- Through the daemon: two replicas storing the same sessions at once, from several connections,
  redeliveries included; the rows equal the recompute at the end.
- An upgrade: a schema that a callsink before the bookkeeping filled gets it, from the events
  already stored, at the next start, and the rows stay equal to the recompute from then on.
- Bounded: storing an event reads no other event of its session, however many it has.
- A batch with records PostgreSQL refuses stores the others (halves under savepoints).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import threading

import pytest

from harness import fixture_json, post_on, wait_until
from test_postgres import metric, post_in_thread, waiting_on_locks

PG_ENV = "CALLSINK_PG"
COLUMNS = ("sub_account_id", "status", "started_at", "ended_at", "call_count", "last_event_at",
           "summary")
NEWEST = "e.event_at DESC NULLS LAST, e.received_at DESC, e.dedupe_key DESC"
RECOMPUTE = f"""
SELECT e.session_id,
       (array_agg(e.record->'payload'->>'subAccountId' ORDER BY {NEWEST})
            FILTER (WHERE e.record->'payload' ? 'subAccountId'))[1] AS sub_account_id,
       COALESCE(
           (array_agg(e.record->'payload'->>'sessionStatus' ORDER BY {NEWEST})
                FILTER (WHERE e.event_type = 'SESSION_SUMMARY'))[1],
           (array_agg(e.record->'payload'->>'callStatus' ORDER BY {NEWEST})
                FILTER (WHERE e.event_type = 'CALL_STATUS'))[1]) AS status,
       COALESCE(min(callsink.event_time(jsonb_build_object('timestamp',
                                                           e.record->'payload'->>'startTime')))
                    FILTER (WHERE e.event_type = 'SESSION_SUMMARY'),
                min(e.event_at)) AS started_at,
       max(callsink.event_time(jsonb_build_object('timestamp', e.record->'payload'->>'endTime')))
           FILTER (WHERE e.event_type = 'SESSION_SUMMARY') AS ended_at,
       COALESCE(
           (array_agg((e.record->'payload'->>'callCount')::integer ORDER BY {NEWEST})
                FILTER (WHERE e.event_type = 'SESSION_SUMMARY'
                        AND CASE WHEN jsonb_typeof(e.record->'payload'->'callCount') = 'number'
                                 THEN (e.record->'payload'->>'callCount')::numeric
                                          BETWEEN -2147483648 AND 2147483647
                                 ELSE false END))[1],
           count(DISTINCT e.record->'payload'->>'callId')
               FILTER (WHERE e.event_type = 'CALL_STATUS')::integer) AS call_count,
       max(e.event_at) AS last_event_at,
       (array_agg(e.record->'payload' ORDER BY {NEWEST})
            FILTER (WHERE e.event_type = 'SESSION_SUMMARY'))[1] AS summary
FROM callsink.events e
WHERE e.session_id IS NOT NULL
GROUP BY e.session_id
"""
# The sessions whose row differs from the recompute (or exists on one side only), as JSON.
DIFFERENCES = f"""
SELECT COALESCE(r.session_id, s.session_id) AS session_id, to_jsonb(r) AS recomputed,
       to_jsonb(s) AS stored
FROM ({RECOMPUTE}) r FULL JOIN (SELECT session_id, {', '.join(COLUMNS)} FROM callsink.sessions) s
     USING (session_id)
WHERE ({', '.join('r.' + c for c in COLUMNS)}) IS DISTINCT FROM
      ({', '.join('s.' + c for c in COLUMNS)})
"""
# How the sink's statement fills a row from the record (insert_events_sql), from VALUES here.
INSERT = """
INSERT INTO callsink.events (dedupe_key, event_type, event_id, session_id, received_at, event_at,
                             record)
SELECT k, t, NULLIF(e, ''), NULLIF(s, ''), (j->'received'->>'at')::timestamptz,
       callsink.event_time(j->'payload'), j
FROM (VALUES {rows}) AS input(k, t, e, s, j)
ON CONFLICT (dedupe_key) DO NOTHING;
"""
STATUSES = ["CALL_INITIATED", "CALL_RECEIVED", "CALL_CONNECTED", "DTMF_RECEIVED", "CALL_UPDATED",
            "CALL_DISCONNECTED"]


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def at(ms: int) -> str:
    """An RFC 3339 time `ms` milliseconds into 2026-01-06 10:00 UTC."""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    return f"2026-01-06T{10 + minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}.{millis:03d}Z"


class Event:
    """One event of a session: its type, payload and redelivery key (as the sink's, the same for
    every copy)."""

    def __init__(self, event_type: str, payload: dict):
        self.event_type = event_type
        self.payload = payload
        self.key = hashlib.md5(json.dumps([event_type, payload], sort_keys=True).encode()
                               ).hexdigest()

    def record(self, received_at: str, request: int) -> dict:
        return {"namespace": "VOICE", "eventType": self.event_type, "payload": self.payload,
                "received": {"at": received_at, "path": "/", "remote": "127.0.0.1",
                             "requestId": f"test-{request:08d}"}}

    def body(self) -> bytes:
        return json.dumps({"namespace": "VOICE", "eventType": self.event_type,
                           "payload": self.payload}).encode()


def status_payload(rng: random.Random, session: str, call: str, event_id: str,
                   deliverable: bool) -> dict:
    """A CALL_STATUS payload. Not `deliverable`: also what callsink would refuse to store but the
    table takes (a day February does not have, a null subAccountId, no callId)."""
    payload = fixture_json("call_status_2026.json")["payload"]
    payload.update(eventId=event_id, sessionId=session, callId=call,
                   callStatus=rng.choice(STATUSES))
    draw = rng.random()
    if draw < 0.65:
        # Few distinct times, so that statuses share theirs.
        payload["timestamp"] = at(rng.choice([1000, 2000, 2000, 3500, rng.randrange(9000)]))
    elif draw < 0.75 and not deliverable:
        payload["timestamp"] = "2026-02-30T10:00:00Z"  # no time PostgreSQL can read
    else:
        del payload["timestamp"]
    if rng.random() < 0.3:
        del payload["subAccountId"]
    elif rng.random() < 0.3:
        payload["subAccountId"] = "8x8_other" if deliverable or rng.random() < 0.5 else None
    if not deliverable and rng.random() < 0.05:
        del payload["callId"]
    return payload


def summary_payload(rng: random.Random, session: str, calls: list[str], n: int,
                    deliverable: bool) -> dict:
    payload = fixture_json("session_summary_success.json")["payload"]
    payload["sessionId"] = session
    for leg, call in zip(payload["details"].values(), calls):
        leg["callId"] = call
    payload["lastAction"] = f"summary-{n}"  # copies that differ are distinct events
    payload["sessionStatus"] = rng.choice(["COMPLETED", "NO ANSWER", "FAILED"])
    payload["startTime"] = at(rng.randrange(3000))
    payload["endTime"] = at(3000 + rng.randrange(6000))
    for key in ("startTime", "endTime", "subAccountId") + (() if deliverable else
                                                            ("sessionStatus",)):
        if rng.random() < 0.15:
            del payload[key]
    # 3,000,000,000 does not fit the column; "2" is a string to the table (callsink would store
    # it as a number).
    counts = [2, 3, 0, 3_000_000_000, "absent"] + ([] if deliverable else ["2", None])
    payload["callCount"] = rng.choice(counts)
    if payload["callCount"] == "absent":
        del payload["callCount"]
    return payload


def random_session(rng: random.Random, session: str, deliverable: bool = False) -> list[Event]:
    """Two or three legs with a few statuses each, a summary (two, differing, where not
    `deliverable`: callsink takes a second summary of a session for a redelivery) or none yet,
    recordings."""
    calls = [f"{session}-call-{i}" for i in range(rng.choice([2, 2, 3]))]
    events = []
    for call in calls:
        for _ in range(rng.randint(1, 4)):
            events.append(Event("CALL_STATUS", status_payload(
                rng, session, call, f"{session}-event-{len(events)}", deliverable)))
    for n in range(rng.choice([0, 1, 1, 1] + ([] if deliverable else [2]))):
        events.append(Event("SESSION_SUMMARY",
                            summary_payload(rng, session, calls, n, deliverable)))
    for n in range(rng.choice([0, 0, 1, 2])):
        payload = fixture_json("call_recording_status.json")["payload"]
        payload.update(sessionId=session, recordingId=f"{session}-recording-{n}")
        events.append(Event("CALL_RECORDING_STATUS", payload))
    return events


def arrivals(rng: random.Random, events: list[Event]) -> list[Event]:
    """The events in a random order, some of them twice or three times."""
    copies = events + [rng.choice(events) for _ in range(len(events) // 4)]
    rng.shuffle(copies)
    return copies


def insert_sql(batch: list[tuple[Event, dict]]) -> str:
    rows = ", ".join(
        f"({literal(event.key)}, {literal(event.event_type)}, "
        f"{literal(event.payload.get('eventId', '') if event.event_type == 'CALL_STATUS' else '')}"
        f", {literal(event.payload['sessionId'])}, {literal(json.dumps(record))}::jsonb)"
        for event, record in batch)
    return INSERT.format(rows=rows)


def differences(postgres) -> list[dict]:
    return postgres.query_json(DIFFERENCES)


@pytest.fixture
def schema(start_daemon, postgres, tmp_path):
    """The sink's schema in the test's database, as the daemon creates it; `start(sink={...})`
    starts a daemon storing there, with those keys in its postgres sink's table."""
    env = {PG_ENV: postgres.conninfo()}

    def start(sink: dict | None = None):
        return start_daemon(sinks=[{"type": "postgres", "conninfo_env": PG_ENV, **(sink or {})}],
                            env=env)

    assert start().stop() == 0
    return start


@pytest.mark.parametrize("seed", range(8))
def test_the_row_equals_a_recompute_after_every_statement(schema, postgres, seed):
    rng = random.Random(seed)
    events = [event for n in range(rng.randint(3, 6))
              for event in random_session(rng, f"sess-{seed}-{n}")]
    # Sessions interleave, as concurrent calls do; a batch may hold several events of one.
    order = arrivals(rng, events)
    received_ms = 0
    script = ["CREATE TEMP TABLE differences (after integer, session_id text, recomputed jsonb, "
              "stored jsonb);"]
    requests = itertools.count()
    statements = 0
    while order:
        size = rng.choice([1, 1, 2, 3, 5, 8])
        batch, order = order[:size], order[size:]
        stamped = []
        for event in batch:
            received_ms += rng.choice([0, 0, 1, 7])  # arrivals share their millisecond
            stamped.append((event, event.record(at(received_ms), next(requests))))
        statements += 1
        script.append(insert_sql(stamped))
        script.append(f"INSERT INTO differences SELECT {statements}, d.* FROM ({DIFFERENCES}) d;")
    script.append("SELECT COALESCE(json_agg(d ORDER BY after), '[]') FROM differences d;")
    (found,) = postgres.query_script("\n".join(script))[-1]
    found = json.loads(found)
    assert statements >= 5
    assert not found, f"{len(found)} rows differ from the recompute; the first: {found[:2]}"
    assert int(postgres.scalar("SELECT count(*) FROM callsink.sessions")) == len(
        {event.payload["sessionId"] for event in events})


def test_a_row_that_differs_from_the_recompute_is_found(schema, postgres):
    """The check above can fail: a row changed by hand differs."""
    rng = random.Random(99)
    events = random_session(rng, "sess-tampered")
    postgres.query_script(insert_sql([(event, event.record(at(n), n)) for n, event in
                                      enumerate(events)]))
    assert differences(postgres) == []
    postgres.query("UPDATE callsink.sessions SET call_count = call_count + 1")
    (found,) = differences(postgres)
    assert found["session_id"] == "sess-tampered"
    assert found["stored"]["call_count"] == found["recomputed"]["call_count"] + 1


def test_replicas_storing_the_same_sessions_at_once_leave_the_recomputed_rows(schema, postgres):
    replicas = [schema(), schema()]
    rng = random.Random(7)
    events = [event for n in range(12)
              for event in random_session(rng, f"sess-replicas-{n}", deliverable=True)]
    # Each event goes to a replica at random, and some to both, from 8 connections at once.
    posts = [(rng.choice(replicas), event) for event in arrivals(rng, events)]
    posts += [(replica, event) for event in rng.sample(events, len(events) // 5)
              for replica in replicas]
    rng.shuffle(posts)
    failures = []

    def client(share):
        connections = {}
        for replica, event in share:
            conn = connections.get(id(replica)) or replica.connection(timeout=30)
            connections[id(replica)] = conn
            reply = post_on(conn, "/", event.body())
            if reply.status != 200 or "error" in reply.json():
                failures.append(reply)
        for conn in connections.values():
            conn.close()

    threads = [threading.Thread(target=client, args=(posts[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures[:3]
    assert int(postgres.scalar("SELECT count(*) FROM callsink.events")) == len(
        {event.key for event in events})
    assert differences(postgres) == []


def test_an_upgrade_fills_the_bookkeeping_of_the_sessions_already_stored(schema, postgres):
    # The schema as a callsink before the bookkeeping left it: version 1, sessions recomputed.
    postgres.query(
        "ALTER TABLE callsink.events DROP COLUMN record_text; "
        "UPDATE callsink.schema_version SET version = 1; "
        "DROP TRIGGER add_to_sessions ON callsink.events; DROP TABLE callsink.session_calls; "
        "ALTER TABLE callsink.sessions DROP COLUMN sub_account_from, DROP COLUMN call_status, "
        "DROP COLUMN call_status_from, DROP COLUMN summary_from, "
        "DROP COLUMN summary_call_count, DROP COLUMN summary_call_count_from, "
        "DROP COLUMN summary_started_at, DROP COLUMN first_event_at, DROP COLUMN call_ids; "
        "DROP FUNCTION callsink.add_to_sessions(); DROP FUNCTION callsink.newer; "
        "DROP TYPE callsink.event_order")
    rng = random.Random(3)
    sessions = [random_session(rng, f"sess-upgrade-{n}", deliverable=True) for n in range(6)]
    before = [event for events in sessions for event in events[: len(events) // 2]]
    after = [event for events in sessions for event in events[len(events) // 2:]]
    postgres.query_script(insert_sql([(event, event.record(at(n), n)) for n, event in
                                      enumerate(arrivals(rng, before))]))
    postgres.query(f"INSERT INTO callsink.sessions (session_id, {', '.join(COLUMNS)}) "
                   f"SELECT session_id, {', '.join(COLUMNS)} FROM ({RECOMPUTE}) r")
    assert differences(postgres) == []

    daemon = schema()
    daemon.wait_for_log(r"sessions' bookkeeping added in \d+ ms")
    assert differences(postgres) == []
    for event in arrivals(rng, after):
        reply = daemon.post("/", event.body())
        assert reply.status == 200 and "error" not in reply.json(), reply
    assert differences(postgres) == []
    # record_text added in the same start, and the version left as it was, so replicas of the
    # older callsink keep writing.
    daemon.wait_for_log(r"added events\.record_text")
    assert postgres.query("SELECT version FROM callsink.schema_version") == [("1",)]


def test_storing_an_event_reads_no_other_event_of_its_session(schema, postgres):
    """What one more event of a session costs does not grow with the session: the statement
    that stores it and its trigger read the same rows of `events` whether the session holds a
    few events or a thousand (a recompute would read them all)."""
    rng = random.Random(5)

    def reads_storing_one_more(session: str, already: int) -> tuple[int, int]:
        base = random_session(rng, session)[0]
        events = []
        for n in range(already + 1):
            payload = dict(base.payload, eventId=f"{session}-event-{n}", timestamp=at(n))
            events.append(Event("CALL_STATUS", payload))
        postgres.query_script(insert_sql([(event, event.record(at(n), n))
                                          for n, event in enumerate(events[:-1])]))
        last = events[-1]
        rows = postgres.query_script(
            "BEGIN;" + insert_sql([(last, last.record(at(already), already))]) +
            "SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables "
            "WHERE schemaname = 'callsink' AND relname = 'events';"
            "SELECT sum(seq_tup_read + COALESCE(idx_tup_fetch, 0)) FROM pg_stat_xact_user_tables"
            " WHERE schemaname = 'callsink';"
            "COMMIT;")
        return int(rows[0][0]), int(rows[1][0])

    small = reads_storing_one_more("sess-small", 3)
    large = reads_storing_one_more("sess-large", 1000)
    assert large == small, (small, large)
    assert differences(postgres) == []


def test_a_batch_with_two_refused_records_stores_the_other_eight(schema, postgres):
    """The batch's statement fails on the first record the database refuses; the batch then goes
    again in halves under savepoints, down to each refused record alone, so both are found and
    logged, the eight others committed, and the ten answered 503 together (a refusal callsink
    does not know to be permanent is retried)."""
    daemon = schema(sink={"delivery_timeout_ms": 30000})  # the lock below must not time out
    postgres.query(
        "CREATE FUNCTION callsink.refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.record->'payload'->>'eventData' = 'refused by the test' THEN "
        "RAISE EXCEPTION 'the test refuses this record' USING ERRCODE = '23503'; END IF; "
        "RETURN NEW; END $$; CREATE TRIGGER refuse_bad BEFORE INSERT ON callsink.events "
        "FOR EACH ROW EXECUTE FUNCTION callsink.refuse_bad()")
    rng = random.Random(11)
    session = "sess-refused"
    events = [Event("CALL_STATUS", status_payload(rng, session, f"{session}-call", f"refused-{n}",
                                                  deliverable=True)) for n in range(11)]
    for n in (3, 8):
        events[n].payload["eventData"] = "refused by the test"
    replies = {}
    # The events table held: the writer's batch of one waits on it, and the next ten queue up
    # behind it to make one batch.
    with postgres.lock("LOCK TABLE callsink.events IN SHARE MODE"):
        threads = [post_in_thread(daemon, "/", events[0].body(), replies, 0)]
        wait_until(lambda: waiting_on_locks(postgres) == 1, "the writer to wait", timeout=10)
        threads += [post_in_thread(daemon, "/", event.body(), replies, n)
                    for n, event in enumerate(events[1:], start=1)]
        wait_until(lambda: metric(daemon, "callsink_queue_depth") == 10, "10 queued records",
                   timeout=10)
    for thread in threads:
        thread.join(30)
    assert replies[0].status == 200, replies[0]
    assert sorted(replies[n].status for n in range(1, 11)) == [503] * 10, replies
    stored = {row[0] for row in postgres.query("SELECT event_id FROM callsink.events")}
    assert stored == {f"refused-{n}" for n in range(11) if n not in (3, 8)}
    for n in (3, 8):
        request = replies[n].headers["x-request-id"]
        daemon.wait_for_log(rf"redeliveryKey [0-9a-f]{{32}} \(request {request}\)")
    assert differences(postgres) == []
