"""pytest fixtures for the integration tests; the harness itself is in harness.py."""

from harness import daemon, start_daemon  # noqa: F401  (pytest finds fixtures by name)
