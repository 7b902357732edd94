#include "callsink/config/config_error.hpp"

#include <utility>

namespace callsink {

ConfigError::ConfigError(std::string key, std::string const& problem)
    : std::runtime_error(key.empty() ? problem : key + ": " + problem), key_(std::move(key)) {}

}  // namespace callsink
