#!/usr/bin/env python3
"""Keeps callsink's areas layered (docs/architecture.md): every #include "callsink/<area>/..."
must name an area that the including file's area may use, and a sink or event type folder may
not reach into a sibling folder. Also checks that src/ mirrors include/callsink/.

Usage: scripts/check_layers.py [repository root]. Exit status 1 names every offending include.
"""

import re
import sys
from pathlib import Path

# Each area and the areas it may include directly; what those may include is allowed too.
# The order is the one docs/architecture.md draws, lowest first.
ALLOWED = {
    "base": [],
    "config": ["base"],
    "ops": ["base"],
    "http": ["ops", "base"],
    "events": ["base"],
    "records": ["events", "base"],
    "sinks": ["records", "config", "ops", "base"],
    "pipeline": ["sinks", "records", "ops", "base"],
    "ingest": ["http", "pipeline", "records", "events", "ops", "base"],
    "app": ["ingest", "http", "pipeline", "sinks", "records", "events", "config", "ops", "base"],
}

# Folders whose members are independent of each other: a sink type knows no other sink type,
# an event type no other event type. Within their area only the registry source names them all.
INDEPENDENT = {
    "sinks": "src/sinks/sink_registry.cpp",
    "events/types": "src/events/event_types.cpp",
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"callsink/([^"]+)"')


def closure(area: str) -> set[str]:
    seen: set[str] = set()
    todo = [area]
    while todo:
        for below in ALLOWED[todo.pop()]:
            if below not in seen:
                seen.add(below)
                todo.append(below)
    return seen


def area_of(relative: Path) -> tuple[str, Path] | None:
    """The area of a file under include/callsink/, src/ or tests/unit/, and its path in it."""
    parts = relative.parts
    for prefix in (("include", "callsink"), ("src",), ("tests", "unit")):
        if parts[: len(prefix)] == prefix and len(parts) > len(prefix) + 1:
            return parts[len(prefix)], Path(*parts[len(prefix):])
    return None


def folder_of(in_area: Path) -> str | None:
    """For a file in an independent folder ("sinks/file/file_sink.cpp"), that folder."""
    for parent, _ in INDEPENDENT.items():
        depth = len(Path(parent).parts)
        if in_area.parts[:depth] == Path(parent).parts and len(in_area.parts) > depth + 1:
            return str(Path(*in_area.parts[: depth + 1]))
    return None


def check(root: Path) -> list[str]:
    problems = []
    unknown = set(ALLOWED)
    for base in ("include/callsink", "src", "tests/unit"):
        for folder in (root / base).iterdir() if (root / base).is_dir() else []:
            if folder.is_dir() and folder.name not in ALLOWED:
                problems.append(f"{folder.relative_to(root)}: not an area of scripts/check_layers.py")
    files = [p for base in ("include/callsink", "src", "tests/unit")
             for p in sorted((root / base).rglob("*")) if p.suffix in (".hpp", ".cpp")]
    for path in files:
        relative = path.relative_to(root)
        located = area_of(relative)
        if located is None or located[0] not in unknown:
            continue
        area, in_area = located
        may = closure(area) | {area}
        own_folder = folder_of(in_area)
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = Path(match.group(1))
            target_area = target.parts[0]
            where = f"{relative}:{number}"
            if target_area not in ALLOWED:
                problems.append(f"{where}: includes callsink/{target}, which is in no area")
                continue
            if target_area not in may:
                problems.append(
                    f"{where}: includes callsink/{target}, but {area}/ may include only "
                    f"{', '.join(sorted(may - {area})) or 'nothing'} besides itself "
                    f"(docs/architecture.md)")
                continue
            target_folder = folder_of(target)
            registry = INDEPENDENT.get(str(Path(*target.parts[:-2]))) if target_folder else None
            # The rule is about members knowing each other: app/, which wires, may name any.
            if (target_folder and target_folder != own_folder and area == target_area
                    and str(relative) != registry and not str(relative).startswith("tests/")):
                problems.append(
                    f"{where}: includes callsink/{target} from {own_folder or area + '/'}; "
                    f"{target_folder}/ is named only by its registry ({registry})")
    for source in sorted((root / "src").rglob("*.cpp")):
        in_src = source.relative_to(root / "src")
        header = root / "include/callsink" / in_src.with_suffix(".hpp")
        if in_src.name != "main.cpp" and not header.exists():
            problems.append(f"src/{in_src}: no header include/callsink/{in_src.with_suffix('.hpp')}")
    return problems


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    problems = check(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_layers: {len(problems)} include(s) against the layering", file=sys.stderr)
        return 1
    print("check_layers: every include follows docs/architecture.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
