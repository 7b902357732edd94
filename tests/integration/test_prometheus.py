"""The Prometheus alerting rules and the Grafana dashboard (config/prometheus, config/grafana)
against a real Prometheus scraping a real callsink.

Debian's prometheus (scripts/install-deps.sh installs it) runs on a free loopback port with its
data in the test's temporary folder, scraping the daemon every second and loading
config/prometheus/callsink-alerts.yml. While a little traffic flows (events of the four types,
redeliveries, rejects, a 404), every panel's query of config/grafana/callsink.json, its template
variables filled in as Grafana would, goes through Prometheus' HTTP API and must parse and
return data. Grafana itself is not packaged in Debian: the dashboard's JSON gets a structural
check instead, which needs no Prometheus. The rules' own unit tests are promtool's
(prometheus.rules in ctest).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from harness import HOST, Daemon, call_status_body, fixture_bytes, toml_text, wait_until
from kafka_mock import KafkaMock

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "config" / "prometheus" / "callsink-alerts.yml"
DASHBOARD = ROOT / "config" / "grafana" / "callsink.json"
PROMETHEUS = Path("/usr/bin/prometheus")

# What Grafana puts in place of the variables: the job, every instance, and a rate window
# that spans the whole test (Prometheus has scraped for a few seconds only).
VARIABLES = {"job": "callsink", "instance": ".*", "__rate_interval": "30s"}
GRAFANA_BUILTINS = {"__rate_interval", "__interval", "__range", "__interval_ms", "__range_s"}


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def all_panels(panels: list[dict]) -> list[dict]:
    """Panels, with those nested in collapsed rows."""
    out = []
    for panel in panels:
        out.append(panel)
        out.extend(all_panels(panel.get("panels", [])))
    return out


def query_panels() -> list[dict]:
    return [p for p in all_panels(dashboard()["panels"]) if p["type"] != "row"]


def substitute(expr: str) -> str:
    def value(m):
        name = m.group(1) or m.group(2)
        return VARIABLES[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr)


# ---------------------------------------------------------------------------------------------
# The dashboard's structure (no Grafana in Debian)


def test_the_dashboard_is_a_grafana_model_with_a_datasource_variable_and_unique_ids():
    model = dashboard()
    assert model["uid"] == "callsink" and model["title"], model.get("title")
    assert model["schemaVersion"] >= 36, model["schemaVersion"]
    variables = {v["name"]: v for v in model["templating"]["list"]}
    source = variables["datasource"]
    assert (source["type"], source["query"]) == ("datasource", "prometheus"), source
    for name in ("job", "instance"):
        variable = variables[name]
        assert variable["type"] == "query", variable
        assert variable["datasource"]["uid"] == "${datasource}", variable
        assert variable["definition"].startswith("label_values("), variable
        assert variable["definition"] == variable["query"]["query"], variable
    assert variables["instance"]["definition"].endswith(", instance)")

    panels = all_panels(model["panels"])
    ids = [p["id"] for p in panels]
    assert all(isinstance(i, int) for i in ids), ids
    assert len(ids) == len(set(ids)), f"panel ids repeat: {ids}"
    taken = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["w"] > 0 and grid["h"] > 0, panel
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, panel
        cells = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                 for y in range(grid["y"], grid["y"] + grid["h"])}
        assert not cells & taken, f"panel {panel['title']!r} overlaps another"
        taken |= cells
        assert panel["title"], panel
        if panel["type"] == "row":
            continue
        assert panel["type"] in {"stat", "timeseries", "gauge", "state-timeline", "table"}, panel
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel
        assert panel["targets"], panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, target
            assert target["expr"].strip(), target
            for m in re.finditer(r"\$\{(\w+)\}|\$(\w+)", target["expr"]):
                name = m.group(1) or m.group(2)
                assert name in variables or name in GRAFANA_BUILTINS, (name, target["expr"])
            if "callsink_" in target["expr"]:
                assert 'job="$job"' in target["expr"], target["expr"]


def test_the_dashboard_shows_what_the_issue_asks_for():
    exprs = " ".join(t["expr"] for p in query_panels() for t in p["targets"])
    for metric in ("callsink_events_total", "callsink_http_requests_total",
                   "callsink_rejects_total", "callsink_refused_total",
                   "callsink_request_duration_seconds_bucket", "callsink_sink_up",
                   "callsink_sink_written_total", "callsink_sink_errors_total",
                   "callsink_sink_in_flight", "callsink_sink_syncs_total",
                   "callsink_buffered_bytes", "callsink_buffered_bytes_limit",
                   "callsink_open_connections", "callsink_queue_depth", "callsink_ready",
                   "callsink_sink_filesystem_avail_bytes", "callsink_journal_unforwarded_records",
                   "callsink_journal_unforwarded_bytes",
                   "callsink_journal_oldest_unforwarded_age_seconds",
                   "callsink_journal_forwarder_retrying", "callsink_journal_forwarded_total",
                   "callsink_journal_forward_errors_total", "callsink_journal_bytes",
                   "callsink_journal_max_bytes", "callsink_journal_damaged_records_total"):
        assert metric in exprs, f"no panel shows {metric}"


# ---------------------------------------------------------------------------------------------
# A real Prometheus


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Prometheus:
    def __init__(self, folder: Path, target_port: int):
        self.port = free_port()
        self.log = folder / "prometheus.log"
        config = folder / "prometheus.yml"
        config.write_text(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "  evaluation_interval: 1s\n"
            f"rule_files:\n  - {json.dumps(str(RULES))}\n"
            "scrape_configs:\n"
            "  - job_name: callsink\n"
            "    static_configs:\n"
            f"      - targets: ['{HOST}:{target_port}']\n")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(PROMETHEUS), f"--config.file={config}",
                 f"--storage.tsdb.path={folder / 'data'}",
                 f"--web.listen-address={HOST}:{self.port}"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=folder)

    def api(self, path: str, **params) -> dict:
        url = f"http://{HOST}:{self.port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        try:
            with urllib.request.urlopen(url, timeout=10) as reply:
                return json.load(reply)
        except urllib.error.HTTPError as e:  # 400 for a query that does not parse
            return json.load(e)

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited with {self.proc.returncode}:\n"
                                 + self.log.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.port}/-/ready", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Traffic:
    """Posts, every 50 ms, a new CALL_STATUS and one more delivery: the other three types in
    turn (stored once, then redeliveries), a body that is not JSON (a reject), a GET of a path
    that does not exist (404)."""

    def __init__(self, daemon: Daemon):
        self.daemon = daemon
        self.stop_flag = threading.Event()
        self.errors: list[str] = []
        self.posted = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        others = [("/summary", fixture_bytes("session_summary_success.json")),
                  ("/numbers", fixture_bytes("virtual_number_update.json")),
                  ("/recording", fixture_bytes("call_recording_status.json")),
                  ("/status", b"not json")]
        i = 0
        while not self.stop_flag.is_set():
            try:
                reply = self.daemon.post("/status", call_status_body(event_id=str(uuid.uuid1())))
                if reply.status != 200:
                    self.errors.append(repr(reply))
                path, body = others[i % len(others)]
                if self.daemon.post(path, body).status != 200:
                    self.errors.append(f"POST {path}")
                if i % 5 == 0:
                    self.daemon.get("/no-such-path")
                self.posted += 1
            except OSError as e:
                self.errors.append(str(e))
            i += 1
            self.stop_flag.wait(0.05)

    def stop(self):
        self.stop_flag.set()
        self.thread.join(10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A daemon (durability fsync, so the sync panels have data; a file and a log sink, and a
    Kafka sink forwarded from the journal, so the journal's panels have data), its traffic, and a
    Prometheus scraping it until the module's tests are done."""
    if not PROMETHEUS.exists():
        pytest.skip("/usr/bin/prometheus is absent (Debian's prometheus; install-deps.sh)")
    folder = tmp_path_factory.mktemp("prometheus")
    kafka = KafkaMock(brokers=1, topics=["events"], partitions=1)
    tables = {"server": {"read_timeout_ms": 5000, "idle_timeout_ms": 10000},
              "delivery": {"durability": "fsync"},
              "rejects": {"path": str(folder / "rejects.jsonl")},
              "journal": {"path": str(folder / "journal")},
              "log": {"level": "info"}}
    sinks = [{"type": "file", "path": str(folder / "events.jsonl")}, {"type": "log"},
             {"type": "kafka", "brokers": kafka.bootstrap, "topic": "events",
              "delivery": "journal"}]
    config = folder / "callsink.toml"
    config.write_text(toml_text(tables, sinks))
    daemon = Daemon(folder, config, folder / "events.jsonl", folder / "rejects.jsonl")
    prometheus = None
    traffic = None
    try:
        daemon.wait_listening()
        traffic = Traffic(daemon)
        prometheus = Prometheus(folder, daemon.port)
        wait_until(prometheus.ready, "prometheus to be ready", timeout=20)

        def scraped_a_few_times():
            reply = prometheus.api("/api/v1/query",
                                   query='count_over_time(up{job="callsink"}[1m]) >= 4')
            return reply["status"] == "success" and reply["data"]["result"]

        wait_until(scraped_a_few_times, "prometheus to scrape callsink 4 times", timeout=20)
        yield daemon, prometheus, traffic
    finally:
        if traffic:
            traffic.stop()
        if prometheus:
            prometheus.stop()
        code = daemon.stop()
        assert kafka.close() == 0, kafka.log_text()
        assert code == 0, daemon.log_text()
        # The data folder is the test's; leave nothing big behind.
        shutil.rmtree(folder / "data", ignore_errors=True)


