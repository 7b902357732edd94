"""Size-based rotation of the file sink: events.jsonl, events.jsonl.1, ... events.jsonl.N."""

import json
from pathlib import Path

from harness import call_status_body, read_jsonl


def rotated_files(events: Path) -> dict[int, Path]:
    found = {}
    for p in events.parent.iterdir():
        suffix = p.name[len(events.name) + 1:]
        if p.name.startswith(events.name + ".") and suffix.isdigit():
            found[int(suffix)] = p
    return found


def post_many(d, count, prefix):
    for i in range(count):
        reply = d.post("/status", call_status_body(f"{prefix}-{i:03d}"))
        assert reply.status == 200, reply


def test_rotation_keeps_at_most_max_files_and_never_splits_a_line(start_daemon, tmp_path):
    events = tmp_path / "events.jsonl"
    d = start_daemon(sinks=[{"type": "file", "path": str(events), "max_bytes": 4096,
                             "max_files": 3}])
    post_many(d, 60, "rot")  # about 60 x 750 bytes: ~11 files' worth, so old ones are deleted

    numbered = rotated_files(events)
    assert events.exists()
    assert sorted(numbered) == [1, 2, 3], sorted(numbered)
    seen = []
    for path in [events] + [numbered[n] for n in (1, 2, 3)]:
        assert path.stat().st_size <= 4096, (path, path.stat().st_size)
        records = read_jsonl(path)  # every line whole and parseable, file ends with \n
        assert records, f"{path} is empty"
        seen.append([r["payload"]["eventId"] for r in records])
    # Newest in events.jsonl, then .1, .2, .3: read oldest first, the ids are consecutive.
    ordered = [i for ids in reversed(seen) for i in ids]
    numbers = [int(i.split("-")[1]) for i in ordered]
    assert numbers == list(range(numbers[0], 60)), numbers


def test_rotation_with_room_for_every_file_loses_and_duplicates_nothing(start_daemon, tmp_path):
    events = tmp_path / "events.jsonl"
    d = start_daemon(sinks=[{"type": "file", "path": str(events), "max_bytes": 4096,
                             "max_files": 100}])
    post_many(d, 60, "all")

    numbered = rotated_files(events)
    assert len(numbered) >= 5, sorted(numbered)
    assert sorted(numbered) == list(range(1, len(numbered) + 1)), sorted(numbered)
    ids = []
    for n in sorted(numbered, reverse=True):
        assert numbered[n].stat().st_size <= 4096
        ids += [r["payload"]["eventId"] for r in read_jsonl(numbered[n])]
    ids += [r["payload"]["eventId"] for r in read_jsonl(events)]
    assert ids == [f"all-{i:03d}" for i in range(60)]


def test_the_rejects_file_rotates_too(start_daemon, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    d = start_daemon(rejects={"path": str(rejects), "max_bytes": 4096, "max_files": 50})
    body = json.dumps({"not": "an 8x8 event", "pad": "x" * 300}).encode()
    for _ in range(30):
        reply = d.post("/status", body)
        assert reply.status == 200 and reply.json()["stored"] == "rejects", reply
    numbered = rotated_files(rejects)
    assert numbered, "rejects.jsonl never rotated"
    total = len(read_jsonl(rejects)) + sum(len(read_jsonl(p)) for p in numbered.values())
    assert total == 30
