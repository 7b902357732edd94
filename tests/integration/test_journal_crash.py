"""The journal's promise under kill -9: every delivery answered 200 reaches every forwarded sink,
whatever moment the daemon is killed at. One daemon forwards to PostgreSQL 15 and to librdkafka's
mock Kafka cluster at once, under steady traffic, and is killed and started again (on the same
journal) in a loop: while both sinks are down, and while they catch up after the outage. At the
end, once both have caught up, every delivery answered 200 is in the database (once: its primary
key) and in the topic (copies sent again after a kill carry the same redeliveryKey).
"""

from __future__ import annotations

import signal
import time

from harness import wait_until
from journal_load import SteadyLoad
from test_journal import caught_up, journal_table, kafka_forwarded, pg_forwarded, PG_ENV, TOPIC

ROUNDS = 3


def test_kill_9_during_the_outage_and_after_it_loses_no_delivery(start_daemon, postgres,
                                                                 kafka_mock, tmp_path):
    kafka = kafka_mock(topics=[TOPIC])

    def start():
        return start_daemon(journal=journal_table(tmp_path),
                            sinks=[pg_forwarded(), kafka_forwarded(kafka)],
                            env={PG_ENV: postgres.conninfo()})

    daemon = [start()]

    def restart():
        assert daemon[0].kill() == -signal.SIGKILL
        daemon[0] = start()

    def load_for(seconds: float):
        since = time.monotonic()
        wait_until(lambda: time.monotonic() - since >= seconds and load.count(since=since) > 0,
                   f"{seconds} s of deliveries", seconds + 20)

    with SteadyLoad(lambda: daemon[0], "crash", threads=2, per_second=30) as load:
        load_for(1)
        for _ in range(ROUNDS):
            postgres.stop()
            kafka.down("all")
            load_for(2)
            restart()  # killed during the outage
            load_for(2)
            postgres.start()
            kafka.up("all")
            load_for(1.5)
            restart()  # killed while the forwarders catch up
            load_for(1)

    assert load.statuses() <= {200, None}, "200s, and connection errors around each kill"
    wait_until(lambda: caught_up(daemon[0]), "both forwarders caught up", 90)
    acknowledged = {a[0] for a in load.answered()}
    assert len(acknowledged) > 100, len(acknowledged)
    in_database = {row[0] for row in postgres.query(
        "SELECT event_id FROM callsink.events WHERE event_id IS NOT NULL")}
    missing = acknowledged - in_database
    assert not missing, f"{len(missing)} answered 200 are not in the database: {sorted(missing)[:10]}"
    in_topic = {m["headers"]["eventId"] for m in kafka.consume(TOPIC)}
    missing = acknowledged - in_topic
    assert not missing, f"{len(missing)} answered 200 are not in the topic: {sorted(missing)[:10]}"
