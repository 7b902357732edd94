// Loads callsink's TOML configuration into the typed option structs. The schema is a set of small
// read_<table>() functions over ConfigTable: each lists its table's keys (so a typo is an error,
// not a silently ignored setting) and reads every key with its type and range. [[sinks]] tables
// and [rejects] are read by the sink types themselves.
#include "callsink/app/config_file.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <system_error>
#include <thread>
#include <utility>

#include "callsink/config/toml_table.hpp"
#include "callsink/http/buffer_budget.hpp"
#include "callsink/sinks/file/file_sink.hpp"

namespace callsink {

namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 7> kTopLevelKeys = {
    "server", "auth", "delivery", "privacy", "rejects", "sinks", "log"};
constexpr std::array<std::string_view, 8> kServerKeys = {
    "listen",          "threads",         "max_body_bytes",  "read_timeout_ms",
    "idle_timeout_ms", "max_connections", "trusted_proxies", "max_buffered_bytes"};
constexpr std::array<std::string_view, 4> kAuthKeys = {"header", "value", "value_env", "allow_ips"};
constexpr std::array<std::string_view, 3> kDeliveryKeys = {"durability", "dedupe_window",
                                                           "queue_capacity"};
constexpr std::array<std::string_view, 2> kPrivacyKeys = {"msisdn", "key_env"};
constexpr std::array<std::string_view, 2> kLogKeys = {"level", "format"};

constexpr IntRange kThreads{0, 256};
constexpr IntRange kMaxBodyBytes{1, std::int64_t{1} << 30};
constexpr IntRange kTimeoutMs{1, 3'600'000};
constexpr IntRange kMaxConnections{1, 1'000'000};
constexpr IntRange kMaxBufferedBytes{1 << 20, std::int64_t{1} << 40};
constexpr IntRange kDedupeWindow{0, 10'000'000};
constexpr IntRange kQueueCapacity{1, 10'000'000};
// An HMAC key shorter than this is guessable; 16 bytes is the floor RFC 2104 suggests for SHA-256.
constexpr std::size_t kMinMsisdnKeyBytes = 16;

constexpr std::array<Choice<Durability>, 3> kDurabilities{{
    {"none", Durability::none},
    {"write", Durability::write},
    {"fsync", Durability::fsync},
}};
constexpr std::array<Choice<MsisdnPolicy>, 3> kMsisdnPolicies{{
    {"clear", MsisdnPolicy::clear},
    {"mask", MsisdnPolicy::mask},
    {"hash", MsisdnPolicy::hash},
}};
constexpr std::array<Choice<std::string_view>, 7> kLogLevels{{
    {"trace", "trace"},
    {"debug", "debug"},
    {"info", "info"},
    {"warn", "warn"},
    {"error", "error"},
    {"critical", "critical"},
    {"off", "off"},
}};
constexpr std::array<Choice<LogFormat>, 2> kLogFormats{{
    {"text", LogFormat::text},
    {"json", LogFormat::json},
}};

template <class T, class U>
void set_if(T& target, std::optional<U> const& value) {
    if (value) {
        target = static_cast<T>(*value);
    }
}

// ---- listen addresses ----

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), is_digit)) {
        return std::nullopt;
    }
    unsigned port = 0;
    std::from_chars(text.data(), text.data() + text.size(), port);
    if (port > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(port);
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool is_host_name(std::string_view host) {
    if (host.empty() || host.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    while (start <= host.size()) {
        std::size_t end = std::min(host.find('.', start), host.size());
        std::string_view const label = host.substr(start, end - start);
        bool const valid =
            !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
            std::all_of(label.begin(), label.end(),
                        [](char c) { return is_alpha(c) || is_digit(c) || c == '-'; });
        if (!valid) {
            return false;
        }
        start = end + 1;
    }
    return true;
}

// Digits and dots must make an IPv4 address: "10.0.0" or "300.1.1.1" is a typo, not a name.
bool is_ipv4_or_host_name(std::string_view host) {
    if (std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; })) {
        boost::system::error_code ec;
        boost::asio::ip::make_address_v4(host, ec);
        return !ec;
    }
    return is_host_name(host);
}

