#include "callsink/base/cidr.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace callsink {
namespace {

boost::asio::ip::address ip(char const* text) {
    return boost::asio::ip::make_address(text);
}

Cidr cidr(char const* text) {
    auto parsed = Cidr::parse(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(*Cidr::parse("0.0.0.0/32"));
}

TEST(Cidr, MatchesAddressesInsideAnIpv4Network) {
    auto const network = cidr("203.0.113.0/24");
    EXPECT_TRUE(network.contains(ip("203.0.113.0")));
    EXPECT_TRUE(network.contains(ip("203.0.113.7")));
    EXPECT_TRUE(network.contains(ip("203.0.113.255")));
    EXPECT_FALSE(network.contains(ip("203.0.114.1")));
    EXPECT_FALSE(network.contains(ip("203.0.112.255")));
}

TEST(Cidr, HandlesPrefixesThatDoNotFallOnAByteBoundary) {
    auto const network = cidr("10.0.0.0/9");
    EXPECT_TRUE(network.contains(ip("10.127.255.255")));
    EXPECT_FALSE(network.contains(ip("10.128.0.0")));

    auto const v6 = cidr("2001:db8:8000::/33");
    EXPECT_TRUE(v6.contains(ip("2001:db8:ffff::1")));
    EXPECT_FALSE(v6.contains(ip("2001:db8:7fff::1")));
}

TEST(Cidr, ClearsHostBitsBeyondThePrefix) {
    auto const network = cidr("10.1.2.3/8");
    EXPECT_TRUE(network.contains(ip("10.9.9.9")));
    EXPECT_EQ(network.to_string(), "10.0.0.0/8");
    EXPECT_EQ(cidr("2001:DB8::1/32").to_string(), "2001:db8::/32");
}

TEST(Cidr, TreatsABareAddressAsASingleHost) {
    auto const v4 = cidr("192.0.2.1");
    EXPECT_EQ(v4.to_string(), "192.0.2.1/32");
    EXPECT_TRUE(v4.contains(ip("192.0.2.1")));
    EXPECT_FALSE(v4.contains(ip("192.0.2.2")));

    auto const v6 = cidr("::1");
    EXPECT_EQ(v6.to_string(), "::1/128");
    EXPECT_TRUE(v6.contains(ip("::1")));
    EXPECT_FALSE(v6.contains(ip("::2")));
}

TEST(Cidr, MatchesAddressesInsideAnIpv6Network) {
    auto const network = cidr("2001:db8::/32");
    EXPECT_TRUE(network.contains(ip("2001:db8::1")));
    EXPECT_TRUE(network.contains(ip("2001:db8:ffff:ffff::1")));
    EXPECT_FALSE(network.contains(ip("2001:db9::1")));
}

TEST(Cidr, AcceptsTheFullRangeOfPrefixes) {
    EXPECT_TRUE(cidr("0.0.0.0/0").contains(ip("198.51.100.1")));
    EXPECT_TRUE(cidr("::/0").contains(ip("2001:db8::1")));
    EXPECT_EQ(cidr("192.0.2.1/32").to_string(), "192.0.2.1/32");
    EXPECT_EQ(cidr("2001:db8::1/128").to_string(), "2001:db8::1/128");
}

TEST(Cidr, MatchesIpv4MappedAddressesAgainstIpv4Networks) {
    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
    EXPECT_TRUE(cidr("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")));
    EXPECT_FALSE(cidr("10.0.0.0/8").contains(ip("::ffff:11.1.2.3")));
    EXPECT_TRUE(cidr("127.0.0.1").contains(ip("::ffff:127.0.0.1")));
}

TEST(Cidr, NormalisesAnIpv4MappedNetworkToIpv4) {
    auto const network = cidr("::ffff:10.0.0.0/104");
    EXPECT_EQ(network.to_string(), "10.0.0.0/8");
    EXPECT_TRUE(network.contains(ip("10.1.1.1")));
    EXPECT_TRUE(network.contains(ip("::ffff:10.1.1.1")));
    EXPECT_EQ(cidr("::ffff:192.0.2.1").to_string(), "192.0.2.1/32");
}

TEST(Cidr, NeverMatchesAcrossAddressFamilies) {
    EXPECT_FALSE(cidr("0.0.0.0/0").contains(ip("::1")));
    EXPECT_FALSE(cidr("0.0.0.0/0").contains(ip("2001:db8::1")));
    EXPECT_FALSE(cidr("::/0").contains(ip("192.0.2.1")));
    // A mapped address is an IPv4 client, so an IPv6 network does not take it.
    EXPECT_FALSE(cidr("::/0").contains(ip("::ffff:192.0.2.1")));
    // ::a00:1 only looks like 10.0.0.1 (the deprecated IPv4-compatible form); it is IPv6.
    EXPECT_FALSE(cidr("10.0.0.0/8").contains(ip("::a00:1")));
}

TEST(Cidr, IgnoresTheZoneOfALinkLocalAddress) {
    auto scoped = ip("fe80::1");
    scoped = boost::asio::ip::address_v6(scoped.to_v6().to_bytes(), 2);
    EXPECT_TRUE(cidr("fe80::/10").contains(scoped));
}

TEST(Cidr, RejectsMalformedText) {
    std::vector<std::string> const bad = {
        "",
        "/",
        "/8",
        "10.0.0.0/",
        "10.0.0/8",
        "10.0.0.0/33",
        "10.0.0.0/8/8",
        "10.0.0.0/-1",
        "10.0.0.0/+8",
        "10.0.0.0/8x",
        "10.0.0.0/0x8",
        "10.0.0.0/1000",
        "10.0.0.0 /8",
        "10.0.0.0/ 8",
        " 10.0.0.0/8",
        "10.0.0.0/8 ",
        "256.0.0.0/8",
        "10.0.0.0.0",
        "::/129",
        "2001:db8:::/32",
        "fe80::1%eth0/64",
        "localhost",
    };
    for (auto const& text : bad) {
        EXPECT_FALSE(Cidr::parse(text).has_value()) << '"' << text << '"';
    }
    // Boost hands the text to inet_pton as a C string; a NUL must not cut the junk off.
    EXPECT_FALSE(Cidr::parse(std::string_view("10.0.0.0/8\0", 11)).has_value());
    EXPECT_FALSE(Cidr::parse(std::string_view("10.0.0.0\0junk/8", 15)).has_value());
    EXPECT_FALSE(Cidr::parse(std::string_view("::1\0junk", 8)).has_value());
}

TEST(Cidr, AnyContainsChecksEveryNetworkInTheList) {
    std::vector<Cidr> const networks = {cidr("192.0.2.0/24"), cidr("2001:db8::/32")};
    EXPECT_TRUE(any_contains(networks, ip("192.0.2.9")));
    EXPECT_TRUE(any_contains(networks, ip("2001:db8::9")));
    EXPECT_TRUE(any_contains(networks, ip("::ffff:192.0.2.9")));
    EXPECT_FALSE(any_contains(networks, ip("198.51.100.1")));
    EXPECT_FALSE(any_contains({}, ip("192.0.2.9")));
}

}  // namespace
}  // namespace callsink
