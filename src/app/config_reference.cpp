#include "callsink/app/config_reference.hpp"

#include <algorithm>
#include <iterator>
#include <set>
#include <stdexcept>
#include <vector>

#include "callsink/app/config_file.hpp"
#include "callsink/config/config_key.hpp"
#include "callsink/sinks/sink_registry.hpp"

namespace callsink {
namespace {

constexpr std::string_view kBegin = "<!-- BEGIN generated keys of ";
constexpr std::string_view kEnd = "<!-- END generated keys -->";

std::string begin_marker(std::string_view table) {
    return std::string(kBegin) + std::string(table) +
           ": do not edit; declared in the code, written by " +
           std::string(kRegenerateConfigReference) + " -->";
}

// The text of every line of `text`, each with its newline.
std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        std::size_t const end = std::min(text.find('\n'), text.size() - 1) + 1;
        lines.push_back(text.substr(0, end));
        text.remove_prefix(end);
    }
    return lines;
}

[[noreturn]] void fail_at(std::size_t line, std::string const& problem) {
    throw std::runtime_error("line " + std::to_string(line + 1) + ": " + problem);
}

}  // namespace

std::string key_table_markdown(std::string_view name) {
    for (ConfigTableKeys const& table : config_tables()) {
        if (table.name != name) {
            continue;
        }
        // The keys every sink has show facts of the registry: the types built in, and which of
        // them are required by default.
        std::vector<KeyRow> rows;
        if (name == "sinks") {
            rows = common_sink_key_rows();
        } else {
            std::transform(table.keys.begin(), table.keys.end(), std::back_inserter(rows), key_row);
        }
        return markdown_table(rows);
    }
    throw std::invalid_argument("no table " + std::string(name) + " in the configuration");
}

std::string with_generated_key_tables(std::string_view page) {
    std::string out;
    std::set<std::string, std::less<>> shown;
    auto const lines = lines_of(page);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view const line = lines[i];
        if (!line.starts_with(kBegin)) {
            out += line;
            continue;
        }
        std::string_view const rest = line.substr(kBegin.size());
        std::string const table(rest.substr(0, rest.find_first_of(":- \n")));
        if (!shown.insert(table).second) {
            fail_at(i, "the keys of " + table + " are shown a second time");
        }
        std::string markdown;
        try {
            markdown = key_table_markdown(table);
        } catch (std::invalid_argument const&) {
            fail_at(i, "no table " + table + " in the configuration");
        }
        std::size_t end = i + 1;
        while (end < lines.size() && !lines[end].starts_with(kEnd)) {
            ++end;
        }
        if (end == lines.size()) {
            fail_at(i, "the keys of " + table + " have no end marker " + std::string(kEnd));
        }
        out += begin_marker(table) + "\n" + markdown + std::string(kEnd) + "\n";
        i = end;
    }
    for (ConfigTableKeys const& table : config_tables()) {
        if (!table.keys.empty() && !shown.contains(table.name)) {
            throw std::runtime_error("the keys of " + table.name + " are not shown: add a line " +
                                     begin_marker(table.name) + " and a line " + std::string(kEnd) +
                                     " where they belong");
        }
    }
    return out;
}

}  // namespace callsink
