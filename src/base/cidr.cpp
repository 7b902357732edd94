// IP networks in CIDR notation. Boost.Asio parses and masks; what is left here is what it does
// not do: a bare address as a single host, IPv4-mapped networks and addresses folded into IPv4,
// and the inputs its parser would misread (a NUL ends its C string, atoi overflows on a long
// prefix, a zone index names an interface rather than a network).
#include "callsink/base/cidr.hpp"

#include <algorithm>
#include <boost/system/error_code.hpp>

namespace callsink {
namespace {

namespace ip = boost::asio::ip;

constexpr unsigned short kMappedPrefixBits = 96;  // the ::ffff:0:0/96 part of a mapped address
constexpr std::size_t kMaxPrefixDigits = 3;

ip::address unmapped(ip::address const& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    }
    return address;
}

bool has_unparsable_text(std::string_view text) {
    if (text.find_first_of(std::string_view("%\0", 2)) != std::string_view::npos) {
        return true;
    }
    auto const slash = text.find('/');
    return slash != std::string_view::npos && text.size() - slash - 1 > kMaxPrefixDigits;
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
    if (has_unparsable_text(text)) {
        return std::nullopt;
    }
    bool const v6 = text.substr(0, text.find('/')).find(':') != std::string_view::npos;
    std::string network(text);
    if (text.find('/') == std::string_view::npos) {
        network += v6 ? "/128" : "/32";
    }
    boost::system::error_code ec;
    if (!v6) {
        auto const parsed = ip::make_network_v4(network, ec);
        return ec ? std::nullopt : std::optional<Cidr>(Cidr(parsed.canonical()));
    }
    auto const parsed = ip::make_network_v6(network, ec);
    if (ec) {
        return std::nullopt;
    }
    ip::address_v6 const address = parsed.address();
    if (address.is_v4_mapped() && parsed.prefix_length() >= kMappedPrefixBits) {
        auto const prefix = static_cast<unsigned short>(parsed.prefix_length() - kMappedPrefixBits);
        return Cidr(
            ip::network_v4(ip::make_address_v4(ip::v4_mapped, address), prefix).canonical());
    }
    return Cidr(parsed.canonical());
}

bool Cidr::contains(ip::address const& address) const {
    auto const candidate = unmapped(address);
    if (auto const* v4 = std::get_if<ip::network_v4>(&network_)) {
        return candidate.is_v4() &&
               ip::network_v4(candidate.to_v4(), v4->prefix_length()).canonical() == *v4;
    }
    auto const& v6 = std::get<ip::network_v6>(network_);
    // The zone of a link-local address names an interface, not part of the network.
    auto const scopeless = [](ip::address_v6 a) { return ip::address_v6(a.to_bytes()); };
    return candidate.is_v6() &&
           ip::network_v6(scopeless(candidate.to_v6()), v6.prefix_length()).canonical() == v6;
}

std::string Cidr::to_string() const {
    return std::visit([](auto const& network) { return network.to_string(); }, network_);
}

bool any_contains(std::vector<Cidr> const& networks, ip::address const& address) {
    return std::any_of(networks.begin(), networks.end(),
                       [&](Cidr const& network) { return network.contains(address); });
}

}  // namespace callsink
