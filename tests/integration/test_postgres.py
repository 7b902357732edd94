"""The postgres sink ([[sinks]] type = "postgres"), the real binary against a real PostgreSQL 15.

Every test gets a database of its own in the session's private cluster (postgres_server.py) and
connects over TCP as a role with a password; `pg_daemon` starts callsink with the postgres sink
(and, by default, a file sink beside it to compare with), and at teardown stops each daemon and
checks that the password never appeared in anything it printed, whatever the test was about.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from datetime import datetime

import pytest

from harness import fixture_json, post_on, document_examples, wait_until
from postgres_server import PASSWORD

PG_ENV = "CALLSINK_PG"
FOUR_TYPES = ["call_status_2026.json", "session_summary_success.json",
              "virtual_number_update.json", "call_recording_status.json"]
SESSION = "5e551011-0000-4000-8000-000000000001"
LEG_A = "ca11a000-0000-4000-8000-00000000000a"
LEG_B = "ca11b000-0000-4000-8000-00000000000b"


# ---------------------------------------------------------------------------------------------
# Helpers


def pg_sink(**keys) -> dict:
    return {"type": "postgres", "conninfo_env": PG_ENV, **keys}


def when(text: str | None) -> datetime | None:
    """A timestamp from a record or from PostgreSQL's JSON, as an aware datetime."""
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def status_event(event_id: str, status: str, timestamp: str, *, session: str = SESSION,
                 call: str = LEG_A, **extra) -> dict:
    event = fixture_json("call_status_2026.json")
    event["payload"].update(eventId=event_id, sessionId=session, callId=call, callStatus=status,
                            timestamp=timestamp, **extra)
    return event


def summary_event(status: str, start: str, end: str, call_count: int,
                  session: str = SESSION) -> dict:
    event = fixture_json("session_summary_success.json")
    event["payload"].update(sessionId=session, sessionStatus=status, startTime=start,
                            endTime=end, callCount=call_count)
    return event


def body(event: dict) -> bytes:
    return json.dumps(event).encode()


def session_row(postgres, session: str = SESSION) -> dict | None:
    rows = postgres.query_json(
        "SELECT session_id, sub_account_id, status, started_at, ended_at, call_count, "
        f"last_event_at, summary FROM callsink.sessions WHERE session_id = '{session}'")
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def event_ids(postgres) -> list[str]:
    return [row[0] for row in postgres.query("SELECT event_id FROM callsink.events "
                                             "WHERE event_id IS NOT NULL ORDER BY event_id")]


def metric(daemon, name: str) -> float:
    text = daemon.get("/metrics").body.decode()
    m = re.search(rf"(?m)^{re.escape(name)} (\S+)$", text)
    assert m, f"{name} not in /metrics:\n{text}"
    return float(m.group(1))


def waiting_on_locks(postgres) -> int:
    """callsink's statements in this test's database now waiting for a lock."""
    return int(postgres.scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'callsink' "
        f"AND datname = '{postgres.db}' AND wait_event_type = 'Lock'", db="postgres"))


def post_in_thread(daemon, path: str, payload: bytes, replies: dict, key):
    def run():
        conn = daemon.connection(timeout=30)
        try:
            replies[key] = post_on(conn, path, payload)
        finally:
            conn.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def pg_daemon(start_daemon, postgres, tmp_path):
    """Factory: pg_daemon(sink={...} extra postgres keys, file=True, conninfo=None, sinks=None,
    env=None, **start_daemon arguments) -> Daemon, with CALLSINK_PG set to the test database.

    At teardown every daemon still running is stopped (it must exit 0), and no daemon may have
    printed the database password."""
    daemons = []
    counter = [0]

    def start(*, sink=None, file=True, conninfo=None, sinks=None, env=None, **kwargs):
        counter[0] += 1
        if sinks is None:
            sinks = [pg_sink(**(sink or {}))]
            if file:
                sinks.append({"type": "file", "path": str(tmp_path / f"events-{counter[0]}.jsonl")})
        environment = {PG_ENV: conninfo if conninfo is not None else postgres.conninfo()}
        environment.update(env or {})
        daemon = start_daemon(sinks=sinks, env=environment, **kwargs)
        daemons.append(daemon)
        return daemon

    yield start

    problems = []
    for daemon in daemons:
        if daemon.proc.poll() is None:
            code = daemon.stop()
            if code != 0:
                problems.append(f"callsink exited with {code} on SIGTERM:\n{daemon.log_text()}")
        output = daemon.log_text() + daemon.stdout.decode("utf-8", "replace")
        if PASSWORD in output:
            problems.append("the database password appears in callsink's output:\n" + output)
    if problems:
        pytest.fail("\n\n".join(problems))


