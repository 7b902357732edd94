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

}  // namespace

std::unique_ptr<SinkSettings> settings_without_options(
    std::unique_ptr<Sink> (*open)(SinkContext const& context)) {
    return std::make_unique<SettingsWithoutOptions>(open);
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
    auto const name = table.string("type");
    if (!name) {
        // A misspelt `type` ("tpye") is better named as that than as a missing type.
        std::vector<std::string_view> any_keys(kCommonSinkKeys.begin(), kCommonSinkKeys.end());
        for (SinkType const& type : kSinkTypes) {
            any_keys.insert(any_keys.end(), type.keys.begin(), type.keys.end());
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
    std::vector<std::string_view> keys(kCommonSinkKeys.begin(), kCommonSinkKeys.end());
    keys.insert(keys.end(), type->keys.begin(), type->keys.end());
    table.allow_only(keys, "a " + in_quotes(type->name) + " sink");
    SinkConfig config;
    config.type = type;
    config.required = table.boolean("required").value_or(type->required_by_default);
    config.settings = type->read(table);
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
