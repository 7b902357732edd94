// The key tables of docs/configuration.md, rendered from the keys each component declares
// (config_tables(), config/config_key.hpp), so that the reference says what the loader does.
// Each table stands between two marker lines, and the prose around them is written by hand:
//
//   <!-- BEGIN generated keys of server: ... -->
//   | key | type | default | allowed values | what it sets |
//   ...
//   <!-- END generated keys -->
//
// with_generated_key_tables() rewrites the blocks of a page; the callsink_config_reference tool
// (tests/tools/config_reference.cpp) writes the result back to the file, and a test fails while
// the page in the repository differs from it. Pure text in and out.
#pragma once

#include <string>
#include <string_view>

namespace callsink {

// The command that regenerates the tables, as messages and the markers name it.
inline constexpr std::string_view kRegenerateConfigReference =
    "build/<dir>/tests/callsink_config_reference docs/configuration.md";

// The markdown table of one of config_tables() ("server", "sinks", "sinks.kafka"). Throws
// std::invalid_argument for a name that is none of them.
std::string key_table_markdown(std::string_view table);

// `page` with the lines between each pair of markers replaced by the table the begin marker
// names, and the begin marker rewritten to its one form. Throws std::runtime_error, naming the
// line, for a marker of an unknown table, a table shown twice, a begin without its end, or a
// table with keys that no block shows.
std::string with_generated_key_tables(std::string_view page);

}  // namespace callsink
