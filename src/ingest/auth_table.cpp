#include "callsink/ingest/auth_table.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "callsink/config/network_list.hpp"

namespace callsink {
namespace {

constexpr ConfigKey kHeader = ConfigKey("header", KeyType::string)
                                  .with_default("\"Authorization\"")
                                  .with_allowed("an HTTP header name (RFC 9110 token characters)")
                                  .with_description("the header that carries the shared secret");
constexpr ConfigKey kValue = ConfigKey("value", KeyType::string)
                                 .with_allowed("the expected header value")
                                 .with_description("the shared secret, written in the file");
constexpr ConfigKey kValueEnv =
    ConfigKey("value_env", KeyType::string)
        .with_allowed("name of an environment variable holding the expected value")
        .with_description("the shared secret, kept out of the file");
constexpr ConfigKey kAllowIps =
    ConfigKey("allow_ips", KeyType::strings)
        .with_default("[]")
        .with_allowed("IP networks in CIDR notation; `[]`: any address")
        .with_description("the only clients that may deliver; others get `403`");

constexpr std::array<ConfigKey, 4> kAuthKeys{kHeader, kValue, kValueEnv, kAllowIps};

bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A value HTTP could never deliver would make every request a 401; say so at start-up instead.
std::string header_value_problem(std::string_view value) {
    bool const has_control = std::any_of(value.begin(), value.end(), [](char c) {
        return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F;
    });
    if (has_control) {
        return "contains a control character, which an HTTP header cannot carry";
    }
    bool const padded = value.front() == ' ' || value.front() == '\t' || value.back() == ' ' ||
                        value.back() == '\t';
    if (padded) {
        return "starts or ends with whitespace, which HTTP strips from header values";
    }
    return "";
}

std::optional<std::string> read_auth_value(ConfigTable const& table) {
    auto value = table.non_empty_string(kValue);
    auto value_env = table.non_empty_string(kValueEnv);
    if (value && value_env) {
        table.fail(kValueEnv.name, "set together with auth.value; use one or the other");
    }
    if (value_env) {
        value = table.environment_value(kValueEnv.name, *value_env);
    }
    if (value) {
        auto const problem = header_value_problem(*value);
        if (!problem.empty()) {
            table.fail(value_env ? kValueEnv.name : kValue.name,
                       value_env ? "environment variable " + *value_env + " " + problem : problem);
        }
    }
    return value;
}

}  // namespace

std::span<ConfigKey const> auth_table_keys() {
    return kAuthKeys;
}

AuthOptions read_auth_table(ConfigTable const& table) {
    table.check_keys(kAuthKeys);
    AuthOptions auth;
    if (auto header = table.non_empty_string(kHeader)) {
        if (!std::all_of(header->begin(), header->end(), is_token_char)) {
            table.fail(kHeader.name, in_quotes(*header) + " is not a valid HTTP header name");
        }
        auth.header = *header;
    }
    auth.value = read_auth_value(table);
    if (!auth.value && table.has(kHeader.name)) {
        table.fail(kHeader.name, "has no effect without auth.value or auth.value_env");
    }
    auth.allow_ips = read_network_list(table, kAllowIps);
    return auth;
}

}  // namespace callsink
