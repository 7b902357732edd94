"""[privacy] msisdn (DESIGN.md, "Configuration"): "clear" stores phone numbers as received,
"mask" keeps the country code and the last 4 digits, "hash" replaces them with a keyed HMAC
token (the same number gives the same token, so calls can still be correlated)."""

import json

from harness import fixture_bytes, fixture_json

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
