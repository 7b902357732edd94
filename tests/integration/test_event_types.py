"""VIRTUAL_NUMBER_UPDATE (8x8 webhook "VNU", POST /numbers) and CALL_RECORDING_STATUS ("VRU",
POST /recording), both also on the dispatching POST /, against the real binary over real sockets
(docs/events.md, the README's replies table, docs/records.md).

- Each fixture is stored as one event whose record is the delivery with numbers and booleans
  normalised, nulls dropped and unknown members kept; the type is decided by `eventType`.
- Every fixture in tests/data/rejections/ is answered 200 and stored raw in the rejects file with
  the error.code and error.field of tests/data/rejections/expected.json.
- Redeliveries: a VNU has no event id, so a delivery whose stored payload is byte-identical to
  one already stored is a redelivery; a VRU is keyed on recordingId + status.
- [privacy] msisdn = "mask" / "hash" protect virtualNumbers[].msisdn like any phone number.
- The log sink's line, the metrics, 405 on GET, the 404 body, the unlisted-value notes.
"""

from __future__ import annotations

import json
import re

import pytest

from harness import (DATA_DIR, RFC3339_MS_UTC, assert_received, b64decode, fixture_bytes,
                     fixture_json)

VNU = "VIRTUAL_NUMBER_UPDATE"
VRU = "CALL_RECORDING_STATUS"
PATH_OF = {VNU: "/numbers", VRU: "/recording"}
DELIVERY_PATHS = ("/status", "/summary", "/numbers", "/recording")
KEY = {"CALLSINK_MSISDN_KEY": "0123456789abcdef-integration-key"}
DEDUPE = {"dedupe_window": 1000}

# The lenient fixtures as callsink must store them: numbers and booleans sent as strings written
# as numbers and booleans, null members left out, unknown members kept (envelope and payload).
LENIENT_VNU = {
    "namespace": "VOICE",
    "eventType": VNU,
    "payload": {
        "subAccountId": "MySubAccount",
        "totalNumbers": 3,
        "updateEventType": "SNAPSHOT",
        "virtualNumbers": [
            {
                "msisdn": "+6591178965",
                "updatedTimestamp": "2026-11-30T23:59:59Z",
                "countryCode": "SG",
                "operationalStatus": "Unhealthy",
                "rentalPrice": 5.0,
                "incomingRate": 0.05,
                "billingUnit": 60,
                "billingCurrency": "USD",
                "numberHealthCheckEnabled": True,
                "updateStatus": "NO_CHANGE",
                "healthScore": 0.42,
            },
            {
                "msisdn": "+6568332048",
                "operationalStatus": "Expiring",
            },
            {
                "msisdn": "+12314377870",
                "operationalStatus": "Inactive",
                "numberHealthCheckEnabled": False,
                "updateStatus": "UPDATED",
            },
        ],
        "region": "APAC",
    },
    "webhookVersion": 2,
}

LENIENT_VRU = {
    "namespace": "VOICE",
    "eventType": VRU,
    "payload": {
        "sessionId": "e35e3d0e-065a-11ec-b119-676cb2bc33ef",
        "recordingId": "eef54fc2-065a-11ec-bce9-ed1000154399",
        "durationSeconds": 25,
        "status": "UPLOAD_FAILED",
        "errorMessage": "SFTP login refused",
    },
}

# fixture -> (the record callsink must store, minus `received`)
FIXTURES = {
    "virtual_number_update.json": fixture_json("virtual_number_update.json"),
    "virtual_number_update_lenient.json": LENIENT_VNU,
    "virtual_number_update_empty_snapshot.json":
        fixture_json("virtual_number_update_empty_snapshot.json"),
    "virtual_number_update_unknown_values.json":
        fixture_json("virtual_number_update_unknown_values.json"),
    "call_recording_status.json": fixture_json("call_recording_status.json"),
    "call_recording_status_lenient.json": LENIENT_VRU,
    "call_recording_status_unknown_status.json":
        fixture_json("call_recording_status_unknown_status.json"),
}

