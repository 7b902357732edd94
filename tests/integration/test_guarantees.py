"""Delivery guarantees with the real binary and real signals: nothing acknowledged is ever lost,
and nothing is acknowledged that is not stored.

- kill -9 under load ("write" and "fsync"): every eventId answered 200 is in the file; a torn
  tail is set aside to `<path>.torn` by the next start.
- A sink that cannot store answers 503 with Retry-After, /readyz 503, one log line per change of
  state, and recovers by itself; a 503 that is retried is stored (dedupe remembers only stored ids).
- A blocked stdout pipe (best-effort sink) neither delays answers nor shutdown.
- SIGHUP (logrotate), SIGTERM and size rotation under load lose and duplicate nothing.

The load comes from client threads, each on its own keep-alive connection, posting CALL_STATUS
deliveries with unique eventIds (uuid4) and recording the ones answered 200. Some tests mix in
invalid deliveries (no callId), which go to the rejects file under the same guarantees.
"""

from __future__ import annotations

import copy
import http.client
import json
import signal
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from harness import fixture_json, post_on, read_jsonl

TEMPLATE = fixture_json("call_status_2026.json")


def event_body(event_id: str) -> bytes:
    event = copy.deepcopy(TEMPLATE)
    event["payload"]["eventId"] = event_id
    return json.dumps(event).encode()


def invalid_body(event_id: str) -> bytes:
    """A CALL_STATUS without callId: a rejection (missing_field), stored in the rejects file."""
    event = copy.deepcopy(TEMPLATE)
    event["payload"]["eventId"] = event_id
    del event["payload"]["callId"]
    return json.dumps(event).encode()


def event_ids(records: list[dict]) -> list[str]:
    return [r["payload"]["eventId"] for r in records]


def rejected_ids(records: list[dict]) -> list[str]:
    return [json.loads(r["body"])["payload"]["eventId"] for r in records]


# ---------------------------------------------------------------------------------------------
# Load


