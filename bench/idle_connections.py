#!/usr/bin/env python3
"""Measures callsink's memory while it holds many idle keep-alive connections, each of which has
made one delivery (the state a connection from 8x8 or nginx sits in between deliveries).

Usage: bench/idle_connections.py [--connections 10000] [--callsink build/release/callsink]
Prints callsink's resident and peak memory before and after.
"""

import argparse
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def memory_mb(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--callsink", default=str(ROOT / "build/release/callsink"))
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.connections + 1000), hard))
    body = (ROOT / "tests/data/call_status_2026.json").read_bytes()
    with tempfile.TemporaryDirectory(prefix="callsink-idle-") as tmp:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        conf = Path(tmp) / "callsink.toml"
        conf.write_text(f"""
[server]
listen = "127.0.0.1:{port}"
max_connections = {args.connections + 100}
idle_timeout_ms = 600000
[delivery]
dedupe_window = 0
[rejects]
path = "{tmp}/rejects.jsonl"
[[sinks]]
type = "file"
path = "{tmp}/events.jsonl"
[log]
level = "warn"
""")
        proc = subprocess.Popen([args.callsink, "--config", str(conf)])
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            before = memory_mb(proc.pid)
            request = (b"POST /status HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n" % len(body)) + body
            held = []
            for i in range(args.connections):
                c = socket.create_connection(("127.0.0.1", port), timeout=10)
                c.sendall(request)
                reply = c.recv(4096)
                if not reply.startswith(b"HTTP/1.1 200"):
                    print(f"connection {i}: {reply[:80]!r}", file=sys.stderr)
                    return 1
                held.append(c)
            time.sleep(1)
            after = memory_mb(proc.pid)
            print(f"idle keep-alive connections: {len(held)}")
            print(f"callsink RSS before: {before[0]:.1f} MB; holding them: {after[0]:.1f} MB "
                  f"(peak {after[1]:.1f} MB); {1024 * (after[0] - before[0]) / len(held):.1f} KB "
                  f"per connection")
            for c in held:
                c.close()
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