def test_prometheus_scrapes_callsink(stack):
    daemon, prometheus, traffic = stack
    reply = prometheus.api("/api/v1/query", query='up{job="callsink"}')
    assert reply["status"] == "success", reply
    [sample] = reply["data"]["result"]
    assert sample["metric"]["instance"] == f"{HOST}:{daemon.port}", sample
    assert sample["value"][1] == "1", sample
    assert not traffic.errors, traffic.errors[:5]


def test_prometheus_loads_every_alerting_rule_and_evaluates_it(stack):
    _, prometheus, _ = stack
    names = re.findall(r"(?m)^\s*- alert: (\w+)\s*$", RULES.read_text())
    assert len(names) >= 10, names

    def all_evaluated():
        reply = prometheus.api("/api/v1/rules", type="alert")
        rules = [r for g in reply["data"]["groups"] for r in g["rules"]]
        return rules if all(r["health"] == "ok" for r in rules) and rules else None

    rules = wait_until(all_evaluated, "every rule to be evaluated with health ok", timeout=10)
    assert sorted(r["name"] for r in rules) == sorted(names)
    for rule in rules:
        assert not rule.get("lastError"), rule
        for key in ("summary", "description", "runbook"):
            assert rule["annotations"].get(key), (rule["name"], key)
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule
    # A healthy daemon under light traffic: nothing fires (CallsinkTargetMissing included).
    firing = [r["name"] for r in rules if r["state"] == "firing"]
    assert not firing, firing


