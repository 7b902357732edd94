"""GET /metrics (docs/operations.md, "Health, readiness and metrics"): Prometheus text exposition."""

from harness import fixture_bytes


def test_metrics_answers_200_with_prometheus_text(daemon):
    assert daemon.post("/status", fixture_bytes("call_status_2026.json")).status == 200
    reply = daemon.get("/metrics")
    assert reply.status == 200, reply
    assert reply.headers.get("content-type", "").startswith("text/plain"), reply
    text = reply.body.decode()
    assert "# TYPE " in text, text
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name_and_labels, _, value = line.rpartition(" ")
            assert name_and_labels, line
            float(value)  # every sample line ends with a number


def test_post_to_metrics_answers_405(daemon):
    reply = daemon.post("/metrics", b"{}")
    assert reply.status == 405, reply
    assert "GET" in reply.headers.get("allow", ""), reply


def test_503s_are_counted_by_reason_and_the_failing_sink_shows_down(start_daemon, tmp_path):
    # /dev/full fails every write with ENOSPC: a required sink failing, each delivery a 503.
    d = start_daemon(sinks=[{"type": "file", "path": "/dev/full"}])
    for _ in range(3):
        assert d.post("/status", fixture_bytes("call_status_2026.json")).status == 503
    text = d.get("/metrics").body.decode()
    lines = set(text.splitlines())
    assert 'callsink_refused_total{reason="storage"} 3' in lines, text
    assert 'callsink_refused_total{reason="queue_full"} 0' in lines, text
    assert 'callsink_refused_total{reason="memory"} 0' in lines, text
    assert 'callsink_http_requests_total{code="503"} 3' in lines, text
    assert 'callsink_sink_up{sink="file /dev/full",required="true"} 0' in lines, text
    rejects = f"rejects file {tmp_path / 'rejects.jsonl'}"
    assert f'callsink_sink_up{{sink="{rejects}",required="true"}} 1' in lines, text
    # The space left where the rejects file is, read at each scrape.
    avail = [line for line in lines
             if line.startswith(f'callsink_sink_filesystem_avail_bytes{{sink="{rejects}"}} ')]
    size = [line for line in lines
            if line.startswith(f'callsink_sink_filesystem_size_bytes{{sink="{rejects}"}} ')]
    assert len(avail) == 1 and len(size) == 1, text
    assert 0 <= float(avail[0].split()[-1]) <= float(size[0].split()[-1]), (avail, size)
