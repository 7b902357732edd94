#include "callsink/sinks/postgres/jsonb_copy.hpp"

#include <cstdint>

namespace callsink {
namespace {

constexpr std::size_t kEscapeSize = 6;  // \uXXXX

// The code unit of the \uXXXX escape at `at` (json[at] is the backslash), or nullopt when there
// is none there.
std::optional<std::uint32_t> unicode_escape(std::string_view json, std::size_t at) {
    if (at + kEscapeSize > json.size() || json[at] != '\\' || json[at + 1] != 'u') {
        return std::nullopt;
    }
    std::uint32_t unit = 0;
    for (std::size_t i = at + 2; i < at + kEscapeSize; ++i) {
        char const c = json[i];
        std::uint32_t digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<std::uint32_t>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            digit = static_cast<std::uint32_t>(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            digit = static_cast<std::uint32_t>(c - 'A' + 10);
        } else {
            return std::nullopt;
        }
        unit = unit * 16 + digit;
    }
    return unit;
}

bool is_high_surrogate(std::uint32_t unit) {
    return unit >= 0xD800 && unit <= 0xDBFF;
}

bool is_low_surrogate(std::uint32_t unit) {
    return unit >= 0xDC00 && unit <= 0xDFFF;
}

}  // namespace

std::optional<std::string> jsonb_safe_copy(std::string_view json) {
    // Valid JSON has backslashes only inside strings, each starting an escape: walking escape by
    // escape needs no string tracking. Most records have no \u at all.
    if (json.find("\\u") == std::string_view::npos) {
        return std::nullopt;
    }
    std::optional<std::string> copy;
    auto const replace = [&](std::size_t at) {
        if (!copy) {
            copy.emplace(json);
        }
        copy->replace(at, kEscapeSize, kJsonbStandIn);
    };
    for (std::size_t at = json.find('\\'); at != std::string_view::npos; at = json.find('\\', at)) {
        auto const unit = unicode_escape(json, at);
        if (!unit) {
            at += 2;  // \" \\ \/ \b \f \n \r \t
            continue;
        }
        if (is_high_surrogate(*unit)) {
            auto const next = unicode_escape(json, at + kEscapeSize);
            if (next && is_low_surrogate(*next)) {
                at += 2 * kEscapeSize;  // a pair: one code point, which jsonb takes
                continue;
            }
            replace(at);
        } else if (*unit == 0 || is_low_surrogate(*unit)) {
            replace(at);
        }
        at += kEscapeSize;
    }
    return copy;
}

}  // namespace callsink
