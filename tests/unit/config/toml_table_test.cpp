// ConfigTable's shared checks (config_table.hpp) over its TOML implementation (toml_table.hpp):
// every key named as the file spells it ("server.listen", "sinks[1].path", quoted when not bare),
// the typed getters' errors, allow_only's suggestion, file paths from the file's folder, values
// from the environment, choice(), syntax errors with their position, and arrays of tables.
#include "callsink/config/toml_table.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/config/config_error.hpp"
#include "callsink/config/config_table.hpp"

namespace callsink {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

std::filesystem::path const kBaseDir = "/etc/callsink";

GetEnv environment_of(std::map<std::string, std::string> variables) {
    return
        [variables = std::move(variables)](std::string const& name) -> std::optional<std::string> {
            auto const it = variables.find(name);
            return it == variables.end() ? std::nullopt : std::optional<std::string>(it->second);
        };
}

std::unique_ptr<TomlDocument> document(std::string_view text,
                                       std::map<std::string, std::string> variables = {}) {
    return std::make_unique<TomlDocument>(text, "callsink.toml", kBaseDir,
                                          environment_of(std::move(variables)));
}

// The message of the ConfigError that `read` throws, as main would print it ("key: problem").
template <class Read>
std::string error_of(Read const& read) {
    try {
        read();
    } catch (ConfigError const& error) {
        return error.what();
    }
    return "no ConfigError";
}

// key_of and label.

TEST(TomlTableKeyOf, NamesATopLevelKeyByItself) {
    auto const doc = document("");
    EXPECT_EQ(doc->root().key_of("server"), "server");
    EXPECT_EQ(doc->root().label(), "the file");
}

TEST(TomlTableKeyOf, NamesANestedKeyWithItsTablesPath) {
    auto const doc = document("[server]\n[server.limits]\n");
    auto const server = doc->root().table("server", "[server]");
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->key_of("listen"), "server.listen");
    EXPECT_EQ(server->label(), "[server]");
    auto const limits = server->table("limits", "[server.limits]");
    ASSERT_NE(limits, nullptr);
    EXPECT_EQ(limits->key_of("max"), "server.limits.max");
}

TEST(TomlTableKeyOf, NamesAKeyOfAnArrayOfTablesByItsIndex) {
    auto const doc = document("[[sinks]]\ntype = \"stdout\"\n[[sinks]]\ntype = \"file\"\n");
    auto const sinks = doc->table_array("sinks", "[[sinks]]");
    ASSERT_EQ(sinks.size(), 2u);
    EXPECT_EQ(sinks[0]->key_of("type"), "sinks[0].type");
    EXPECT_EQ(sinks[1]->key_of("path"), "sinks[1].path");
    EXPECT_EQ(sinks[1]->label(), "[[sinks]]");
}

TEST(TomlTableKeyOf, QuotesAKeyThatIsNotBare) {
    auto const doc = document("[\"my table\"]\n");
    EXPECT_EQ(doc->root().key_of("my key"), "\"my key\"");
    EXPECT_EQ(doc->root().key_of("a.b"), "\"a.b\"");
    EXPECT_EQ(doc->root().key_of(""), "\"\"");
    EXPECT_EQ(doc->root().key_of("say \"hi\""), "\"say \\\"hi\\\"\"");
    EXPECT_EQ(doc->root().key_of("bare_key-2"), "bare_key-2");
    auto const table = doc->root().table("my table", "[\"my table\"]");
    ASSERT_NE(table, nullptr);
    EXPECT_EQ(table->key_of("x"), "\"my table\".x");
}

// has, keys, and the kind of a value as messages name it.

TEST(TomlTable, ListsItsKeysAndSaysWhetherItHasOne) {
    auto const doc = document("b = 1\na = \"x\"\n[t]\n");
    EXPECT_THAT(doc->root().keys(), UnorderedElementsAre("a", "b", "t"));
    EXPECT_TRUE(doc->root().has("a"));
    EXPECT_TRUE(doc->root().has("t"));
    EXPECT_FALSE(doc->root().has("c"));
}

