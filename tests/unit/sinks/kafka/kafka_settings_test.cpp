// A kafka sink's table read through the sink registry from a TOML document, as the
// configuration file is: the defaults, each key, the topic template (kafka_topic), every error
// with its exact key and message, the librdkafka properties callsink owns, values from the
// environment, and a secret's value hidden from librdkafka's messages (hide_secrets), including
// those only rd_kafka_new gives.
#include "callsink/sinks/kafka/kafka_settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "callsink/config/config_error.hpp"
#include "callsink/config/toml_table.hpp"
#include "callsink/sinks/sink_registry.hpp"
#include "declared_defaults.hpp"

namespace callsink {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

using Environment = std::map<std::string, std::string>;

GetEnv environment_of(Environment variables) {
    return
        [variables = std::move(variables)](std::string const& name) -> std::optional<std::string> {
            auto const it = variables.find(name);
            return it == variables.end() ? std::nullopt : std::optional<std::string>(it->second);
        };
}

// Every [[sinks]] table of `toml`, read as the configuration file reads them.
std::vector<SinkConfig> read_sinks(std::string const& toml, Environment environment = {}) {
    TomlDocument const document(toml, "callsink.toml", "/etc/callsink",
                                environment_of(std::move(environment)));
    std::vector<SinkConfig> configs;
    for (auto const& table : document.table_array("sinks", "[[sinks]]")) {
        configs.push_back(read_sink_config(*table));
    }
    return configs;
}

// The options of the one kafka sink of `toml`.
KafkaSinkOptions read_kafka(std::string const& toml, Environment environment = {}) {
    auto const configs = read_sinks(toml, std::move(environment));
    EXPECT_EQ(configs.size(), 1u);
    KafkaSinkOptions const* options = kafka_sink_options(*configs.at(0).settings);
    EXPECT_NE(options, nullptr);
    return options ? *options : KafkaSinkOptions{};
}

// "[[sinks]] type = "kafka" brokers = ..." followed by `rest`.
std::string kafka_table(std::string const& rest) {
    return "[[sinks]]\ntype = \"kafka\"\nbrokers = \"kafka-1:9092,kafka-2:9092\"\n" + rest;
}

// The ConfigError that reading `toml` throws.
ConfigError error_reading(std::string const& toml, Environment environment = {}) {
    try {
        read_sinks(toml, std::move(environment));
    } catch (ConfigError const& error) {
        return error;
    }
    ADD_FAILURE() << "no ConfigError for " << toml;
    return ConfigError("", "");
}

// A property's value as librdkafka holds it in `conf`.
std::string conf_value(KafkaConf const& conf, char const* name) {
    char value[512];
    std::size_t size = sizeof value;
    if (rd_kafka_conf_get(conf.get(), name, value, &size) != RD_KAFKA_CONF_OK) {
        ADD_FAILURE() << name << " is not set";
        return "";
    }
    return value;
}

// One secret property whose value is `value`.
std::vector<KafkaProperty> secret(std::string value) {
    return {KafkaProperty{"sasl.password", std::move(value), "sinks[0].librdkafka_env.x", true}};
}

SinkContext test_context() {
    return SinkContext{
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>())};
}

// -- what is read ----------------------------------------------------------------------------

TEST(KafkaSettings, DefaultsForEverythingButTheBrokers) {
    auto const configs = read_sinks("[[sinks]]\ntype = \"kafka\"\nbrokers = \"kafka-1:9092\"\n");
    ASSERT_EQ(configs.size(), 1u);
    EXPECT_EQ(configs[0].type, find_sink_type("kafka"));
    EXPECT_TRUE(configs[0].required);
    EXPECT_TRUE(configs[0].settings->claims().empty());
    KafkaSinkOptions const* options = kafka_sink_options(*configs[0].settings);
    ASSERT_NE(options, nullptr);
    EXPECT_EQ(options->brokers, "kafka-1:9092");
    EXPECT_EQ(options->brokers_key, "sinks[0].brokers");
    EXPECT_EQ(options->topic, "callsink.events");
    EXPECT_EQ(options->key, KafkaKey::session_id);
    EXPECT_EQ(options->delivery_timeout, std::chrono::milliseconds(5000));
    EXPECT_TRUE(options->properties.empty());
}

