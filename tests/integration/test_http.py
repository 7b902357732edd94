"""HTTP behaviour (the README's replies table): routing, limits, keep-alive, pipelining, chunked
bodies, Expect: 100-continue, HTTP/1.0, malformed requests, timeouts, auth, storage failures."""

import json
import subprocess
import time

from harness import HOST, fixture_bytes, fixture_json, post_on, read_jsonl, wait_until

STATUS_BODY = fixture_bytes("call_status_2026.json")


def post_request(path: str, body: bytes, version: str = "HTTP/1.1", extra: str = "") -> bytes:
    head = (f"POST {path} {version}\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n")
    return head.encode() + body


def chunked(body: bytes, size: int) -> bytes:
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def unique_status_body(event_id: str) -> bytes:
    event = fixture_json("call_status_2026.json")
    event["payload"]["eventId"] = event_id
    return json.dumps(event).encode()


# -- routing ------------------------------------------------------------------------------------


def test_healthz_answers_200_alive(daemon):
    reply = daemon.get("/healthz")
    assert reply.status == 200, reply
    assert reply.json() == {"status": "alive"}


def test_head_healthz_answers_200_without_a_body(daemon):
    reply = daemon.request("HEAD", "/healthz")
    assert reply.status == 200, reply
    assert reply.body == b""


def test_readyz_answers_200_while_the_sinks_are_writable(daemon):
    reply = daemon.get("/readyz")
    assert reply.status == 200, reply
    assert reply.json() == {"status": "ready"}


def test_an_unknown_path_answers_404(daemon):
    for method in ("GET", "POST"):
        reply = daemon.request(method, "/nope", b"{}" if method == "POST" else None)
        assert reply.status == 404, reply
        assert "error" in reply.json()
    assert daemon.events_lines() == [] and daemon.rejects_lines() == []


def test_get_on_a_delivery_path_answers_405_with_allow_post(daemon):
    for path in ("/status", "/summary", "/"):
        reply = daemon.get(path)
        assert reply.status == 405, (path, reply)
        assert reply.headers.get("allow") == "POST", reply


def test_post_to_healthz_answers_405_with_allow_get_head(daemon):
    reply = daemon.post("/healthz", b"{}")
    assert reply.status == 405, reply
    assert reply.headers.get("allow") == "GET, HEAD", reply
    reply = daemon.request("DELETE", "/readyz")
    assert reply.status == 405, reply
    assert reply.headers.get("allow") == "GET, HEAD", reply


def test_a_query_string_is_routed_by_its_path_and_left_out_of_the_record(daemon):
    reply = daemon.post("/status?x=1&token=abc", STATUS_BODY)
    assert reply.status == 200, reply
    (record,) = daemon.events_lines()
    assert record["received"]["path"] == "/status"


# -- body limits --------------------------------------------------------------------------------


