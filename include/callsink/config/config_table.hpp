// The small interface through which a component reads its own table of the configuration file:
// the config layer hands a sink its [[sinks]] entry as a ConfigTable, and the sink reads its keys
// without knowing TOML, the file, or any other component's keys. Every check throws a
// ConfigError that names the exact key ("sinks[1].path: must not be empty"), so a bad value
// is an exit status 2 with a message, not a silent default.
//
// The getters return nullopt for an absent key and throw for a present one of the wrong type or
// range; the caller keeps its default on nullopt. A reader first calls allow_only() so that a
// misspelt key is an error. Start-up only; not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/config/config_error.hpp"

namespace callsink {

// Reads an environment variable; injectable so tests need not touch the real environment.
using GetEnv = std::function<std::optional<std::string>(std::string const& name)>;
GetEnv process_environment();

struct IntRange {
    std::int64_t min = 0;
    std::int64_t max = std::numeric_limits<std::int64_t>::max();

    std::string describe() const;
};

template <class T>
struct Choice {
    std::string_view name;
    T value;
};

// A value as written in a message: quoted, with quotes and control characters escaped.
std::string in_quotes(std::string_view text);

// "a", "b" or "c": how a message lists the values a key accepts.
std::string alternatives(std::vector<std::string> const& names);

template <class T, std::size_t N>
std::string choice_names(std::array<Choice<T>, N> const& choices) {
    std::vector<std::string> names;
    for (auto const& choice : choices) {
        names.push_back(in_quotes(choice.name));
    }
    return alternatives(names);
}

class ConfigTable {
  public:
    virtual ~ConfigTable() = default;

    // The dotted name of `key` in this table, as messages show it: "sinks[1].path".
    virtual std::string key_of(std::string_view key) const = 0;
    // How messages show the table: "[server]", "[[sinks]]"; "the file" for the top level.
    virtual std::string const& label() const = 0;
    // The top level, whose keys are the file's tables.
    virtual bool is_root() const = 0;

    virtual bool has(std::string_view key) const = 0;
    virtual std::vector<std::string> keys() const = 0;

    virtual std::optional<std::string> string(std::string_view key) const = 0;
    virtual std::optional<bool> boolean(std::string_view key) const = 0;
    virtual std::optional<std::int64_t> integer(std::string_view key, IntRange range) const = 0;
    // A string, integer or boolean as text ("zstd", "5", "true"): for settings passed through to
    // a library that takes every value as a string.
    virtual std::optional<std::string> scalar(std::string_view key) const = 0;
    // An array whose every item is a string; the message for a bad item names "key[i]".
    virtual std::optional<std::vector<std::string>> strings(std::string_view key) const = 0;
    // A nested table, labelled `label` in messages.
    virtual std::unique_ptr<ConfigTable> table(std::string_view key, std::string label) const = 0;

    // The environment and the folder of the file, for values that come from either.
    virtual std::optional<std::string> environment(std::string const& name) const = 0;
    virtual std::filesystem::path const& base_dir() const = 0;

    [[noreturn]] void fail(std::string_view key, std::string const& problem) const;

    // Every key of the table must be one of `known`; otherwise the message lists them, with the
    // closest as a suggestion ("did you mean \"listen\"?"), as the keys of `what` (the table's
    // label when empty).
    void allow_only(std::span<std::string_view const> known, std::string_view what = {}) const;

    std::optional<std::string> non_empty_string(std::string_view key) const;

    // A file's path; a relative one is taken from the config file's folder, so the file works
    // from any working directory. A path that names a folder is an error.
    std::optional<std::filesystem::path> file_path(std::string_view key) const;

    // The value of the environment variable `name`, which `key` names; missing or empty is an
    // error against `key`, ending with `why` (what needs it).
    std::string environment_value(std::string_view key, std::string const& name,
                                  std::string const& why = "") const;

    // One of a fixed set of strings, mapped to its value. `noun` names the kind of value in the
    // message ("unknown sink type \"kafka\"").
    template <class T, std::size_t N>
    std::optional<T> choice(std::string_view key, std::array<Choice<T>, N> const& choices,
                            std::string_view noun = "value") const {
        auto text = string(key);
        if (!text) {
            return std::nullopt;
        }
        for (auto const& choice : choices) {
            if (choice.name == *text) {
                return choice.value;
            }
        }
        fail(key, "unknown " + std::string(noun) + " " + in_quotes(*text) + "; expected " +
                      choice_names(choices));
    }
};

}  // namespace callsink