TEST(KafkaSettings, ReadsEachKey) {
    KafkaSinkOptions const options = read_kafka(
        "[[sinks]]\ntype = \"kafka\"\nrequired = false\nbrokers = \"a:1, b:2\"\n"
        "topic = \"8x8.{eventType}\"\nkey = \"eventId\"\ndelivery_timeout_ms = 2500\n");
    EXPECT_EQ(options.brokers, "a:1, b:2");  // as written: librdkafka reads the list
    EXPECT_EQ(options.topic, "8x8.{eventType}");
    EXPECT_EQ(options.key, KafkaKey::event_id);
    EXPECT_EQ(options.delivery_timeout, std::chrono::milliseconds(2500));
    EXPECT_FALSE(read_sinks(kafka_table("required = false\n"))[0].required);
}

TEST(KafkaSettings, KeyNoneAndTheTimeoutsBounds) {
    EXPECT_EQ(read_kafka(kafka_table("key = \"none\"\n")).key, KafkaKey::none);
    EXPECT_EQ(read_kafka(kafka_table("key = \"sessionId\"\n")).key, KafkaKey::session_id);
    EXPECT_EQ(read_kafka(kafka_table("delivery_timeout_ms = 100\n")).delivery_timeout,
              std::chrono::milliseconds(100));
    EXPECT_EQ(read_kafka(kafka_table("delivery_timeout_ms = 600000\n")).delivery_timeout,
              std::chrono::milliseconds(600000));
}

TEST(KafkaSettings, BrokersKeyNamesTheSinksPlace) {
    auto const configs = read_sinks(
        "[[sinks]]\ntype = \"stdout\"\n[[sinks]]\ntype = \"kafka\"\nbrokers = \"k:9092\"\n");
    ASSERT_EQ(configs.size(), 2u);
    EXPECT_EQ(kafka_sink_options(*configs[0].settings), nullptr);  // another type's settings
    ASSERT_NE(kafka_sink_options(*configs[1].settings), nullptr);
    EXPECT_EQ(kafka_sink_options(*configs[1].settings)->brokers_key, "sinks[1].brokers");
}

TEST(KafkaSettings, LibrdkafkaPropertiesAsStringsWithTheirKeys) {
    KafkaSinkOptions const options = read_kafka(kafka_table(
        "[sinks.librdkafka]\n\"compression.type\" = \"zstd\"\n\"batch.num.messages\" = 500\n"
        "\"enable.idempotence\" = false\n"));
    ASSERT_EQ(options.properties.size(), 3u);
    std::map<std::string, KafkaProperty> by_name;
    for (KafkaProperty const& property : options.properties) {
        by_name[property.name] = property;
        EXPECT_FALSE(property.secret) << property.name;
    }
    EXPECT_EQ(by_name["compression.type"].value, "zstd");
    EXPECT_EQ(by_name["compression.type"].key, "sinks[0].librdkafka.\"compression.type\"");
    EXPECT_EQ(by_name["batch.num.messages"].value, "500");
    EXPECT_EQ(by_name["enable.idempotence"].value, "false");
}

TEST(KafkaSettings, AnInlineTableAndABareKeyToo) {
    KafkaSinkOptions const options =
        read_kafka(kafka_table("librdkafka = { acks = \"1\", \"client.id\" = \"callsink-a\" }\n"));
    ASSERT_EQ(options.properties.size(), 2u);
    for (KafkaProperty const& property : options.properties) {
        if (property.name == "acks") {
            EXPECT_EQ(property.value, "1");
            EXPECT_EQ(property.key, "sinks[0].librdkafka.acks");
        } else {
            EXPECT_EQ(property.name, "client.id");
            EXPECT_EQ(property.value, "callsink-a");
        }
    }
}

TEST(KafkaSettings, EnvironmentValuesAreSecrets) {
    KafkaSinkOptions const options = read_kafka(
        kafka_table("librdkafka = { \"sasl.username\" = \"callsink\" }\n"
                    "librdkafka_env = { \"sasl.password\" = \"CALLSINK_KAFKA_PASSWORD\" }\n"),
        {{"CALLSINK_KAFKA_PASSWORD", "s3cr3t"}});
    ASSERT_EQ(options.properties.size(), 2u);
    KafkaProperty const& user = options.properties[0];
    KafkaProperty const& password = options.properties[1];
    EXPECT_EQ(user.name, "sasl.username");
    EXPECT_FALSE(user.secret);
    EXPECT_EQ(password.name, "sasl.password");
    EXPECT_EQ(password.value, "s3cr3t");
    EXPECT_EQ(password.key, "sinks[0].librdkafka_env.\"sasl.password\"");
    EXPECT_TRUE(password.secret);
}

