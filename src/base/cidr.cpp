// IP networks in CIDR notation. A network is stored normalised: host bits cleared, and an
// IPv4-mapped IPv6 network (::ffff:a.b.c.d/n, n >= 96) turned into its IPv4 equivalent, so that
// contains() needs only one comparison of masked bytes and never allocates.
#include "callsink/base/cidr.hpp"

#include <algorithm>
#include <array>
#include <boost/system/error_code.hpp>
#include <charconv>
#include <cstddef>

namespace callsink {
namespace {

namespace ip = boost::asio::ip;

constexpr unsigned kIpv4Bits = 32;
constexpr unsigned kIpv6Bits = 128;
constexpr unsigned kMappedPrefixBits = 96;  // the ::ffff:0:0/96 part of a mapped address

// Clears every bit after the first `prefix` bits.
template <std::size_t N>
std::array<unsigned char, N> masked(std::array<unsigned char, N> bytes, unsigned prefix) {
    for (std::size_t i = 0; i < N; ++i) {
        unsigned const bit = static_cast<unsigned>(i) * 8;
        if (bit >= prefix) {
            bytes[i] = 0;
        } else if (prefix - bit < 8) {
            bytes[i] &= static_cast<unsigned char>(0xFFu << (8 - (prefix - bit)));
        }
    }
    return bytes;
}

ip::address unmapped(ip::address const& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    }
    return address;
}

// Digits only: std::from_chars alone would accept what follows a valid number ("8x").
std::optional<unsigned> parse_prefix(std::string_view text) {
    if (text.empty() || text.size() > 3 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    unsigned prefix = 0;
    std::from_chars(text.data(), text.data() + text.size(), prefix);
    return prefix;
}

std::optional<ip::address> parse_address(std::string_view text) {
    // A zone ("fe80::1%eth0") names an interface, not a network; matching ignores it anyway.
    // Boost passes the text on as a C string, so a NUL would silently cut off what follows it.
    if (text.find_first_of(std::string_view("%\0", 2)) != std::string_view::npos) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    auto address = ip::make_address(text, ec);
    if (ec) {
        return std::nullopt;
    }
    return address;
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
    auto const slash = text.find('/');
    auto address = parse_address(text.substr(0, slash));
    if (!address) {
        return std::nullopt;
    }
    unsigned const bits = address->is_v4() ? kIpv4Bits : kIpv6Bits;
    unsigned prefix = bits;
    if (slash != std::string_view::npos) {
        auto parsed = parse_prefix(text.substr(slash + 1));
        if (!parsed || *parsed > bits) {
            return std::nullopt;
        }
        prefix = *parsed;
    }
    if (address->is_v6() && address->to_v6().is_v4_mapped() && prefix >= kMappedPrefixBits) {
        address = unmapped(*address);
        prefix -= kMappedPrefixBits;
    }
    if (address->is_v4()) {
        return Cidr(ip::address_v4(masked(address->to_v4().to_bytes(), prefix)), prefix);
    }
    return Cidr(ip::address_v6(masked(address->to_v6().to_bytes(), prefix)), prefix);
}

bool Cidr::contains(ip::address const& address) const {
    auto const candidate = unmapped(address);
    if (candidate.is_v4() != network_.is_v4()) {
        return false;
    }
    if (candidate.is_v4()) {
        return masked(candidate.to_v4().to_bytes(), prefix_) == network_.to_v4().to_bytes();
    }
    return masked(candidate.to_v6().to_bytes(), prefix_) == network_.to_v6().to_bytes();
}

std::string Cidr::to_string() const {
    return network_.to_string() + "/" + std::to_string(prefix_);
}

bool any_contains(std::vector<Cidr> const& networks, ip::address const& address) {
    return std::any_of(networks.begin(), networks.end(),
                       [&](Cidr const& network) { return network.contains(address); });
}

}  // namespace callsink