REJECTIONS_DIR = DATA_DIR / "rejections"
EXPECTED_REJECTIONS = {name: tuple(value) for name, value in
                       json.loads((REJECTIONS_DIR / "expected.json").read_text()).items()
                       if not name.startswith("_")}


# ---------------------------------------------------------------------------------------------
# Helpers


def path_for(name: str) -> str:
    return "/numbers" if name.startswith("virtual_number_update") else "/recording"


def assert_same_json(actual, expected, where="record"):
    """Parsed-JSON equality that tells booleans from numbers (False == 0 in Python) and strings
    from numbers; an integer must stay an integer, a fraction may be written either way (5.0/5)."""
    if isinstance(expected, bool):
        assert isinstance(actual, bool) and actual is expected, (where, actual, expected)
    elif isinstance(expected, int):
        assert type(actual) is int and actual == expected, (where, actual, expected)
    elif isinstance(expected, float):
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool) \
            and actual == expected, (where, actual, expected)
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), (where, actual)
        assert set(actual) == set(expected), \
            (where, "members differ", sorted(set(actual) ^ set(expected)))
        for key in expected:
            assert_same_json(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), (where, actual)
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same_json(a, e, f"{where}[{i}]")
    else:
        assert type(actual) is type(expected) and actual == expected, (where, actual, expected)


def assert_record(record: dict, expected: dict):
    assert "received" in record, record
    assert_same_json({k: v for k, v in record.items() if k != "received"}, expected)


def assert_stored_reply(reply, where="events"):
    assert reply.status == 200, reply
    assert reply.headers.get("content-type", "").startswith("application/json"), reply
    body = reply.json()
    assert body["stored"] == where, body
    assert body["requestId"] == reply.headers.get("x-request-id"), reply
    assert ("error" in body) == (where == "rejects"), body


def log_field(text: str) -> str:
    """A regex for `text` as the daemon's log writes a field path or value: as is, or quoted as
    a JSON string when it holds characters outside a plain set (a path with [1] is quoted)."""
    return f"(?:{re.escape(text)}|{re.escape(json.dumps(text))})"


def by_request_id(records: list[dict], reply) -> dict:
    request_id = reply.headers["x-request-id"]
    found = [r for r in records if r["received"]["requestId"] == request_id]
    assert len(found) == 1, (request_id, records)
    return found[0]


def metric(text: str, name: str, event_type: str) -> float:
    m = re.search(rf'(?m)^{re.escape(name)}\{{event_type="{event_type}"\}} (\S+)$', text)
    assert m, f'{name}{{event_type="{event_type}"}} is not in /metrics:\n{text}'
    return float(m.group(1))


def metrics_text(d) -> str:
    reply = d.get("/metrics")
    assert reply.status == 200, reply
    return reply.body.decode()


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def runs_of_7(number: str) -> set[str]:
    d = digits(number)
    return {d[i:i + 7] for i in range(len(d) - 6)}


def msisdns(record_or_fixture: dict) -> list[str]:
    return [n["msisdn"] for n in record_or_fixture["payload"]["virtualNumbers"]]


# ---------------------------------------------------------------------------------------------
# Valid deliveries


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_fixture_posted_to_its_path_and_to_root_is_stored_normalised(start_daemon, name):
    d = start_daemon()
    sent = []
    for path in (path_for(name), "/"):
        reply = d.post(path, fixture_bytes(name))
        assert_stored_reply(reply)
        sent.append((path, reply))

    records = d.events_lines()
    assert len(records) == 2, records
    for path, reply in sent:
        record = by_request_id(records, reply)
        assert_record(record, FIXTURES[name])
        assert_received(record, reply, path)
    assert d.rejects_lines() == []


