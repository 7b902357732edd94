// The [privacy] table of the configuration file: its keys, declared once (config_key.hpp), and
// reading them into PrivacyOptions, with the HMAC key from the environment when msisdn = "hash".
// Start-up only.
#pragma once

#include <span>

#include "callsink/config/config_table.hpp"
#include "callsink/events/msisdn_privacy.hpp"

namespace callsink {

std::span<ConfigKey const> privacy_table_keys();

// Checks the table's keys and reads them; an absent key keeps PrivacyOptions' default. Throws
// ConfigError naming the key (and the variable, never its value).
PrivacyOptions read_privacy_table(ConfigTable const& table);

}  // namespace callsink
