// The [auth] table of the configuration file: its keys, declared once (config_key.hpp), and
// reading them into AuthOptions, with the expected header value from the file or the
// environment. Start-up only.
#pragma once

#include <span>

#include "callsink/config/config_table.hpp"
#include "callsink/ingest/webhook_handler.hpp"

namespace callsink {

std::span<ConfigKey const> auth_table_keys();

// Checks the table's keys and reads them; an absent key keeps AuthOptions' default. Throws
// ConfigError naming the key (and the variable, never a secret).
AuthOptions read_auth_table(ConfigTable const& table);

}  // namespace callsink
