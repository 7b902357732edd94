#include "callsink/journal/journal_table.hpp"

#include <array>

namespace callsink {
namespace {

constexpr ConfigKey kPath =
    ConfigKey("path", KeyType::string)
        .as_required()
        .with_allowed("a folder; relative to the configuration file's folder")
        .with_description("where the journal keeps its segments, checkpoints and quarantine");
constexpr ConfigKey kMaxBytes =
    ConfigKey("max_bytes", KeyType::integer)
        .with_default("10737418240")
        .with_range(IntRange::at_least(65'536))
        .with_description(
            "records not yet forwarded that the journal may hold; past it, deliveries get `503`");
constexpr ConfigKey kSegmentBytes =
    ConfigKey("segment_bytes", KeyType::integer)
        .with_default("67108864")
        .with_range({4'096, 1LL << 40})
        .with_description(
            "size of one segment file; a segment is deleted once every sink has "
            "taken it");
constexpr ConfigKey kDrainTimeout =
    ConfigKey("drain_timeout_ms", KeyType::integer)
        .with_default("5000")
        .with_range({0, 60'000})
        .with_description(
            "at shutdown, how long the forwarders may go on sending what the "
            "journal holds");

constexpr std::array<ConfigKey, 4> kJournalKeys{kPath, kMaxBytes, kSegmentBytes, kDrainTimeout};

}  // namespace

std::span<ConfigKey const> journal_table_keys() {
    return kJournalKeys;
}

JournalOptions read_journal_table(ConfigTable const& table) {
    table.check_keys(kJournalKeys);
    JournalOptions options;
    auto const path = table.non_empty_string(kPath);
    if (!path) {
        table.fail(kPath.name, "required for the journal: the folder it keeps its files in");
    }
    options.path = std::filesystem::path(*path);
    if (options.path.is_relative()) {
        options.path = table.base_dir() / options.path;
    }
    options.path = options.path.lexically_normal();
    if (!options.path.has_filename()) {
        options.path = options.path.parent_path();  // "journal/" is the folder "journal"
    }
    set_if_present(options.max_bytes, table.integer(kMaxBytes));
    set_if_present(options.segment_bytes, table.integer(kSegmentBytes));
    if (auto const drain = table.integer(kDrainTimeout)) {
        options.drain_timeout = std::chrono::milliseconds(*drain);
    }
    return options;
}

}  // namespace callsink
