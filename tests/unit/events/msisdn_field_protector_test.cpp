// protect_event_numbers (MsisdnPrivacy::protect): every number of a parsed fixture, in its typed
// fields, its unknown members and eventData, under mask and hash.
#include "callsink/events/msisdn_field_protector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "callsink/events/msisdn_privacy.hpp"
#include "callsink/events/parse.hpp"
#include "fixtures.hpp"
#include "parsed.hpp"
#include "phone_numbers.hpp"

namespace callsink {
namespace {

using testing::fixture;
using testing::leaked_runs;
using testing::numbers_in;
using testing::parsed;
using testing::written;

MsisdnPrivacy const kMask(MsisdnPolicy::mask);
MsisdnPrivacy const kHash(MsisdnPolicy::hash, "test-key");

// The fixture with `edit` applied to its parsed JSON, parsed as an Event.
Event parsed_edited(std::string_view name, std::function<void(Json&)> const& edit) {
    Json json = Json::parse(fixture(name));
    edit(json);
    return parsed(json.dump());
}

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
    for (std::string const& name : testing::delivery_fixtures()) {
        if (!parse_event(fixture(name))) {
            continue;  // rejected: its body is the text scrubber's
        }
        std::set<std::string> const numbers = numbers_in(name);
        for (MsisdnPrivacy const* privacy : {&kMask, &kHash}) {
            Event event = parsed(fixture(name));
            privacy->protect(event);
            std::string const record = written(event);
            for (std::string const& number : numbers) {
                EXPECT_THAT(leaked_runs(record, number), ::testing::IsEmpty())
                    << name << ": " << record;
            }
        }
    }
}

}  // namespace
}  // namespace callsink
