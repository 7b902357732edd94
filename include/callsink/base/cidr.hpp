// IP networks in CIDR notation ("203.0.113.0/24", "::1/128"), for the source allowlist and the
// trusted proxies. Parsing happens at start-up; matching is allocation-free and thread-safe.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callsink {

class Cidr {
  public:
    // "ADDR/PREFIX" or a bare address (a single host). nullopt when malformed.
    static std::optional<Cidr> parse(std::string_view text);

    // IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match IPv4 networks.
    bool contains(boost::asio::ip::address const& address) const;

    std::string to_string() const;

  private:
    Cidr(boost::asio::ip::address network, unsigned prefix) : network_(network), prefix_(prefix) {}

    boost::asio::ip::address network_;
    unsigned prefix_;
};

bool any_contains(std::vector<Cidr> const& networks, boost::asio::ip::address const& address);

}  // namespace callsink
