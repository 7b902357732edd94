"""[privacy] msisdn (docs/configuration.md): "clear" stores phone numbers as received,
"mask" keeps the country code and the last 4 digits, "hash" replaces them with a keyed HMAC
token (the same number gives the same token, so calls can still be correlated)."""

import json

import pytest

from harness import DOCUMENT_FIXTURES, fixture_bytes, fixture_json

KEY = {"CALLSINK_MSISDN_KEY": "0123456789abcdef-integration-key"}

# Every MSISDN in the success summary, by where it is.
def numbers(summary_payload):
    out = {}
    for leg, details in summary_payload["details"].items():
        for field in ("source", "destination"):
            out[f"{leg}.{field}"] = details[field]
    return out


def digits(text):
    return "".join(c for c in text if c.isdigit())


def test_clear_stores_numbers_as_received(daemon):
    assert daemon.post("/status", fixture_bytes("call_status_2026.json")).status == 200
    (record,) = daemon.events_lines()
    assert record["payload"]["source"] == "+656833033"
    assert record["payload"]["destination"] == "+94778066434"


def test_mask_keeps_the_last_4_digits_and_hides_the_rest(start_daemon):
    d = start_daemon(privacy={"msisdn": "mask"})
    assert d.post("/status", fixture_bytes("call_status_2026.json")).status == 200
    assert d.post("/summary", fixture_bytes("session_summary_success.json")).status == 200
    vcs, vss = d.events_lines()
    original = fixture_json("session_summary_success.json")["payload"]
    pairs = [(vcs["payload"]["source"], "+656833033"),
             (vcs["payload"]["destination"], "+94778066434")]
    pairs += [(numbers(vss["payload"])[k], v) for k, v in numbers(original).items()]
    for stored, clear in pairs:
        assert stored != clear, f"{clear} stored in clear with msisdn = \"mask\""
        assert stored.endswith(clear[-4:]), (stored, clear)
        assert len(digits(stored)) < len(digits(clear)) or digits(stored) != digits(clear), \
            (stored, clear)
    # nothing else changed
    assert vcs["payload"]["callId"] == "e1ff6a14-eae8-11f0-baa6-c93abb37794a"


def test_hash_replaces_numbers_with_a_stable_token(start_daemon):
    d = start_daemon(privacy={"msisdn": "hash"}, env=KEY)
    assert d.post("/summary", fixture_bytes("session_summary_success.json")).status == 200
    assert d.post("/summary", fixture_bytes("session_summary_success.json")).status == 200
    first, second = d.events_lines()
    original = numbers(fixture_json("session_summary_success.json")["payload"])
    hashed = numbers(first["payload"])
    raw = json.dumps(first)
    for clear in set(original.values()):
        assert clear not in raw and digits(clear) not in raw, \
            f"{clear} stored in clear with msisdn = \"hash\""
    # +6568332048 is callB.source and callA.destination: one number, one token
    assert original["callB.source"] == original["callA.destination"]
    assert hashed["callB.source"] == hashed["callA.destination"]
    assert hashed["callA.source"] != hashed["callB.destination"]
    assert numbers(second["payload"]) == hashed  # stable across deliveries


def test_hash_without_the_key_in_the_environment_exits_2(start_daemon):
    d = start_daemon(privacy={"msisdn": "hash", "key_env": "CALLSINK_IT_NO_SUCH_KEY"},
                     wait=False)
    assert d.wait_exit(timeout=10) == 2, d.log_text()
    assert "privacy.key_env" in d.log_text(), d.log_text()


EXAMPLES = sorted(DOCUMENT_FIXTURES)


def document_numbers():
    """Every phone number in the document examples, as the digits that must never be stored."""
    found = set()
    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif key in ("source", "destination") and isinstance(value, str):
            found.add(digits(value))
    for name in EXAMPLES:
        walk(fixture_json(name))
    return found


@pytest.mark.parametrize("policy", ["mask", "hash"])
def test_no_full_document_number_is_in_any_file_or_stream_written(start_daemon, tmp_path, policy):
    d = start_daemon(privacy={"msisdn": policy}, env=KEY,
                     sinks=[{"type": "file", "path": str(tmp_path / "events.jsonl")},
                            {"type": "stdout"}, {"type": "log"}])
    for name in EXAMPLES:
        path = "/summary" if name.startswith("session") else "/status"
        assert d.post(path, fixture_bytes(name)).status == 200
    # Rejected deliveries are stored raw, so their numbers must be scrubbed there too.
    broken = fixture_json("call_status_2026.json")
    del broken["payload"]["callId"]
    assert d.post("/status", json.dumps(broken).encode()).status == 200
    assert d.post("/status", b'not json, call +6591178965 back {"source": "6568332048"').status == 200
    bad_duration = fixture_json("call_status_2026.json")
    bad_duration["payload"]["callDuration"] = "+94778066434"
    assert d.post("/status", json.dumps(bad_duration).encode()).status == 200
    d.wait_for(lambda: d.stdout.count(b"\n") >= len(EXAMPLES), 10, "events on stdout")
    assert len(d.rejects_lines()) == 3
    d.stop()

    written = {
        "events file": (tmp_path / "events.jsonl").read_bytes(),
        "rejects file": (tmp_path / "rejects.jsonl").read_bytes(),
        "stdout": d.stdout,
        "log": d.log_text().encode(),
    }
    numbers = document_numbers() | {"6591178965", "6568332048", "94778066434"}
    for where, data in written.items():
        text = data.decode("utf-8", "replace")
        for number in numbers:
            assert number not in text, \
                f"{number} written in clear to the {where} with msisdn = {policy!r}"