def test_the_lenient_fixtures_normalise_strings_nulls_and_keep_unknown_members(daemon):
    r1 = daemon.post("/numbers", fixture_bytes("virtual_number_update_lenient.json"))
    r2 = daemon.post("/recording", fixture_bytes("call_recording_status_lenient.json"))
    assert_stored_reply(r1)
    assert_stored_reply(r2)
    vnu, vru = daemon.events_lines()

    first, second, third = vnu["payload"]["virtualNumbers"]
    assert vnu["payload"]["totalNumbers"] == 3 and type(vnu["payload"]["totalNumbers"]) is int
    assert first["rentalPrice"] == 5.0 and type(first["rentalPrice"]) in (int, float)
    assert first["incomingRate"] == 0.05 and type(first["incomingRate"]) is float
    assert first["billingUnit"] == 60 and type(first["billingUnit"]) is int
    assert first["numberHealthCheckEnabled"] is True
    assert third["numberHealthCheckEnabled"] is False
    assert "referenceId" not in first, first                       # null dropped
    assert first["healthScore"] == 0.42                            # unknown member kept
    assert set(second) == {"msisdn", "operationalStatus"}, second  # every null dropped
    assert vnu["payload"]["region"] == "APAC"                      # unknown payload member
    assert vnu["webhookVersion"] == 2                              # unknown envelope member
    assert "description" not in vnu                                # null envelope member

    assert vru["payload"]["durationSeconds"] == 25 and type(vru["payload"]["durationSeconds"]) is int
    assert "filePath" not in vru["payload"], vru
    assert vru["payload"]["errorMessage"] == "SFTP login refused"
    assert "description" not in vru


def test_records_put_envelope_then_payload_with_known_fields_in_table_order(daemon):
    """docs/records.md: envelope members first, then payload, then unknown envelope members, then
    received; in payload the known fields in the documented order, then unknown ones. The
    lenient fixtures send payload first and the known fields shuffled."""
    assert daemon.post("/numbers", fixture_bytes("virtual_number_update_lenient.json")).status == 200
    assert daemon.post("/recording",
                       fixture_bytes("call_recording_status_lenient.json")).status == 200
    raw_vnu, raw_vru = daemon.events.read_bytes().decode().splitlines()
    vnu, vru = json.loads(raw_vnu), json.loads(raw_vru)  # dicts keep the order on disk

    assert list(vnu) == ["namespace", "eventType", "payload", "webhookVersion", "received"], vnu
    assert list(vnu["payload"]) == ["subAccountId", "totalNumbers", "updateEventType",
                                    "virtualNumbers", "region"], vnu["payload"]
    assert list(vnu["payload"]["virtualNumbers"][0]) == [
        "msisdn", "updatedTimestamp", "countryCode", "operationalStatus", "rentalPrice",
        "incomingRate", "billingUnit", "billingCurrency", "numberHealthCheckEnabled",
        "updateStatus", "healthScore"], vnu["payload"]["virtualNumbers"][0]
    assert list(vru) == ["namespace", "eventType", "payload", "received"], vru
    assert list(vru["payload"]) == ["sessionId", "recordingId", "durationSeconds", "status",
                                    "errorMessage"], vru["payload"]


def test_event_type_decides_not_the_path(daemon):
    sent = [
        ("/status", "virtual_number_update.json", VNU),
        ("/summary", "virtual_number_update.json", VNU),
        ("/recording", "virtual_number_update.json", VNU),
        ("/status", "call_recording_status.json", VRU),
        ("/numbers", "call_recording_status.json", VRU),
        ("/numbers", "call_status_2026.json", "CALL_STATUS"),
        ("/recording", "session_summary_success.json", "SESSION_SUMMARY"),
    ]
    replies = []
    for path, name, _ in sent:
        reply = daemon.post(path, fixture_bytes(name))
        assert_stored_reply(reply)
        replies.append(reply)
    records = daemon.events_lines()
    assert len(records) == len(sent)
    for (path, name, event_type), reply in zip(sent, replies):
        record = by_request_id(records, reply)
        assert record["eventType"] == event_type, (path, name, record)
        assert_received(record, reply, path)
        if name in FIXTURES:
            assert_record(record, FIXTURES[name])
    assert daemon.rejects_lines() == []


# ---------------------------------------------------------------------------------------------
# Rejections


def test_expected_json_covers_every_rejection_fixture():
    files = {p.name for p in REJECTIONS_DIR.glob("*.json") if p.name != "expected.json"}
    assert files == set(EXPECTED_REJECTIONS), sorted(files ^ set(EXPECTED_REJECTIONS))


