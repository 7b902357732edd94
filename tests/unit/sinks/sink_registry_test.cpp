// The sink registry: the three sink types by name, read_sink_config over a [[sinks]] table of a
// TOML document (type, required and each type's own keys, and the messages for what is wrong),
// and open_sinks putting a best-effort sink behind a BufferedSink.
#include "callsink/sinks/sink_registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "callsink/config/config_error.hpp"
#include "callsink/config/toml_table.hpp"
#include "callsink/sinks/buffered_sink.hpp"
#include "callsink/sinks/file/file_sink.hpp"
#include "callsink/sinks/log/log_sink.hpp"
#include "callsink/sinks/stdout/stdout_sink.hpp"
#include "temp_dir.hpp"

namespace callsink {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;

GetEnv no_environment() {
    return [](std::string const&) -> std::optional<std::string> { return std::nullopt; };
}

// A configuration file's [[sinks]] tables, read from `toml` in `dir`.
class SinkTables {
  public:
    SinkTables(std::string const& toml, std::filesystem::path const& dir)
        : document_(toml, "callsink.toml", dir, no_environment()),
          tables_(document_.table_array("sinks", "[[sinks]]")) {}

    ConfigTable const& operator[](std::size_t i) const { return *tables_.at(i); }
    std::size_t size() const { return tables_.size(); }

    std::vector<SinkConfig> read_all() const {
        std::vector<SinkConfig> configs;
        for (auto const& table : tables_) {
            configs.push_back(read_sink_config(*table));
        }
        return configs;
    }

  private:
    TomlDocument document_;
    std::vector<std::unique_ptr<ConfigTable>> tables_;
};

// The ConfigError that reading the first sink's table throws.
ConfigError error_reading(std::string const& toml) {
    TempDir dir;
    SinkTables tables(toml, dir.path());
    try {
        read_sink_config(tables[0]);
    } catch (ConfigError const& error) {
        return error;
    }
    ADD_FAILURE() << "no ConfigError for " << toml;
    return ConfigError("", "");
}

SinkContext test_context() {
    return SinkContext{
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>())};
}

TEST(SinkTypes, AreFileStdoutLogKafkaAndPostgresInThatOrder) {
    std::vector<std::string_view> names;
    for (SinkType const& type : sink_types()) {
        names.push_back(type.name);
    }
    EXPECT_THAT(names, ElementsAre("file", "stdout", "log", "kafka", "postgres"));
}

TEST(SinkTypes, AFileKafkaAndPostgresAreRequiredByDefault) {
    EXPECT_TRUE(find_sink_type("file")->required_by_default);
    EXPECT_TRUE(find_sink_type("kafka")->required_by_default);
    EXPECT_TRUE(find_sink_type("postgres")->required_by_default);
    EXPECT_FALSE(find_sink_type("stdout")->required_by_default);
    EXPECT_FALSE(find_sink_type("log")->required_by_default);
}

TEST(SinkTypes, AFileAndKafkaHaveKeysOfTheirOwn) {
    EXPECT_THAT(key_names(find_sink_type("file")->keys),
                ElementsAre("path", "max_bytes", "max_files"));
    EXPECT_THAT(key_names(find_sink_type("kafka")->keys),
                ElementsAre("brokers", "topic", "key", "delivery_timeout_ms", "librdkafka",
                            "librdkafka_env"));
    EXPECT_TRUE(find_sink_type("stdout")->keys.empty());
    EXPECT_TRUE(find_sink_type("log")->keys.empty());
}

TEST(FindSinkType, FindsEachTypeByItsExactName) {
    for (SinkType const& type : sink_types()) {
        SinkType const* found = find_sink_type(type.name);
        ASSERT_NE(found, nullptr) << type.name;
        EXPECT_EQ(found, &type);
    }
}

TEST(FindSinkType, ReturnsNullForAnUnknownName) {
    EXPECT_EQ(find_sink_type("mqtt"), nullptr);
    EXPECT_EQ(find_sink_type("File"), nullptr);
    EXPECT_EQ(find_sink_type(""), nullptr);
}

TEST(ReadSinkConfig, ReadsAFileSinkWithItsPathTakenFromTheConfigFilesFolder) {
    TempDir dir;
    SinkTables tables(
        "[[sinks]]\ntype = \"file\"\npath = \"var/events.jsonl\"\nmax_bytes = 1048576\n"
        "max_files = 3\n",
        dir.path());
    SinkConfig const config = read_sink_config(tables[0]);
    EXPECT_EQ(config.type, find_sink_type("file"));
    EXPECT_TRUE(config.required);
    ASSERT_NE(config.settings, nullptr);
    FileSinkOptions const* options = file_sink_options(*config.settings);
    ASSERT_NE(options, nullptr);
    EXPECT_EQ(options->path, (dir.path() / "var/events.jsonl").lexically_normal());
    EXPECT_EQ(options->max_bytes, 1048576u);
    EXPECT_EQ(options->max_files, 3u);
}

