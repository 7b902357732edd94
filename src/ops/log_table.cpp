#include "callsink/ops/log_table.hpp"

#include <array>

namespace callsink {
namespace {

constexpr std::array<Choice<std::string_view>, 7> kLevels{{
    {"trace", "trace"},
    {"debug", "debug"},
    {"info", "info"},
    {"warn", "warn"},
    {"error", "error"},
    {"critical", "critical"},
    {"off", "off"},
}};
constexpr auto kLevelNames = choice_names_of(kLevels);

constexpr std::array<Choice<LogFormat>, 2> kFormats{{
    {"text", LogFormat::text},
    {"json", LogFormat::json},
}};
constexpr auto kFormatNames = choice_names_of(kFormats);

constexpr ConfigKey kLevel = ConfigKey("level", KeyType::string)
                                 .with_default("\"info\"")
                                 .with_choices(kLevelNames)
                                 .with_description("the least severe lines written");
constexpr ConfigKey kFormat =
    ConfigKey("format", KeyType::string)
        .with_default("\"text\"")
        .with_choices(kFormatNames)
        .with_description("text for people, or one JSON object per line for collectors");

constexpr std::array<ConfigKey, 2> kLogKeys{kLevel, kFormat};

}  // namespace

std::span<ConfigKey const> log_table_keys() {
    return kLogKeys;
}

LogOptions read_log_table(ConfigTable const& table) {
    table.check_keys(kLogKeys);
    LogOptions log;
    set_if_present(log.level, table.choice(kLevel, kLevels, "log level"));
    set_if_present(log.format, table.choice(kFormat, kFormats));
    return log;
}

}  // namespace callsink