// -- the topic -------------------------------------------------------------------------------

TEST(KafkaTopic, ReplacesEveryPlaceholderWithTheEventType) {
    EXPECT_EQ(kafka_topic("8x8.{eventType}", "CALL_STATUS"), "8x8.CALL_STATUS");
    EXPECT_EQ(kafka_topic("{eventType}", "SESSION_SUMMARY"), "SESSION_SUMMARY");
    EXPECT_EQ(kafka_topic("{eventType}-{eventType}.v1", "A"), "A-A.v1");
    EXPECT_EQ(kafka_topic("callsink.events", "CALL_STATUS"), "callsink.events");
    EXPECT_EQ(kafka_topic("", "CALL_STATUS"), "");
    // The replacement is not searched again.
    EXPECT_EQ(kafka_topic("x.{eventType}", "{eventType}"), "x.{eventType}");
    EXPECT_EQ(kafka_topic("{eventType}{eventType}", "{eventType}"), "{eventType}{eventType}");
}

// -- errors ----------------------------------------------------------------------------------

TEST(KafkaSettingsErrors, Brokers) {
    EXPECT_STREQ(error_reading("[[sinks]]\ntype = \"kafka\"\n").what(),
                 "sinks[0].brokers: required: the bootstrap servers, e.g. "
                 "\"kafka-1:9092,kafka-2:9092\"");
    for (char const* empty : {"\"\"", "\" \"", "\" , ,\"", "\"\\t\""}) {
        ConfigError const error =
            error_reading(std::string("[[sinks]]\ntype = \"kafka\"\nbrokers = ") + empty + "\n");
        EXPECT_EQ(error.key(), "sinks[0].brokers") << empty;
        EXPECT_STREQ(error.what(),
                     "sinks[0].brokers: must name at least one broker, e.g. \"kafka-1:9092\"")
            << empty;
    }
    EXPECT_STREQ(error_reading("[[sinks]]\ntype = \"kafka\"\nbrokers = 9092\n").what(),
                 "sinks[0].brokers: expected a string, got an integer");
    EXPECT_STREQ(
        error_reading("[[sinks]]\ntype = \"file\"\npath = \"/tmp/x.jsonl\"\n[[sinks]]\ntype = "
                      "\"kafka\"\nbrokers = \"\"\n")
            .what(),
        "sinks[1].brokers: must name at least one broker, e.g. \"kafka-1:9092\"");
}

TEST(KafkaSettingsErrors, Topic) {
    EXPECT_STREQ(error_reading(kafka_table("topic = \"\"\n")).what(),
                 "sinks[0].topic: must not be empty");
    EXPECT_STREQ(error_reading(kafka_table("topic = \"8x8.{eventtype}\"\n")).what(),
                 "sinks[0].topic: unknown placeholder \"{eventtype}\" in \"8x8.{eventtype}\"; "
                 "the only one is {eventType}");
    EXPECT_STREQ(error_reading(kafka_table("topic = \"{eventType}.{sessionId}\"\n")).what(),
                 "sinks[0].topic: unknown placeholder \"{sessionId}\" in "
                 "\"{eventType}.{sessionId}\"; the only one is {eventType}");
    EXPECT_STREQ(error_reading(kafka_table("topic = \"8x8.{eventType\"\n")).what(),
                 "sinks[0].topic: unknown placeholder \"{eventType\" in \"8x8.{eventType\"; the "
                 "only one is {eventType}");
    EXPECT_STREQ(error_reading(kafka_table("topic = \"8x8.eventType}\"\n")).what(),
                 "sinks[0].topic: a '}' without its '{' in \"8x8.eventType}\"");
    EXPECT_STREQ(error_reading(kafka_table("topic = \"{eventType}}\"\n")).what(),
                 "sinks[0].topic: a '}' without its '{' in \"{eventType}}\"");
    EXPECT_STREQ(error_reading(kafka_table("topic = 1\n")).what(),
                 "sinks[0].topic: expected a string, got an integer");
}