# ---------------------------------------------------------------------------------------------
# Storing


def test_every_example_is_one_row_equal_to_the_file_record_and_sessions_follow(pg_daemon,
                                                                                postgres):
    examples = [obj for _, obj in document_examples()] + [fixture_json(name) for name in FOUR_TYPES]
    assert len(examples) >= 9
    daemon = pg_daemon()
    for event in examples:
        reply = daemon.post("/", json.dumps(event, ensure_ascii=False).encode())
        assert reply.status == 200, reply
    lines = daemon.events_lines()  # the file sink beside it: one line per delivery
    assert len(lines) == len(examples)

    # A delivery posted twice (the documents repeat an example, and the fixtures are their examples) is one
    # event: its row is the first delivery's record.
    first = {}
    for line in lines:
        identity = json.dumps({k: v for k, v in line.items() if k != "received"}, sort_keys=True)
        first.setdefault(identity, line)
    rows = postgres.query_json("SELECT dedupe_key, event_type, event_id, session_id, received_at, "
                               "event_at, record FROM callsink.events")
    assert len(rows) == len(first), [row["record"]["payload"] for row in rows]
    assert len(first) >= 6  # four document events (one twice), the update and the recording
    by_request = {row["record"]["received"]["requestId"]: row for row in rows}
    assert len(by_request) == len(rows)
    for line in first.values():
        row = by_request[line["received"]["requestId"]]
        assert row["record"] == line  # as JSON: same members, same values
        payload = line["payload"]
        assert row["event_type"] == line["eventType"]
        assert row["event_id"] == (payload["eventId"] if line["eventType"] == "CALL_STATUS"
                                   else None)
        assert row["session_id"] == payload.get("sessionId")
        assert when(row["received_at"]) == when(line["received"]["at"])
        own_time = payload.get("timestamp") or payload.get("endTime")
        assert when(row["event_at"]) == when(own_time), row
        assert re.fullmatch(r"[0-9a-f]{32}", row["dedupe_key"]), row

    sessions = {row["session_id"]: row for row in postgres.query_json(
        "SELECT session_id, sub_account_id, status, started_at, ended_at, call_count, "
        "last_event_at, summary FROM callsink.sessions")}
    expected = {}
    for line in first.values():
        payload = line["payload"]
        if line["eventType"] == "CALL_STATUS":
            expected[payload["sessionId"]] = {
                "sub_account_id": payload["subAccountId"], "status": payload["callStatus"],
                "started_at": payload["timestamp"], "ended_at": None, "call_count": 1,
                "last_event_at": payload["timestamp"], "summary": None}
        elif line["eventType"] == "SESSION_SUMMARY":
            expected[payload["sessionId"]] = {
                "sub_account_id": payload["subAccountId"], "status": payload["sessionStatus"],
                "started_at": payload["startTime"], "ended_at": payload["endTime"],
                "call_count": payload["callCount"], "last_event_at": payload["endTime"],
                "summary": payload}
        elif line["eventType"] == "CALL_RECORDING_STATUS":
            # A recording has no time of its own and no status for the session.
            expected[payload["sessionId"]] = {
                "sub_account_id": None, "status": None, "started_at": None, "ended_at": None,
                "call_count": 0, "last_event_at": None, "summary": None}
    assert set(sessions) == set(expected)
    for session, want in expected.items():
        got = sessions[session]
        for column in ("started_at", "ended_at", "last_event_at"):
            assert when(got[column]) == when(want[column]), (session, column, got)
        for column in ("sub_account_id", "status", "call_count", "summary"):
            assert got[column] == want[column], (session, column, got)

    assert postgres.query("SELECT version FROM callsink.schema_version") == [("1",)]