def test_a_content_length_over_max_body_bytes_gets_413_before_the_body_is_sent(start_daemon):
    d = start_daemon(server={"max_body_bytes": 1024})
    with d.raw() as conn:
        conn.send(f"POST /status HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                  "Content-Length: 1025\r\n\r\n".encode())
        reply = conn.read_response()  # no body sent: the daemon must answer on the header alone
        assert reply.status == 413, reply
        assert "max_body_bytes" in reply.json()["error"]
        assert conn.wait_closed(), "the connection should be closed after a 413"
    assert d.events_lines() == [] and d.rejects_lines() == []


def test_a_body_of_exactly_max_body_bytes_is_accepted(start_daemon):
    body = fixture_bytes("call_status_2026.json")
    d = start_daemon(server={"max_body_bytes": len(body)})
    assert d.post("/status", body).status == 200
    assert len(d.events_lines()) == 1


def test_a_chunked_body_over_max_body_bytes_gets_413(start_daemon):
    d = start_daemon(server={"max_body_bytes": 1024})
    body = fixture_bytes("session_summary_success.json")  # about 1.9 KiB
    assert len(body) > 1024
    with d.raw() as conn:
        conn.send(f"POST /summary HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode() + chunked(body, 500))
        reply = conn.read_response()
        assert reply.status == 413, reply
        assert conn.wait_closed()
    assert d.events_lines() == [] and d.rejects_lines() == []


def test_a_header_over_16_kib_gets_431(daemon):
    with daemon.raw() as conn:
        conn.send(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Big: {'a' * 20000}\r\n\r\n"
                  .encode())
        reply = conn.read_response()
        assert reply.status == 431, reply


# -- connections --------------------------------------------------------------------------------


def test_three_requests_share_one_keep_alive_connection(daemon):
    conn = daemon.connection()
    try:
        replies = []
        sockets = []
        for i in range(3):
            replies.append(post_on(conn, "/status", unique_status_body(f"keepalive-{i}")))
            sockets.append(conn.sock)
    finally:
        conn.close()
    assert [r.status for r in replies] == [200, 200, 200], replies
    assert sockets[0] is not None and all(s is sockets[0] for s in sockets), \
        "http.client had to reconnect: the daemon closed a keep-alive connection"
    assert all(r.headers.get("connection", "").lower() != "close" for r in replies)
    records = daemon.events_lines()
    assert [r["payload"]["eventId"] for r in records] == [f"keepalive-{i}" for i in range(3)]


def test_two_pipelined_requests_in_one_write_get_two_replies_in_order(daemon):
    first = post_request("/status", unique_status_body("pipelined-1"))
    second = post_request("/summary", fixture_bytes("session_summary_failure.json"))
    with daemon.raw() as conn:
        conn.send(first + second)
        r1 = conn.read_response()
        r2 = conn.read_response()
        # and the connection is still usable for a third request
        conn.send(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        r3 = conn.read_response()
    assert (r1.status, r2.status, r3.status) == (200, 200, 200), (r1, r2, r3)
    records = daemon.events_lines()
    assert [r["received"]["requestId"] for r in records] == \
        [r1.headers["x-request-id"], r2.headers["x-request-id"]]
    assert records[0]["payload"]["eventId"] == "pipelined-1"
    assert records[0]["received"]["path"] == "/status"
    assert records[1]["eventType"] == "SESSION_SUMMARY"
    assert records[1]["received"]["path"] == "/summary"


def test_many_pipelined_requests_are_answered_in_order(daemon):
    count = 20
    data = b"".join(post_request("/status", unique_status_body(f"burst-{i}"))
                    for i in range(count))
    with daemon.raw() as conn:
        conn.send(data)
        replies = [conn.read_response() for _ in range(count)]
    assert all(r.status == 200 for r in replies), replies
    ids = [r.headers["x-request-id"] for r in replies]
    records = daemon.events_lines()
    assert [r["received"]["requestId"] for r in records] == ids
    assert [r["payload"]["eventId"] for r in records] == [f"burst-{i}" for i in range(count)]


def test_a_chunked_body_is_accepted(daemon):
    body = fixture_bytes("session_summary_success.json")
    with daemon.raw() as conn:
        conn.send(f"POST /summary HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode() + chunked(body, 300))
        reply = conn.read_response()
    assert reply.status == 200, reply
    assert reply.json()["stored"] == "events"
    (record,) = daemon.events_lines()
    assert record["payload"] == fixture_json("session_summary_success.json")["payload"]


def test_expect_100_continue_gets_100_before_the_body_then_200(daemon):
    body = fixture_bytes("session_summary_success.json")
    with daemon.raw(timeout=3) as conn:
        conn.send(f"POST /summary HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n".encode())
        version, status, reason, _ = conn.read_head()
        assert (version, status) == ("HTTP/1.1", 100), (version, status, reason)
        assert conn.buf == b"", f"unexpected bytes after 100 Continue: {conn.buf!r}"
        conn.send(body)
        reply = conn.read_response()
    assert reply.status == 200, reply
    assert len(daemon.events_lines()) == 1


def curl_post(port, body_file, *extra):
    """curl as an operator would run it; returns (HTTP status, seconds taken)."""
    started = time.monotonic()
    out = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20",
         *extra, "--data-binary", f"@{body_file}", "-H", "Content-Type: application/json",
         f"http://{HOST}:{port}/summary"],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout, time.monotonic() - started


def test_curl_posting_a_body_over_1_kib_gets_200(daemon, tmp_path):
    body = fixture_bytes("session_summary_success.json")
    assert len(body) > 1024
    big = tmp_path / "big.json"
    big.write_bytes(body)
    assert curl_post(daemon.port, big)[0] == "200"
    (record,) = daemon.events_lines()
    assert record["payload"] == fixture_json("session_summary_success.json")["payload"]


def test_curl_with_expect_100_continue_is_answered_without_waiting(daemon, tmp_path):
    # curl sends the body anyway once --expect100-timeout passes without a 100: a quick answer
    # means the daemon sent 100 Continue.
    big = tmp_path / "big.json"
    big.write_bytes(fixture_bytes("session_summary_success.json"))
    status, elapsed = curl_post(daemon.port, big, "-H", "Expect: 100-continue",
                                "--expect100-timeout", "10")
    assert status == "200"
    assert elapsed < 5, f"curl took {elapsed:.1f} s: was 100 Continue sent?"
    assert len(daemon.events_lines()) == 1


def test_curl_posting_over_1_mib_sends_expect_by_itself_and_gets_200(start_daemon, tmp_path):
    # Newer curl sends Expect: 100-continue on its own only for bodies over 1 MiB.
    d = start_daemon(server={"max_body_bytes": 4 * 1024 * 1024})
    event = fixture_json("session_summary_success.json")
    event["payload"]["note"] = "z" * (1536 * 1024)
    big = tmp_path / "big.json"
    big.write_text(json.dumps(event))
    status, elapsed = curl_post(d.port, big, "--expect100-timeout", "10")
    assert status == "200"
    assert elapsed < 5, f"curl took {elapsed:.1f} s: was 100 Continue sent?"
    (record,) = d.events_lines()
    assert record["payload"]["note"] == event["payload"]["note"]


def test_an_http_1_0_request_gets_an_http_1_0_reply_and_the_connection_is_closed(daemon):
    with daemon.raw() as conn:
        conn.send(post_request("/status", STATUS_BODY, version="HTTP/1.0"))
        reply = conn.read_response()
        assert reply.version == "HTTP/1.0", reply
        assert reply.status == 200, reply
        assert conn.wait_closed(), "HTTP/1.0 without keep-alive must close the connection"
    with daemon.raw() as conn:
        conn.send(b"GET /healthz HTTP/1.0\r\n\r\n")
        reply = conn.read_response()
        assert (reply.version, reply.status) == ("HTTP/1.0", 200), reply
        assert conn.wait_closed()
    assert len(daemon.events_lines()) == 1


def test_a_malformed_request_line_gets_400_and_the_connection_is_closed(daemon):
    for garbage in (b"this is not http\r\n\r\n", b"GET /healthz HTTP/9\r\n\r\n",
                    b"POST /status HTTP/1.1\r\nContent-Length: abc\r\n\r\n"):
        with daemon.raw() as conn:
            conn.send(garbage)
            reply = conn.read_response()
            assert reply.status == 400, (garbage, reply)
            assert conn.wait_closed(), garbage
    assert daemon.events_lines() == [] and daemon.rejects_lines() == []
    assert daemon.get("/healthz").status == 200  # the daemon is fine


def test_connection_close_from_the_client_is_honoured(daemon):
    with daemon.raw() as conn:
        conn.send(post_request("/status", STATUS_BODY, extra="Connection: close\r\n"))
        reply = conn.read_response()
        assert reply.status == 200, reply
        assert reply.headers.get("connection", "").lower() == "close", reply
        assert conn.wait_closed()


def test_an_http_1_0_request_with_expect_100_continue_gets_no_100(daemon):
    # RFC 9110, 10.1.1: "A server that receives a 100-continue expectation in an HTTP/1.0
    # request MUST ignore that expectation." HTTP/1.0 has no 1xx replies: a 1.0 client reads
    # the "100 Continue" as the final answer and the real one as garbage.
    with daemon.raw() as conn:
        conn.send(post_request("/status", STATUS_BODY, version="HTTP/1.0",
                               extra="Expect: 100-continue\r\n"))
        reply = conn.read_response()
        assert (reply.version, reply.status) == ("HTTP/1.0", 200), reply
        assert conn.wait_closed()
        assert conn.buf == b"", f"bytes after the reply: {conn.buf!r}"


def test_an_http_1_0_client_asking_for_keep_alive_keeps_its_connection(daemon):
    with daemon.raw() as conn:
        for _ in range(2):
            conn.send(post_request("/status", STATUS_BODY, version="HTTP/1.0",
                                   extra="Connection: keep-alive\r\n"))
            reply = conn.read_response()
            assert (reply.version, reply.status) == ("HTTP/1.0", 200), reply
            assert reply.headers.get("connection", "").lower() == "keep-alive", reply
    assert len(daemon.events_lines()) == 2


def test_a_large_delivery_near_the_default_limit_is_stored_whole(daemon):
    event = fixture_json("call_status_md.json")
    event["payload"]["eventData"] = "x" * 1_000_000  # the default max_body_bytes is 1 MiB
    body = json.dumps(event).encode()
    assert len(body) < 1024 * 1024
    reply = daemon.post("/status", body)
    assert reply.status == 200 and reply.json()["stored"] == "events", reply
    (record,) = daemon.events_lines()
    assert record["payload"]["eventData"] == event["payload"]["eventData"]


# -- timeouts -----------------------------------------------------------------------------------


def test_a_client_that_trickles_its_request_is_cut_off_after_read_timeout(start_daemon):
    d = start_daemon(server={"read_timeout_ms": 300})
    with d.raw() as conn:
        conn.send(b"POST /status HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        assert conn.wait_closed(timeout=5), "a half-sent request was never cut off"
        assert time.monotonic() - started < 3
    assert d.events_lines() == []


def test_an_idle_keep_alive_connection_is_closed_after_idle_timeout(start_daemon):
    d = start_daemon(server={"idle_timeout_ms": 300})
    with d.raw() as conn:
        conn.send(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        assert conn.read_response().status == 200
        started = time.monotonic()
        assert conn.wait_closed(timeout=5)
        assert 0.2 < time.monotonic() - started < 3


# -- auth and client address --------------------------------------------------------------------


def test_auth_header_missing_or_wrong_gets_401_and_nothing_is_stored(start_daemon):
    d = start_daemon(auth={"header": "X-Webhook-Token", "value": "s3cret-token"})
    assert d.post("/status", STATUS_BODY).status == 401
    assert d.post("/status", STATUS_BODY, {"X-Webhook-Token": "s3cret-tokeN"}).status == 401
    assert d.post("/status", STATUS_BODY, {"X-Webhook-Token": "s3cret"}).status == 401
    assert d.events_lines() == [] and d.rejects_lines() == []
    ok = d.post("/status", STATUS_BODY, {"X-Webhook-Token": "s3cret-token"})
    assert ok.status == 200, ok
    assert len(d.events_lines()) == 1
    assert d.get("/healthz").status == 200  # health checks need no secret


def test_a_client_outside_allow_ips_gets_403(start_daemon):
    d = start_daemon(auth={"allow_ips": ["203.0.113.0/24"]})
    reply = d.post("/status", STATUS_BODY)
    assert reply.status == 403, reply
    assert d.events_lines() == [] and d.rejects_lines() == []


def test_x_forwarded_for_is_believed_only_from_trusted_proxies(start_daemon, tmp_path):
    trusting = start_daemon(server={"trusted_proxies": ["127.0.0.1/32"]})
    assert trusting.post("/status", STATUS_BODY,
                         {"X-Forwarded-For": "203.0.113.7"}).status == 200
    (record,) = trusting.events_lines()
    assert record["received"]["remote"] == "203.0.113.7"
    trusting.stop()

    trusting.events.unlink()
    untrusting = start_daemon()
    assert untrusting.post("/status", STATUS_BODY,
                           {"X-Forwarded-For": "203.0.113.7"}).status == 200
    (record,) = untrusting.events_lines()
    assert record["received"]["remote"] == "127.0.0.1"


def test_the_client_is_the_rightmost_untrusted_x_forwarded_for_address(start_daemon):
    d = start_daemon(server={"trusted_proxies": ["127.0.0.1/32", "10.0.0.0/8"]})
    cases = [
        ("198.51.100.1, 203.0.113.7", "203.0.113.7"),     # only the last hop is believed
        ("198.51.100.1, 203.0.113.7, 10.1.2.3", "203.0.113.7"),  # trusted hops skipped
        ("198.51.100.1,  not-an-ip, 10.1.2.3", "10.1.2.3"),  # garbage stops the walk
    ]
    for header, _ in cases:
        assert d.post("/status", STATUS_BODY, {"X-Forwarded-For": header}).status == 200
    remotes = [r["received"]["remote"] for r in d.events_lines()]
    assert remotes == [expected for _, expected in cases]


def test_allow_ips_cannot_be_passed_with_a_forged_x_forwarded_for(start_daemon):
    # the peer (127.0.0.1) is not a trusted proxy, so its X-Forwarded-For is ignored
    d = start_daemon(auth={"allow_ips": ["203.0.113.0/24"]})
    reply = d.post("/status", STATUS_BODY, {"X-Forwarded-For": "203.0.113.7"})
    assert reply.status == 403, reply
    assert d.events_lines() == []


def test_allow_ips_checks_the_forwarded_client_behind_a_trusted_proxy(start_daemon):
    d = start_daemon(server={"trusted_proxies": ["127.0.0.1/32"]},
                     auth={"allow_ips": ["203.0.113.0/24"]})
    assert d.post("/status", STATUS_BODY, {"X-Forwarded-For": "203.0.113.7"}).status == 200
    assert d.post("/status", STATUS_BODY, {"X-Forwarded-For": "198.51.100.1"}).status == 403
    assert d.post("/status", STATUS_BODY).status == 403  # the proxy itself is not allowed
    (record,) = d.events_lines()
    assert record["received"]["remote"] == "203.0.113.7"


# -- storage failure ----------------------------------------------------------------------------


def test_a_failing_required_sink_gets_503_with_retry_after_never_200(start_daemon, tmp_path):
    # /dev/full opens fine and fails every write with ENOSPC: a full disk.
    d = start_daemon(sinks=[{"type": "file", "path": "/dev/full"}])
    reply = d.post("/status", STATUS_BODY)
    assert reply.status == 503, reply
    assert reply.headers.get("retry-after"), reply
    assert reply.headers.get("x-request-id"), reply
    assert d.get("/readyz").status == 503
    assert d.get("/healthz").status == 200
    # rejects have their own file and still work
    reject = d.post("/status", b"not json")
    assert reject.status == 200 and reject.json()["stored"] == "rejects", reject
    assert len(read_jsonl(d.rejects)) == 1


def test_a_failing_rejects_file_gets_503_for_rejections_only(start_daemon, tmp_path):
    d = start_daemon(rejects={"path": "/dev/full"})
    reject = d.post("/status", b"not json")
    assert reject.status == 503, reject
    assert reject.headers.get("retry-after"), reject
    ok = d.post("/status", STATUS_BODY)
    assert ok.status == 200, ok
    assert len(d.events_lines()) == 1


def test_a_failing_best_effort_sink_is_logged_and_does_not_fail_deliveries(start_daemon,
                                                                          tmp_path):
    d = start_daemon(sinks=[{"type": "file", "path": str(tmp_path / "events.jsonl")},
                            {"type": "file", "path": "/dev/full", "required": False}])
    for _ in range(2):
        reply = d.post("/status", STATUS_BODY)
        assert reply.status == 200, reply
    assert len(read_jsonl(tmp_path / "events.jsonl")) == 2
    # Deliveries are stored, but /readyz reports every sink that fails (docs/operations.md, "Health, readiness and metrics"). The
    # best-effort sink writes from its own buffer, after the 200s: its failure comes a moment later.
    wait_until(lambda: d.get("/readyz").status == 503, "/readyz 503 for the failing sink")
    (line,) = d.wait_for_log(r"sink failed: file /dev/full")  # once per change, not per record
    assert "best-effort" in line, line
