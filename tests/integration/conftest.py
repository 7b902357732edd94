"""pytest fixtures for the integration tests; the harness itself is in harness.py, the mock Kafka
cluster in kafka_mock.py, the private PostgreSQL cluster in postgres_server.py."""

from harness import daemon, start_daemon  # noqa: F401  (pytest finds fixtures by name)
from kafka_mock import kafka_mock  # noqa: F401
from postgres_server import postgres, postgres_server  # noqa: F401
