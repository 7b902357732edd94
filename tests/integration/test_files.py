"""The JSON Lines files across restarts: appended to, never truncated, and every record the
daemon answered 200 for is a whole line of its own (docs/records.md)."""

import json

from harness import call_status_body, read_jsonl


def post_ids(d, ids):
    for event_id in ids:
        reply = d.post("/status", call_status_body(event_id))
        assert reply.status == 200, reply


def test_a_restart_appends_to_the_existing_files(start_daemon):
    d = start_daemon()
    post_ids(d, ["first-0", "first-1"])
    assert d.post("/status", b"bad 1").status == 200
    assert d.stop() == 0
    d = start_daemon()
    post_ids(d, ["second-0"])
    assert d.post("/status", b"bad 2").status == 200
    assert [r["payload"]["eventId"] for r in d.events_lines()] == \
        ["first-0", "first-1", "second-0"]
    assert [r["body"] for r in d.rejects_lines()] == ["bad 1", "bad 2"]


def test_a_restart_counts_the_existing_file_toward_max_bytes(start_daemon, tmp_path):
    events = tmp_path / "events.jsonl"
    sinks = [{"type": "file", "path": str(events), "max_bytes": 4096, "max_files": 10}]
    d = start_daemon(sinks=sinks)
    line = len(call_status_body("size-00")) + 250  # about one record
    count = 4096 // line  # fills most of the file
    post_ids(d, [f"size-{i:02d}" for i in range(count)])
    assert d.stop() == 0
    assert not (tmp_path / "events.jsonl.1").exists()
    d = start_daemon(sinks=sinks)
    post_ids(d, [f"size-{i:02d}" for i in range(count, count + 3)])
    assert (tmp_path / "events.jsonl.1").exists(), "the restarted daemon forgot the file's size"
    for path in (events, tmp_path / "events.jsonl.1"):
        assert path.stat().st_size <= 4096, path
    ids = [r["payload"]["eventId"] for r in read_jsonl(tmp_path / "events.jsonl.1")]
    ids += [r["payload"]["eventId"] for r in read_jsonl(events)]
    assert ids == [f"size-{i:02d}" for i in range(count + 3)]


def test_a_record_larger_than_max_bytes_gets_a_file_of_its_own(start_daemon, tmp_path):
    events = tmp_path / "events.jsonl"
    d = start_daemon(sinks=[{"type": "file", "path": str(events), "max_bytes": 4096,
                             "max_files": 10}])
    post_ids(d, ["small-0"])
    big = json.loads(call_status_body("big"))
    big["payload"]["eventData"] = "y" * 6000
    assert d.post("/status", json.dumps(big).encode()).status == 200
    post_ids(d, ["small-1"])
    files = [tmp_path / "events.jsonl.2", tmp_path / "events.jsonl.1", events]
    assert [[r["payload"]["eventId"] for r in read_jsonl(p)] for p in files] == \
        [["small-0"], ["big"], ["small-1"]]


def test_a_torn_last_line_left_by_a_crash_does_not_swallow_the_next_record(start_daemon,
                                                                           tmp_path):
    # A power cut under durability = "write" (or a kill -9 of an older writer) can leave a
    # partial last line. The next record must still be a whole line of its own: appending it
    # straight after the torn bytes turns a delivery answered 200 into an unreadable line.
    events = tmp_path / "events.jsonl"
    whole = call_status_body("before-crash")  # stands for a record stored before the crash
    torn = b'{"namespace":"VOICE","eventType":"CALL_ST'
    events.write_bytes(whole + b"\n" + torn)
    d = start_daemon()
    reply = d.post("/status", call_status_body("after-crash"))
    assert reply.status == 200, reply
    lines = events.read_bytes().split(b"\n")
    assert lines[-1] == b"", "the file does not end with a newline"
    try:
        last = json.loads(lines[-2])
    except json.JSONDecodeError:
        raise AssertionError(
            "the record answered 200 was glued to the torn line before it: "
            f"{lines[-2][:120]!r}...") from None
    assert last["payload"]["eventId"] == "after-crash"
    assert last["received"]["requestId"] == reply.headers["x-request-id"]
    assert lines[0] == whole, "a whole line before the torn one was changed"
    # and the torn bytes are set aside somewhere, not silently dropped
    kept = [p for p in tmp_path.iterdir()
            if p.is_file() and p != events and torn in p.read_bytes()]
    assert kept, "the torn bytes were dropped"