bool is_ipv6(std::string_view host) {
    if (host.find('\0') != std::string_view::npos) {  // Boost would stop reading at it
        return false;
    }
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(host, ec);
    return !ec;
}

// Splits "HOST:PORT" or "[IPv6]:PORT"; returns the problem instead when it cannot.
std::pair<std::string_view, std::string_view> split_host_port(std::string_view text,
                                                              std::string& problem) {
    if (text.starts_with('[')) {
        auto const close = text.find(']');
        if (close == std::string_view::npos || text.substr(close + 1).substr(0, 1) != ":") {
            problem = "has no \"]:PORT\" after the IPv6 address";
            return {};
        }
        return {text.substr(1, close - 1), text.substr(close + 2)};
    }
    auto const colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        problem = "has no port";
        return {};
    }
    return {text.substr(0, colon), text.substr(colon + 1)};
}

std::string host_problem(std::string_view text, std::string_view host) {
    bool const bracketed = text.starts_with('[');
    if (bracketed) {
        return is_ipv6(host) ? "" : "has " + in_quotes(host) + " in brackets, not an IPv6 address";
    }
    if (host.empty()) {
        return "has no host; use 0.0.0.0 to listen on every IPv4 interface";
    }
    if (host.find(':') != std::string_view::npos) {
        return "needs brackets around an IPv6 address";
    }
    return is_ipv4_or_host_name(host) ? ""
                                      : "has a host that is neither an IPv4 address nor a "
                                        "host name";
}

// ---- values shared by several tables ----