TEST(KafkaSettingsErrors, KeyAndTimeout) {
    EXPECT_STREQ(error_reading(kafka_table("key = \"callId\"\n")).what(),
                 "sinks[0].key: unknown key \"callId\"; expected \"sessionId\", \"eventId\" or "
                 "\"none\"");
    EXPECT_STREQ(error_reading(kafka_table("key = \"SessionId\"\n")).what(),
                 "sinks[0].key: unknown key \"SessionId\"; expected \"sessionId\", \"eventId\" or "
                 "\"none\"");
    EXPECT_STREQ(error_reading(kafka_table("delivery_timeout_ms = 99\n")).what(),
                 "sinks[0].delivery_timeout_ms: 99 is out of range; expected 100 to 600000");
    EXPECT_STREQ(error_reading(kafka_table("delivery_timeout_ms = 600001\n")).what(),
                 "sinks[0].delivery_timeout_ms: 600001 is out of range; expected 100 to 600000");
    EXPECT_STREQ(error_reading(kafka_table("delivery_timeout_ms = \"5000\"\n")).what(),
                 "sinks[0].delivery_timeout_ms: expected an integer, got a string");
}

TEST(KafkaSettingsErrors, AnUnknownKeyListsTheKafkaKeys) {
    ConfigError const error = error_reading(kafka_table("topik = \"x\"\n"));
    EXPECT_EQ(error.key(), "sinks[0].topik");
    EXPECT_THAT(error.what(), HasSubstr("unknown key (did you mean \"topic\"?)"));
    EXPECT_THAT(error.what(), HasSubstr("brokers, topic, key, delivery_timeout_ms, librdkafka, "
                                        "librdkafka_env"));
}

TEST(KafkaSettingsErrors, LibrdkafkaRefusesAnUnknownPropertyWithItsOwnMessage) {
    ConfigError const error =
        error_reading(kafka_table("[sinks.librdkafka]\n\"no.such.property\" = \"x\"\n"));
    EXPECT_EQ(error.key(), "sinks[0].librdkafka.\"no.such.property\"");
    EXPECT_STREQ(error.what(),
                 "sinks[0].librdkafka.\"no.such.property\": librdkafka: No such configuration "
                 "property: \"no.such.property\"");
}

TEST(KafkaSettingsErrors, LibrdkafkaRefusesABadValueWithItsOwnMessage) {
    ConfigError const error = error_reading(kafka_table("librdkafka = { acks = \"most\" }\n"));
    EXPECT_EQ(error.key(), "sinks[0].librdkafka.acks");
    EXPECT_STREQ(error.what(),
                 "sinks[0].librdkafka.acks: librdkafka: Invalid value for configuration property "
                 "\"request.required.acks\"");
    // librdkafka names a property by its own name for it; the key says where it was set.
    EXPECT_STREQ(
        error_reading(kafka_table("librdkafka = { \"compression.type\" = \"rar\" }\n")).what(),
        "sinks[0].librdkafka.\"compression.type\": librdkafka: Invalid value \"rar\" for "
        "configuration property \"compression.codec\"");
}

TEST(KafkaSettingsErrors, PropertiesThatAreNotScalarsOrNotATable) {
    EXPECT_STREQ(error_reading(kafka_table("librdkafka = { acks = [1] }\n")).what(),
                 "sinks[0].librdkafka.acks: expected a string, an integer or a boolean, got an "
                 "array");
    EXPECT_STREQ(error_reading(kafka_table("librdkafka = \"acks=1\"\n")).what(),
                 "sinks[0].librdkafka: expected a table, got a string");
    EXPECT_STREQ(error_reading(kafka_table("librdkafka_env = 1\n")).what(),
                 "sinks[0].librdkafka_env: expected a table, got an integer");
}

TEST(KafkaSettingsErrors, CallsinksOwnPropertiesCannotBeSet) {
    struct Owned {
        char const* name;
        char const* problem;
    };
    for (Owned const& owned : {
             Owned{"bootstrap.servers", "set by callsink from sinks[0].brokers; use that key"},
             Owned{"metadata.broker.list", "set by callsink from sinks[0].brokers; use that key"},
             Owned{"message.timeout.ms",
                   "set by callsink from sinks[0].delivery_timeout_ms; use that key"},
             Owned{"delivery.timeout.ms",
                   "set by callsink from sinks[0].delivery_timeout_ms; use that key"},
             Owned{"statistics.interval.ms", "set by callsink; it cannot be changed"},
         }) {
        for (std::string const table : {"librdkafka", "librdkafka_env"}) {
            std::string const key = "sinks[0]." + table + ".\"" + owned.name + "\"";
            ConfigError const error = error_reading(
                kafka_table("[sinks." + table + "]\n\"" + owned.name + "\" = \"VARIABLE\"\n"),
                {{"VARIABLE", "1000"}});
            EXPECT_EQ(error.key(), key);
            EXPECT_EQ(std::string(error.what()), key + ": " + owned.problem);
        }
    }
}

