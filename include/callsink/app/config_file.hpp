// callsink's configuration file: its tables read into each component's options
// (docs/configuration.md). This file knows the tables of the daemon itself ([server], [auth],
// [delivery], [privacy], [rejects], [log]); each [[sinks]] table is read by its sink type
// (sinks/sink_registry.hpp), so no sink's keys are known here. Loading happens once at start-up;
// a bad file is a ConfigError naming the key and the problem, which main turns into exit status
// 2. After loading, a Config is plain immutable data, shared read-only by every thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/base/cidr.hpp"
#include "callsink/config/config_table.hpp"
#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/http/server_options.hpp"
#include "callsink/ingest/webhook_handler.hpp"
#include "callsink/ops/daemon_log.hpp"
#include "callsink/pipeline/pipeline.hpp"
#include "callsink/sinks/sink_registry.hpp"

namespace callsink {

struct Config {
    ServerOptions server;           // [server]
    AuthOptions auth;               // [auth]
    PipelineOptions delivery;       // [delivery]
    PrivacyOptions privacy;         // [privacy]
    SinkConfig rejects;             // [rejects]: a file sink
    std::vector<SinkConfig> sinks;  // [[sinks]], at least one
    LogOptions log;                 // [log]
};

// "HOST:PORT" or "[IPv6]:PORT"; throws ConfigError against `key` when malformed.
ListenAddress parse_listen_address(std::string_view text, std::string const& key);

// Parses TOML text; `source` names it in messages. Relative sink and rejects paths are resolved
// against `base_dir` (the config file's folder), so a config works wherever it is started from.
Config parse_config(std::string_view toml_text, std::string const& source,
                    std::filesystem::path const& base_dir, GetEnv const& getenv);

// Every key the loader accepts, as "table.key" ("sinks.path" for any sink type's key), so the
// configuration reference and the example file can be checked against the code.
std::vector<std::string> known_config_keys();

// Reads and parses a file; a missing or unreadable file is a ConfigError too.
Config load_config(std::filesystem::path const& file, GetEnv const& getenv);

}  // namespace callsink