unsigned resolve_threads(std::int64_t threads) {
    if (threads > 0) {
        return static_cast<unsigned>(threads);
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<Cidr> read_cidrs(ConfigTable const& table, std::string_view key) {
    std::vector<Cidr> networks;
    auto const items = table.strings(key);
    if (!items) {
        return networks;
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
        auto network = Cidr::parse((*items)[i]);
        if (!network) {
            throw ConfigError(table.key_of(key) + "[" + std::to_string(i) + "]",
                              in_quotes((*items)[i]) +
                                  " is not an IP network in CIDR notation (such as "
                                  "\"203.0.113.0/24\", \"2001:db8::/32\" or \"::1\")");
        }
        networks.push_back(*network);
    }
    return networks;
}

// ---- [auth] ----

bool is_token_char(char c) {
    return is_alpha(c) || is_digit(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A value HTTP could never deliver would make every request a 401; say so at start-up instead.
std::string header_value_problem(std::string_view value) {
    bool const has_control = std::any_of(value.begin(), value.end(), [](char c) {
        return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F;
    });
    if (has_control) {
        return "contains a control character, which an HTTP header cannot carry";
    }
    bool const padded = value.front() == ' ' || value.front() == '\t' || value.back() == ' ' ||
                        value.back() == '\t';
    if (padded) {
        return "starts or ends with whitespace, which HTTP strips from header values";
    }
    return "";
}

std::optional<std::string> read_auth_value(ConfigTable const& table) {
    auto value = table.non_empty_string("value");
    auto value_env = table.non_empty_string("value_env");
    if (value && value_env) {
        table.fail("value_env", "set together with auth.value; use one or the other");
    }
    if (value_env) {
        value = table.environment_value("value_env", *value_env);
    }
    if (value) {
        auto const problem = header_value_problem(*value);
        if (!problem.empty()) {
            table.fail(value_env ? "value_env" : "value",
                       value_env ? "environment variable " + *value_env + " " + problem : problem);
        }
    }
    return value;
}

AuthOptions read_auth(ConfigTable const& table) {
    table.allow_only(kAuthKeys);
    AuthOptions auth;
    if (auto header = table.non_empty_string("header")) {
        if (!std::all_of(header->begin(), header->end(), is_token_char)) {
            table.fail("header", in_quotes(*header) + " is not a valid HTTP header name");
        }
        auth.header = *header;
    }
    auth.value = read_auth_value(table);
    if (!auth.value && table.has("header")) {
        table.fail("header", "has no effect without auth.value or auth.value_env");
    }
    auth.allow_ips = read_cidrs(table, "allow_ips");
    return auth;
}

// ---- the other tables ----

ServerOptions read_server(ConfigTable const& table) {
    table.allow_only(kServerKeys);
    ServerOptions server;
    if (auto listen = table.string("listen")) {
        server.listen = parse_listen_address(*listen, table.key_of("listen"));
    }
    if (auto threads = table.integer("threads", kThreads)) {
        server.threads = resolve_threads(*threads);
    }
    set_if(server.max_body_bytes, table.integer("max_body_bytes", kMaxBodyBytes));
    set_if(server.read_timeout, table.integer("read_timeout_ms", kTimeoutMs));
    set_if(server.idle_timeout, table.integer("idle_timeout_ms", kTimeoutMs));
    set_if(server.max_connections, table.integer("max_connections", kMaxConnections));
    set_if(server.max_buffered_bytes, table.integer("max_buffered_bytes", kMaxBufferedBytes));
    if (auto const least = BufferBudget::smallest_limit_for(server.max_body_bytes);
        server.max_buffered_bytes < least) {
        table.fail("max_buffered_bytes",
                   std::to_string(server.max_buffered_bytes) +
                       " bytes cannot hold one request of server.max_body_bytes (" +
                       std::to_string(server.max_body_bytes) +
                       ") outside the quarter kept for small requests; raise it to at least " +
                       std::to_string(least) + " or lower server.max_body_bytes");
    }
    server.trusted_proxies = read_cidrs(table, "trusted_proxies");
    return server;
}

PipelineOptions read_delivery(ConfigTable const& table) {
    table.allow_only(kDeliveryKeys);
    PipelineOptions delivery;
    set_if(delivery.durability, table.choice("durability", kDurabilities));
    set_if(delivery.dedupe_window, table.integer("dedupe_window", kDedupeWindow));
    set_if(delivery.queue_capacity, table.integer("queue_capacity", kQueueCapacity));
    return delivery;
}

// The key is read only when msisdn = "hash", the one policy that uses it.
PrivacyOptions read_privacy(ConfigTable const& table) {
    table.allow_only(kPrivacyKeys);
    PrivacyOptions privacy;
    set_if(privacy.msisdn, table.choice("msisdn", kMsisdnPolicies));
    set_if(privacy.key_env, table.non_empty_string("key_env"));
    if (privacy.msisdn != MsisdnPolicy::hash) {
        return privacy;
    }
    std::string const why = "; msisdn = \"hash\" needs a key of at least " +
                            std::to_string(kMinMsisdnKeyBytes) + " bytes";
    privacy.key = table.environment_value("key_env", privacy.key_env, why);
    if (privacy.key->size() < kMinMsisdnKeyBytes) {
        table.fail("key_env", "environment variable " + privacy.key_env + " holds " +
                                  std::to_string(privacy.key->size()) + " bytes" + why);
    }
    return privacy;
}

LogOptions read_log(ConfigTable const& table) {
    table.allow_only(kLogKeys);
    LogOptions log;
    set_if(log.level, table.choice("level", kLogLevels, "log level"));
    set_if(log.format, table.choice("format", kLogFormats));
    return log;
}

// ---- [[sinks]] ----

std::string sink_type_names() {
    std::vector<std::string> names;
    for (SinkType const& type : sink_types()) {
        names.push_back(in_quotes(type.name));
    }
    return alternatives(names);
}

std::vector<SinkConfig> read_sinks(TomlDocument const& document) {
    std::string const no_sinks =
        "no sink configured; add at least one [[sinks]] table with type = " + sink_type_names();
    auto const tables = document.table_array("sinks", "[[sinks]]");
    if (tables.empty()) {
        document.root().fail("sinks", no_sinks);
    }
    std::vector<SinkConfig> sinks;
    for (auto const& table : tables) {
        sinks.push_back(read_sink_config(*table));
    }
    // Best-effort sinks may drop records when they fall behind: with no required sink, a 200
    // could be sent for a delivery that was stored nowhere.
    if (std::none_of(sinks.begin(), sinks.end(), [](SinkConfig const& s) { return s.required; })) {
        document.root().fail(
            "sinks",
            "no sink has required = true, so a delivery could be answered 200 and then be "
            "dropped; add a file sink, or set required = true on one (e.g. a stdout sink "
            "in a container)");
    }
    return sinks;
}

// What one sink claims (a file, say) no other may: two writers on one file would interleave and
// rotate each other's data away.
void check_claims(Config const& config) {
    std::vector<SinkClaim> seen = config.rejects.settings->claims();
    for (SinkConfig const& sink : config.sinks) {
        for (SinkClaim const& claim : sink.settings->claims()) {
            auto const other = std::find_if(seen.begin(), seen.end(), [&](SinkClaim const& s) {
                return s.resource == claim.resource;
            });
            if (other != seen.end()) {
                throw ConfigError(claim.key, claim.shown + " is also " + other->key +
                                                 "; two sinks cannot share " +
                                                 std::string(claim.noun));
            }
            seen.push_back(claim);
        }
    }
}

struct CloseFile {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

std::string read_file(fs::path const& file) {
    auto const fail = [&] {
        int const error = errno;  // before anything below can overwrite it
        return ConfigError(
            "", "cannot read " + file.string() + ": " + std::generic_category().message(error));
    };
    std::unique_ptr<std::FILE, CloseFile> stream(std::fopen(file.c_str(), "rb"));
    if (!stream) {
        throw fail();
    }
    std::string text;
    std::array<char, 4096> buffer;
    std::size_t size = 0;
    while ((size = std::fread(buffer.data(), 1, buffer.size(), stream.get())) > 0) {
        text.append(buffer.data(), size);
    }
    if (std::ferror(stream.get())) {
        throw fail();
    }
    return text;
}

}  // namespace

ListenAddress parse_listen_address(std::string_view text, std::string const& key) {
    auto const fail = [&](std::string const& problem) {
        return ConfigError(key, in_quotes(text) + " " + problem +
                                    "; expected HOST:PORT such as \"127.0.0.1:8080\" or "
                                    "\"[::1]:8080\"");
    };
    std::string problem;
    auto const [host, port_text] = split_host_port(text, problem);
    if (problem.empty()) {
        problem = host_problem(text, host);
    }
    if (!problem.empty()) {
        throw fail(problem);
    }
    auto port = parse_port(port_text);
    if (!port) {
        throw fail("has a port that is not a number from 0 to 65535");
    }
    return ListenAddress{std::string(host), *port};
}

Config parse_config(std::string_view toml_text, std::string const& source, fs::path const& base_dir,
                    GetEnv const& getenv) {
    TomlDocument const document(toml_text, source, base_dir, getenv);
    ConfigTable const& top = document.root();
    top.allow_only(kTopLevelKeys);
    Config config;
    if (auto table = top.table("server", "[server]")) {
        config.server = read_server(*table);
    }
    if (auto table = top.table("auth", "[auth]")) {
        config.auth = read_auth(*table);
    }
    if (auto table = top.table("delivery", "[delivery]")) {
        config.delivery = read_delivery(*table);
    }
    if (auto table = top.table("privacy", "[privacy]")) {
        config.privacy = read_privacy(*table);
    }
    config.rejects = read_rejects_config(top.table("rejects", "[rejects]").get());
    config.sinks = read_sinks(document);
    if (auto table = top.table("log", "[log]")) {
        config.log = read_log(*table);
    }
    check_claims(config);
    return config;
}

Config load_config(fs::path const& file, GetEnv const& getenv) {
    std::string const text = read_file(file);
    std::error_code ec;
    fs::path const absolute = fs::absolute(file, ec);
    if (ec) {
        throw ConfigError("",
                          "cannot resolve the folder of " + file.string() + ": " + ec.message());
    }
    return parse_config(text, file.string(), absolute.lexically_normal().parent_path(), getenv);
}

std::vector<std::string> known_config_keys() {
    std::vector<std::string> keys;
    auto const add = [&keys](std::string_view table, std::span<std::string_view const> names) {
        for (std::string_view name : names) {
            std::string key = std::string(table) + "." + std::string(name);
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
                keys.push_back(std::move(key));
            }
        }
    };
    add("server", kServerKeys);
    add("auth", kAuthKeys);
    add("delivery", kDeliveryKeys);
    add("privacy", kPrivacyKeys);
    add("rejects", key_names(rejects_file_keys()));
    add("sinks", key_names(common_sink_keys()));
    for (SinkType const& type : sink_types()) {
        add("sinks", key_names(type.keys));
    }
    add("log", kLogKeys);
    return keys;
}

}  // namespace callsink