@pytest.mark.parametrize("name", sorted(EXPECTED_REJECTIONS))
def test_each_rejection_fixture_is_answered_200_and_kept_with_its_code_and_field(start_daemon,
                                                                                 name):
    code, field = EXPECTED_REJECTIONS[name]
    body = (REJECTIONS_DIR / name).read_bytes()
    d = start_daemon()

    for path in (path_for(name), "/"):
        reply = d.post(path, body)
        assert reply.status == 200, reply
        answer = reply.json()
        assert answer["stored"] == "rejects", (path, answer)
        assert answer["requestId"] == reply.headers.get("x-request-id"), reply
        assert answer["error"]["code"] == code, (path, answer)
        assert answer["error"]["field"] == field, (path, answer)
        assert isinstance(answer["error"]["message"], str) and answer["error"]["message"]

        record = by_request_id(d.rejects_lines(), reply)
        assert set(record) in ({"received", "error", "body"},
                               {"received", "error", "body_base64"}), record
        assert RFC3339_MS_UTC.match(record["received"]["at"]), record
        assert record["received"]["path"] == path, record
        assert record["received"]["remote"] == "127.0.0.1", record
        assert record["error"]["code"] == code, record["error"]
        assert record["error"]["field"] == field, record["error"]
        assert record["error"]["message"], record["error"]
        stored = (record["body"].encode() if "body" in record
                  else b64decode(record["body_base64"]))
        assert stored == body, "the rejects file does not keep the raw body"
        d.wait_for_log(rf"rejected delivery: code={code} field={log_field(field)} "
                       rf"request={reply.headers['x-request-id']} ")

    assert d.events_lines() == []
    assert len(d.rejects_lines()) == 2


# ---------------------------------------------------------------------------------------------
# Redeliveries


def test_an_identical_vnu_is_stored_once_and_one_that_differs_is_stored_again(start_daemon):
    d = start_daemon(delivery=DEDUPE)
    body = fixture_bytes("virtual_number_update.json")
    for path in ("/numbers", "/numbers", "/"):
        reply = d.post(path, body)
        assert reply.status == 200, (path, reply)
    assert len(d.events_lines()) == 1, d.events_lines()

    # The same event, serialised differently (compact, other key order): the stored payload is
    # the same bytes, so it is the same redelivery.
    event = fixture_json("virtual_number_update.json")
    reordered = {"payload": event["payload"], **{k: v for k, v in event.items() if k != "payload"}}
    reply = d.post("/numbers", json.dumps(reordered, separators=(",", ":")).encode())
    assert reply.status == 200, reply
    assert len(d.events_lines()) == 1, d.events_lines()

    # One field differs: another update.
    changed = fixture_json("virtual_number_update.json")
    changed["payload"]["virtualNumbers"][1]["updatedTimestamp"] = "2023-04-11T09:34:18.781Z"
    for _ in range(2):
        assert d.post("/numbers", json.dumps(changed).encode()).status == 200
    other_status = fixture_json("virtual_number_update.json")
    other_status["payload"]["virtualNumbers"][0]["operationalStatus"] = "Unhealthy"
    assert d.post("/numbers", json.dumps(other_status).encode()).status == 200

    records = d.events_lines()
    assert len(records) == 3, records
    assert_record(records[0], fixture_json("virtual_number_update.json"))
    assert_record(records[1], changed)
    assert_record(records[2], other_status)
    text = metrics_text(d)
    assert metric(text, "callsink_events_total", VNU) == 3, text
    assert metric(text, "callsink_duplicates_total", VNU) == 4, text


