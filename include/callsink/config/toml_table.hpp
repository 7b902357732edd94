// Private to config.cpp: a view of one TOML table that knows its dotted name, so every check can
// throw a ConfigError naming the exact key. The getters return nullopt for an absent key and throw
// for a present one of the wrong type or range; the caller keeps its default on nullopt. Each
// table's reader first calls allow_only() so that a misspelt key is an error, not a silent default.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callsink/app/config_file.hpp"

namespace callsink::config_detail {

// A value as written in a message: quoted, with quotes and control characters escaped.
inline std::string in_quotes(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
            constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[(c >> 4) & 0xF];
            out += kHex[c & 0xF];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

// "a", "b" or "c": how a message lists the values a key accepts.
inline std::string alternatives(std::vector<std::string> const& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) {
            out += i + 1 == names.size() ? " or " : ", ";
        }
        out += names[i];
    }
    return out;
}

inline std::string type_name(toml::node const& node) {
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

// Edit distance, to suggest "listen" for "listn". Keys are short, so the quadratic cost is moot.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t const above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

inline bool is_bare_key(std::string_view key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

struct IntRange {
    std::int64_t min = 0;
    std::int64_t max = std::numeric_limits<std::int64_t>::max();

    std::string describe() const {
        if (max == std::numeric_limits<std::int64_t>::max()) {
            return "at least " + std::to_string(min);
        }
        return std::to_string(min) + " to " + std::to_string(max);
    }
};

template <class T>
struct Choice {
    std::string_view name;
    T value;
};

template <class T, std::size_t N>
std::string choice_names(std::array<Choice<T>, N> const& choices) {
    std::vector<std::string> names;
    for (auto const& choice : choices) {
        names.push_back(in_quotes(choice.name));
    }
    return alternatives(names);
}

class TableReader {
  public:
    // `path` is the table's dotted name ("server", "sinks[0]"), empty for the top level; `label`
    // is how messages show the table ("[server]", "[[sinks]]"; unused for the top level).
    TableReader(toml::table const& table, std::string path, std::string label)
        : table_(table), path_(std::move(path)), label_(std::move(label)) {}

    std::string key_of(std::string_view key) const {
        std::string const name = is_bare_key(key) ? std::string(key) : in_quotes(key);
        return path_.empty() ? name : path_ + "." + name;
    }

    [[noreturn]] void fail(std::string_view key, std::string const& problem) const {
        throw ConfigError(key_of(key), problem);
    }

    // Every key of the table must be one of `known`.
    void allow_only(std::span<std::string_view const> known) const {
        for (auto const& [key, node] : table_) {
            std::string_view const name = key.str();
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                fail(name, unknown_key_problem(name, known));
            }
        }
    }

    bool has(std::string_view key) const { return table_.contains(key); }
    toml::node const* find(std::string_view key) const { return table_.get(key); }

    // The node of `key` as T (a toml::value<…>, table or array); nullptr when absent.
    template <class T>
    auto typed(std::string_view key, std::string_view expected) const
        -> decltype(std::declval<toml::node const&>().as<T>()) {
        toml::node const* node = find(key);
        if (node == nullptr) {
            return nullptr;
        }
        if (auto const* as_t = node->as<T>()) {
            return as_t;
        }
        fail(key, "expected " + std::string(expected) + ", got " + type_name(*node));
    }

    std::optional<std::string> string(std::string_view key) const {
        auto const* value = typed<std::string>(key, "a string");
        return value ? std::optional<std::string>(value->get()) : std::nullopt;
    }

    std::optional<std::string> non_empty_string(std::string_view key) const {
        auto value = string(key);
        if (value && value->empty()) {
            fail(key, "must not be empty");
        }
        return value;
    }

    std::optional<bool> boolean(std::string_view key) const {
        auto const* value = typed<bool>(key, "a boolean (true or false)");
        return value ? std::optional<bool>(value->get()) : std::nullopt;
    }

    std::optional<std::int64_t> integer(std::string_view key, IntRange range) const {
        auto const* value = typed<std::int64_t>(key, "an integer");
        if (value == nullptr) {
            return std::nullopt;
        }
        std::int64_t const number = value->get();
        if (number < range.min || number > range.max) {
            fail(key, std::to_string(number) + " is out of range; expected " + range.describe());
        }
        return number;
    }

    std::optional<TableReader> table(std::string_view key, std::string label) const {
        auto const* table = typed<toml::table>(key, "a table");
        if (table == nullptr) {
            return std::nullopt;
        }
        return TableReader(*table, key_of(key), std::move(label));
    }

    toml::array const* array(std::string_view key) const {
        return typed<toml::array>(key, "an array");
    }

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
    std::string unknown_key_problem(std::string_view name,
                                    std::span<std::string_view const> known) const {
        std::string problem = path_.empty() ? "unknown table or key" : "unknown key";
        auto const closest = std::min_element(known.begin(), known.end(), [&](auto a, auto b) {
            return edit_distance(name, a) < edit_distance(name, b);
        });
        if (closest != known.end() && edit_distance(name, *closest) <= 2) {
            problem += " (did you mean " + in_quotes(*closest) + "?)";
        }
        problem +=
            path_.empty() ? "; known top-level tables: " : "; known keys of " + label_ + ": ";
        for (auto it = known.begin(); it != known.end(); ++it) {
            problem += (it == known.begin() ? "" : ", ") + std::string(*it);
        }
        return problem;
    }

    toml::table const& table_;
    std::string path_;
    std::string label_;
};

}  // namespace callsink::config_detail
