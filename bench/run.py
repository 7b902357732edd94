#!/usr/bin/env python3
"""Benchmarks callsink against nginx answering `return 200` on the same machine, side by side.

Both servers get one core (taskset -c 0) and one worker/io thread; wrk gets the other core and
POSTs the 8x8 CALL_STATUS example with a unique eventId over 50 connections. Rounds alternate
between the servers so drift in the machine hits both; the report is the ratio of the median
requests per second, p50/p99 latency, callsink's CPU time per delivery (from /proc, so it does
not depend on the client keeping up) and its peak RSS. Modes: keep-alive or a new connection per
request, durability "write" or "fsync"; keepalive-mask and keepalive-hash (durability "write" with
[privacy] msisdn = "mask" or "hash"); postgres-write: keep-alive, with a single PostgreSQL sink
(required) to a private PostgreSQL 15 started on the client's core, posting distinct events
grouped into sessions as calls produce them (post_call_sessions.lua: two legs of three statuses,
then the summary, 1,000 sessions under way at once), then the hot session (10 connections posting
to one session that already holds 100,000 events, against 10 posting to new sessions) and
PostgreSQL's own COPY rate of the rows the sink stored; and kafka-write: keep-alive, with a single Kafka sink
(required) instead of the file sink, producing to a mock Kafka cluster (callsink_kafka_mock,
librdkafka's in-process mock brokers on loopback ports, built with -DCALLSINK_BUILD_TESTS=ON).
The mock runs on the client's core, beside wrk, so it takes nothing from the server's core; the
kafka mode also reports how busy that core was (wrk + mock), which the nginx check cannot see.
When keepalive-write and kafka-write both run, the report ends with the two side by side.
journal-write and journal-fsync: keep-alive, the PostgreSQL sink forwarded from a [journal]
(delivery = "journal"; the private PostgreSQL 15 and the sessions' events of postgres-write), and
in the same rounds a callsink with a file sink at the same durability, posted the same events: the
two rates side by side. After each run the bench waits for the forwarder to catch up
(callsink_journal_unforwarded_records back to 0 on /metrics) before the next starts, and reports
what the forwarder stored during the load, what waited when the load stopped, how long catching
up took, and callsink's CPU per delivery with the forwarding included. journal-backlog: PostgreSQL
stopped, --backlog deliveries posted into the journal, PostgreSQL started again, and the drain
timed from the forwarder's first records (it comes back at its next retry, up to 30 s later) to
nothing left unforwarded: records a second, beside PostgreSQL's own COPY of the same rows.

Each mode first checks the client: nginx's rate with the bench's bodies must be within 5% of its
rate with one fixed body, or the client, not the server, is the limit and the mode says so. On
this VM, consecutive runs of one setup differ by up to 10%, so the check also reads how busy
nginx's core was: at 90% or more with the bench's bodies, nginx itself was the limit, and the
mode says that instead (90% is saturated here: server and client take turns on each request, so
neither core reaches 100%). Where nginx is not saturated and wrk's core is (a new connection per
request: wrk's one thread opens connections more slowly than nginx answers them), both rates are
wrk's, and the mode is flagged client-bound although they agree. Every row also gives the CPU
ratio, nginx's CPU time per request over the server's per delivery. It does not need the client
to keep up, so it is the measure that stands where the rates are wrk's; but a server's CPU per
request falls as its load rises (more requests per wake-up), so it compares two servers best at
similar rates. The two nginx runs swap places every round (the fixed body first in even rounds,
the bench's bodies first in odd ones), so an effect of their order shows as a split between even
and odd rounds instead of passing for noise.
With --baseline, a second callsink binary (an earlier build) runs in the same rounds, and the
report adds the new build's rate and CPU per delivery against it.

Usage: bench/run.py [--rounds 3] [--duration 10] [--modes keepalive-write,keepalive-fsync,close-write]
                    [--callsink build/release/callsink] [--baseline OTHER_BUILD/callsink]
                    [--kafka-mock BUILD/tests/callsink_kafka_mock] [--kafka-partitions 3]
                    [--backlog 1000000]
Build first: cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build/release
For kafka-write, a build with the tests, which has the mock:
  cmake -S . -B build/release-tests -G Ninja -DCMAKE_BUILD_TYPE=Release -DCALLSINK_BUILD_TESTS=ON
  cmake --build build/release-tests --target callsink callsink_kafka_mock
--kafka-mock defaults to tests/callsink_kafka_mock beside the --callsink binary, then
build/release-tests/tests/callsink_kafka_mock.
"""

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_CORE = "0"
CLIENT_CORE = "1"
CONNECTIONS = 50
# The mock cluster for kafka-write: as the integration tests' default, 3 brokers and a topic of 3
# partitions replicated 3 times (acks=all waits for the mock's in-sync replicas).
KAFKA_BROKERS = 3
KAFKA_PARTITIONS = 3
KAFKA_TOPIC = "callsink.events"
CONNECTION_MODES = ("keepalive", "close", "kafka", "postgres", "journal")
# The drain of a backlog, a mode of its own (no durability: "write"), and its default size.
BACKLOG_MODE = "journal-backlog"
BACKLOG = 1_000_000
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# postgres-write: sessions under way at once (post_call_sessions.lua's BENCH_WINDOW); the hot
# session's connections and the events it holds before them.
SESSION_WINDOW = 1000
HOT_CONNECTIONS = 10
HOT_SESSION_EVENTS = 100_000
DURABILITIES = ("none", "write", "fsync", "mask", "hash")
# Not durabilities but privacy modes: durability "write" with [privacy] msisdn = mask or hash.
PRIVACY_MODES = ("mask", "hash")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


# nginx's core at least this busy (utime + stime over the run) with the bench's bodies: nginx set
# the pace of its run. With 50 connections, server and client take turns on each request, so
# neither core reaches 100%: nginx stays at 93% to 96% when it is the limit, and falls to about
# 50% where wrk is (a new connection per request). wrk's own core is at 98% to 99% in every mode,
# so its share alone says little.
SATURATED = 0.90


