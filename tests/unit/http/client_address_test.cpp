#include "callsink/http/client_address.hpp"

#include <gtest/gtest.h>

namespace callsink {
namespace {

boost::asio::ip::address ip(char const* text) {
    return boost::asio::ip::make_address(text);
}

std::vector<Cidr> cidrs(std::initializer_list<char const*> texts) {
    std::vector<Cidr> out;
    for (char const* text : texts) {
        out.push_back(*Cidr::parse(text));
    }
    return out;
}

TEST(ClientAddress, WithoutTrustedProxiesASpoofedHeaderChangesNothing) {
    EXPECT_EQ(client_address(ip("203.0.113.7"), "198.51.100.1", {}), ip("203.0.113.7"));
}

TEST(ClientAddress, AnUntrustedPeerIsTheClientWhateverItForwards) {
    EXPECT_EQ(client_address(ip("203.0.113.7"), "198.51.100.1", cidrs({"127.0.0.1/32"})),
              ip("203.0.113.7"));
}

TEST(ClientAddress, ATrustedProxyForwardsTheRightMostUntrustedAddress) {
    auto const trusted = cidrs({"127.0.0.1/32", "10.0.0.0/8"});
    // The client may put anything on the left; only what trusted proxies appended counts.
    EXPECT_EQ(client_address(ip("127.0.0.1"), "1.2.3.4, 198.51.100.9, 10.1.1.1", trusted),
              ip("198.51.100.9"));
}

TEST(ClientAddress, ReadsEveryForwardedForHeaderJoined) {
    EXPECT_EQ(client_address(ip("127.0.0.1"), "198.51.100.9 , 203.0.113.5", cidrs({"127.0.0.1"})),
              ip("203.0.113.5"));
}

TEST(ClientAddress, StopsAtGarbageAndKeepsTheLastVouchedAddress) {
    auto const trusted = cidrs({"127.0.0.1/32", "10.0.0.0/8"});
    EXPECT_EQ(client_address(ip("127.0.0.1"), "not-an-ip, 10.2.2.2", trusted), ip("10.2.2.2"));
    EXPECT_EQ(client_address(ip("127.0.0.1"), "", trusted), ip("127.0.0.1"));
}

TEST(ClientAddress, HandlesIpv6) {
    EXPECT_EQ(client_address(ip("::1"), "2001:db8::7", cidrs({"::1/128"})), ip("2001:db8::7"));
}

TEST(AddressText, WritesEveryAddressAsAsioDoes) {
    for (char const* text : {"0.0.0.0", "127.0.0.1", "9.10.99.100", "203.0.113.7",
                             "255.255.255.255", "::1", "2001:db8::7", "::ffff:203.0.113.7"}) {
        auto const address = boost::asio::ip::make_address(text);
        EXPECT_EQ(address_text(address), address.to_string()) << text;
    }
}

}  // namespace
}  // namespace callsink
