// number_format against nlohmann's dump(), which the general path writes records with: the same
// text, by either route, for every number tried (over a million and a half: integers, random
// doubles' texts of 15 to 17 digits, decimal texts as deliveries write them, edge cases); the route
// without dump() taking most of the numbers deliveries hold; and number tokens written as nlohmann
// writes what it reads from them.
#include "callsink/records/number_format.hpp"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callsink {
namespace {

std::string dumped(double value) {
    return nlohmann::json(value).dump();
}

std::string dumped_from_text(std::string_view text) {
    return nlohmann::json::parse(text).dump();
}

// Holds append_decimal to dump() on the value of `text`, and the route without dump() too where
// it takes the text; returns whether it did.
bool agrees_with_dump(std::string_view text) {
    double value = 0;
    EXPECT_TRUE(number_format::parse_double(text, value)) << text;
    std::string const expected = dumped(value);
    std::string written;
    EXPECT_TRUE(number_format::append_decimal(text, written)) << text;
    EXPECT_EQ(written, expected) << text;
    std::string without_dump;
    if (!number_format::append_decimal_without_dump(text, value, without_dump)) {
        EXPECT_EQ(without_dump, "") << text;
        return false;
    }
    EXPECT_EQ(without_dump, expected) << text;
    return true;
}

// The shortest text that reads back as `value`, or `digits` significant digits of it.
std::string text_of(double value, int digits = 0) {
    std::array<char, 64> text;
    auto const result = digits == 0 ? std::to_chars(text.data(), text.data() + text.size(), value)
                                    : std::to_chars(text.data(), text.data() + text.size(), value,
                                                    std::chars_format::general, digits);
    return std::string(text.data(), result.ptr);
}

TEST(AppendDecimal, WritesWhatDumpWritesForTheEdgeCases) {
    for (std::string_view text : {
             "0",
             "-0",
             "0.0",
             "-0.0",
             "0e5",
             "1",
             "-1",
             "4.5",
             "4.50",
             "0.05",
             "0.1",
             "1e-5",
             "1e-4",
             "1e14",
             "999999999999999",
             "1e15",
             "-1e15",
             "1000000000000001",
             "1.5e15",
             "1e16",
             "9007199254740992",
             "9007199254740993",
             "1e20",
             "1.91162e21",
             "1e21",
             "1e27",
             "1e28",
             "1e-27",
             "1e-28",
             "123456.789",
             "0.30000000000000004",
             "1.7976931348623157e308",
             "-1.7976931348623157e308",
             "4.9e-324",
             "2.2250738585072014e-308",
             ".5",
             "007",
             "5.",
             "-12.50",
             "1E2",
             "1e+2",
             "1E-05",
             "12.3456789e10",
             "0.000000000000000000000000000001e30",
             "100000000000000000000000000000e-29",
             "1.00000000000000000000",
             "1e54",
             "1e-55",
         }) {
        agrees_with_dump(text);
    }
}

TEST(AppendDecimal, LaysOutEachRangeAsDumpDoes) {
    for (auto const& [text, expected] : std::vector<std::pair<std::string_view, std::string_view>>{
             {"0.00001", "1e-05"},
             {"0.000125", "0.000125"},
             {"0.0125", "0.0125"},
             {"12.5", "12.5"},
             {"-1200", "-1200.0"},
             {"123456789012345", "123456789012345.0"},
             {"1e15", "1e+15"},
             {"1.5e15", "1.5e+15"},
             {"-2.5e-20", "-2.5e-20"},
             {"1e22", "1e+22"},
             {"1.25e-100", "1.25e-100"},
         }) {
        std::string written;
        EXPECT_TRUE(number_format::append_decimal(text, written));
        EXPECT_EQ(written, expected);
        double value = 0;
        ASSERT_TRUE(number_format::parse_double(text, value));
        EXPECT_EQ(dumped(value), expected);
    }
}

TEST(AppendDecimal, RefusesWhatParseDoubleRefuses) {
    for (std::string_view text : {"", "+1", "1 ", "inf", "nan", "1e400", "x"}) {
        std::string written;
        EXPECT_FALSE(number_format::append_decimal(text, written)) << text;
        EXPECT_EQ(written, "");
    }
}

TEST(AppendDecimal, TakesEveryIntegerNearZeroWithoutDump) {
    for (int i = -100'000; i <= 100'000; ++i) {
        ASSERT_TRUE(agrees_with_dump(std::to_string(i))) << i;
    }
}

TEST(AppendDecimal, WritesWhatDumpWritesForIntegersOfEveryLength) {
    std::mt19937_64 random(20261203);
    for (int digits = 1; digits <= 17; ++digits) {
        auto const low = digits == 1 ? 0 : static_cast<std::int64_t>(std::pow(10, digits - 1));
        auto const high = static_cast<std::int64_t>(std::pow(10, digits)) - 1;
        std::uniform_int_distribution<std::int64_t> pick(low, high);
        for (int round = 0; round < 10'000; ++round) {
            std::int64_t const value = pick(random);
            // Up to 15 digits an integer is exact, and its own shortest decimal.
            ASSERT_TRUE(agrees_with_dump(std::to_string(value)) || digits > 15) << value;
            agrees_with_dump(std::to_string(-value));
        }
        for (std::int64_t edge : {low, low + 1, high - 1, high}) {
            agrees_with_dump(std::to_string(edge));
        }
    }
}

// Every double's shortest text, and the same cut to 15 and stretched to 17 digits.
TEST(AppendDecimal, WritesWhatDumpWritesForRandomDoubles) {
    std::mt19937_64 random(20261204);
    for (int round = 0; round < 100'000; ++round) {
        double const value = std::bit_cast<double>(random());
        if (!std::isfinite(value)) {
            continue;
        }
        for (int digits : {0, 15, 17}) {
            agrees_with_dump(text_of(value, digits));
        }
        if (::testing::Test::HasFailure()) {
            return;
        }
    }
}

// Numbers as deliveries write them: a few digits, a point, sometimes an exponent. Most of those
// with up to 15 digits must go without dump(), or its cost is back.
TEST(AppendDecimal, WritesWhatDumpWritesForDecimalTextsMostlyWithoutDump) {
    std::mt19937_64 random(20261205);
    std::uniform_int_distribution<int> length(1, 17);
    std::uniform_int_distribution<int> digit(0, 9);
    std::uniform_int_distribution<int> exponent(-30, 30);
    int short_ones = 0;
    int short_ones_taken = 0;
    for (int round = 0; round < 300'000; ++round) {
        std::string text = random() % 2 == 0 ? "" : "-";
        int const digits = length(random);
        int const point = static_cast<int>(random() % static_cast<unsigned>(digits + 1));
        for (int i = 0; i < digits; ++i) {
            text += static_cast<char>('0' + digit(random));
            if (i + 1 == point && i + 1 < digits) {
                text += '.';
            }
        }
        bool const exponent_form = random() % 4 == 0;
        if (exponent_form) {
            text += "e" + std::to_string(exponent(random));
        }
        bool const taken = agrees_with_dump(text);
        if (::testing::Test::HasFailure()) {
            FAIL() << text;
        }
        if (digits <= 15 && !exponent_form) {
            ++short_ones;
            short_ones_taken += taken ? 1 : 0;
        }
    }
    EXPECT_GT(short_ones_taken, short_ones * 8 / 10) << short_ones_taken << " of " << short_ones;
}

std::string appended(std::string_view text, bool& ok) {
    JsonLexer in(text);
    JsonNumber number;
    EXPECT_TRUE(in.number(number) && in.done()) << text;
    std::string out = "x";
    ok = number_format::append_number(number, out);
    return out.substr(1);
}

TEST(AppendNumber, WritesWhatNlohmannWritesBackAfterReadingIt) {
    for (std::string_view text :
         {"0", "7", "-12", "123456789012345678", "-123456789012345678", "1.5", "2.50", "1E2",
          "1e+2", "-0.0", "0.0", "1e-7", "12.3456789e10", "5e-324", "1.7976931348623157e308"}) {
        bool ok = false;
        EXPECT_EQ(appended(text, ok), dumped_from_text(text)) << text;
        EXPECT_TRUE(ok) << text;
    }
}

TEST(AppendNumber, DeclinesWhatNlohmannWouldRewriteOrCannotWrite) {
    for (std::string_view text : {"-0", "1234567890123456789", "-1234567890123456789", "1e400"}) {
        bool ok = true;
        EXPECT_EQ(appended(text, ok), "") << text;
        EXPECT_FALSE(ok) << text;
    }
}

TEST(RoundTrips, IsFalseOnlyForMinusZeroAndLongIntegers) {
    for (auto const& [text, expected] : std::vector<std::pair<std::string_view, bool>>{
             {"0", true},
             {"-0", false},
             {"-0.0", true},
             {"123456789012345678", true},
             {"1234567890123456789", false},
             {"1234567890123456789.0", true},
         }) {
        JsonLexer in(text);
        JsonNumber number;
        ASSERT_TRUE(in.number(number));
        EXPECT_EQ(number_format::round_trips(number), expected) << text;
    }
}

TEST(ParseNumbers, TakeTheWholeTextAndNothingElse) {
    std::int64_t integer = 0;
    EXPECT_TRUE(number_format::parse_integer("-42", integer));
    EXPECT_EQ(integer, -42);
    EXPECT_TRUE(number_format::parse_integer("007", integer));
    EXPECT_EQ(integer, 7);
    for (std::string_view text : {"", "+5", " 5", "5 ", "5.0", "9223372036854775808", "0x1"}) {
        EXPECT_FALSE(number_format::parse_integer(text, integer)) << text;
    }
    double value = 0;
    EXPECT_TRUE(number_format::parse_double("1e5", value));
    EXPECT_EQ(value, 1e5);
    EXPECT_TRUE(number_format::parse_double(".5", value));  // what numeric strings may hold
    EXPECT_EQ(value, 0.5);
    for (std::string_view text : {"", "+1", "1 ", "inf", "nan", "1e400", "0x1p3"}) {
        EXPECT_FALSE(number_format::parse_double(text, value)) << text;
    }
}

TEST(AppendInteger, WritesTheDigits) {
    std::string out;
    number_format::append_integer(std::numeric_limits<std::int64_t>::min(), out);
    EXPECT_EQ(out, "-9223372036854775808");
}

}  // namespace
}  // namespace callsink
