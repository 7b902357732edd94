#include "callsink/sinks/sink_registry.hpp"

#include <algorithm>
#include <array>

#include "callsink/sinks/buffered_sink.hpp"
#include "callsink/sinks/file/file_sink.hpp"
#include "callsink/sinks/log/log_sink.hpp"
#include "callsink/sinks/stdout/stdout_sink.hpp"
#if CALLSINK_WITH_KAFKA
#include "callsink/sinks/kafka/kafka_settings.hpp"
#endif
#if CALLSINK_WITH_POSTGRES
#include "callsink/sinks/postgres/postgres_settings.hpp"
#endif

namespace callsink {
namespace {

// The registration lines: one per sink type, in the order messages list them. A sink that
// needs a library of its own can be left out of the build (-DCALLSINK_KAFKA=OFF,
// -DCALLSINK_POSTGRES=OFF); its name stays known, so a configuration naming it is told why.
auto const kSinkTypes = std::to_array<SinkType>({
    file_sink_type(), stdout_sink_type(), log_sink_type(),
#if CALLSINK_WITH_KAFKA
        kafka_sink_type(),
#endif
#if CALLSINK_WITH_POSTGRES
        postgres_sink_type(),
#endif
});

struct LeftOut {
    std::string_view name;
    std::string_view option;
};
constexpr auto kLeftOutSinkTypes = std::to_array<LeftOut>({
#if !CALLSINK_WITH_KAFKA
    {"kafka", "CALLSINK_KAFKA"},
#endif
#if !CALLSINK_WITH_POSTGRES
        {"postgres", "CALLSINK_POSTGRES"},
#endif
        {"", ""},  // so that the array is never empty
});

constexpr ConfigKey kTypeKey =
    ConfigKey("type", KeyType::string)
        .as_required()
        .with_description("the kind of sink, which decides the table's other keys");
constexpr ConfigKey kRequiredKey = ConfigKey("required", KeyType::boolean)
                                       .with_description("whether the reply waits for this sink");
constexpr std::array<Choice<SinkDelivery>, 2> kDeliveries{{
    {"direct", SinkDelivery::direct},
    {"journal", SinkDelivery::journal},
}};
constexpr auto kDeliveryNames = choice_names_of(kDeliveries);
constexpr ConfigKey kDeliveryKey =
    ConfigKey("delivery", KeyType::string)
        .with_default("\"direct\"")
        .with_choices(kDeliveryNames)
        .with_description("written by the pipeline, or forwarded from the `[journal]`");
constexpr std::array<ConfigKey, 3> kCommonSinkKeys{kTypeKey, kRequiredKey, kDeliveryKey};

// Records a best-effort sink may fall behind by before its records are dropped: about 10 MB of
// typical 8x8 events, and seconds of traffic at full speed.
constexpr std::size_t kBestEffortBuffer = 10'000;

class SettingsWithoutOptions final : public SinkSettings {
  public:
    explicit SettingsWithoutOptions(std::unique_ptr<Sink> (*open)(SinkContext const&))
        : open_(open) {}

    std::unique_ptr<Sink> open(SinkContext const& context) const override { return open_(context); }