def start_nginx(work: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = work / "nginx.conf"
    temp = work / "nginx-temp"
    temp.mkdir(exist_ok=True)
    conf.write_text(f"""
daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
{"user root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    keepalive_requests 10000000;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{ return 200; }}
    }}
}}
""")
    proc = subprocess.Popen(["taskset", "-c", SERVER_CORE, "nginx", "-c", str(conf), "-p", str(work)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port, proc)
    return proc, port


class KafkaMock:
    """callsink_kafka_mock on the client's core: prints bootstrap=..., then takes commands."""

    def __init__(self, binary: Path, work: Path, partitions: int = KAFKA_PARTITIONS):
        self.stderr = open(work / "kafka-mock.log", "wb")
        self.proc = subprocess.Popen(
            ["taskset", "-c", CLIENT_CORE, str(binary), "--brokers", str(KAFKA_BROKERS),
             "--partitions", str(partitions), "--topic", KAFKA_TOPIC],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("bootstrap="):
            self.stop()
            raise RuntimeError(f"{binary} did not print bootstrap=...: {line!r} "
                               f"(see {work / 'kafka-mock.log'})")
        self.bootstrap = line.split("=", 1)[1]

    def stop(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


class PostgresServer:
    """A private PostgreSQL 15 on the client's core (a cluster in the bench's folder, run as the
    postgres user when the bench runs as root), one database per callsink."""

    def __init__(self):
        # Its own folder: the bench's is private to root, and the server runs as postgres.
        self.dir = Path(tempfile.mkdtemp(prefix="callsink-bench-pg-"))
        self.port = free_port()
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.run_as:
            shutil.chown(self.dir, "postgres")
        subprocess.run(self.run_as + [str(PG_BIN / "initdb"), "-D", str(self.dir / "data"),
                                      "-A", "trust", "-U", "postgres"],
                       check=True, stdout=subprocess.DEVNULL)
        self.databases = 0
        self.resume()

    def resume(self) -> None:
        """Starts the server (again, after pause()), on the same port and data."""
        # pg_stat_statements: the statements' own time, which does not depend on the load.
        subprocess.run(self.run_as + ["taskset", "-c", CLIENT_CORE, str(PG_BIN / "pg_ctl"), "-D",
                                      str(self.dir / "data"), "-l", str(self.dir / "log"), "-w",
                                      "-o", f"-p {self.port} -k {self.dir} "
                                      "-c listen_addresses=127.0.0.1 "
                                      "-c shared_preload_libraries=pg_stat_statements", "start"],
                       check=True, stdout=subprocess.DEVNULL)
        self.postmaster = int((self.dir / "data/postmaster.pid").read_text().split()[0])

    def pause(self) -> None:
        """Stops the server and keeps its data: an outage of the database, until resume()."""
        subprocess.run(self.run_as + [str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m",
                                      "fast", "-w", "stop"], check=True, stdout=subprocess.DEVNULL)

    def new_database(self) -> str:
        self.databases += 1
        name = f"bench{self.databases}"
        self.psql("postgres", f"CREATE DATABASE {name}")
        self.psql(name, "CREATE EXTENSION pg_stat_statements")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def cpu_seconds(self) -> float:
        """CPU time of the whole server so far: the postmaster, the children it reaped (cutime,
        cstime) and those still running (backends, WAL writer, checkpointer, autovacuum)."""
        ticks = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(entry.name) == self.postmaster:
                ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
            elif int(fields[1]) == self.postmaster:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def statement_times(self, db: str) -> dict:
        """What pg_stat_statements holds for `db` since its last reset: statements run, their
        rows, and their own time in ms, COMMIT aside (a commit is mostly the WAL flush, which a
        statement run on its own does after the statement, uncounted)."""
        out = self.psql(db, "SELECT coalesce(sum(calls) FILTER (WHERE query ILIKE 'insert%'), 0),"
                            " coalesce(sum(rows) FILTER (WHERE query ILIKE 'insert%events%'), 0),"
                            " coalesce(sum(total_exec_time) FILTER (WHERE query <> 'COMMIT'), 0)"
                            " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
                            " WHERE datname = current_database())")
        inserts, rows, ms = out.split("|")
        return {"inserts": int(inserts), "rows": int(rows), "ms": float(ms)}

    def reset_statement_times(self, db: str) -> None:
        self.psql(db, "SELECT pg_stat_statements_reset()")

    def preload_session(self, db: str, session: str, template: str, events: int) -> None:
        """Stores `events` CALL_STATUS events of `session` straight into the sink's table, as the
        sink would have (template: a line of the bench's templates), a second apart."""
        body = template.split("\t", 1)[1].replace("@S@", session)
        literal = "'" + body.replace("'", "''") + "'"
        self.psql(db, f"""
            INSERT INTO callsink.events (dedupe_key, event_type, event_id, session_id, received_at,
                                         event_at, record)
            SELECT md5('preload ' || g), 'CALL_STATUS', r->'payload'->>'eventId', '{session}',
                   (r->'received'->>'at')::timestamptz, callsink.event_time(r->'payload'), r
            FROM generate_series(1, {events}) g,
                 LATERAL (SELECT replace(replace({literal}, '@E@', 'preload-' || g), '@T@',
                                         to_char(timestamp '2026-01-05' + g * interval '1 s',
                                                 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::jsonb
                                 || jsonb_build_object('received', jsonb_build_object(
                                        'at', to_char(now() AT TIME ZONE 'UTC',
                                                      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                        'path', '/status', 'remote', '127.0.0.1',
                                        'requestId', 'preload-' || g)) AS r) AS records;
            ANALYZE;""")

    def copy_rate(self, db: str) -> tuple[int, float]:
        """PostgreSQL's own rate for the rows the sink stored in `db`: COPY of the same rows, from a
        file on the server, into a table like callsink.events (its primary key and indexes, no
        trigger). The rows and the rows per second."""
        rows = self.dir / "copy-rows"
        self.psql(db, f"CREATE TABLE copy_rate (LIKE callsink.events INCLUDING ALL); "
                      f"COPY (SELECT * FROM callsink.events) TO '{rows}'")
        out = subprocess.run(["psql", "-At", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                              "postgres", "-d", db, "-c", "\\timing on", "-c",
                              f"COPY copy_rate FROM '{rows}'"], check=True, capture_output=True,
                             text=True).stdout
        copied = int(re.search(r"COPY (\d+)", out).group(1))
        ms = float(re.search(r"Time: ([\d.]+) ms", out).group(1))
        self.psql(db, "DROP TABLE copy_rate")
        rows.unlink(missing_ok=True)
        return copied, copied / (ms / 1000)

    def psql(self, db: str, sql: str) -> str:
        return subprocess.run(["psql", "-At", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                               "postgres", "-d", db, "-c", sql], check=True,
                              capture_output=True, text=True).stdout.strip()

    def stop(self) -> None:
        subprocess.run(self.run_as + [str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m",
                                      "fast", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)  # "no server running" after a pause()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_callsink(binary: Path, work: Path, durability: str,
                   kafka_bootstrap: str | None = None,
                   postgres: str | None = None,
                   journal: bool = False) -> tuple[subprocess.Popen, int]:
    """callsink on the server's core with one sink: a file, or a Kafka or PostgreSQL sink
    (`journal`: the PostgreSQL sink forwarded from a [journal] in the data folder)."""
    port = free_port()
    name = (f"kafka-{durability}" if kafka_bootstrap
            else f"journal-{durability}" if journal
            else f"postgres-{durability}" if postgres else durability)
    data = work / f"data-{name}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    conf = work / f"callsink-{name}.toml"
    if kafka_bootstrap:
        # The only sink, required (its default): a 200 means the cluster acknowledged the record
        # (acks=all). The bench's bodies all share one sessionId, so the default key would put
        # every record in one partition; keyed by eventId they spread over the partitions as
        # many sessions would.
        sink = f"""
[[sinks]]
type = "kafka"
brokers = "{kafka_bootstrap}"
topic = "{KAFKA_TOPIC}"
key = "eventId"
"""
    elif postgres and journal:
        # The only sink, forwarded: a 200 means the record is in the journal (at the durability),
        # and the forwarder stores it in PostgreSQL in the background.
        sink = f"""
[journal]
path = "{data}/journal"

[[sinks]]
type = "postgres"
conninfo_env = "CALLSINK_PG"
delivery = "journal"
"""
    elif postgres:
        # The only sink, required (its default): a 200 means the batch is committed.
        sink = """
[[sinks]]
type = "postgres"
conninfo_env = "CALLSINK_PG"
"""
    else:
        sink = f"""
[[sinks]]
type = "file"
path = "{data}/events.jsonl"
"""
    privacy = ""
    env = dict(os.environ)
    if postgres:
        env["CALLSINK_PG"] = postgres
    if durability in PRIVACY_MODES:
        privacy = f'[privacy]\nmsisdn = "{durability}"\nkey_env = "CALLSINK_BENCH_KEY"\n'
        env["CALLSINK_BENCH_KEY"] = "a bench key of more than sixteen bytes"
        durability = "write"
    conf.write_text(f"""
[server]
listen = "127.0.0.1:{port}"
threads = 1
[delivery]
durability = "{durability}"
# The client repeats a pool of bodies (post_call_status.lua): every delivery is stored.
dedupe_window = 0
{privacy}[rejects]
path = "{data}/rejects.jsonl"
{sink}
[log]
level = "warn"
""")
    with open(data / "callsink.log", "wb") as log:
        proc = subprocess.Popen(["taskset", "-c", SERVER_CORE, str(binary), "--config", str(conf)],
                                stdout=subprocess.DEVNULL, stderr=log, env=env)
    wait_listening(port, proc)
    return proc, port


def write_session_templates(work: Path) -> tuple[Path, Path]:
    """post_call_sessions.lua's templates (path, a tab, the body with @S@, @E@ and @T@): a call's
    session, in order (leg A received, leg B initiated, both connected, both disconnected, the
    summary), and the hot session's statuses (a long call's updates, on both legs)."""
    def status(leg: str, direction: str, call_status: str, duration: int) -> str:
        event = json.loads((ROOT / "tests/data/call_status_2026.json").read_text())
        event["payload"].update(eventId="@E@", callId=f"@S@-{leg}", sessionId="@S@",
                                callStatus=call_status, callDirection=direction,
                                callDuration=duration, timestamp="@T@")
        return "/status\t" + json.dumps(event, separators=(",", ":"))

    summary = json.loads((ROOT / "tests/data/session_summary_success.json").read_text())
    summary["payload"].update(sessionId="@S@", startTime="2026-01-06T00:00:00.000Z",
                              endTime="@T@")
    for name, leg in (("callA", "a"), ("callB", "b")):
        summary["payload"]["details"][name]["callId"] = f"@S@-{leg}"
    sessions = work / "sessions.templates"
    sessions.write_text("\n".join([
        status("a", "INBOUND", "CALL_RECEIVED", 0), status("b", "OUTBOUND", "CALL_INITIATED", 0),
        status("a", "INBOUND", "CALL_CONNECTED", 0), status("b", "OUTBOUND", "CALL_CONNECTED", 0),
        status("a", "INBOUND", "CALL_DISCONNECTED", 60),
        status("b", "OUTBOUND", "CALL_DISCONNECTED", 60),
        "/summary\t" + json.dumps(summary, separators=(",", ":"))]) + "\n")
    hot = work / "hot-session.templates"
    hot.write_text(status("a", "INBOUND", "CALL_UPDATED", 0) + "\n" +
                   status("b", "OUTBOUND", "DTMF_RECEIVED", 0) + "\n")
    return sessions, hot


def sessions_client(templates: Path, session: str | None = None) -> dict:
    """run_wrk's script and environment for post_call_sessions.lua posting `templates` (each
    event in a session of its own window, or all of them in `session`)."""
    env = {"BENCH_TEMPLATES": str(templates), "BENCH_WINDOW": str(SESSION_WINDOW)}
    if session:
        env["BENCH_SESSION"] = session
    return {"script": "post_call_sessions.lua", "script_env": env}


def warm_up(port: int, name: str, timeout: float = 30) -> None:
    """One delivery answered 200 before the rounds: the producer has connected to the cluster,
    found the partitions' leaders and got its producer id, which takes the first delivery about
    half a second and is not what the rounds measure."""
    body = (ROOT / "tests/data/call_status_2026.json").read_text().replace(
        "e2078079-eae8-11f0-ae64-a500004e488e", f"bench-warm-up-{name}")
    deadline = time.monotonic() + timeout
    while True:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/status", body.encode(),
                                             {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                if reply.status == 200:
                    return
        except OSError as error:
            if time.monotonic() > deadline:
                raise RuntimeError(f"callsink on {port} did not store a delivery in "
                                   f"{timeout:.0f} s: {error}") from error
            time.sleep(0.2)


WRITTEN = "callsink_sink_written_total"
SYNCS = "callsink_sink_syncs_total"


def sink_counters(port: int, sinks: str = "(?!rejects )") -> dict[str, int]:
    """callsink's per-sink counters from /metrics (WRITTEN, SYNCS, ...), each summed over the sinks
    whose label starts as the regex `sinks` allows: by default every sink but the rejects file.
    One scrape for all, so they are read at the same moment; a counter the daemon does not
    export (SYNCS, before it had one) is absent."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    totals = {}
    for m in re.finditer(rf'^(callsink_sink_\w+_total)\{{sink="{sinks}[^"]*"\}} (\S+)$', text,
                         re.M):
        totals[m.group(1)] = totals.get(m.group(1), 0) + int(float(m.group(2)))
    return totals


UNFORWARDED = "callsink_journal_unforwarded_records"
FORWARDED = "callsink_journal_forwarded_total"


def journal_counts(port: int) -> dict[str, int]:
    """UNFORWARDED and FORWARDED from /metrics, each summed over the forwarded sinks, in one
    scrape."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    totals = {UNFORWARDED: 0, FORWARDED: 0}
    for m in re.finditer(rf'^({UNFORWARDED}|{FORWARDED})\{{sink="[^"]*"\}} (\S+)$', text, re.M):
        totals[m.group(1)] += int(float(m.group(2)))
    return totals


def wait_forwarded(port: int, proc: subprocess.Popen, timeout: float = 600) -> tuple[float, dict]:
    """Polls /metrics every 50 ms until the forwarders have every record the journal holds
    (UNFORWARDED back to 0): the seconds that took, and the last scrape."""
    started = time.monotonic()
    while True:
        counts = journal_counts(port)
        if counts[UNFORWARDED] == 0:
            return time.monotonic() - started, counts
        if proc.poll() is not None or time.monotonic() - started > timeout:
            raise RuntimeError(f"callsink on {port}: {counts[UNFORWARDED]} records still not "
                               f"forwarded after {time.monotonic() - started:.0f} s "
                               f"(exit status {proc.poll()}; see its callsink.log)")
        time.sleep(0.05)


# Appends a ~700-byte line (about one stored delivery) and fdatasyncs it, over and over for 3 s,
# then prints how many pairs per second it did.
SYNC_PROBE = """
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
line = b"x" * 699 + b"\\n"
syncs = 0
started = time.monotonic()
while time.monotonic() - started < 3:
    os.write(fd, line)
    os.fdatasync(fd)
    syncs += 1
print(syncs / (time.monotonic() - started))
"""


def disk_syncs_per_s(directory: Path) -> float:
    """How many write + fdatasync pairs per second one thread on the server's core gets from the
    filesystem of `directory`: the most syncs a writer that waits for each one can do."""
    scratch = directory / "sync-probe"
    try:
        out = subprocess.run(["taskset", "-c", SERVER_CORE, sys.executable, "-c", SYNC_PROBE,
                              str(scratch)], capture_output=True, text=True, check=True).stdout
    finally:
        scratch.unlink(missing_ok=True)
    return float(out)


def group_commit(runs: list[dict]) -> tuple[float | None, float | None]:
    """A server's syncs per second over its runs and deliveries per sync; (None, None) where it
    does not export SYNCS (an older build) or the mode does not count them."""
    if not all(SYNCS in r.get("counters", {}) for r in runs):
        return None, None
    syncs = sum(r["counters"][SYNCS] for r in runs)
    written = sum(r["counters"].get(WRITTEN, 0) for r in runs)
    return (syncs / sum(r["elapsed"] for r in runs),
            written / syncs if syncs else float("nan"))


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, fields 14 and 15 of stat(5)


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(port: int, duration: int, close: bool, fixed: bool = False,
            pid: int | None = None, mock_pid: int | None = None,
            script: str = "post_call_status.lua", connections: int = CONNECTIONS,
            script_env: dict | None = None) -> dict:
    env = dict(os.environ, BENCH_BODY=str(ROOT / "tests/data/call_status_2026.json"),
               BENCH_CLOSE="1" if close else "0", BENCH_FIXED="1" if fixed else "0",
               **(script_env or {}))
    ticks_before = cpu_ticks(pid) if pid else 0
    mock_before = cpu_ticks(mock_pid) if mock_pid else 0
    wrk_before = children_cpu_seconds()  # wrk is the only child reaped during the run
    started = time.monotonic()
    out = subprocess.run(
        ["taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
         "--latency", "-s", str(ROOT / "bench" / script),
         f"http://127.0.0.1:{port}/status"],
        capture_output=True, text=True, env=env, check=True).stdout
    ticks = cpu_ticks(pid) - ticks_before if pid else 0
    elapsed = time.monotonic() - started
    wrk_busy = (children_cpu_seconds() - wrk_before) / elapsed
    mock_busy = ((cpu_ticks(mock_pid) - mock_before) / os.sysconf("SC_CLK_TCK") / elapsed
                 if mock_pid else 0.0)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    cpu_us = ticks / os.sysconf("SC_CLK_TCK") * 1e6 / requests if pid and requests else float("nan")
    busy = ticks / os.sysconf("SC_CLK_TCK") / elapsed if pid else float("nan")
    return {"rps": rps, "p50": p50, "p99": p99, "cpu_us": cpu_us, "busy": busy,
            "requests": requests, "elapsed": elapsed,
            "wrk_busy": wrk_busy, "mock_busy": mock_busy,
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def bench_mode(binary: Path, baseline: Path | None, work: Path, mode: str, rounds: int,
               duration: int, kafka_mock: Path | None = None,
               kafka_partitions: int = KAFKA_PARTITIONS) -> dict:
    connection, durability = mode.split("-")
    close = connection == "close"
    fsync = durability == "fsync"
    kafka = KafkaMock(kafka_mock, work, kafka_partitions) if connection == "kafka" else None
    bootstrap = kafka.bootstrap if kafka else None
    mock_pid = kafka.proc.pid if kafka else None
    journal = connection == "journal"
    pg = PostgresServer() if connection in ("postgres", "journal") else None
    databases = {}
    nginx = None
    servers = {}
    load = [os.getloadavg()[0]]
    # The PostgreSQL modes post sessions' events, each new (post_call_sessions.lua); the other
    # modes a pool of bodies (post_call_status.lua).
    templates = write_session_templates(work) if pg else None
    client = sessions_client(templates[0]) if pg else {}
    # The servers whose sink is PostgreSQL (all but the journal modes' file sink).
    to_postgres = ("callsink", "baseline") if pg else ()
    try:
        # In work, where start_callsink makes the servers' data directories: their filesystem
        # (/tmp could be a tmpfs, where an fdatasync costs nothing). Before any server starts, so
        # the server's core is idle.
        disk_syncs = disk_syncs_per_s(work) if fsync else None
        nginx, nginx_port = start_nginx(work)
        databases["callsink"] = pg.new_database() if pg else None
        servers["callsink"] = start_callsink(binary, work, durability, bootstrap,
                                             databases["callsink"], journal)
        if baseline:
            databases["baseline"] = pg.new_database() if pg else None
            servers["baseline"] = start_callsink(baseline, work / "baseline", durability,
                                                 bootstrap, databases["baseline"], journal)
        if journal:
            # The file sink's rate beside the forwarded sink's, in the same rounds, posted the
            # same sessions' events.
            servers["file"] = start_callsink(binary, work, durability)
        if kafka or pg:
            for name, (_, port) in servers.items():
                warm_up(port, name)
        for name, (proc, port) in servers.items() if journal else ():
            if name != "file":
                wait_forwarded(port, proc)  # the warm-up, and the schema made at connecting
        for url in databases.values() if pg else ():
            pg.reset_statement_times(url.rsplit("/", 1)[1])
        results = {"nginx": [], "nginx_fixed": [], **{name: [] for name in servers}}
        for round_number in range(rounds):
            # The fixed body first in even rounds, the bench's bodies first in odd ones: an effect
            # of the order then splits even rounds from odd ones, where noise would not.
            for fixed in (True, False) if round_number % 2 == 0 else (False, True):
                results["nginx_fixed" if fixed else "nginx"].append(
                    run_wrk(nginx_port, duration, close, fixed=fixed, pid=nginx.pid, **client))
            for name, (proc, port) in servers.items():
                forwarded = journal and name != "file"
                # The group commit's counters: the journal's, where the sink is forwarded from it.
                syncing = "journal " if forwarded else "(?!rejects )"
                before = sink_counters(port, syncing) if fsync else {}
                pg_before = pg.cpu_seconds() if pg else 0
                ticks_before = cpu_ticks(proc.pid)
                journal_before = journal_counts(port) if forwarded else {}
                run = run_wrk(port, duration, close, pid=proc.pid, mock_pid=mock_pid, **client)
                if forwarded:
                    # What the forwarder took during the load, what it had left when the load
                    # stopped, and how long it took to catch up, before the next run starts (so
                    # its work does not land in another server's run).
                    at_end = journal_counts(port)
                    # PostgreSQL shares the client's core with wrk: what it took from wrk.
                    run["pg_busy"] = (pg.cpu_seconds() - pg_before) / run["elapsed"]
                    run["forwarded_rps"] = ((at_end[FORWARDED] - journal_before[FORWARDED]) /
                                            run["elapsed"])
                    run["backlog_at_end"] = at_end[UNFORWARDED]
                    run["catch_up_s"], _ = wait_forwarded(port, proc)
                    # callsink's CPU per delivery with the forwarding it caused, all of it.
                    run["cpu_us_forwarded"] = ((cpu_ticks(proc.pid) - ticks_before) /
                                               os.sysconf("SC_CLK_TCK") * 1e6 / run["requests"])
                if name in to_postgres:
                    run["pg_cpu_us"] = (pg.cpu_seconds() - pg_before) * 1e6 / run["requests"]
                if fsync:
                    after = sink_counters(port, syncing)
                    run["counters"] = {key: after[key] - before.get(key, 0) for key in after}
                results[name].append(run)
        rss = {name: peak_rss_mb(proc.pid) for name, (proc, _) in servers.items()}
        written = ({name: sink_counters(port, "kafka ").get(WRITTEN, 0)
                    for name, (_, port) in servers.items()} if kafka else {})
        mock_rss = peak_rss_mb(mock_pid) if kafka else float("nan")
        if pg:
            written = {name: int(pg.psql(url.rsplit("/", 1)[1],
                                         "SELECT count(*) FROM callsink.events"))
                       for name, url in databases.items()}
            statements = {name: pg.statement_times(url.rsplit("/", 1)[1])
                          for name, url in databases.items()}
            copied = pg.copy_rate(databases["callsink"].rsplit("/", 1)[1])
            # The hot session is the direct sink's case: a forwarded sink's reply does not wait
            # on PostgreSQL.
            hot = (None if journal else
                   hot_session_rounds(pg, servers, databases, templates, rounds, duration))
        load.append(os.getloadavg()[0])
    finally:
        if nginx:
            stop(nginx)
        for proc, _ in servers.values():
            stop(proc)
        if kafka:
            kafka.stop()
        if pg:
            pg.stop()
    if kafka or pg:
        stored = written["callsink"]
    else:
        stored = sum(1 for _ in open(work / f"data-{durability}" / "events.jsonl", "rb"))
    def median(server, key):
        return statistics.median(r[key] for r in results[server])
    report = {
        "mode": mode,
        "kafka": kafka is not None, "mock_rss_mb": mock_rss,
        "journal": journal,
        "nginx_fixed_rps": median("nginx_fixed", "rps"),
        "nginx_rps": median("nginx", "rps"),
        "rates_agree": median("nginx", "rps") >= 0.95 * median("nginx_fixed", "rps"),
        # A server whose core is this busy is the limit, whatever the client could do more.
        "nginx_saturated": median("nginx", "busy") >= SATURATED,
        "nginx_busy": median("nginx", "busy"), "nginx_cpu_us": median("nginx", "cpu_us"),
        "nginx_wrk_busy": median("nginx", "wrk_busy"),
        "nginx_p50": median("nginx", "p50"), "nginx_p99": median("nginx", "p99"),
        "stored": stored,
        "disk_syncs_per_s": disk_syncs,
        "rounds": results,
        "load": load,
        "postgres": {"statements": statements, "copy": copied, "hot": hot} if pg else None,
    }
    # The client is the limit where nginx is not saturated and either the two bodies' rates part or
    # wrk's own core is: then both rates are wrk's (a new connection per request, where wrk's one
    # thread opens connections more slowly than nginx answers them, passes the rates check). wrk's
    # core is at 98% to 99% in every mode on this VM, so here the verdict rests on nginx's core;
    # the rates check decides on a machine where the client has room to spare.
    report["client_bound"] = not report["nginx_saturated"] and (
        not report["rates_agree"] or report["nginx_wrk_busy"] >= 0.95)
    for name in servers:
        syncs_per_s, deliveries_per_sync = group_commit(results[name])
        forwarded = journal and name != "file"
        report[name] = {
            "rps": median(name, "rps"), "ratio": median(name, "rps") / median("nginx", "rps"),
            "p50": median(name, "p50"), "p99": median(name, "p99"),
            "cpu_us": median(name, "cpu_us"), "rss_mb": rss[name],
            "non2xx": sum(r["non2xx"] for r in results[name]),
            "socket_errors": [r["socket_errors"] for r in results[name] if r["socket_errors"]],
            "replies": sum(r["requests"] - r["non2xx"] for r in results[name]),
            "written": written.get(name),
            "wrk_busy": median(name, "wrk_busy"), "mock_busy": median(name, "mock_busy"),
            "busy": median(name, "busy"),
            "syncs_per_s": syncs_per_s, "deliveries_per_sync": deliveries_per_sync,
            "pg_cpu_us": median(name, "pg_cpu_us") if name in to_postgres else None,
            **({key: median(name, key) for key in ("forwarded_rps", "backlog_at_end",
                                                   "catch_up_s", "cpu_us_forwarded", "pg_busy")}
               if forwarded else {}),
        }
    return report


def bench_backlog(binary: Path, work: Path, backlog: int) -> dict:
    """journal-backlog: callsink forwarding to PostgreSQL from its journal (durability write);
    PostgreSQL stopped, at least `backlog` deliveries posted (the sessions' events of the
    PostgreSQL modes, in runs of wrk until the journal holds that many), PostgreSQL started
    again, and the drain timed from the forwarder's first records to UNFORWARDED back at 0; then
    PostgreSQL's own COPY of the same rows."""
    pg = PostgresServer()
    templates = write_session_templates(work)
    client = sessions_client(templates[0])
    proc = None
    load = [os.getloadavg()[0]]
    try:
        url = pg.new_database()
        db = url.rsplit("/", 1)[1]
        proc, port = start_callsink(binary, work, "write", postgres=url, journal=True)
        warm_up(port, "backlog")
        _, counts = wait_forwarded(port, proc)  # the schema is made, the warm-up stored
        pg.pause()
        posts = []
        seconds = 1  # the first run measures the rate, the next ones aim at what is missing
        while counts[UNFORWARDED] < backlog:
            posts.append(run_wrk(port, seconds, False, pid=proc.pid, **client))
            counts = journal_counts(port)
            seconds = max(1, int((backlog - counts[UNFORWARDED]) / posts[-1]["rps"]))
        held, forwarded_before = counts[UNFORWARDED], counts[FORWARDED]
        pg.resume()
        # The forwarder comes back at its next retry, up to its backoff's cap (30 s) later.
        resumed = time.monotonic()
        while counts[FORWARDED] == forwarded_before:
            if proc.poll() is not None or time.monotonic() - resumed > 90:
                raise RuntimeError(f"callsink on {port} forwarded nothing in 90 s after "
                                   "PostgreSQL came back; see its callsink.log")
            time.sleep(0.05)
            counts = journal_counts(port)
        first_wait = time.monotonic() - resumed
        ticks, pg_seconds = cpu_ticks(proc.pid), pg.cpu_seconds()
        drain_s, last = wait_forwarded(port, proc, timeout=3600)
        drained = last[FORWARDED] - counts[FORWARDED]
        callsink_busy = (cpu_ticks(proc.pid) - ticks) / os.sysconf("SC_CLK_TCK") / drain_s
        pg_busy = (pg.cpu_seconds() - pg_seconds) / drain_s
        stored = int(pg.psql(db, "SELECT count(*) FROM callsink.events"))
        copied, copy_rate = pg.copy_rate(db)
        load.append(os.getloadavg()[0])
    finally:
        if proc:
            stop(proc)
        pg.stop()
    return {"held": held, "posted_rps": (sum(r["requests"] for r in posts) /
                                         sum(r["elapsed"] for r in posts)),
            "post_non2xx": sum(r["non2xx"] for r in posts),
            "first_wait_s": first_wait, "drain_s": drain_s, "drained": drained,
            "drain_rps": drained / drain_s, "callsink_busy": callsink_busy, "pg_busy": pg_busy,
            "stored": stored, "forwarded": last[FORWARDED], "copy": (copied, copy_rate),
            "load": load}


def print_backlog(r: dict) -> None:
    copied, copy_rate = r["copy"]
    print(f"journal-backlog: {r['held']:,} deliveries posted while PostgreSQL was down "
          f"({r['posted_rps']:,.0f} req/s into the journal, non-2xx {r['post_non2xx']})")
    print(f"  PostgreSQL back: the forwarder's first records {r['first_wait_s']:.1f} s later (its "
          f"retry backoff), then {r['drained']:,} records in {r['drain_s']:.1f} s: "
          f"{r['drain_rps']:,.0f} records/s; callsink's core {r['callsink_busy']:.0%} busy, "
          f"PostgreSQL's {r['pg_busy']:.0%}")
    print(f"  PostgreSQL's own COPY of the {copied:,} rows stored, into a table like "
          f"callsink.events (same indexes, no trigger): {copy_rate:,.0f} rows/s; the drain ran "
          f"at {r['drain_rps'] / copy_rate:.2f}x that rate")
    print(f"  PostgreSQL holds {r['stored']:,} events; the forwarder took {r['forwarded']:,} "
          f"records (with the warm-up)")
    print(f"  load average (1 min) at the mode's start and end: {r['load'][0]:.2f}, "
          f"{r['load'][-1]:.2f}")


def hot_session_rounds(pg: PostgresServer, servers: dict, databases: dict,
                       templates: tuple[Path, Path], rounds: int, duration: int) -> dict:
    """For each server, HOT_CONNECTIONS connections posting to new sessions, and as many posting
    to one session that already holds HOT_SESSION_EVENTS events (stored straight into its
    database first), in alternating order, `rounds` times each: each case's median run."""
    sessions, hot = templates
    hot_sessions = {}
    for name, url in databases.items():
        hot_sessions[name] = f"{os.getpid() % 0xffffffff:08x}-407a-4000-8000-{len(hot_sessions):012d}"
        pg.preload_session(url.rsplit("/", 1)[1], hot_sessions[name],
                           hot.read_text().splitlines()[0], HOT_SESSION_EVENTS)
    runs = {name: {"new": [], "hot": []} for name in servers}
    for round_number in range(rounds):
        for name, (proc, port) in servers.items():
            for case in ("new", "hot") if round_number % 2 == 0 else ("hot", "new"):
                client = (sessions_client(sessions) if case == "new"
                          else sessions_client(hot, hot_sessions[name]))
                runs[name][case].append(run_wrk(port, duration, False, pid=proc.pid,
                                                connections=HOT_CONNECTIONS, **client))
    return {name: {case: {key: statistics.median(r[key] for r in case_runs)
                          for key in ("rps", "p50", "p99")}
                   for case, case_runs in by_case.items()}
            for name, by_case in runs.items()}


def client_verdict(r: dict) -> str:
    """Whether the client held nginx back. The rates with the bench's bodies and with one fixed
    body agreeing says so directly; where this VM's noise (consecutive runs of one setup differ
    by up to 10%) parts them, nginx's core being saturated with the bench's bodies still shows
    that the server, not the client, was the limit."""
    if r["nginx_saturated"] and not r["rates_agree"]:
        return (f"the rates differ by more than 5%, but nginx's core was {r['nginx_busy']:.0%} "
                f"busy with the bench's bodies: the server, not the client, was the limit")
    if not r["client_bound"]:
        return (f"client not the limit: nginx's core {r['nginx_busy']:.0%} busy"
                if r["nginx_saturated"] else "client not the limit")
    return ("CLIENT-BOUND: the rate ratios below measure wrk, not the servers; compare the CPU "
            "ratio")


def print_row(label: str, r: dict, nginx: dict) -> None:
    print(f"  {label:<10} {r['rps']:>9.0f} rps {r['ratio']:>5.2f}x nginx  "
          f"p50/p99 {r['p50']:.2f}/{r['p99']:.2f} ms (nginx {nginx['nginx_p50']:.2f}/"
          f"{nginx['nginx_p99']:.2f})  {r['cpu_us']:.1f} us CPU per delivery "
          f"({nginx['nginx_cpu_us'] / r['cpu_us']:.2f}x nginx's CPU ratio)  "
          f"RSS {r['rss_mb']:.1f} MB  non-2xx {r['non2xx']}", flush=True)
    if r["socket_errors"]:
        print(f"    socket errors: {r['socket_errors']}")


def print_kafka_rows(r: dict, servers: list[str]) -> None:
    for name in servers:
        k = r[name]
        # wrk does not count the replies still in flight when it stops; the cluster has them.
        print(f"  {name}: the mock cluster acknowledged {k['written']} records (1 of them the "
              f"warm-up), wrk counted {k['replies']} 200s; client core {CLIENT_CORE} busy "
              f"{k['wrk_busy'] * 100:.0f}% wrk + {k['mock_busy'] * 100:.0f}% mock cluster "
              f"(median round)"
              + ("  CLIENT-CORE-BOUND: wrk and the mock share a saturated core"
                 if k["wrk_busy"] + k["mock_busy"] > 0.95 else ""))
    print(f"  mock cluster peak RSS {r['mock_rss_mb']:.0f} MB (it keeps every record in memory)")


def print_postgres_rows(r: dict, servers: list[str]) -> None:
    p = r["postgres"]
    copied, copy_rate = p["copy"]
    # A forwarded sink stores at the forwarder's rate, not at the replies'.
    stored_rps = r["callsink"]["forwarded_rps"] if r["journal"] else r["callsink"]["rps"]
    print(f"  PostgreSQL's own COPY of the {copied:,} rows the sink stored, into a table like "
          f"callsink.events (same indexes, no trigger): {copy_rate:,.0f} rows/s; the sink "
          f"stored {stored_rps / copy_rate:.2f}x that rate"
          + (" (forwarded during the load)" if r["journal"] else ""))
    for name in servers:
        g, st = r[name], p["statements"][name]
        # Load-independent: CPU time and the statements' own time, per delivery stored.
        print(f"  {name}: PostgreSQL CPU {g['pg_cpu_us']:.1f} us per delivery (median round); its "
              f"statements' own time {st['ms'] * 1000 / max(st['rows'], 1):.1f} us per delivery "
              f"stored (commits aside), {st['rows'] / max(st['inserts'], 1):.1f} deliveries per "
              f"INSERT ({st['inserts']:,} INSERTs)")
    for name in servers if p["hot"] else ():
        new, hot = p["hot"][name]["new"], p["hot"][name]["hot"]
        print(f"  {name}, {HOT_CONNECTIONS} connections: new sessions {new['rps']:.0f} rps "
              f"p50/p99 {new['p50']:.2f}/{new['p99']:.2f} ms; one session holding "
              f"{HOT_SESSION_EVENTS:,} events {hot['rps']:.0f} rps p50/p99 {hot['p50']:.2f}/"
              f"{hot['p99']:.2f} ms: {hot['rps'] / new['rps']:.2f}x the rate, "
              f"{hot['p99'] / new['p99']:.2f}x the p99")


def print_journal_rows(r: dict, servers: list[str]) -> None:
    """The forwarded sink's side of a journal mode, then the file sink of the same rounds beside
    it."""
    for name in servers:
        j = r[name]
        print(f"  {name}: forwarded to PostgreSQL {j['forwarded_rps']:,.0f} records/s during the "
              f"load ({j['forwarded_rps'] / j['rps']:.2f}x the replies); {j['backlog_at_end']:,.0f}"
              f" records waited when it stopped, caught up {j['catch_up_s']:.1f} s later "
              f"(median round); {j['cpu_us_forwarded']:.1f} us CPU per delivery with the "
              f"forwarding it caused; PostgreSQL holds {j['written']:,} events, wrk counted "
              f"{j['replies']:,} 200s (and 1 warm-up)")
    f = r["file"]
    for name in servers:
        j = r[name]
        # The forwarder's INSERTs make PostgreSQL work on the client's core during the load: the
        # nginx check cannot see what that takes from wrk.
        print(f"  {name}: callsink's core {j['busy']:.0%} busy during the load (the file sink's "
              f"{f['busy']:.0%}); client core {CLIENT_CORE} busy {j['wrk_busy']:.0%} wrk + "
              f"{j['pg_busy']:.0%} PostgreSQL (median round)"
              + ("  CLIENT-CORE-BOUND: wrk and PostgreSQL share a saturated core"
                 if j["wrk_busy"] + j["pg_busy"] > 0.95 else ""))
    j = r["callsink"]
    print_row("file", f, r)
    print(f"  journal/file: {j['rps'] / f['rps']:.3f}x rate, {j['cpu_us'] / f['cpu_us']:.3f}x CPU "
          f"per delivery during the load, {j['cpu_us_forwarded'] / f['cpu_us']:.3f}x with the "
          f"forwarding")


def print_fsync_row(r: dict, servers: list[str]) -> None:
    # A group commit answers a batch after one fdatasync, so its ceiling is syncs per second times
    # deliveries per sync: the disk's rate says how far the syncs can go, the batch size how much
    # each one carries.
    print(f"  fsync: the disk allows {r['disk_syncs_per_s']:,.0f} fdatasync/s (one thread, same "
          f"filesystem)"
          + "".join(f"; {name} did {r[name]['syncs_per_s']:,.0f} syncs/s, "
                    f"{r[name]['deliveries_per_sync']:,.0f} deliveries per sync"
                    for name in servers if r[name]["syncs_per_s"] is not None))


def find_kafka_mock(option: str | None, binary: Path) -> Path | None:
    if option:
        return Path(option)
    for candidate in (binary.parent / "tests/callsink_kafka_mock",
                      ROOT / "build/release-tests/tests/callsink_kafka_mock"):
        if candidate.exists():
            return candidate
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--modes", default="keepalive-write,keepalive-fsync,close-write",
                        help="comma-separated; keepalive-write, keepalive-fsync, close-write, "
                             "kafka-write (a Kafka sink to the mock cluster), postgres-write "
                             "(a PostgreSQL sink to a private PostgreSQL 15), journal-write and "
                             "journal-fsync (the PostgreSQL sink forwarded from a [journal], "
                             "beside a file sink), journal-backlog (a backlog drained into "
                             "PostgreSQL), keepalive-mask, keepalive-hash")
    parser.add_argument("--callsink", default=str(ROOT / "build/release/callsink"))
    parser.add_argument("--baseline", help="an earlier callsink binary to run in the same rounds")
    parser.add_argument("--kafka-mock",
                        help="callsink_kafka_mock, for kafka-write (default: tests/"
                             "callsink_kafka_mock beside --callsink, then build/release-tests/"
                             "tests/callsink_kafka_mock)")
    parser.add_argument("--backlog", type=int, default=BACKLOG,
                        help=f"deliveries journal-backlog posts while PostgreSQL is down (default "
                             f"{BACKLOG:,}, as issue 20 asks; posting and draining it takes about a minute and a "
                             f"half on the bench's 2-core VM, and the journal and PostgreSQL "
                             f"need about 6 GB of disk)")
    parser.add_argument("--kafka-partitions", type=int, default=KAFKA_PARTITIONS,
                        help="partitions of the mock cluster's topic for kafka-write (default "
                             f"{KAFKA_PARTITIONS})")
    args = parser.parse_args()
    binary = Path(args.callsink)
    baseline = Path(args.baseline) if args.baseline else None
    modes = args.modes.split(",")
    for mode in modes:
        connection, _, durability = mode.partition("-")
        if mode != BACKLOG_MODE and (connection not in CONNECTION_MODES
                                     or durability not in DURABILITIES):
            print(f"bench: unknown mode {mode!r}; a mode is {BACKLOG_MODE} or "
                  f"CONNECTION-DURABILITY with CONNECTION one of {', '.join(CONNECTION_MODES)} "
                  f"and DURABILITY one of {', '.join(DURABILITIES)}", file=sys.stderr)
            return 2
    kafka_mock = None
    if any(mode.startswith("kafka-") for mode in modes):
        kafka_mock = find_kafka_mock(args.kafka_mock, binary)
        if kafka_mock is None:
            print("bench: kafka modes need callsink_kafka_mock (a build with "
                  "-DCALLSINK_BUILD_TESTS=ON); pass --kafka-mock PATH", file=sys.stderr)
            return 2
    for path in [binary] + ([baseline] if baseline else []) + ([kafka_mock] if kafka_mock else []):
        if not path.exists():
            print(f"bench: {path} not found; build it first (see --help)", file=sys.stderr)
            return 2
    if os.cpu_count() < 2:
        print("bench: needs 2 cores (server on one, wrk on the other)", file=sys.stderr)
        return 2
    print(f"bench: {os.cpu_count()} cores, {args.rounds} alternating rounds of {args.duration}s, "
          f"{CONNECTIONS} connections, server on core {SERVER_CORE}, wrk on core {CLIENT_CORE}")
    if kafka_mock:
        print(f"bench: kafka modes produce to {kafka_mock} ({KAFKA_BROKERS} brokers, topic "
              f"{KAFKA_TOPIC} of {args.kafka_partitions} partitions, replication "
              f"{min(KAFKA_BROKERS, 3)}) on core {CLIENT_CORE}, beside wrk")
    reports = {}
    with tempfile.TemporaryDirectory(prefix="callsink-bench-") as tmp:
        (Path(tmp) / "baseline").mkdir()
        for mode in modes:
            if mode == BACKLOG_MODE:
                print_backlog(bench_backlog(binary, Path(tmp), args.backlog))
                continue
            r = bench_mode(binary, baseline, Path(tmp), mode, args.rounds, args.duration,
                           kafka_mock, args.kafka_partitions)
            reports[mode] = r
            print(f"{mode}: nginx {r['nginx_rps']:.0f} rps with the bench's bodies, "
                  f"{r['nginx_fixed_rps']:.0f} with one fixed body ({client_verdict(r)})")
            print(f"  nginx: its core {r['nginx_busy']:.0%} busy, {r['nginx_cpu_us']:.1f} us CPU "
                  f"per request; wrk's core {r['nginx_wrk_busy']:.0%} busy")
            # Per round, so an order effect (the two runs swap places every round) shows.
            print("  nginx by round, fixed body / bench's bodies: " + ", ".join(
                f"{fixed['rps']:.0f} / {bodies['rps']:.0f}" + (" (fixed first)" if i % 2 == 0
                                                                 else " (bodies first)")
                for i, (fixed, bodies) in enumerate(zip(r["rounds"]["nginx_fixed"],
                                                        r["rounds"]["nginx"]))))
            print_row("callsink", r["callsink"], r)
            if baseline:
                print_row("baseline", r["baseline"], r)
                print(f"  callsink/baseline: {r['callsink']['rps'] / r['baseline']['rps']:.3f}x "
                      f"rate, {r['callsink']['cpu_us'] / r['baseline']['cpu_us']:.3f}x CPU per "
                      f"delivery")
            if r["kafka"]:
                print_kafka_rows(r, ["callsink"] + (["baseline"] if baseline else []))
            if r["journal"]:
                print_journal_rows(r, ["callsink"] + (["baseline"] if baseline else []))
            if r["disk_syncs_per_s"] is not None:
                print_fsync_row(r, ["callsink"] + (["baseline"] if baseline else [])
                                + (["file"] if r["journal"] else []))
            if r["postgres"]:
                print_postgres_rows(r, ["callsink"] + (["baseline"] if baseline else []))
            print(f"  load average (1 min) at the mode's start and end: "
                  f"{r['load'][0]:.2f}, {r['load'][-1]:.2f}")
    file_mode, kafka_mode = reports.get("keepalive-write"), reports.get("kafka-write")
    if file_mode and reports.get("postgres-write"):
        f, g = file_mode["callsink"], reports["postgres-write"]["callsink"]
        print("postgres sink against file sink (keep-alive, durability write):")
        print_row("file", f, file_mode)
        print_row("postgres", g, reports["postgres-write"])
        print(f"  postgres/file: {g['rps'] / f['rps']:.3f}x rate, "
              f"{g['cpu_us'] / f['cpu_us']:.3f}x CPU per delivery")
    if file_mode and kafka_mode:
        f, k = file_mode["callsink"], kafka_mode["callsink"]
        print("kafka sink against file sink (keep-alive, durability write; each against nginx in "
              "its own mode):")
        print_row("file", f, file_mode)
        print_row("kafka", k, kafka_mode)
        print(f"  kafka/file: {k['rps'] / f['rps']:.3f}x rate, {k['cpu_us'] / f['cpu_us']:.3f}x "
              f"CPU per delivery")
    return 0


if __name__ == "__main__":
    sys.exit(main())
