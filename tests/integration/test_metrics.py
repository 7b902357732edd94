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
