#!/usr/bin/env python3
"""Keeps callsink's areas layered (cmake/layers.txt, drawn in docs/architecture.md): every #include of a callsink header
must name an area that the including file's area may use, and a sink type or an event type may be
named only by its registry (and by app/, which wires everything). Also checks that every file is
in an area and that src/ mirrors include/callsink/.

Usage: scripts/check_layers.py [repository root]. Exit status 1 names every offending include.
"""

import re
import sys
from pathlib import Path

# The layering is stated once, in cmake/layers.txt: CMake builds from it, this script checks the
# includes against it, and docs/architecture.md's table must say the same.
LAYERS_FILE = "cmake/layers.txt"
ARCHITECTURE_DOC = "docs/architecture.md"


def read_layers(text: str) -> dict[str, list[str]]:
    """Each area and the areas it may include directly, from lines "area  a, b  (comment)"."""
    layers = {}
    for line in text.splitlines():
        line = re.sub(r"\(.*\)", "", line).strip()
        if not line or line.startswith("#"):
            continue
        area, _, uses = line.partition(" ")
        layers[area] = [u.strip() for u in uses.split(",") if u.strip() not in ("", "-")]
    return layers


def documented_layers(doc: str) -> dict[str, list[str]]:
    """The table in the first code block after "## Dependency order" of docs/architecture.md."""
    section = doc.partition("## Dependency order")[2]
    block = section.split("```")[1] if section.count("```") >= 2 else ""
    return read_layers(block)


# The files that register the members of an area's independent units, and so may name them all.
REGISTRIES = {
    "sinks": {"src/sinks/sink_registry.cpp"},
    "events": {"include/callsink/events/event_types.hpp", "src/events/event_types.cpp"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+[<"]callsink/([^">]+)[">]')
ROOTS = ("include/callsink", "src", "tests/unit")


def closure(area: str, layers: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [area]
    while todo:
        for below in layers[todo.pop()]:
            if below not in seen:
                seen.add(below)
                todo.append(below)
    return seen


def unit_of(in_area: Path) -> str | None:
    """The independent unit a file belongs to: a sink folder ("sinks/file") or one event type
    ("events/types/call_status"); None for the rest of an area."""
    parts = in_area.parts
    if parts[0] == "sinks" and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[:2] == ("events", "types") and len(parts) == 3:
        return "events/types/" + Path(parts[2]).stem.removesuffix("_test")
    return None


def check(root: Path) -> list[str]:
    problems = []
    layers = read_layers((root / LAYERS_FILE).read_text())
    doc = root / ARCHITECTURE_DOC
    if doc.is_file() and documented_layers(doc.read_text()) != layers:
        problems.append(f"{ARCHITECTURE_DOC}: the table under \"Dependency order\" differs from "
                        f"{LAYERS_FILE}; make it say what {LAYERS_FILE} says")
    for base in ROOTS:
        folder = root / base
        for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
            if entry.is_dir() and entry.name not in layers:
                problems.append(f"{entry.relative_to(root)}: not an area of {LAYERS_FILE}")
            elif entry.is_file() and entry.suffix in (".hpp", ".cpp") and entry.name != "main.cpp":
                problems.append(f"{entry.relative_to(root)}: in no area; move it to its area's folder")
    for base in ROOTS:
        for path in sorted((root / base).rglob("*")) if (root / base).is_dir() else []:
            if path.suffix not in (".hpp", ".cpp"):
                continue
            relative = path.relative_to(root)
            in_area = path.relative_to(root / base)
            area = in_area.parts[0]
            if len(in_area.parts) < 2 or area not in layers:
                continue
            problems += check_file(path, relative, area, in_area, layers)
    for source in sorted((root / "src").rglob("*.cpp")) if (root / "src").is_dir() else []:
        in_src = source.relative_to(root / "src")
        header = root / "include/callsink" / in_src.with_suffix(".hpp")
        if in_src.name != "main.cpp" and not header.exists():
            problems.append(f"src/{in_src}: no header include/callsink/{in_src.with_suffix('.hpp')}")
    return problems


def check_file(path: Path, relative: Path, area: str, in_area: Path,
               layers: dict[str, list[str]]) -> list[str]:
    problems = []
    may = closure(area, layers) | {area}
    own_unit = unit_of(in_area)
    is_test = relative.parts[0] == "tests"
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        match = INCLUDE.match(line)
        if not match:
            continue
        target = Path(match.group(1))
        target_area = target.parts[0]
        where = f"{relative}:{number}"
        if target_area not in layers or len(target.parts) < 2:
            problems.append(f"{where}: includes callsink/{target}, which is in no area")
            continue
        if target_area not in may:
            problems.append(
                f"{where}: includes callsink/{target}, but {area}/ may include only "
                f"{', '.join(sorted(may - {area})) or 'nothing'} besides itself "
                f"({LAYERS_FILE})")
            continue
        target_unit = unit_of(target)
        if target_unit is None or target_unit == own_unit or is_test or area == "app":
            continue
        registries = REGISTRIES[target_area]
        if str(relative) not in registries:
            problems.append(
                f"{where}: includes callsink/{target} from {own_unit or area + '/'}; "
                f"{target_unit} is named only by {' and '.join(sorted(registries))} (and app/)")
    return problems


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    problems = check(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_layers: {len(problems)} include(s) against the layering", file=sys.stderr)
        return 1
    print(f"check_layers: every include follows {LAYERS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