TEST(TomlTable, NamesTheTypeOfEachKindOfValue) {
    auto const doc = document(
        "s = \"x\"\ni = 1\nf = 1.5\nb = true\na = [1]\nd = 2026-01-06\nt = 10:17:19\n"
        "dt = 2026-01-06T10:17:19Z\n[tab]\n");
    ConfigTable const& root = doc->root();
    auto const got = [&root](std::string_view key) -> std::string {
        try {
            root.boolean(key);
            return "no error";
        } catch (ConfigError const& error) {
            std::string const what = error.what();
            return what.substr(what.find(", got ") + 6);
        }
    };
    EXPECT_EQ(got("s"), "a string");
    EXPECT_EQ(got("i"), "an integer");
    EXPECT_EQ(got("f"), "a float");
    EXPECT_EQ(got("a"), "an array");
    EXPECT_EQ(got("d"), "a date");
    EXPECT_EQ(got("t"), "a time");
    EXPECT_EQ(got("dt"), "a date-time");
    EXPECT_EQ(got("tab"), "a table");
    EXPECT_EQ(got("b"), "no error");
    EXPECT_EQ(got("missing"), "no error");
}

// The typed getters.

TEST(TomlTableGetters, ReturnNulloptForAnAbsentKey) {
    auto const doc = document("");
    ConfigTable const& root = doc->root();
    EXPECT_EQ(root.string("x"), std::nullopt);
    EXPECT_EQ(root.boolean("x"), std::nullopt);
    EXPECT_EQ(root.integer("x", {}), std::nullopt);
    EXPECT_EQ(root.strings("x"), std::nullopt);
    EXPECT_EQ(root.table("x", "[x]"), nullptr);
}

TEST(TomlTableGetters, ReturnTheValueOfTheRightType) {
    auto const doc = document("s = \"text\"\nb = false\ni = -7\na = [\"x\", \"y\"]\n");
    ConfigTable const& root = doc->root();
    EXPECT_EQ(root.string("s"), "text");
    EXPECT_EQ(root.boolean("b"), false);
    EXPECT_EQ(root.integer("i", {-10, 10}), -7);
    EXPECT_THAT(root.strings("a").value_or(std::vector<std::string>{}), ElementsAre("x", "y"));
}

TEST(TomlTableGetters, NameTheKeyAndBothTypesForAWrongType) {
    auto const doc = document("[server]\nlisten = 8080\nthreads = \"4\"\nreuse = 1\nnested = 2\n");
    auto const server = doc->root().table("server", "[server]");
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(error_of([&] { server->string("listen"); }),
              "server.listen: expected a string, got an integer");
    EXPECT_EQ(error_of([&] { server->integer("threads", {}); }),
              "server.threads: expected an integer, got a string");
    EXPECT_EQ(error_of([&] { server->boolean("reuse"); }),
              "server.reuse: expected a boolean (true or false), got an integer");
    EXPECT_EQ(error_of([&] { server->strings("listen"); }),
              "server.listen: expected an array, got an integer");
    EXPECT_EQ(error_of([&] { server->table("nested", "[server.nested]"); }),
              "server.nested: expected a table, got an integer");
}

TEST(TomlTableGetters, DoesNotReadAFloatAsAnInteger) {
    auto const doc = document("n = 4.0\n");
    EXPECT_EQ(error_of([&] { doc->root().integer("n", {}); }),
              "n: expected an integer, got a float");
}

TEST(TomlTableGetters, ThrowsAConfigErrorCarryingTheKey) {
    auto const doc = document("[server]\nlisten = 8080\n");
    auto const server = doc->root().table("server", "[server]");
    try {
        server->string("listen");
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "server.listen");
    }
}

TEST(TomlTableInteger, AcceptsBothEndsOfTheRange) {
    auto const doc = document("low = 1\nhigh = 64\n");
    EXPECT_EQ(doc->root().integer("low", {1, 64}), 1);
    EXPECT_EQ(doc->root().integer("high", {1, 64}), 64);
}

TEST(TomlTableInteger, RefusesAValueOutOfRangeSayingTheRange) {
    auto const doc = document("[server]\nthreads = 0\nmax = 65\nnegative = -1\n");
    auto const server = doc->root().table("server", "[server]");
    EXPECT_EQ(error_of([&] {
                  server->integer("threads", {1, 64});
              }),
              "server.threads: 0 is out of range; expected 1 to 64");
    EXPECT_EQ(error_of([&] {
                  server->integer("max", {1, 64});
              }),
              "server.max: 65 is out of range; expected 1 to 64");
    EXPECT_EQ(error_of([&] { server->integer("negative", {}); }),
              "server.negative: -1 is out of range; expected at least 0");
}

