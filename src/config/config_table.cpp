// The checks every table shares, written once over the virtual getters.
#include "callsink/config/config_table.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace callsink {
namespace {

// Edit distance, to suggest "listen" for "listn". Keys are short, so the quadratic cost is moot.
std::size_t edit_distance(std::string_view a, std::string_view b) {
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

}  // namespace

GetEnv process_environment() {
    return [](std::string const& name) -> std::optional<std::string> {
        char const* value = std::getenv(name.c_str());
        return value ? std::optional<std::string>(value) : std::nullopt;
    };
}

std::string in_quotes(std::string_view text) {
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

std::string alternatives(std::vector<std::string> const& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) {
            out += i + 1 == names.size() ? " or " : ", ";
        }
        out += names[i];
    }
    return out;
}

void ConfigTable::fail(std::string_view key, std::string const& problem) const {
    throw ConfigError(key_of(key), problem);
}

void ConfigTable::allow_only(std::span<std::string_view const> known, std::string_view what) const {
    bool const top_level = is_root();
    for (std::string const& name : keys()) {
        if (std::find(known.begin(), known.end(), name) != known.end()) {
            continue;
        }
        std::string problem = top_level ? "unknown table or key" : "unknown key";
        auto const closest = std::min_element(known.begin(), known.end(), [&](auto a, auto b) {
            return edit_distance(name, a) < edit_distance(name, b);
        });
        if (closest != known.end() && edit_distance(name, *closest) <= 2) {
            problem += " (did you mean " + in_quotes(*closest) + "?)";
        }
        problem += top_level
                       ? "; known top-level tables: "
                       : "; known keys of " + (what.empty() ? label() : std::string(what)) + ": ";
        for (auto it = known.begin(); it != known.end(); ++it) {
            problem += (it == known.begin() ? "" : ", ") + std::string(*it);
        }
        fail(name, problem);
    }
}

void ConfigTable::check_keys(std::span<ConfigKey const> keys, std::string_view what) const {
    allow_only(key_names(keys), what);
    for (ConfigKey const& key : keys) {
        switch (key.type) {
            case KeyType::string:
                string(key.name);
                break;
            case KeyType::integer:
                integer(key.name, key.range);
                break;
            case KeyType::boolean:
                boolean(key.name);
                break;
            case KeyType::strings:
                strings(key.name);
                break;
            case KeyType::table:
                table(key.name, "");
                break;
        }
    }
}

void ConfigTable::expect_type(ConfigKey const& key, KeyType type) {
    if (key.type != type) {
        throw std::logic_error("config key " + std::string(key.name) + " is declared as " +
                               std::string(type_name(key.type)) + ", read as " +
                               std::string(type_name(type)));
    }
}

std::optional<std::string> ConfigTable::string(ConfigKey const& key) const {
    expect_type(key, KeyType::string);
    return string(key.name);
}

std::optional<std::string> ConfigTable::non_empty_string(ConfigKey const& key) const {
    expect_type(key, KeyType::string);
    return non_empty_string(key.name);
}

std::optional<bool> ConfigTable::boolean(ConfigKey const& key) const {
    expect_type(key, KeyType::boolean);
    return boolean(key.name);
}

std::optional<std::int64_t> ConfigTable::integer(ConfigKey const& key) const {
    expect_type(key, KeyType::integer);
    return integer(key.name, key.range);
}

std::optional<std::vector<std::string>> ConfigTable::strings(ConfigKey const& key) const {
    expect_type(key, KeyType::strings);
    return strings(key.name);
}

std::optional<std::filesystem::path> ConfigTable::file_path(ConfigKey const& key) const {
    expect_type(key, KeyType::string);
    return file_path(key.name);
}

std::optional<std::string> ConfigTable::non_empty_string(std::string_view key) const {
    auto value = string(key);
    if (value && value->empty()) {
        fail(key, "must not be empty");
    }
    return value;
}

std::optional<std::filesystem::path> ConfigTable::file_path(std::string_view key) const {
    auto text = non_empty_string(key);
    if (!text) {
        return std::nullopt;
    }
    std::filesystem::path path(*text);
    if (path.is_relative()) {
        path = base_dir() / path;
    }
    path = path.lexically_normal();
    if (!path.has_filename()) {
        fail(key, in_quotes(*text) + " names a folder; expected a file");
    }
    return path;
}

std::string ConfigTable::environment_value(std::string_view key, std::string const& name,
                                           std::string const& why) const {
    auto value = environment(name);
    if (!value) {
        fail(key, "environment variable " + name + " is not set" + why);
    }
    if (value->empty()) {
        fail(key, "environment variable " + name + " is empty" + why);
    }
    return *value;
}

}  // namespace callsink
