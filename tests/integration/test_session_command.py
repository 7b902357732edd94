"""`callsink session SESSION_ID --config FILE [--json]`: one session as callsink stored it, both
legs with each status in time order, then the summary. The daemon stores real deliveries (posted
out of order), stops, and the command reads them back: from the file sink's files and their
rotations, or from PostgreSQL when a postgres sink is configured; in every privacy mode the
numbers are shown as they were stored."""

from __future__ import annotations

import json
import os
import random
import subprocess

import pytest

from harness import callsink_bin, fixture_json, document_examples, toml_text

SESSION = "1f048a84-ea6d-11ee-911b-078f7290bf52"  # session_summary_success.json's
LEG_A = "1f048a83-ea6d-11ee-911b-e9023a97c284"
LEG_B = "1fbdef11-ea6d-11ee-9e30-e53b76c602ef"
KEY = {"CALLSINK_MSISDN_KEY": "0123456789abcdef-integration-key"}
PG_ENV = "CALLSINK_PG"

# Each leg's progress as 8x8 would report it, times in both of 8x8's forms (with and without
# milliseconds), so ordering them takes reading them, not comparing text.
# (eventId, callId, callStatus, timestamp, callDuration)
STATUSES = [
    ("5e5a0001-0000-4000-8000-000000000001", LEG_A, "CALL_RECEIVED", "2024-03-25T06:01:28.120Z", 0),
    ("5e5a0002-0000-4000-8000-000000000002", LEG_B, "CALL_INITIATED", "2024-03-25T06:01:30Z", 0),
    ("5e5a0003-0000-4000-8000-000000000003", LEG_A, "CALL_CONNECTED", "2024-03-25T06:01:37.050Z", 0),
    ("5e5a0004-0000-4000-8000-000000000004", LEG_B, "CALL_CONNECTED", "2024-03-25T06:01:37.100Z", 0),
    ("5e5a0005-0000-4000-8000-000000000005", LEG_A, "CALL_DISCONNECTED", "2024-03-25T06:01:50Z", 13),
    ("5e5a0006-0000-4000-8000-000000000006", LEG_B, "CALL_DISCONNECTED", "2024-03-25T06:01:50.200Z", 13),
]


# ---------------------------------------------------------------------------------------------
# Helpers


def summary_payload() -> dict:
    return fixture_json("session_summary_success.json")["payload"]


def leg_details(call_id: str) -> tuple[str, dict]:
    for name, details in summary_payload()["details"].items():
        if details["callId"] == call_id:
            return name, details
    raise KeyError(call_id)


def status_delivery(event_id, call_id, status, timestamp, duration) -> tuple[str, bytes]:
    """The 2026 CALL_STATUS example, made one of this session's legs' updates."""
    _, details = leg_details(call_id)
    event = fixture_json("call_status_2026.json")
    event["payload"].update(eventId=event_id, sessionId=SESSION, callId=call_id,
                            callStatus=status, timestamp=timestamp, callDuration=duration,
                            callDirection=details["callDirection"], source=details["source"],
                            destination=details["destination"])
    return "/status", json.dumps(event).encode()


def summary_delivery() -> tuple[str, bytes]:
    return "/summary", json.dumps(fixture_json("session_summary_success.json")).encode()


def session_deliveries(seed: int = 7) -> list[tuple[str, bytes]]:
    """The six status updates and the summary, shuffled: 8x8 does not promise order."""
    deliveries = [status_delivery(*s) for s in STATUSES] + [summary_delivery()]
    random.Random(seed).shuffle(deliveries)
    return deliveries


def post_all(daemon, deliveries):
    for path, body in deliveries:
        reply = daemon.post(path, body)
        assert reply.status == 200 and "error" not in reply.json(), reply