TEST(IntRange, DescribesAnOpenOrAClosedRange) {
    EXPECT_EQ(IntRange{}.describe(), "at least 0");
    EXPECT_EQ((IntRange{4096}).describe(), "at least 4096");
    EXPECT_EQ((IntRange{1, 1000}).describe(), "1 to 1000");
}

TEST(TomlTableStrings, NamesTheItemThatIsNotAString) {
    auto const doc = document("[auth]\nallow_ips = [\"10.0.0.0/8\", 42, \"x\"]\n");
    auto const auth = doc->root().table("auth", "[auth]");
    ASSERT_NE(auth, nullptr);
    try {
        auth->strings("allow_ips");
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "auth.allow_ips[1]");
        EXPECT_STREQ(error.what(), "auth.allow_ips[1]: expected a string, got an integer");
    }
}

TEST(TomlTableStrings, ReadsAnEmptyArray) {
    auto const doc = document("a = []\n");
    auto const values = doc->root().strings("a");
    ASSERT_TRUE(values.has_value());
    EXPECT_TRUE(values->empty());
}

// non_empty_string.

TEST(ConfigTableNonEmptyString, RefusesAnEmptyString) {
    auto const doc = document("[log]\nname = \"\"\nother = \"x\"\n");
    auto const log = doc->root().table("log", "[log]");
    EXPECT_EQ(error_of([&] { log->non_empty_string("name"); }), "log.name: must not be empty");
    EXPECT_EQ(log->non_empty_string("other"), "x");
    EXPECT_EQ(log->non_empty_string("absent"), std::nullopt);
}

// allow_only.

constexpr std::array<std::string_view, 3> kServerKeys{"listen", "threads", "max_body_bytes"};

TEST(ConfigTableAllowOnly, AcceptsKnownKeysOnly) {
    auto const doc = document("[server]\nlisten = \"x\"\nthreads = 2\n");
    auto const server = doc->root().table("server", "[server]");
    EXPECT_NO_THROW(server->allow_only(kServerKeys));
}

TEST(ConfigTableAllowOnly, SuggestsTheClosestKnownKey) {
    auto const doc = document("[server]\nlistn = \"x\"\n");
    auto const server = doc->root().table("server", "[server]");
    EXPECT_EQ(error_of([&] { server->allow_only(kServerKeys); }),
              "server.listn: unknown key (did you mean \"listen\"?); known keys of [server]: "
              "listen, threads, max_body_bytes");
}

TEST(ConfigTableAllowOnly, SuggestsNothingWhenNoKeyIsClose) {
    auto const doc = document("[server]\nport = 8080\n");
    auto const server = doc->root().table("server", "[server]");
    EXPECT_EQ(error_of([&] { server->allow_only(kServerKeys); }),
              "server.port: unknown key; known keys of [server]: listen, threads, max_body_bytes");
}

TEST(ConfigTableAllowOnly, ListsTheKeysAsTheCallerNamesTheTable) {
    auto const doc = document("[[sinks]]\ntype = \"file\"\npaht = \"x\"\n");
    auto const sinks = doc->table_array("sinks", "[[sinks]]");
    constexpr std::array<std::string_view, 2> kKeys{"type", "path"};
    EXPECT_EQ(error_of([&] { sinks[0]->allow_only(kKeys, "a \"file\" sink"); }),
              "sinks[0].paht: unknown key (did you mean \"path\"?); known keys of a \"file\" sink: "
              "type, path");
}

TEST(ConfigTableAllowOnly, SpeaksOfTablesAtTheTopLevel) {
    auto const doc = document("[servre]\n");
    constexpr std::array<std::string_view, 2> kTables{"server", "sinks"};
    EXPECT_EQ(error_of([&] { doc->root().allow_only(kTables); }),
              "servre: unknown table or key (did you mean \"server\"?); known top-level tables: "
              "server, sinks");
}

TEST(ConfigTableAllowOnly, QuotesAnUnknownKeyThatIsNotBare) {
    auto const doc = document("[server]\n\"lis ten\" = 1\n");
    auto const server = doc->root().table("server", "[server]");
    EXPECT_THAT(error_of([&] { server->allow_only(kServerKeys); }),
                StartsWith("server.\"lis ten\": unknown key (did you mean \"listen\"?)"));
}

// check_keys() and the getters by declaration.

