// The [journal] table of the configuration file: its keys, declared once (config_key.hpp), and
// reading them into JournalOptions. Whether a journal is needed at all (a sink with delivery =
// "journal") is the configuration loader's check, across tables. Start-up only.
#pragma once

#include <span>

#include "callsink/config/config_table.hpp"
#include "callsink/journal/journal.hpp"

namespace callsink {

std::span<ConfigKey const> journal_table_keys();

// Checks the table's keys and reads them; the folder is taken from the configuration file's
// folder when relative. Throws ConfigError naming the key.
JournalOptions read_journal_table(ConfigTable const& table);

}  // namespace callsink
