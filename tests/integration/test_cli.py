"""The command line: --help, --version, --check, and the exit statuses (0 done, 1 failed at
start-up, 2 bad flags or configuration)."""

import re
import socket
import subprocess

from harness import HOST, callsink_bin, toml_text


def run(*args, timeout=10):
    return subprocess.run([callsink_bin(), *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def write_config(tmp_path, extra_tables=None, sinks=None, text=None, name="callsink.toml"):
    tables = {"rejects": {"path": str(tmp_path / "rejects.jsonl")}}
    tables.update(extra_tables or {})
    if sinks is None:
        sinks = [{"type": "file", "path": str(tmp_path / "events.jsonl")}]
    path = tmp_path / name
    path.write_text(text if text is not None else toml_text(tables, sinks))
    return path


def test_help_exits_0_and_mentions_config():
    out = run("--help")
    assert out.returncode == 0, out
    assert "--config" in out.stdout + out.stderr


def test_help_and_version_go_to_stdout_and_end_with_one_newline():
    # A shell prompt must not start on the help's last line, nor after a blank one.
    for args in (["--help"], ["session", "--help"], ["--version"]):
        out = run(*args)
        assert out.returncode == 0, (args, out)
        assert out.stderr == "", (args, out.stderr)
        assert out.stdout.endswith("\n") and not out.stdout.endswith("\n\n"), (args, out.stdout)


def test_version_prints_callsink_and_a_semver_and_exits_0():
    out = run("--version")
    assert out.returncode == 0, out
    assert re.fullmatch(r"callsink \d+\.\d+\.\d+\s*", out.stdout), out.stdout


def test_check_on_a_valid_config_exits_0_without_starting(tmp_path):
    cfg = write_config(tmp_path)
    out = run("--config", str(cfg), "--check")
    assert out.returncode == 0, out
    assert "valid" in out.stdout + out.stderr
    assert not (tmp_path / "events.jsonl").exists(), "--check must not open the sinks"


def test_check_accepts_the_example_config_in_the_repository():
    from harness import HERE
    example = HERE.parent.parent / "config" / "callsink.toml"
    out = run("--config", str(example), "--check")
    assert out.returncode == 0, out


def test_an_unknown_key_exits_2_and_names_it(tmp_path):
    cfg = write_config(tmp_path, {"server": {"listn": "127.0.0.1:8080"}})
    out = run("--config", str(cfg), "--check")
    assert out.returncode == 2, out
    assert "server.listn" in out.stderr, out.stderr
    # and the same without --check
    out = run("--config", str(cfg))
    assert out.returncode == 2, out
    assert "server.listn" in out.stderr, out.stderr


def test_a_bad_durability_value_exits_2_and_names_the_key(tmp_path):
    cfg = write_config(tmp_path, {"delivery": {"durability": "sometimes"}})
    out = run("--config", str(cfg))
    assert out.returncode == 2, out
    assert "delivery.durability" in out.stderr, out.stderr
    assert "sometimes" in out.stderr, out.stderr


def test_a_wrong_type_exits_2_and_names_the_key(tmp_path):
    cfg = write_config(tmp_path, {"server": {"threads": "two"}})
    out = run("--config", str(cfg), "--check")
    assert out.returncode == 2, out
    assert "server.threads" in out.stderr, out.stderr


def test_a_config_without_sinks_exits_2(tmp_path):
    cfg = write_config(tmp_path, sinks=[])
    out = run("--config", str(cfg), "--check")
    assert out.returncode == 2, out
    assert "sinks" in out.stderr, out.stderr


def test_a_toml_syntax_error_exits_2_with_the_line(tmp_path):
    cfg = write_config(tmp_path, text="[server]\nlisten = \n")
    out = run("--config", str(cfg), "--check")
    assert out.returncode == 2, out
    assert ":2" in out.stderr, out.stderr


def test_a_missing_config_file_exits_2(tmp_path):
    missing = tmp_path / "no-such.toml"
    out = run("--config", str(missing))
    assert out.returncode == 2, out
    assert "no-such.toml" in out.stderr, out.stderr


def test_no_config_flag_or_an_unknown_flag_exits_2(tmp_path):
    assert run().returncode == 2
    cfg = write_config(tmp_path)
    out = run("--config", str(cfg), "--frobnicate")
    assert out.returncode == 2, out


def test_a_bad_listen_flag_exits_2_and_names_it(tmp_path):
    cfg = write_config(tmp_path)
    out = run("--config", str(cfg), "--listen", "127.0.0.1")
    assert out.returncode == 2, out
    assert "--listen" in out.stderr, out.stderr


def test_listening_on_a_port_in_use_exits_1_naming_the_address(tmp_path):
    cfg = write_config(tmp_path)
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        out = run("--config", str(cfg), "--listen", f"{HOST}:{port}", timeout=15)
    assert out.returncode == 1, out
    assert f"{HOST}:{port}" in out.stderr, out.stderr


def test_an_unwritable_events_path_exits_1_naming_the_sink(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cfg = write_config(tmp_path, sinks=[{"type": "file", "path": str(blocker / "events.jsonl")}])
    out = run("--config", str(cfg), "--listen", f"{HOST}:0", timeout=15)
    assert out.returncode == 1, out
    assert "sinks[0].path" in out.stderr, out.stderr

