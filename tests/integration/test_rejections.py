"""Deliveries that are not valid events: answered 200 and kept in the rejects file, never lost."""

import json

import pytest

from harness import RFC3339_MS_UTC, b64decode, fixture_json


def post_and_expect_rejection(d, path, body, code, field=None):
    reply = d.post(path, body)
    assert reply.status == 200, reply
    answer = reply.json()
    assert answer["stored"] == "rejects", answer
    assert answer["error"]["code"] == code, answer
    if field is not None:
        assert answer["error"]["field"] == field, answer
    assert answer["requestId"] == reply.headers.get("x-request-id"), reply
    return reply


def find_rejection(d, reply):
    request_id = reply.headers["x-request-id"]
    matches = [r for r in d.rejects_lines() if r["received"]["requestId"] == request_id]
    assert len(matches) == 1, (request_id, d.rejects_lines())
    return matches[0]


def assert_rejection_record(record, path, code, body: bytes, field=None):
    assert set(record) in ({"received", "error", "body"}, {"received", "error", "body_base64"}), \
        record
    assert RFC3339_MS_UTC.match(record["received"]["at"]), record
    assert record["received"]["path"] == path
    assert record["received"]["remote"] == "127.0.0.1"
    assert record["error"]["code"] == code
    assert isinstance(record["error"]["message"], str) and record["error"]["message"]
    if field is not None:
        assert record["error"]["field"] == field, record["error"]
    if "body" in record:
        assert record["body"].encode("utf-8") == body
    else:
        assert b64decode(record["body_base64"]) == body


def missing_call_id() -> bytes:
    event = fixture_json("call_status_2026.json")
    del event["payload"]["callId"]
    return json.dumps(event).encode()


def call_action() -> bytes:
    event = fixture_json("call_status_2026.json")
    event["eventType"] = "CALL_ACTION"
    event["description"] = "Call action request"
    return json.dumps(event).encode()


CASES = {
    "not_json": ("/status", b'{"eventType": "CALL_STATUS", "payload": {', "invalid_json", None),
    "array": ("/status", b'[{"eventType":"CALL_STATUS"}]', "not_an_object", None),
    "missing_call_id": ("/status", missing_call_id(), "missing_field", "payload.callId"),
    "call_action": ("/", call_action(), "unsupported_event_type", None),
    "not_utf8": ("/summary", b'{"eventType":"SESSION_SUMMARY","payload":{"sessionId":"\xff\xfe\xc3"}}',
                 "invalid_json", None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_invalid_delivery_is_answered_200_and_stored_in_the_rejects_file(daemon, case):
    path, body, code, field = CASES[case]

    reply = post_and_expect_rejection(daemon, path, body, code, field)

    record = find_rejection(daemon, reply)
    assert_rejection_record(record, path, code, body, field)
    assert daemon.events_lines() == []
    daemon.wait_for_log(rf"warn(ing)? rejected delivery: code={code} .*request="
                        + reply.headers["x-request-id"])


def test_a_non_utf8_body_is_kept_as_base64_of_the_exact_bytes(daemon):
    body = b'{"eventType":"CALL_STATUS","payload":{"callId":"\xc0\xaf\x80 latin1 caf\xe9"}}\x00\xff'
    reply = post_and_expect_rejection(daemon, "/status", body, "invalid_json")
    record = find_rejection(daemon, reply)
    assert "body" not in record
    assert b64decode(record["body_base64"]) == body


def test_a_body_that_is_not_json_is_kept_byte_for_byte(daemon):
    body = b'  not json at all \n\t "quoted" \\ backslash \xe2\x82\xac\n'
    reply = post_and_expect_rejection(daemon, "/", body, "invalid_json")
    record = find_rejection(daemon, reply)
    assert record["body"].encode("utf-8") == body
    assert "field" not in record["error"] or record["error"]["field"] in ("", None)


def test_an_empty_body_is_a_rejection_not_an_error(daemon):
    reply = post_and_expect_rejection(daemon, "/status", b"", "invalid_json")
    record = find_rejection(daemon, reply)
    assert record.get("body") == ""


def test_wrong_types_and_values_name_the_field(daemon):
    bad_duration = fixture_json("call_status_2026.json")
    bad_duration["payload"]["callDuration"] = "12a"
    bad_summary = fixture_json("session_summary_success.json")
    bad_summary["payload"]["sessionStatus"] = 7
    no_status = fixture_json("session_summary_success.json")
    no_status["payload"]["sessionStatus"] = None

    r1 = post_and_expect_rejection(daemon, "/status", json.dumps(bad_duration).encode(),
                                   "invalid_value", "payload.callDuration")
    r2 = post_and_expect_rejection(daemon, "/summary", json.dumps(bad_summary).encode(),
                                   "wrong_type", "payload.sessionStatus")
    r3 = post_and_expect_rejection(daemon, "/summary", json.dumps(no_status).encode(),
                                   "missing_field", "payload.sessionStatus")
    for reply in (r1, r2, r3):
        find_rejection(daemon, reply)
    assert daemon.events_lines() == []


def test_valid_and_invalid_deliveries_go_to_separate_files_in_order(daemon):
    good = fixture_json("call_status_2026.json")
    sent = []
    for i in range(6):
        if i % 2:
            body = b"{broken " + str(i).encode()
            sent.append(("rejects", daemon.post("/status", body)))
        else:
            good["payload"]["eventId"] = f"evt-{i}"
            sent.append(("events", daemon.post("/status", json.dumps(good).encode())))
    for where, reply in sent:
        assert reply.status == 200 and reply.json()["stored"] == where, reply

    events = daemon.events_lines()
    rejects = daemon.rejects_lines()
    assert [e["payload"]["eventId"] for e in events] == ["evt-0", "evt-2", "evt-4"]
    assert [r["body"] for r in rejects] == ["{broken 1", "{broken 3", "{broken 5"]
    assert all("error" not in e for e in events)