def test_a_vru_is_a_redelivery_by_recording_id_and_status(start_daemon):
    d = start_daemon(delivery=DEDUPE)
    body = fixture_bytes("call_recording_status.json")
    for path in ("/recording", "/recording", "/"):
        assert d.post(path, body).status == 200
    # The same recordingId and status with other details: still the same event.
    same_key = fixture_json("call_recording_status.json")
    same_key["payload"]["durationSeconds"] = 26
    assert d.post("/recording", json.dumps(same_key).encode()).status == 200
    assert len(d.events_lines()) == 1, d.events_lines()

    # The same recording with another status is a new event (and its redelivery is not).
    failed = fixture_json("call_recording_status.json")
    failed["payload"]["status"] = "UPLOAD_FAILED"
    for _ in range(2):
        assert d.post("/recording", json.dumps(failed).encode()).status == 200
    # Another recording with the first status: a new event too.
    other = fixture_json("call_recording_status.json")
    other["payload"]["recordingId"] = "eef54fc2-065a-11ec-bce9-ed1000154346"
    assert d.post("/recording", json.dumps(other).encode()).status == 200

    records = d.events_lines()
    assert [(r["payload"]["recordingId"], r["payload"]["status"]) for r in records] == [
        ("eef54fc2-065a-11ec-bce9-ed1000154345", "UPLOAD_COMPLETED"),
        ("eef54fc2-065a-11ec-bce9-ed1000154345", "UPLOAD_FAILED"),
        ("eef54fc2-065a-11ec-bce9-ed1000154346", "UPLOAD_COMPLETED"),
    ], records
    assert_record(records[0], fixture_json("call_recording_status.json"))
    text = metrics_text(d)
    assert metric(text, "callsink_events_total", VRU) == 3, text
    assert metric(text, "callsink_duplicates_total", VRU) == 4, text


# ---------------------------------------------------------------------------------------------
# Privacy


VNU_WITH_NUMBERS = ["virtual_number_update.json", "virtual_number_update_lenient.json",
                    "virtual_number_update_unknown_values.json"]


def original_msisdns() -> set[str]:
    return {n for name in VNU_WITH_NUMBERS for n in msisdns(fixture_json(name))}


@pytest.mark.parametrize("policy", ["mask", "hash"])
def test_virtual_numbers_are_protected_and_nothing_else_changes(start_daemon, tmp_path, policy):
    d = start_daemon(privacy={"msisdn": policy}, env=KEY,
                     sinks=[{"type": "file", "path": str(tmp_path / "events.jsonl")},
                            {"type": "stdout"}, {"type": "log"}])
    sent = VNU_WITH_NUMBERS + ["call_recording_status.json", "call_recording_status_lenient.json"]
    for name in sent:
        assert_stored_reply(d.post(path_for(name), fixture_bytes(name)))
    # A rejected VNU is stored raw: its numbers must be scrubbed there too.
    rejected = (REJECTIONS_DIR / "virtual_number_update_bad_timestamp.json").read_bytes()
    assert_stored_reply(d.post("/numbers", rejected), "rejects")
    d.wait_for(lambda: d.stdout.count(b"\n") >= len(sent), 10, "events on stdout")
    assert len(d.rejects_lines()) == 1

    records = dict(zip(sent, d.events_lines()))
    for name in VNU_WITH_NUMBERS:
        record, fixture = records[name], FIXTURES[name]
        for stored, clear in zip(msisdns(record), msisdns(fixture)):
            assert stored != clear, f"{clear} stored in clear with msisdn = {policy!r}"
            if policy == "mask":
                assert stored.endswith(clear[-4:]), (stored, clear)
                country = "+1" if clear.startswith("+1") else "+65"
                assert stored.startswith(country), (stored, clear)
        # Everything but the msisdns is as in clear mode.
        expected = json.loads(json.dumps(fixture))
        for number, protected in zip(expected["payload"]["virtualNumbers"],
                                     msisdns(record)):
            number["msisdn"] = protected
        assert_record(record, expected)
    # Recordings carry no phone number: stored exactly as in clear mode, ids and paths included.
    assert_record(records["call_recording_status.json"], FIXTURES["call_recording_status.json"])
    assert_record(records["call_recording_status_lenient.json"], LENIENT_VRU)

    # One number, one protected value: +65123456789 is in two updates, and +6568332048 is also
    # callB.source of the session summary, whose legs are protected the same way.
    example = msisdns(records["virtual_number_update.json"])
    unknown = msisdns(records["virtual_number_update_unknown_values.json"])
    assert example[0] == unknown[0]
    assert example[0] != example[1]
    if policy == "hash":
        assert_stored_reply(d.post("/summary", fixture_bytes("session_summary_success.json")))
        summary = d.events_lines()[-1]
        lenient = msisdns(records["virtual_number_update_lenient.json"])
        assert summary["payload"]["details"]["callB"]["source"] == lenient[1], \
            (summary["payload"]["details"]["callB"], lenient)

    d.stop()
    written = {
        "events file": (tmp_path / "events.jsonl").read_bytes(),
        "rejects file": (tmp_path / "rejects.jsonl").read_bytes(),
        "stdout": d.stdout,
        "log": d.log_text().encode(),
    }
    runs = set().union(*(runs_of_7(n) for n in original_msisdns()))
    for where, data in written.items():
        text = data.decode("utf-8", "replace")
        for run in sorted(runs):
            assert run not in text, \
                f"{run} (7 digits of a virtual number) written to the {where} with {policy!r}"


