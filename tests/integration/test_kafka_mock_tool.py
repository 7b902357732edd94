"""The mock Kafka cluster the Kafka sink's tests use (tests/tools/kafka_mock.cpp through
kafka_mock.py), checked against an independent client, kcat: what kcat produces comes back from
consume() with its key, headers and value; down/up, pushed errors and a broker's delay change
what a producer sees; bad commands and bad arguments are refused."""

import json
import shutil
import subprocess
import time

import pytest

from kafka_mock import KafkaMockError, kafka_mock_bin


def kcat_bin() -> str:
    path = shutil.which("kcat")
    if path is None:
        pytest.fail("kcat is not installed; it is a Debian package (apt-get install kcat, or "
                    "scripts/install-deps.sh)")
    return path


def produce(bootstrap: str, topic: str, values: list[str], key: str | None = None,
            headers: dict | None = None, timeout_ms: int = 10000) -> subprocess.CompletedProcess:
    """kcat -P: one message per value, all with the same key and headers."""
    args = [kcat_bin(), "-P", "-b", bootstrap, "-t", topic,
            "-X", f"message.timeout.ms={timeout_ms}"]
    if key is not None:
        args += ["-k", key]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}={value}"]
    return subprocess.run(args, input="".join(v + "\n" for v in values), capture_output=True,
                          text=True, timeout=timeout_ms / 1000 + 20)


def test_messages_produced_by_kcat_come_back_from_consume(kafka_mock):
    kafka = kafka_mock(topics=["calls", "other"])
    assert kafka.bootstrap.count(",") == 2, kafka.bootstrap
    values = [json.dumps({"eventId": f"e{i}", "text": "é ✓"}, ensure_ascii=False)
              for i in range(3)]
    out = produce(kafka.bootstrap, "calls", values, key="session-1",
                  headers={"name": "value", "eventType": "CALL_STATUS"})
    assert out.returncode == 0, out

    records = kafka.consume("calls")
    assert len(records) == 3, records
    # One key, so one partition, in production order.
    assert len({r["partition"] for r in records}) == 1, records
    assert [r["offset"] for r in records] == [0, 1, 2], records
    for record, value in zip(records, values):
        assert record["topic"] == "calls"
        assert 0 <= record["partition"] < 3
        assert record["key"] == "session-1"
        assert record["headers"] == {"name": "value", "eventType": "CALL_STATUS"}
        assert record["value"] == value
        assert json.loads(record["value"])["text"] == "é ✓"

    assert kafka.consume("other") == []


def test_consume_reads_every_partition_and_null_keys(kafka_mock):
    kafka = kafka_mock(topics=["calls"], partitions=4, brokers=2)
    for i in range(8):
        assert produce(kafka.bootstrap, "calls", [f'{{"n":{i}}}'], key=f"k{i}").returncode == 0
    assert produce(kafka.bootstrap, "calls", ['{"n":"nokey"}']).returncode == 0
    records = kafka.consume("calls")
    assert len(records) == 9, records
    assert records == sorted(records, key=lambda r: (r["partition"], r["offset"]))
    assert {json.loads(r["value"])["n"] for r in records} == {*range(8), "nokey"}
    nokey = [r for r in records if r["value"] == '{"n":"nokey"}']
    assert nokey[0]["key"] is None and nokey[0]["headers"] == {}, nokey
    assert {r["partition"] for r in records} <= {0, 1, 2, 3}


def test_down_all_fails_a_produce_and_up_all_makes_it_work_again(kafka_mock):
    kafka = kafka_mock(topics=["calls"])
    assert produce(kafka.bootstrap, "calls", ['{"n":1}'], key="k").returncode == 0

    kafka.down("all")
    started = time.monotonic()
    out = produce(kafka.bootstrap, "calls", ['{"n":2}'], key="k", timeout_ms=2000)
    assert out.returncode != 0, out
    assert time.monotonic() - started < 15, "kcat took too long to give up"
    with pytest.raises(KafkaMockError, match="consume calls"):
        kafka.consume("calls")  # the tool gives up after 10 s

    kafka.up("all")
    out = produce(kafka.bootstrap, "calls", ['{"n":3}'], key="k", timeout_ms=10000)
    assert out.returncode == 0, out
    assert [r["value"] for r in kafka.consume("calls")] == ['{"n":1}', '{"n":3}']


def test_one_broker_down_and_up(kafka_mock):
    kafka = kafka_mock(topics=["calls"], brokers=3)
    kafka.down(2)
    kafka.up(2)
    kafka.down("2")
    kafka.up("all")
    assert produce(kafka.bootstrap, "calls", ['{"n":1}'], key="k").returncode == 0
    assert len(kafka.consume("calls")) == 1


