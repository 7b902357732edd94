#include "callsink/sinks/kafka/kafka_settings.hpp"

#include <algorithm>
#include <cstdint>

#include "callsink/sinks/kafka/kafka_sink.hpp"

namespace callsink {
namespace {

constexpr std::string_view kPlaceholder = "{eventType}";

constexpr std::array<Choice<KafkaKey>, 3> kKeys{{
    {"sessionId", KafkaKey::session_id},
    {"eventId", KafkaKey::event_id},
    {"none", KafkaKey::none},
}};
constexpr auto kKeyNames = choice_names_of(kKeys);

constexpr ConfigKey kBrokers = ConfigKey("brokers", KeyType::string)
                                   .as_required()
                                   .with_allowed("bootstrap servers, `\"host:port,host:port\"`")
                                   .with_description("the Kafka cluster to produce to");
constexpr ConfigKey kTopic =
    ConfigKey("topic", KeyType::string)
        .with_default("\"callsink.events\"")
        .with_allowed("a topic name; `{eventType}` is replaced by the event's type")
        .with_description("the topic each record goes to");
constexpr ConfigKey kKey =
    ConfigKey("key", KeyType::string)
        .with_default("\"sessionId\"")
        .with_choices(kKeyNames)
        .with_description("what keys each message, so that one session stays in one partition");
constexpr ConfigKey kDeliveryTimeoutMs =
    ConfigKey("delivery_timeout_ms", KeyType::integer)
        .with_default("5000")
        .with_range({100, 600'000})
        .with_description("how long a record may wait for the broker's acknowledgement");
constexpr ConfigKey kLibrdkafka =
    ConfigKey("librdkafka", KeyType::table)
        .with_default("{}")
        .with_allowed("librdkafka properties and their values")
        .with_description("librdkafka properties, passed through as strings");
constexpr ConfigKey kLibrdkafkaEnv =
    ConfigKey("librdkafka_env", KeyType::table)
        .with_default("{}")
        .with_allowed("librdkafka properties and the names of environment variables")
        .with_description("librdkafka properties whose values are secrets in the environment");
constexpr std::array<ConfigKey, 6> kKafkaSinkKeys{kBrokers,           kTopic,      kKey,
                                                  kDeliveryTimeoutMs, kLibrdkafka, kLibrdkafkaEnv};

// Properties that callsink sets from its own keys; setting them twice would leave one of the two
// silently ignored.
struct OwnedProperty {
    std::string_view name;
    std::string_view instead;
};
constexpr std::array<OwnedProperty, 5> kOwnedProperties{{
    {"bootstrap.servers", "brokers"},
    {"metadata.broker.list", "brokers"},
    {"message.timeout.ms", "delivery_timeout_ms"},
    {"delivery.timeout.ms", "delivery_timeout_ms"},
    {"statistics.interval.ms", ""},
}};

// Anything in braces must be the one placeholder: "{eventtype}" is a typo, not a topic name.
void check_topic(ConfigTable const& table, std::string const& topic) {
    if (topic.empty()) {
        table.fail("topic", "must not be empty");
    }
    for (std::size_t open = topic.find('{'); open != std::string::npos;
         open = topic.find('{', open + 1)) {
        if (topic.compare(open, kPlaceholder.size(), kPlaceholder) != 0) {
            std::size_t const close = topic.find('}', open);
            std::string const found = topic.substr(
                open, close == std::string::npos ? std::string::npos : close - open + 1);
            table.fail("topic", "unknown placeholder " + in_quotes(found) + " in " +
                                    in_quotes(topic) + "; the only one is {eventType}");
        }
    }
    if (topic.find('}') != std::string::npos && std::count(topic.begin(), topic.end(), '}') !=
                                                    std::count(topic.begin(), topic.end(), '{')) {
        table.fail("topic", "a '}' without its '{' in " + in_quotes(topic));
    }
}

void set_property(rd_kafka_conf_t* conf, KafkaProperty const& property) {
    char error[512];
    if (rd_kafka_conf_set(conf, property.name.c_str(), property.value.c_str(), error,
                          sizeof error) == RD_KAFKA_CONF_OK) {
        return;
    }
    // librdkafka quotes a refused value; one from the environment is a secret.
    throw ConfigError(property.key, "librdkafka: " + hide_secrets(error, std::span(&property, 1)));
}

void read_properties(ConfigTable const& table, std::string_view name, bool from_environment,
                     KafkaSinkOptions& options) {
    auto const nested = table.table(name, "[sinks." + std::string(name) + "]");
    if (!nested) {
        return;
    }
    for (std::string const& property : nested->keys()) {
        auto const owned =
            std::find_if(kOwnedProperties.begin(), kOwnedProperties.end(),
                         [&](OwnedProperty const& each) { return each.name == property; });
        if (owned != kOwnedProperties.end()) {
            nested->fail(property, owned->instead.empty()
                                       ? std::string("set by callsink; it cannot be changed")
                                       : "set by callsink from " + table.key_of(owned->instead) +
                                             "; use that key");
        }
        KafkaProperty value{property, "", nested->key_of(property), from_environment};
        if (from_environment) {
            auto const variable = nested->string(property);
            if (!variable || variable->empty()) {
                nested->fail(property, "must name an environment variable");
            }
            value.value = nested->environment_value(
                property, *variable, "; it must hold the value of librdkafka property " + property);
        } else {
            value.value = *nested->scalar(property);
        }
        if (std::any_of(options.properties.begin(), options.properties.end(),
                        [&](KafkaProperty const& each) { return each.name == property; })) {
            nested->fail(property, "also set in the other of librdkafka and librdkafka_env");
        }
        options.properties.push_back(std::move(value));
    }
}

class KafkaSinkSettings final : public SinkSettings {
  public:
    explicit KafkaSinkSettings(KafkaSinkOptions options) : options_(std::move(options)) {}

    std::unique_ptr<Sink> open(SinkContext const& context) const override {
        return std::make_unique<KafkaSink>(options_, context.logger);
    }

    KafkaSinkOptions const& options() const { return options_; }

  private:
    KafkaSinkOptions options_;
};

std::unique_ptr<SinkSettings> read_kafka_sink(ConfigTable const& table) {
    KafkaSinkOptions options;
    auto const brokers = table.string(kBrokers);
    if (!brokers) {
        table.fail(kBrokers.name,
                   "required: the bootstrap servers, e.g. \"kafka-1:9092,kafka-2:9092\"");
    }
    if (brokers->find_first_not_of(" ,\t") == std::string::npos) {
        table.fail(kBrokers.name, "must name at least one broker, e.g. \"kafka-1:9092\"");
    }
    options.brokers = *brokers;
    options.brokers_key = table.key_of(kBrokers.name);
    if (auto topic = table.string(kTopic)) {
        options.topic = *topic;
    }
    check_topic(table, options.topic);
    if (auto key = table.choice(kKey, kKeys, "key")) {
        options.key = *key;
    }
    if (auto timeout = table.integer(kDeliveryTimeoutMs)) {
        options.delivery_timeout = std::chrono::milliseconds(*timeout);
    }
    read_properties(table, kLibrdkafka.name, false, options);
    read_properties(table, kLibrdkafkaEnv.name, true, options);
    make_kafka_conf(options);  // librdkafka checks every property now, not at the first delivery
    return std::make_unique<KafkaSinkSettings>(std::move(options));
}

}  // namespace

std::string hide_secrets(std::string text, std::span<KafkaProperty const> properties) {
    constexpr std::string_view kHidden = "(hidden)";
    for (KafkaProperty const& property : properties) {
        if (!property.secret || property.value.empty()) {
            continue;
        }
        // Searched for again after the replacement, which may contain the value ("hidden").
        for (std::size_t at = text.find(property.value); at != std::string::npos;
             at = text.find(property.value, at + kHidden.size())) {
            text.replace(at, property.value.size(), kHidden);
        }
    }
    return text;
}

std::string kafka_topic(std::string_view topic_template, std::string_view event_type) {
    std::string topic(topic_template);
    for (std::size_t at = topic.find(kPlaceholder); at != std::string::npos;
         at = topic.find(kPlaceholder, at + event_type.size())) {
        topic.replace(at, kPlaceholder.size(), event_type);
    }
    return topic;
}

KafkaConf make_kafka_conf(KafkaSinkOptions const& options) {
    KafkaConf conf(rd_kafka_conf_new());
    auto const set = [&](std::string name, std::string value, std::string key) {
        set_property(conf.get(), KafkaProperty{std::move(name), std::move(value), std::move(key)});
    };
    set("bootstrap.servers", options.brokers, options.brokers_key);
    set("message.timeout.ms", std::to_string(options.delivery_timeout.count()),
        "delivery_timeout_ms");
    // A 200 means every in-sync replica has the record, written once even when a request is
    // retried; the user may relax either below.
    set("enable.idempotence", "true", "enable.idempotence");
    set("acks", "all", "acks");
    // The pipeline batches already; a batch waits for its acknowledgement, so lingering only
    // adds latency.
    set("linger.ms", "0", "linger.ms");
    // A batch's messages go to a broker as several produce requests in flight at once. With
    // Nagle's algorithm a request waits for the broker to acknowledge the one before at the TCP
    // level, which a broker that delays its ACKs (Linux: up to 40 ms) does only with its
    // response, after the replicas have the record. librdkafka writes whole requests, so there
    // is nothing small for Nagle to coalesce.
    set("socket.nagle.disable", "true", "socket.nagle.disable");
    // After an outage a broker is tried again within a second, not librdkafka's 10 s: /readyz
    // turns 200 when a broker answers, and the partition leaders should be back by then too.
    set("reconnect.backoff.max.ms", "1000", "reconnect.backoff.max.ms");
    // The broker states behind GET /readyz (kafka_sink.hpp).
    set("statistics.interval.ms", "1000", "statistics.interval.ms");
    // A topic that does not exist fails its messages once librdkafka has waited this long for it
    // to appear (30 s by its default): within the delivery's time, so that the sink is told
    // "unknown topic", which it refuses for good (kafka_refusal.hpp: a dead letter), rather than
    // a timeout (503, retried for ever). Half of it still gives a topic just created time to
    // reach the brokers.
    set("topic.metadata.propagation.max.ms",
        std::to_string(std::max<std::int64_t>(1, options.delivery_timeout.count() / 2)),
        "topic.metadata.propagation.max.ms");
    for (KafkaProperty const& property : options.properties) {
        set_property(conf.get(), property);
    }
    return conf;
}

KafkaSinkOptions const* kafka_sink_options(SinkSettings const& settings) {
    auto const* kafka = dynamic_cast<KafkaSinkSettings const*>(&settings);
    return kafka ? &kafka->options() : nullptr;
}

SinkType kafka_sink_type() {
    return SinkType{"kafka", kKafkaSinkKeys, true, &read_kafka_sink, /*forwardable=*/true};
}

}  // namespace callsink