def test_a_schema_name_that_needs_quoting(pg_daemon, postgres):
    schema = 'CALLS.v2 "odd" o\'k'
    daemon = pg_daemon(sink={"schema": schema})
    reply = daemon.post("/status", body(status_event("quoted-1", "CALL_CONNECTED",
                                                     "2026-01-06T10:17:19.375Z")))
    assert reply.status == 200, daemon.log_text()
    assert daemon.get("/readyz").status == 200
    assert postgres.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'CALLS%'") == \
        [(schema,)]
    quoted = '"' + schema.replace('"', '""') + '"'
    assert postgres.query(f"SELECT event_id FROM {quoted}.events") == [("quoted-1",)]
    assert postgres.query(f"SELECT status FROM {quoted}.sessions") == [("CALL_CONNECTED",)]
    assert postgres.query(f"SELECT version FROM {quoted}.schema_version") == [("1",)]


def test_two_replicas_store_a_delivery_once_and_both_answer_200(pg_daemon, postgres):
    # Started together on an empty database: the schema is created once, under the lock.
    replicas = [pg_daemon(file=False, wait=False), pg_daemon(file=False, wait=False)]
    for replica in replicas:
        replica.wait_listening()
    events = [status_event(f"replicated-{i:02d}", "CALL_CONNECTED",
                           f"2026-01-06T10:17:{i:02d}.000Z", session=f"replicated-session-{i}")
              for i in range(20)]
    replies = {}
    threads = [post_in_thread(replica, "/status", body(event), replies, (n, i))
               for i, event in enumerate(events) for n, replica in enumerate(replicas)]
    for thread in threads:
        thread.join(30)
    assert len(replies) == 40
    assert all(reply.status == 200 for reply in replies.values()), replies
    assert event_ids(postgres) == [f"replicated-{i:02d}" for i in range(20)]
    assert postgres.scalar("SELECT count(*) FROM callsink.sessions") == "20"
    assert postgres.query("SELECT version FROM callsink.schema_version") == [("1",)]
    for replica in replicas:
        assert replica.get("/readyz").status == 200


def test_replicas_sharing_a_session_leave_it_at_its_newest_state(pg_daemon, postgres):
    """Replica A stores the newest status of a session while replica B stores an older one at
    the same time. Whichever commits last must not write back a state computed without the
    other's event. The order is forced: a psql session holds the session's row, A's batch waits
    for it first, B's second."""
    sink = {"delivery_timeout_ms": 30000}  # the lock below must not time out
    first, second = pg_daemon(sink=sink, file=False), pg_daemon(sink=sink, file=False)
    assert first.post("/status", body(status_event(
        "shared-0", "CALL_INITIATED", "2026-01-06T10:00:00.000Z"))).status == 200
    replies = {}
    with postgres.lock(f"SELECT 1 FROM callsink.sessions WHERE session_id = '{SESSION}' "
                       "FOR UPDATE"):
        threads = [post_in_thread(first, "/status", body(status_event(
            "shared-2", "CALL_DISCONNECTED", "2026-01-06T10:00:02.000Z")), replies, "newest")]
        wait_until(lambda: waiting_on_locks(postgres) == 1, "replica A to wait", timeout=10)
        threads.append(post_in_thread(second, "/status", body(status_event(
            "shared-1", "CALL_CONNECTED", "2026-01-06T10:00:01.000Z")), replies, "older"))
        wait_until(lambda: waiting_on_locks(postgres) == 2, "replica B to wait", timeout=10)
    for thread in threads:
        thread.join(30)
    assert replies["newest"].status == 200 and replies["older"].status == 200, replies
    assert event_ids(postgres) == ["shared-0", "shared-1", "shared-2"]
    row = session_row(postgres)
    assert row["status"] == "CALL_DISCONNECTED", row
    assert when(row["last_event_at"]) == when("2026-01-06T10:00:02.000Z"), row


# ---------------------------------------------------------------------------------------------
# The database going away


