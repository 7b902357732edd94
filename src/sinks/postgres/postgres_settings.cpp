#include "callsink/sinks/postgres/postgres_settings.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "callsink/sinks/postgres/postgres_sink.hpp"

namespace callsink {
namespace {

constexpr std::size_t kMaxIdentifier = 63;  // PostgreSQL's NAMEDATALEN - 1

constexpr ConfigKey kConninfoEnv =
    ConfigKey("conninfo_env", KeyType::string)
        .as_required()
        .with_allowed(
            "the name of an environment variable holding a libpq connection string or URI")
        .with_description("the database to write to, and the password to it");
constexpr ConfigKey kSchema = ConfigKey("schema", KeyType::string)
                                  .with_default("\"callsink\"")
                                  .with_allowed("a PostgreSQL schema name (up to 63 bytes)")
                                  .with_description("the schema that holds callsink's tables");
constexpr ConfigKey kDeliveryTimeoutMs =
    ConfigKey("delivery_timeout_ms", KeyType::integer)
        .with_default("5000")
        .with_range({100, 600'000})
        .with_description("how long a batch may wait for the database");
constexpr std::array<ConfigKey, 3> kPostgresSinkKeys{kConninfoEnv, kSchema, kDeliveryTimeoutMs};

struct ConninfoDeleter {
    void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using Conninfo = std::unique_ptr<PQconninfoOption, ConninfoDeleter>;

// libpq's message about a connection string it cannot parse quotes what it could not read, and
// that is part of the string: the token after a password with a space in it, the bad
// percent-encoded password of a URI, or the whole URI. Everything from the first quoted part to
// the last quote is left out, except the punctuation libpq says it expected ("=" in `missing "="
// after`, "]" in `matching "]"`, ":" and "/" in `expected ":" or "/"`).
std::string without_quoted_parts(std::string_view message) {
    constexpr std::array<std::string_view, 5> kBeforeExpected{"missing ", "matching ", "expected ",
                                                              "or ", "separator "};
    std::size_t const last = message.rfind('"');
    std::string shown;
    for (std::size_t at = 0; at < message.size();) {
        char const c = message[at];
        if (c != '"') {
            shown += c == '\n' || c == '\r' ? ' ' : c;
            ++at;
            continue;
        }
        bool const expected =
            at + 2 < message.size() && message[at + 2] == '"' && message[at + 1] != '\0' &&
            std::strchr("=]:/", message[at + 1]) != nullptr &&
            std::any_of(kBeforeExpected.begin(), kBeforeExpected.end(),
                        [&](std::string_view word) { return shown.ends_with(word); });
        if (expected) {
            shown.append(message.substr(at, 3));
            at += 3;
        } else {
            shown += "\"…\"";
            at = last + 1;
        }
    }
    while (!shown.empty() && shown.back() == ' ') {
        shown.pop_back();
    }
    return shown;
}

class PostgresSinkSettings final : public SinkSettings {
  public:
    explicit PostgresSinkSettings(PostgresSinkOptions options) : options_(std::move(options)) {}

    std::unique_ptr<Sink> open(SinkContext const& context) const override {
        auto sink = std::make_unique<PostgresSink>(options_, context.logger);
        sink->start();
        return sink;
    }

    PostgresSinkOptions const& options() const { return options_; }

  private:
    PostgresSinkOptions options_;
};

std::unique_ptr<SinkSettings> read_postgres_sink(ConfigTable const& table) {
    PostgresSinkOptions options;
    auto const variable = table.non_empty_string(kConninfoEnv);
    if (!variable) {
        table.fail(kConninfoEnv.name,
                   "required: the environment variable that holds the libpq connection string "
                   "(e.g. \"CALLSINK_PG\" with postgresql://callsink:…@db/callsink)");
    }
    options.conninfo_env = *variable;
    options.conninfo_key = table.key_of(kConninfoEnv.name);
    options.conninfo = table.environment_value(
        kConninfoEnv.name, *variable, "; it must hold the libpq connection string of the database");
    char* error = nullptr;
    Conninfo parsed(PQconninfoParse(options.conninfo.c_str(), &error));
    if (!parsed) {
        // libpq's words for the problem, without the part of the value it quotes.
        std::string const problem = error ? without_quoted_parts(error) : "out of memory";
        PQfreemem(error);
        table.fail(kConninfoEnv.name, "environment variable " + *variable +
                                          " is not a valid libpq connection string: " + problem);
    }
    if (auto schema = table.non_empty_string(kSchema)) {
        if (schema->size() > kMaxIdentifier) {
            table.fail(kSchema.name, "longer than PostgreSQL's 63-byte limit for a name");
        }
        options.schema = *schema;
    }
    if (auto timeout = table.integer(kDeliveryTimeoutMs)) {
        options.delivery_timeout = std::chrono::milliseconds(*timeout);
    }
    return std::make_unique<PostgresSinkSettings>(std::move(options));
}

}  // namespace

std::string describe_conninfo(std::string const& conninfo) {
    char* error = nullptr;
    Conninfo parsed(PQconninfoParse(conninfo.c_str(), &error));
    PQfreemem(error);
    std::string host = "localhost";
    std::string port = "5432";
    std::string dbname;
    for (PQconninfoOption const* option = parsed.get(); option && option->keyword; ++option) {
        if (option->val == nullptr || *option->val == '\0') {
            continue;
        }
        std::string_view const keyword = option->keyword;
        if (keyword == "host" || (keyword == "hostaddr" && host == "localhost")) {
            host = option->val;
        } else if (keyword == "port") {
            port = option->val;
        } else if (keyword == "dbname") {
            dbname = option->val;
        }
    }
    return host + ":" + port + "/" + dbname;
}

PostgresSinkOptions const* postgres_sink_options(SinkSettings const& settings) {
    auto const* postgres = dynamic_cast<PostgresSinkSettings const*>(&settings);
    return postgres ? &postgres->options() : nullptr;
}

SinkType postgres_sink_type() {
    return SinkType{"postgres", kPostgresSinkKeys, true, &read_postgres_sink,
                    /*forwardable=*/true};
}

}  // namespace callsink
