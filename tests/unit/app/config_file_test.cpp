#include "callsink/app/config_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "callsink/journal/journal_table.hpp"
#include "callsink/sinks/file/file_sink.hpp"
#include "declared_defaults.hpp"

namespace callsink {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using Env = std::map<std::string, std::string>;

// The tests' environment: only what each test puts in it, never the real one.
GetEnv env_of(Env env) {
    return [env = std::move(env)](std::string const& name) -> std::optional<std::string> {
        auto found = env.find(name);
        return found == env.end() ? std::nullopt : std::optional<std::string>(found->second);
    };
}

constexpr char const* kBaseDir = "/etc/callsink";
constexpr char const* kStdoutSink = "[[sinks]]\ntype = \"stdout\"\nrequired = true\n";
constexpr char const* kSixteenBytes = "0123456789abcdef";

// A file sink's options (the rejects file's, or a [[sinks]] entry's of type "file").
FileSinkOptions const& file_options(SinkConfig const& sink) {
    FileSinkOptions const* options = file_sink_options(*sink.settings);
    if (options == nullptr) {
        throw std::logic_error("not a file sink: " + std::string(sink.type->name));
    }
    return *options;
}

Config parse(std::string const& toml, Env env = {}) {
    return parse_config(toml, "test.toml", kBaseDir, env_of(std::move(env)));
}

// Parses `toml` and expects a ConfigError naming `key` whose message contains `problem`.
void expect_error(std::string const& toml, std::string const& key, std::string const& problem,
                  Env env = {}) {
    SCOPED_TRACE(toml);
    try {
        parse(toml, std::move(env));
        ADD_FAILURE() << "parsed without a ConfigError; expected one for " << key;
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), key);
        EXPECT_THAT(error.what(), HasSubstr(problem));
        if (!key.empty()) {
            EXPECT_THAT(error.what(), StartsWith(key + ": "));
        }
    }
}

std::string with_sink(std::string const& toml) {
    return toml + "\n" + kStdoutSink;
}

// ---- defaults and the example ----

