// The one error a configuration can have: a key and what is wrong with it. Thrown at start-up
// only; main turns it into exit status 2 and the message "config FILE: KEY: PROBLEM".
#pragma once

#include <stdexcept>
#include <string>

namespace callsink {

class ConfigError : public std::runtime_error {
  public:
    // key is the dotted TOML path ("server.listen", "sinks[1].path"), empty for the whole file.
    ConfigError(std::string key, std::string const& problem);
    std::string const& key() const noexcept { return key_; }

  private:
    std::string key_;
};

}  // namespace callsink