TEST(ReadSinkConfig, AFileSinkClaimsItsPathUnderItsKey) {
    TempDir dir;
    SinkTables tables(
        "[[sinks]]\ntype = \"stdout\"\n[[sinks]]\ntype = \"file\"\npath = "
        "\"/tmp/x/events.jsonl\"\n",
        dir.path());
    auto const configs = tables.read_all();
    EXPECT_TRUE(configs[0].settings->claims().empty());
    auto const claims = configs[1].settings->claims();
    ASSERT_EQ(claims.size(), 1u);
    EXPECT_EQ(claims[0].resource, "/tmp/x/events.jsonl");
    EXPECT_EQ(claims[0].key, "sinks[1].path");
    EXPECT_EQ(claims[0].shown, "\"/tmp/x/events.jsonl\"");
    EXPECT_EQ(claims[0].noun, "a file");
}

TEST(ReadSinkConfig, ReadsStdoutAndLogSinksAsBestEffortByDefault) {
    TempDir dir;
    SinkTables tables("[[sinks]]\ntype = \"stdout\"\n[[sinks]]\ntype = \"log\"\n", dir.path());
    auto const configs = tables.read_all();
    EXPECT_EQ(configs[0].type, find_sink_type("stdout"));
    EXPECT_FALSE(configs[0].required);
    EXPECT_NE(configs[0].settings, nullptr);
    EXPECT_EQ(configs[1].type, find_sink_type("log"));
    EXPECT_FALSE(configs[1].required);
    EXPECT_NE(configs[1].settings, nullptr);
    EXPECT_EQ(file_sink_options(*configs[0].settings), nullptr);
}

TEST(ReadSinkConfig, TakesRequiredWhenGiven) {
    TempDir dir;
    SinkTables tables(
        "[[sinks]]\ntype = \"stdout\"\nrequired = true\n"
        "[[sinks]]\ntype = \"file\"\npath = \"e.jsonl\"\nrequired = false\n"
        "[[sinks]]\ntype = \"log\"\nrequired = true\n",
        dir.path());
    auto const configs = tables.read_all();
    EXPECT_TRUE(configs[0].required);
    EXPECT_FALSE(configs[1].required);
    EXPECT_TRUE(configs[2].required);
}

TEST(ReadSinkConfig, RefusesARequiredThatIsNotABoolean) {
    ConfigError const error = error_reading("[[sinks]]\ntype = \"log\"\nrequired = \"yes\"\n");
    EXPECT_EQ(error.key(), "sinks[0].required");
    EXPECT_STREQ(error.what(),
                 "sinks[0].required: expected a boolean (true or false), got a string");
}

TEST(ReadSinkConfig, RequiresATypeAndListsTheTypes) {
    ConfigError const error = error_reading("[[sinks]]\npath = \"e.jsonl\"\n");
    EXPECT_EQ(error.key(), "sinks[0].type");
    EXPECT_STREQ(error.what(),
                 "sinks[0].type: required; expected \"file\", \"stdout\", \"log\", \"kafka\" or "
                 "\"postgres\"");
}

TEST(ReadSinkConfig, RefusesATypeThatIsNotAString) {
    ConfigError const error = error_reading("[[sinks]]\ntype = 3\n");
    EXPECT_EQ(error.key(), "sinks[0].type");
    EXPECT_THAT(error.what(), HasSubstr("got an integer"));
}

TEST(ReadSinkConfig, NamesAnUnknownTypeAndListsTheTypes) {
    ConfigError const error = error_reading("[[sinks]]\ntype = \"mqtt\"\n");
    EXPECT_EQ(error.key(), "sinks[0].type");
    EXPECT_STREQ(error.what(),
                 "sinks[0].type: unknown sink type \"mqtt\"; expected \"file\", \"stdout\", "
                 "\"log\", \"kafka\" or \"postgres\"");
}

TEST(ReadSinkConfig, NamesAnUnknownKeyWithTheFileSinksKeysAndASuggestion) {
    ConfigError const error =
        error_reading("[[sinks]]\ntype = \"file\"\npath = \"e.jsonl\"\npathh = \"x\"\n");
    EXPECT_EQ(error.key(), "sinks[0].pathh");
    EXPECT_STREQ(error.what(),
                 "sinks[0].pathh: unknown key (did you mean \"path\"?); known keys of a \"file\" "
                 "sink: type, required, delivery, path, max_bytes, max_files");
}

TEST(ReadSinkConfig, NamesAnUnknownKeyWithTheStdoutSinksKeys) {
    // path belongs to file sinks only.
    ConfigError const error = error_reading("[[sinks]]\ntype = \"stdout\"\npath = \"e.jsonl\"\n");
    EXPECT_EQ(error.key(), "sinks[0].path");
    EXPECT_STREQ(error.what(),
                 "sinks[0].path: unknown key; known keys of a \"stdout\" sink: type, required, "
                 "delivery");
}

TEST(ReadSinkConfig, NamesAnUnknownKeyWithTheLogSinksKeys) {
    ConfigError const error = error_reading("[[sinks]]\ntype = \"log\"\nlevel = \"info\"\n");
    EXPECT_EQ(error.key(), "sinks[0].level");
    EXPECT_THAT(error.what(), HasSubstr("known keys of a \"log\" sink: type, required"));
}

