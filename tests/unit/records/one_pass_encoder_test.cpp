// The one-pass encoder against the general path it stands in for: on every body it accepts, its
// record must be byte for byte what parse_event() + encode_event_record() write, and its fields
// what the typed Event holds. It must also accept the shapes 8x8 really sends, or the speed-up
// silently goes away.
#include "callsink/records/one_pass_encoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "callsink/events/parse.hpp"
#include "callsink/records/record.hpp"
#include "fixtures.hpp"

namespace callsink {
namespace {

Received const kReceived{"2026-11-22T18:00:00.123Z", "/status", "203.0.113.7", "abc-0001"};

// Checks the contract on one body; returns whether the fast path took it.
bool agrees_with_general_path(std::string_view body) {
    auto const fast = encode_fast_record(body, kReceived);
    if (!fast) {
        return false;
    }
    auto const parsed = parse_event(body);
    EXPECT_TRUE(parsed.has_value()) << "fast path accepted what parse_event rejects: " << body;
    if (!parsed) {
        return true;
    }
    EXPECT_TRUE(parsed->notes.empty()) << "fast path accepted a body with notes: " << body;
    EXPECT_EQ(fast->line, encode_event_record(*parsed, kReceived)) << body;
    EventFields const& fields = fast->fields;
    EXPECT_TRUE(fields == event_fields(*parsed)) << "the general path reads other fields: " << body;
    EXPECT_EQ(fields.event_type, parsed->envelope.event_type);
    if (auto const* call = std::get_if<CallStatus>(&parsed->payload)) {
        EXPECT_EQ(fields.event_id, call->event_id);
        EXPECT_EQ(fields.session_id, call->session_id);
        EXPECT_EQ(fields.call_id, call->call_id);
        EXPECT_EQ(fields.status, call->call_status);
        EXPECT_EQ(fields.direction, call->call_direction.value_or(""));
    } else {
        auto const& summary = std::get<SessionSummary>(parsed->payload);
        EXPECT_EQ(fields.session_id, summary.session_id);
        EXPECT_EQ(fields.status, summary.session_status);
        EXPECT_TRUE(fields.event_id.empty());
    }
    return true;
}

std::string replace(std::string text, std::string_view from, std::string_view to) {
    std::size_t const at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) {
        text.replace(at, from.size(), to);
    }
    return text;
}

// A compact CALL_STATUS with `extra` spliced into its payload.
std::string call_status_with(std::string_view extra) {
    return std::string(R"({"namespace":"VOICE","eventType":"CALL_STATUS","payload":{)") +
           R"("eventId":"e1","callId":"c1","sessionId":"s1","callStatus":"CALL_INITIATED")" +
           std::string(extra) + "}}";
}

std::string session_summary_with(std::string_view leg) {
    return std::string(R"({"eventType":"SESSION_SUMMARY","payload":{"sessionId":"s1",)") +
           R"("sessionStatus":"COMPLETED","details":{"callA":{)" + std::string(leg) + "}}}}";
}

TEST(FastRecord, TakesTheShapes8x8Sends) {
    for (std::string_view name : {
             "call_status_2026.json",
             "call_status_numbers_as_strings.json",
             "call_status_nulls.json",
             "call_status_unknown_fields.json",
             "call_status_event_data_object.json",
             "session_summary_success.json",
             "session_summary_failure.json",
             "session_summary_numbers_as_strings.json",
             "session_summary_unknown_fields.json",
         }) {
        EXPECT_TRUE(agrees_with_general_path(testing::fixture(name))) << name;
    }
}

TEST(FastRecord, LeavesNotesAndRejectionsToTheGeneralPath) {
    // call_status_md.json's enum values are placeholders ("INBOUND | OUTBOUND"): noted.
    for (std::string_view name : {"call_status_md.json", "call_status_unknown_enum_values.json",
                                  "unsupported_call_action.json"}) {
        EXPECT_FALSE(agrees_with_general_path(testing::fixture(name))) << name;
    }
    for (std::string_view body : {
             "",
             "   ",
             "[]",
             "{}",
             "null",
             "{\"eventType\":\"CALL_STATUS\"}",
             R"({"eventType":"CALL_STATUS","payload":{"eventId":"e1"}})",
             R"({"eventType":"CALL_STATUS","payload":null})",
         }) {
        EXPECT_FALSE(agrees_with_general_path(body)) << body;
    }
}

TEST(FastRecord, AgreesOnValues) {
    std::vector<std::string> const extras = {
        "",
        R"(,"callDuration":"007")",
        R"(,"callDuration":"-5")",
        R"(,"callDuration":"+5")",
        R"(,"callDuration":" 5")",
        R"(,"callDuration":"5.0")",
        R"(,"callDuration":5.0)",
        R"(,"callDuration":-0)",
        R"(,"callDuration":123456789012345678)",
        R"(,"callDuration":1234567890123456789)",
        R"(,"callDuration":"9223372036854775808")",
        R"(,"sipCode":null)",
        R"(,"sipCode":true)",
        R"(,"eventData":" ")",
        R"(,"eventData":{"a":[1,2.5,{"b":null}],"c":"\"q\" \\ \n\t"})",
        R"(,"eventData":[1])",
        R"(,"eventData":7)",
        R"(,"timestamp":"2026-01-06T10:17:19.375Z")",
        R"(,"timestamp":"2026-02-30T10:17:19Z")",
        R"(,"timestamp":"2026-01-06 10:17:19+05:30")",
        R"(,"source":"+6568332048","destination":null)",
        R"(,"source":12)",
        R"(,"callDirection":"INBOUND")",
        R"(,"callDirection":"SIDEWAYS")",
        R"(,"x":1e2,"y":-0.0,"z":0.1,"w":1E-7,"v":2.50,"u":1e400)",
        R"(,"x":123456789012345678901)",
        R"(,"x":-9223372036854775809)",
        R"(,"x":01)",
        R"(,"x":1.)",
        R"(,"x":.5)",
        R"(,"x":-)",
        R"(,"x":"caf\u00e9")",
        R"(,"x":"a\/b")",
        "\n,\t\"x\" :\r\"caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80 \x7F\"",
        ",\"x\":\"\xC3\"",
        ",\"x\":\"\xED\xA0\x80\"",
        ",\"x\":\"a\x01\"",
        R"(,"x":{},"y":[],"z":[{}],"w":{"a":{"b":{"c":[[[]]]}}})",
        R"(,"x":{"a":1,"a":2})",
        R"(,"x":1,"x":2)",
        R"(,"eventId":"again")",
        R"(,"x":tru)",
        R"(,"x":nul)",
        R"(,"x":[1,])",
        R"(,"x":{"a":1,})",
        R"(,"x":[1 2])",
        R"(,"received":{"at":"x"})",
    };
    for (std::string const& extra : extras) {
        agrees_with_general_path(call_status_with(extra));
    }
    EXPECT_TRUE(agrees_with_general_path(call_status_with(R"(,"callDuration":"007")")));
    EXPECT_TRUE(agrees_with_general_path(call_status_with(R"(,"x":1e2,"y":-0.0,"z":0.1)")));
    EXPECT_TRUE(agrees_with_general_path(call_status_with("")));
}

