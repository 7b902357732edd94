#include "callsink/http/server_table.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <thread>

#include "callsink/config/network_list.hpp"
#include "callsink/http/buffer_budget.hpp"

namespace callsink {
namespace {

constexpr IntRange kTimeoutMs{1, 3'600'000};

constexpr ConfigKey kListen =
    ConfigKey("listen", KeyType::string)
        .with_default("\"127.0.0.1:8080\"")
        .with_allowed("`\"HOST:PORT\"`; HOST an IPv4 address, a host name or `[IPv6]`")
        .with_description("where to accept HTTP; `--listen` replaces it");
constexpr ConfigKey kThreads =
    ConfigKey("threads", KeyType::integer)
        .with_default("1")
        .with_range({0, 256})
        .with_description("threads that serve connections; `0`: one per CPU core");
constexpr ConfigKey kMaxBodyBytes = ConfigKey("max_body_bytes", KeyType::integer)
                                        .with_default("1048576")
                                        .with_range({1, std::int64_t{1} << 30})
                                        .with_description("a larger request body gets `413`");
constexpr ConfigKey kReadTimeoutMs =
    ConfigKey("read_timeout_ms", KeyType::integer)
        .with_default("10000")
        .with_range(kTimeoutMs)
        .with_description("how long a whole request (headers and body) may take to arrive");
constexpr ConfigKey kIdleTimeoutMs =
    ConfigKey("idle_timeout_ms", KeyType::integer)
        .with_default("60000")
        .with_range(kTimeoutMs)
        .with_description("a keep-alive connection without a request this long is closed");
constexpr ConfigKey kMaxConnections =
    ConfigKey("max_connections", KeyType::integer)
        .with_default("10000")
        .with_range({1, 1'000'000})
        .with_description("connections open at once; one more is closed at once");
constexpr ConfigKey kMaxBufferedBytes =
    ConfigKey("max_buffered_bytes", KeyType::integer)
        .with_default("268435456")
        .with_range({1 << 20, std::int64_t{1} << 40})
        .with_description(
            "memory all connections may hold of unanswered requests; at least about 4/3 × "
            "(`max_body_bytes` + 80 KiB), and the error gives the exact least");
constexpr ConfigKey kTrustedProxies =
    ConfigKey("trusted_proxies", KeyType::strings)
        .with_default("[]")
        .with_allowed("IP networks in CIDR notation")
        .with_description("peers whose `X-Forwarded-For` is believed for the client address");

constexpr std::array<ConfigKey, 8> kServerKeys{kListen,           kThreads,       kMaxBodyBytes,
                                               kReadTimeoutMs,    kIdleTimeoutMs, kMaxConnections,
                                               kMaxBufferedBytes, kTrustedProxies};

unsigned resolve_threads(std::int64_t threads) {
    if (threads > 0) {
        return static_cast<unsigned>(threads);
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

std::span<ConfigKey const> server_table_keys() {
    return kServerKeys;
}

ServerOptions read_server_table(ConfigTable const& table) {
    table.check_keys(kServerKeys);
    ServerOptions server;
    if (auto listen = table.string(kListen)) {
        server.listen = parse_listen_address(*listen, table.key_of(kListen.name));
    }
    if (auto threads = table.integer(kThreads)) {
        server.threads = resolve_threads(*threads);
    }
    set_if_present(server.max_body_bytes, table.integer(kMaxBodyBytes));
    set_if_present(server.read_timeout, table.integer(kReadTimeoutMs));
    set_if_present(server.idle_timeout, table.integer(kIdleTimeoutMs));
    set_if_present(server.max_connections, table.integer(kMaxConnections));
    set_if_present(server.max_buffered_bytes, table.integer(kMaxBufferedBytes));
    if (auto const least = BufferBudget::smallest_limit_for(server.max_body_bytes);
        server.max_buffered_bytes < least) {
        table.fail(kMaxBufferedBytes.name,
                   std::to_string(server.max_buffered_bytes) +
                       " bytes cannot hold one request of server.max_body_bytes (" +
                       std::to_string(server.max_body_bytes) +
                       ") outside the quarter kept for small requests; raise it to at least " +
                       std::to_string(least) + " or lower server.max_body_bytes");
    }
    server.trusted_proxies = read_network_list(table, kTrustedProxies);
    return server;
}

}  // namespace callsink