TEST(KafkaSettingsErrors, APropertySetTwice) {
    EXPECT_STREQ(error_reading(kafka_table("librdkafka = { acks = \"1\" }\n"
                                           "librdkafka_env = { acks = \"ACKS\" }\n"),
                               {{"ACKS", "all"}})
                     .what(),
                 "sinks[0].librdkafka_env.acks: also set in the other of librdkafka and "
                 "librdkafka_env");
}

TEST(KafkaSettingsErrors, EnvironmentVariables) {
    std::string const table = "[sinks.librdkafka_env]\n\"sasl.password\" = ";
    EXPECT_STREQ(error_reading(kafka_table(table + "\"CALLSINK_KAFKA_PASSWORD\"\n")).what(),
                 "sinks[0].librdkafka_env.\"sasl.password\": environment variable "
                 "CALLSINK_KAFKA_PASSWORD is not set; it must hold the value of librdkafka "
                 "property sasl.password");
    EXPECT_STREQ(error_reading(kafka_table(table + "\"CALLSINK_KAFKA_PASSWORD\"\n"),
                               {{"CALLSINK_KAFKA_PASSWORD", ""}})
                     .what(),
                 "sinks[0].librdkafka_env.\"sasl.password\": environment variable "
                 "CALLSINK_KAFKA_PASSWORD is empty; it must hold the value of librdkafka "
                 "property sasl.password");
    EXPECT_STREQ(error_reading(kafka_table(table + "\"\"\n")).what(),
                 "sinks[0].librdkafka_env.\"sasl.password\": must name an environment variable");
    EXPECT_STREQ(error_reading(kafka_table(table + "5\n")).what(),
                 "sinks[0].librdkafka_env.\"sasl.password\": expected a string, got an integer");
}

// -- secrets ---------------------------------------------------------------------------------

TEST(KafkaSettingsSecrets, ARefusedSecretIsHiddenInLibrdkafkasMessage) {
    ConfigError const error =
        error_reading(kafka_table("librdkafka_env = { \"security.protocol\" = \"PROTOCOL\" }\n"),
                      {{"PROTOCOL", "s3cr3t-protocol"}});
    EXPECT_EQ(error.key(), "sinks[0].librdkafka_env.\"security.protocol\"");
    EXPECT_STREQ(error.what(),
                 "sinks[0].librdkafka_env.\"security.protocol\": librdkafka: Invalid value "
                 "\"(hidden)\" for configuration property \"security.protocol\"");
}

TEST(KafkaSettingsSecrets, ASecretThatIsPartOfTheReplacementDoesNotLoopForever) {
    // librdkafka's message quotes the value; each of these also occurs in "(hidden)".
    for (char const* secret : {"hidden", "(hidden)", "e", "d"}) {
        ConfigError const error = error_reading(
            kafka_table("librdkafka_env = { \"security.protocol\" = \"PROTOCOL\" }\n"),
            {{"PROTOCOL", secret}});
        EXPECT_EQ(error.key(), "sinks[0].librdkafka_env.\"security.protocol\"") << secret;
    }
}

TEST(KafkaSettingsSecrets, HideSecretsReplacesEveryOccurrenceOfEverySecretOnly) {
    std::vector<KafkaProperty> const properties{
        {"sasl.username", "callsink", "sinks[0].librdkafka.\"sasl.username\"", false},
        {"sasl.password", "pa55", "sinks[0].librdkafka_env.\"sasl.password\"", true},
        {"ssl.key.password", "k3y", "sinks[0].librdkafka_env.\"ssl.key.password\"", true},
    };
    EXPECT_EQ(hide_secrets("callsink pa55 and k3y, pa55pa55", properties),
              "callsink (hidden) and (hidden), (hidden)(hidden)");
    EXPECT_EQ(hide_secrets("nothing secret here", properties), "nothing secret here");
    EXPECT_EQ(hide_secrets("", properties), "");
    EXPECT_EQ(hide_secrets("a hidden value", secret("hidden")), "a (hidden) value");
    EXPECT_EQ(hide_secrets("keep", secret("e")), "k(hidden)(hidden)p");
    EXPECT_EQ(hide_secrets("an empty secret changes nothing", secret("")),
              "an empty secret changes nothing");
}

