// A kafka sink's table ([[sinks]] type = "kafka"): where records go (brokers, a topic that may
// name the event type), what keys them, how long a delivery may wait for the broker, and any
// librdkafka property passed through as is or from an environment variable. Everything is
// checked when the file is read, librdkafka's own properties by librdkafka itself, so --check
// reports a misspelt property without connecting to anything.
//
// Start-up only.
#pragma once

#include <librdkafka/rdkafka.h>

#include <array>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callsink/config/config_table.hpp"
#include "callsink/sinks/sink_registry.hpp"

namespace callsink {

// What a message's key is, so that one session's events stay in one partition, in order.
enum class KafkaKey { session_id, event_id, none };

struct KafkaProperty {
    std::string name;
    std::string value;
    std::string key;      // where it was set, for messages: sinks[0].librdkafka."compression.type"
    bool secret = false;  // from the environment: never shown
};

struct KafkaSinkOptions {
    std::string brokers;
    std::string topic = "callsink.events";  // may contain {eventType}
    KafkaKey key = KafkaKey::session_id;
    std::chrono::milliseconds delivery_timeout{5000};
    std::vector<KafkaProperty> properties;  // passed through after callsink's defaults
    std::string brokers_key = "brokers";    // for messages: sinks[0].brokers
};

// The topic a record of `event_type` goes to: the template with {eventType} replaced.
std::string kafka_topic(std::string_view topic_template, std::string_view event_type);

// `text` (a message of librdkafka's, which may quote a value) with the value of every secret
// property replaced by "(hidden)".
std::string hide_secrets(std::string text, std::span<KafkaProperty const> properties);

struct KafkaConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, KafkaConfDeleter>;

// The producer's configuration: callsink's defaults (acks from every in-sync replica, the
// idempotent producer, message.timeout.ms = delivery_timeout_ms), then the passed-through
// properties. Throws ConfigError naming the property's key when librdkafka refuses it.
KafkaConf make_kafka_conf(KafkaSinkOptions const& options);

// The options of a kafka sink's settings; nullptr for another sink type's.
KafkaSinkOptions const* kafka_sink_options(SinkSettings const& settings);

// type = "kafka": required by default, since a 200 then means the broker has the record.
SinkType kafka_sink_type();

}  // namespace callsink