def run(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([callsink_bin(), *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})


def session(config, session_id=SESSION, *flags, env=None) -> subprocess.CompletedProcess:
    return run("session", session_id, "--config", str(config), *flags, env=env)


def session_json(config, session_id=SESSION, env=None) -> dict:
    out = session(config, session_id, "--json", env=env)
    assert out.returncode == 0, out
    return json.loads(out.stdout)


def files_only_config(tmp_path, events) -> os.PathLike:
    config = tmp_path / "files-only.toml"
    config.write_text(toml_text({"rejects": {"path": str(tmp_path / "rejects.jsonl")}},
                                [{"type": "file", "path": str(events)}]))
    return config


def assert_the_success_session(timeline: dict):
    """What the deliveries of session_deliveries() must read back as."""
    assert timeline["sessionId"] == SESSION
    assert [leg["callId"] for leg in timeline["legs"]] == [LEG_A, LEG_B]  # A began first
    for leg in timeline["legs"]:
        name, details = leg_details(leg["callId"])
        assert leg["leg"] == name
        expected = sorted((s for s in STATUSES if s[1] == leg["callId"]), key=lambda s: s[3])
        assert [(s["callStatus"], s["timestamp"], s["callDuration"]) for s in leg["statuses"]] \
            == [(status, at, duration) for _, _, status, at, duration in expected], leg
        assert leg["callDirection"] == details["callDirection"]
        assert leg["callStatus"] == details["callStatus"] == "COMPLETED"
        assert leg["callDuration"] == details["callDuration"]
        for key in ("initiatedTimestamp", "connectedTimestamp", "disconnectedTimestamp"):
            assert leg[key] == details[key], (key, leg)
        assert leg["callQuality"] == details["callQuality"]
    summary = timeline["summary"]
    payload = summary_payload()
    assert summary["sessionStatus"] == "COMPLETED"
    assert (summary["startTime"], summary["endTime"]) == (payload["startTime"], payload["endTime"])
    assert summary["callCount"] == 2
    assert summary["lastAction"] == "MAKE_CALL"
    assert summary["errors"] == []


# ---------------------------------------------------------------------------------------------
# The file sink


def test_help_lists_the_session_command():
    out = run("--help")
    assert out.returncode == 0, out
    assert "session" in out.stdout, out.stdout


def test_shows_both_legs_in_time_order_then_the_summary(daemon):
    post_all(daemon, session_deliveries())
    assert daemon.stop() == 0
    out = session(daemon.config_path)
    assert out.returncode == 0, out
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[0] == f"session {SESSION}: 7 events"

    def at(text):
        found = [i for i, line in enumerate(lines) if text in line]
        assert found, f"{text!r} not in:\n{out.stdout}"
        return found[0]

    # callA's block, its statuses in time order, then callB's, then the summary
    order = [at(f"callA  call {LEG_A}  INBOUND  PSTN  +12314377870 -> +6568332048"),
             at("2024-03-25T06:01:28.120Z  CALL_RECEIVED"),
             at("2024-03-25T06:01:37.050Z  CALL_CONNECTED"),
             at("2024-03-25T06:01:50Z      CALL_DISCONNECTED  13 s"),
             at(f"callB  call {LEG_B}  OUTBOUND"),
             at("2024-03-25T06:01:30Z      CALL_INITIATED"),
             at("2024-03-25T06:01:50.200Z  CALL_DISCONNECTED"),
             at("summary  COMPLETED, 2024-03-25T06:01:30Z to 2024-03-25T06:01:50Z, 2 calls, "
                "last action MAKE_CALL")]
    assert order == sorted(order), out.stdout
    assert "  outcome  COMPLETED after 13 s: initiated 2024-03-25T06:01:28Z, connected " \
           "2024-03-25T06:01:37Z, disconnected 2024-03-25T06:01:50Z" in lines
    assert "  quality  mos 4.5, packet loss 0.0, jitter 20" in lines
    assert "  quality  mos 4.5, packet loss 0.0, jitter 19" in lines


def test_json_has_each_leg_its_statuses_and_the_summary(daemon):
    post_all(daemon, session_deliveries())
    assert daemon.stop() == 0
    assert_the_success_session(session_json(daemon.config_path))
    # --config may come before the subcommand too
    out = run("--config", str(daemon.config_path), "session", SESSION, "--json")
    assert out.returncode == 0, out
    assert_the_success_session(json.loads(out.stdout))


def test_a_redelivery_counts_once(daemon):
    """The harness turns the dedupe window off, as a restart does: a repeat is stored twice."""
    deliveries = session_deliveries()
    post_all(daemon, deliveries + [status_delivery(*STATUSES[2]), summary_delivery()])
    assert daemon.stop() == 0
    assert_the_success_session(session_json(daemon.config_path))
    out = session(daemon.config_path)
    assert out.stdout.splitlines()[0] == \
        f"session {SESSION}: 7 events (and 2 redeliveries, not shown)", out.stdout


def test_the_session_reads_the_same_when_rotations_split_it(start_daemon, tmp_path):
    events = tmp_path / "rotating" / "events.jsonl"
    d = start_daemon(sinks=[{"type": "file", "path": str(events), "max_bytes": 4096}])
    deliveries = session_deliveries()
    # Another session's updates between this one's push each part into a file of its own.
    for n, part in enumerate((deliveries[:3], deliveries[3:5], deliveries[5:])):
        post_all(d, part)
        post_all(d, [("/status", json.dumps(other_session_status(100 * n + i)).encode())
                     for i in range(7)])
    assert d.stop() == 0
    holding = [f.name for f in sorted(events.parent.iterdir()) if SESSION in f.read_text()]
    assert len(holding) == 3 and "events.jsonl" not in holding, holding  # all rotated away
    assert_the_success_session(session_json(d.config_path))

    # The same deliveries in one file read the same, to the byte.
    plain = start_daemon(sinks=[{"type": "file", "path": str(tmp_path / "plain.jsonl")}])
    post_all(plain, deliveries)
    assert plain.stop() == 0
    rotated_out = session(d.config_path, SESSION, "--json")
    plain_out = session(plain.config_path, SESSION, "--json")
    assert rotated_out.stdout == plain_out.stdout
    assert session(d.config_path).stdout == session(plain.config_path).stdout


def other_session_status(i: int) -> dict:
    event = fixture_json("call_status_2026.json")
    event["payload"]["eventId"] = f"0e000000-0000-4000-8000-{i:012d}"
    return event


def test_an_unknown_session_exits_1_naming_it_and_the_files(daemon):
    post_all(daemon, session_deliveries())
    assert daemon.stop() == 0
    unknown = "00000000-0000-4000-8000-00000000dead"
    for flags in ((), ("--json",)):
        out = session(daemon.config_path, unknown, *flags)
        assert out.returncode == 1, out
        assert out.stdout == ""
        assert f"no events for session {unknown} in {daemon.events}" in out.stderr, out.stderr


def test_before_any_delivery_the_missing_file_is_no_error(start_daemon, tmp_path):
    config = files_only_config(tmp_path, tmp_path / "never" / "events.jsonl")
    out = session(config)
    assert out.returncode == 1, out
    assert f"no events for session {SESSION}" in out.stderr
    assert "no such file yet" in out.stderr, out.stderr


def test_a_configuration_without_a_sink_to_read_exits_2(tmp_path):
    config = tmp_path / "stdout-only.toml"
    config.write_text(toml_text({"rejects": {"path": str(tmp_path / "rejects.jsonl")}},
                                [{"type": "stdout", "required": True}]))
    out = session(config)
    assert out.returncode == 2, out
    assert "no file or postgres sink" in out.stderr, out.stderr


@pytest.mark.parametrize("args", [("session",), ("session", SESSION),
                                  ("session", "", "--config", "x.toml"),
                                  ("--check", "session", SESSION, "--config", "x.toml")])
def test_bad_usage_exits_2(args):
    assert run(*args).returncode == 2


def test_a_failed_session_shows_its_errors_and_recordings(daemon):
    failure = fixture_json("session_summary_failure.json")
    session_id = failure["payload"]["sessionId"]
    leg = failure["payload"]["details"]["callA"]
    status = fixture_json("call_status_2026.json")
    status["payload"].update(sessionId=session_id, callId=leg["callId"], callDirection="OUTBOUND",
                             callStatus="CALL_INITIATED", timestamp="2023-07-13T09:54:38Z")
    recording = fixture_json("call_recording_status.json")
    recording["payload"]["sessionId"] = session_id
    post_all(daemon, [("/summary", json.dumps(failure).encode()),
                      ("/recording", json.dumps(recording).encode()),
                      ("/status", json.dumps(status).encode())])
    assert daemon.stop() == 0

    timeline = session_json(daemon.config_path, session_id)
    (only_leg,) = timeline["legs"]
    assert only_leg["leg"] == "callA" and only_leg["callStatus"] == "ERROR"
    assert [s["callStatus"] for s in only_leg["statuses"]] == ["CALL_INITIATED"]
    assert timeline["summary"]["sessionStatus"] == "ERROR"
    assert timeline["summary"]["errors"] == [
        {"errorCode": -2005, "errorMsg": "No coverage available for requested area"}]
    (rec,) = timeline["recordings"]
    assert rec["recordingId"] == recording["payload"]["recordingId"]
    assert rec["status"] == "UPLOAD_COMPLETED" and rec["durationSeconds"] == 25

    text = session(daemon.config_path, session_id).stdout
    assert "summary  ERROR, 2023-07-13T09:54:38Z to 2023-07-13T09:54:38Z, 1 call, " \
           "last action PLAY_TTS" in text, text
    assert '  error  -2005 "No coverage available for requested area"' in text, text
    assert f"recording {rec['recordingId']}  UPLOAD_COMPLETED, 25 s" in text, text
    assert text.index("callA") < text.index("summary") < text.index("recording")


def test_every_document_example_reads_back(daemon):
    posted = {}
    for doc, example in document_examples():
        path = {"CALL_STATUS": "/status", "SESSION_SUMMARY": "/summary"}.get(example["eventType"])
        if path is None:
            continue
        reply = daemon.post(path, json.dumps(example).encode())
        assert reply.status == 200 and "error" not in reply.json(), (doc, reply)
        posted.setdefault(example["payload"]["sessionId"], []).append(example)
    assert posted
    assert daemon.stop() == 0
    for session_id, examples in posted.items():
        timeline = session_json(daemon.config_path, session_id)
        for example in examples:
            payload = example["payload"]
            if example["eventType"] == "SESSION_SUMMARY":
                assert timeline["summary"]["sessionStatus"] == payload["sessionStatus"]
                continue
            (leg,) = [leg for leg in timeline["legs"] if leg["callId"] == payload["callId"]]
            assert payload["callStatus"] in [s["callStatus"] for s in leg["statuses"]], timeline
        assert session(daemon.config_path, session_id).returncode == 0


def stored_numbers(record: dict) -> dict:
    return {name: (details.get("source"), details.get("destination"))
            for name, details in record["payload"]["details"].items()}


@pytest.mark.parametrize("policy", ["clear", "mask", "hash"])
def test_numbers_are_shown_as_stored_in_every_privacy_mode(start_daemon, policy):
    d = start_daemon(privacy={"msisdn": policy}, env=KEY)
    post_all(d, session_deliveries())
    assert d.stop() == 0
    (summary,) = [r for r in d.events_lines() if r["eventType"] == "SESSION_SUMMARY"]
    stored = stored_numbers(summary)
    clear = {name: (details["source"], details["destination"])
             for name, details in summary_payload()["details"].items()}
    assert (stored == clear) == (policy == "clear"), stored

    timeline = session_json(d.config_path, env=KEY)  # the configuration is loaded whole
    assert {leg["leg"]: (leg["source"], leg["destination"]) for leg in timeline["legs"]} == stored
    for status in (r for r in d.events_lines() if r["eventType"] == "CALL_STATUS"):
        assert status["payload"]["source"] in {n for pair in stored.values() for n in pair}
    text = session(d.config_path, env=KEY).stdout
    for name, (source, destination) in stored.items():
        assert f"{source} -> {destination}" in text, text
    if policy != "clear":
        for number in {n for pair in clear.values() for n in pair}:
            assert number.lstrip("+") not in text, f"{number} shown in clear under {policy}"


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def test_the_timeline_over_postgres_equals_the_timeline_over_files(start_daemon, postgres,
                                                                  tmp_path):
    from postgres_server import PASSWORD

    env = {PG_ENV: postgres.conninfo()}
    events = tmp_path / "events.jsonl"
    d = start_daemon(sinks=[{"type": "postgres", "conninfo_env": PG_ENV},
                            {"type": "file", "path": str(events)}], env=env)
    recording = fixture_json("call_recording_status.json")
    recording["payload"]["sessionId"] = SESSION
    post_all(d, session_deliveries() + [("/recording", json.dumps(recording).encode()),
                                        status_delivery(*STATUSES[0])])  # and a redelivery
    assert d.stop() == 0

    over_postgres = session(d.config_path, SESSION, "--json", env=env)  # both sinks: postgres
    over_files = session(files_only_config(tmp_path, events), SESSION, "--json")
    assert over_postgres.returncode == 0 and over_files.returncode == 0, (over_postgres,
                                                                          over_files)
    assert_the_success_session(json.loads(over_postgres.stdout))
    assert over_postgres.stdout == over_files.stdout

    unknown = "00000000-0000-4000-8000-00000000dead"
    missing = session(d.config_path, unknown, env=env)
    assert missing.returncode == 1, missing
    assert f"no events for session {unknown} in PostgreSQL 127.0.0.1:{postgres.port}/" \
           f"{postgres.db}" in missing.stderr, missing.stderr
    for out in (over_postgres, missing):
        assert PASSWORD not in out.stdout + out.stderr


def test_an_unreachable_database_exits_1_without_its_password(tmp_path, postgres):
    from postgres_server import PASSWORD

    config = tmp_path / "pg.toml"
    config.write_text(toml_text({"rejects": {"path": str(tmp_path / "rejects.jsonl")}},
                                [{"type": "postgres", "conninfo_env": PG_ENV}]))
    wrong = postgres.conninfo(password=PASSWORD + "-wrong")
    out = session(config, env={PG_ENV: wrong})
    assert out.returncode == 1, out
    assert "cannot connect to PostgreSQL" in out.stderr, out.stderr
    assert PASSWORD not in out.stdout + out.stderr
