// IP networks in CIDR notation ("203.0.113.0/24", "::1/128"), for the source allowlist and the
// trusted proxies. Parsing happens at start-up, by Boost.Asio's network_v4/network_v6;
// matching is allocation-free and thread-safe.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
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
    using Network = std::variant<boost::asio::ip::network_v4, boost::asio::ip::network_v6>;
    explicit Cidr(Network network) : network_(network) {}

    Network network_;  // canonical: host bits cleared
};

bool any_contains(std::vector<Cidr> const& networks, boost::asio::ip::address const& address);

}  // namespace callsink
