"""A private PostgreSQL 15 cluster for the postgres sink's integration tests.

The session-scoped `postgres_server` runs one cluster (initdb) in a temporary directory, on a free
loopback port, for the whole pytest session; the function-scoped `postgres` hands each test that
server with a fresh database of its own (CREATE DATABASE), so tests never see each other's rows.

- `conninfo(db=None, password=None)`: a libpq URI for the test's database over TCP, as the role
  `callsink` with its password (host connections need one: scram-sha-256), so the password is a
  real secret the tests can look for in the daemon's output (`PASSWORD`).
- `query(sql, db=None) -> [tuple]`: the rows, via psql over the Unix socket (--csv, no header;
  NULL comes back as None). `query_script(sql)`: the same for SQL longer than a command line
  takes, each statement on its own (psql -f). `query_json(sql)`: the rows of a SELECT as dicts,
  with their SQL types as JSON gives them. `scalar(sql)`: one value.
- `stop()` (fast shutdown), `start()` (the same port and data again), `kill()` (SIGKILL the
  postmaster and its children: a crash; start() then recovers). Whatever a test leaves stopped,
  the fixture starts again for the next one.
- `lock(sql)`: a psql session that runs `BEGIN; <sql>` and holds its locks until `.release()`.

Running as root, the cluster belongs to the unprivileged user `postgres` (the server refuses
root); otherwise it runs as the current user. The binaries come from $CALLSINK_PG_BINDIR, else
/usr/lib/postgresql/15/bin; when they are missing the test fails and says what to install
(scripts/install-deps.sh installs postgresql-15).

Only the Python standard library and pytest are used.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

DEFAULT_BINDIR = "/usr/lib/postgresql/15/bin"
ROLE = "callsink"
PASSWORD = "pg-Secret-7f3c91d2e5"  # the role's password: must never appear in callsink's output
TIMEOUT = 60.0


def _bindir() -> Path:
    bindir = Path(os.environ.get("CALLSINK_PG_BINDIR") or DEFAULT_BINDIR)
    missing = [tool for tool in ("initdb", "pg_ctl", "postgres", "psql")
               if not os.access(bindir / tool, os.X_OK)]
    if missing:
        pytest.fail(f"PostgreSQL 15 is not installed: {', '.join(missing)} missing in {bindir} "
                    "(scripts/install-deps.sh installs postgresql-15; or set CALLSINK_PG_BINDIR)")
    return bindir


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One cluster: its directory, port, and the database of the current test."""

    def __init__(self):
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="callsink-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.logfile = self.root / "server.log"
        self.port = None
        self.db = "postgres"  # the current test's database (set by the `postgres` fixture)
        self._names = itertools.count(1)
        self._user = None  # run the server as this user (root cannot)
        if os.geteuid() == 0:
            try:
                self._user = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root, the PostgreSQL server needs the user 'postgres' "
                            "(the postgresql-15 package creates it)")
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        self.sockets.mkdir()
        if self._user:
            os.chown(self.sockets, self._user.pw_uid, self._user.pw_gid)
        self._initdb()
        self._start_on_free_port()
        self.query(f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'", db="postgres")

    # -- processes --------------------------------------------------------------------------

    def _as_server_user(self) -> dict:
        if not self._user:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}

    def _run(self, args, what: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
        env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
        if self._user:
            env["HOME"] = self._user.pw_dir
        result = subprocess.run([str(a) for a in args], stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=timeout, env=env,
                                cwd=self.root, **self._as_server_user())
        if result.returncode != 0:
            raise AssertionError(f"{what} failed with {result.returncode}:\n{result.stdout}\n"
                                 f"{result.stderr}\n{self.server_log()[-3000:]}")
        return result

    def _initdb(self):
        pwfile = self.root / "pwfile"
        pwfile.write_text("postgres-superuser\n")
        if self._user:
            os.chown(pwfile, self._user.pw_uid, self._user.pw_gid)
        self._run([self.bindir / "initdb", "-D", self.data, "-U", "postgres", "--no-sync",
                   "-E", "UTF8", "--locale=C", "--auth-local=trust",
                   "--auth-host=scram-sha-256", f"--pwfile={pwfile}"], "initdb")

    def _start_on_free_port(self):
        for attempt in range(5):
            self.port = _free_port()
            try:
                self.start()
                return
            except AssertionError:
                if attempt == 4:
                    raise

    def server_log(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")
        except OSError:
            return ""

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        pid = self.postmaster_pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return not _zombie(pid)

    def start(self):
        """Starts the server on its port, on the same data; returns once it takes connections."""
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off -c timezone=UTC -c max_connections=50 "
                   "-c log_min_messages=warning")
        self._run([self.bindir / "pg_ctl", "-D", self.data, "-o", options, "-l", self.logfile,
                   "-w", "-t", "60", "start"], "pg_ctl start")

    def stop(self):
        """A fast shutdown: every session is disconnected, new connections are refused."""
        self._run([self.bindir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60",
                   "stop"], "pg_ctl stop")

    def kill(self):
        """SIGKILL to the postmaster and every backend: the server is gone at once, mid-work."""
        pid = self.postmaster_pid()
        assert pid is not None, "kill(): the server is not running"
        children = self._children(pid)
        for each in [pid, *children]:
            try:
                os.kill(each, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        for each in [pid, *children]:
            while Path(f"/proc/{each}").exists() and time.monotonic() < deadline:
                if _zombie(each):
                    break
                time.sleep(0.02)
        # The postmaster's parent is init, which may take its time to reap it; a zombie still
        # answers kill(pid, 0), and the next postmaster would take it for a live one. Its lock
        # files are stale: the data stays as the crash left it (start() runs crash recovery).
        (self.data / "postmaster.pid").unlink(missing_ok=True)
        (self.sockets / f".s.PGSQL.{self.port}.lock").unlink(missing_ok=True)

    @staticmethod
    def _children(parent: int) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry.name))
        return found

    def close(self):
        if self.running():
            try:
                self.stop()
            except AssertionError:
                self.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- databases and queries --------------------------------------------------------------

    def create_database(self) -> str:
        name = f"test_{os.getpid()}_{next(self._names)}"
        self.query(f"CREATE DATABASE {name} OWNER {ROLE}", db="postgres")
        return name

    def conninfo(self, db: str | None = None, password: str | None = None) -> str:
        return (f"postgresql://{ROLE}:{password or PASSWORD}@127.0.0.1:{self.port}/"
                f"{db or self.db}?sslmode=disable")

    def _psql(self, db: str | None) -> list[str]:
        return [str(self.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", str(self.sockets), "-p", str(self.port), "-U", "postgres",
                "-d", db or self.db]

    def query(self, sql: str, db: str | None = None) -> list[tuple]:
        """Runs `sql` (one or more statements); the rows of the last one, NULL as None."""
        return self._rows(["-c", sql], f"psql {sql[:200]!r}", db)

    def query_script(self, sql: str, db: str | None = None) -> list[tuple]:
        """Runs `sql` from a file, as psql -f does: each statement in a transaction of its own
        unless the script opens one, however long the script (a command line takes 128 KiB). The
        rows of every statement, one after the other, NULL as None."""
        script = self.root / f"script-{next(self._names)}.sql"
        script.write_text(sql)
        if self._user:
            os.chown(script, self._user.pw_uid, self._user.pw_gid)
        try:
            return self._rows(["-f", str(script)], f"psql -f {script}", db)
        finally:
            script.unlink()

    def _rows(self, source: list[str], what: str, db: str | None) -> list[tuple]:
        null = "\x01NULL\x01"
        result = self._run([*self._psql(db), "--csv", "-t", "-P", f"null={null}", *source], what)
        return [tuple(None if value == null else value for value in row)
                for row in csv.reader(io.StringIO(result.stdout))]

    def query_json(self, sql: str, db: str | None = None) -> list[dict]:
        """The rows of one SELECT as JSON objects: timestamps as ISO text in UTC, numbers as
        numbers, jsonb as itself."""
        rows = self.query(f"SELECT COALESCE(json_agg(q), '[]') FROM ({sql}) q", db)
        return json.loads(rows[0][0])

    def scalar(self, sql: str, db: str | None = None):
        rows = self.query(sql, db)
        assert len(rows) == 1 and len(rows[0]) == 1, f"{sql!r} returned {rows!r}"
        return rows[0][0]

    def lock(self, sql: str, db: str | None = None) -> "HeldLock":
        return HeldLock(self, sql, db)


class HeldLock:
    """An open transaction in psql that ran `sql` (LOCK TABLE ...) and waits for release()."""

    def __init__(self, server: PostgresServer, sql: str, db: str | None):
        self.proc = subprocess.Popen(server._psql(db), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "LC_ALL": "C"})
        self.proc.stdin.write(f"BEGIN;\n\\o /dev/null\n{sql};\n\\o\n\\echo LOCKED\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line.strip() == "LOCKED", f"psql could not take the lock: {line}"

    def release(self):
        if self.proc.poll() is None:
            self.proc.communicate("COMMIT;\n", timeout=TIMEOUT)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture(scope="session")
def postgres_server():
    """The session's cluster (see the module's docstring); removed at the end."""
    server = PostgresServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres(postgres_server) -> PostgresServer:
    """The session's cluster, running, with a fresh database of this test's own (server.db)."""
    if not postgres_server.running():
        postgres_server.start()
    postgres_server.db = postgres_server.create_database()
    yield postgres_server
    if not postgres_server.running():
        postgres_server.start()  # a test that stopped or killed it leaves it to the next one
    postgres_server.db = "postgres"