def test_pushed_produce_errors(kafka_mock):
    kafka = kafka_mock(topics=["calls"])
    # Retriable: the producer retries through them.
    kafka.errors("produce", "NOT_LEADER_FOR_PARTITION", 3)
    out = produce(kafka.bootstrap, "calls", ['{"n":1}'], key="k")
    assert out.returncode == 0, out
    # Permanent: the delivery fails.
    kafka.errors("produce", "MSG_SIZE_TOO_LARGE", 1)
    out = produce(kafka.bootstrap, "calls", ['{"n":2}'], key="k")
    assert out.returncode != 0, out
    assert "Message size too large" in out.stderr, out.stderr
    # By number, then cleared before any request takes it.
    kafka.errors("produce", 10, 5)
    kafka.clear_errors("produce")
    assert produce(kafka.bootstrap, "calls", ['{"n":3}'], key="k").returncode == 0
    kafka.errors("metadata", "REQUEST_TIMED_OUT", 1)
    kafka.errors("metadata", "BROKER_NOT_AVAILABLE", 1)
    assert [r["value"] for r in kafka.consume("calls")] == ['{"n":1}', '{"n":3}']


def test_a_slow_broker_times_a_produce_out(kafka_mock):
    kafka = kafka_mock(topics=["calls"], brokers=1)
    kafka.rtt("all", 3000)
    out = produce(kafka.bootstrap, "calls", ['{"n":1}'], key="k", timeout_ms=1000)
    assert out.returncode != 0, out
    kafka.rtt(1, 0)
    assert produce(kafka.bootstrap, "calls", ['{"n":2}'], key="k").returncode == 0


def test_topic_error_makes_a_topic_missing(kafka_mock):
    kafka = kafka_mock(topics=["calls"])
    kafka.topic_error("calls", "UNKNOWN_TOPIC_OR_PART")
    with pytest.raises(KafkaMockError, match="UNKNOWN_TOPIC_OR_PART"):
        kafka.consume("calls")
    kafka.topic_error("calls", "NO_ERROR")
    assert kafka.consume("calls") == []


def test_leader_moves_a_partition(kafka_mock):
    kafka = kafka_mock(topics=["calls"], partitions=1)
    kafka.leader("calls", 0, 3)
    kafka.down(1)
    kafka.down(2)
    assert produce(kafka.bootstrap, "calls", ['{"n":1}'], key="k").returncode == 0
    assert len(kafka.consume("calls")) == 1


def test_bad_commands_are_refused_and_the_tool_keeps_going(kafka_mock):
    kafka = kafka_mock(brokers=2, topics=["calls"])
    for line, message in [("bogus", "unknown command"), ("down 3", "no broker '3'"),
                          ("down 0", "no broker '0'"), ("up", "usage: down"),
                          ("errors produce NO_SUCH_ERROR 1", "unknown error code"),
                          ("errors fetchh 6 1", "unknown API"),
                          ("errors produce 6 0", "COUNT"), ("rtt 1 -5", "milliseconds"),
                          ("", "empty command")]:
        with pytest.raises(KafkaMockError, match=message):
            kafka.command(line)
    kafka.errors("produce", "not_leader_for_partition", 1)  # names in any case
    kafka.errors("produce", "NOT_LEADER_OR_FOLLOWER", 1)  # Kafka's newer name for 6
    kafka.clear_errors("produce")
    assert kafka.consume("calls") == []
    assert kafka.close() == 0
    assert kafka.close() == 0  # idempotent


@pytest.mark.parametrize("args, message", [
    (["--brokers", "0"], "--brokers"),
    (["--brokers", "x"], "--brokers"),
    (["--partitions", "0"], "--partitions"),
    (["--topic", "a,,b"], "empty topic name"),
    (["--topic"], "needs a value"),
    (["--bogus"], "unknown argument"),
])
def test_bad_arguments_exit_2(args, message):
    out = subprocess.run([kafka_mock_bin(), *args], capture_output=True, text=True, timeout=10,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 2, out
    assert message in out.stderr, out.stderr
    assert out.stdout == "", out.stdout


def test_end_of_input_exits_0():
    out = subprocess.run([kafka_mock_bin(), "--topic", "calls", "--brokers=1"],
                         capture_output=True, text=True, timeout=20, input="down all\n")
    assert out.returncode == 0, out
    lines = out.stdout.splitlines()
    assert lines[0].startswith("bootstrap=127.0.0.1:") and "," not in lines[0], lines
    assert lines[1:] == ["ok"], lines
