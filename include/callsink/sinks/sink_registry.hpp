// Every sink type callsink has, by the `type` name a [[sinks]] table gives it, in one list (the
// registration lines in sink_registry.cpp). A sink type is one folder under sinks/ that owns its
// options: it declares its table's keys once (config/config_key.hpp), reads its table through the
// ConfigTable the config layer hands it, and says how to open its destination. The configuration
// loader knows no sink's keys, and the pipeline knows only the Sink interface. The [rejects] table
// is read here too: it is a file sink's.
//
// Start-up only; nothing here runs per delivery.
#pragma once

#include <spdlog/logger.h>

#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/config/config_table.hpp"
#include "callsink/sinks/sink.hpp"

namespace callsink {

// What opening a sink may need from the daemon.
struct SinkContext {
    std::shared_ptr<spdlog::logger> logger;
};

// A destination that no two sinks may share, such as a file: `resource` identifies it, `key`
// names the setting that chose it ("sinks[1].path"), `shown` is how a message shows it.
struct SinkClaim {
    std::string resource;
    std::string key;
    std::string shown;
    std::string_view noun;  // "a file"
};

// One sink's table, read and checked; the destination is opened later, once the whole file is
// known to be valid (so --check never opens anything).
class SinkSettings {
  public:
    virtual ~SinkSettings() = default;

    // What no other sink may share; none by default.
    virtual std::vector<SinkClaim> claims() const { return {}; }

    // Opens the destination. Throws, naming the key and what to do, when it cannot.
    virtual std::unique_ptr<Sink> open(SinkContext const& context) const = 0;
};

// The settings of a sink type whose table has no keys of its own: `open` builds the sink.
std::unique_ptr<SinkSettings> settings_without_options(
    std::unique_ptr<Sink> (*open)(SinkContext const& context));

struct SinkType {
    std::string_view name;            // `type = "file"`
    std::span<ConfigKey const> keys;  // its table's own keys, besides type, required, delivery
    bool required_by_default;         // whether a reply waits for it unless told
    // Reads the sink's own keys (check_keys has been called). Throws ConfigError.
    std::unique_ptr<SinkSettings> (*read)(ConfigTable const& table);
    // Whether it may be forwarded from the journal (delivery = "journal"): a sink across a
    // network, which an outage takes away while the local disk stays.
    bool forwardable = false;
};

// How records reach a sink ([[sinks]] delivery).
enum class SinkDelivery {
    direct,   // the pipeline writes to it; a required one holds the reply
    journal,  // forwarded from the journal; the reply waits for the journal only
};

// The keys every sink's table has, whatever its type: type, required and delivery.
std::span<ConfigKey const> common_sink_keys();

// Those keys as the reference shows them: `type` takes the name of every sink type built in,
// and `required` defaults by type.
std::vector<KeyRow> common_sink_key_rows();

std::span<SinkType const> sink_types();

// nullptr for a name no sink type has.
SinkType const* find_sink_type(std::string_view name);

// One configured sink: its [[sinks]] table, read.
struct SinkConfig {
    SinkType const* type = nullptr;
    bool required = true;  // the reply waits for this sink
    std::shared_ptr<SinkSettings const> settings;
    SinkDelivery delivery = SinkDelivery::direct;
    std::string delivery_key;  // names `delivery` in messages: "sinks[1].delivery"
};

// Reads one [[sinks]] table: `type` (required), `required`, `delivery`, then the type's own keys;
// any other key is an error naming it ("sinks[1].pathh: unknown key"). `delivery = "journal"` on
// a type that is not forwardable, or with `required = false`, is an error naming the key.
SinkConfig read_sink_config(ConfigTable const& table);

// Reads the [rejects] table, where deliveries that are not valid events go: a file sink, with a
// default path. nullptr (no such table) gives the defaults.
SinkConfig read_rejects_table(ConfigTable const* table);

// Opens every configured sink, a best-effort one behind a BufferedSink (buffered_sink.hpp) so
// it never holds a reply up.
std::vector<SinkSlot> open_sinks(std::span<SinkConfig const> configs, SinkContext const& context);

}  // namespace callsink