TEST(ReadSinkConfig, LeavesAFileSinkWithoutAPathToTheFileSinkToRefuse) {
    ConfigError const error = error_reading("[[sinks]]\ntype = \"file\"\n");
    EXPECT_EQ(error.key(), "sinks[0].path");
    EXPECT_STREQ(error.what(), "sinks[0].path: required for a file sink");
}

TEST(OpenSinks, OpensAFileSinkInItsFolder) {
    TempDir dir;
    SinkTables tables("[[sinks]]\ntype = \"file\"\npath = \"out/events.jsonl\"\n", dir.path());
    auto const configs = tables.read_all();
    auto slots = open_sinks(configs, test_context());
    ASSERT_EQ(slots.size(), 1u);
    EXPECT_TRUE(slots[0].required);
    EXPECT_NE(dynamic_cast<FileSink*>(slots[0].sink.get()), nullptr);
    std::filesystem::path const path = (dir.path() / "out/events.jsonl").lexically_normal();
    EXPECT_EQ(slots[0].sink->name(), "file " + path.string());
    EXPECT_TRUE(std::filesystem::is_regular_file(path));
    std::vector<Record> const batch{Record{RecordKind::event, "{}\n", {}, {}, {}}};
    ASSERT_FALSE(slots[0].sink->write(batch));
    slots[0].sink->close();
    EXPECT_EQ(testing::read_file(path), "{}\n");
}

TEST(OpenSinks, PutsABestEffortSinkBehindABufferedSinkNamedLikeTheInnerOne) {
    TempDir dir;
    SinkTables tables(
        "[[sinks]]\ntype = \"stdout\"\n[[sinks]]\ntype = \"log\"\n"
        "[[sinks]]\ntype = \"file\"\npath = \"best-effort.jsonl\"\nrequired = false\n",
        dir.path());
    auto const configs = tables.read_all();
    auto slots = open_sinks(configs, test_context());
    ASSERT_EQ(slots.size(), 3u);
    for (auto const& slot : slots) {
        EXPECT_FALSE(slot.required);
        EXPECT_NE(dynamic_cast<BufferedSink*>(slot.sink.get()), nullptr) << slot.sink->name();
    }
    EXPECT_EQ(slots[0].sink->name(), "stdout");
    EXPECT_EQ(slots[1].sink->name(), "log");
    EXPECT_EQ(slots[2].sink->name(),
              "file " + (dir.path() / "best-effort.jsonl").lexically_normal().string());
    for (auto& slot : slots) {
        slot.sink->close();
    }
}

TEST(OpenSinks, OpensARequiredStdoutOrLogSinkUnbuffered) {
    TempDir dir;
    SinkTables tables(
        "[[sinks]]\ntype = \"stdout\"\nrequired = true\n"
        "[[sinks]]\ntype = \"log\"\nrequired = true\n",
        dir.path());
    auto const configs = tables.read_all();
    auto const slots = open_sinks(configs, test_context());
    ASSERT_EQ(slots.size(), 2u);
    EXPECT_TRUE(slots[0].required);
    EXPECT_NE(dynamic_cast<StdoutSink*>(slots[0].sink.get()), nullptr);
    EXPECT_TRUE(slots[1].required);
    EXPECT_NE(dynamic_cast<LogSink*>(slots[1].sink.get()), nullptr);
}

TEST(OpenSinks, KeepsTheOrderOfTheConfiguration) {
    TempDir dir;
    SinkTables tables(
        "[[sinks]]\ntype = \"log\"\nrequired = true\n"
        "[[sinks]]\ntype = \"file\"\npath = \"a.jsonl\"\n"
        "[[sinks]]\ntype = \"stdout\"\nrequired = true\n",
        dir.path());
    auto const configs = tables.read_all();
    auto const slots = open_sinks(configs, test_context());
    ASSERT_EQ(slots.size(), 3u);
    EXPECT_EQ(slots[0].sink->name(), "log");
    EXPECT_THAT(slots[1].sink->name(), HasSubstr("a.jsonl"));
    EXPECT_EQ(slots[2].sink->name(), "stdout");
}

TEST(OpenSinks, RefusesAFileThatCannotBeOpenedNamingItsKey) {
    TempDir dir;
    { std::ofstream(dir / "not-a-folder") << "x"; }
    SinkTables tables(
        "[[sinks]]\ntype = \"stdout\"\n"
        "[[sinks]]\ntype = \"file\"\npath = \"not-a-folder/events.jsonl\"\n",
        dir.path());
    auto const configs = tables.read_all();
    try {
        open_sinks(configs, test_context());
        ADD_FAILURE() << "opened a file under a regular file";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "sinks[1].path");
        EXPECT_THAT(error.what(), HasSubstr("cannot open file "));
    }
}

TEST(OpenSinks, OpensNothingForNoConfiguration) {
    EXPECT_TRUE(open_sinks({}, test_context()).empty());
}

}  // namespace
}  // namespace callsink
