"""The PostgreSQL sink's `sessions` row and `callsink session --json` (the timeline) tell the same
story about the same events: status, times, call count and each leg's outcome, fixture by fixture
and for whole sessions (both legs' statuses and the summary) in different arrival orders.

The row is computed in SQL (sinks/postgres/postgres_schema.cpp), the timeline in C++
(records/session_timeline.cpp); `timeline_row` below is the one statement of how the one maps onto
the other, so a rule changed on one side only fails here."""

from __future__ import annotations

import json
import os
import random
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from harness import callsink_bin, fixture_json, read_jsonl

PG_ENV = "CALLSINK_PG"
QUALITY = ("mos", "packetLossRate", "jitter")  # what the timeline keeps of callQuality
DATA = Path(__file__).resolve().parent.parent / "data"
LEG_A = "1f048a83-ea6d-11ee-911b-e9023a97c284"  # session_summary_success.json's legs
LEG_B = "1fbdef11-ea6d-11ee-9e30-e53b76c602ef"
# (callId, callStatus, timestamp, callDuration): both legs of session_summary_success.json.
STATUSES = [
    (LEG_A, "CALL_RECEIVED", "2024-03-25T06:01:28.120Z", 0),
    (LEG_B, "CALL_INITIATED", "2024-03-25T06:01:30Z", 0),
    (LEG_A, "CALL_CONNECTED", "2024-03-25T14:01:37.050+08:00", 0),
    (LEG_B, "CALL_CONNECTED", "2024-03-25T06:01:37.100Z", 0),
    (LEG_A, "CALL_DISCONNECTED", "2024-03-25T06:01:50Z", 13),
    (LEG_B, "CALL_DISCONNECTED", "2024-03-25T06:01:50.200Z", 13),
]


def when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def session_id(case: int) -> str:
    return f"5e550000-0000-4000-8000-{case:012d}"


def with_case_ids(event: dict, case: int, n: int = 0) -> dict:
    """The event made one of case `case`'s: its session, and ids no other case shares, so that no
    case's event is taken for another's redelivery."""
    payload = event["payload"]
    payload["sessionId"] = session_id(case)
    for key in ("eventId", "recordingId"):
        if key in payload:
            payload[key] = f"{key[:5]}-{case}-{n}"
    return event


def status_event(case: int, n: int, call_id: str, status: str, timestamp: str,
                 duration: int) -> dict:
    event = fixture_json("call_status_2026.json")
    event["payload"].update(callId=call_id, callStatus=status, timestamp=timestamp,
                            callDuration=duration, subAccountId="8x8_test")
    return with_case_ids(event, case, n)


def summary_event(case: int) -> dict:
    return with_case_ids(fixture_json("session_summary_success.json"), case)


def timeline_row(timeline: dict | None) -> dict:
    """What the timeline says of the columns of the session's `sessions` row."""
    if timeline is None:
        return {"status": None, "started_at": None, "ended_at": None, "call_count": None,
                "last_event_at": None}
    statuses = [status for leg in timeline["legs"] for status in leg["statuses"]]
    timed = [status for status in statuses if "timestamp" in status]
    summary = timeline["summary"]
    # A summary's own time is when its session ended (or began, if it gives no end).
    times = [when(status["timestamp"]) for status in timed]
    if summary and (summary.get("endTime") or summary.get("startTime")):
        times.append(when(summary.get("endTime") or summary.get("startTime")))
    newest = max(timed, key=lambda status: when(status["timestamp"]), default=None)
    if newest is None and statuses:
        newest = statuses[-1]  # none has a time: the last received
    status = summary["sessionStatus"] if summary else newest and newest["callStatus"]
    started = when(summary.get("startTime")) if summary and "startTime" in summary else None
    legs_with_statuses = sum(1 for leg in timeline["legs"] if leg["statuses"])
    return {
        "status": status,
        "started_at": started or min(times, default=None),
        "ended_at": when(summary.get("endTime")) if summary else None,
        "call_count": summary["callCount"] if summary and "callCount" in summary
        else legs_with_statuses,
        "last_event_at": max(times, default=None),
    }


def stored_row(postgres, session: str) -> dict:
    rows = postgres.query_json(
        "SELECT status, started_at, ended_at, call_count, last_event_at, sub_account_id, summary "
        f"FROM callsink.sessions WHERE session_id = '{session}'")
    if not rows:
        return {"status": None, "started_at": None, "ended_at": None, "call_count": None,
                "last_event_at": None, "summary": None}
    (row,) = rows
    for column in ("started_at", "ended_at", "last_event_at"):
        row[column] = when(row[column])
    return row


