// How a component declares the keys of its table in the configuration file, once: the name, the
// TOML type, the default, the values accepted and one line on what the key sets (Fluent Bit's
// config_map is the model). Each component keeps the list of its table's keys next to its
// options and reads the table through it: ConfigTable::check_keys() refuses a key the list does
// not have (suggesting the closest) and a declared key of the wrong type or out of range, and
// the getters that take a ConfigKey read it by its declared name and range. The key tables of
// docs/configuration.md are rendered from the same lists (key_row, markdown_table; the page is
// assembled by app/config_reference.hpp), and a test fails when the page and the lists differ.
//
// Declarations are constexpr constants; everything here is pure and thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace callsink {

struct IntRange {
    std::int64_t min = 0;
    std::int64_t max = std::numeric_limits<std::int64_t>::max();

    static constexpr IntRange at_least(std::int64_t least) {
        return IntRange{least, std::numeric_limits<std::int64_t>::max()};
    }

    // As messages say it: "0 to 256", "at least 1".
    std::string describe() const;
};

// One name a string key accepts and the value it stands for.
template <class T>
struct Choice {
    std::string_view name;
    T value;
};

enum class KeyType { string, integer, boolean, strings, table };

// Declared as a chain that reads as the reference does, e.g.
//   constexpr ConfigKey kThreads = ConfigKey("threads", KeyType::integer)
//                                      .with_default("1")
//                                      .with_range({0, 256})
//                                      .with_description("threads that serve connections");
struct ConfigKey {
    std::string_view name;
    KeyType type = KeyType::string;
    // The default as TOML writes it ("\"write\"", "1", "[]"); empty when there is none, or when
    // it is not one value (a sink's `required` depends on its type).
    std::string_view default_value;
    // An integer's range: a value outside it is refused, and the reference shows it.
    IntRange range;
    // The names a string accepts, when it is one of a fixed set: choice_names_of() the Choice
    // list that maps them to values, so each name is written once.
    std::span<std::string_view const> choices;
    // What the value may be, in words (markdown), where its type, range and choices do not say
    // it all: a string's format, or a floor the range cannot state. Shown instead of the range.
    std::string_view allowed;
    // One line (markdown) on what the key sets.
    std::string_view description;
    // The table is refused without it.
    bool required = false;

    constexpr ConfigKey(std::string_view key_name, KeyType key_type)
        : name(key_name), type(key_type) {}

    constexpr ConfigKey with_default(std::string_view toml) const {
        ConfigKey key = *this;
        key.default_value = toml;
        return key;
    }
    constexpr ConfigKey with_range(IntRange accepted) const {
        ConfigKey key = *this;
        key.range = accepted;
        return key;
    }
    constexpr ConfigKey with_choices(std::span<std::string_view const> names) const {
        ConfigKey key = *this;
        key.choices = names;
        return key;
    }
    constexpr ConfigKey with_allowed(std::string_view words) const {
        ConfigKey key = *this;
        key.allowed = words;
        return key;
    }
    constexpr ConfigKey with_description(std::string_view line) const {
        ConfigKey key = *this;
        key.description = line;
        return key;
    }
    constexpr ConfigKey as_required() const {
        ConfigKey key = *this;
        key.required = true;
        return key;
    }
};

// The names of a Choice list, for ConfigKey::choices.
template <class T, std::size_t N>
constexpr std::array<std::string_view, N> choice_names_of(std::array<Choice<T>, N> const& choices) {
    std::array<std::string_view, N> names{};
    for (std::size_t i = 0; i < N; ++i) {
        names[i] = choices[i].name;
    }
    return names;
}

// The names of `keys`, in their order: the list an unknown key's message gives.
std::vector<std::string_view> key_names(std::span<ConfigKey const> keys);

// nullptr when `keys` has no key `name`.
ConfigKey const* find_key(std::span<ConfigKey const> keys, std::string_view name);

// How the reference names a type: "string", "integer", "boolean", "array of strings", "table".
std::string_view type_name(KeyType type);

// One key as a row of the reference, each column in markdown words. Counts of bytes (a key whose
// name ends in "_bytes") of a mebibyte or more also say it in MiB, GiB or TiB.
struct KeyRow {
    std::string name;           // `listen`
    std::string type;           // string
    std::string default_value;  // `"127.0.0.1:8080"`; `1048576` (1 MiB); required; none
    std::string allowed;        // 0 to 256; `"none"`, `"write"`, `"fsync"`; the declared words
    std::string description;
};

KeyRow key_row(ConfigKey const& key);

// `text` as markdown code.
std::string in_backticks(std::string_view text);

// The rows as a markdown table with a header, one line each, ending in a newline.
std::string markdown_table(std::span<KeyRow const> rows);

}  // namespace callsink
