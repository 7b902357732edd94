// MsisdnPrivacy: the mask and hash rules for one number, protect() over parsed fixtures
// (tests/data), and scrub_text over raw bodies, cut-short bodies and arbitrary bytes.
#include "callsink/events/msisdn_privacy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "callsink/events/fields.hpp"
#include "callsink/events/parse.hpp"
#include "fixtures.hpp"
#include "parsed.hpp"

namespace callsink {
namespace {

using testing::parsed;

using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr std::string_view kKey = "test-key";

// Every fixture, including the one parse_event rejects (its body goes to the rejects file).
constexpr std::string_view kFixtures[] = {
    "call_status_2026.json",
    "call_status_event_data_object.json",
    "call_status_md.json",
    "call_status_nulls.json",
    "call_status_numbers_as_strings.json",
    "call_status_unknown_enum_values.json",
    "call_status_unknown_fields.json",
    "session_summary_failure.json",
    "session_summary_numbers_as_strings.json",
    "session_summary_success.json",
    "session_summary_unknown_fields.json",
    "unsupported_call_action.json",
    "virtual_number_update.json",
    "virtual_number_update_lenient.json",
    "virtual_number_update_unknown_values.json",
    "call_recording_status.json",
    "call_recording_status_lenient.json",
};

using testing::fixture;

// The whole event as JSON text, written by its field lists: what a record of it would hold.
std::string dump(Event const& event) {
    Json json = write_object(event.envelope);
    json["payload"] =
        std::visit([](auto const& payload) { return write_object(payload); }, event.payload);
    for (ParseNote const& note : event.notes) {
        json["notes"].push_back(note.value);
    }
    return json.dump();
}

// The fixture with `edit` applied to its parsed JSON, parsed as an Event.
Event parsed_edited(std::string_view name, std::function<void(Json&)> const& edit) {
    Json json = Json::parse(fixture(name));
    edit(json);
    return parsed(json.dump());
}

MsisdnPrivacy const kClear(MsisdnPolicy::clear);
MsisdnPrivacy const kMask(MsisdnPolicy::mask);
MsisdnPrivacy const kHash(MsisdnPolicy::hash, std::string(kKey));

std::string digits_of(std::string_view text) {
    std::string digits;
    std::copy_if(text.begin(), text.end(), std::back_inserter(digits),
                 [](char c) { return c >= '0' && c <= '9'; });
    return digits;
}

// The values of every member named like a number field, at any depth of the fixture.
void collect_numbers(Json const& json, std::set<std::string>& numbers) {
    constexpr std::string_view kNames[] = {"source", "destination", "sourceMsisdn", "targetMsisdn",
                                           "msisdn"};
    if (json.is_object()) {
        for (auto it = json.begin(); it != json.end(); ++it) {
            bool const named =
                std::find(std::begin(kNames), std::end(kNames), it.key()) != std::end(kNames);
            if (named && it->is_string()) {
                numbers.insert(it->get<std::string>());
            }
            collect_numbers(*it, numbers);
        }
    } else if (json.is_array()) {
        for (auto const& element : json) {
            collect_numbers(element, numbers);
        }
    }
}

std::set<std::string> numbers_in(std::string_view name) {
    std::set<std::string> numbers;
    collect_numbers(Json::parse(fixture(name)), numbers);
    return numbers;
}

// Every run of 7 consecutive digits of `number` that `text` still contains.
std::vector<std::string> leaked_runs(std::string_view text, std::string_view number) {
    constexpr std::size_t kRun = 7;
    std::string const digits = digits_of(number);
    std::vector<std::string> leaked;
    for (std::size_t i = 0; i + kRun <= digits.size(); ++i) {
        std::string const run = digits.substr(i, kRun);
        if (text.find(run) != std::string_view::npos) {
            leaked.push_back(run);
        }
    }
    return leaked;
}

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
    EXPECT_EQ(dump(event), dump(parsed(body)));
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
    for (std::string_view name : kFixtures) {
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
    for (std::string_view name : kFixtures) {
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

// The contexts that hash numbers are reused, by whichever thread comes next: a context that kept
// any state from its last number would give a wrong token here.
TEST(HashNumber, GivesTheSameTokensFromManyThreadsAtOnceAsFromOne) {
    std::vector<std::string> const numbers{"+6591178965", "+6568332048", "+94771234567", "+12"};
    std::vector<std::string> expected;
    for (auto const& number : numbers) {
        expected.push_back(
            MsisdnPrivacy(MsisdnPolicy::hash, std::string(kKey)).protect_number(number));
    }
    std::vector<int> wrong(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < wrong.size(); ++t) {
        threads.emplace_back([&, t] {
            for (std::size_t i = 0; i < 2000; ++i) {
                std::size_t const n = (i + t) % numbers.size();
                wrong[t] += kHash.protect_number(numbers[n]) != expected[n] ? 1 : 0;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_THAT(wrong, Each(0));
    EXPECT_EQ(expected[0], "msisdn:9c3ab3fcdce2da20");
}

// --- protect(Event) --------------------------------------------------------------------------

TEST(ProtectEvent, CoversCallStatusSourceAndDestination) {
    Event event = parsed(fixture("call_status_2026.json"));
    kMask.protect(event);
    auto const& status = std::get<CallStatus>(event.payload);
    EXPECT_EQ(status.source, "+65***3033");
    EXPECT_EQ(status.destination, "+94*****6434");
    EXPECT_EQ(status.source_country_code, "SG");  // not a number: kept
}

TEST(ProtectEvent, CoversEveryLegOfASessionSummary) {
    Event event = parsed(fixture("session_summary_success.json"));
    kHash.protect(event);
    auto const& legs = std::get<SessionSummary>(event.payload).legs;
    ASSERT_EQ(legs.size(), 2u);
    EXPECT_EQ(legs[0].name, "callB");
    EXPECT_EQ(legs[0].source, "msisdn:859fb493654f5d52");
    EXPECT_EQ(legs[0].destination, "msisdn:9c3ab3fcdce2da20");
    EXPECT_EQ(legs[1].source, kHash.protect_number("+12314377870"));
    // The virtual number +6568332048 is callB's source and callA's destination: one token, so
    // the legs stay correlatable.
    EXPECT_EQ(legs[1].destination, legs[0].source);
}

TEST(ProtectEvent, CoversNumbersInUnknownFieldsAndEventData) {
    Event event = parsed_edited("call_status_2026.json", [](Json& json) {
        json["trace"] = "relayed for +6591178965";
        json["description"] = "Status update of a call from +6568332048";
        Json& payload = json.at("payload");
        payload["eventData"] = "transfer to +6591178965 requested";
        payload["callerNote"] = "call back on +65 9117 8965";
        payload["carrier"] = {{"msisdn", "6591178965"},
                              {"handle", {{"sourceMsisdn", 6568332048}, {"ids", {123, 456}}}},
                              {"history", {"+12314377870", "none"}}};
        payload["sourceRefId"] = "ref +6591178965";
    });
    kMask.protect(event);
    auto const& status = std::get<CallStatus>(event.payload);
    EXPECT_EQ(event.envelope.extra.at("trace"), "relayed for +65****8965");
    EXPECT_EQ(event.envelope.description, "Status update of a call from +65****2048");
    EXPECT_EQ(status.event_data, Json("transfer to +65****8965 requested"));
    EXPECT_EQ(status.extra.at("callerNote"), "call back on +65 **** 8965");
    EXPECT_EQ(status.extra.at("carrier").at("msisdn"), "65****8965");
    EXPECT_EQ(status.extra.at("carrier").at("handle").at("sourceMsisdn"), "65****2048");
    EXPECT_EQ(status.extra.at("carrier").at("handle").at("ids"), Json({123, 456}));
    EXPECT_EQ(status.extra.at("carrier").at("history"), Json({"+1******7870", "none"}));
    EXPECT_EQ(status.source_ref_id, "ref +65****8965");
}

TEST(ProtectEvent, CoversNumbersInAnEventDataObjectAndErrorMessages) {
    Event status_event = parsed_edited("call_status_event_data_object.json", [](Json& json) {
        json.at("payload").at("eventData")["forwardedTo"] = "+6591178965";
        json.at("payload").at("eventData")["destination"] = "6568332048";
    });
    kMask.protect(status_event);
    Json const& event_data = *std::get<CallStatus>(status_event.payload).event_data;
    EXPECT_EQ(event_data.at("forwardedTo"), "+65****8965");
    EXPECT_EQ(event_data.at("destination"), "65****2048");
    EXPECT_EQ(event_data.at("dtmf"), "1234#");

    Event summary_event = parsed_edited("session_summary_failure.json", [](Json& json) {
        json.at("payload").at("errorDetails")["errorMsg"] = "+6591178965 is not whitelisted";
        json.at("payload").at("details").at("callA")["errorDetails"] = {
            {"errorMsg", "No route to +6591178965"}, {"errorCode", -2005}};
    });
    kMask.protect(summary_event);
    auto const& summary = std::get<SessionSummary>(summary_event.payload);
    EXPECT_EQ(summary.error_details->error_msg, "+65****8965 is not whitelisted");
    EXPECT_EQ(summary.legs.at(0).error_details->error_msg, "No route to +65****8965");
}

TEST(ProtectEvent, LeavesNoOriginalNumberInAnyFixtureRecord) {
    for (std::string_view name : kFixtures) {
        if (name == "unsupported_call_action.json") {
            continue;  // rejected; its body is scrub_text's (below)
        }
        std::set<std::string> const numbers = numbers_in(name);
        for (MsisdnPrivacy const* privacy : {&kMask, &kHash}) {
            Event event = parsed(fixture(name));
            privacy->protect(event);
            std::string const record = dump(event);
            for (std::string const& number : numbers) {
                EXPECT_THAT(leaked_runs(record, number), ::testing::IsEmpty())
                    << name << ": " << record;
            }
        }
    }
}

// --- scrub_text ------------------------------------------------------------------------------

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
    for (std::string_view name : kFixtures) {
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
    for (std::string_view name : kFixtures) {
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
