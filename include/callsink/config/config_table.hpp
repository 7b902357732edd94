// The small interface through which a component reads its own table of the configuration file:
// the config layer hands a sink its [[sinks]] entry as a ConfigTable, and the sink reads its keys
// without knowing TOML, the file, or any other component's keys. Every check throws a
// ConfigError that names the exact key ("sinks[1].path: must not be empty"), so a bad value
// is an exit status 2 with a message, not a silent default.
//
// The getters return nullopt for an absent key and throw for a present one of the wrong type or
// range; the caller keeps its default on nullopt. A reader first calls check_keys() with the
// declaration of its keys (config_key.hpp), so that a misspelt key or a value of the wrong type
// is an error, then reads each key by its declaration. Start-up only; not thread-safe.
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
#include "callsink/config/config_key.hpp"

namespace callsink {

// Reads an environment variable; injectable so tests need not touch the real environment.
using GetEnv = std::function<std::optional<std::string>(std::string const& name)>;
GetEnv process_environment();

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

// Sets `target` to a getter's value when the key is there, so that an absent key leaves the
// default the options struct gives it.
template <class T, class U>
void set_if_present(T& target, std::optional<U> const& value) {
    if (value) {
        target = static_cast<T>(*value);
    }
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

    // The table against the declaration of its keys: every key must be declared (allow_only's
    // message otherwise), and each declared key present must have its type and, an integer, be
    // in its range. A choice's name is checked when it is read (choice(), which names the kind).
    void check_keys(std::span<ConfigKey const> keys, std::string_view what = {}) const;

    // The getters above, by a key's declaration: its name, and an integer's range. Reading a key
    // as another type than it is declared with is a bug, thrown as std::logic_error.
    std::optional<std::string> string(ConfigKey const& key) const;
    std::optional<std::string> non_empty_string(ConfigKey const& key) const;
    std::optional<bool> boolean(ConfigKey const& key) const;
    std::optional<std::int64_t> integer(ConfigKey const& key) const;
    std::optional<std::vector<std::string>> strings(ConfigKey const& key) const;
    std::optional<std::filesystem::path> file_path(ConfigKey const& key) const;
    template <class T, std::size_t N>
    std::optional<T> choice(ConfigKey const& key, std::array<Choice<T>, N> const& choices,
                            std::string_view noun = "value") const {
        expect_type(key, KeyType::string);
        return choice(key.name, choices, noun);
    }

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

  private:
    static void expect_type(ConfigKey const& key, KeyType type);
};

}  // namespace callsink
