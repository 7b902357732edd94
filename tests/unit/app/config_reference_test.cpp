// The configuration reference and the example configuration against the keys the code declares
// (config_tables()): docs/configuration.md's key tables are rendered from the declarations, and
// config/callsink.toml shows every declared key, no other, and states their defaults and ranges
// as declared.
#include "callsink/app/config_reference.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "callsink/app/config_file.hpp"
#include "callsink/sinks/sink_registry.hpp"
#include "fixtures.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

using ::testing::HasSubstr;
using testing::repo_root;

std::string begin_of(std::string const& table) {
    return "<!-- BEGIN generated keys of " + table + " -->\n";
}
constexpr char const* kEndOf = "<!-- END generated keys -->\n";

// A page with a block for every table with keys, each holding `inside`.
std::string page_of_every_table(std::string const& inside) {
    std::string page = "# Reference\n";
    for (ConfigTableKeys const& table : config_tables()) {
        if (!table.keys.empty()) {
            page += "\n## " + table.name + "\n\nHand-written prose.\n\n" + begin_of(table.name) +
                    inside + kEndOf;
        }
    }
    return page;
}

std::string error_of(std::string const& page) {
    try {
        with_generated_key_tables(page);
    } catch (std::runtime_error const& error) {
        return error.what();
    }
    return "no error";
}

// ---- docs/configuration.md ----

// The first line where `got` differs from `expected`, as "line N: ... instead of ...".
std::string first_difference(std::string const& expected, std::string const& got) {
    std::istringstream want(expected);
    std::istringstream have(got);
    std::string wanted;
    std::string had;
    for (std::size_t line = 1;; ++line) {
        bool const more_wanted = static_cast<bool>(std::getline(want, wanted));
        bool const more_had = static_cast<bool>(std::getline(have, had));
        if (!more_wanted && !more_had) {
            return "";
        }
        if (more_wanted != more_had || wanted != had) {
            return "line " + std::to_string(line) + ": \"" + had + "\" instead of \"" + wanted +
                   "\"";
        }
    }
}

TEST(ConfigReference, DocsShowTheKeyTablesTheCodeDeclares) {
    std::string const page = testing::read_file(repo_root() / "docs/configuration.md");
    EXPECT_EQ(first_difference(with_generated_key_tables(page), page), "")
        << "docs/configuration.md's key tables differ from the keys declared in the code; "
           "rewrite them with "
        << kRegenerateConfigReference;
}

TEST(ConfigReference, ReplacesEachBlockAndKeepsTheProseAroundIt) {
    std::string const written = with_generated_key_tables(page_of_every_table("| stale |\n"));
    EXPECT_THAT(written, Not(HasSubstr("stale")));
    EXPECT_THAT(written, HasSubstr("\n## server\n\nHand-written prose.\n\n<!-- BEGIN generated "
                                   "keys of server: do not edit"));
    EXPECT_THAT(written, HasSubstr(key_table_markdown("server") + kEndOf));
    EXPECT_EQ(with_generated_key_tables(written), written);
}

TEST(ConfigReference, RefusesABlockOfATableTheCodeDoesNotHave) {
    EXPECT_THAT(error_of(page_of_every_table("") + begin_of("servre") + kEndOf),
                HasSubstr("no table servre in the configuration"));
}

TEST(ConfigReference, RefusesATableShownTwice) {
    EXPECT_THAT(error_of(page_of_every_table("") + begin_of("log") + kEndOf),
                HasSubstr("the keys of log are shown a second time"));
}

TEST(ConfigReference, RefusesABlockWithoutItsEnd) {
    EXPECT_THAT(error_of("intro\n" + begin_of("server") + "| key |\n"),
                HasSubstr("line 2: the keys of server have no end marker"));
}

TEST(ConfigReference, NamesATableWithKeysThatNoBlockShows) {
    std::string page = page_of_every_table("");
    std::string const block = begin_of("delivery") + kEndOf;
    page.erase(page.find(block), block.size());
    EXPECT_THAT(error_of(page), HasSubstr("the keys of delivery are not shown"));
}

// Read from the registry, so that a new sink type needs no edit here.
TEST(ConfigReference, TheKeysOfEverySinkNameTheTypesBuiltInAndWhichAreRequired) {
    std::string const table = key_table_markdown("sinks");
    std::string types, required, optional;
    for (SinkType const& type : sink_types()) {
        std::string const name = in_backticks(in_quotes(type.name));
        types += (types.empty() ? "" : ", ") + name;
        std::string& list = type.required_by_default ? required : optional;
        list += (list.empty() ? "" : ", ") + name;
    }
    EXPECT_THAT(table, HasSubstr(types));
    // Each list as the reference words it: "a, b and c".
    for (std::string* list : {&required, &optional}) {
        if (auto const last = list->rfind(", "); last != std::string::npos) {
            list->replace(last, 2, " and ");
        }
    }
    EXPECT_THAT(table, HasSubstr("`true` for " + required + ", `false` for " + optional));
}

TEST(ConfigReference, EveryDeclaredKeyHasADescriptionThatFitsATableCell) {
    for (ConfigTableKeys const& table : config_tables()) {
        for (ConfigKey const& key : table.keys) {
            SCOPED_TRACE(table.name + "." + std::string(key.name));
            EXPECT_FALSE(key.description.empty());
            for (std::string_view words : {key.description, key.allowed, key.default_value}) {
                EXPECT_EQ(words.find_first_of("|\n"), std::string_view::npos);
            }
        }
    }
}

// ---- config/callsink.toml ----

