#include "callsink/config/config_key.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace callsink {
namespace {

// "1048576" -> " (1 MiB)": the largest of MiB, GiB and TiB that divides a count of bytes.
std::string in_binary_units(std::int64_t bytes) {
    constexpr std::array<std::string_view, 3> kUnits{"MiB", "GiB", "TiB"};
    std::int64_t unit = std::int64_t{1} << 20;
    std::string shown;
    for (std::string_view name : kUnits) {
        if (bytes < unit || bytes % unit != 0) {
            break;
        }
        shown = " (" + std::to_string(bytes / unit) + " " + std::string(name) + ")";
        unit <<= 10;
    }
    return shown;
}

bool counts_bytes(ConfigKey const& key) {
    return key.type == KeyType::integer && key.name.ends_with("_bytes");
}

std::string number(ConfigKey const& key, std::int64_t value) {
    return std::to_string(value) + (counts_bytes(key) ? in_binary_units(value) : "");
}

std::string default_words(ConfigKey const& key) {
    if (key.default_value.empty()) {
        return key.required ? "required" : "none";
    }
    std::string words = in_backticks(key.default_value);
    if (counts_bytes(key)) {
        std::int64_t value = 0;
        std::from_chars(key.default_value.data(),
                        key.default_value.data() + key.default_value.size(), value);
        words += in_binary_units(value);
    }
    return words;
}

std::string allowed_words(ConfigKey const& key) {
    if (!key.allowed.empty()) {
        return std::string(key.allowed);
    }
    if (!key.choices.empty()) {
        std::string words;
        for (std::string_view name : key.choices) {
            words += (words.empty() ? "`\"" : ", `\"") + std::string(name) + "\"`";
        }
        return words;
    }
    if (key.type == KeyType::integer) {
        if (key.range.max == std::numeric_limits<std::int64_t>::max()) {
            return "at least " + number(key, key.range.min);
        }
        return number(key, key.range.min) + " to " + number(key, key.range.max);
    }
    if (key.type == KeyType::boolean) {
        return "`true`, `false`";
    }
    return "";
}

}  // namespace

std::string IntRange::describe() const {
    if (max == std::numeric_limits<std::int64_t>::max()) {
        return "at least " + std::to_string(min);
    }
    return std::to_string(min) + " to " + std::to_string(max);
}

std::vector<std::string_view> key_names(std::span<ConfigKey const> keys) {
    std::vector<std::string_view> names;
    for (ConfigKey const& key : keys) {
        names.push_back(key.name);
    }
    return names;
}

ConfigKey const* find_key(std::span<ConfigKey const> keys, std::string_view name) {
    auto const it = std::find_if(keys.begin(), keys.end(),
                                 [name](ConfigKey const& key) { return key.name == name; });
    return it == keys.end() ? nullptr : &*it;
}

std::string_view type_name(KeyType type) {
    switch (type) {
        case KeyType::string:
            return "string";
        case KeyType::integer:
            return "integer";
        case KeyType::boolean:
            return "boolean";
        case KeyType::strings:
            return "array of strings";
        case KeyType::table:
            return "table";
    }
    return "?";
}

// Appended in steps: `"`" + text` trips GCC 12's false -Wrestrict at -O3.
std::string in_backticks(std::string_view text) {
    std::string quoted = "`";
    quoted += text;
    quoted += '`';
    return quoted;
}

KeyRow key_row(ConfigKey const& key) {
    return KeyRow{in_backticks(key.name), std::string(type_name(key.type)), default_words(key),
                  allowed_words(key), std::string(key.description)};
}

std::string markdown_table(std::span<KeyRow const> rows) {
    std::string table =
        "| key | type | default | allowed values | what it sets |\n|---|---|---|---|---|\n";
    for (KeyRow const& row : rows) {
        table += "| " + row.name + " | " + row.type + " | " + row.default_value + " | " +
                 row.allowed + " | " + row.description + " |\n";
    }
    return table;
}

}  // namespace callsink
