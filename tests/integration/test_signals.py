"""Signals: SIGTERM/SIGINT drain and stop with status 0, SIGHUP reopens the files (logrotate)."""

import signal
import threading
import time

from harness import call_status_body, read_jsonl


def test_sigterm_while_idle_exits_0_within_10_seconds_and_logs_that_it_stopped(daemon):
    started = time.monotonic()
    code = daemon.stop(timeout=10)
    assert code == 0, daemon.log_text()
    assert time.monotonic() - started < 10
    log = daemon.log_text()
    assert "SIGTERM" in log, log
    assert "stopped" in daemon.log[-1], log


def test_sigint_exits_0_too(daemon):
    daemon.signal(signal.SIGINT)
    assert daemon.wait_exit(timeout=10) == 0, daemon.log_text()
    assert "SIGINT" in daemon.log_text()


def test_sigterm_with_an_idle_keep_alive_connection_open_still_exits_promptly(daemon):
    with daemon.raw() as conn:
        conn.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert conn.read_response().status == 200
        started = time.monotonic()
        daemon.signal(signal.SIGTERM)
        assert conn.wait_closed(timeout=5), "the idle connection was not closed on SIGTERM"
        assert daemon.wait_exit(timeout=10) == 0, daemon.log_text()
        assert time.monotonic() - started < 5


def test_deliveries_answered_before_sigterm_are_in_the_file_after_exit(start_daemon):
    d = start_daemon(delivery={"durability": "none"})
    for i in range(20):
        assert d.post("/status", call_status_body(f"drain-{i}")).status == 200
    assert d.stop(timeout=10) == 0, d.log_text()
    ids = [r["payload"]["eventId"] for r in read_jsonl(d.events)]
    assert ids == [f"drain-{i}" for i in range(20)]


def test_sighup_after_logrotate_moves_the_file_starts_a_new_one_and_loses_nothing(daemon):
    events = daemon.events
    for i in range(5):
        assert daemon.post("/status", call_status_body(f"before-{i}")).status == 200
    moved = events.with_name(events.name + ".old")
    events.rename(moved)

    daemon.signal(signal.SIGHUP)
    daemon.wait_for_log(r"SIGHUP")
    # The reopen happens on the writer between batches; a delivery after the log line may race
    # it, so every later delivery must land in one of the two files, and the new file must
    # appear and get every delivery once the reopen is through.
    after = []
    deadline = time.monotonic() + 5
    i = 0
    while True:
        event_id = f"after-{i}"
        assert daemon.post("/status", call_status_body(event_id)).status == 200
        after.append(event_id)
        i += 1
        if events.exists() or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert events.exists(), "no new events.jsonl after SIGHUP"
    for j in range(5):
        event_id = f"after-{i + j}"
        assert daemon.post("/status", call_status_body(event_id)).status == 200
        after.append(event_id)

    old_ids = [r["payload"]["eventId"] for r in read_jsonl(moved)]
    new_ids = [r["payload"]["eventId"] for r in read_jsonl(events)]
    assert old_ids[:5] == [f"before-{i}" for i in range(5)]
    assert all(x.startswith("after-") for x in old_ids[5:])
    assert old_ids + new_ids == [f"before-{i}" for i in range(5)] + after, (old_ids, new_ids)
    assert new_ids[-5:] == after[-5:]


def test_sighup_reopens_the_rejects_file_too(daemon):
    rejects = daemon.rejects
    assert daemon.post("/status", b"not json 1").status == 200
    moved = rejects.with_name(rejects.name + ".old")
    rejects.rename(moved)
    daemon.signal(signal.SIGHUP)
    daemon.wait_for_log(r"SIGHUP")
    deadline = time.monotonic() + 5
    while not rejects.exists() and time.monotonic() < deadline:
        assert daemon.post("/status", b"not json 2").status == 200
        time.sleep(0.02)
    assert rejects.exists()
    assert [r["body"] for r in read_jsonl(moved)][0] == "not json 1"
    assert all(r["body"] == "not json 2" for r in read_jsonl(rejects))


def start_stuck_daemon(start_daemon):
    """A daemon whose required stdout sink's pipe nobody reads, flooded until the writer is
    stuck in write(2) and deliveries wait for it."""
    d = start_daemon(sinks=[{"type": "stdout", "required": True}], drain_stdout=False)

    def flood():
        for i in range(400):
            try:
                d.post("/status", call_status_body(f"blocked-{i}") + b" " * 512)
            except OSError:
                return
    for _ in range(4):
        threading.Thread(target=flood, daemon=True).start()
    time.sleep(1.5)  # the 64 KiB pipe is full
    return d


def test_sigterm_ends_the_process_even_when_a_required_sink_is_blocked(start_daemon):
    """A required stdout sink whose pipe nobody reads holds the writer; shutdown must still
    end, within the 10 s promised, saying why (status 1: not a clean stop)."""
    d = start_stuck_daemon(start_daemon)
    started = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    assert d.wait_exit(timeout=15) == 1, d.log_text()
    assert time.monotonic() - started < 11
    assert "shutdown did not finish" in d.log_text(), d.log_text()


def test_a_second_sigterm_ends_the_process_at_once_while_the_first_still_waits(start_daemon):
    """The first SIGTERM hands the signals back to the system: a second one ends the process at
    once (killed by SIGTERM), rather than after the watchdog's 9.5 s. Signals are taken by a
    thread of their own (src/app/daemon.cpp), not by an io thread that may be blocked in a
    write, so this holds while a sink is stuck."""
    d = start_stuck_daemon(start_daemon)
    d.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 5
    while "shutting down" not in d.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "shutting down" in d.log_text(), d.log_text()
    started = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    assert d.wait_exit(timeout=5) == -signal.SIGTERM, d.log_text()
    assert time.monotonic() - started < 2
