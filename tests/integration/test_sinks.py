"""The log and stdout sinks, alone and next to a file sink."""

import json

from harness import DOCUMENT_FIXTURES, call_status_body, fixture_bytes, fixture_json


def test_the_log_sink_writes_one_line_per_event(start_daemon, tmp_path):
    d = start_daemon(sinks=[{"type": "file", "path": str(tmp_path / "events.jsonl")},
                            {"type": "log"}])
    assert d.post("/status", fixture_bytes("call_status_2026.json")).status == 200
    assert d.post("/summary", fixture_bytes("session_summary_success.json")).status == 200
    assert d.post("/status", b"not json").status == 200  # a rejection is not an event

    (vcs,) = d.wait_for_log(r" event CALL_STATUS ")
    assert vcs.split(" info ", 1)[1] == (
        "event CALL_STATUS session=e1ff6a15-eae8-11f0-baa6-c147150ab00e "
        "call=e1ff6a14-eae8-11f0-baa6-c93abb37794a status=CALL_RECEIVED direction=INBOUND"), vcs
    (vss,) = d.wait_for_log(r" event SESSION_SUMMARY ")
    assert "session=1f048a84-ea6d-11ee-911b-078f7290bf52" in vss, vss
    assert "status=COMPLETED" in vss, vss
    assert len([line for line in d.log if " event " in line]) == 2, d.log_text()


def test_the_log_sink_quotes_values_with_spaces_and_newlines(start_daemon):
    d = start_daemon(sinks=[{"type": "log", "required": True}])
    event = fixture_json("call_status_md.json")
    event["payload"]["callStatus"] = "NO ANSWER\nfake 2026-01-01T00:00:00.000Z info forged"
    reply = d.post("/status", json.dumps(event).encode())
    assert reply.status == 200, reply
    (line,) = d.wait_for_log(r" event CALL_STATUS ")
    assert 'status="NO ANSWER\\nfake' in line, line
    assert 'direction="INBOUND | OUTBOUND"' in line, line
    assert not any(l.startswith("fake ") for l in d.log), d.log_text()


def test_the_stdout_sink_carries_the_same_json_lines_as_the_file(start_daemon, tmp_path):
    d = start_daemon(sinks=[{"type": "file", "path": str(tmp_path / "events.jsonl")},
                            {"type": "stdout"}])
    for name, path in sorted(DOCUMENT_FIXTURES.items()):
        assert d.post(path, fixture_bytes(name)).status == 200
    assert d.post("/status", b"[1,2]").status == 200  # rejects do not go to event sinks

    lines = d.wait_for_stdout_lines(4)
    assert len(lines) == 4
    assert d.events.read_bytes() == b"".join(line + b"\n" for line in lines)
    for line, (name, _) in zip(lines, sorted(DOCUMENT_FIXTURES.items())):
        record = json.loads(line)
        assert record["payload"] == fixture_json(name)["payload"]


def test_a_required_stdout_sink_alone_is_enough(start_daemon):
    d = start_daemon(sinks=[{"type": "stdout", "required": True}])
    reply = d.post("/status", fixture_bytes("call_status_2026.json"))
    assert reply.status == 200, reply
    (line,) = d.wait_for_stdout_lines(1)
    record = json.loads(line)
    assert record["received"]["requestId"] == reply.headers["x-request-id"]
    assert record["payload"]["callStatus"] == "CALL_RECEIVED"


def test_json_log_format_writes_one_json_object_per_line(start_daemon, tmp_path):
    d = start_daemon(log={"format": "json"},
                     sinks=[{"type": "file", "path": str(tmp_path / "events.jsonl")},
                            {"type": "log"}])
    assert d.post("/status", fixture_bytes("call_status_2026.json")).status == 200
    d.wait_for_log(r"event CALL_STATUS")
    for line in d.log:
        entry = json.loads(line)
        assert set(entry) == {"time", "level", "message"}, entry
    messages = [json.loads(line)["message"] for line in d.log]
    assert any(m.startswith("listening on 127.0.0.1:") for m in messages), messages


def test_a_stdout_reader_that_goes_away_does_not_kill_the_daemon(start_daemon, tmp_path):
    # `callsink | some-shipper` and the shipper dies: stdout is a best-effort sink, so its
    # failure is logged and deliveries are still stored in the file and answered 200.
    d = start_daemon(sinks=[{"type": "file", "path": str(tmp_path / "events.jsonl")},
                            {"type": "stdout"}], drain_stdout=False)
    d.proc.stdout.close()  # the reading end of the daemon's stdout is gone
    for i in range(2):
        try:
            reply = d.post("/status", call_status_body(f"epipe-{i}"))
        except (ConnectionError, OSError) as e:
            code = d.wait_exit(timeout=5) if d.proc.poll() is None else d.proc.returncode
            d.exit_expected = True  # reported here, not again at teardown
            raise AssertionError(
                f"no reply ({e!r}); callsink exited with status {code} (-13 is SIGPIPE) "
                "without a log line; stderr:\n" + d.log_text())
        assert reply.status == 200, reply
    assert d.proc.poll() is None, f"callsink died with {d.proc.returncode}"
    assert [r["payload"]["eventId"] for r in d.events_lines()] == ["epipe-0", "epipe-1"]
    # Seen with the next delivery, or by the writer's idle check (every 5 s) when the buffer's
    # thread failed after the last one.
    d.wait_for_log(r"sink failed: stdout", timeout=10)


def test_a_config_where_no_sink_is_required_exits_2_naming_sinks(start_daemon):
    """Best-effort sinks may drop records, so with none required a 200 could promise nothing."""
    d = start_daemon(sinks=[{"type": "stdout"}, {"type": "log"}], wait=False)
    assert d.wait_exit(timeout=10) == 2, d.log_text()
    assert "sinks: no sink has required = true" in d.log_text(), d.log_text()
