#include "callsink/config/network_list.hpp"

namespace callsink {

std::vector<Cidr> read_network_list(ConfigTable const& table, ConfigKey const& key) {
    std::vector<Cidr> networks;
    auto const items = table.strings(key);
    if (!items) {
        return networks;
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
        auto network = Cidr::parse((*items)[i]);
        if (!network) {
            throw ConfigError(table.key_of(key.name) + "[" + std::to_string(i) + "]",
                              in_quotes((*items)[i]) +
                                  " is not an IP network in CIDR notation (such as "
                                  "\"203.0.113.0/24\", \"2001:db8::/32\" or \"::1\")");
        }
        networks.push_back(*network);
    }
    return networks;
}

}  // namespace callsink