@pytest.mark.parametrize("outage", ["stop", "kill"])
def test_a_database_outage_is_503_then_recovers_by_itself(pg_daemon, postgres, outage):
    timeout_ms = 2000
    daemon = pg_daemon(sink={"delivery_timeout_ms": timeout_ms}, file=False)
    before = body(status_event("outage-before", "CALL_INITIATED", "2026-01-06T10:00:00.000Z"))
    during = body(status_event("outage-during", "CALL_CONNECTED", "2026-01-06T10:00:01.000Z"))
    assert daemon.post("/status", before).status == 200

    getattr(postgres, outage)()  # a fast shutdown, or SIGKILL to every server process
    started = time.monotonic()
    reply = daemon.post("/status", during)
    elapsed = time.monotonic() - started
    assert reply.status == 503, reply
    assert int(reply.headers["retry-after"]) > 0, reply
    assert elapsed < timeout_ms / 1000, f"503 after {elapsed:.2f} s"
    assert daemon.get("/readyz").status == 503
    daemon.wait_for_log(r"sink failed: postgres 127\.0\.0\.1:\d+/test_\w+ schema callsink")

    postgres.start()  # the same port and data; after a kill, crash recovery
    # No delivery: the writer's checks bring readiness back.
    wait_until(lambda: daemon.get("/readyz").status == 200, "/readyz 200", timeout=5)
    daemon.wait_for_log(r"sink recovered: postgres")
    for _ in range(2):  # 8x8's retry, and a redelivery of it
        assert daemon.post("/status", during).status == 200
    assert daemon.post("/status", before).status == 200
    assert event_ids(postgres) == ["outage-before", "outage-during"]
    assert session_row(postgres)["status"] == "CALL_CONNECTED"


def test_an_outage_shows_on_readyz_before_any_delivery_meets_it(pg_daemon, postgres):
    daemon = pg_daemon(sink={"delivery_timeout_ms": 1000}, file=False)
    assert daemon.get("/readyz").status == 200
    postgres.stop()
    # The writer checks an idle, healthy sink every 5 s.
    wait_until(lambda: daemon.get("/readyz").status == 503, "/readyz 503", timeout=10)
    postgres.start()
    wait_until(lambda: daemon.get("/readyz").status == 200, "/readyz 200", timeout=10)


def test_a_database_that_stops_answering_is_503_within_the_timeout(pg_daemon, postgres):
    timeout_ms = 1000
    daemon = pg_daemon(sink={"delivery_timeout_ms": timeout_ms}, file=False)
    assert daemon.post("/status", body(status_event(
        "hung-0", "CALL_INITIATED", "2026-01-06T10:00:00.000Z"))).status == 200
    (backend,) = postgres.query(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'callsink' "
        f"AND datname = '{postgres.db}'", db="postgres")
    os.kill(int(backend[0]), signal.SIGSTOP)
    try:
        conn = daemon.connection(timeout=4 * timeout_ms / 1000)
        try:
            reply = post_on(conn, "/status", body(status_event(
                "hung-1", "CALL_CONNECTED", "2026-01-06T10:00:01.000Z")))
        finally:
            conn.close()
        assert reply.status == 503, reply
        # The stuck backend is left behind: the next delivery gets a connection of its own.
        assert daemon.post("/status", body(status_event(
            "hung-2", "CALL_DISCONNECTED", "2026-01-06T10:00:02.000Z"))).status == 200
    finally:
        os.kill(int(backend[0]), signal.SIGCONT)


def test_kill_9_under_load_loses_no_delivery_answered_200(pg_daemon, postgres):
    daemon = pg_daemon(file=False)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int):
        conn = daemon.connection(timeout=10)
        i = 0
        while not stop.is_set():
            event_id = f"load-{n}-{i:05d}"
            i += 1
            try:
                reply = post_on(conn, "/status", body(status_event(
                    event_id, "CALL_CONNECTED", "2026-01-06T10:00:00.000Z",
                    session=f"load-session-{n}")))
            except Exception:  # noqa: BLE001  the daemon is gone: reset, EOF, refused
                break
            if reply.status == 200:
                with lock:
                    acknowledged.append(event_id)
        conn.close()

    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in clients:
        thread.start()
    time.sleep(2.0)
    daemon.kill()
    stop.set()
    for thread in clients:
        thread.join(15)
    assert len(acknowledged) >= 20, f"only {len(acknowledged)} deliveries answered under load"
    stored = set(event_ids(postgres))
    missing = sorted(set(acknowledged) - stored)
    assert not missing, f"{len(missing)} of {len(acknowledged)} answered 200 but not stored: " \
                        f"{missing[:10]}"


