// ConfigTable over toml++. Each table knows its dotted name, so every message names the exact key.
#include "callsink/config/toml_table.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <utility>

namespace callsink {
namespace {

std::string type_name(toml::node const& node) {
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

bool is_bare_key(std::string_view key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

struct Context {
    std::filesystem::path base_dir;
    GetEnv getenv;
};

class TomlTable final : public ConfigTable {
  public:
    // `path` is the table's dotted name ("server", "sinks[0]"), empty for the top level.
    TomlTable(toml::table const& table, std::string path, std::string label, Context const& context)
        : table_(table), path_(std::move(path)), label_(std::move(label)), context_(context) {}

    std::string key_of(std::string_view key) const override {
        std::string const name = is_bare_key(key) ? std::string(key) : in_quotes(key);
        return path_.empty() ? name : path_ + "." + name;
    }

    std::string const& label() const override { return label_; }
    bool is_root() const override { return path_.empty(); }

    bool has(std::string_view key) const override { return table_.contains(key); }

    std::vector<std::string> keys() const override {
        std::vector<std::string> names;
        for (auto const& [key, node] : table_) {
            names.emplace_back(key.str());
        }
        return names;
    }

    std::optional<std::string> string(std::string_view key) const override {
        auto const* value = typed<std::string>(key, "a string");
        return value ? std::optional<std::string>(value->get()) : std::nullopt;
    }

    std::optional<bool> boolean(std::string_view key) const override {
        auto const* value = typed<bool>(key, "a boolean (true or false)");
        return value ? std::optional<bool>(value->get()) : std::nullopt;
    }

    std::optional<std::string> scalar(std::string_view key) const override {
        toml::node const* node = table_.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (auto const* text = node->as_string()) {
            return text->get();
        }
        if (auto const* number = node->as_integer()) {
            return std::to_string(number->get());
        }
        if (auto const* flag = node->as_boolean()) {
            return flag->get() ? "true" : "false";
        }
        fail(key, "expected a string, an integer or a boolean, got " + type_name(*node));
    }

    std::optional<std::int64_t> integer(std::string_view key, IntRange range) const override {
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

    std::optional<std::vector<std::string>> strings(std::string_view key) const override {
        auto const* items = typed<toml::array>(key, "an array");
        if (items == nullptr) {
            return std::nullopt;
        }
        std::vector<std::string> values;
        for (std::size_t i = 0; i < items->size(); ++i) {
            toml::node const& item = (*items)[i];
            auto const* text = item.as_string();
            if (text == nullptr) {
                throw ConfigError(key_of(key) + "[" + std::to_string(i) + "]",
                                  "expected a string, got " + type_name(item));
            }
            values.push_back(text->get());
        }
        return values;
    }

    std::unique_ptr<ConfigTable> table(std::string_view key, std::string label) const override {
        auto const* nested = typed<toml::table>(key, "a table");
        if (nested == nullptr) {
            return nullptr;
        }
        return std::make_unique<TomlTable>(*nested, key_of(key), std::move(label), context_);
    }

    std::optional<std::string> environment(std::string const& name) const override {
        return context_.getenv(name);
    }

    std::filesystem::path const& base_dir() const override { return context_.base_dir; }

  private:
    // The node of `key` as T (a toml::value<…>, table or array); nullptr when absent.
    template <class T>
    auto typed(std::string_view key, std::string_view expected) const
        -> decltype(std::declval<toml::node const&>().as<T>()) {
        toml::node const* node = table_.get(key);
        if (node == nullptr) {
            return nullptr;
        }
        if (auto const* as_t = node->as<T>()) {
            return as_t;
        }
        fail(key, "expected " + std::string(expected) + ", got " + type_name(*node));
    }

    toml::table const& table_;
    std::string path_;
    std::string label_;
    Context const& context_;
};

toml::table parse_toml(std::string_view text, std::string const& source) {
    try {
        return toml::parse(text, source);
    } catch (toml::parse_error const& error) {
        auto const& begin = error.source().begin;
        throw ConfigError("", source + ":" + std::to_string(begin.line) + ":" +
                                  std::to_string(begin.column) + ": " +
                                  std::string(error.description()));
    }
}

}  // namespace

struct TomlDocument::State {
    toml::table document;
    Context context;
    TomlTable root;

    State(toml::table parsed, Context context_in)
        : document(std::move(parsed)),
          context(std::move(context_in)),
          root(document, "", "the file", context) {}
};

TomlDocument::TomlDocument(std::string_view text, std::string const& source,
                           std::filesystem::path base_dir, GetEnv getenv)
    : state_(std::make_unique<State>(parse_toml(text, source),
                                     Context{std::move(base_dir), std::move(getenv)})) {}

TomlDocument::~TomlDocument() = default;

ConfigTable const& TomlDocument::root() const {
    return state_->root;
}

std::vector<std::unique_ptr<ConfigTable>> TomlDocument::table_array(
    std::string_view key, std::string const& label) const {
    std::vector<std::unique_ptr<ConfigTable>> tables;
    toml::node const* node = state_->document.get(key);
    if (node == nullptr) {
        return tables;
    }
    toml::array const* items = node->as_array();
    if (items == nullptr) {
        state_->root.fail(key,
                          "expected an array of tables (" + label + "), got " + type_name(*node));
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
        std::string name = state_->root.key_of(key) + "[" + std::to_string(i) + "]";
        toml::node const& item = (*items)[i];
        if (item.as_table() == nullptr) {
            throw ConfigError(name, "expected a table, got " + type_name(item));
        }
        tables.push_back(
            std::make_unique<TomlTable>(*item.as_table(), std::move(name), label, state_->context));
    }
    return tables;
}

}  // namespace callsink