# ---------------------------------------------------------------------------------------------
# Log lines, metrics, routes


def test_the_log_sink_writes_one_line_per_vnu_and_vru(start_daemon, tmp_path):
    d = start_daemon(sinks=[{"type": "file", "path": str(tmp_path / "events.jsonl")},
                            {"type": "log"}])
    assert_stored_reply(d.post("/numbers", fixture_bytes("virtual_number_update.json")))
    assert_stored_reply(d.post("/", fixture_bytes("virtual_number_update_lenient.json")))
    assert_stored_reply(d.post("/recording", fixture_bytes("call_recording_status.json")))
    assert_stored_reply(d.post("/recording", fixture_bytes("call_recording_status_lenient.json")))
    bad = (REJECTIONS_DIR / "call_recording_status_missing_status.json").read_bytes()
    assert_stored_reply(d.post("/recording", bad), "rejects")  # a rejection is not an event

    vnu = d.wait_for_log(rf" event {VNU} ", count=2)
    assert [line.split(" info ", 1)[1] for line in vnu] == [
        f"event {VNU} subaccount=MySubAccount update=UPDATES",
        f"event {VNU} subaccount=MySubAccount update=SNAPSHOT",
    ], vnu
    vru = d.wait_for_log(rf" event {VRU} ", count=2)
    assert [line.split(" info ", 1)[1] for line in vru] == [
        f"event {VRU} session=e35e3d0e-065a-11ec-b119-676cb2bc33ef "
        "recording=eef54fc2-065a-11ec-bce9-ed1000154345 status=UPLOAD_COMPLETED",
        f"event {VRU} session=e35e3d0e-065a-11ec-b119-676cb2bc33ef "
        "recording=eef54fc2-065a-11ec-bce9-ed1000154399 status=UPLOAD_FAILED",
    ], vru
    d.wait_for_log(r"rejected delivery: code=missing_field field=payload\.status ")
    assert len([line for line in d.log if " event " in line]) == 4, d.log_text()


def test_metrics_count_stored_events_and_duplicates_per_type(start_daemon):
    d = start_daemon(delivery=DEDUPE)
    for name in ("virtual_number_update.json", "virtual_number_update_empty_snapshot.json",
                 "virtual_number_update.json",                      # a redelivery
                 "call_recording_status.json", "call_recording_status.json",  # a redelivery
                 "call_recording_status_lenient.json", "call_recording_status.json"):
        assert_stored_reply(d.post(path_for(name), fixture_bytes(name)))
    rejected = (REJECTIONS_DIR / "virtual_number_update_missing_msisdn.json").read_bytes()
    assert_stored_reply(d.post("/numbers", rejected), "rejects")  # not an event

    assert len(d.events_lines()) == 4
    text = metrics_text(d)
    assert metric(text, "callsink_events_total", VNU) == 2, text
    assert metric(text, "callsink_events_total", VRU) == 2, text
    assert metric(text, "callsink_duplicates_total", VNU) == 1, text
    assert metric(text, "callsink_duplicates_total", VRU) == 2, text
    assert metric(text, "callsink_events_total", "CALL_STATUS") == 0, text
    assert re.search(r'(?m)^callsink_rejects_total\{code="missing_field"\} 1$', text), text


