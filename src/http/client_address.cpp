#include "callsink/http/client_address.hpp"

namespace callsink {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

boost::asio::ip::address client_address(boost::asio::ip::address const& peer,
                                        std::string_view forwarded_for,
                                        std::vector<Cidr> const& trusted_proxies) {
    if (!any_contains(trusted_proxies, peer)) {
        return peer;
    }
    boost::asio::ip::address client = peer;
    while (!forwarded_for.empty()) {
        auto const comma = forwarded_for.rfind(',');
        std::string_view const item =
            trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
        forwarded_for =
            comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
        boost::system::error_code ec;
        auto const address = boost::asio::ip::make_address(item, ec);
        if (ec) {
            // Garbage in the chain: the last address we could vouch for is as far as we trust.
            return client;
        }
        client = address;
        if (!any_contains(trusted_proxies, address)) {
            return client;
        }
    }
    return client;
}

std::string address_text(boost::asio::ip::address const& address) {
    if (!address.is_v4()) {
        return address.to_string();
    }
    std::string text;
    text.reserve(15);  // 255.255.255.255: within the string's own storage
    for (unsigned char const byte : address.to_v4().to_bytes()) {
        if (!text.empty()) {
            text += '.';
        }
        if (byte >= 100) {
            text += static_cast<char>('0' + byte / 100);
        }
        if (byte >= 10) {
            text += static_cast<char>('0' + byte / 10 % 10);
        }
        text += static_cast<char>('0' + byte % 10);
    }
    return text;
}

}  // namespace callsink
