// scrub_numbers_in_text (MsisdnPrivacy::scrub_text) over raw bodies, cut-short bodies and
// arbitrary bytes.
#include "callsink/events/msisdn_text_scrubber.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <string>
#include <string_view>

#include "callsink/events/msisdn_privacy.hpp"
#include "fixtures.hpp"
#include "phone_numbers.hpp"

namespace callsink {
namespace {

using testing::digits_of;
using testing::fixture;
using testing::leaked_runs;
using testing::numbers_in;

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

MsisdnPrivacy const kMask(MsisdnPolicy::mask);
MsisdnPrivacy const kHash(MsisdnPolicy::hash, "test-key");

TEST(ScrubText, MasksPlusNumbersAnywhereInRawJson) {
    EXPECT_EQ(kMask.scrub_text(R"({"caller":"+6591178965","n":1})"),
              R"({"caller":"+65****8965","n":1})");
    EXPECT_EQ(kHash.scrub_text(R"({"caller":"+6591178965"})"),
              R"({"caller":"msisdn:9c3ab3fcdce2da20"})");
}

TEST(ScrubText, ProtectsNumberFieldsWrittenWithoutAPlus) {
    EXPECT_EQ(kMask.scrub_text(R"({"source":"6591178965","destination":"6568332048"})"),
              R"({"source":"65****8965","destination":"65****2048"})");
    EXPECT_EQ(kHash.scrub_text(R"({"source":"6591178965"})"),
              R"({"source":"msisdn:9c3ab3fcdce2da20"})");
}

TEST(ScrubText, ToleratesWhitespaceAroundTheColon) {
    EXPECT_EQ(kMask.scrub_text(R"({"source" : "6591178965"})"), R"({"source" : "65****8965"})");
    EXPECT_EQ(kMask.scrub_text("{\"destination\"\n\t:\r\n \"6591178965\"}"),
              "{\"destination\"\n\t:\r\n \"65****8965\"}");
}

TEST(ScrubText, WritesNumberValuesOfNumberFieldsAsStrings) {
    EXPECT_EQ(kMask.scrub_text(R"({"source": 6591178965, "n": 6591178965})"),
              R"({"source": "65****8965", "n": 6591178965})");
    std::string const hashed = kHash.scrub_text(R"({"destination":6591178965})");
    EXPECT_EQ(hashed, R"({"destination":"msisdn:9c3ab3fcdce2da20"})");
    EXPECT_FALSE(Json::parse(hashed, nullptr, false).is_discarded());
}

TEST(ScrubText, ProtectsTheCallHandleFieldsAnyLetterCase) {
    EXPECT_EQ(kMask.scrub_text(R"({"sourceMsisdn":"6283891703225","TargetMSISDN":"622150996455"})"),
              R"({"sourceMsisdn":"62*******3225","TargetMSISDN":"62******6455"})");
    EXPECT_EQ(kMask.scrub_text(R"({"msisdn":"6512345678","SOURCE":"6512345678"})"),
              R"({"msisdn":"65****5678","SOURCE":"65****5678"})");
}

TEST(ScrubText, LeavesFieldsThatOnlyLookLikeNumberFieldsAlone) {
    std::string const body =
        R"({"sourceFormat":"MSISDN","sourceRefId":"PSTN1","sourceCountryCode":"65123456789",)"
        R"("callStatus":"source","note":"destination", "x":"source":1})";
    std::string const expected =
        R"({"sourceFormat":"MSISDN","sourceRefId":"PSTN1","sourceCountryCode":"65123456789",)"
        R"("callStatus":"source","note":"destination", "x":"source":"*"})";
    EXPECT_EQ(kMask.scrub_text(body), expected);
}

TEST(ScrubText, FindsNumbersAtTheStartAndEndOfTheText) {
    EXPECT_EQ(kMask.scrub_text("+6591178965"), "+65****8965");
    EXPECT_EQ(kMask.scrub_text("+6591178965 called +6568332048"), "+65****8965 called +65****2048");
    EXPECT_EQ(kMask.scrub_text("from +12314377870"), "from +1******7870");
}

TEST(ScrubText, WorksOnInvalidUtf8AndNulBytes) {
    using namespace std::string_literals;
    std::string const text =
        "\xff\xfe+6591178965\0\xc3("s + R"("source":")" + "\x80\x00"s + "6591178965\xe2\x82\"";
    std::string const expected =
        "\xff\xfe+65****8965\0\xc3("s + R"("source":")" + "\x80\x00"s + "65****8965\xe2\x82\"";
    EXPECT_EQ(kMask.scrub_text(text), expected);
    EXPECT_EQ(kMask.scrub_text("\xc3\x28+6591178965\xa0\xa1"), "\xc3\x28+65****8965\xa0\xa1");
    EXPECT_EQ(kHash.scrub_text("\xff+6591178965\xff"), "\xffmsisdn:9c3ab3fcdce2da20\xff");
}

