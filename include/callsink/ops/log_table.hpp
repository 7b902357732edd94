// The [log] table of the configuration file: its keys, declared once (config_key.hpp), and
// reading them into LogOptions. Start-up only.
#pragma once

#include <span>

#include "callsink/config/config_table.hpp"
#include "callsink/ops/daemon_log.hpp"

namespace callsink {

std::span<ConfigKey const> log_table_keys();

// Checks the table's keys and reads them; an absent key keeps LogOptions' default. Throws
// ConfigError naming the key.
LogOptions read_log_table(ConfigTable const& table);

}  // namespace callsink
