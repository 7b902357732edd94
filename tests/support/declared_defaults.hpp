// The keys of a table set to the defaults their declarations state (config_key.hpp): reading it
// must give what leaving the keys out gives, or the reference and the example, which show the
// declared defaults, would say something the loader does not do.
#pragma once

#include <span>
#include <string>

#include "callsink/config/config_key.hpp"

namespace callsink::testing {

// "name = default" lines for every key of `keys` that has one default.
inline std::string declared_defaults(std::span<ConfigKey const> keys) {
    std::string lines;
    for (ConfigKey const& key : keys) {
        if (!key.default_value.empty()) {
            lines += std::string(key.name) + " = " + std::string(key.default_value) + "\n";
        }
    }
    return lines;
}

}  // namespace callsink::testing