TEST(FastRecord, AgreesOnEnvelopes) {
    std::string const body = testing::fixture("call_status_2026.json");
    std::vector<std::string> const bodies = {
        replace(body, R"("namespace": "VOICE",)", R"("namespace": null, "other": [true, false],)"),
        replace(body, R"("description": "Status update of a call")", R"("received": 1)"),
        replace(body, R"("eventType": "CALL_STATUS")", R"("eventType": "CALL_\u0053TATUS")"),
        replace(body, R"("eventType": "CALL_STATUS")", R"("eventType": "CALL_ACTION")"),
        replace(body, R"("eventType": "CALL_STATUS")", R"("eventType": 7)"),
        replace(body, R"("eventId": "e2078079)", R"("eventId": "e2078079\"")"),
        body + " x",
        "\xEF\xBB\xBF" + body,
        " \n" + body + "\n ",
        std::string(R"({"payload":{},"eventType":"CALL_STATUS","payload":{}})"),
    };
    for (std::string const& each : bodies) {
        agrees_with_general_path(each);
    }
    EXPECT_TRUE(agrees_with_general_path(bodies[0]));
    EXPECT_TRUE(agrees_with_general_path(bodies[8]));
}

TEST(FastRecord, AgreesOnLegs) {
    std::vector<std::string> const legs = {
        R"("callId":"a")",
        R"("callQuality":{"mos":4,"packetLossRate":"0.5","jitter":"19"})",
        R"("callQuality":{"mos":-0,"packetLossRate":-0.0,"jitter":1.0})",
        R"("callQuality":{"mos":"nan"})",
        R"("callQuality":{"mos":"inf"})",
        R"("callQuality":{"mos":"1e5"})",
        R"("callQuality":{"mos":4.50,"extra":{"deep":[1]}})",
        R"("callQuality":null,"errorDetails":{"errorMsg":"x","errorCode":"-2005"})",
        R"("callQuality":[],"errorDetails":{})",
        R"("callStatus":"NO ANSWER","callDuration":"13")",
        R"("callStatus":"RINGING")",
        R"("initiatedTimestamp":"2024-03-25T06:01:28Z","x":null)",
        R"("initiatedTimestamp":"yesterday")",
    };
    for (std::string const& leg : legs) {
        agrees_with_general_path(session_summary_with(leg));
    }
    EXPECT_TRUE(agrees_with_general_path(session_summary_with(legs[1])));
    EXPECT_TRUE(agrees_with_general_path(session_summary_with(legs[7])));
    for (std::string_view details : {R"("details":{})", R"("details":{"callA":null})",
                                     R"("details":{"callA":null,"callB":{"callId":"b"}})",
                                     R"("details":{"callA":{},"callA":{}})",
                                     R"("details":{"callA":1})", R"("details":null)"}) {
        agrees_with_general_path(
            std::string(R"({"eventType":"SESSION_SUMMARY","payload":{"sessionId":"s",)") +
            R"("sessionStatus":"BUSY",)" + std::string(details) + "}}");
    }
}

TEST(FastRecord, DeclinesDeepOrWideBodies) {
    std::string deep = R"(,"x":)";
    for (int i = 0; i < 40; ++i) {
        deep += "[";
    }
    for (int i = 0; i < 40; ++i) {
        deep += "]";
    }
    EXPECT_FALSE(agrees_with_general_path(call_status_with(deep)));
    std::string wide;
    for (int i = 0; i < 40; ++i) {
        wide += ",\"x" + std::to_string(i) + "\":1";
    }
    EXPECT_FALSE(agrees_with_general_path(call_status_with(wide)));
}

TEST(FastRecord, DeclinesReceivedValuesThatNeedEscaping) {
    Received const odd{"2026-11-22T18:00:00.123Z", "/st\"atus", "203.0.113.7", "abc"};
    EXPECT_FALSE(encode_fast_record(call_status_with(""), odd).has_value());
}

}  // namespace
}  // namespace callsink
