"""Valid 8x8 deliveries: the examples of 8x8's documents and the leniency rules of docs/events.md."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from harness import (DOCUMENT_EXAMPLES, DOCUMENT_FIXTURES, assert_received, document_examples,
                     documents_dir, examples_in_documents, fixture_bytes, fixture_json)


def assert_stored_reply(reply):
    assert reply.status == 200, reply
    assert reply.headers.get("content-type", "").startswith("application/json"), reply
    body = reply.json()
    assert body["stored"] == "events", body
    assert isinstance(body["requestId"], str) and body["requestId"], body
    assert "error" not in body, body
    assert reply.headers.get("x-request-id") == body["requestId"], reply


def assert_record_is_fixture(record, fixture):
    """The record is the 8x8 envelope as delivered, plus `received`."""
    assert set(record) == set(fixture) | {"received"}, sorted(record)
    for key in fixture:
        assert record[key] == fixture[key], (key, record[key], fixture[key])


@pytest.mark.parametrize("name", sorted(DOCUMENT_FIXTURES))
def test_each_document_example_posted_to_its_path_is_stored_as_one_line(start_daemon, name):
    d = start_daemon()
    path = DOCUMENT_FIXTURES[name]
    fixture = fixture_json(name)

    reply = d.post(path, fixture_bytes(name))

    assert_stored_reply(reply)
    records = d.events_lines()
    assert len(records) == 1, records
    assert_record_is_fixture(records[0], fixture)
    assert_received(records[0], reply, path)
    at = datetime.strptime(records[0]["received"]["at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    at = at.replace(tzinfo=timezone.utc)
    assert abs(datetime.now(timezone.utc) - at) < timedelta(minutes=1), at
    assert d.rejects_lines() == []


def test_every_document_example_posted_to_its_path_and_to_root_gives_one_line_per_delivery(daemon):
    sent = []
    for name, path in sorted(DOCUMENT_FIXTURES.items()):
        for target in (path, "/"):
            reply = daemon.post(target, fixture_bytes(name))
            assert_stored_reply(reply)
            sent.append((name, target, reply))

    records = daemon.events_lines()
    assert len(records) == len(sent) == 8
    ids = [reply.json()["requestId"] for _, _, reply in sent]
    assert len(set(ids)) == len(ids), f"request ids are not unique: {ids}"
    by_id = {r["received"]["requestId"]: r for r in records}
    assert set(by_id) == set(ids)
    for name, target, reply in sent:
        record = by_id[reply.json()["requestId"]]
        assert_record_is_fixture(record, fixture_json(name))
        assert_received(record, reply, target)
    assert daemon.rejects_lines() == []


def test_stored_fields_keep_8x8_names_and_values(daemon):
    for name, path in DOCUMENT_FIXTURES.items():
        assert daemon.post(path, fixture_bytes(name)).status == 200
    records = {r["payload"].get("eventId") or r["payload"]["sessionId"]: r
               for r in daemon.events_lines()}

    vcs = records["e2078079-eae8-11f0-ae64-a500004e488e"]
    assert vcs["namespace"] == "VOICE"
    assert vcs["eventType"] == "CALL_STATUS"
    assert vcs["payload"]["callStatus"] == "CALL_RECEIVED"
    assert vcs["payload"]["callDuration"] == 0
    assert vcs["payload"]["sipCode"] == 200
    assert vcs["payload"]["timestamp"] == "2026-01-06T10:17:19.375Z"

    md = records["eb0fc709-9693-11ea-454d-1705dde98182"]
    assert md["payload"]["callDirection"] == "INBOUND | OUTBOUND"  # unknown values kept
    assert md["payload"]["sourceRefId"] == "NumberRef1 | Null"
    assert md["payload"]["eventData"] == " "
    assert md["payload"]["callDuration"] == 10

    success = records["1f048a84-ea6d-11ee-911b-078f7290bf52"]
    assert success["eventType"] == "SESSION_SUMMARY"
    assert success["payload"]["sessionStatus"] == "COMPLETED"
    assert success["payload"]["details"]["callA"]["callQuality"]["mos"] == 4.5
    assert success["payload"]["details"]["callB"]["callQuality"]["jitter"] == 19
    assert list(success["payload"]["details"]) == ["callB", "callA"]  # received order kept

    failure = records["47f19e66-2163-11ee-8ccd-27b543a164ea"]
    assert failure["payload"]["sessionStatus"] == "ERROR"
    assert failure["payload"]["errorDetails"]["errorCode"] == -2005
    assert failure["payload"]["errorDetails"]["errorMsg"] == \
        "No coverage available for requested area"
    assert failure["payload"]["details"]["callA"]["callStatus"] == "ERROR"


def test_numbers_sent_as_strings_are_stored_as_numbers(daemon):
    event = fixture_json("call_status_md.json")
    event["payload"]["callDuration"] = "10"
    event["payload"]["sipCode"] = "200"
    summary = fixture_json("session_summary_failure.json")
    summary["payload"]["errorDetails"]["errorCode"] = "-2005"

    r1 = daemon.post("/status", json.dumps(event).encode())
    r2 = daemon.post("/summary", json.dumps(summary).encode())

    assert_stored_reply(r1)
    assert_stored_reply(r2)
    vcs, vss = daemon.events_lines()
    assert vcs["payload"]["callDuration"] == 10 and type(vcs["payload"]["callDuration"]) is int
    assert vcs["payload"]["sipCode"] == 200 and type(vcs["payload"]["sipCode"]) is int
    code = vss["payload"]["errorDetails"]["errorCode"]
    assert code == -2005 and type(code) is int


def test_unknown_fields_are_kept_at_every_level(daemon):
    event = fixture_json("call_status_2026.json")
    event["payload"]["carrier"] = {"name": "Singtel", "mcc": 525}
    event["payload"]["tags"] = ["a", 1, None, True]
    event["region"] = "ap-southeast-1"
    summary = fixture_json("session_summary_success.json")
    summary["payload"]["details"]["callA"]["codec"] = "PCMU"
    summary["payload"]["details"]["callA"]["callQuality"]["rFactor"] = 92.1
    summary["payload"]["recordingUrl"] = "https://example.invalid/r/1"

    assert_stored_reply(daemon.post("/status", json.dumps(event).encode()))
    assert_stored_reply(daemon.post("/summary", json.dumps(summary).encode()))

    vcs, vss = daemon.events_lines()
    assert vcs["payload"]["carrier"] == {"name": "Singtel", "mcc": 525}
    assert vcs["payload"]["tags"] == ["a", 1, None, True]
    assert vcs["region"] == "ap-southeast-1"
    assert vss["payload"]["details"]["callA"]["codec"] == "PCMU"
    assert vss["payload"]["details"]["callA"]["callQuality"]["rFactor"] == 92.1
    assert vss["payload"]["recordingUrl"] == "https://example.invalid/r/1"


def test_null_optional_fields_are_dropped(daemon):
    event = fixture_json("call_status_md.json")
    event["payload"]["sourceRefId"] = None
    event["payload"]["destinationRefId"] = None
    event["payload"]["eventData"] = None
    event["description"] = None
    summary = fixture_json("session_summary_failure.json")
    summary["payload"]["details"]["callA"]["connectedTimestamp"] = None
    summary["payload"]["endTime"] = None

    assert_stored_reply(daemon.post("/status", json.dumps(event).encode()))
    assert_stored_reply(daemon.post("/summary", json.dumps(summary).encode()))

    vcs, vss = daemon.events_lines()
    for key in ("sourceRefId", "destinationRefId", "eventData"):
        assert key not in vcs["payload"], vcs["payload"]
    assert "description" not in vcs
    assert vcs["payload"]["callId"] == "a1d6a5e3-efec-11e9-b999-7d370b5f90d1"
    assert "connectedTimestamp" not in vss["payload"]["details"]["callA"]
    assert "endTime" not in vss["payload"]


def test_root_path_dispatches_on_event_type_and_key_order_is_free(daemon):
    # payload after the envelope fields, posted to / and to the "other" path
    event = fixture_json("call_status_2026.json")
    reordered = {k: event[k] for k in ("eventType", "namespace", "description", "payload")}
    r1 = daemon.post("/", json.dumps(reordered).encode())
    r2 = daemon.post("/summary", fixture_bytes("call_status_2026.json"))

    assert_stored_reply(r1)
    assert_stored_reply(r2)
    first, second = daemon.events_lines()
    assert first["eventType"] == second["eventType"] == "CALL_STATUS"
    assert first["payload"] == second["payload"] == event["payload"]
    assert first["received"]["path"] == "/"
    assert second["received"]["path"] == "/summary"


def test_each_record_is_one_compact_line_even_with_newlines_in_values(daemon):
    event = fixture_json("call_status_md.json")
    event["payload"]["eventData"] = "line one\nline two\r\n\u2028 \"quoted\" \u00e9\U0001F4DE"
    assert_stored_reply(daemon.post("/status", json.dumps(event).encode()))
    raw = daemon.events.read_bytes()
    assert raw.count(b"\n") == 1 and raw.endswith(b"\n"), raw
    (record,) = daemon.events_lines()
    assert record["payload"]["eventData"] == event["payload"]["eventData"]


def test_the_fixtures_are_the_examples_of_the_8x8_documents():
    # Skipped where the documents are not found: they are not part of the repository.
    folder = documents_dir()
    found = examples_in_documents(folder)
    assert len(found) >= 5, f"found only {len(found)} examples in {folder}"
    assert found == document_examples(), "the documents' examples are not harness.DOCUMENT_EXAMPLES"
    assert set(DOCUMENT_FIXTURES) <= {name for _, name in DOCUMENT_EXAMPLES}


def test_every_example_in_the_8x8_documents_is_stored_unchanged(daemon):
    examples = document_examples()
    for _, obj in examples:
        reply = daemon.post("/", json.dumps(obj, ensure_ascii=False).encode())
        assert_stored_reply(reply)
    records = daemon.events_lines()
    assert len(records) == len(examples)
    for record, (doc, obj) in zip(records, examples):
        assert_record_is_fixture(record, obj)
