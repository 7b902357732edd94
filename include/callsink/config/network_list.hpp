// A key whose value is a list of IP networks in CIDR notation ([server] trusted_proxies, [auth]
// allow_ips), read into Cidr values; a bad entry is a ConfigError naming it by its index
// ("server.trusted_proxies[2]"). Start-up only.
#pragma once

#include <vector>

#include "callsink/base/cidr.hpp"
#include "callsink/config/config_table.hpp"

namespace callsink {

// Empty when the key is absent.
std::vector<Cidr> read_network_list(ConfigTable const& table, ConfigKey const& key);

}  // namespace callsink