// One key as the example shows it, set or commented out.
struct ExampleKey {
    std::size_t line;
    std::string table;  // "server", "sinks" for the keys of every sink, "sinks.file" for a file's own
    std::string sink_type;  // the type of the [[sinks]] table it is in
    std::string name;
    std::string value;      // as written, without a trailing comment
    std::string paragraph;  // the comment lines right above it, joined
};

// A key's value up to a trailing comment: the first '#' outside a string.
std::string without_comment(std::string const& text) {
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '"') {
            quoted = !quoted;
        } else if (text[i] == '#' && !quoted) {
            return std::regex_replace(text.substr(0, i), std::regex(" +$"), "");
        }
    }
    return text;
}

std::vector<ExampleKey> example_keys(std::string const& example) {
    static std::regex const header(R"(^#?\s*\[\[?([a-z_]+)\]\]?\s*$)");
    static std::regex const key(R"(^(?:#\s*){0,2}([a-z_][a-z0-9_]*) = (.*)$)");
    std::vector<ExampleKey> keys;
    std::istringstream lines(example);
    std::string table;
    std::string sink_type;
    std::string paragraph;
    std::size_t number = 0;
    for (std::string line; std::getline(lines, line);) {
        ++number;
        std::smatch match;
        if (std::regex_match(line, match, header)) {
            table = match[1];
            sink_type.clear();
            paragraph.clear();
        } else if (std::regex_match(line, match, key)) {
            std::string const name = match[1];
            std::string const value = without_comment(match[2]);
            if (table == "sinks" && name == "type") {
                sink_type = value.substr(1, value.size() - 2);
            }
            bool const common = table == "sinks" && find_key(common_sink_keys(), name) != nullptr;
            std::string const owner = table == "sinks" && !common ? "sinks." + sink_type : table;
            keys.push_back({number, owner, sink_type, name, value, paragraph});
            paragraph.clear();
        } else if (std::regex_match(line, std::regex(R"(^#[\s#]*$)")) || line.empty()) {
            paragraph.clear();
        } else {
            paragraph += line + "\n";
        }
    }
    return keys;
}

std::optional<ConfigTableKeys> declared_table(std::string const& name) {
    for (ConfigTableKeys const& table : config_tables()) {
        if (table.name == name) {
            return table;
        }
    }
    return std::nullopt;
}

// The default the example must show or state: the declared one, or for `required` its type's.
std::string default_of(ExampleKey const& shown, ConfigKey const& key) {
    if (shown.table == "sinks" && shown.name == "required") {
        SinkType const* type = find_sink_type(shown.sink_type);
        return type == nullptr ? "" : type->required_by_default ? "true" : "false";
    }
    return std::string(key.default_value);
}

class ExampleConfig : public ::testing::Test {
  protected:
    std::string const file = "config/callsink.toml";
    std::vector<ExampleKey> const keys = example_keys(testing::read_file(repo_root() / file));
};

TEST_F(ExampleConfig, ShowsOnlyDeclaredKeysEachUnderItsTable) {
    ASSERT_GT(keys.size(), 30u);
    for (ExampleKey const& shown : keys) {
        auto const table = declared_table(shown.table);
        ASSERT_TRUE(table) << file << ":" << shown.line << ": no table " << shown.table;
        EXPECT_NE(find_key(table->keys, shown.name), nullptr)
            << file << ":" << shown.line << ": " << shown.name << " is not a key of "
            << shown.table;
    }
}

TEST_F(ExampleConfig, ShowsEveryDeclaredKeySetOrCommentedOut) {
    std::set<std::string> shown;
    for (ExampleKey const& key : keys) {
        shown.insert(key.table + "." + key.name);
    }
    for (ConfigTableKeys const& table : config_tables()) {
        for (ConfigKey const& key : table.keys) {
            std::string const name = table.name + "." + std::string(key.name);
            EXPECT_TRUE(shown.contains(name))
                << file << " does not show " << name << ", set or as a comment (# " << key.name
                << " = " << key.default_value << ")";
        }
    }
}

TEST_F(ExampleConfig, ShowsTheDefaultUnlessItsCommentStatesTheDefault) {
    std::regex const stated(R"(Default ("[^"]*"|\[[^\]]*\]|\{[^}]*\}|[^\s.;,()]+))");
    for (ExampleKey const& shown : keys) {
        auto const table = declared_table(shown.table);
        ConfigKey const* key = table ? find_key(table->keys, shown.name) : nullptr;
        if (key == nullptr) {
            continue;  // ShowsOnlyDeclaredKeysEachUnderItsTable says so
        }
        std::string const expected = default_of(shown, *key);
        std::smatch match;
        SCOPED_TRACE(file + ":" + std::to_string(shown.line) + ": " + shown.name);
        if (std::regex_search(shown.paragraph, match, stated)) {
            EXPECT_EQ(match[1], expected) << "the comment states another default than the code's";
        } else if (!expected.empty()) {
            EXPECT_EQ(shown.value, expected)
                << "shows a value that is not the default, and its comment does not say "
                   "\"Default "
                << expected << "\"";
        }
    }
}

TEST_F(ExampleConfig, StatesTheDeclaredRanges) {
    std::regex const allowed(R"(Allowed: (\d+)(?: \([^)]*\))? to (\d+))");
    std::size_t stated = 0;
    for (ExampleKey const& shown : keys) {
        auto const table = declared_table(shown.table);
        ConfigKey const* key = table ? find_key(table->keys, shown.name) : nullptr;
        std::smatch match;
        if (key == nullptr || !std::regex_search(shown.paragraph, match, allowed)) {
            continue;
        }
        ++stated;
        EXPECT_EQ(match[1].str() + " to " + match[2].str(), key->range.describe())
            << file << ":" << shown.line << ": " << shown.name;
    }
    EXPECT_GT(stated, 5u);
}

}  // namespace
}  // namespace callsink