TEST(ScrubText, KeepsValidUtf8Valid) {
    std::string const body =
        "{\"source\":\"\xc3\xa9 +65 9117 8965\",\"note\":\"\xc3\xbc+6591178965\"}";
    for (MsisdnPrivacy const* privacy : {&kMask, &kHash}) {
        std::string const scrubbed = privacy->scrub_text(body);
        Json const json = Json::parse(scrubbed, nullptr, false);
        ASSERT_FALSE(json.is_discarded()) << scrubbed;
        EXPECT_THAT(leaked_runs(scrubbed, "6591178965"), ::testing::IsEmpty()) << scrubbed;
    }
    EXPECT_EQ(kMask.scrub_text(body),
              "{\"source\":\"\xc3\xa9 +65 **** 8965\",\"note\":\"\xc3\xbc+65****8965\"}");
}

TEST(ScrubText, LeavesRunsOfFewerThanSevenDigitsAfterAPlusAlone) {
    for (std::string_view text :
         {"+12", "+123456", "2026-01-06T18:17:19.375+08:00", "1e+10", "+65 9117", "a + 1234567"}) {
        EXPECT_EQ(kMask.scrub_text(text), text);
        EXPECT_EQ(kHash.scrub_text(text), text);
    }
    EXPECT_EQ(kMask.scrub_text("+1234567"), "+*******");  // seven digits: a number, all hidden
}

TEST(ScrubText, ProtectsRunsLongerThanFifteenDigitsWhole) {
    // Not an E.164 number, but a number with digits glued on is still a number.
    EXPECT_EQ(kMask.scrub_text("x+12345678901234567890y"), "x+1***************7890y");
    EXPECT_THAT(kHash.scrub_text("+12345678901234567890"), MatchesRegex("msisdn:[0-9a-f]{16}"));
}

TEST(ScrubText, ProtectsAPlusNumberThatFollowsADigit) {
    EXPECT_EQ(kMask.scrub_text("1+6591178965"), "1+65****8965");
}

TEST(ScrubText, LeavesDigitRunsWithoutAPlusOutsideNumberFields) {
    std::string const text =
        R"({"ts":1704535039375,"eventId":"5d1c7a10-0001-4c2e-9a51-0000000000a5","n":"6591178965"})";
    EXPECT_EQ(kMask.scrub_text(text), text);
}

TEST(ScrubText, FindsFormattedNumbersInFreeText) {
    EXPECT_EQ(kMask.scrub_text("call +65 9117 8965 now"), "call +65 **** 8965 now");
    EXPECT_EQ(kMask.scrub_text("US: +1 (231) 437-7870."), "US: +1 (***) ***-7870.");
    EXPECT_EQ(kHash.scrub_text("call +65 9117-8965 now"), "call msisdn:9c3ab3fcdce2da20 now");
}

TEST(ScrubText, RecognisesUrlEncodedAndJsonEscapedPlusSigns) {
    EXPECT_EQ(kMask.scrub_text("/status?from=%2B6591178965&x=1"), "/status?from=%2B65****8965&x=1");
    EXPECT_EQ(kMask.scrub_text(R"({"caller":"\u002B6591178965"})"),
              R"({"caller":"\u002B65****8965"})");
    EXPECT_EQ(kMask.scrub_text(R"({"source":"\u002b6591178965"})"),
              R"({"source":"\u002b65****8965"})");
    EXPECT_EQ(kHash.scrub_text("from=%2b6591178965"), "from=msisdn:9c3ab3fcdce2da20");
    EXPECT_EQ(kHash.scrub_text(R"({"source":"\u002B6591178965"})"),
              R"({"source":"msisdn:9c3ab3fcdce2da20"})");
    EXPECT_EQ(kHash.scrub_text(R"({"source":"\u002B","destination":"%2B"})"),
              R"({"source":"\u002B","destination":"%2B"})");
}