// The defaults docs/configuration.md gives, in every table but [[sinks]] (and [auth]'s value,
// which has none).
void expect_the_documented_defaults(Config const& config) {
    EXPECT_EQ(config.server.listen.host, "127.0.0.1");
    EXPECT_EQ(config.server.listen.port, 8080);
    EXPECT_EQ(config.server.threads, 1u);
    EXPECT_EQ(config.server.max_body_bytes, 1024u * 1024u);
    EXPECT_EQ(config.server.read_timeout, std::chrono::milliseconds(10'000));
    EXPECT_EQ(config.server.idle_timeout, std::chrono::milliseconds(60'000));
    EXPECT_EQ(config.server.max_connections, 10'000u);
    EXPECT_EQ(config.server.max_buffered_bytes, 256u * 1024u * 1024u);
    EXPECT_TRUE(config.server.trusted_proxies.empty());
    EXPECT_EQ(config.auth.header, "Authorization");
    EXPECT_TRUE(config.auth.allow_ips.empty());
    EXPECT_EQ(config.delivery.durability, Durability::write);
    EXPECT_EQ(config.delivery.dedupe_window, 100'000u);
    EXPECT_EQ(config.delivery.queue_capacity, 65'536u);
    EXPECT_EQ(config.privacy.msisdn, MsisdnPolicy::clear);
    EXPECT_EQ(config.privacy.key_env, "CALLSINK_MSISDN_KEY");
    EXPECT_FALSE(config.privacy.key.has_value());
    EXPECT_EQ(file_options(config.rejects).path, fs::path("/var/lib/callsink/rejects.jsonl"));
    EXPECT_EQ(file_options(config.rejects).max_bytes, 0u);
    EXPECT_EQ(file_options(config.rejects).max_files, 10u);
    EXPECT_EQ(config.log.level, "info");
    EXPECT_EQ(config.log.format, LogFormat::text);
}

TEST(ConfigDefaults, MinimalConfigGetsTheDocumentedDefaults) {
    Config const config = parse(kStdoutSink);
    expect_the_documented_defaults(config);
    EXPECT_FALSE(config.auth.value.has_value());
    ASSERT_EQ(config.sinks.size(), 1u);
    EXPECT_EQ(config.sinks[0].type->name, "stdout");
}

// The reference and the example show the defaults the code declares; set explicitly, they must
// read as what leaving the keys out gives. ([auth]'s header takes effect only with a value.)
TEST(ConfigDefaults, TheDeclaredDefaultsAreTheDefaults) {
    std::string toml;
    for (ConfigTableKeys const& table : config_tables()) {
        // [journal] has a required key and needs a forwarded sink: its own test has its defaults.
        if (!table.name.starts_with("sinks") && table.name != "journal") {
            toml += "[" + table.name + "]\n" + testing::declared_defaults(table.keys);
        }
        if (table.name == "auth") {
            toml += "value = \"x\"\n";
        }
    }
    SCOPED_TRACE(toml);
    expect_the_documented_defaults(parse(with_sink(toml)));
}

TEST(ConfigDefaults, TheDeclaredDefaultsOfAFileSinkAreItsDefaults) {
    std::string const sink = "[[sinks]]\ntype = \"file\"\npath = \"e.jsonl\"\n";
    Config const declared = parse(sink + testing::declared_defaults(find_sink_type("file")->keys));
    Config const left_out = parse(sink);
    EXPECT_EQ(file_options(declared.sinks[0]).max_bytes, file_options(left_out.sinks[0]).max_bytes);
    EXPECT_EQ(file_options(declared.sinks[0]).max_files, file_options(left_out.sinks[0]).max_files);
}

TEST(ConfigDefaults, EmptyTablesKeepTheDefaults) {
    Config const config =
        parse(with_sink("[server]\n[delivery]\n[privacy]\n[rejects]\n[log]\n[auth]\n"));
    EXPECT_EQ(config.server.threads, 1u);
    EXPECT_EQ(config.delivery.durability, Durability::write);
    EXPECT_EQ(config.privacy.msisdn, MsisdnPolicy::clear);
    EXPECT_EQ(file_options(config.rejects).path, fs::path("/var/lib/callsink/rejects.jsonl"));
    EXPECT_FALSE(config.auth.value.has_value());
}

TEST(ConfigLoader, LoadsTheExampleConfigWithPathsUnderTheRepoVarFolder) {
    fs::path const repo = fs::path(CALLSINK_TEST_DATA_DIR "/../..").lexically_normal();
    Config const config = load_config(repo / "config" / "callsink.toml", env_of({}));
    fs::path const var = repo / "var";
    EXPECT_EQ(config.server.listen.host, "127.0.0.1");
    EXPECT_EQ(config.server.listen.port, 8080);
    EXPECT_EQ(file_options(config.rejects).path, var / "rejects.jsonl");
    ASSERT_EQ(config.sinks.size(), 2u);
    EXPECT_EQ(config.sinks[0].type->name, "file");
    EXPECT_EQ(file_options(config.sinks[0]).path, var / "events.jsonl");
    EXPECT_EQ(file_options(config.sinks[0]).max_bytes, 100u * 1024u * 1024u);
    EXPECT_EQ(file_options(config.sinks[0]).max_files, 10u);
    EXPECT_TRUE(config.sinks[0].required);
    EXPECT_EQ(config.sinks[1].type->name, "log");
    EXPECT_FALSE(config.sinks[1].required);
}

// The replicas' example (docs/scaling.md): each replica's files in its own state directory.
TEST(ConfigLoader, LoadsTheReplicaExampleConfigWithRelativeRejects) {
    fs::path const repo = fs::path(CALLSINK_TEST_DATA_DIR "/../..").lexically_normal();
    Config const config = load_config(repo / "config" / "callsink-replica.toml", env_of({}));
    EXPECT_EQ(file_options(config.rejects).path, repo / "config" / "rejects.jsonl");
    ASSERT_EQ(config.sinks.size(), 1u);
    EXPECT_EQ(config.sinks[0].type->name, "kafka");
    EXPECT_TRUE(config.sinks[0].required);
}

// ---- syntax and structure ----

TEST(ConfigSyntax, SyntaxErrorNamesTheSourceLineAndColumn) {
    try {
        parse("[server]\nthreads = \n");
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "");
        EXPECT_THAT(error.what(), StartsWith("test.toml:2:"));
        EXPECT_GT(std::string(error.what()).size(), std::string("test.toml:2:1: ").size());
    }
}

TEST(ConfigSyntax, RejectsUnknownTopLevelTableNamingIt) {
    expect_error(with_sink("[servr]\nthreads = 2\n"), "servr", "unknown table or key");
    expect_error(with_sink("[servr]\n"), "servr", "(did you mean \"server\"?)");
    expect_error(with_sink("threads = 2\n"), "threads",
                 "known top-level tables: server, auth, delivery");
}

TEST(ConfigSyntax, RejectsATableGivenAsAValue) {
    expect_error(with_sink("server = 3\n"), "server", "expected a table, got an integer");
    expect_error(with_sink("log = \"debug\"\n"), "log", "expected a table, got a string");
}

TEST(ConfigSyntax, QuotesKeysThatAreNotBareInMessages) {
    expect_error(with_sink("[server]\n\"max body\" = 1\n"), "server.\"max body\"", "unknown key");
}

// ---- [server] ----

TEST(ConfigServer, ReadsEveryServerKey) {
    Config const config = parse(with_sink(R"(
[server]
listen = "0.0.0.0:9000"
threads = 4
max_body_bytes = 65536
read_timeout_ms = 5000
idle_timeout_ms = 30000
max_connections = 500
trusted_proxies = ["127.0.0.1/32", "10.0.0.0/8", "::1"]
)"));
    EXPECT_EQ(config.server.listen.host, "0.0.0.0");
    EXPECT_EQ(config.server.listen.port, 9000);
    EXPECT_EQ(config.server.threads, 4u);
    EXPECT_EQ(config.server.max_body_bytes, 65536u);
    EXPECT_EQ(config.server.read_timeout, std::chrono::milliseconds(5000));
    EXPECT_EQ(config.server.idle_timeout, std::chrono::milliseconds(30000));
    EXPECT_EQ(config.server.max_connections, 500u);
    ASSERT_EQ(config.server.trusted_proxies.size(), 3u);
    EXPECT_EQ(config.server.trusted_proxies[1].to_string(), "10.0.0.0/8");
    EXPECT_EQ(config.server.trusted_proxies[2].to_string(), "::1/128");
}

TEST(ConfigServer, ZeroThreadsMeansOnePerCore) {
    Config const config = parse(with_sink("[server]\nthreads = 0\n"));
    EXPECT_EQ(config.server.threads, std::max(1u, std::thread::hardware_concurrency()));
}

TEST(ConfigServer, RejectsAWrongTypeNamingTheKeyAndBothTypes) {
    expect_error(with_sink("[server]\nthreads = \"2\"\n"), "server.threads",
                 "expected an integer, got a string");
    expect_error(with_sink("[server]\nthreads = 2.0\n"), "server.threads",
                 "expected an integer, got a float");
    expect_error(with_sink("[server]\nlisten = 8080\n"), "server.listen",
                 "expected a string, got an integer");
    expect_error(with_sink("[server]\ntrusted_proxies = \"10.0.0.0/8\"\n"),
                 "server.trusted_proxies", "expected an array, got a string");
}

TEST(ConfigServer, RejectsUnknownKeyNamingIt) {
    try {
        parse(with_sink("[server]\nlistn = \"127.0.0.1:80\"\n"));
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "server.listn");
        EXPECT_THAT(error.what(), StartsWith("server.listn: unknown key"));
        EXPECT_THAT(error.what(), HasSubstr("did you mean \"listen\"?"));
        EXPECT_THAT(error.what(),
                    HasSubstr("; known keys of [server]: listen, threads, max_body_bytes,"));
    }
}

TEST(ConfigServer, RejectsAnUnknownNestedTable) {
    expect_error(with_sink("[server.tls]\ncert = \"x\"\n"), "server.tls", "unknown key");
}

struct RangeCase {
    std::string toml;
    std::string key;
    std::string expected;
};

TEST(ConfigRanges, RejectsOutOfRangeValuesNamingTheKeyAndTheRange) {
    std::vector<RangeCase> const cases = {
        {"[server]\nthreads = -1", "server.threads", "-1 is out of range; expected 0 to 256"},
        {"[server]\nthreads = 257", "server.threads", "expected 0 to 256"},
        {"[server]\nmax_body_bytes = 0", "server.max_body_bytes", "expected 1 to 1073741824"},
        {"[server]\nmax_body_bytes = 1073741825", "server.max_body_bytes", "1 to 1073741824"},
        {"[server]\nread_timeout_ms = 0", "server.read_timeout_ms", "expected 1 to 3600000"},
        {"[server]\nidle_timeout_ms = 3600001", "server.idle_timeout_ms", "1 to 3600000"},
        {"[server]\nmax_connections = 0", "server.max_connections", "expected 1 to 1000000"},
        {"[server]\nmax_connections = 1000001", "server.max_connections", "1 to 1000000"},
        {"[delivery]\ndedupe_window = -1", "delivery.dedupe_window", "expected 0 to 10000000"},
        {"[delivery]\ndedupe_window = 10000001", "delivery.dedupe_window", "0 to 10000000"},
        {"[delivery]\nqueue_capacity = 0", "delivery.queue_capacity", "expected 1 to 10000000"},
        {"[rejects]\nmax_bytes = -1", "rejects.max_bytes", "expected at least 0"},
        {"[rejects]\nmax_files = 0", "rejects.max_files", "expected 1 to 1000"},
        {"[rejects]\nmax_files = 1001", "rejects.max_files", "expected 1 to 1000"},
    };
    for (auto const& range_case : cases) {
        expect_error(with_sink(range_case.toml), range_case.key, range_case.expected);
    }
}

TEST(ConfigRanges, AcceptsTheBoundsOfEachRange) {
    Config const low =
        parse(with_sink("[server]\nthreads = 256\nmax_body_bytes = 1\nread_timeout_ms = 1\n"
                        "idle_timeout_ms = 3600000\nmax_connections = 1000000\n"
                        "[delivery]\ndedupe_window = 0\nqueue_capacity = 10000000\n"
                        "[rejects]\nmax_bytes = 9223372036854775807\nmax_files = 1000\n"));
    EXPECT_EQ(low.server.threads, 256u);
    EXPECT_EQ(low.server.max_body_bytes, 1u);
    EXPECT_EQ(low.server.read_timeout, std::chrono::milliseconds(1));
    EXPECT_EQ(low.server.idle_timeout, std::chrono::milliseconds(3'600'000));
    EXPECT_EQ(low.server.max_connections, 1'000'000u);
    EXPECT_EQ(low.delivery.dedupe_window, 0u);
    EXPECT_EQ(low.delivery.queue_capacity, 10'000'000u);
    EXPECT_EQ(file_options(low.rejects).max_bytes, 9'223'372'036'854'775'807u);
    EXPECT_EQ(file_options(low.rejects).max_files, 1000u);
}

TEST(ConfigServer, ReportsEachBadTrustedProxyByIndex) {
    expect_error(with_sink("[server]\ntrusted_proxies = [\"127.0.0.1/32\", \"::1\", \"10.0.0/8\"]"),
                 "server.trusted_proxies[2]", "\"10.0.0/8\" is not an IP network in CIDR notation");
    expect_error(with_sink("[server]\ntrusted_proxies = [\"127.0.0.1/32\", 10]"),
                 "server.trusted_proxies[1]", "expected a string, got an integer");
}

// ---- listen addresses (http/listen_address_test.cpp has the syntax) ----

TEST(ConfigListen, ReportsABadListenKeyInTheFile) {
    expect_error(with_sink("[server]\nlisten = \"localhost\"\n"), "server.listen",
                 "\"localhost\" has no port");
}

// ---- [auth] ----

TEST(ConfigAuth, ReadsHeaderValueAndAllowIps) {
    Config const config = parse(with_sink(R"(
[auth]
header = "X-Callsink-Token"
value = "s3cret"
allow_ips = ["203.0.113.0/24", "2001:db8::/32"]
)"));
    EXPECT_EQ(config.auth.header, "X-Callsink-Token");
    EXPECT_EQ(config.auth.value, "s3cret");
    ASSERT_EQ(config.auth.allow_ips.size(), 2u);
    EXPECT_EQ(config.auth.allow_ips[0].to_string(), "203.0.113.0/24");
}

TEST(ConfigAuth, ReadsTheValueFromTheInjectedEnvironment) {
    Config const config = parse(with_sink("[auth]\nvalue_env = \"CALLSINK_AUTH\"\n"),
                                {{"CALLSINK_AUTH", "Basic dXNlcjpwYXNz"}});
    EXPECT_EQ(config.auth.header, "Authorization");
    EXPECT_EQ(config.auth.value, "Basic dXNlcjpwYXNz");
}

TEST(ConfigAuth, RejectsValueEnvNamingAnUnsetOrEmptyVariable) {
    std::string const toml = with_sink("[auth]\nvalue_env = \"CALLSINK_AUTH\"\n");
    expect_error(toml, "auth.value_env", "environment variable CALLSINK_AUTH is not set");
    expect_error(toml, "auth.value_env", "environment variable CALLSINK_AUTH is empty",
                 {{"CALLSINK_AUTH", ""}});
}

TEST(ConfigAuth, RejectsValueAndValueEnvTogether) {
    expect_error(with_sink("[auth]\nvalue = \"a\"\nvalue_env = \"CALLSINK_AUTH\"\n"),
                 "auth.value_env", "use one or the other", {{"CALLSINK_AUTH", "b"}});
}

TEST(ConfigAuth, RejectsAHeaderNameThatIsNotAnHttpToken) {
    expect_error(with_sink("[auth]\nheader = \"X Token\"\nvalue = \"a\"\n"), "auth.header",
                 "\"X Token\" is not a valid HTTP header name");
    expect_error(with_sink("[auth]\nheader = \"X-Token:\"\nvalue = \"a\"\n"), "auth.header",
                 "not a valid HTTP header name");
    expect_error(with_sink("[auth]\nheader = \"\"\nvalue = \"a\"\n"), "auth.header",
                 "must not be empty");
}

TEST(ConfigAuth, RejectsAHeaderWithoutAValueToCompare) {
    expect_error(with_sink("[auth]\nheader = \"X-Token\"\n"), "auth.header",
                 "has no effect without auth.value or auth.value_env");
}

TEST(ConfigAuth, RejectsValuesNoHttpRequestCouldCarry) {
    expect_error(with_sink("[auth]\nvalue = \"\"\n"), "auth.value", "must not be empty");
    expect_error(with_sink("[auth]\nvalue = \"a\\nb\"\n"), "auth.value", "control character");
    expect_error(with_sink("[auth]\nvalue = \"token \"\n"), "auth.value", "whitespace");
    expect_error(with_sink("[auth]\nvalue_env = \"CALLSINK_AUTH\"\n"), "auth.value_env",
                 "CALLSINK_AUTH contains a control character", {{"CALLSINK_AUTH", "token\n"}});
}

TEST(ConfigAuth, AllowsAnAddressAllowlistWithoutASecret) {
    Config const config = parse(with_sink("[auth]\nallow_ips = [\"192.0.2.0/24\"]\n"));
    EXPECT_FALSE(config.auth.value.has_value());
    EXPECT_EQ(config.auth.allow_ips.size(), 1u);
}

TEST(ConfigAuth, ReportsEachBadAllowIpByIndex) {
    expect_error(with_sink("[auth]\nallow_ips = [\"192.0.2.0/33\"]\n"), "auth.allow_ips[0]",
                 "\"192.0.2.0/33\" is not an IP network in CIDR notation");
}

TEST(ConfigAuth, RejectsUnknownKeyNamingIt) {
    expect_error(with_sink("[auth]\nvalue = \"a\"\nheadr = \"X\"\n"), "auth.headr",
                 "did you mean \"header\"?");
}

// ---- [delivery] ----

TEST(ConfigDelivery, ReadsEachDurability) {
    EXPECT_EQ(parse(with_sink("[delivery]\ndurability = \"none\"")).delivery.durability,
              Durability::none);
    EXPECT_EQ(parse(with_sink("[delivery]\ndurability = \"write\"")).delivery.durability,
              Durability::write);
    EXPECT_EQ(parse(with_sink("[delivery]\ndurability = \"fsync\"")).delivery.durability,
              Durability::fsync);
}

TEST(ConfigDelivery, ReadsDedupeWindowAndQueueCapacity) {
    Config const config =
        parse(with_sink("[delivery]\ndedupe_window = 0\nqueue_capacity = 1024\n"));
    EXPECT_EQ(config.delivery.dedupe_window, 0u);
    EXPECT_EQ(config.delivery.queue_capacity, 1024u);
}

TEST(ConfigDelivery, RejectsAnUnknownDurabilityListingTheChoices) {
    expect_error(with_sink("[delivery]\ndurability = \"sync\""), "delivery.durability",
                 "unknown value \"sync\"; expected \"none\", \"write\" or \"fsync\"");
}

// ---- [privacy] ----

TEST(ConfigPrivacy, HashReadsTheKeyFromTheDefaultVariable) {
    Config const config = parse(with_sink("[privacy]\nmsisdn = \"hash\"\n"),
                                {{"CALLSINK_MSISDN_KEY", kSixteenBytes}});
    EXPECT_EQ(config.privacy.msisdn, MsisdnPolicy::hash);
    EXPECT_EQ(config.privacy.key, kSixteenBytes);
}

TEST(ConfigPrivacy, HashReadsTheKeyFromTheConfiguredVariable) {
    Config const config =
        parse(with_sink("[privacy]\nmsisdn = \"hash\"\nkey_env = \"MY_KEY\"\n"),
              {{"MY_KEY", "a key that is long enough"}, {"CALLSINK_MSISDN_KEY", "other"}});
    EXPECT_EQ(config.privacy.key_env, "MY_KEY");
    EXPECT_EQ(config.privacy.key, "a key that is long enough");
}

TEST(ConfigPrivacy, HashRejectsAMissingKeyNamingTheVariable) {
    expect_error(with_sink("[privacy]\nmsisdn = \"hash\"\n"), "privacy.key_env",
                 "environment variable CALLSINK_MSISDN_KEY is not set");
    expect_error(with_sink("[privacy]\nmsisdn = \"hash\"\nkey_env = \"MY_KEY\"\n"),
                 "privacy.key_env", "environment variable MY_KEY is empty", {{"MY_KEY", ""}});
}

TEST(ConfigPrivacy, HashRejectsAShortKeyWithoutShowingIt) {
    try {
        parse(with_sink("[privacy]\nmsisdn = \"hash\"\n"), {{"CALLSINK_MSISDN_KEY", "tiny-key"}});
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "privacy.key_env");
        EXPECT_THAT(error.what(), HasSubstr("holds 8 bytes"));
        EXPECT_THAT(error.what(), HasSubstr("msisdn = \"hash\" needs a key of at least 16 bytes"));
        EXPECT_THAT(error.what(), Not(HasSubstr("tiny-key")));
    }
}

TEST(ConfigPrivacy, ClearAndMaskNeedNoKey) {
    Config const mask = parse(with_sink("[privacy]\nmsisdn = \"mask\"\n"),
                              {{"CALLSINK_MSISDN_KEY", kSixteenBytes}});
    EXPECT_EQ(mask.privacy.msisdn, MsisdnPolicy::mask);
    EXPECT_FALSE(mask.privacy.key.has_value());
    EXPECT_EQ(parse(with_sink("[privacy]\nmsisdn = \"clear\"\n")).privacy.msisdn,
              MsisdnPolicy::clear);
}

TEST(ConfigPrivacy, RejectsAnUnknownPolicy) {
    expect_error(with_sink("[privacy]\nmsisdn = \"encrypt\"\n"), "privacy.msisdn",
                 "expected \"clear\", \"mask\" or \"hash\"");
}

// ---- [rejects] ----

TEST(ConfigRejects, ResolvesARelativePathAgainstTheBaseDir) {
    Config const config = parse(with_sink("[rejects]\npath = \"../var/rejects.jsonl\"\n"));
    EXPECT_EQ(file_options(config.rejects).path, fs::path("/etc/var/rejects.jsonl"));
}

TEST(ConfigRejects, NormalisesAnAbsolutePath) {
    Config const config =
        parse(with_sink("[rejects]\npath = \"/srv/./callsink/../data/rejects.jsonl\"\n"
                        "max_bytes = 1048576\nmax_files = 3\n"));
    EXPECT_EQ(file_options(config.rejects).path, fs::path("/srv/data/rejects.jsonl"));
    EXPECT_EQ(file_options(config.rejects).max_bytes, 1'048'576u);
    EXPECT_EQ(file_options(config.rejects).max_files, 3u);
}

TEST(ConfigRejects, RejectsAnEmptyPathOrAFolder) {
    expect_error(with_sink("[rejects]\npath = \"\"\n"), "rejects.path", "must not be empty");
    expect_error(with_sink("[rejects]\npath = \"logs/\"\n"), "rejects.path",
                 "\"logs/\" names a folder");
    expect_error(with_sink("[rejects]\npath = \".\"\n"), "rejects.path", "names a folder");
}

// ---- [[sinks]] ----

TEST(ConfigSinks, ReadsAllThreeSinkTypes) {
    Config const config = parse(R"(
[[sinks]]
type = "file"
path = "events.jsonl"
max_bytes = 104857600
max_files = 5

[[sinks]]
type = "stdout"
required = true

[[sinks]]
type = "log"
)");
    ASSERT_EQ(config.sinks.size(), 3u);
    EXPECT_EQ(config.sinks[0].type->name, "file");
    EXPECT_EQ(file_options(config.sinks[0]).path, fs::path("/etc/callsink/events.jsonl"));
    EXPECT_EQ(file_options(config.sinks[0]).max_bytes, 104'857'600u);
    EXPECT_EQ(file_options(config.sinks[0]).max_files, 5u);
    EXPECT_TRUE(config.sinks[0].required);
    EXPECT_EQ(config.sinks[1].type->name, "stdout");
    EXPECT_TRUE(config.sinks[1].required);
    EXPECT_EQ(config.sinks[2].type->name, "log");
    EXPECT_FALSE(config.sinks[2].required);
}

TEST(ConfigSinks, FileSinkDefaultsToNoRotationAndRequired) {
    Config const config = parse("[[sinks]]\ntype = \"file\"\npath = \"/data/e.jsonl\"\n");
    EXPECT_EQ(file_options(config.sinks[0]).max_bytes, 0u);
    EXPECT_EQ(file_options(config.sinks[0]).max_files, 10u);
    EXPECT_TRUE(config.sinks[0].required);
    Config const optional = parse(
        std::string("[[sinks]]\ntype = \"file\"\npath = \"/data/e.jsonl\"\nrequired = false\n") +
        kStdoutSink);
    EXPECT_FALSE(optional.sinks[0].required);
}

TEST(ConfigSinks, StdoutAndLogSinksDefaultToBestEffort) {
    Config const config = parse(
        "[[sinks]]\ntype = \"file\"\npath = \"/data/e.jsonl\"\n"
        "[[sinks]]\ntype = \"stdout\"\n[[sinks]]\ntype = \"log\"\n");
    EXPECT_FALSE(config.sinks[1].required);
    EXPECT_FALSE(config.sinks[2].required);
}

TEST(ConfigSinks, RejectsAConfigWhereNoSinkIsRequired) {
    // Best-effort sinks may drop records: a 200 would promise what nothing stored.
    expect_error("[[sinks]]\ntype = \"stdout\"\n[[sinks]]\ntype = \"log\"\n", "sinks",
                 "no sink has required = true");
}

TEST(ConfigSinks, AcceptsSinksAsAnInlineArrayOfTables) {
    Config const config =
        parse("sinks = [{type = \"stdout\", required = true}, {type = \"log\"}]\n");
    EXPECT_EQ(config.sinks.size(), 2u);
}

TEST(ConfigSinks, RequiresATypeAndAFilePath) {
    expect_error("[[sinks]]\npath = \"e.jsonl\"\n", "sinks[0].type", "required");
    expect_error("[[sinks]]\ntype = \"file\"\n", "sinks[0].path", "required for a file sink");
    expect_error("[[sinks]]\ntype = \"file\"\npath = \"\"\n", "sinks[0].path", "must not be empty");
}

TEST(ConfigSinks, EachSinkTypeTakesOnlyItsOwnKeys) {
    expect_error("[[sinks]]\ntype = \"stdout\"\npath = \"e.jsonl\"\n", "sinks[0].path",
                 "unknown key; known keys of a \"stdout\" sink: type, required");
    expect_error("[[sinks]]\ntype = \"log\"\nmax_bytes = 4096\n", "sinks[0].max_bytes",
                 "unknown key; known keys of a \"log\" sink: type, required");
    expect_error("[[sinks]]\ntype = \"stdout\"\nmax_files = 3\n", "sinks[0].max_files",
                 "unknown key");
}

TEST(ConfigSinks, AMisspeltTypeIsNamedAsTheKeyItResembles) {
    expect_error("[[sinks]]\ntpye = \"file\"\npath = \"e.jsonl\"\n", "sinks[0].tpye",
                 "unknown key (did you mean \"type\"?)");
    expect_error("[[sinks]]\npath = \"e.jsonl\"\n", "sinks[0].type", "required; expected \"file\"");
}

TEST(ConfigSinks, AMisspeltKeyOfASinkIsNamedWithTheKeyItResembles) {
    std::string const first = "[[sinks]]\ntype = \"file\"\npath = \"a.jsonl\"\n";
    expect_error(first + "[[sinks]]\ntype = \"file\"\npathh = \"b.jsonl\"\n", "sinks[1].pathh",
                 "unknown key (did you mean \"path\"?); known keys of a \"file\" sink: type, "
                 "required, delivery, path, max_bytes, max_files");
}

TEST(ConfigSinks, RejectsRotationSizesBelowTheFloor) {
    std::string const sink = "[[sinks]]\ntype = \"file\"\npath = \"e.jsonl\"\n";
    expect_error(sink + "max_bytes = 4095\n", "sinks[0].max_bytes",
                 "4095 is too small; expected 0 (no rotation) or at least 4096");
    expect_error(sink + "max_bytes = -1\n", "sinks[0].max_bytes", "expected at least 0");
    expect_error(sink + "max_files = 0\n", "sinks[0].max_files", "expected 1 to 1000");
    EXPECT_EQ(file_options(parse(sink + "max_bytes = 4096\n").sinks[0]).max_bytes, 4096u);
    EXPECT_EQ(file_options(parse(sink + "max_bytes = 0\n").sinks[0]).max_bytes, 0u);
}

TEST(ConfigSinks, RequiresAtLeastOneSink) {
    expect_error("[server]\nthreads = 1\n", "sinks", "no sink configured");
    expect_error("sinks = []\n", "sinks", "no sink configured");
    expect_error("[sinks]\ntype = \"stdout\"\n", "sinks",
                 "expected an array of tables ([[sinks]]), got a table");
    expect_error("sinks = [1]\n", "sinks[0]", "expected a table, got an integer");
}

TEST(ConfigSinks, NamesAnUnknownKeyWithTheSinkIndex) {
    std::string const first = kStdoutSink;
    expect_error(first + "[[sinks]]\ntype = \"file\"\npth = \"e.jsonl\"\n", "sinks[1].pth",
                 "did you mean \"path\"?");
    expect_error(first + "[[sinks]]\ntype = \"log\"\nrequired = \"yes\"\n", "sinks[1].required",
                 "expected a boolean (true or false), got a string");
}

TEST(ConfigSinks, RejectsTwoFileSinksWritingOneFile) {
    expect_error(R"(
[[sinks]]
type = "file"
path = "events.jsonl"
[[sinks]]
type = "file"
path = "./data/../events.jsonl"
)",
                 "sinks[1].path", "is also sinks[0].path");
}

TEST(ConfigSinks, RejectsAFileSinkWritingTheRejectsFile) {
    expect_error(R"(
[rejects]
path = "/etc/callsink/out.jsonl"
[[sinks]]
type = "file"
path = "out.jsonl"
)",
                 "sinks[0].path", "is also rejects.path");
    expect_error("[[sinks]]\ntype = \"file\"\npath = \"/var/lib/callsink/rejects.jsonl\"\n",
                 "sinks[0].path", "is also rejects.path");
}

// ---- [log] ----

// ---- [journal] ----

constexpr char const* kForwardedKafka =
    "[[sinks]]\ntype = \"kafka\"\nbrokers = \"localhost:9092\"\ntopic = \"events\"\n"
    "delivery = \"journal\"\n";

TEST(ConfigJournal, ReadsTheJournalAndTheForwardedSinks) {
    Config const config = parse(
        "[journal]\npath = \"journal\"\nmax_bytes = 1048576\nsegment_bytes = 65536\n"
        "drain_timeout_ms = 2000\n" +
        std::string(kForwardedKafka) + kStdoutSink);
    ASSERT_TRUE(config.journal);
    EXPECT_EQ(config.journal->path, fs::path("/etc/callsink/journal"));
    EXPECT_EQ(config.journal->max_bytes, 1'048'576u);
    EXPECT_EQ(config.journal->segment_bytes, 65'536u);
    EXPECT_EQ(config.journal->drain_timeout, std::chrono::milliseconds(2'000));
    ASSERT_EQ(config.sinks.size(), 2u);
    EXPECT_EQ(config.sinks[0].delivery, SinkDelivery::journal);
    EXPECT_EQ(config.sinks[1].delivery, SinkDelivery::direct);
}

TEST(ConfigJournal, TheDeclaredDefaultsOfTheJournalAreItsDefaults) {
    std::string const sinks = std::string(kForwardedKafka);
    Config const declared = parse("[journal]\npath = \"/var/lib/callsink/journal/\"\n" +
                                  testing::declared_defaults(journal_table_keys()) + sinks);
    Config const left_out = parse("[journal]\npath = \"/var/lib/callsink/journal\"\n" + sinks);
    ASSERT_TRUE(declared.journal && left_out.journal);
    EXPECT_EQ(declared.journal->path, left_out.journal->path) << "a trailing slash is the folder";
    EXPECT_EQ(declared.journal->max_bytes, left_out.journal->max_bytes);
    EXPECT_EQ(declared.journal->segment_bytes, left_out.journal->segment_bytes);
    EXPECT_EQ(declared.journal->drain_timeout, left_out.journal->drain_timeout);
}

TEST(ConfigJournal, AForwardedSinkIsEnoughWithoutARequiredOne) {
    Config const config = parse("[journal]\npath = \"j\"\n" + std::string(kForwardedKafka));
    EXPECT_EQ(config.sinks.size(), 1u);
}

TEST(ConfigJournal, AForwardedSinkWithoutAJournalIsAnErrorNamingItsDelivery) {
    expect_error(std::string(kStdoutSink) + kForwardedKafka, "sinks[1].delivery",
                 "needs a [journal] table");
}

TEST(ConfigJournal, AJournalWithNothingForwardedIsAnErrorNamingIt) {
    expect_error(with_sink("[journal]\npath = \"j\"\n"), "journal",
                 "no sink has delivery = \"journal\"");
}

TEST(ConfigJournal, RequiresItsPath) {
    expect_error("[journal]\nmax_bytes = 1048576\n" + std::string(kForwardedKafka), "journal.path",
                 "required");
}

TEST(ConfigJournal, OnlyKafkaAndPostgresSinksAreForwarded) {
    expect_error(
        "[journal]\npath = \"j\"\n[[sinks]]\ntype = \"file\"\npath = \"e.jsonl\"\n"
        "delivery = \"journal\"\n",
        "sinks[0].delivery",
        "a \"file\" sink cannot be forwarded from the journal; only \"kafka\" and "
        "\"postgres\" sinks can");
}

TEST(ConfigJournal, AForwardedSinkCannotBeBestEffort) {
    expect_error("[journal]\npath = \"j\"\n" + std::string(kForwardedKafka) + "required = false\n",
                 "sinks[0].required", "never dropped from");
}

TEST(ConfigJournal, RefusesAnUnknownDelivery) {
    expect_error(with_sink("[[sinks]]\ntype = \"file\"\npath = \"e.jsonl\"\n"
                           "delivery = \"later\"\n"),
                 "sinks[0].delivery",
                 "unknown delivery \"later\"; expected \"direct\" or "
                 "\"journal\"");
}

TEST(ConfigLog, ReadsLevelAndFormat) {
    Config const config = parse(with_sink("[log]\nlevel = \"debug\"\nformat = \"json\"\n"));
    EXPECT_EQ(config.log.level, "debug");
    EXPECT_EQ(config.log.format, LogFormat::json);
    for (char const* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
        EXPECT_EQ(parse(with_sink(std::string("[log]\nlevel = \"") + level + "\"")).log.level,
                  level);
    }
}

TEST(ConfigLog, RejectsAnUnknownLevelOrFormat) {
    expect_error(with_sink("[log]\nlevel = \"warning\"\n"), "log.level",
                 "unknown log level \"warning\"; expected \"trace\", \"debug\"");
    expect_error(with_sink("[log]\nformat = \"yaml\"\n"), "log.format",
                 "expected \"text\" or \"json\"");
}

// ---- loading files ----

class ConfigLoaderFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        auto const* test = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::path(::testing::TempDir()) /
               ("callsink-config-" + std::string(test->name()) + "-" + std::to_string(getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path write(std::string const& name, std::string const& text) {
        fs::path const file = dir_ / name;
        std::ofstream(file) << text;
        return file;
    }

    fs::path dir_;
};

TEST_F(ConfigLoaderFiles, ResolvesRelativePathsAgainstTheFilesFolder) {
    fs::path const file = write("callsink.toml",
                                "[rejects]\npath = \"rejects.jsonl\"\n"
                                "[[sinks]]\ntype = \"file\"\npath = \"out/events.jsonl\"\n");
    Config const config = load_config(file, env_of({}));
    fs::path const folder = fs::absolute(dir_).lexically_normal();
    EXPECT_EQ(file_options(config.rejects).path, folder / "rejects.jsonl");
    EXPECT_EQ(file_options(config.sinks[0]).path, folder / "out" / "events.jsonl");
}

TEST_F(ConfigLoaderFiles, NamesTheFileInASyntaxError) {
    fs::path const file = write("broken.toml", "[server\n");
    try {
        load_config(file, env_of({}));
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "");
        EXPECT_THAT(error.what(), StartsWith(file.string() + ":1:"));
    }
}

TEST_F(ConfigLoaderFiles, MissingOrUnreadableFileIsAConfigErrorWithTheReason) {
    fs::path const missing = dir_ / "missing.toml";
    try {
        load_config(missing, env_of({}));
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_EQ(error.key(), "");
        EXPECT_THAT(error.what(), HasSubstr(missing.string()));
        EXPECT_THAT(error.what(), HasSubstr("No such file or directory"));
    }
    try {
        load_config(dir_, env_of({}));
        ADD_FAILURE() << "no ConfigError";
    } catch (ConfigError const& error) {
        EXPECT_THAT(error.what(), HasSubstr("Is a directory"));
    }
}

TEST(ConfigEnvironment, ProcessEnvironmentReadsRealVariables) {
    GetEnv const getenv = process_environment();
    EXPECT_TRUE(getenv("PATH").has_value());
    EXPECT_FALSE(getenv("CALLSINK_TEST_SURELY_UNSET_VARIABLE").has_value());
}

TEST(ConfigDeadLetter, IsBesideTheRejectsFileByDefault) {
    EXPECT_EQ(parse(kStdoutSink).dead_letter.path, fs::path("/var/lib/callsink/dead-letter.jsonl"));
    EXPECT_EQ(parse("[rejects]\npath = \"var/rejects.jsonl\"\n" + std::string(kStdoutSink))
                  .dead_letter.path,
              fs::path("/etc/callsink/var/dead-letter.jsonl"));
    EXPECT_EQ(parse("[dead_letter]\n" + std::string(kStdoutSink)).dead_letter.path,
              fs::path("/var/lib/callsink/dead-letter.jsonl"));
}

TEST(ConfigDeadLetter, ReadsItsPathFromTheConfigurationFilesFolder) {
    Config const config =
        parse("[dead_letter]\npath = \"poison/letters.jsonl\"\n" + std::string(kStdoutSink));
    EXPECT_EQ(config.dead_letter.path, fs::path("/etc/callsink/poison/letters.jsonl"));
}

TEST(ConfigDeadLetter, RefusesAnUnknownKeyAFolderAndAFileAnotherSinkWrites) {
    expect_error("[dead_letter]\npth = \"x\"\n" + std::string(kStdoutSink), "dead_letter.pth",
                 "unknown key");
    expect_error("[dead_letter]\npath = \"letters/\"\n" + std::string(kStdoutSink),
                 "dead_letter.path", "names a folder");
    expect_error(
        "[dead_letter]\npath = \"/var/lib/callsink/rejects.jsonl\"\n" + std::string(kStdoutSink),
        "dead_letter.path", "two sinks cannot share a file");
    expect_error(
        "[dead_letter]\npath = \"/tmp/x.jsonl\"\n[[sinks]]\ntype = \"file\"\n"
        "path = \"/tmp/x.jsonl\"\n",
        "sinks[0].path", "is also dead_letter.path");
}

}  // namespace
}  // namespace callsink