def test_every_runbook_link_names_a_section_of_operations_md():
    text = (ROOT / "docs" / "operations.md").read_text()
    anchors = set()
    for heading in re.findall(r"(?m)^#{1,6} (.+?)\s*$", text):
        anchor = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(anchor)
    links = re.findall(r'runbook: "docs/operations\.md#([^"]+)"', RULES.read_text())
    assert links, "no runbook annotations"
    for link in links:
        assert link in anchors, f"docs/operations.md has no section #{link}"


def test_the_dashboard_variables_find_the_daemon(stack):
    daemon, prometheus, _ = stack
    jobs = prometheus.api("/api/v1/label/job/values", **{"match[]": "callsink_build_info"})
    assert "callsink" in jobs["data"], jobs
    instances = prometheus.api("/api/v1/label/instance/values",
                               **{"match[]": 'callsink_ready{job="callsink"}'})
    assert f"{HOST}:{daemon.port}" in instances["data"], instances


def test_every_panel_query_parses_and_returns_data(stack):
    _, prometheus, _ = stack
    end = time.time()
    problems = []
    checked = 0
    for panel in query_panels():
        for target in panel["targets"]:
            expr = substitute(target["expr"])
            assert "$" not in expr, expr
            where = f"panel {panel['title']!r} {target['refId']}: {expr}"
            reply = prometheus.api("/api/v1/query", query=expr, time=f"{end:.3f}")
            if reply.get("status") != "success":
                problems.append(f"{where}\n  {reply.get('errorType')}: {reply.get('error')}")
                continue
            if not reply["data"]["result"]:
                problems.append(f"{where}\n  no data")
                continue
            if panel["type"] == "timeseries":
                reply = prometheus.api("/api/v1/query_range", query=expr, start=f"{end - 5:.3f}",
                                       end=f"{end:.3f}", step="1")
                if reply.get("status") != "success" or not reply["data"]["result"]:
                    problems.append(f"{where}\n  range: {reply.get('error') or 'no data'}")
                    continue
            checked += 1
    assert not problems, "\n".join(problems)
    assert checked >= 20, checked