TEST(KafkaSettingsSecrets, ASecretRefusedOnlyWhenTheProducerIsMadeIsHiddenToo) {
    // librdkafka takes any single word for sasl.mechanisms, and checks it in rd_kafka_new.
    auto const configs =
        read_sinks(kafka_table("librdkafka = { \"security.protocol\" = \"sasl_plaintext\" }\n"
                               "librdkafka_env = { \"sasl.mechanisms\" = \"MECHANISM\" }\n"),
                   {{"MECHANISM", "s3cr3t-mechanism"}});
    ASSERT_EQ(configs.size(), 1u);
    try {
        configs[0].settings->open(test_context());
        ADD_FAILURE() << "the producer was made";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "sinks[0].brokers");
        EXPECT_THAT(error.what(), HasSubstr("cannot create the Kafka producer"));
        EXPECT_THAT(error.what(), HasSubstr("(hidden)"));
        EXPECT_THAT(error.what(), Not(HasSubstr("s3cr3t")));
    }
}

// -- librdkafka's configuration --------------------------------------------------------------

TEST(MakeKafkaConf, CallsinksDefaultsAndItsOwnProperties) {
    KafkaSinkOptions options;
    options.brokers = "a:1,b:2";
    options.delivery_timeout = std::chrono::milliseconds(2500);
    KafkaConf const conf = make_kafka_conf(options);
    EXPECT_EQ(conf_value(conf, "bootstrap.servers"), "a:1,b:2");
    EXPECT_EQ(conf_value(conf, "message.timeout.ms"), "2500");
    EXPECT_EQ(conf_value(conf, "enable.idempotence"), "true");
    EXPECT_EQ(conf_value(conf, "acks"), "-1");  // "all"
    EXPECT_EQ(conf_value(conf, "linger.ms"), "0");
    EXPECT_EQ(conf_value(conf, "socket.nagle.disable"), "true");
    EXPECT_EQ(conf_value(conf, "statistics.interval.ms"), "1000");
}

TEST(MakeKafkaConf, PassedThroughPropertiesComeAfterTheDefaults) {
    KafkaSinkOptions const options = read_kafka(
        kafka_table("librdkafka = { acks = 1, \"enable.idempotence\" = false, \"linger.ms\" = 5, "
                    "\"compression.type\" = \"zstd\" }\n"
                    "librdkafka_env = { \"client.id\" = \"CLIENT\" }\n"),
        {{"CLIENT", "replica-8081"}});
    KafkaConf const conf = make_kafka_conf(options);
    EXPECT_EQ(conf_value(conf, "acks"), "1");
    EXPECT_EQ(conf_value(conf, "enable.idempotence"), "false");
    EXPECT_EQ(conf_value(conf, "linger.ms"), "5");
    EXPECT_EQ(conf_value(conf, "compression.type"), "zstd");
    EXPECT_EQ(conf_value(conf, "client.id"), "replica-8081");
    EXPECT_EQ(conf_value(conf, "bootstrap.servers"), "kafka-1:9092,kafka-2:9092");
}

TEST(MakeKafkaConf, APropertyRefusedLaterIsNamedByItsKey) {
    KafkaSinkOptions options;
    options.brokers = "a:1";
    options.properties.push_back({"queue.buffering.max.messages", "-5",
                                  "sinks[0].librdkafka.\"queue.buffering.max.messages\"", false});
    try {
        make_kafka_conf(options);
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "sinks[0].librdkafka.\"queue.buffering.max.messages\"");
        EXPECT_THAT(error.what(), HasSubstr("librdkafka: "));
    }
}

TEST(KafkaSinkType, TheDeclaredDefaultsAreTheDefaults) {
    KafkaSinkOptions const declared =
        read_kafka(kafka_table(testing::declared_defaults(kafka_sink_type().keys)));
    KafkaSinkOptions const left_out = read_kafka(kafka_table(""));
    EXPECT_EQ(declared.topic, left_out.topic);
    EXPECT_EQ(declared.key, left_out.key);
    EXPECT_EQ(declared.delivery_timeout, left_out.delivery_timeout);
    EXPECT_TRUE(declared.properties.empty());
}

TEST(KafkaSinkType, IsRequiredByDefaultWithItsKeys) {
    SinkType const type = kafka_sink_type();
    EXPECT_EQ(type.name, "kafka");
    EXPECT_TRUE(type.required_by_default);
    EXPECT_THAT(key_names(type.keys),
                UnorderedElementsAre("brokers", "topic", "key", "delivery_timeout_ms", "librdkafka",
                                     "librdkafka_env"));
}

}  // namespace
}  // namespace callsink