class Load:
    """`clients` threads, each posting over one keep-alive connection until stopped, until its
    `per_client` deliveries are sent, until `max_seconds` pass, or until its connection fails
    (a connection error ends that client: the daemon stopped or died)."""

    def __init__(self, d, clients: int = 8, reject_every: int = 0, per_client: int | None = None,
                 max_seconds: float = 20.0, timeout: float = 10.0):
        self.d = d
        self.clients = clients
        self.reject_every = reject_every
        self.per_client = per_client
        self.max_seconds = max_seconds
        self.timeout = timeout
        self.lock = threading.Lock()
        self.acked: list[str] = []          # eventIds of events answered 200
        self.acked_rejects: list[str] = []  # eventIds of rejections answered 200
        self.statuses: Counter = Counter()
        self.unexpected: list = []          # replies that are neither 200 nor 503
        self.errors: list[BaseException] = []
        self.slowest = 0.0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                         for n in range(clients)]

    def start(self) -> "Load":
        for t in self._threads:
            t.start()
        return self

    def _client(self, n: int):
        deadline = time.monotonic() + self.max_seconds
        conn = self.d.connection(timeout=self.timeout)
        sent = 0
        try:
            while not self._stop.is_set() and time.monotonic() < deadline:
                if self.per_client is not None and sent >= self.per_client:
                    return
                sent += 1
                event_id = str(uuid.uuid4())
                reject = bool(self.reject_every) and sent % self.reject_every == 0
                body = invalid_body(event_id) if reject else event_body(event_id)
                started = time.monotonic()
                try:
                    reply = post_on(conn, "/status", body)
                except Exception as e:  # noqa: BLE001  (the test decides what is allowed)
                    with self.lock:
                        self.errors.append(e)
                    return
                took = time.monotonic() - started
                with self.lock:
                    self.slowest = max(self.slowest, took)
                    self.statuses[reply.status] += 1
                    if reply.status == 200:
                        stored = reply.json()["stored"]
                        if stored != ("rejects" if reject else "events"):
                            self.unexpected.append((event_id, reply))
                        (self.acked_rejects if reject else self.acked).append(event_id)
                    elif reply.status == 503:
                        if not reply.headers.get("retry-after"):
                            self.unexpected.append((event_id, reply))
                    else:
                        self.unexpected.append((event_id, reply))
        finally:
            conn.close()

    def counts(self) -> tuple[int, int]:
        with self.lock:
            return len(self.acked), len(self.acked_rejects)

    def wait_acked(self, count: int, rejects: int = 0, timeout: float = 10.0):
        """Waits until `count` events (and `rejects` rejections) in all were answered 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.acked) >= count and len(self.acked_rejects) >= rejects:
                    return
                if self.errors:
                    raise AssertionError(f"client errors before {count} acks: {self.errors[:3]}")
            time.sleep(0.01)
        raise AssertionError(f"fewer than {count} events / {rejects} rejections answered 200 "
                             f"in {timeout} s ({self.counts()}; statuses {dict(self.statuses)})")

    def stop(self, timeout: float = 20.0):
        self._stop.set()
        self.join(timeout)

    def join(self, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        alive = sum(t.is_alive() for t in self._threads)
        assert not alive, f"{alive} client thread(s) still running after {timeout} s"


def split_lines(path: Path) -> tuple[list[dict], bytes]:
    """The complete lines of a file (each must parse) and the torn tail after the last newline."""
    data = path.read_bytes() if path.exists() else b""
    *complete, tail = data.split(b"\n")
    records = []
    for number, line in enumerate(complete, 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise AssertionError(f"{path}:{number} is not a JSON line ({e}), and it is not the "
                                 f"last one: {line[:200]!r}") from None
    return records, tail


def assert_each_once(stored: list[str], acked: list[str], what: str):
    counts = Counter(stored)
    missing = [i for i in acked if counts[i] == 0]
    assert not missing, (f"{len(missing)} of {len(acked)} {what} answered 200 are not stored, "
                         f"e.g. {missing[:5]}")
    twice = [i for i, n in counts.items() if n > 1]
    assert not twice, f"{len(twice)} {what} stored more than once, e.g. {twice[:5]}"


def rotated(path: Path) -> list[Path]:
    """path.N ... path.1, oldest first (numbered suffixes only)."""
    numbered = {}
    for p in path.parent.iterdir():
        suffix = p.name[len(path.name) + 1:]
        if p.name.startswith(path.name + ".") and suffix.isdigit():
            numbered[int(suffix)] = p
    assert sorted(numbered) == list(range(1, len(numbered) + 1)), sorted(numbered)
    return [numbered[n] for n in sorted(numbered, reverse=True)]


# ---------------------------------------------------------------------------------------------
# kill -9 and torn tails


@pytest.mark.parametrize("durability", ["write", "fsync"])
def test_kill_9_under_load_loses_no_acknowledged_delivery_and_the_restart_sets_aside_a_torn_tail(
        start_daemon, tmp_path, durability):
    settings = {"server": {"threads": 2}, "delivery": {"durability": durability}}
    d = start_daemon(**settings)
    load = Load(d, clients=8, reject_every=10).start()
    load.wait_acked(50)
    time.sleep(1.0)
    assert d.kill() == -signal.SIGKILL
    load.join()
    assert not load.unexpected, load.unexpected[:3]
    assert load.statuses[200] > 100, f"too little load to mean anything: {dict(load.statuses)}"

    files = {"events": (d.events, load.acked, event_ids),
             "rejects": (d.rejects, load.acked_rejects, rejected_ids)}
    torn = {}
    for name, (path, acked, ids_of) in files.items():
        records, tail = split_lines(path)
        assert_each_once(ids_of(records), acked, name)
        torn[name] = tail

    # The next start sets any torn tail aside, and both files are valid JSON Lines again.
    before = {name: path.read_bytes() for name, (path, _, _) in files.items()}
    d2 = start_daemon(**settings)
    after_restart = str(uuid.uuid4())
    assert d2.post("/status", event_body(after_restart)).status == 200
    assert d2.stop(timeout=10) == 0, d2.log_text()
    for name, (path, acked, ids_of) in files.items():
        records = read_jsonl(path)  # every line parses; the file ends with "\n"
        whole = before[name][:len(before[name]) - len(torn[name])]
        assert path.read_bytes().startswith(whole), f"{name}: a whole line was changed"
        assert_each_once(ids_of(records), acked, name)
        torn_path = path.with_name(path.name + ".torn")
        if torn[name]:
            assert torn_path.read_bytes() == torn[name] + b"\n", torn_path.read_bytes()[:200]
            d2.wait_for_log(rf"{path.name} ended in a partial line \({len(torn[name])} bytes")
        else:
            assert not torn_path.exists(), torn_path.read_bytes()[:200]
    assert event_ids(read_jsonl(d.events))[-1] == after_restart


def test_a_file_that_is_one_partial_line_is_set_aside_whole_to_dot_torn_for_events_and_rejects(
        start_daemon, tmp_path):
    # test_files.py covers a torn line after whole ones; here the crash left no newline at all,
    # in both files, and the fragment must be in <path>.torn exactly, with a warning naming it.
    events, rejects = tmp_path / "events.jsonl", tmp_path / "rejects.jsonl"
    events.write_bytes(b'{"namespace":"VOICE","eventType":"CALL_STATUS","payload":{"eventId":"x')
    rejects.write_bytes(b'{"received":{"at":"2026-')
    fragments = {events: events.read_bytes(), rejects: rejects.read_bytes()}
    d = start_daemon()
    for path, fragment in fragments.items():
        (line,) = d.wait_for_log(rf"{path.name} ended in a partial line \({len(fragment)} bytes")
        assert f"{path}.torn" in line, line
        assert path.with_name(path.name + ".torn").read_bytes() == fragment + b"\n"
    assert d.post("/status", event_body("after-torn")).status == 200
    assert d.post("/status", invalid_body("rejected-after-torn")).status == 200
    assert event_ids(read_jsonl(events)) == ["after-torn"]
    assert rejected_ids(read_jsonl(rejects)) == ["rejected-after-torn"]
    # a restart finds nothing more to set aside and leaves .torn alone
    assert d.stop() == 0
    d = start_daemon()
    assert d.post("/status", event_body("second-start")).status == 200
    assert "partial line" not in d.log_text(), d.log_text()
    for path, fragment in fragments.items():
        assert path.with_name(path.name + ".torn").read_bytes() == fragment + b"\n"
    assert event_ids(read_jsonl(events)) == ["after-torn", "second-start"]


# ---------------------------------------------------------------------------------------------
# A sink that cannot store


def break_folder(folder: Path):
    """The folder goes away and a regular file takes its name: nothing can be opened inside."""
    folder.rename(folder.with_name(folder.name + ".gone"))
    folder.write_text("not a folder\n")


def repair_folder(folder: Path):
    folder.unlink()
    folder.mkdir()


def log_count(d, text: str) -> int:
    return sum(text in line for line in d.log)


def test_a_file_sink_that_cannot_be_reopened_answers_503_logs_once_and_recovers_by_itself(
        start_daemon, tmp_path):
    folder = tmp_path / "dir"
    events = folder / "events.jsonl"
    d = start_daemon(sinks=[{"type": "file", "path": str(events)}])
    assert d.post("/status", event_body("before")).status == 200

    break_folder(folder)
    d.signal(signal.SIGHUP)
    d.wait_for_log(rf"sink failed: file {events}: .*answered 503 until it recovers")
    for i in range(10):
        reply = d.post("/status", event_body(f"failing-{i}"))
        assert reply.status == 503, reply
        assert reply.headers.get("retry-after"), reply
        assert reply.headers.get("x-request-id"), reply
        assert d.get("/readyz").status == 503
    assert d.get("/healthz").status == 200
    assert d.proc.poll() is None, "callsink exited while its sink was failing"
    assert log_count(d, "sink failed:") == 1, d.log_text()
    # rejections have their own file, which still works
    reject = d.post("/status", invalid_body("rejected-meanwhile"))
    assert reject.status == 200 and reject.json()["stored"] == "rejects", reject

    repair_folder(folder)
    reply = d.post("/status", event_body("after"))
    assert reply.status == 200, reply
    d.wait_for_log(rf"sink recovered: file {events}")
    assert d.get("/readyz").status == 200
    for i in range(3):
        assert d.post("/status", event_body(f"after-{i}")).status == 200
    assert event_ids(read_jsonl(events)) == ["after", "after-0", "after-1", "after-2"]
    assert event_ids(read_jsonl(tmp_path / "dir.gone" / "events.jsonl")) == ["before"]
    assert log_count(d, "sink failed:") == 1, d.log_text()
    assert log_count(d, "sink recovered:") == 1, d.log_text()


def test_a_sighup_that_reopens_the_repaired_file_makes_readyz_answer_200_again(start_daemon,
                                                                              tmp_path):
    # The operator fixes the folder and sends SIGHUP; the reopen succeeds, so the sink works
    # again and /readyz must say so, without waiting for a delivery (a load balancer that
    # routes by /readyz would never send one).
    folder = tmp_path / "dir"
    events = folder / "events.jsonl"
    d = start_daemon(sinks=[{"type": "file", "path": str(events)}])
    break_folder(folder)
    d.signal(signal.SIGHUP)
    d.wait_for_log(rf"sink failed: file {events}:")
    assert d.get("/readyz").status == 503
    repair_folder(folder)
    d.signal(signal.SIGHUP)
    d.wait_for_log(r"reopened every sink", count=2)
    assert events.exists(), "the reopen did not create the file"
    reply = d.get("/readyz")
    assert reply.status == 200, (
        f"/readyz still answers {reply.status} after the failed sink was reopened successfully "
        f"by SIGHUP: {reply.body!r}")
    assert d.post("/status", event_body("after-reopen")).status == 200
    assert event_ids(read_jsonl(events)) == ["after-reopen"]


def test_a_sink_failing_on_every_write_is_logged_once_however_many_deliveries_fail(
        start_daemon):
    # test_http.py checks the 503 for /dev/full; this checks the log: once per change of state.
    d = start_daemon(sinks=[{"type": "file", "path": "/dev/full"}])
    conn = d.connection()
    try:
        for i in range(10):
            reply = post_on(conn, "/status", event_body(f"full-{i}"))
            assert reply.status == 503, reply
            assert reply.headers.get("retry-after"), reply
    finally:
        conn.close()
    assert d.get("/readyz").status == 503
    assert d.proc.poll() is None
    (line,) = [line for line in d.log if "sink failed:" in line]
    assert "sink failed: file /dev/full:" in line and "answered 503" in line, line
    assert log_count(d, "sink recovered") == 0, d.log_text()


def test_a_delivery_answered_503_and_retried_after_the_sink_recovers_is_stored_once(
        start_daemon, tmp_path):
    folder = tmp_path / "dir"
    events = folder / "events.jsonl"
    d = start_daemon(delivery={"dedupe_window": 1000},
                     sinks=[{"type": "file", "path": str(events)}])
    break_folder(folder)
    d.signal(signal.SIGHUP)
    d.wait_for_log(r"sink failed: file ")
    for _ in range(2):  # 8x8 retries while the disk is still broken: never 200, never remembered
        reply = d.post("/status", event_body("retried"))
        assert reply.status == 503, reply
    repair_folder(folder)
    for _ in range(2):  # the retry is stored; a later redelivery is answered 200, not stored
        reply = d.post("/status", event_body("retried"))
        assert reply.status == 200, reply
    assert event_ids(read_jsonl(events)) == ["retried"]
    assert read_jsonl(tmp_path / "dir.gone" / "events.jsonl") == []


def test_copies_sent_at_the_same_moment_on_separate_connections_are_stored_once(start_daemon):
    d = start_daemon(server={"threads": 2}, delivery={"dedupe_window": 1000})
    copies, rounds = 6, 15
    replies: list = []
    errors: list = []
    barrier = threading.Barrier(copies)

    def client():
        conn = d.connection()
        try:
            for r in range(rounds):
                body = event_body(f"same-moment-{r}")
                barrier.wait(timeout=10)
                replies.append(post_on(conn, "/status", body))
        except Exception as e:  # noqa: BLE001  (asserted below)
            errors.append(e)
            barrier.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors[:3]
    assert len(replies) == copies * rounds
    assert all(r.status == 200 for r in replies), [r for r in replies if r.status != 200][:3]
    assert sorted(event_ids(d.events_lines())) == sorted(f"same-moment-{r}" for r in range(rounds))


def test_a_rejects_file_that_cannot_be_reopened_fails_only_rejections_and_recovers(
        start_daemon, tmp_path):
    # test_http.py covers a rejects file at /dev/full; here it cannot even be opened.
    folder = tmp_path / "rdir"
    rejects = folder / "rejects.jsonl"
    d = start_daemon(rejects={"path": str(rejects)})
    break_folder(folder)
    d.signal(signal.SIGHUP)
    d.wait_for_log(rf"sink failed: file {rejects}:")
    for i in range(5):
        reject = d.post("/status", invalid_body(f"bad-{i}"))
        assert reject.status == 503, reject
        assert reject.headers.get("retry-after"), reject
        ok = d.post("/status", event_body(f"good-{i}"))
        assert ok.status == 200, ok
    assert d.get("/readyz").status == 503
    assert log_count(d, "sink failed:") == 1, d.log_text()

    repair_folder(folder)
    reject = d.post("/status", invalid_body("bad-after"))
    assert reject.status == 200 and reject.json()["stored"] == "rejects", reject
    d.wait_for_log(rf"sink recovered: file {rejects}")
    assert d.get("/readyz").status == 200
    assert rejected_ids(read_jsonl(rejects)) == ["bad-after"]
    assert event_ids(d.events_lines()) == [f"good-{i}" for i in range(5)]
    assert log_count(d, "sink recovered:") == 1, d.log_text()


# ---------------------------------------------------------------------------------------------
# A blocked best-effort sink


def test_a_stdout_pipe_nobody_reads_delays_no_answer_and_no_shutdown(start_daemon, tmp_path):
    events = tmp_path / "events.jsonl"
    d = start_daemon(server={"threads": 2},
                     sinks=[{"type": "file", "path": str(events)}, {"type": "stdout"}],
                     drain_stdout=False)  # the test never reads the daemon's stdout pipe
    load = Load(d, clients=4, per_client=750).start()
    load.join(timeout=60)
    assert not load.errors and not load.unexpected, (load.errors[:3], load.unexpected[:3])
    assert load.statuses == Counter({200: 3000}), load.statuses
    # ~2 MB of JSON Lines against a 64 KiB pipe: stdout has been blocked for most of the run.
    assert load.slowest < 2.0, f"a reply took {load.slowest:.2f} s"
    assert_each_once(event_ids(read_jsonl(events)), load.acked, "events")

    started = time.monotonic()
    d.signal(signal.SIGTERM)
    code = d.wait_exit(timeout=12)
    elapsed = time.monotonic() - started
    assert code == 0, d.log_text()
    assert elapsed < 10, f"took {elapsed:.1f} s to stop"
    d.wait_for_log(r"stdout is blocked; \d+ buffered records were not written at shutdown")
    assert_each_once(event_ids(read_jsonl(events)), load.acked, "events")


# ---------------------------------------------------------------------------------------------
# Signals and rotation under load


def test_sighup_after_mv_three_times_under_load_loses_and_duplicates_nothing(start_daemon,
                                                                               tmp_path):
    d = start_daemon(server={"threads": 2})
    load = Load(d, clients=4, reject_every=5).start()
    try:
        for n in range(1, 4):
            events, rejects = load.counts()
            load.wait_acked(events + 30, rejects + 5)  # each generation gets some of both
            for path in (d.events, d.rejects):
                path.rename(path.with_name(f"{path.name}.{n}"))
            d.signal(signal.SIGHUP)
            d.wait_for_log(r"reopened every sink", count=n)
        events, rejects = load.counts()
        load.wait_acked(events + 30, rejects + 5)
    finally:
        load.stop()
    assert not load.errors and not load.unexpected, (load.errors[:3], load.unexpected[:3])
    assert set(load.statuses) == {200}, load.statuses
    assert d.stop(timeout=10) == 0, d.log_text()

    for path, acked, ids_of in ((d.events, load.acked, event_ids),
                                (d.rejects, load.acked_rejects, rejected_ids)):
        generations = [path.with_name(f"{path.name}.{n}") for n in (1, 2, 3)] + [path]
        stored = []
        for p in generations:
            records = read_jsonl(p)  # whole lines only, ends with "\n"
            assert records, f"{p} is empty: the load did not span every SIGHUP"
            stored += ids_of(records)
        assert_each_once(stored, acked, path.name)
        assert len(stored) == len(acked), "stored deliveries that were never answered 200"


def test_sigterm_under_load_exits_0_within_10_s_and_every_200_is_stored(start_daemon):
    d = start_daemon(server={"threads": 2})
    load = Load(d, clients=8, reject_every=10).start()
    load.wait_acked(100)
    time.sleep(0.5)
    started = time.monotonic()
    d.signal(signal.SIGTERM)
    code = d.wait_exit(timeout=12)
    elapsed = time.monotonic() - started
    load.join()
    assert code == 0, d.log_text()
    assert elapsed < 10, f"took {elapsed:.1f} s to stop"
    assert not load.unexpected, load.unexpected[:3]
    # After SIGTERM a client sees a 200, a 503 or a closed connection, never a hang.
    odd = [e for e in load.errors
           if not isinstance(e, (ConnectionError, http.client.HTTPException))]
    assert not odd, odd
    assert_each_once(event_ids(read_jsonl(d.events)), load.acked, "events")
    assert_each_once(rejected_ids(read_jsonl(d.rejects)), load.acked_rejects, "rejects")


def test_size_rotation_under_load_with_fsync_keeps_every_acknowledged_delivery_once(
        start_daemon, tmp_path):
    events, rejects = tmp_path / "events.jsonl", tmp_path / "rejects.jsonl"
    max_bytes = 16384
    d = start_daemon(server={"threads": 2}, delivery={"durability": "fsync"},
                     rejects={"path": str(rejects), "max_bytes": max_bytes, "max_files": 1000},
                     sinks=[{"type": "file", "path": str(events), "max_bytes": max_bytes,
                             "max_files": 1000}])
    load = Load(d, clients=6, reject_every=4, per_client=120).start()
    load.join(timeout=60)
    assert not load.errors and not load.unexpected, (load.errors[:3], load.unexpected[:3])
    assert load.statuses == Counter({200: 720}), load.statuses
    assert d.stop(timeout=10) == 0, d.log_text()

    for path, acked, ids_of in ((events, load.acked, event_ids),
                                (rejects, load.acked_rejects, rejected_ids)):
        files = rotated(path) + [path]
        assert len(files) >= 4, f"{path.name} rotated only {len(files) - 1} times"
        # Rotation falls between batches, so a file may pass max_bytes by at most one batch:
        # here at most one record per client, each client waiting for its reply.
        longest = max(len(line) for p in files for line in p.read_bytes().splitlines(True))
        stored = []
        for p in files:
            assert p.stat().st_size <= max_bytes + 6 * longest, (p, p.stat().st_size)
            stored += ids_of(read_jsonl(p))
        assert_each_once(stored, acked, path.name)
        assert len(stored) == len(acked)
