#include "callsink/sinks/dead_letter_table.hpp"

#include <array>

namespace callsink {
namespace {

constexpr char const* kDefaultName = "dead-letter.jsonl";

constexpr ConfigKey kPath =
    ConfigKey("path", KeyType::string)
        .with_allowed("a file path; relative to the configuration file's folder")
        .with_description(
            "where records a Kafka or PostgreSQL sink refuses for good are kept, to send again; "
            "by default `dead-letter.jsonl` in the folder of `rejects.path`");

constexpr std::array<ConfigKey, 1> kDeadLetterKeys{kPath};

}  // namespace

std::span<ConfigKey const> dead_letter_table_keys() {
    return kDeadLetterKeys;
}

DeadLetterOptions read_dead_letter_table(ConfigTable const* table,
                                         std::filesystem::path const& rejects_path) {
    DeadLetterOptions options;
    options.path = rejects_path.parent_path() / kDefaultName;
    if (table == nullptr) {
        return options;
    }
    table->check_keys(kDeadLetterKeys);
    if (auto path = table->file_path(kPath)) {
        options.path = *path;
    }
    return options;
}

}  // namespace callsink