constexpr std::array<ConfigKey, 4> kDeclared{
    ConfigKey("listen", KeyType::string),
    ConfigKey("threads", KeyType::integer).with_range({0, 256}),
    ConfigKey("trusted_proxies", KeyType::strings),
    ConfigKey("tls", KeyType::table),
};

TEST(ConfigTableCheckKeys, RefusesAnUndeclaredKeyWithAllowOnlysMessage) {
    auto const doc = document("[server]\nlistn = \"x\"\n");
    auto const server = doc->root().table("server", "[server]");
    EXPECT_EQ(error_of([&] { server->check_keys(kDeclared); }),
              "server.listn: unknown key (did you mean \"listen\"?); known keys of [server]: "
              "listen, threads, trusted_proxies, tls");
}

TEST(ConfigTableCheckKeys, RefusesADeclaredKeyOfTheWrongTypeOrOutOfRange) {
    struct Case {
        std::string toml;
        std::string message;
    };
    std::vector<Case> const cases{
        {"listen = 8080", "server.listen: expected a string, got an integer"},
        {"threads = \"2\"", "server.threads: expected an integer, got a string"},
        {"threads = 257", "server.threads: 257 is out of range; expected 0 to 256"},
        {"trusted_proxies = [1]", "server.trusted_proxies[0]: expected a string, got an integer"},
        {"tls = 1", "server.tls: expected a table, got an integer"},
    };
    for (Case const& each : cases) {
        auto const doc = document("[server]\n" + each.toml + "\n");
        auto const server = doc->root().table("server", "[server]");
        EXPECT_EQ(error_of([&] { server->check_keys(kDeclared); }), each.message);
    }
}

TEST(ConfigTableCheckKeys, AcceptsDeclaredKeysOfTheirTypeAndAbsentOnes) {
    auto const doc = document("[server]\nthreads = 256\n[server.tls]\n");
    auto const server = doc->root().table("server", "[server]");
    EXPECT_NO_THROW(server->check_keys(kDeclared));
}

TEST(ConfigTableGetters, ReadAKeyByItsDeclaredNameAndRange) {
    auto const doc = document("listen = \"x\"\nthreads = 300\ntrusted_proxies = [\"a\"]\n");
    ConfigTable const& root = doc->root();
    EXPECT_EQ(root.string(kDeclared[0]), "x");
    EXPECT_EQ(error_of([&] { root.integer(kDeclared[1]); }),
              "threads: 300 is out of range; expected 0 to 256");
    EXPECT_EQ(root.strings(kDeclared[2]), std::vector<std::string>{"a"});
}

TEST(ConfigTableGetters, RefuseToReadAKeyAsAnotherTypeThanDeclared) {
    auto const doc = document("listen = \"x\"\n");
    EXPECT_THROW(doc->root().integer(kDeclared[0]), std::logic_error);
    EXPECT_THROW(doc->root().string(kDeclared[1]), std::logic_error);
}

// file_path.

TEST(ConfigTableFilePath, TakesARelativePathFromTheConfigFilesFolder) {
    auto const doc = document("[rejects]\npath = \"var/../data/rejects.jsonl\"\n");
    auto const rejects = doc->root().table("rejects", "[rejects]");
    EXPECT_EQ(rejects->file_path("path"),
              std::filesystem::path("/etc/callsink/data/rejects.jsonl"));
}

TEST(ConfigTableFilePath, KeepsAnAbsolutePathNormalised) {
    auto const doc = document("path = \"/var/lib/callsink//./events.jsonl\"\n");
    EXPECT_EQ(doc->root().file_path("path"),
              std::filesystem::path("/var/lib/callsink/events.jsonl"));
}

TEST(ConfigTableFilePath, RefusesAPathThatNamesAFolder) {
    auto const doc = document("a = \"logs/\"\nb = \".\"\nc = \"logs/..\"\nd = \"\"\n");
    ConfigTable const& root = doc->root();
    EXPECT_EQ(error_of([&] { root.file_path("a"); }),
              "a: \"logs/\" names a folder; expected a file");
    EXPECT_EQ(error_of([&] { root.file_path("b"); }), "b: \".\" names a folder; expected a file");
    EXPECT_EQ(error_of([&] { root.file_path("c"); }),
              "c: \"logs/..\" names a folder; expected a file");
    EXPECT_EQ(error_of([&] { root.file_path("d"); }), "d: must not be empty");
}

TEST(ConfigTableFilePath, ReturnsNulloptWhenAbsent) {
    auto const doc = document("");
    EXPECT_EQ(doc->root().file_path("path"), std::nullopt);
}

