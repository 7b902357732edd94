// The [dead_letter] table of the configuration file: its key, declared once (config_key.hpp), and
// reading it into DeadLetterOptions (dead_letter_file.hpp). Without the table, or without `path`,
// the file is dead-letter.jsonl beside the rejects file. Its durability is [delivery]'s, which the
// daemon sets. Start-up only.
#pragma once

#include <filesystem>
#include <span>

#include "callsink/config/config_table.hpp"
#include "callsink/sinks/dead_letter_file.hpp"

namespace callsink {

std::span<ConfigKey const> dead_letter_table_keys();

// `table`: nullptr when the file has none. `rejects_path`: the rejects file, whose folder holds
// the default. Throws ConfigError naming the key.
DeadLetterOptions read_dead_letter_table(ConfigTable const* table,
                                         std::filesystem::path const& rejects_path);

}  // namespace callsink