# ---------------------------------------------------------------------------------------------
# Sessions


def test_events_out_of_order_leave_the_session_at_its_newest_state(pg_daemon, postgres):
    # The newest one is written at -05:00: later in time, earlier as text.
    timeline = [
        ("ooo-0", "CALL_INITIATED", "2026-01-06T10:17:19.000Z", LEG_A),
        ("ooo-1", "CALL_RECEIVED", "2026-01-06T10:17:20.125Z", LEG_B),
        ("ooo-2", "CALL_CONNECTED", "2026-01-06T10:17:21.000Z", LEG_B),
        ("ooo-3", "DTMF_RECEIVED", "2026-01-06T10:17:22.000Z", LEG_A),
        ("ooo-4", "CALL_UPDATED", "2026-01-06T10:17:23.500Z", LEG_A),
        ("ooo-5", "CALL_DISCONNECTED", "2026-01-06T05:17:24.000-05:00", LEG_B),
    ]
    order = [3, 0, 5, 1, 4, 2]
    daemon = pg_daemon(file=False)
    posted = []
    for index in order:
        event_id, status, timestamp, leg = timeline[index]
        assert daemon.post("/status", body(status_event(event_id, status, timestamp,
                                                        call=leg))).status == 200
        posted.append(timeline[index])
        newest = max(posted, key=lambda event: when(event[2]))
        row = session_row(postgres)
        assert row["status"] == newest[1], (posted, row)
        assert when(row["last_event_at"]) == when(newest[2]), row
        assert when(row["started_at"]) == min(when(event[2]) for event in posted), row
        assert row["call_count"] == len({event[3] for event in posted}), row
        assert row["ended_at"] is None and row["summary"] is None, row

    summary = summary_event("NO ANSWER", "2026-01-06T10:17:18Z", "2026-01-06T10:17:24Z", 2)
    assert daemon.post("/summary", body(summary)).status == 200
    row = session_row(postgres)
    assert row["status"] == "NO ANSWER", row
    assert when(row["started_at"]) == when("2026-01-06T10:17:18Z"), row
    assert when(row["ended_at"]) == when("2026-01-06T10:17:24Z"), row
    assert row["call_count"] == 2 and row["summary"] == summary["payload"], row
    assert row["sub_account_id"] == summary["payload"]["subAccountId"], row

    # The summary is the last word: a late, older status and even a newer one leave it.
    for event_id, status, timestamp in [("ooo-late", "CALL_CONNECTED", "2026-01-06T10:17:21.500Z"),
                                        ("ooo-after", "CALL_UPDATED", "2026-01-06T10:17:30Z")]:
        assert daemon.post("/status", body(status_event(event_id, status, timestamp))).status \
            == 200
        row = session_row(postgres)
        assert row["status"] == "NO ANSWER" and row["call_count"] == 2, row
    assert postgres.scalar("SELECT count(*) FROM callsink.events") == "9"


# ---------------------------------------------------------------------------------------------
# A record PostgreSQL refuses