TEST(TomlDocument, GivesItsTablesTheBaseDirectory) {
    auto const doc = document("[t]\n");
    EXPECT_EQ(doc->root().base_dir(), kBaseDir);
    EXPECT_EQ(doc->root().table("t", "[t]")->base_dir(), kBaseDir);
}

// The environment.

TEST(ConfigTableEnvironment, ReadsTheInjectedEnvironment) {
    auto const doc = document("[auth]\n", {{"CALLSINK_TOKEN", "s3cret"}});
    auto const auth = doc->root().table("auth", "[auth]");
    EXPECT_EQ(auth->environment("CALLSINK_TOKEN"), "s3cret");
    EXPECT_EQ(auth->environment("OTHER"), std::nullopt);
    EXPECT_EQ(auth->environment_value("value_env", "CALLSINK_TOKEN"), "s3cret");
}

TEST(ConfigTableEnvironment, RefusesAMissingVariableAgainstTheKeyThatNamesIt) {
    auto const doc = document("[auth]\n");
    auto const auth = doc->root().table("auth", "[auth]");
    EXPECT_EQ(error_of([&] { auth->environment_value("value_env", "CALLSINK_TOKEN"); }),
              "auth.value_env: environment variable CALLSINK_TOKEN is not set");
    EXPECT_EQ(error_of([&] {
                  auth->environment_value("value_env", "CALLSINK_TOKEN", " (needed for auth)");
              }),
              "auth.value_env: environment variable CALLSINK_TOKEN is not set (needed for auth)");
}

TEST(ConfigTableEnvironment, RefusesAnEmptyVariable) {
    auto const doc = document("[auth]\n", {{"CALLSINK_TOKEN", ""}});
    auto const auth = doc->root().table("auth", "[auth]");
    EXPECT_EQ(error_of([&] { auth->environment_value("value_env", "CALLSINK_TOKEN"); }),
              "auth.value_env: environment variable CALLSINK_TOKEN is empty");
}

TEST(ProcessEnvironment, ReadsTheRealEnvironment) {
    GetEnv const getenv = process_environment();
    char const* path = std::getenv("PATH");
    ASSERT_NE(path, nullptr);
    EXPECT_EQ(getenv("PATH"), std::string(path));
    EXPECT_EQ(getenv("CALLSINK_TEST_SURELY_NOT_SET_8x8"), std::nullopt);
}

// choice().

enum class Level { debug, info, warn };
constexpr std::array<Choice<Level>, 3> kLevels{{
    {"debug", Level::debug},
    {"info", Level::info},
    {"warn", Level::warn},
}};

TEST(ConfigTableChoice, MapsANameToItsValue) {
    auto const doc = document("[log]\nlevel = \"warn\"\n");
    auto const log = doc->root().table("log", "[log]");
    EXPECT_EQ(log->choice("level", kLevels), Level::warn);
    EXPECT_EQ(log->choice("absent", kLevels), std::nullopt);
}

TEST(ConfigTableChoice, RefusesAnUnknownNameListingTheChoices) {
    auto const doc = document("[log]\nlevel = \"loud\"\nformat = \"Info\"\n");
    auto const log = doc->root().table("log", "[log]");
    EXPECT_EQ(error_of([&] { log->choice("level", kLevels, "log level"); }),
              "log.level: unknown log level \"loud\"; expected \"debug\", \"info\" or \"warn\"");
    EXPECT_EQ(error_of([&] { log->choice("format", kLevels); }),
              "log.format: unknown value \"Info\"; expected \"debug\", \"info\" or \"warn\"");
}

TEST(ConfigTableChoice, RefusesANonString) {
    auto const doc = document("level = 2\n");
    EXPECT_EQ(error_of([&] { doc->root().choice("level", kLevels); }),
              "level: expected a string, got an integer");
}

// Syntax errors.

TEST(TomlDocument, NamesTheSourceLineAndColumnOfASyntaxError) {
    try {
        document("[server]\nlisten = \n");
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "");
        EXPECT_THAT(error.what(), MatchesRegex("callsink\\.toml:2:[0-9]+: .+"));
    }
}

TEST(TomlDocument, GivesTheColumnWhereTheErrorIs) {
    try {
        document("a = 1\nb = 2\nc = 3 4\n");
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_THAT(error.what(), StartsWith("callsink.toml:3:7: "));
    }
}

