#include "callsink/base/utf8.hpp"

#include <algorithm>
#include <cstdint>

namespace callsink::utf8 {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

bool is_continuation(std::uint8_t byte) {
    return (byte & 0xC0) == 0x80;
}

// Length of the well-formed sequence that starts at `pos`, or 0 when there is none (RFC 3629,
// section 4: the second byte's range depends on the first so that overlong forms, surrogates and
// code points above U+10FFFF are all refused).
std::size_t sequence_length(std::string_view text, std::size_t pos) {
    auto const lead = static_cast<std::uint8_t>(text[pos]);
    if (lead < 0x80) {
        return 1;
    }
    std::size_t length = 0;
    std::uint8_t second_min = 0x80;
    std::uint8_t second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        second_min = lead == 0xE0 ? 0xA0 : 0x80;
        second_max = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        second_min = lead == 0xF0 ? 0x90 : 0x80;
        second_max = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (text.size() - pos < length) {
        return 0;
    }
    auto const second = static_cast<std::uint8_t>(text[pos + 1]);
    if (second < second_min || second > second_max) {
        return 0;
    }
    for (std::size_t i = 2; i < length; ++i) {
        if (!is_continuation(static_cast<std::uint8_t>(text[pos + i]))) {
            return 0;
        }
    }
    return length;
}

}  // namespace

bool is_valid(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t const length = sequence_length(text, pos);
        if (length == 0) {
            return false;
        }
        pos += length;
    }
    return true;
}

std::string excerpt(std::string_view text, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes) + kEllipsis.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t const length = sequence_length(text, pos);
        std::string_view const piece = length == 0 ? kReplacement : text.substr(pos, length);
        if (out.size() + piece.size() > max_bytes) {
            out.append(kEllipsis);
            break;
        }
        out.append(piece);
        pos += length == 0 ? 1 : length;
    }
    return out;
}

}  // namespace callsink::utf8
