// The address the server listens on, as [server] listen and the --listen flag write it:
// "HOST:PORT", where HOST is an IPv4 address, a host name or an IPv6 address in brackets
// ("[::1]:8080"). Parsing only, at start-up: the server resolves the host when it binds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace callsink {

struct ListenAddress {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0 picks a free port; the daemon logs the one it got
};

// Throws ConfigError against `key` ("server.listen", "--listen") when malformed, saying what is
// wrong and what is expected.
ListenAddress parse_listen_address(std::string_view text, std::string const& key);

}  // namespace callsink
