// MsisdnPrivacy: the mask and hash rules for one number, and what the clear policy leaves alone.
// Finding the numbers is tested beside msisdn_field_protector_test.cpp and
// msisdn_text_scrubber_test.cpp.
#include "callsink/events/msisdn_privacy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fixtures.hpp"
#include "parsed.hpp"
#include "phone_numbers.hpp"

namespace callsink {
namespace {

using testing::digits_of;
using testing::fixture;
using testing::leaked_runs;
using testing::numbers_in;
using testing::parsed;
using testing::written;

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr std::string_view kKey = "test-key";

MsisdnPrivacy const kClear(MsisdnPolicy::clear);
MsisdnPrivacy const kMask(MsisdnPolicy::mask);
MsisdnPrivacy const kHash(MsisdnPolicy::hash, std::string(kKey));

// --- country codes ---------------------------------------------------------------------------

TEST(CountryCodeLength, OneAndSevenAreTheOneDigitCodes) {
    EXPECT_EQ(country_code_length("12314377870"), 1u);  // US
    EXPECT_EQ(country_code_length("79161234567"), 1u);  // Russia
    EXPECT_EQ(country_code_length("1"), 1u);
}

TEST(CountryCodeLength, FollowsTheItuListOfTwoDigitCodes) {
    for (std::string_view code :
         {"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
          "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
          "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"}) {
        EXPECT_EQ(country_code_length(std::string(code) + "12345678"), 2u) << code;
    }
}

TEST(CountryCodeLength, EveryOtherCodeHasThreeDigits) {
    // Morocco, Nigeria, Portugal, Ireland, Ukraine, Czechia, Belize, Brazil's neighbours 59x,
    // Fiji, freephone, Hong Kong, Bangladesh, Taiwan, Saudi Arabia, UAE, Uzbekistan, spare 28x.
    for (std::string_view code : {"212", "234", "351", "353", "380", "420", "501", "595", "679",
                                  "800", "852", "880", "886", "966", "971", "998", "280"}) {
        EXPECT_EQ(country_code_length(std::string(code) + "12345678"), 3u) << code;
    }
}

TEST(CountryCodeLength, IsZeroWithoutALeadingCountryDigit) {
    EXPECT_EQ(country_code_length(""), 0u);
    EXPECT_EQ(country_code_length("0911789651"), 0u);  // a national trunk prefix
    EXPECT_EQ(country_code_length("*5****8965"), 0u);
    EXPECT_EQ(country_code_length("6"), 0u);
    EXPECT_EQ(country_code_length("6*"), 0u);
}

// --- construction and clear ------------------------------------------------------------------

TEST(MsisdnPrivacy, HashWithoutAKeyIsRefusedAtConstruction) {
    EXPECT_THROW(MsisdnPrivacy{MsisdnPolicy::hash}, std::invalid_argument);
    EXPECT_THROW((MsisdnPrivacy{MsisdnPolicy::hash, ""}), std::invalid_argument);
    EXPECT_NO_THROW(MsisdnPrivacy{MsisdnPolicy::mask});
    EXPECT_NO_THROW((MsisdnPrivacy{MsisdnPolicy::clear, "unused"}));
}

TEST(MsisdnPrivacy, OnlyClearIsDisabled) {
    EXPECT_FALSE(kClear.enabled());
    EXPECT_TRUE(kMask.enabled());
    EXPECT_TRUE(kHash.enabled());
}

TEST(MsisdnPrivacy, ClearPassesEverythingThroughUnchanged) {
    EXPECT_EQ(kClear.protect_number("+6591178965"), "+6591178965");
    std::string const body = fixture("session_summary_success.json");
    EXPECT_EQ(kClear.scrub_text(body), body);
    Event event = parsed(body);
    kClear.protect(event);
    EXPECT_EQ(written(event), written(parsed(body)));
}

// --- mask ------------------------------------------------------------------------------------

TEST(MaskNumber, KeepsCountryCodeAndLastFourDigits) {
    EXPECT_EQ(kMask.protect_number("+6591178965"), "+65****8965");        // SG
    EXPECT_EQ(kMask.protect_number("+656833033"), "+65***3033");          // SG, as in the 2026 doc
    EXPECT_EQ(kMask.protect_number("+94778066434"), "+94*****6434");      // LK
    EXPECT_EQ(kMask.protect_number("+6283891703225"), "+62*******3225");  // ID
    EXPECT_EQ(kMask.protect_number("+622150996455"), "+62******6455");    // ID
    EXPECT_EQ(kMask.protect_number("+12314377870"), "+1******7870");      // US
    EXPECT_EQ(kMask.protect_number("+79161234567"), "+7******4567");      // RU
    EXPECT_EQ(kMask.protect_number("+8801712345678"), "+880******5678");  // BD
    EXPECT_EQ(kMask.protect_number("+971501234567"), "+971*****4567");    // AE
}

TEST(MaskNumber, CoversEveryNumberOfTheSeedFixtures) {
    for (std::string const& name : testing::delivery_fixtures()) {
        for (std::string const& number : numbers_in(name)) {
            std::string const masked = kMask.protect_number(number);
            std::string const digits = digits_of(number);
            EXPECT_EQ(masked.size(), number.size()) << number;
            EXPECT_EQ(masked.substr(masked.size() - 4), digits.substr(digits.size() - 4));
            EXPECT_THAT(leaked_runs(masked, number), ::testing::IsEmpty()) << masked;
            EXPECT_GE(std::count(masked.begin(), masked.end(), '*'), 3) << masked;
        }
    }
}

TEST(MaskNumber, WorksInPlaceOnFormattedNumbers) {
    EXPECT_EQ(kMask.protect_number("+65 9117 8965"), "+65 **** 8965");
    EXPECT_EQ(kMask.protect_number("6591178965"), "65****8965");
    EXPECT_EQ(kMask.protect_number("+1 (231) 437-7870"), "+1 (***) ***-7870");
    EXPECT_EQ(kMask.protect_number("tel:+65-9117-8965"), "tel:+65-****-8965");
}

TEST(MaskNumber, HidesEveryDigitOfAValueShorterThanEightDigits) {
    EXPECT_EQ(kMask.protect_number("9117896"), "*******");
    EXPECT_EQ(kMask.protect_number("+12"), "+**");
    EXPECT_EQ(kMask.protect_number("1800"), "****");
    EXPECT_EQ(kMask.protect_number("*123#"), "****#");
}

TEST(MaskNumber, KeepsOnlyTheLastFourWhenTheCountryCodeWouldLeaveTooFewHidden) {
    EXPECT_EQ(kMask.protect_number("+88012345"), "+****2345");    // 8 digits, 3-digit code
    EXPECT_EQ(kMask.protect_number("+880123456"), "+*****3456");  // 9 digits, 3-digit code
    EXPECT_EQ(kMask.protect_number("+659117896"), "+65***7896");  // 9 digits, 2-digit code
    EXPECT_EQ(kMask.protect_number("+12345678"), "+1***5678");    // 8 digits, 1-digit code
}

TEST(MaskNumber, KeepsNoPrefixOfANationalNumberWithATrunkZero) {
    EXPECT_EQ(kMask.protect_number("09117896511"), "*******6511");
}

TEST(MaskNumber, LeavesValuesWithoutDigitsUnchanged) {
    for (std::string_view value : {"", "anonymous", "***", "+", "Unknown caller"}) {
        EXPECT_EQ(kMask.protect_number(value), value);
    }
}

TEST(MaskNumber, MaskingAMaskedValueChangesNothing) {
    for (std::string_view value :
         {"+6591178965", "+656833033", "+12314377870", "+8801712345678", "+88012345", "09117896511",
          "9117896", "+65 9117 8965", "+12345678901234567890"}) {
        std::string const once = kMask.protect_number(value);
        EXPECT_EQ(kMask.protect_number(once), once) << value;
    }
}

// --- hash ------------------------------------------------------------------------------------

TEST(HashNumber, IsTheFirst64BitsOfHmacSha256OfPlusAndDigits) {
    // printf '%s' +6591178965 | openssl dgst -sha256 -hmac test-key
    EXPECT_EQ(kHash.protect_number("+6591178965"), "msisdn:9c3ab3fcdce2da20");
    EXPECT_EQ(kHash.protect_number("+6568332048"), "msisdn:859fb493654f5d52");
}

TEST(HashNumber, GivesOneTokenForEveryFormattingOfANumber) {
    std::string const token = kHash.protect_number("+6591178965");
    for (std::string_view variant :
         {"6591178965", "+65 9117 8965", "tel:+65-9117-8965", " +65 (9117) 8965 "}) {
        EXPECT_EQ(kHash.protect_number(variant), token) << variant;
    }
}

TEST(HashNumber, IsStableAndDiffersForDifferentNumbersAndKeys) {
    MsisdnPrivacy const same_key(MsisdnPolicy::hash, std::string(kKey));
    MsisdnPrivacy const other_key(MsisdnPolicy::hash, "other-key");
    EXPECT_EQ(same_key.protect_number("+6591178965"), kHash.protect_number("+6591178965"));
    EXPECT_NE(kHash.protect_number("+6591178965"), kHash.protect_number("+6591178966"));
    EXPECT_NE(kHash.protect_number("+6591178965"), kHash.protect_number("+6568332048"));
    EXPECT_EQ(other_key.protect_number("+6591178965"), "msisdn:9407d6581968d7e6");
}

TEST(HashNumber, TokensNeverContainTheNumber) {
    for (std::string const& name : testing::delivery_fixtures()) {
        for (std::string const& number : numbers_in(name)) {
            std::string const token = kHash.protect_number(number);
            EXPECT_THAT(token, MatchesRegex("msisdn:[0-9a-f]{16}"));
            EXPECT_THAT(leaked_runs(token, number), ::testing::IsEmpty()) << token;
        }
    }
}

TEST(HashNumber, LeavesTokensAndValuesWithoutDigitsUnchanged) {
    std::string const token = kHash.protect_number("+6591178965");
    EXPECT_EQ(kHash.protect_number(token), token);
    for (std::string_view value : {"", "anonymous", "***"}) {
        EXPECT_EQ(kHash.protect_number(value), value);
    }
    // Not a token: the digits are hashed.
    EXPECT_THAT(kHash.protect_number("msisdn:6591178965"), Not(HasSubstr("6591178965")));
}

}  // namespace
}  // namespace callsink
