// Keeps the configuration reference (docs/configuration.md) and the example configuration
// (config/callsink.toml) in step with the keys the loader accepts, both ways.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "callsink/app/config_file.hpp"
#include "fixtures.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

using testing::repo_root;

// "table.key" for every `| \`key\` |` row under a "## `[table]`" or "## `[[table]]`" heading.
std::set<std::string> documented_keys() {
    std::istringstream doc(testing::read_file(repo_root() / "docs/configuration.md"));
    std::set<std::string> keys;
    std::string table;
    for (std::string line; std::getline(doc, line);) {
        if (line.rfind("## ", 0) == 0) {
            auto const open = line.find("`[");
            auto const close = line.find("]`");
            table = open == std::string::npos || close == std::string::npos
                        ? ""
                        : line.substr(open + 2, close - open - 2);
            if (!table.empty() && table.front() == '[') {
                table = table.substr(1, table.size() - 2);  // [[sinks]]
            }
            continue;
        }
        if (!table.empty() && line.rfind("| `", 0) == 0) {
            auto const end = line.find('`', 3);
            keys.insert(table + "." + line.substr(3, end - 3));
        }
    }
    return keys;
}

TEST(ConfigReference, DocumentsEveryKeyTheLoaderAccepts) {
    auto const documented = documented_keys();
    for (std::string const& key : known_config_keys()) {
        EXPECT_TRUE(documented.contains(key)) << key << " is missing from docs/configuration.md";
    }
}

TEST(ConfigReference, DocumentsNoKeyTheLoaderRefuses) {
    auto const known = known_config_keys();
    std::set<std::string> const accepted(known.begin(), known.end());
    for (std::string const& key : documented_keys()) {
        EXPECT_TRUE(accepted.contains(key))
            << key << " is documented in docs/configuration.md but the loader refuses it";
    }
}

TEST(ConfigExample, ShowsEveryKeyAtLeastInAComment) {
    std::string const example = testing::read_file(repo_root() / "config/callsink.toml");
    for (std::string const& key : known_config_keys()) {
        std::string const name = key.substr(key.find('.') + 1);
        EXPECT_NE(example.find(name + " = "), std::string::npos)
            << key << " does not appear in config/callsink.toml";
    }
}

}  // namespace
}  // namespace callsink
