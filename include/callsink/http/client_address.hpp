// Decides which address a delivery came from (`received.remote`, and what the allowlist checks).
// The socket peer, unless that peer is a trusted proxy: then X-Forwarded-For is read from the
// right, skipping addresses that are themselves trusted proxies, and the first other address is
// the client. With no trusted proxies a spoofed header changes nothing. Pure.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "callsink/base/cidr.hpp"

namespace callsink {

// forwarded_for: every X-Forwarded-For value of the request joined with ", ", in header order.
boost::asio::ip::address client_address(boost::asio::ip::address const& peer,
                                        std::string_view forwarded_for,
                                        std::vector<Cidr> const& trusted_proxies);

// The address as Asio's to_string() writes it. IPv4 is written by hand: to_string() goes through
// inet_ntop and sprintf, a visible share of a delivery's CPU time.
std::string address_text(boost::asio::ip::address const& address);

}  // namespace callsink
