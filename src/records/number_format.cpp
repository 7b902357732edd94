#include "callsink/records/number_format.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <system_error>

namespace callsink::number_format {
namespace {

// nlohmann's layout (its dtoa_impl::format_buffer): plain digits when the decimal point falls
// within 4 places before the first digit to 15 after it, exponent notation outside.
constexpr int kLowestPlainPoint = -4;
constexpr int kHighestPlainPoint = std::numeric_limits<double>::digits10;

// The decimals taken without dump(): at most 15 significant digits, times a power of ten that a
// long double holds exactly.
constexpr std::size_t kMaxDigits = std::numeric_limits<double>::digits10;
constexpr int kMaxPowerOfTen = 27;  // 5^27 < 2^64
static_assert(std::numeric_limits<long double>::digits >= 64,
              "the distance check needs 64-bit long double significands (x86-64)");

// How far from the double the decimal may lie, in gaps to the neighbouring double on its side:
// the rounding interval ends at half a gap. Grisu2 narrows the interval by under 2 units of its
// 64-bit products (under 2^-8 gap, a double being under 2^53 gaps), and this check's own
// rounding is under 2^-11 gap: 0.45 leaves more than ten times that.
constexpr long double kMaxDistanceInGaps = 0.45L;

constexpr std::array<long double, kMaxPowerOfTen + 1> kPowersOfTen = [] {
    std::array<long double, kMaxPowerOfTen + 1> powers{};
    long double power = 1;
    for (long double& each : powers) {
        each = power;
        power *= 10;
    }
    return powers;
}();

template <class T>
bool parse_all(std::string_view text, T& value) {
    char const* const last = text.data() + text.size();
    auto const [end, error] = std::from_chars(text.data(), last, value);
    return error == std::errc{} && end == last && !text.empty();
}

// A decimal as significant digits times a power of ten: 0.0125 is 125 × 10^-4.
struct Decimal {
    std::array<char, kMaxDigits> digits;
    std::size_t length = 0;
    std::uint64_t whole = 0;  // the digits' value
    int exponent = 0;