@pytest.mark.parametrize("field", ["eventData", "sessionId"])
def test_a_refused_record_does_not_drop_the_rest_of_its_batch(pg_daemon, postgres, field):
    # The lock below is held for a moment: the statement waiting on it must not time out.
    daemon = pg_daemon(sink={"delivery_timeout_ms": 30000}, file=False)
    assert daemon.post("/status", body(status_event(
        "batch-0", "CALL_INITIATED", "2026-01-06T10:00:00.000Z"))).status == 200
    # A refusal PostgreSQL gives for what a record holds (class 23) that callsink does not
    # classify as permanent: the record is retried (503), the rest of its batch is stored.
    postgres.query(
        "CREATE FUNCTION callsink.refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.record->'payload'->>'" + field + "' = 'refused by the test' THEN "
        "RAISE EXCEPTION 'the test refuses this record' USING ERRCODE = '23503'; END IF; "
        "RETURN NEW; END $$; CREATE TRIGGER refuse_bad BEFORE INSERT ON callsink.events "
        "FOR EACH ROW EXECUTE FUNCTION callsink.refuse_bad()")
    bad = status_event("batch-bad", "CALL_CONNECTED", "2026-01-06T10:00:01.000Z")
    bad["payload"][field] = "refused by the test"
    good = [status_event(f"batch-{i}", "CALL_CONNECTED", f"2026-01-06T10:00:0{i}.000Z")
            for i in range(2, 6)]

    replies = {}
    # Hold the events table: the writer's next batch (batch-1) waits on it, and what arrives
    # meanwhile queues up and is the following batch, all together.
    with postgres.lock("LOCK TABLE callsink.events IN SHARE MODE"):
        threads = [post_in_thread(daemon, "/status", body(status_event(
            "batch-1", "CALL_INITIATED", "2026-01-06T10:00:00.500Z")), replies, "batch-1")]
        wait_until(lambda: waiting_on_locks(postgres) == 1, "the writer to wait", timeout=10)
        threads.append(post_in_thread(daemon, "/status", body(bad), replies, "bad"))
        threads += [post_in_thread(daemon, "/status", body(event), replies,
                                   event["payload"]["eventId"]) for event in good]
        wait_until(lambda: metric(daemon, "callsink_queue_depth") == 5, "5 queued records", timeout=10)
    for thread in threads:
        thread.join(30)

    assert replies["batch-1"].status == 200, replies
    # The batch of five is answered 503 as a whole; its four good records are committed.
    for key in ["bad"] + [event["payload"]["eventId"] for event in good]:
        assert replies[key].status == 503, (key, replies[key])
        assert int(replies[key].headers["retry-after"]) > 0
    stored = ["batch-0", "batch-1", "batch-2", "batch-3", "batch-4", "batch-5"]
    assert event_ids(postgres) == stored
    bad_request = replies["bad"].headers["x-request-id"]
    (line,) = daemon.wait_for_log(rf"redeliveryKey [0-9a-f]{{32}} \(request {bad_request}\)")
    key = re.search(r"redeliveryKey ([0-9a-f]{32})", line).group(1)
    assert "the test refuses this record" in line, line
    assert postgres.scalar(f"SELECT count(*) FROM callsink.events WHERE dedupe_key = '{key}'") \
        == "0"
    good_requests = [replies[event["payload"]["eventId"]].headers["x-request-id"]
                     for event in good]
    assert not [l for l in daemon.log if any(r in l for r in good_requests)], daemon.log_text()

    # 8x8's retries: the good ones are found stored (200, still one row each), the bad one is
    # refused again, and named again.
    for event in good:
        assert daemon.post("/status", body(event)).status == 200
    retry = daemon.post("/status", body(bad))
    assert retry.status == 503, retry
    daemon.wait_for_log(rf"redeliveryKey {key} \(request {retry.headers['x-request-id']}\)")
    assert event_ids(postgres) == stored
    assert session_row(postgres)["status"] == "CALL_CONNECTED"
    wait_until(lambda: daemon.get("/readyz").status == 200, "/readyz 200", timeout=5)


