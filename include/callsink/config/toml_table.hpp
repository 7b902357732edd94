// The ConfigTable of a TOML document (toml++): the one implementation the daemon uses. A
// TomlDocument owns the parsed file, its folder and the environment; its tables are views into it
// and must not outlive it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "callsink/config/config_table.hpp"

namespace callsink {

class TomlDocument {
  public:
    // Parses TOML text; `source` names it in messages ("callsink.toml:3:7: …"). A syntax error
    // is a ConfigError with an empty key.
    TomlDocument(std::string_view text, std::string const& source, std::filesystem::path base_dir,
                 GetEnv getenv);
    ~TomlDocument();
    TomlDocument(TomlDocument const&) = delete;
    TomlDocument& operator=(TomlDocument const&) = delete;

    // The top level, whose keys are the file's tables.
    ConfigTable const& root() const;

    // The tables of an array of tables ([[sinks]]): "key[i]" in messages, `label` each. A
    // missing key gives an empty list; anything but an array of tables is an error.
    std::vector<std::unique_ptr<ConfigTable>> table_array(std::string_view key,
                                                          std::string const& label) const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace callsink