    std::string_view significant() const { return {digits.data(), length}; }
};

// The significant digits of `text` (parse_double's syntax: "-12.50", "1E2", ".5", "007"), when
// there are at most kMaxDigits of them.
bool read_decimal(std::string_view text, Decimal& decimal) {
    std::size_t at = text.starts_with('-') ? 1 : 0;
    std::size_t zeros = 0;  // after the last nonzero digit, held back
    bool fraction = false;
    for (; at < text.size() && text[at] != 'e' && text[at] != 'E'; ++at) {
        char const c = text[at];
        if (c == '.') {
            fraction = true;
            continue;
        }
        decimal.exponent -= fraction ? 1 : 0;
        if (c == '0') {
            zeros += decimal.length == 0 ? 0 : 1;  // a leading zero is no digit
            continue;
        }
        if (decimal.length + zeros + 1 > kMaxDigits) {
            return false;
        }
        for (; zeros > 0; --zeros) {
            decimal.digits[decimal.length++] = '0';
            decimal.whole *= 10;
        }
        decimal.digits[decimal.length++] = c;
        decimal.whole = decimal.whole * 10 + static_cast<std::uint64_t>(c - '0');
    }
    decimal.exponent += static_cast<int>(zeros);
    if (at < text.size()) {
        std::string_view power = text.substr(at + 1);
        if (power.starts_with('+')) {
            power.remove_prefix(1);
        }
        int written = 0;
        if (!parse_all(power, written) || written > kMaxPowerOfTen * 2 ||
            written < -kMaxPowerOfTen * 2) {
            return false;
        }
        decimal.exponent += written;
    }
    return decimal.length > 0;
}

// Whether Grisu2 finds `decimal` for `value`: it does when the decimal lies clearly inside the
// value's rounding interval and is the only one of at most 15 digits there (two such decimals
// are more than the interval's width apart), so that it is also the shortest.
bool grisu2_finds(Decimal const& decimal, double magnitude) {
    if (decimal.exponent < -kMaxPowerOfTen || decimal.exponent > kMaxPowerOfTen ||
        magnitude < std::numeric_limits<double>::min()) {
        return false;  // subnormals, as rare as they are unlikely, are left to dump()
    }
    long double const power = kPowersOfTen[static_cast<std::size_t>(std::abs(decimal.exponent))];
    auto const whole = static_cast<long double>(decimal.whole);
    long double const exact = decimal.exponent >= 0 ? whole * power : whole / power;
    long double const offset = exact - static_cast<long double>(magnitude);
    // The neighbouring double on the decimal's side is the next bit pattern, `magnitude` being
    // positive and normal; below a power of two the gap is half the gap above.
    auto const bits = std::bit_cast<std::uint64_t>(magnitude);
    auto const neighbour = std::bit_cast<double>(offset < 0 ? bits - 1 : bits + 1);
    long double const gap = std::abs(static_cast<long double>(neighbour) - magnitude);
    return std::abs(offset) <= kMaxDistanceInGaps * gap;
}

// digits × 10^exponent as nlohmann lays it out, built in a buffer and appended once.
void append_layout(bool negative, std::string_view digits, int exponent, std::string& out) {
    std::array<char, 48> text;  // a sign, 15 digits and at most 17 more characters
    char* p = text.data();
    auto const put = [&p](std::string_view part) { p = std::copy(part.begin(), part.end(), p); };
    if (negative) {
        *p++ = '-';
    }
    int const length = static_cast<int>(digits.size());
    int const point = length + exponent;  // where the decimal point goes, from the first digit
    if (length <= point && point <= kHighestPlainPoint) {  // 1200.0
        put(digits);
        p = std::fill_n(p, point - length, '0');
        put(".0");
    } else if (0 < point && point <= kHighestPlainPoint) {  // 12.5
        put(digits.substr(0, static_cast<std::size_t>(point)));
        *p++ = '.';
        put(digits.substr(static_cast<std::size_t>(point)));
    } else if (kLowestPlainPoint < point && point <= 0) {  // 0.0125
        put("0.");
        p = std::fill_n(p, -point, '0');
        put(digits);
    } else {  // 1.25e+20, 1e-05
        *p++ = digits.front();
        if (length > 1) {
            *p++ = '.';
            put(digits.substr(1));
        }
        int const power = point - 1;
        put(power < 0 ? "e-" : "e+");
        if (std::abs(power) < 10) {
            *p++ = '0';
        }
        p = std::to_chars(p, text.data() + text.size(), std::abs(power)).ptr;
    }
    out.append(text.data(), p);
}

}  // namespace

bool round_trips(JsonNumber const& number) {
    return number.is_float || (number.integer_digits <= kMaxIntegerDigits && number.text != "-0");
}

bool append_number(JsonNumber const& number, std::string& out) {
    if (!round_trips(number)) {
        return false;
    }
    if (!number.is_float) {
        out += number.text;
        return true;
    }
    return append_decimal(number.text, out);
}

bool append_decimal(std::string_view text, std::string& out) {
    double value = 0;
    if (!parse_double(text, value)) {
        return false;
    }
    if (!append_decimal_without_dump(text, value, out)) {
        out += nlohmann::json(value).dump();
    }
    return true;
}

bool append_decimal_without_dump(std::string_view text, double value, std::string& out) {
    if (value == 0) {
        out += std::signbit(value) ? "-0.0" : "0.0";  // as nlohmann's to_chars writes a zero
        return true;
    }
    Decimal decimal;
    if (!read_decimal(text, decimal) || !grisu2_finds(decimal, std::abs(value))) {
        return false;
    }
    append_layout(value < 0, decimal.significant(), decimal.exponent, out);
    return true;
}

void append_integer(std::int64_t value, std::string& out) {
    std::array<char, 24> digits;
    auto const result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    out.append(digits.data(), result.ptr);
}

bool parse_integer(std::string_view text, std::int64_t& value) {
    return parse_all(text, value);
}

bool parse_double(std::string_view text, double& value) {
    return parse_all(text, value) && std::isfinite(value);
}

}  // namespace callsink::number_format