  private:
    std::unique_ptr<Sink> (*open_)(SinkContext const&);
};

std::string type_names() {
    std::vector<std::string> names;
    for (SinkType const& type : kSinkTypes) {
        names.push_back(in_quotes(type.name));
    }
    return alternatives(names);
}

// "`\"file\"`, `\"kafka\"` and `\"postgres\"`": the types for which `has` holds, in markdown
// or, for a message, without the backticks.
std::string types_where(bool (*has)(SinkType const&), bool markdown = true) {
    std::vector<std::string> names;
    for (SinkType const& type : kSinkTypes) {
        if (has(type)) {
            names.push_back(markdown ? in_backticks(in_quotes(type.name)) : in_quotes(type.name));
        }
    }
    std::string words;
    for (std::size_t i = 0; i < names.size(); ++i) {
        words += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    }
    return words;
}

std::string types_required_by_default(bool value) {
    return value ? types_where([](SinkType const& type) { return type.required_by_default; })
                 : types_where([](SinkType const& type) { return !type.required_by_default; });
}

std::string forwardable_types(bool markdown = true) {
    return types_where([](SinkType const& type) { return type.forwardable; }, markdown);
}

}  // namespace

std::unique_ptr<SinkSettings> settings_without_options(
    std::unique_ptr<Sink> (*open)(SinkContext const& context)) {
    return std::make_unique<SettingsWithoutOptions>(open);
}

std::span<ConfigKey const> common_sink_keys() {
    return kCommonSinkKeys;
}

std::vector<KeyRow> common_sink_key_rows() {
    KeyRow type = key_row(kTypeKey);
    type.allowed.clear();
    for (SinkType const& each : kSinkTypes) {
        type.allowed += (type.allowed.empty() ? "`" : ", `") + in_quotes(each.name) + "`";
    }
    KeyRow required = key_row(kRequiredKey);
    required.default_value = "`true` for " + types_required_by_default(true) + ", `false` for " +
                             types_required_by_default(false);
    KeyRow delivery = key_row(kDeliveryKey);
    delivery.allowed += " (`\"journal\"`: " + forwardable_types() + " only)";
    return {type, required, delivery};
}

std::span<SinkType const> sink_types() {
    return kSinkTypes;
}

SinkType const* find_sink_type(std::string_view name) {
    auto const it = std::find_if(kSinkTypes.begin(), kSinkTypes.end(),
                                 [name](SinkType const& type) { return type.name == name; });
    return it == kSinkTypes.end() ? nullptr : &*it;
}

SinkConfig read_sink_config(ConfigTable const& table) {
    auto const name = table.string(kTypeKey);
    if (!name) {
        // A misspelt `type` ("tpye") is better named as that than as a missing type.
        std::vector<std::string_view> any_keys = key_names(kCommonSinkKeys);
        for (SinkType const& type : kSinkTypes) {
            auto const names = key_names(type.keys);
            any_keys.insert(any_keys.end(), names.begin(), names.end());
        }
        table.allow_only(any_keys);
        table.fail("type", "required; expected " + type_names());
    }
    SinkType const* type = find_sink_type(*name);
    if (type == nullptr) {
        for (LeftOut const& left_out : kLeftOutSinkTypes) {
            if (!left_out.name.empty() && left_out.name == *name) {
                table.fail("type", "this callsink was built without the " + in_quotes(*name) +
                                       " sink (-D" + std::string(left_out.option) +
                                       "=OFF); use a build that has it, or one of " + type_names());
            }
        }
        table.fail("type", "unknown sink type " + in_quotes(*name) + "; expected " + type_names());
    }
    std::vector<ConfigKey> keys(kCommonSinkKeys.begin(), kCommonSinkKeys.end());
    keys.insert(keys.end(), type->keys.begin(), type->keys.end());
    table.check_keys(keys, "a " + in_quotes(type->name) + " sink");
    SinkConfig config;
    config.type = type;
    config.required = table.boolean(kRequiredKey).value_or(type->required_by_default);
    set_if_present(config.delivery, table.choice(kDeliveryKey, kDeliveries, "delivery"));
    config.delivery_key = table.key_of(kDeliveryKey.name);
    if (config.delivery == SinkDelivery::journal && !type->forwardable) {
        table.fail(kDeliveryKey.name, "a " + in_quotes(type->name) +
                                          " sink cannot be forwarded from the journal; only " +
                                          forwardable_types(false) +
                                          " sinks can, or use delivery = \"direct\"");
    }
    if (config.delivery == SinkDelivery::journal && !config.required) {
        table.fail(kRequiredKey.name,
                   "a sink forwarded from the journal is never dropped from, so required = false "
                   "means nothing for it; remove required, or use delivery = \"direct\" for a "
                   "best-effort sink");
    }
    config.settings = type->read(table);
    return config;
}

SinkConfig read_rejects_table(ConfigTable const* table) {
    FileSinkOptions options = read_rejects_file_options(table);
    std::string key = table == nullptr ? "rejects.path" : table->key_of("path");
    SinkConfig config;
    config.type = find_sink_type("file");
    config.settings = file_sink_settings(std::move(options), std::move(key));
    return config;
}

std::vector<SinkSlot> open_sinks(std::span<SinkConfig const> configs, SinkContext const& context) {
    std::vector<SinkSlot> slots;
    for (SinkConfig const& config : configs) {
        std::unique_ptr<Sink> sink = config.settings->open(context);
        if (!config.required) {
            sink =
                std::make_unique<BufferedSink>(std::move(sink), kBestEffortBuffer, context.logger);
        }
        slots.push_back(SinkSlot{std::move(sink), config.required});
    }
    return slots;
}

}  // namespace callsink