@pytest.mark.parametrize("field", ["eventData", "sessionId", "callType"])
def test_a_nul_escape_jsonb_refuses_is_stored_with_its_exact_text(pg_daemon, postgres, field,
                                                                   tmp_path):
    """JSON allows \\u0000 in a string and jsonb does not: the record is stored all the same,
    `record` with the stand-in \\ufffd, `record_text` with the exact line the file sink wrote,
    and `callsink session` shows the exact text."""
    daemon = pg_daemon()
    event = status_event("nul-1", "CALL_CONNECTED", "2026-01-06T10:00:01.000Z")
    event["payload"][field] = "before\u0000after"
    assert "\\u0000" in json.dumps(event)
    reply = daemon.post("/status", body(event))
    assert reply.status == 200, (reply, daemon.log_text())
    # Later: the session's leg shows the first status's callType.
    plain = status_event("plain-1", "CALL_DISCONNECTED", "2026-01-06T10:00:02.000Z")
    assert daemon.post("/status", body(plain)).status == 200

    (line,) = [l for l in (tmp_path / "events-1.jsonl").read_text().splitlines()
               if "nul-1" in l]
    rows = postgres.query_json(
        "SELECT event_id, record_text, record->'payload'->>'" + field + "' AS stand_in "
        "FROM callsink.events ORDER BY event_id")
    assert [row["event_id"] for row in rows] == ["nul-1", "plain-1"], rows
    assert rows[0]["record_text"] == line, rows[0]
    assert rows[0]["stand_in"] == "before\ufffdafter", rows[0]
    assert rows[1]["record_text"] is None, rows[1]  # jsonb holds it as it is
    assert json.loads(line)["payload"][field] == "before\u0000after"

    if field == "callType":  # a field `callsink session` shows, read from PostgreSQL
        from test_session_command import session
        shown = session(daemon.config_path, SESSION, "--json",
                        env={PG_ENV: postgres.conninfo()})
        assert shown.returncode == 0, shown
        assert '"callType":"before\\u0000after"' in shown.stdout.replace(" ", ""), shown.stdout
        assert "ufffd" not in shown.stdout, shown.stdout


def test_a_lock_held_past_the_timeout_is_503_within_it_not_once_per_record(pg_daemon, postgres):
    """A statement that times out (lock_timeout, statement_timeout) is the database being slow,
    not a record it refuses: the batch gets its 503 after delivery_timeout_ms, not after one
    timeout per record retried alone, and no record is logged as refused."""
    timeout_ms = 500
    daemon = pg_daemon(sink={"delivery_timeout_ms": timeout_ms}, file=False)
    assert daemon.post("/status", body(status_event(
        "slow-0", "CALL_INITIATED", "2026-01-06T10:00:00.000Z"))).status == 200
    replies = {}
    with postgres.lock("LOCK TABLE callsink.events IN SHARE MODE"):
        threads = [post_in_thread(daemon, "/status", body(status_event(
            f"slow-{i}", "CALL_CONNECTED", "2026-01-06T10:00:01.000Z")), replies, i)
            for i in range(1, 7)]
        started = time.monotonic()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started
    assert sorted(reply.status for reply in replies.values()) == [503] * 6, replies
    # A first batch may hold one record and the next five: two timeouts, plus the retry on a
    # new connection, with room to spare for a loaded machine.
    assert elapsed < 6 * timeout_ms / 1000, f"503s after {elapsed:.2f} s:\n{daemon.log_text()}"
    (failed, *_) = daemon.wait_for_log(r"sink failed: postgres")
    assert "refused a record" not in failed, failed
    assert not [line for line in daemon.log if "redeliveryKey" in line], daemon.log_text()
    wait_until(lambda: daemon.get("/readyz").status == 200, "/readyz 200", timeout=5)
    for i in range(1, 7):
        assert daemon.post("/status", body(status_event(
            f"slow-{i}", "CALL_CONNECTED", "2026-01-06T10:00:01.000Z"))).status == 200
    assert event_ids(postgres) == [f"slow-{i}" for i in range(7)]


# ---------------------------------------------------------------------------------------------
# Configuration


def assert_config_error(daemon, *needles: str):
    code = daemon.wait_exit()
    text = daemon.log_text()
    assert code == 2, f"exit {code}:\n{text}"
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    assert "listening on" not in text


def test_conninfo_env_missing_is_a_config_error(pg_daemon):
    daemon = pg_daemon(sinks=[{"type": "postgres"}], wait=False)
    assert_config_error(daemon, "sinks[0].conninfo_env", "required")


