// The one-pass encoder against the general path it stands in for: on every body it accepts, its
// Record must be byte for byte what parse_event() + event_record() produce, summary and
// redelivery key included. It must also accept the shapes 8x8 really sends, or the speed-up
// silently goes away.
#include "callsink/records/one_pass_encoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "callsink/events/parse.hpp"
#include "callsink/records/event_record.hpp"
#include "callsink/records/one_pass_capacities.hpp"
#include "fixtures.hpp"

namespace callsink {
namespace {

Received const kReceived{"2026-11-22T18:00:00.123Z", "/status", "203.0.113.7", "abc-0001"};

// Checks the contract on one body: where the one-pass encoder takes it, its Record (line,
// summary and redelivery key) must be the general path's. Returns whether it took it.
bool agrees_with_general_path(std::string_view body) {
    auto const one_pass = encode_one_pass(body, kReceived);
    if (!one_pass) {
        return false;
    }
    auto const parsed = parse_event(body);
    EXPECT_TRUE(parsed.has_value()) << "one pass accepted what parse_event rejects: " << body;
    if (!parsed) {
        return true;
    }
    EXPECT_TRUE(parsed->notes.empty()) << "one pass accepted a body with notes: " << body;
    Record const general = event_record(*parsed, kReceived);
    EXPECT_EQ(one_pass->line, general.line) << body;
    EXPECT_EQ(one_pass->kind, RecordKind::event);
    EXPECT_TRUE(one_pass->summary == general.summary) << "the summaries differ: " << body;
    EXPECT_EQ(one_pass->redelivery_key, general.redelivery_key) << body;
    EXPECT_TRUE(one_pass->redelivery_key) << body;
    EXPECT_EQ(one_pass->summary.event_type, parsed->envelope.event_type);
    EXPECT_EQ(one_pass->summary.type_index, parsed->payload.index());
    return true;
}

// Each body with whether the one-pass encoder takes it: a body it should take and declines
// loses the speed silently, one it should decline and takes may write a record the general
// path would not.
struct Case {
    std::string body;
    bool taken;
};

void expect_cases(std::vector<Case> const& cases) {
    for (Case const& each : cases) {
        EXPECT_EQ(agrees_with_general_path(each.body), each.taken)
            << (each.taken ? "declined: " : "taken: ") << each.body;
    }
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

TEST(OnePassEncoder, TakesTheShapes8x8Sends) {
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
             "virtual_number_update.json",
             "virtual_number_update_lenient.json",
             "virtual_number_update_empty_snapshot.json",
             "call_recording_status.json",
             "call_recording_status_lenient.json",
         }) {
        EXPECT_TRUE(agrees_with_general_path(testing::fixture(name))) << name;
    }
}

TEST(OnePassEncoder, LeavesNotesAndRejectionsToTheGeneralPath) {
    // call_status_md.json's enum values are placeholders ("INBOUND | OUTBOUND"): noted.
    for (std::string_view name :
         {"call_status_md.json", "call_status_unknown_enum_values.json",
          "unsupported_call_action.json", "virtual_number_update_unknown_values.json",
          "call_recording_status_unknown_status.json"}) {
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

TEST(OnePassEncoder, AgreesOnValues) {
    std::vector<Case> const extras = {
        {"", true},
        {R"(,"callDuration":"007")", true},
        {R"(,"callDuration":"-5")", true},
        {R"(,"callDuration":"+5")", false},
        {R"(,"callDuration":" 5")", false},
        {R"(,"callDuration":"5.0")", false},
        {R"(,"callDuration":5.0)", false},
        {R"(,"callDuration":-0)", false},
        {R"(,"callDuration":123456789012345678)", true},
        {R"(,"callDuration":1234567890123456789)", false},
        {R"(,"callDuration":"9223372036854775808")", false},
        {R"(,"sipCode":null)", true},
        {R"(,"sipCode":true)", false},
        {R"(,"eventData":" ")", true},
        {R"(,"eventData":{"a":[1,2.5,{"b":null}],"c":"\"q\" \\ \n\t"})", true},
        {R"(,"eventData":[1])", false},
        {R"(,"eventData":7)", false},
        {R"(,"timestamp":"2026-01-06T10:17:19.375Z")", true},
        {R"(,"timestamp":"2026-02-30T10:17:19Z")", false},
        {R"(,"timestamp":"2026-01-06 10:17:19+05:30")", true},
        {R"(,"source":"+6568332048","destination":null)", true},
        {R"(,"source":12)", false},
        {R"(,"callDirection":"INBOUND")", true},
        {R"(,"callDirection":"SIDEWAYS")", false},
        {R"(,"x":1e2,"y":-0.0,"z":0.1,"w":1E-7,"v":2.50,"u":1e400)", false},
        {R"(,"x":1e2,"y":-0.0,"z":0.1,"w":1E-7,"v":2.50)", true},
        {R"(,"x":123456789012345678901)", false},
        {R"(,"x":-9223372036854775809)", false},
        {R"(,"x":01)", false},
        {R"(,"x":1.)", false},
        {R"(,"x":.5)", false},
        {R"(,"x":-)", false},
        {R"(,"x":"caf\u00e9")", false},
        {R"(,"x":"a\/b")", false},
        {"\n,\t\"x\" :\r\"caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80 \x7F\"", true},
        {",\"x\":\"\xC3\"", false},
        {",\"x\":\"\xED\xA0\x80\"", false},
        {",\"x\":\"a\x01\"", false},
        {R"(,"x":{},"y":[],"z":[{}],"w":{"a":{"b":{"c":[[[]]]}}})", true},
        {R"(,"x":{"a":1,"a":2})", false},
        {R"(,"x":1,"x":2)", false},
        {R"(,"eventId":"again")", false},
        {R"(,"x":tru)", false},
        {R"(,"x":nul)", false},
        {R"(,"x":[1,])", false},
        {R"(,"x":{"a":1,})", false},
        {R"(,"x":[1 2])", false},
        {R"(,"received":{"at":"x"})", true},
    };
    std::vector<Case> cases;
    for (Case const& extra : extras) {
        cases.push_back({call_status_with(extra.body), extra.taken});
    }
    expect_cases(cases);
}

TEST(OnePassEncoder, AgreesOnEnvelopes) {
    std::string const body = testing::fixture("call_status_2026.json");
    expect_cases({
        {replace(body, R"("namespace": "VOICE",)", R"("namespace": null, "other": [true, false],)"),
         true},
        // An 8x8 member named `received` is kept inside callsink's: the general path's business.
        {replace(body, R"("description": "Status update of a call")", R"("received": 1)"), false},
        {replace(body, R"("eventType": "CALL_STATUS")", R"("eventType": "CALL_\u0053TATUS")"),
         false},
        {replace(body, R"("eventType": "CALL_STATUS")", R"("eventType": "CALL_ACTION")"), false},
        {replace(body, R"("eventType": "CALL_STATUS")", R"("eventType": 7)"), false},
        // An escape in a value the redelivery key reads.
        {replace(body, R"("eventId": "e2078079)", R"("eventId": "e2078079\"")"), false},
        {body + " x", false},
        {"\xEF\xBB\xBF" + body, false},
        {" \n" + body + "\n ", true},
        {R"({"payload":{},"eventType":"CALL_STATUS","payload":{}})", false},
        // The envelope's pass collects the payload's members as it crosses them; a second
        // payload, complete and different, must not pass for the first.
        {replace(body, "\n},\n\"namespace",
                 "\n}, \"payload\": {\"eventId\": \"e2\", \"callId\": \"c2\", "
                 "\"sessionId\": \"s2\", \"callStatus\": \"CALL_INITIATED\"},\n\"namespace"),
         false},
        {replace(body, "\"payload\": {\n", "\"payload\" :\t{ \n"), true},
        {replace(body, "\"eventId\": \"e2078079", "\"eventId\" \"e2078079"), false},
        {replace(body, "19.375Z\"\n}", "19.375Z\",\n}"), false},
        {replace(body, "19.375Z\"\n}", "19.375Z\" \n }"), true},
        {replace(replace(body, "\"payload\": {\n", "\"payload\": [{\n"), "\n},\n\"namespace",
                 "\n}],\n\"namespace"),
         false},
        {replace(body, "\"timestamp\": \"2026-01-06T10:17:19.375Z\"\n},",
                 "\"timestamp\": \"2026-01-06T10:17:19.375Z\"\n}, \"payload\": \"x\","),
         false},
    });
}

TEST(OnePassEncoder, AgreesOnLegs) {
    std::vector<Case> const legs = {
        {R"("callId":"a")", true},
        {R"("callQuality":{"mos":4,"packetLossRate":"0.5","jitter":"19"})", true},
        {R"("callQuality":{"mos":-0,"packetLossRate":-0.0,"jitter":1.0})", false},
        {R"("callQuality":{"mos":"nan"})", false},
        {R"("callQuality":{"mos":"inf"})", false},
        {R"("callQuality":{"mos":"1e5"})", true},
        {R"("callQuality":{"mos":4.50,"extra":{"deep":[1]}})", true},
        {R"("callQuality":null,"errorDetails":{"errorMsg":"x","errorCode":"-2005"})", true},
        {R"("callQuality":[],"errorDetails":{})", false},
        {R"("callStatus":"NO ANSWER","callDuration":"13")", true},
        {R"("callStatus":"RINGING")", false},
        {R"("initiatedTimestamp":"2024-03-25T06:01:28Z","x":null)", true},
        {R"("initiatedTimestamp":"yesterday")", false},
    };
    std::vector<Case> cases;
    for (Case const& leg : legs) {
        cases.push_back({session_summary_with(leg.body), leg.taken});
    }
    std::vector<Case> const details = {
        {R"("details":{})", false},  // the general path leaves an empty `details` out
        {R"("details":{"callA":null})", false},
        {R"("details":{"callA":null,"callB":{"callId":"b"}})", true},
        {R"("details":{"callA":{},"callA":{}})", false},
        {R"("details":{"callA":1})", false},
        {R"("details":null)", true},
    };
    for (Case const& each : details) {
        cases.push_back(
            {std::string(R"({"eventType":"SESSION_SUMMARY","payload":{"sessionId":"s",)") +
                 R"("sessionStatus":"BUSY",)" + each.body + "}}",
             each.taken});
    }
    expect_cases(cases);
}

// A VIRTUAL_NUMBER_UPDATE with `numbers` as its virtualNumbers.
std::string numbers_update_with(std::string_view numbers) {
    return std::string(R"({"eventType":"VIRTUAL_NUMBER_UPDATE","payload":{)") +
           R"("subAccountId":"acme","totalNumbers":1,"updateEventType":"UPDATES",)" +
           R"("virtualNumbers":)" + std::string(numbers) + "}}";
}

TEST(OnePassEncoder, AgreesOnVirtualNumbers) {
    expect_cases({
        {numbers_update_with(R"([])"), true},
        {numbers_update_with(R"([{"msisdn":"+6591178965"}])"), true},
        {numbers_update_with(R"([ {"msisdn":"+1"} , {"msisdn":"+2","x":[1]} ])"), true},
        {numbers_update_with(R"([{"msisdn":"+1","numberHealthCheckEnabled":true}])"), true},
        {numbers_update_with(R"([{"msisdn":"+1","numberHealthCheckEnabled":"false"}])"), true},
        {numbers_update_with(R"([{"msisdn":"+1","numberHealthCheckEnabled":"yes"}])"), false},
        {numbers_update_with(R"([{"msisdn":"+1","numberHealthCheckEnabled":1}])"), false},
        {numbers_update_with(R"([{"msisdn":"+1","rentalPrice":5,"incomingRate":"0.05"}])"), true},
        {numbers_update_with(R"([{"msisdn":"+1","billingUnit":"60"}])"), true},
        {numbers_update_with(R"([{"msisdn":"+1","operationalStatus":"Gone"}])"), false},
        {numbers_update_with(R"([{"msisdn":"+1","updatedTimestamp":"2023-02-17T05:10:14.760Z"}])"),
         true},
        {numbers_update_with(R"([{"msisdn":""}])"), false},
        {numbers_update_with(R"([{"countryCode":"SG"}])"), false},
        {numbers_update_with(R"([null])"), false},
        {numbers_update_with(R"(["+6591178965"])"), false},
        {numbers_update_with(R"([{"msisdn":"+1"},])"), false},
        {numbers_update_with(R"({"msisdn":"+1"})"), false},
        {numbers_update_with(R"(null)"), false},
    });
}

TEST(OnePassEncoder, AgreesOnRecordingStatuses) {
    std::string const head =
        R"({"eventType":"CALL_RECORDING_STATUS","payload":{"sessionId":"s","recordingId":"r")";
    expect_cases({
        {head + R"(,"status":"PROCESSING"}})", true},
        {head + R"(,"status":"PROCESSING","durationSeconds":"25","filePath":null}})", true},
        {head + R"(,"status":"ARCHIVED"}})", false},
        {head + R"(,"status":""}})", false},
        {head + R"(,"status":"UPLOAD\u005fFAILED"}})", false},
        {head + "}}", false},
    });
}

TEST(OnePassEncoder, DeclinesDeepOrWideBodies) {
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

// An object of `count` members k0, k1 … each holding `value`.
std::string object_of(std::size_t count, std::string_view value) {
    std::string text = "{";
    for (std::size_t i = 0; i < count; ++i) {
        text += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":" + std::string(value);
    }
    return text + "}";
}

// Beyond a capacity the one-pass encoder declines, and the general path, whose limits are higher,
// still accepts: a capacity is never a rejection.
void expect_declined_but_accepted(std::string const& body) {
    EXPECT_FALSE(agrees_with_general_path(body)) << body;
    EXPECT_TRUE(parse_event(body).has_value()) << body;
}

TEST(OnePassEncoder, TakesBodiesUpToItsDepthCapacity) {
    // The envelope, the payload and eventData are the first three levels; arrays add the rest.
    auto const nested = [](std::size_t levels) {
        std::size_t const arrays = levels - 3;
        return call_status_with(R"(,"eventData":{"a":)" + std::string(arrays, '[') +
                                std::string(arrays, ']') + "}");
    };
    EXPECT_TRUE(agrees_with_general_path(nested(one_pass::kDepthCapacity + 1)));
    expect_declined_but_accepted(nested(one_pass::kDepthCapacity + 2));
}

TEST(OnePassEncoder, TakesObjectsUpToItsMemberCapacity) {
    std::size_t const capacity = one_pass::kObjectMemberCapacity;
    EXPECT_TRUE(
        agrees_with_general_path(call_status_with(R"(,"eventData":)" + object_of(capacity, "1"))));
    expect_declined_but_accepted(
        call_status_with(R"(,"eventData":)" + object_of(capacity + 1, "1")));
    // The payload is indexed (member_index.hpp): its four members here and the extra ones.
    std::string extra;
    for (std::size_t i = 4; i < capacity; ++i) {
        extra += ",\"x" + std::to_string(i) + "\":1";
    }
    EXPECT_TRUE(agrees_with_general_path(call_status_with(extra)));
    expect_declined_but_accepted(call_status_with(extra + R"(,"one_more":1)"));
}

TEST(OnePassEncoder, DeclinesBodiesBeyondItsMemberCapacityForTheWholeBody) {
    // eventData holds `objects` objects of 20 members: 21 members each, with its own key.
    auto const body = [](std::size_t objects) {
        std::string event_data = "{";
        for (std::size_t i = 0; i < objects; ++i) {
            event_data +=
                (i == 0 ? "\"o" : ",\"o") + std::to_string(i) + "\":" + object_of(20, "2");
        }
        return call_status_with(R"(,"eventData":)" + event_data + "}");
    };
    static_assert(21 * 20 < one_pass::kBodyMemberCapacity);
    static_assert(21 * 30 > one_pass::kBodyMemberCapacity);
    EXPECT_TRUE(agrees_with_general_path(body(20)));
    expect_declined_but_accepted(body(30));
}

TEST(OnePassEncoder, DeclinesReceivedValuesThatNeedEscaping) {
    Received const odd{"2026-11-22T18:00:00.123Z", "/st\"atus", "203.0.113.7", "abc"};
    EXPECT_FALSE(encode_one_pass(call_status_with(""), odd).has_value());
}

}  // namespace
}  // namespace callsink
