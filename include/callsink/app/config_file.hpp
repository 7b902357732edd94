// callsink's configuration: typed option structs with their defaults, and the loader that reads
// them from TOML (DESIGN.md, "Configuration"). Loading happens once at start-up; a bad file is a
// ConfigError naming the key and the problem, which main turns into exit status 2. After loading,
// a Config is plain immutable data, shared read-only by every thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/base/cidr.hpp"

namespace callsink {

class ConfigError : public std::runtime_error {
  public:
    // key is the dotted TOML path ("server.listen", "sinks[1].path"), empty for the whole file.
    ConfigError(std::string key, std::string const& problem);
    std::string const& key() const noexcept { return key_; }

  private:
    std::string key_;
};

struct ListenAddress {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0 picks a free port; the daemon logs the one it got
};

// "HOST:PORT" or "[IPv6]:PORT"; throws ConfigError against `key` when malformed.
ListenAddress parse_listen_address(std::string_view text, std::string const& key);

struct ServerOptions {
    ListenAddress listen;
    unsigned threads = 1;  // io threads; 0 in the file means one per core (resolved on load)
    std::size_t max_body_bytes = 1024 * 1024;
    std::chrono::milliseconds read_timeout{10'000};  // a whole request must arrive in this time
    std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connection with no request
    std::size_t max_connections = 10'000;
    std::vector<Cidr> trusted_proxies;  // peers whose X-Forwarded-For is believed
};

struct AuthOptions {
    std::string header = "Authorization";
    std::optional<std::string> value;  // from `value`, or from the variable named by `value_env`
    std::vector<Cidr> allow_ips;       // empty: every address may deliver
};

enum class Durability {
    none,   // answer once queued
    write,  // answer after write(2) returned
    fsync,  // answer after fdatasync
};

struct DeliveryOptions {
    Durability durability = Durability::write;
    std::size_t dedupe_window = 100'000;  // remembered ids; 0 turns deduplication off
    std::size_t queue_capacity = 65'536;  // records waiting for the writer; beyond it, 503
};

enum class MsisdnPolicy { clear, mask, hash };

struct PrivacyOptions {
    MsisdnPolicy msisdn = MsisdnPolicy::clear;
    std::string key_env = "CALLSINK_MSISDN_KEY";
    std::optional<std::string> key;  // the value of key_env at load time, when set
};

enum class SinkType { file, stdout_lines, log };

struct SinkOptions {
    SinkType type = SinkType::file;
    std::filesystem::path path;   // file only
    std::uint64_t max_bytes = 0;  // file only: rotate when the next batch would pass it; 0 = never
    unsigned max_files = 10;      // file only: rotated files kept (path.1 … path.N)
    bool required = true;         // the reply waits for this sink
};

struct RejectsOptions {
    std::filesystem::path path = "/var/lib/callsink/rejects.jsonl";
    std::uint64_t max_bytes = 0;
    unsigned max_files = 10;
};

enum class LogFormat { text, json };

struct LogOptions {
    std::string level =
        "info";  // spdlog level name: trace, debug, info, warn, error, critical, off
    LogFormat format = LogFormat::text;
};

struct Config {
    ServerOptions server;
    AuthOptions auth;
    DeliveryOptions delivery;
    PrivacyOptions privacy;
    RejectsOptions rejects;
    std::vector<SinkOptions> sinks;  // at least one
    LogOptions log;
};

// Reads an environment variable; injectable so tests need not touch the real environment.
using GetEnv = std::function<std::optional<std::string>(std::string const& name)>;
GetEnv process_environment();

// Parses TOML text; `source` names it in messages. Relative sink and rejects paths are resolved
// against `base_dir` (the config file's folder), so a config works wherever it is started from.
Config parse_config(std::string_view toml_text, std::string const& source,
                    std::filesystem::path const& base_dir, GetEnv const& getenv);

// Every key the loader accepts, as "table.key" ("sinks.type" for the [[sinks]] entries), so the
// configuration reference and the example file can be checked against the code.
std::vector<std::string> known_config_keys();

// Reads and parses a file; a missing or unreadable file is a ConfigError too.
Config load_config(std::filesystem::path const& file, GetEnv const& getenv);

}  // namespace callsink
