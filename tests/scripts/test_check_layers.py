"""scripts/check_layers.py on small trees of its own: it passes a tree that follows the layering
and fails, naming file, line and include, on one that does not."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_layers.py"
LAYERS = (ROOT / "cmake" / "layers.txt").read_text()


def http_may_use_the_pipeline(layers: str) -> str:
    """The layering with pipeline added to what http may include, whatever http's line says now."""
    changed = re.sub(r"^http(\s+)", r"http\1pipeline, ", layers, count=1, flags=re.M)
    assert changed != layers
    return changed


def write(root: Path, path: str, text: str = "") -> None:
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)


def run(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True)


def base_tree(root: Path) -> None:
    write(root, "cmake/layers.txt", LAYERS)
    for area, name in [("base", "utf8"), ("events", "parse"), ("records", "record"),
                       ("sinks", "sink"), ("pipeline", "pipeline"), ("http", "server"),
                       ("ops", "metrics")]:
        write(root, f"include/callsink/{area}/{name}.hpp")
        write(root, f"src/{area}/{name}.cpp", f'#include "callsink/{area}/{name}.hpp"\n')


def test_a_tree_that_follows_the_layering_passes(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "src/records/record.cpp",
          '#include "callsink/records/record.hpp"\n#include "callsink/events/parse.hpp"\n')
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr


def test_http_including_the_pipeline_fails_naming_the_include(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "src/http/server.cpp",
          '#include "callsink/http/server.hpp"\n\n#include "callsink/pipeline/pipeline.hpp"\n')
    result = run(tmp_path)
    assert result.returncode == 1
    assert "src/http/server.cpp:3: includes callsink/pipeline/pipeline.hpp" in result.stderr


def test_a_sink_including_deduplication_fails(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "include/callsink/sinks/sink.hpp", '#include "callsink/pipeline/pipeline.hpp"\n')
    result = run(tmp_path)
    assert result.returncode == 1
    assert "include/callsink/sinks/sink.hpp:1" in result.stderr


def test_metrics_including_the_parser_fails(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "src/ops/metrics.cpp", '#include "callsink/events/parse.hpp"\n')
    result = run(tmp_path)
    assert result.returncode == 1
    assert "src/ops/metrics.cpp:1: includes callsink/events/parse.hpp" in result.stderr


def test_a_sink_folder_reaching_into_another_fails_but_its_registry_may(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "include/callsink/sinks/file/file_sink.hpp")
    write(tmp_path, "src/sinks/file/file_sink.cpp", '#include "callsink/sinks/file/file_sink.hpp"\n')
    write(tmp_path, "include/callsink/sinks/log/log_sink.hpp")
    write(tmp_path, "src/sinks/log/log_sink.cpp", '#include "callsink/sinks/file/file_sink.hpp"\n')
    write(tmp_path, "include/callsink/sinks/sink_registry.hpp")
    write(tmp_path, "src/sinks/sink_registry.cpp", '#include "callsink/sinks/file/file_sink.hpp"\n')
    result = run(tmp_path)
    assert result.returncode == 1
    assert "src/sinks/log/log_sink.cpp:1" in result.stderr
    assert not any(line.startswith("src/sinks/sink_registry.cpp")
                   for line in result.stderr.splitlines())
    assert "check_layers: 1 include(s)" in result.stderr


def test_a_source_without_its_header_and_an_unknown_area_fail(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "src/events/lonely.cpp")
    write(tmp_path, "src/misc/thing.cpp")
    result = run(tmp_path)
    assert result.returncode == 1
    assert "src/events/lonely.cpp: no header" in result.stderr
    assert "src/misc: not an area" in result.stderr


def test_an_event_type_naming_another_fails_but_the_registry_may(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "include/callsink/events/types/call_status.hpp")
    write(tmp_path, "include/callsink/events/types/session_summary.hpp",
          '#include "callsink/events/types/call_status.hpp"\n')
    write(tmp_path, "include/callsink/events/event_types.hpp",
          '#include "callsink/events/types/call_status.hpp"\n'
          '#include "callsink/events/types/session_summary.hpp"\n')
    result = run(tmp_path)
    assert result.returncode == 1
    assert "include/callsink/events/types/session_summary.hpp:1" in result.stderr
    assert "check_layers: 1 include(s)" in result.stderr


def test_another_area_naming_a_sink_folder_fails_but_app_may(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "include/callsink/sinks/file/file_sink.hpp")
    write(tmp_path, "src/sinks/file/file_sink.cpp", '#include "callsink/sinks/file/file_sink.hpp"\n')
    write(tmp_path, "src/pipeline/pipeline.cpp", '#include "callsink/sinks/file/file_sink.hpp"\n')
    write(tmp_path, "include/callsink/app/config_file.hpp")
    write(tmp_path, "src/app/config_file.cpp", '#include "callsink/sinks/file/file_sink.hpp"\n')
    result = run(tmp_path)
    assert result.returncode == 1
    assert "src/pipeline/pipeline.cpp:1: includes callsink/sinks/file/file_sink.hpp" in result.stderr
    assert "check_layers: 1 include(s)" in result.stderr


def test_an_include_in_angle_brackets_is_checked_too(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "src/http/server.cpp", '#include <callsink/pipeline/pipeline.hpp>\n')
    result = run(tmp_path)
    assert result.returncode == 1
    assert "src/http/server.cpp:1: includes callsink/pipeline/pipeline.hpp" in result.stderr


def test_a_file_outside_every_area_fails(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "include/callsink/loose.hpp")
    result = run(tmp_path)
    assert result.returncode == 1
    assert "include/callsink/loose.hpp: in no area" in result.stderr


def test_a_table_in_the_architecture_doc_that_differs_from_the_layers_file_fails(tmp_path):
    base_tree(tmp_path)
    table = http_may_use_the_pipeline(LAYERS)
    write(tmp_path, "docs/architecture.md", f"# A\n\n## Dependency order\n\n```\n{table}```\n")
    result = run(tmp_path)
    assert result.returncode == 1
    assert "docs/architecture.md: the table under \"Dependency order\" differs" in result.stderr
    write(tmp_path, "docs/architecture.md", f"## Dependency order\n\n```\n{LAYERS}```\n")
    assert run(tmp_path).returncode == 0


def test_an_area_allowed_by_the_layers_file_may_be_included(tmp_path):
    base_tree(tmp_path)
    write(tmp_path, "cmake/layers.txt", http_may_use_the_pipeline(LAYERS))
    write(tmp_path, "src/http/server.cpp", '#include "callsink/pipeline/pipeline.hpp"\n')
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr
