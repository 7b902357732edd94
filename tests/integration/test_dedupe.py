"""delivery.dedupe_window (docs/configuration.md, `[delivery]`): 8x8 redelivers when it gets no 200 in
time; a redelivery of a remembered eventId (CALL_STATUS) or sessionId (SESSION_SUMMARY) is
answered 200 and stored once. 0 turns it off."""

import json

from harness import HOST, call_status_body, fixture_bytes


def test_a_redelivered_call_status_is_answered_200_and_stored_once(start_daemon):
    d = start_daemon(delivery={"dedupe_window": 1000})
    body = call_status_body("redelivered-1")
    first = d.post("/status", body)
    second = d.post("/status", body)
    assert first.status == 200 and second.status == 200, (first, second)
    other = d.post("/status", call_status_body("redelivered-2"))
    assert other.status == 200, other
    ids = [r["payload"]["eventId"] for r in d.events_lines()]
    assert ids == ["redelivered-1", "redelivered-2"], ids


def test_a_redelivered_session_summary_is_answered_200_and_stored_once(start_daemon):
    d = start_daemon(delivery={"dedupe_window": 1000})
    body = fixture_bytes("session_summary_success.json")
    for path in ("/summary", "/summary", "/"):
        reply = d.post(path, body)
        assert reply.status == 200, reply
    assert len(d.events_lines()) == 1, d.events_lines()


def test_dedupe_window_0_stores_every_delivery(start_daemon):
    d = start_daemon(delivery={"dedupe_window": 0})
    body = call_status_body("again")
    for _ in range(3):
        assert d.post("/status", body).status == 200
    assert len(d.events_lines()) == 3


def test_identical_rejections_are_all_kept(start_daemon):
    d = start_daemon(delivery={"dedupe_window": 1000})
    for _ in range(3):
        reply = d.post("/status", b"not json")
        assert reply.status == 200 and reply.json()["stored"] == "rejects", reply
    assert len(d.rejects_lines()) == 3


def test_a_call_status_and_a_session_summary_with_the_same_id_are_both_stored(start_daemon):
    d = start_daemon(delivery={"dedupe_window": 1000})
    summary = json.loads(fixture_bytes("session_summary_failure.json"))
    summary["payload"]["sessionId"] = "shared-id"
    assert d.post("/status", call_status_body("shared-id")).status == 200
    assert d.post("/summary", json.dumps(summary).encode()).status == 200
    assert [r["eventType"] for r in d.events_lines()] == ["CALL_STATUS", "SESSION_SUMMARY"]


def test_copies_pipelined_in_one_burst_are_stored_once(start_daemon):
    d = start_daemon(delivery={"dedupe_window": 1000})
    body = call_status_body("burst-copy")
    request = (f"POST /status HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    with d.raw() as conn:
        conn.send(request * 5)
        replies = [conn.read_response() for _ in range(5)]
    assert [r.status for r in replies] == [200] * 5, replies
    assert [r["payload"]["eventId"] for r in d.events_lines()] == ["burst-copy"]


def test_an_id_that_fell_out_of_the_window_is_stored_again(start_daemon):
    d = start_daemon(delivery={"dedupe_window": 2})
    for event_id in ("w-a", "w-b", "w-c", "w-a", "w-c"):
        assert d.post("/status", call_status_body(event_id)).status == 200
    # w-a was pushed out by w-b and w-c; w-c was still remembered
    assert [r["payload"]["eventId"] for r in d.events_lines()] == ["w-a", "w-b", "w-c", "w-a"]