def test_get_on_numbers_and_recording_answers_405_with_allow_post(daemon):
    for path in ("/numbers", "/recording"):
        for method in ("GET", "PUT", "DELETE"):
            reply = daemon.request(method, path, b"{}" if method == "PUT" else None)
            assert reply.status == 405, (method, path, reply)
            assert reply.headers.get("allow") == "POST", (method, path, reply)
    assert daemon.events_lines() == [] and daemon.rejects_lines() == []


def test_an_unknown_path_answers_404_naming_every_delivery_path(daemon):
    for method, path in (("GET", "/nope"), ("POST", "/number"), ("POST", "/numbers/x"),
                         ("POST", "/recordings")):
        reply = daemon.request(method, path, fixture_bytes("virtual_number_update.json")
                               if method == "POST" else None)
        assert reply.status == 404, (method, path, reply)
        message = json.dumps(reply.json())
        for delivery_path in DELIVERY_PATHS:
            assert re.search(rf"{re.escape(delivery_path)}\b", message), \
                (delivery_path, message)
        assert re.search(r"POST /(?![a-z])", message), message
    assert daemon.events_lines() == [] and daemon.rejects_lines() == []


def test_values_outside_the_documented_lists_are_kept_and_noted(daemon):
    r1 = daemon.post("/numbers", fixture_bytes("virtual_number_update_unknown_values.json"))
    r2 = daemon.post("/recording", fixture_bytes("call_recording_status_unknown_status.json"))
    assert_stored_reply(r1)
    assert_stored_reply(r2)
    vnu, vru = daemon.events_lines()
    assert vnu["payload"]["updateEventType"] == "DELTA"
    assert vnu["payload"]["virtualNumbers"][0]["operationalStatus"] == "Suspended"
    assert vnu["payload"]["virtualNumbers"][0]["updateStatus"] == "REMOVED"
    assert vru["payload"]["status"] == "ARCHIVED"

    vnu_id, vru_id = r1.headers["x-request-id"], r2.headers["x-request-id"]
    # The documented format, unquoted where nothing needs quoting:
    daemon.wait_for_log(rf" info unlisted value kept: payload\.updateEventType=DELTA "
                        rf"request={vnu_id}$")
    for field, value in (("payload.virtualNumbers[0].operationalStatus", "Suspended"),
                         ("payload.virtualNumbers[0].updateStatus", "REMOVED")):
        daemon.wait_for_log(rf" info unlisted value kept: {log_field(field)}={value} "
                            rf"request={vnu_id}$")
    daemon.wait_for_log(rf" info unlisted value kept: payload\.status=ARCHIVED request={vru_id}$")
    notes = [line for line in daemon.log if "unlisted value" in line]
    assert len(notes) == 4, notes
    assert metric_plain(metrics_text(daemon), "callsink_unlisted_values_total") == 4


def test_documented_values_are_not_noted(daemon):
    for name in ("virtual_number_update.json", "virtual_number_update_lenient.json",
                 "virtual_number_update_empty_snapshot.json", "call_recording_status.json",
                 "call_recording_status_lenient.json"):
        assert_stored_reply(daemon.post(path_for(name), fixture_bytes(name)))
    # Then one unlisted value, whose note shows every earlier line has been read from stderr.
    last = daemon.post("/recording", fixture_bytes("call_recording_status_unknown_status.json"))
    assert_stored_reply(last)
    daemon.wait_for_log(rf"unlisted value kept: payload\.status=ARCHIVED request="
                        rf"{last.headers['x-request-id']}$")
    assert len(daemon.events_lines()) == 6
    notes = [line for line in daemon.log if "unlisted value" in line]
    assert len(notes) == 1, notes


def metric_plain(text: str, name: str) -> float:
    m = re.search(rf"(?m)^{re.escape(name)}(?:\{{\}})? (\S+)$", text)
    assert m, f"{name} is not in /metrics:\n{text}"
    return float(m.group(1))
