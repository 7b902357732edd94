// The mask and hash rules for one number ([privacy] msisdn). The rules are in the header; this file
// only implements them.
#include "callsink/events/msisdn_privacy.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "callsink/base/hmac_sha256_pool.hpp"
#include "callsink/events/msisdn_field_protector.hpp"
#include "callsink/events/msisdn_text_scrubber.hpp"

namespace callsink {
namespace {

constexpr std::string_view kTokenPrefix = "msisdn:";
constexpr std::size_t kTokenHexDigits = 16;  // 64 bits of the HMAC
// Written instead of a token if OpenSSL ever fails after the start-up self-check: the number must
// not leak, and a reader can tell this from a token.
constexpr std::string_view kHashFailed = "msisdn:unavailable";

constexpr std::size_t kShortNumberLength = 8;  // fewer digits: nothing is kept
constexpr std::size_t kKeptTailDigits = 4;
constexpr std::size_t kMinHiddenDigits = 3;

// ITU-T E.164 two-digit country codes (List of ITU-T Recommendation E.164 assigned country
// codes). 1 and 7 are the one-digit codes; every other code starting with 2-9 has three digits.
constexpr std::array kTwoDigitCountryCodes{
    20, 27,                              // Egypt, South Africa
    30, 31, 32, 33, 34, 36, 39,          // Greece … Spain, Hungary, Italy
    40, 41, 43, 44, 45, 46, 47, 48, 49,  // Romania, Switzerland, Austria … Germany
    51, 52, 53, 54, 55, 56, 57, 58,      // Peru … Venezuela
    60, 61, 62, 63, 64, 65, 66,          // Malaysia … Singapore, Thailand
    81, 82, 84, 86,                      // Japan, South Korea, Vietnam, China
    90, 91, 92, 93, 94, 95, 98,          // Turkey … Myanmar, Iran
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool has_digit(std::string_view text) {
    return std::any_of(text.begin(), text.end(), is_digit);
}

bool is_token(std::string_view value) {
    if (value.size() != kTokenPrefix.size() + kTokenHexDigits || !value.starts_with(kTokenPrefix)) {
        return false;
    }
    return std::all_of(value.begin() + kTokenPrefix.size(), value.end(),
                       [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
}

bool is_masked_position(char c) {
    return is_digit(c) || c == '*';
}

}  // namespace

std::string_view to_string(MsisdnPolicy policy) {
    switch (policy) {
        case MsisdnPolicy::clear:
            return "clear";
        case MsisdnPolicy::mask:
            return "mask";
        case MsisdnPolicy::hash:
            return "hash";
    }
    return "?";
}

std::size_t country_code_length(std::string_view digits) {
    if (digits.empty() || digits[0] < '1' || digits[0] > '9') {
        return 0;
    }
    if (digits[0] == '1' || digits[0] == '7') {
        return 1;
    }
    if (digits.size() < 2 || !is_digit(digits[1])) {
        return 0;
    }
    int const code = (digits[0] - '0') * 10 + (digits[1] - '0');
    bool const two_digits = std::find(kTwoDigitCountryCodes.begin(), kTwoDigitCountryCodes.end(),
                                      code) != kTwoDigitCountryCodes.end();
    return two_digits ? 2 : 3;
}

MsisdnPrivacy::MsisdnPrivacy(MsisdnPolicy policy, std::string key,
                             NumberFieldNames const& number_fields)
    : policy_(policy), number_fields_(&number_fields) {
    if (policy_ != MsisdnPolicy::hash) {
        return;
    }
    if (key.empty()) {
        throw std::invalid_argument("privacy.msisdn = \"hash\" needs a key");
    }
    hmac_ = std::make_shared<HmacSha256Pool>(key);
    if (hash("0") == kHashFailed) {
        throw std::runtime_error("HMAC-SHA256 is not available from OpenSSL");
    }
}

std::string MsisdnPrivacy::protect_number(std::string_view number) const {
    if (policy_ == MsisdnPolicy::clear || !has_digit(number)) {
        return std::string(number);
    }
    return policy_ == MsisdnPolicy::mask ? mask(number) : hash(number);
}

std::string MsisdnPrivacy::mask(std::string_view number) const {
    // Positions are the digits and '*'s, so a masked value masks to itself.
    std::size_t length = 0;
    std::array<char, 2> head{};
    for (char c : number) {
        if (is_masked_position(c)) {
            if (length < head.size()) {
                head[length] = c;
            }
            ++length;
        }
    }
    std::size_t keep_head = 0;
    std::size_t keep_tail = 0;
    if (length >= kShortNumberLength) {
        keep_tail = kKeptTailDigits;
        std::size_t const code = country_code_length(std::string_view(head.data(), head.size()));
        if (length - code - keep_tail >= kMinHiddenDigits) {
            keep_head = code;
        }
    }
    std::string out(number);
    std::size_t position = 0;
    for (char& c : out) {
        if (!is_masked_position(c)) {
            continue;
        }
        if (position >= keep_head && position < length - keep_tail) {
            c = '*';
        }
        ++position;
    }
    return out;
}

std::string MsisdnPrivacy::hash(std::string_view number) const {
    if (is_token(number)) {
        return std::string(number);
    }
    // '+' and the digits. Any real number fits the stack buffer; a longer value uses the heap.
    std::size_t const digits =
        static_cast<std::size_t>(std::count_if(number.begin(), number.end(), is_digit));
    std::array<unsigned char, 64> small{};
    std::vector<unsigned char> large;
    unsigned char* normalised = small.data();
    if (digits + 1 > small.size()) {
        large.resize(digits + 1);
        normalised = large.data();
    }
    std::size_t size = 0;
    normalised[size++] = '+';
    for (char c : number) {
        if (is_digit(c)) {
            normalised[size++] = static_cast<unsigned char>(c);
        }
    }

    auto const mac = hmac_->mac(std::span<unsigned char const>(normalised, size));
    if (!mac) {
        return std::string(kHashFailed);
    }
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string token;
    token.reserve(kTokenPrefix.size() + kTokenHexDigits);
    token.append(kTokenPrefix);
    for (std::size_t i = 0; i < kTokenHexDigits / 2; ++i) {
        token.push_back(kHex[(*mac)[i] >> 4]);
        token.push_back(kHex[(*mac)[i] & 0x0F]);
    }
    return token;
}

void MsisdnPrivacy::protect(Event& event) const {
    if (enabled()) {
        protect_event_numbers(event, *this);
    }
}

std::string MsisdnPrivacy::scrub_text(std::string_view text) const {
    if (!enabled()) {
        return std::string(text);
    }
    return scrub_numbers_in_text(text, *this);
}

}  // namespace callsink
