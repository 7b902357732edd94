// The [server] table of the configuration file: its keys, declared once (config_key.hpp), and
// reading them into ServerOptions. Start-up only.
#pragma once

#include <span>

#include "callsink/config/config_table.hpp"
#include "callsink/http/server_options.hpp"

namespace callsink {

std::span<ConfigKey const> server_table_keys();

// Checks the table's keys and reads them; an absent key keeps ServerOptions' default. Throws
// ConfigError naming the key.
ServerOptions read_server_table(ConfigTable const& table);

}  // namespace callsink
