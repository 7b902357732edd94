// callsink's configuration file: its tables read into each component's options
// (docs/configuration.md). Each component declares its table's keys once and reads them itself
// (config/config_key.hpp); this file knows which tables there are ([server], [auth], [delivery],
// [privacy], [rejects], [dead_letter], [[sinks]], [journal], [log]) and which component reads each.
// Loading happens once at start-up; a bad file is a ConfigError naming the key and the problem,
// which main turns into exit status 2. After loading, a Config is plain immutable data, shared
// read-only by every thread.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/base/cidr.hpp"
#include "callsink/config/config_table.hpp"
#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/http/server_options.hpp"
#include "callsink/ingest/webhook_handler.hpp"
#include "callsink/journal/journal.hpp"
#include "callsink/ops/daemon_log.hpp"
#include "callsink/pipeline/pipeline.hpp"
#include "callsink/sinks/dead_letter_file.hpp"
#include "callsink/sinks/sink_registry.hpp"

namespace callsink {

struct Config {
    ServerOptions server;           // [server]
    AuthOptions auth;               // [auth]
    PipelineOptions delivery;       // [delivery]
    PrivacyOptions privacy;         // [privacy]
    SinkConfig rejects;             // [rejects]: a file sink
    DeadLetterOptions dead_letter;  // [dead_letter]: beside the rejects file by default
    std::vector<SinkConfig> sinks;  // [[sinks]], at least one
    // [journal]: there exactly when a sink has delivery = "journal".
    std::optional<JournalOptions> journal;
    LogOptions log;  // [log]
};

// Parses TOML text; `source` names it in messages. Relative sink and rejects paths are resolved
// against `base_dir` (the config file's folder), so a config works wherever it is started from.
Config parse_config(std::string_view toml_text, std::string const& source,
                    std::filesystem::path const& base_dir, GetEnv const& getenv);

// One table of the file and the declaration of its keys: `name` is the table's ("server"), or
// "sinks.<type>" for the keys of one sink type's tables besides those of every sink ("sinks").
struct ConfigTableKeys {
    std::string name;
    std::span<ConfigKey const> keys;
};

// Every table the loader reads, in the order of docs/configuration.md, whose key tables are
// rendered from it (config_reference.hpp): the file's tables, with after "sinks" each sink type's.
std::vector<ConfigTableKeys> config_tables();

// Reads and parses a file; a missing or unreadable file is a ConfigError too.
Config load_config(std::filesystem::path const& file, GetEnv const& getenv);

}  // namespace callsink