TEST(TomlDocument, RefusesADuplicateKey) {
    EXPECT_THAT(error_of([] { document("a = 1\na = 2\n"); }), StartsWith("callsink.toml:2:"));
}

// Arrays of tables.

TEST(TomlDocumentTableArray, IsEmptyWhenTheKeyIsMissing) {
    auto const doc = document("[server]\n");
    EXPECT_TRUE(doc->table_array("sinks", "[[sinks]]").empty());
}

TEST(TomlDocumentTableArray, ReadsEachTableInOrder) {
    auto const doc = document(
        "[[sinks]]\ntype = \"file\"\n[[sinks]]\ntype = \"stdout\"\n[[sinks]]\ntype = \"log\"\n");
    auto const sinks = doc->table_array("sinks", "[[sinks]]");
    ASSERT_EQ(sinks.size(), 3u);
    EXPECT_EQ(sinks[0]->string("type"), "file");
    EXPECT_EQ(sinks[1]->string("type"), "stdout");
    EXPECT_EQ(sinks[2]->string("type"), "log");
}

TEST(TomlDocumentTableArray, ReadsAnInlineArrayOfTables) {
    auto const doc = document("sinks = [{type = \"log\"}, {type = \"stdout\"}]\n");
    auto const sinks = doc->table_array("sinks", "[[sinks]]");
    ASSERT_EQ(sinks.size(), 2u);
    EXPECT_EQ(sinks[1]->string("type"), "stdout");
    EXPECT_EQ(sinks[1]->key_of("type"), "sinks[1].type");
}

TEST(TomlDocumentTableArray, RefusesAValueThatIsNotAnArray) {
    auto const doc = document("sinks = \"file\"\n");
    EXPECT_EQ(error_of([&] { doc->table_array("sinks", "[[sinks]]"); }),
              "sinks: expected an array of tables ([[sinks]]), got a string");
    auto const table = document("[sinks]\ntype = \"file\"\n");
    EXPECT_EQ(error_of([&] { table->table_array("sinks", "[[sinks]]"); }),
              "sinks: expected an array of tables ([[sinks]]), got a table");
}

TEST(TomlDocumentTableArray, NamesAnItemThatIsNotATable) {
    auto const doc = document("sinks = [{type = \"log\"}, 3]\n");
    EXPECT_EQ(error_of([&] { doc->table_array("sinks", "[[sinks]]"); }),
              "sinks[1]: expected a table, got an integer");
}

TEST(TomlDocumentTableArray, TablesReadTheirNestedTablesWithTheFullPath) {
    auto const doc = document("[[sinks]]\ntype = \"file\"\n[sinks.options]\nlevel = 3\n");
    auto const sinks = doc->table_array("sinks", "[[sinks]]");
    ASSERT_EQ(sinks.size(), 1u);
    auto const options = sinks[0]->table("options", "[sinks.options]");
    ASSERT_NE(options, nullptr);
    EXPECT_EQ(error_of([&] { options->string("level"); }),
              "sinks[0].options.level: expected a string, got an integer");
}

// The helpers messages are written with.

TEST(InQuotes, QuotesAndEscapesQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(in_quotes("plain"), "\"plain\"");
    EXPECT_EQ(in_quotes(""), "\"\"");
    EXPECT_EQ(in_quotes("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(in_quotes("line\nbreak\t\x7F"), "\"line\\x0abreak\\x09\\x7f\"");
    EXPECT_EQ(in_quotes("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
}

TEST(Alternatives, ListsNamesWithCommasAndAFinalOr) {
    EXPECT_EQ(alternatives({}), "");
    EXPECT_EQ(alternatives({"a"}), "a");
    EXPECT_EQ(alternatives({"a", "b"}), "a or b");
    EXPECT_EQ(alternatives({"a", "b", "c"}), "a, b or c");
}

TEST(ConfigError, ReadsKeyColonProblemOrTheProblemAlone) {
    ConfigError const keyed("server.listen", "must not be empty");
    EXPECT_EQ(keyed.key(), "server.listen");
    EXPECT_STREQ(keyed.what(), "server.listen: must not be empty");
    ConfigError const whole("", "callsink.toml:1:1: bad");
    EXPECT_EQ(whole.key(), "");
    EXPECT_STREQ(whole.what(), "callsink.toml:1:1: bad");
}

}  // namespace
}  // namespace callsink
