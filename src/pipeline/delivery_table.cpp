#include "callsink/pipeline/delivery_table.hpp"

#include <array>

namespace callsink {
namespace {

constexpr std::array<Choice<Durability>, 3> kDurabilities{{
    {"none", Durability::none},
    {"write", Durability::write},
    {"fsync", Durability::fsync},
}};
constexpr auto kDurabilityNames = choice_names_of(kDurabilities);

constexpr ConfigKey kDurability =
    ConfigKey("durability", KeyType::string)
        .with_default("\"write\"")
        .with_choices(kDurabilityNames)
        .with_description("when a delivery is answered `200`: queued, written, or synced");
constexpr ConfigKey kDedupeWindow =
    ConfigKey("dedupe_window", KeyType::integer)
        .with_default("100000")
        .with_range({0, 10'000'000})
        .with_description("stored events remembered to recognise a redelivery; `0`: off");
constexpr ConfigKey kQueueCapacity =
    ConfigKey("queue_capacity", KeyType::integer)
        .with_default("65536")
        .with_range({1, 10'000'000})
        .with_description("records waiting to be written; when full, deliveries get `503`");

constexpr std::array<ConfigKey, 3> kDeliveryKeys{kDurability, kDedupeWindow, kQueueCapacity};

}  // namespace

std::span<ConfigKey const> delivery_table_keys() {
    return kDeliveryKeys;
}

PipelineOptions read_delivery_table(ConfigTable const& table) {
    table.check_keys(kDeliveryKeys);
    PipelineOptions delivery;
    set_if_present(delivery.durability, table.choice(kDurability, kDurabilities));
    set_if_present(delivery.dedupe_window, table.integer(kDedupeWindow));
    set_if_present(delivery.queue_capacity, table.integer(kQueueCapacity));
    return delivery;
}

}  // namespace callsink
