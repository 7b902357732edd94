"""callsink's own log (stderr): one line per message, whatever a delivery contains."""

import json
import re

from harness import fixture_json

LINE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z [a-z]+ ")


def assert_every_line_is_a_log_line(d):
    for line in d.log:
        assert LINE.match(line), f"not a log line (forged or split?): {line!r}\n" + d.log_text()


def assert_delivery_text_stays_on_its_line(d, marker: str, owner: str):
    """Every log line that shows `marker` (text from the delivery) must be the `owner` line
    that quotes it: a line break in the delivery must not start a line of its own."""
    for line in d.log:
        if marker in line:
            assert owner in line, (
                f"a delivery's text started a log line of its own: {line!r}; the whole log:\n"
                + d.log_text())


def test_start_and_listen_lines_have_the_documented_format(daemon):
    assert_every_line_is_a_log_line(daemon)
    assert any(re.search(r" info callsink \d+\.\d+\.\d+ starting: ", l) for l in daemon.log)
    assert any(re.search(r" info listening on 127\.0\.0\.1:\d+$", l) for l in daemon.log)


def test_a_rejection_is_logged_on_one_line_with_code_field_and_request(daemon):
    event = fixture_json("call_status_2026.json")
    del event["payload"]["eventId"]
    reply = daemon.post("/status", json.dumps(event).encode())
    assert reply.status == 200
    request_id = reply.headers["x-request-id"]
    (line,) = daemon.wait_for_log(r"rejected delivery: ")
    assert f"code=missing_field field=payload.eventId request={request_id} remote=127.0.0.1" \
        in line, line
    assert_every_line_is_a_log_line(daemon)


def test_a_newline_in_an_unsupported_event_type_cannot_forge_a_log_line(daemon):
    forged = "2026-11-23T17:00:00.000Z info event CALL_STATUS session=forged call=x"
    body = json.dumps({"eventType": "X\n" + forged, "payload": {}}).encode()
    reply = daemon.post("/status", body)
    assert reply.status == 200 and reply.json()["stored"] == "rejects", reply
    daemon.wait_for_log(r"rejected delivery: code=unsupported_event_type")
    assert_delivery_text_stays_on_its_line(daemon, "session=forged", "rejected delivery: ")
    assert_every_line_is_a_log_line(daemon)


def test_a_newline_in_a_bad_field_value_cannot_forge_a_log_line(daemon):
    event = fixture_json("call_status_2026.json")
    event["payload"]["callDuration"] = "12\n2026-11-23T17:00:00.000Z error forged"
    reply = daemon.post("/status", json.dumps(event).encode())
    assert reply.status == 200 and reply.json()["stored"] == "rejects", reply
    daemon.wait_for_log(r"rejected delivery: code=invalid_value field=payload.callDuration")
    assert_delivery_text_stays_on_its_line(daemon, "forged", "rejected delivery: ")
    assert_every_line_is_a_log_line(daemon)


def test_an_unlisted_enum_value_is_kept_and_logged_on_one_line(daemon):
    event = fixture_json("call_status_2026.json")
    event["payload"]["callStatus"] = "CALL_PARKED\nforged"
    reply = daemon.post("/status", json.dumps(event).encode())
    assert reply.status == 200 and reply.json()["stored"] == "events", reply
    (record,) = daemon.events_lines()
    assert record["payload"]["callStatus"] == "CALL_PARKED\nforged"
    daemon.wait_for_log(r"unlisted value kept: payload\.callStatus=")
    assert_delivery_text_stays_on_its_line(daemon, "forged", "unlisted value kept: ")
    assert_every_line_is_a_log_line(daemon)