def value_of(prometheus: Prometheus, expr: str, **labels) -> float:
    reply = prometheus.api("/api/v1/query", query=substitute(expr))
    assert reply["status"] == "success", reply
    for sample in reply["data"]["result"]:
        if all(sample["metric"].get(k) == v for k, v in labels.items()):
            return float(sample["value"][1])
    raise AssertionError(f"no sample with {labels} in {reply['data']['result']}")


def panel_expr(title: str, ref: str = "A") -> str:
    [panel] = [p for p in query_panels() if p["title"] == title]
    [target] = [t for t in panel["targets"] if t["refId"] == ref]
    return target["expr"]


def test_the_panels_show_the_traffic(stack):
    daemon, prometheus, traffic = stack
    # The deliveries go on while the test looks; a new scrape shows them.
    deliveries = panel_expr("Deliveries per second, by event type")
    assert value_of(prometheus, deliveries, event_type="CALL_STATUS") > 0
    redeliveries = panel_expr("Deliveries per second, by event type", "B")
    assert value_of(prometheus, redeliveries, event_type="SESSION_SUMMARY") > 0
    assert value_of(prometheus, panel_expr("Rejections per second, by reason"),
                    code="invalid_json") > 0
    replies = panel_expr("Replies per second, by code")
    assert value_of(prometheus, replies, code="200") > 0
    assert value_of(prometheus, replies, code="404") > 0
    assert value_of(prometheus, panel_expr("Sinks up"),
                    sink=f"file {daemon.tmp_path / 'events.jsonl'}", required="true") == 1
    assert value_of(prometheus, panel_expr("Syncs per second, and deliveries per sync"),
                    sink=f"file {daemon.tmp_path / 'events.jsonl'}") > 0
    share = value_of(prometheus, panel_expr("Disk space left, by sink"),
                     sink=f"rejects file {daemon.tmp_path / 'rejects.jsonl'}")
    assert 0 < share <= 1, share
    # The one forwarded sink, the Kafka one, takes the deliveries from the journal.
    assert value_of(prometheus, panel_expr("Forwarded per second, and failed sends, by sink")) > 0
    limit = value_of(prometheus, panel_expr("Journal on disk, and its limit", "C"))
    assert limit == 10737418240, limit
    p99 = value_of(prometheus, panel_expr("Request duration", "C"))
    assert 0 < p99 <= 5, p99
    assert traffic.posted > 0 and not traffic.errors, traffic.errors[:5]
