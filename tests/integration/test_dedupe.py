"""delivery.dedupe_window (DESIGN.md, "Configuration"): 8x8 redelivers when it gets no 200 in
time; a redelivery of a remembered eventId (CALL_STATUS) or sessionId (SESSION_SUMMARY) is
answered 200 and stored once. 0 turns it off."""

from harness import call_status_body, fixture_bytes


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