def read_timeline(config, session: str, env: dict) -> dict | None:
    out = subprocess.run([callsink_bin(), "session", session, "--config", str(config), "--json"],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                         env=env)
    if out.returncode == 1 and "no events for session" in out.stderr:
        return None
    assert out.returncode == 0, out
    return json.loads(out.stdout)


def assert_the_stores_agree(postgres, config, session: str, env: dict):
    timeline = read_timeline(config, session, env)
    row = stored_row(postgres, session)
    expected = timeline_row(timeline)
    assert {column: row[column] for column in expected} == expected, (row, timeline)
    summary = timeline and timeline["summary"]
    if not summary:
        assert row["summary"] is None
        return
    stored = row["summary"]
    for key in ("sessionStatus", "startTime", "endTime", "callCount", "lastAction",
                "subAccountId"):
        assert stored.get(key) == summary.get(key), key
    assert row["sub_account_id"] == summary.get("subAccountId")
    # Each leg's outcome, as the summary stored in the row gives it and as the timeline shows it.
    named = {leg["leg"]: leg for leg in timeline["legs"] if "leg" in leg}
    assert set(named) == set(stored.get("details", {}))
    for name, details in stored.get("details", {}).items():
        leg = named[name]
        assert (leg["callId"] or None) == details.get("callId"), name
        for key in ("callStatus", "callDuration", "initiatedTimestamp", "connectedTimestamp",
                    "disconnectedTimestamp"):
            assert leg.get(key) == details.get(key), (name, key)
        quality = details.get("callQuality")
        if quality is not None:
            assert leg["callQuality"] == {key: quality[key] for key in QUALITY if key in quality}



@pytest.fixture
def stores(start_daemon, postgres, tmp_path):
    """A daemon storing to PostgreSQL and a file, and what `callsink session` needs to read the
    database back."""
    env = {PG_ENV: postgres.conninfo()}
    daemon = start_daemon(sinks=[{"type": "postgres", "conninfo_env": PG_ENV},
                                 {"type": "file", "path": str(tmp_path / "events.jsonl")}],
                          env=env)
    yield daemon, {**os.environ, **env}
    if daemon.proc.poll() is None:
        assert daemon.stop() == 0


def post(daemon, event: dict) -> bool:
    """Whether the event was stored as one (not as a rejection)."""
    reply = daemon.post("/", json.dumps(event).encode())
    assert reply.status == 200, reply
    return "error" not in reply.json()


def post_stored(daemon, event: dict):
    assert post(daemon, event), event


def test_every_fixture_that_names_a_session_alone(stores, postgres):
    """Each fixture with a sessionId, in a session of its own; one that is rejected is stored in
    neither."""
    daemon, env = stores
    cases = []
    for case, path in enumerate(sorted(DATA.glob("*.json")), start=1):
        event = fixture_json(path.name)
        if "sessionId" in event.get("payload", {}):
            stored = post(daemon, with_case_ids(event, case))
            cases.append((case, path.name, stored))
    assert len(cases) >= 14, cases
    assert daemon.stop() == 0
    assert len(read_jsonl(daemon.events)) == sum(1 for _, _, stored in cases if stored)
    for case, name, _ in cases:
        try:
            assert_the_stores_agree(postgres, daemon.config_path, session_id(case), env)
        except AssertionError as failure:
            raise AssertionError(f"{name}: {failure}") from failure


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_whole_session_in_any_arrival_order(stores, postgres, seed):
    daemon, env = stores
    case = 100 + seed
    events = [status_event(case, n, *status) for n, status in enumerate(STATUSES)]
    events.append(summary_event(case))
    random.Random(seed).shuffle(events)
    for event in events:
        post_stored(daemon, event)
    assert_the_stores_agree(postgres, daemon.config_path, session_id(case), env)


def test_a_session_without_its_summary_and_one_with_a_redelivery(stores, postgres):
    daemon, env = stores
    statuses = [status_event(200, n, *status) for n, status in enumerate(STATUSES)]
    for event in reversed(statuses):
        post_stored(daemon, event)
    redelivered = [status_event(201, n, *status) for n, status in enumerate(STATUSES[:3])]
    for event in [summary_event(201)] + redelivered + [redelivered[1], summary_event(201)]:
        post_stored(daemon, event)
    for case in (200, 201):
        assert_the_stores_agree(postgres, daemon.config_path, session_id(case), env)
