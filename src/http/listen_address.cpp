#include "callsink/http/listen_address.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>
#include <charconv>
#include <optional>
#include <utility>

#include "callsink/config/config_table.hpp"

namespace callsink {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), is_digit)) {
        return std::nullopt;
    }
    unsigned port = 0;
    std::from_chars(text.data(), text.data() + text.size(), port);
    if (port > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(port);
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool is_host_name(std::string_view host) {
    if (host.empty() || host.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    while (start <= host.size()) {
        std::size_t end = std::min(host.find('.', start), host.size());
        std::string_view const label = host.substr(start, end - start);
        bool const valid =
            !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
            std::all_of(label.begin(), label.end(),
                        [](char c) { return is_alpha(c) || is_digit(c) || c == '-'; });
        if (!valid) {
            return false;
        }
        start = end + 1;
    }
    return true;
}

// Digits and dots must make an IPv4 address: "10.0.0" or "300.1.1.1" is a typo, not a name.
bool is_ipv4_or_host_name(std::string_view host) {
    if (std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; })) {
        boost::system::error_code ec;
        boost::asio::ip::make_address_v4(host, ec);
        return !ec;
    }
    return is_host_name(host);
}

bool is_ipv6(std::string_view host) {
    if (host.find('\0') != std::string_view::npos) {  // Boost would stop reading at it
        return false;
    }
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(host, ec);
    return !ec;
}

// Splits "HOST:PORT" or "[IPv6]:PORT"; returns the problem instead when it cannot.
std::pair<std::string_view, std::string_view> split_host_port(std::string_view text,
                                                              std::string& problem) {
    if (text.starts_with('[')) {
        auto const close = text.find(']');
        if (close == std::string_view::npos || text.substr(close + 1).substr(0, 1) != ":") {
            problem = "has no \"]:PORT\" after the IPv6 address";
            return {};
        }
        return {text.substr(1, close - 1), text.substr(close + 2)};
    }
    auto const colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        problem = "has no port";
        return {};
    }
    return {text.substr(0, colon), text.substr(colon + 1)};
}

std::string host_problem(std::string_view text, std::string_view host) {
    bool const bracketed = text.starts_with('[');
    if (bracketed) {
        return is_ipv6(host) ? "" : "has " + in_quotes(host) + " in brackets, not an IPv6 address";
    }
    if (host.empty()) {
        return "has no host; use 0.0.0.0 to listen on every IPv4 interface";
    }
    if (host.find(':') != std::string_view::npos) {
        return "needs brackets around an IPv6 address";
    }
    return is_ipv4_or_host_name(host) ? ""
                                      : "has a host that is neither an IPv4 address nor a "
                                        "host name";
}

}  // namespace

ListenAddress parse_listen_address(std::string_view text, std::string const& key) {
    auto const fail = [&](std::string const& problem) {
        return ConfigError(key, in_quotes(text) + " " + problem +
                                    "; expected HOST:PORT such as \"127.0.0.1:8080\" or "
                                    "\"[::1]:8080\"");
    };
    std::string problem;
    auto const [host, port_text] = split_host_port(text, problem);
    if (problem.empty()) {
        problem = host_problem(text, host);
    }
    if (!problem.empty()) {
        throw fail(problem);
    }
    auto port = parse_port(port_text);
    if (!port) {
        throw fail("has a port that is not a number from 0 to 65535");
    }
    return ListenAddress{std::string(host), *port};
}

}  // namespace callsink
