// The [delivery] table of the configuration file: its keys, declared once (config_key.hpp), and
// reading them into PipelineOptions. Start-up only.
#pragma once

#include <span>

#include "callsink/config/config_table.hpp"
#include "callsink/pipeline/pipeline.hpp"

namespace callsink {

std::span<ConfigKey const> delivery_table_keys();

// Checks the table's keys and reads them; an absent key keeps PipelineOptions' default. Throws
// ConfigError naming the key.
PipelineOptions read_delivery_table(ConfigTable const& table);

}  // namespace callsink
