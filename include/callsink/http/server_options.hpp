// How the HTTP server listens and what it allows a connection ([server] in the configuration
// file): the limits that keep one client from holding the daemon (docs/configuration.md,
// `[server]`).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "callsink/base/cidr.hpp"
#include "callsink/http/listen_address.hpp"

namespace callsink {

// [server] in the configuration file (server_table.hpp reads it).
struct ServerOptions {
    ListenAddress listen;
    unsigned threads = 1;  // io threads; 0 in the file means one per core (resolved on load)
    std::size_t max_body_bytes = 1024 * 1024;
    std::chrono::milliseconds read_timeout{10'000};  // a whole request must arrive in this time
    std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connection with no request
    std::size_t max_connections = 10'000;
    // What all connections may hold of unfinished requests together (buffer_budget.hpp).
    std::size_t max_buffered_bytes = 256 * 1024 * 1024;
    std::vector<Cidr> trusted_proxies;  // peers whose X-Forwarded-For is believed
};

}  // namespace callsink
