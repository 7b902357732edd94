#!/usr/bin/env python3
"""Benchmarks callsink against nginx answering `return 200` on the same machine, side by side.

Both servers get one core (taskset -c 0) and one worker/io thread; wrk gets the other core and
POSTs the 8x8 CALL_STATUS example with a unique eventId over 50 connections. Rounds alternate
between the servers so drift in the machine hits both; the report is the ratio of the median
requests per second, p50/p99 latency, callsink's CPU time per delivery (from /proc, so it does
not depend on the client keeping up) and its peak RSS. Modes: keep-alive or a new connection per
request, durability "write" or "fsync".

Each mode first checks the client: nginx's rate with the bench's bodies must be within 5% of its
rate with one fixed body, or the client, not the server, is the limit and the mode says so.
With --baseline, a second callsink binary (an earlier build) runs in the same rounds, and the
report adds the new build's rate and CPU per delivery against it.

Usage: bench/run.py [--rounds 3] [--duration 10] [--modes keepalive-write,keepalive-fsync,close-write]
                    [--callsink build/release/callsink] [--baseline OTHER_BUILD/callsink]
Build first: cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build/release
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_CORE = "0"
CLIENT_CORE = "1"
CONNECTIONS = 50


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


def start_callsink(binary: Path, work: Path, durability: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    data = work / f"data-{durability}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    conf = work / f"callsink-{durability}.toml"
    conf.write_text(f"""
[server]
listen = "127.0.0.1:{port}"
threads = 1
[delivery]
durability = "{durability}"
[rejects]
path = "{data}/rejects.jsonl"
[[sinks]]
type = "file"
path = "{data}/events.jsonl"
[log]
level = "warn"
""")
    proc = subprocess.Popen(["taskset", "-c", SERVER_CORE, str(binary), "--config", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port, proc)
    return proc, port


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


def run_wrk(port: int, duration: int, close: bool, fixed: bool = False,
            pid: int | None = None) -> dict:
    env = dict(os.environ, BENCH_BODY=str(ROOT / "tests/data/call_status_2026.json"),
               BENCH_CLOSE="1" if close else "0", BENCH_FIXED="1" if fixed else "0")
    ticks_before = cpu_ticks(pid) if pid else 0
    out = subprocess.run(
        ["taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s",
         "--latency", "-s", str(ROOT / "bench/post_call_status.lua"),
         f"http://127.0.0.1:{port}/status"],
        capture_output=True, text=True, env=env, check=True).stdout
    ticks = cpu_ticks(pid) - ticks_before if pid else 0
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    cpu_us = ticks / os.sysconf("SC_CLK_TCK") * 1e6 / requests if pid and requests else float("nan")
    return {"rps": rps, "p50": p50, "p99": p99, "cpu_us": cpu_us,
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def bench_mode(binary: Path, baseline: Path | None, work: Path, mode: str, rounds: int,
               duration: int) -> dict:
    connection, durability = mode.split("-")
    close = connection == "close"
    nginx, nginx_port = start_nginx(work)
    servers = {"callsink": start_callsink(binary, work, durability)}
    if baseline:
        servers["baseline"] = start_callsink(baseline, work / "baseline", durability)
    results = {"nginx": [], "nginx_fixed": [], **{name: [] for name in servers}}
    try:
        for _ in range(rounds):
            results["nginx_fixed"].append(run_wrk(nginx_port, duration, close, fixed=True))
            results["nginx"].append(run_wrk(nginx_port, duration, close))
            for name, (proc, port) in servers.items():
                results[name].append(run_wrk(port, duration, close, pid=proc.pid))
        rss = {name: peak_rss_mb(proc.pid) for name, (proc, _) in servers.items()}
    finally:
        stop(nginx)
        for proc, _ in servers.values():
            stop(proc)
    stored = sum(1 for _ in open(work / f"data-{durability}" / "events.jsonl", "rb"))
    def median(server, key):
        return statistics.median(r[key] for r in results[server])
    report = {
        "mode": mode,
        "nginx_fixed_rps": median("nginx_fixed", "rps"),
        "nginx_rps": median("nginx", "rps"),
        "client_bound": median("nginx", "rps") < 0.95 * median("nginx_fixed", "rps"),
        "nginx_p50": median("nginx", "p50"), "nginx_p99": median("nginx", "p99"),
        "stored": stored,
        "rounds": results,
    }
    for name in servers:
        report[name] = {
            "rps": median(name, "rps"), "ratio": median(name, "rps") / median("nginx", "rps"),
            "p50": median(name, "p50"), "p99": median(name, "p99"),
            "cpu_us": median(name, "cpu_us"), "rss_mb": rss[name],
            "non2xx": sum(r["non2xx"] for r in results[name]),
            "socket_errors": [r["socket_errors"] for r in results[name] if r["socket_errors"]],
        }
    return report


def print_row(label: str, r: dict, nginx: dict) -> None:
    print(f"  {label:<10} {r['rps']:>9.0f} rps {r['ratio']:>5.2f}x nginx  "
          f"p50/p99 {r['p50']:.2f}/{r['p99']:.2f} ms (nginx {nginx['nginx_p50']:.2f}/"
          f"{nginx['nginx_p99']:.2f})  {r['cpu_us']:.1f} us CPU per delivery  "
          f"RSS {r['rss_mb']:.1f} MB  non-2xx {r['non2xx']}", flush=True)
    if r["socket_errors"]:
        print(f"    socket errors: {r['socket_errors']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--modes", default="keepalive-write,keepalive-fsync,close-write")
    parser.add_argument("--callsink", default=str(ROOT / "build/release/callsink"))
    parser.add_argument("--baseline", help="an earlier callsink binary to run in the same rounds")
    args = parser.parse_args()
    binary = Path(args.callsink)
    baseline = Path(args.baseline) if args.baseline else None
    for path in [binary] + ([baseline] if baseline else []):
        if not path.exists():
            print(f"bench: {path} not found; build it first (see --help)", file=sys.stderr)
            return 2
    if os.cpu_count() < 2:
        print("bench: needs 2 cores (server on one, wrk on the other)", file=sys.stderr)
        return 2
    print(f"bench: {os.cpu_count()} cores, {args.rounds} alternating rounds of {args.duration}s, "
          f"{CONNECTIONS} connections, server on core {SERVER_CORE}, wrk on core {CLIENT_CORE}")
    with tempfile.TemporaryDirectory(prefix="callsink-bench-") as tmp:
        (Path(tmp) / "baseline").mkdir()
        for mode in args.modes.split(","):
            r = bench_mode(binary, baseline, Path(tmp), mode, args.rounds, args.duration)
            verdict = ("CLIENT-BOUND: the ratios below measure wrk, not the servers"
                       if r["client_bound"] else "client not the limit")
            print(f"{mode}: nginx {r['nginx_rps']:.0f} rps with the bench's bodies, "
                  f"{r['nginx_fixed_rps']:.0f} with one fixed body ({verdict})")
            print_row("callsink", r["callsink"], r)
            if baseline:
                print_row("baseline", r["baseline"], r)
                print(f"  callsink/baseline: {r['callsink']['rps'] / r['baseline']['rps']:.3f}x "
                      f"rate, {r['callsink']['cpu_us'] / r['baseline']['cpu_us']:.3f}x CPU per "
                      f"delivery")
    return 0


if __name__ == "__main__":
    sys.exit(main())