TEST(ScrubText, ProtectsABodyCutShortInsideANumber) {
    EXPECT_EQ(kMask.scrub_text(R"({"payload":{"source":"+65911)"),
              R"({"payload":{"source":"+*****)");
    EXPECT_EQ(kMask.scrub_text(R"({"payload":{"destination":"6591178)"),
              R"({"payload":{"destination":"*******)");
    EXPECT_EQ(kMask.scrub_text(R"({"source":"+6568332048","destination":"+659117896)"),
              R"({"source":"+65****2048","destination":"+65***7896)");
    EXPECT_EQ(kHash.scrub_text(R"({"source":"+659117)"),
              R"({"source":")" + kHash.protect_number("659117"));
    EXPECT_EQ(kMask.scrub_text(R"({"source":)"), R"({"source":)");
    EXPECT_EQ(kMask.scrub_text(R"({"sour)"), R"({"sour)");
}

TEST(ScrubText, ProtectsJsonNestedInAJsonString) {
    EXPECT_EQ(kMask.scrub_text(R"({"eventData":"{\"source\":\"6591178965\",\"x\":1}"})"),
              R"({"eventData":"{\"source\":\"65****8965\",\"x\":1}"})");
    EXPECT_EQ(kMask.scrub_text(R"({"eventData":"{\"destination\": 6591178965}"})"),
              R"({"eventData":"{\"destination\": \"65****8965\"}"})");
}

TEST(ScrubText, ScrubbingTwiceChangesNothingMore) {
    for (std::string const& name : testing::delivery_fixtures()) {
        std::string const body = fixture(name);
        for (MsisdnPrivacy const* privacy : {&kMask, &kHash}) {
            std::string const once = privacy->scrub_text(body);
            EXPECT_EQ(privacy->scrub_text(once), once) << name;
        }
    }
}

TEST(ScrubText, HashesAFieldAndAPlusNumberToOneToken) {
    std::string const token = kHash.protect_number("+6591178965");
    EXPECT_EQ(kHash.scrub_text(R"({"source":"6591178965","note":"+65 9117 8965"})"),
              R"({"source":")" + token + R"(","note":")" + token + R"("})");
}

TEST(ScrubText, LeavesNoRunOfAnOriginalNumberInAnyFixtureBody) {
    for (std::string const& name : testing::delivery_fixtures()) {
        std::string const body = fixture(name);
        for (std::string const& number : numbers_in(name)) {
            ASSERT_THAT(leaked_runs(body, number), Not(::testing::IsEmpty())) << name;
            std::string const masked = kMask.scrub_text(body);
            EXPECT_THAT(leaked_runs(masked, number), ::testing::IsEmpty()) << name << masked;
            std::string const hashed = kHash.scrub_text(body);
            EXPECT_THAT(leaked_runs(hashed, number), ::testing::IsEmpty()) << name << hashed;
            EXPECT_THAT(hashed, Not(HasSubstr(digits_of(number).substr(0, 7))));
            EXPECT_THAT(hashed, HasSubstr(kHash.protect_number(number))) << name;
        }
    }
}

TEST(ScrubText, KeepsTheLengthOfTextWithoutNumberValuesWhenMasking) {
    std::string const body = fixture("unsupported_call_action.json");
    EXPECT_EQ(kMask.scrub_text(body).size(), body.size());
}

TEST(ScrubText, HandlesArbitraryBytesAndIsIdempotent) {
    // Pieces that exercise every branch, glued at random, plus random bytes.
    constexpr std::string_view kPieces[] = {"\"",
                                            "\\\"",
                                            "+",
                                            "%2B",
                                            "\\u002B",
                                            "source",
                                            "destination",
                                            "msisdn",
                                            "\"source\":",
                                            "\"destination\" : \"",
                                            "\\\"source\\\":\\\"",
                                            ":",
                                            " ",
                                            "(",
                                            ")",
                                            "-",
                                            "6591",
                                            "178965",
                                            "0",
                                            "*",
                                            "\n",
                                            "\\",
                                            "{",
                                            ",",
                                            "1e+",
                                            ".",
                                            "null"};
    std::mt19937 random(20260106);
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        std::size_t const pieces = random() % 24;
        for (std::size_t i = 0; i < pieces; ++i) {
            if (random() % 8 == 0) {
                text.push_back(static_cast<char>(random() % 256));
            } else {
                text.append(kPieces[random() % std::size(kPieces)]);
            }
        }
        for (MsisdnPrivacy const* privacy : {&kMask, &kHash}) {
            std::string once;
            ASSERT_NO_THROW(once = privacy->scrub_text(text)) << text;
            EXPECT_EQ(privacy->scrub_text(once), once) << text;
        }
    }
}

}  // namespace
}  // namespace callsink