def test_conninfo_env_unset_or_empty_is_a_config_error(pg_daemon):
    unset = "CALLSINK_PG_TEST_NEVER_SET"
    assert unset not in os.environ
    daemon = pg_daemon(sinks=[{"type": "postgres", "conninfo_env": unset}], wait=False)
    assert_config_error(daemon, "sinks[0].conninfo_env", unset)
    daemon = pg_daemon(file=True, conninfo="", wait=False)
    assert_config_error(daemon, "sinks[0].conninfo_env", PG_ENV)


@pytest.mark.parametrize("conninfo", [
    f"host=127.0.0.1 password={PASSWORD} port",                 # a key without "="
    f"host=127.0.0.1 password={PASSWORD} no_such_option=1",     # an unknown key
    f"host=127.0.0.1 password='{PASSWORD}",                     # an unterminated quote
    f"host=127.0.0.1 password=correct {PASSWORD}",              # a space in an unquoted value
    f"postgresql://callsink:{PASSWORD}@127.0.0.1/db?no_such_option=1",
    f"postgresql://callsink:{PASSWORD}%zz@127.0.0.1/db",        # a bad percent escape
    f"postgresql://callsink:{PASSWORD}@[::1/db",                # an unclosed IPv6 bracket
    f"postgresql://callsink:{PASSWORD}@127.0.0.1:5432/db?sslmode=require=yes",
], ids=["missing-equals", "unknown-key", "unterminated-quote", "unquoted-space",
        "uri-unknown-parameter", "uri-bad-percent", "uri-unclosed-bracket", "uri-extra-equals"])
def test_an_invalid_conninfo_is_a_config_error_that_does_not_show_it(pg_daemon, conninfo):
    daemon = pg_daemon(conninfo=conninfo, wait=False)
    assert_config_error(daemon, "sinks[0].conninfo_env",
                        f"environment variable {PG_ENV} is not a valid libpq connection string")
    # pg_daemon's teardown checks the password is nowhere in the output; the rest of the value
    # neither (the host):
    assert "127.0.0.1" not in daemon.log_text()


def test_a_schema_newer_than_the_binary_is_refused(pg_daemon, postgres):
    postgres.query("CREATE SCHEMA callsink AUTHORIZATION callsink; "
                   "CREATE TABLE callsink.schema_version (version integer NOT NULL); "
                   "INSERT INTO callsink.schema_version VALUES (99); "
                   "ALTER TABLE callsink.schema_version OWNER TO callsink")
    daemon = pg_daemon(wait=False)
    code = daemon.wait_exit()
    text = daemon.log_text()
    assert code != 0, text
    assert "sinks[0].conninfo_env" in text, text
    assert re.search(r"\bversion 99\b", text) and re.search(r"\(version 1\)", text), text
    assert postgres.query("SELECT version FROM callsink.schema_version") == [("99",)]
    assert postgres.scalar("SELECT to_regclass('callsink.events') IS NULL") == "t"


def test_a_wrong_password_is_503_and_never_shown(pg_daemon, postgres):
    daemon = pg_daemon(conninfo=postgres.conninfo(password="wrong-" + PASSWORD[::-1]),
                       file=False)
    daemon.wait_for_log(r"not reachable at start .*password authentication failed")
    assert daemon.get("/readyz").status == 503
    reply = daemon.post("/status", body(status_event("denied", "CALL_INITIATED",
                                                     "2026-01-06T10:00:00.000Z")))
    assert reply.status == 503, reply
    assert PASSWORD[::-1] not in daemon.log_text()


def test_a_summary_whose_call_count_overflows_the_column_is_still_stored(pg_daemon, postgres):
    """callsink accepts any JSON integer as callCount; sessions.call_count is an integer column.
    The event is stored, its session follows its status, and its batch-mates are not held up."""
    daemon = pg_daemon(file=False)
    summary = summary_event("COMPLETED", "2026-01-06T10:00:00Z", "2026-01-06T10:01:00Z",
                            3_000_000_000)
    reply = daemon.post("/summary", body(summary))
    assert reply.status == 200, daemon.log_text()
    row = session_row(postgres)
    assert row["status"] == "COMPLETED" and row["summary"] == summary["payload"], row
    assert postgres.scalar("SELECT record->'payload'->>'callCount' FROM callsink.events") \
        == "3000000000"
