// "HOST:PORT" as [server] listen and the --listen flag write it: what parses, and what each
// malformed address is told.
#include "callsink/http/listen_address.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "callsink/config/config_error.hpp"

namespace callsink {
namespace {

using ::testing::HasSubstr;

TEST(ListenAddress, ParsesIpv4HostNamesAndBracketedIpv6) {
    auto const v4 = parse_listen_address("192.0.2.1:80", "--listen");
    EXPECT_EQ(v4.host, "192.0.2.1");
    EXPECT_EQ(v4.port, 80);
    auto const name = parse_listen_address("localhost:8080", "--listen");
    EXPECT_EQ(name.host, "localhost");
    auto const fqdn = parse_listen_address("ingest-1.example.com:443", "--listen");
    EXPECT_EQ(fqdn.host, "ingest-1.example.com");
    auto const v6 = parse_listen_address("[::1]:8080", "--listen");
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.port, 8080);
    EXPECT_EQ(parse_listen_address("[::]:0", "--listen").port, 0);
    EXPECT_EQ(parse_listen_address("0.0.0.0:65535", "--listen").port, 65535);
}

TEST(ListenAddress, RejectsMalformedAddressesAgainstTheGivenKey) {
    std::vector<std::pair<std::string, std::string>> const cases = {
        {"127.0.0.1", "has no port"},
        {"127.0.0.1:", "not a number from 0 to 65535"},
        {"127.0.0.1:65536", "not a number from 0 to 65535"},
        {"127.0.0.1:-1", "not a number from 0 to 65535"},
        {"127.0.0.1:80x", "not a number from 0 to 65535"},
        {"127.0.0.1:+80", "not a number from 0 to 65535"},
        {"::1:8080", "needs brackets around an IPv6 address"},
        {"[::1]8080", "has no \"]:PORT\""},
        {"[::1", "has no \"]:PORT\""},
        {"[localhost]:80", "not an IPv6 address"},
        {":8080", "has no host"},
        {"300.1.1.1:80", "neither an IPv4 address nor a host name"},
        {"10.0.0:80", "neither an IPv4 address nor a host name"},
        {"bad_host:80", "neither an IPv4 address nor a host name"},
        {"-host:80", "neither an IPv4 address nor a host name"},
        {"host..example:80", "neither an IPv4 address nor a host name"},
        {" 127.0.0.1:80", "neither an IPv4 address nor a host name"},
        {"", "has no port"},
    };
    for (auto const& [text, problem] : cases) {
        SCOPED_TRACE(text);
        try {
            parse_listen_address(text, "--listen");
            ADD_FAILURE() << "accepted";
        } catch (ConfigError const& error) {
            EXPECT_EQ(error.key(), "--listen");
            EXPECT_THAT(error.what(), HasSubstr(problem));
            EXPECT_THAT(error.what(), HasSubstr("expected HOST:PORT"));
        }
    }
}

}  // namespace
}  // namespace callsink
